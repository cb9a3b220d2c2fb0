"""Issue #13 end to end, through the gateway, with the core-banking simulator publishing on
the real broker: history → tier from reported AUM → a maturing deposit opens an
opportunity → an unsuitable product is refused (and audited) → a suitable one is proposed
→ the product opened wins it → a falling AUM raises a churn signal on the worklist and
the team dashboard. Callers who may not see the customer get 404 everywhere."""
from __future__ import annotations

from datetime import date, timedelta

from services.customer import risk
from tests import support
from tools import core_banking_sim as sim

CNY = 100   # cents


def _answers(option: str) -> dict:
    return {qid: option if option in opts else list(opts)[-1] for qid, _, opts in risk.QUESTIONS}


def _catalogue(admin) -> None:
    for p in sim.CATALOGUE:
        r = admin.post("/api/v1/products", json=p)
        assert r.status_code in (201, 409), r.text


def _publish(events: list[dict]) -> None:
    assert sim.publish(events, support.EXCHANGE, support.AMQP_URL) == len(events)


def test_from_core_banking_history_to_a_won_sale_and_a_churn_signal(admin, manager):
    _catalogue(admin)
    other = support.new_user(admin, "manager")
    sup = support.new_user(admin, "supervisor", team=[manager.id])
    # Declared AUM says standard; the bank will say otherwise.
    cid = support.register_customer(manager, financial={"aum_cents": 10_000 * CNY})
    r = manager.post("/api/v1/risk/assessments", json={"customer_id": cid, "answers": _answers("b")})
    assert r.status_code == 201 and r.json()["level"] == "C3"
    today = date.today()

    # 1. 24 months of history, growing to 600k CNY: the tier follows the reported AUM.
    history = sim.history(cid, months=24, seed=13, today=today, profile="growing",
                          start_aum_cents=200_000 * CNY, end_aum_cents=600_000 * CNY)
    _publish(history)
    def applied():
        p = manager.get(f"/api/v1/customers/{cid}/picture").json()
        return (p["reported"] or {}).get("aum_cents") == 600_000 * CNY and len(p["months"]) >= 24 \
            and p["months"][-1].get("transaction_count") is not None and len(p["holdings"]) >= 2
    support.wait_for(applied, timeout=90, what="the history to be applied")
    support.wait_for(lambda: manager.get(f"/api/v1/customers/{cid}").json()["tier"] == "platinum",
                     timeout=30, what="the tier to follow the reported AUM")
    pic = manager.get(f"/api/v1/customers/{cid}/picture").json()
    assert pic["tier_basis"] == "reported" and pic["declared"]["aum_cents"] == 10_000 * CNY
    assert pic["reported"]["aum_cents"] == 600_000 * CNY and len(pic["months"]) >= 24
    assert all(h["account_ref"].startswith("****") and len(h["account_ref"]) <= 6 for h in pic["holdings"])
    assert pic["contribution_cents"] > 0
    version = manager.get(f"/api/v1/customers/{cid}").json()["version"]

    # 2. A maturing deposit opens an opportunity. Before it, the whole history again, newest
    # first: a redelivery changes nothing and an older fact never wins (checked once the
    # maturing deposit, published after them, has arrived).
    _publish(history[::-1] + [sim.maturing(cid, "****4321", today + timedelta(days=20), 150_000 * CNY, today)])

    def maturing():
        rows = manager.get(f"/api/v1/opportunities?customer_id={cid}").json()
        return next((o for o in rows if o["source"] == "maturing_deposit" and o["source_ref"] == "****21"), None)
    opp = support.wait_for(maturing, timeout=30, what="an opportunity from the maturing deposit")
    assert opp["stage"] == "identified" and "propose" in opp["actions"]
    again = manager.get(f"/api/v1/customers/{cid}/picture").json()
    assert again["reported"] == pic["reported"] and again["months"] == pic["months"]
    assert manager.get(f"/api/v1/customers/{cid}").json()["version"] == version
    # Who may not see the customer does not see its picture, opportunities or pipeline.
    assert other.get(f"/api/v1/customers/{cid}/picture").status_code == 404
    assert other.get(f"/api/v1/opportunities/{opp['id']}").status_code == 404
    assert other.post(f"/api/v1/opportunities/{opp['id']}/propose",
                      json={"product_code": "WM-R2-180"}).status_code == 404
    assert other.get(f"/api/v1/opportunities?customer_id={cid}").status_code == 404
    assert other.get(f"/api/v1/opportunities/worklist?manager_id={manager.id}").status_code == 404

    # 3. An unsuitable product (R5 for a C3 customer) is refused, saying why, and audited.
    r = manager.post(f"/api/v1/opportunities/{opp['id']}/propose", json={"product_code": "FD-EQ"})
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert problem["suitability"] == "level_too_low" and "C3" in problem["reason"] and "R5" in problem["reason"]
    assert manager.get(f"/api/v1/opportunities/{opp['id']}").json()["stage"] == "identified"
    trail = admin.get(f"/api/v1/audit?customer_id={cid}").json()
    assert any(e["action"] == "suitability_refused" and e["resource_id"] == opp["id"] for e in trail["items"]), trail

    # 4. A suitable one is proposed.
    r = manager.post(f"/api/v1/opportunities/{opp['id']}/propose", json={"product_code": "WM-R2-180"})
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "proposed" and r.json()["win_by"] >= today.isoformat()

    # 5. Core banking reports the product opened: the opportunity is won.
    wm = next(p for p in sim.CATALOGUE if p["code"] == "WM-R2-180")
    _publish([sim.opened(cid, f"{cid}:wm-new", wm, 100_000 * CNY, today, "****7788")])
    support.wait_for(lambda: manager.get(f"/api/v1/opportunities/{opp['id']}").json()["stage"] == "won",
                     timeout=30, what="the opened product to win the opportunity")
    assert manager.get(f"/api/v1/opportunities/{opp['id']}").json()["won_holding_id"] == f"{cid}:wm-new"

    # 6. AUM falls by two thirds: a churn signal, on the worklist and the dashboard.
    _publish([sim.balances(cid, 200_000 * CNY, today)])

    def signalled():
        view = manager.get("/api/v1/views/worklist").json()
        return view if any(r["customer_id"] == cid for r in view["churn_signals"] or []) else None
    view = support.wait_for(signalled, timeout=30, what="the churn signal on the worklist")
    row = next(r for r in view["churn_signals"] if r["customer_id"] == cid)
    assert row["signals"][-1]["signal"] == "aum_falling" and view["counts"]["churn_signals"] >= 1
    # the signal opened a retention opportunity, also on the worklist
    support.wait_for(lambda: any(o["customer_id"] == cid and o["source"] == "churn_signal"
                                 for o in manager.get("/api/v1/views/worklist").json()["opportunities_open"]),
                     timeout=30, what="a retention opportunity from the churn signal")
    t = today.isoformat()
    dash = sup.get(f"/api/v1/views/team-dashboard?manager_ids={manager.id}&from={t}&to={t}").json()
    assert dash["churn_signals"] >= 1 and dash["retention"]["overall"]["at_risk"] >= 1
    mine = dash["per_manager"][manager.id]["pipeline"]
    assert mine["churn_signals"] >= 1 and mine["retention"]["retention"] < 1
    assert mine["conversion"]["won"] >= 1
    # the 360 shows the picture and the pipeline; the tier fell with the AUM
    c360 = manager.get(f"/api/v1/views/customer-360/{cid}").json()
    assert c360["financial_picture"]["at_risk"] is True
    assert {o["id"] for o in c360["opportunities"]} >= {opp["id"]}
    assert other.get(f"/api/v1/views/customer-360/{cid}").status_code == 404
