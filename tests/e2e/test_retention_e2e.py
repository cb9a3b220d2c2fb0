"""Issue #13's remaining loop, end to end on the real broker, through the gateway:
- no contact in N days: the engagement worker's job (run here with today injected) raises a
  lapse once per episode; the customer service turns it into a churn signal and a retention
  opportunity, on the worklist and the team dashboard — never for a manager who may not
  see the customer;
- opportunities opened by life events (a birthday entering an age band, a new family member)
  and by an activity attended, once per source;
- activity effectiveness counts the products attendees opened within N days after it."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from chassis import db as dbmod
from chassis.config import load_settings
from tests import support
from tools import core_banking_sim as sim

E = "/api/v1/engagement"


def _job(service: str, fn, *args, **kw):
    """Run a worker's periodic job here, on the suite's database, with the day injected."""
    dbmod.connect(load_settings(service, **support.overrides()))
    with dbmod.using(support.db(service)):
        return fn(*args, **kw)


def _local_today() -> date:
    from chassis import clock
    return clock.today()


def _opps(client, cid, source):
    r = client.get(f"/api/v1/opportunities?customer_id={cid}")
    assert r.status_code == 200, r.text
    return [o for o in r.json() if o["source"] == source]


def test_no_contact_in_n_days_is_a_churn_signal_once_on_the_worklist_and_dashboard(admin, manager):
    from services.engagement import retention
    other = support.new_user(admin, "manager")
    sup = support.new_user(admin, "supervisor", team=[manager.id])
    other_sup = support.new_user(admin, "supervisor", team=[other.id])
    cid = support.register_customer(manager, wait_for_copy=E + "/customers/{id}/summary")
    today = _local_today()
    long_ago = datetime.now(timezone.utc) - timedelta(days=100)
    r = manager.post(f"{E}/interactions", json={"customer_id": cid, "channel": "phone", "purpose": "回访",
                                                "occurred_at": long_ago.isoformat()})
    assert r.status_code == 201, r.text

    assert _job("engagement", retention.scan_lapses, today, {"_id": cid}) == 1

    def on_worklist():
        view = manager.get("/api/v1/views/worklist").json()
        return view if any(r["customer_id"] == cid for r in view["churn_signals"] or []) else None
    view = support.wait_for(on_worklist, timeout=30, what="the no-contact signal on the worklist")
    row = next(r for r in view["churn_signals"] if r["customer_id"] == cid)
    assert [s["signal"] for s in row["signals"]] == ["no_contact"]
    support.wait_for(lambda: _opps(manager, cid, "churn_signal"), timeout=30, what="a retention opportunity")
    support.wait_for(lambda: any(o["customer_id"] == cid and o["source"] == "churn_signal"
                                 for o in manager.get("/api/v1/views/worklist").json()["opportunities_open"]),
                     timeout=30, what="the retention opportunity on the worklist")

    # The next rounds of the job: the same episode, nothing new anywhere.
    assert _job("engagement", retention.scan_lapses, today, {"_id": cid}) == 0
    assert _job("engagement", retention.scan_lapses, today + timedelta(days=7), {"_id": cid}) == 0
    opp = _opps(manager, cid, "churn_signal")
    assert len(opp) == 1 and opp[0]["source_ref"].startswith("no_contact:")
    pic = manager.get(f"/api/v1/customers/{cid}/picture").json()
    assert [s["signal"] for s in pic["signals"]] == ["no_contact"] and pic["at_risk"] is True

    t = today.isoformat()
    dash = sup.get(f"/api/v1/views/team-dashboard?manager_ids={manager.id}&from={t}&to={t}").json()
    assert dash["churn_signals"] >= 1 and dash["per_manager"][manager.id]["pipeline"]["churn_signals"] >= 1

    # Who may not see the customer sees none of it.
    assert other.get(f"/api/v1/opportunities/{opp[0]['id']}").status_code == 404
    assert other.get(f"/api/v1/opportunities?customer_id={cid}").status_code == 404
    assert other.get(f"/api/v1/customers/{cid}/picture").status_code == 404
    assert all(r["customer_id"] != cid for r in other.get("/api/v1/views/worklist").json()["churn_signals"] or [])
    assert other_sup.get(f"/api/v1/views/team-dashboard?manager_ids={manager.id}").status_code == 404
    theirs = other_sup.get(f"/api/v1/views/team-dashboard?manager_ids={other.id}&from={t}&to={t}").json()
    assert theirs["per_manager"][other.id]["pipeline"]["churn_signals"] == 0


def test_life_events_and_an_attended_activity_open_opportunities_and_count_opened_products(admin, manager):
    from services.customer import opportunities
    other = support.new_user(admin, "manager")
    sup = support.new_user(admin, "supervisor", team=[manager.id])
    today = date.today()
    sixty = today.replace(year=today.year - 60) if (today.month, today.day) != (2, 29) else date(today.year - 60, 3, 1)
    tag = "t" + uuid.uuid4().hex[:6]
    cid = support.register_customer(manager, wait_for_copy=E + "/customers/{id}/summary", birth_date=sixty.isoformat(),
                                    tags=[tag], family={"children": 1})

    # 1. A birthday entering an age band (60: retirement planning), once however often the job runs.
    assert _job("customer", opportunities.open_from_birthdays, today) >= 1
    assert _job("customer", opportunities.open_from_birthdays, today) == 0
    life = _opps(manager, cid, "life_event")
    assert [o["source_ref"] for o in life] == ["age_60:retirement_planning"]

    # 2. A new family member (the change record says 1 → 2 children).
    c = manager.get(f"/api/v1/customers/{cid}")
    r = manager.patch(f"/api/v1/customers/{cid}", json={"family": {"children": 2}},
                      headers={"If-Match": c.headers["ETag"]})
    assert r.status_code == 200, r.text
    support.wait_for(lambda: any(o["source_ref"] == "new_family_member" for o in _opps(manager, cid, "life_event")),
                     timeout=30, what="an opportunity from the new family member")

    # 3. An activity attended opens one opportunity.
    starts = datetime.now(timezone.utc) + timedelta(hours=1)
    r = sup.post(f"{E}/activities", json={"name": "理财沙龙", "type": "wealth_salon", "capacity": 5, "budget_cents": 0,
                                          "starts_at": starts.isoformat(), "segment": {"tags": [tag]}})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert sup.post(f"{E}/activities/{aid}/invitations").json()["invited"] == 1
    assert manager.post(f"{E}/activities/{aid}/rsvp", json={"customer_id": cid, "answer": "accept"}).status_code == 200
    assert sup.post(f"{E}/activities/{aid}/attendance", json={"customer_ids": [cid]}).json()["marked"] == [cid]
    act = support.wait_for(lambda: _opps(manager, cid, "activity"), timeout=30, what="an opportunity from attendance")
    assert len(act) == 1 and act[0]["source_ref"] == aid
    assert other.get(f"/api/v1/opportunities/{act[0]['id']}").status_code == 404

    # 4. Core banking reports products opened: within 30 days of the activity they count, later not.
    from chassis import clock
    held = clock.local_date(starts)
    wm = next(p for p in sim.CATALOGUE if p["code"] == "WM-R2-180")
    assert sim.publish([sim.opened(cid, f"{cid}:wm-1", wm, 50_000_00, held + timedelta(days=3), "****1111"),
                        sim.opened(cid, f"{cid}:wm-2", wm, 50_000_00, held + timedelta(days=40), "****2222")],
                       support.EXCHANGE, support.AMQP_URL) == 2

    def counted():
        ev = sup.get(f"{E}/activities/{aid}/evaluation").json()
        return ev if ev["products_opened"] == 1 else None
    ev = support.wait_for(counted, timeout=30, what="the opened product counted for the activity")
    assert (ev["attendees_with_products"], ev["products_window_days"], ev["attended"]) == (1, 30, 1)
    h = held.isoformat()
    dash = sup.get(f"/api/v1/views/team-dashboard?manager_ids={manager.id}&from={h}&to={h}").json()
    mine = next(a for a in dash["activities"] if a["id"] == aid)
    assert (mine["products_opened"], mine["attendees_with_products"]) == (1, 1)
    assert len(_opps(manager, cid, "activity")) == 1     # still one: a redelivery opens nothing
    # Conversion per source and per manager counts them (opened today).
    t = date.today().isoformat()
    conv = sup.get(f"/api/v1/views/team-dashboard?manager_ids={manager.id}&from={t}&to={t}").json()["conversion"]
    assert conv["per_source"]["life_event"]["opened"] >= 2 and conv["per_source"]["activity"]["opened"] >= 1
    assert conv["per_manager"][manager.id]["opened"] >= 3
