"""What the customer service answers, held against its own OpenAPI document (issue #10):
every operation called on real data with as many fields filled as it has, and each answer
checked: its status documented for the operation, errors as problem+json, and a success
body valid against the documented schema (no undeclared member, no null where the schema
says not null, the right types and formats)."""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from tests import support
from tests.contract import Checked
from tests.integration.test_customer_books_tiers_risk import answers
from tests.integration.test_customer_profiles import BASE, new_credit_code, new_id_number, new_mobile, person
from tests.support import as_user


@pytest.fixture
def api(customer_app):
    return Checked(customer_app)


def _full_individual(**extra) -> dict:
    return person(
        gender="female", birth_date="1985-06-15", id_number=new_id_number("19850615"),
        phone="010-12345678", email="zhang@example.com", wechat="zhang_wx", qq="123456789",
        occupation="engineer", employer="某公司", family={"marital_status": "married", "children": 1,
                                                          "dependents": 2, "household_size": 4},
        investment_preferences=["funds", "bonds"], risk_tolerance="balanced",
        financial={"aum_cents": 60_000_00, "deposits_cents": 10_000_00, "loans_cents": 0,
                   "annual_income_cents": 50_000_00, "income_band": "300k_1m", "products_held": 2},
        needs=["savings"], contact_times=["evening"],
        important_dates=[{"kind": "anniversary", "date": "2010-05-01", "label": "wedding day"}],
        classes=["retail"], tags=["golf"], external_id="ext-" + uuid.uuid4().hex[:10], **extra)


def _corporate() -> dict:
    return {"kind": "corporate", "name": "某某科技有限公司" + uuid.uuid4().hex[:4],
            "credit_code": new_credit_code(), "industry": "software", "size": "small",
            "legal_representative": "王五", "financing_needs": ["working_capital"],
            "contacts": [{"name": "李四", "role": "CFO", "mobile": new_mobile(), "phone": "021-87654321",
                          "email": "li@example.com"}]}


def test_every_answer_matches_the_document(api):
    m, m2 = f"m-{uuid.uuid4().hex[:8]}", f"m-{uuid.uuid4().hex[:8]}"
    h = as_user(m)
    sup = as_user(f"s-{uuid.uuid4().hex[:8]}", "supervisor", team=(m, m2))
    admin = as_user(f"a-{uuid.uuid4().hex[:8]}", "admin", unmask=True, purpose="contract test")
    support.known_staff(m2)
    item = "/api/v1/customers/{customer_id}"

    full = api.call("POST", BASE, json=_full_individual(), headers=h).get_json()
    bare = api.call("POST", BASE, json={"kind": "individual", "name": "简"}, headers=h).get_json()
    corp = _corporate()
    api.call("POST", BASE, json=corp, headers=h)
    api.call("POST", BASE, json=corp, headers=h)                                   # 409 duplicate
    api.call("POST", BASE, json={"kind": "individual"}, headers=h)                  # 422
    api.call("POST", BASE, json={"kind": "individual", "name": "x"}, headers=as_user("au", "auditor"))  # 403

    cid = full["id"]
    for headers in (h, admin):
        api.call("GET", item, f"{BASE}/{cid}", headers=headers)
    api.call("GET", item, f"{BASE}/{bare['id']}", headers=h)
    api.call("GET", item, f"{BASE}/nope", headers=h)                                # 404
    # the internal read other services make: the event payload with its version
    snap = "/internal/v1/customers/{customer_id}/snapshot"
    for customer in (full, bare):
        api.call("GET", snap, f"/internal/v1/customers/{customer['id']}/snapshot", headers=h)
    api.call("GET", snap, f"/internal/v1/customers/{cid}/snapshot", headers=as_user("m-other"))   # 404
    api.call("GET", snap, "/internal/v1/customers/nope/snapshot", headers=h)        # 404
    api.call("GET", BASE, f"{BASE}?limit=2&sort=-created_at", headers=h)
    api.call("GET", BASE, f"{BASE}?cursor=!!", headers=h)                           # 400
    api.call("GET", BASE, f"{BASE}?manager_id=someone-else", headers=h)             # 404
    api.call("GET", BASE, f"{BASE}?bogus=1", headers=h)                             # 422
    api.call("POST", f"{BASE}/search", json={"mobile": full["mobile"][:3] + "00000000", "limit": 5}, headers=h)
    api.call("POST", f"{BASE}/search", json={"limit": 1}, headers=h)

    api.call("PATCH", item, f"{BASE}/{cid}", json={"tags": ["tea"]}, headers=h)     # 428
    api.call("PATCH", item, f"{BASE}/{cid}", json={"tags": ["tea"]}, headers={**h, "If-Match": "x"})   # 400
    api.call("PATCH", item, f"{BASE}/{cid}", json={"tags": ["tea"]}, headers={**h, "If-Match": '"9"'})  # 412
    api.call("PATCH", item, f"{BASE}/{cid}", json={"tags": ["tea"], "email": None}, headers={**h, "If-Match": '"1"'})
    api.call("POST", f"{item}/confirm", f"{BASE}/{cid}/confirm", json={"channel": "phone"},
             headers={**h, "If-Match": '"2"'})
    api.call("PUT", f"{item}/manager", f"{BASE}/{cid}/manager", json={"manager_id": m2},
             headers={**h, "If-Match": '"3"'})                                      # 403
    api.call("PUT", f"{item}/manager", f"{BASE}/{cid}/manager", json={"manager_id": m2, "reason": "rebalance"},
             headers={**sup, "If-Match": '"3"'})
    for headers in (sup, admin):
        api.call("GET", f"{item}/history", f"{BASE}/{cid}/history?limit=2", headers=headers)
    api.call("GET", f"{item}/history", f"{BASE}/{cid}/history?cursor=WyJ4Il0", headers=sup)   # 400
    api.call("GET", f"{item}/manager-history", f"{BASE}/{cid}/manager-history", headers=sup)

    # risk: questionnaire, assessments, expiring, suitability
    api.call("GET", "/api/v1/risk/questionnaire", headers=h)
    api.call("POST", "/api/v1/risk/assessments", json={"customer_id": bare["id"], "answers": answers("c")},
             headers=h)
    api.call("POST", "/api/v1/risk/assessments", json={"customer_id": "nope", "answers": answers("c")},
             headers=h)                                                             # 404
    api.call("GET", "/api/v1/risk/assessments", f"/api/v1/risk/assessments?customer_id={bare['id']}", headers=h)
    api.call("GET", "/api/v1/risk/assessments", f"/api/v1/risk/assessments?customer_id={cid}", headers=sup)
    # an assessment that has expired, for the lists
    support.db("customer").customers.update_one({"_id": bare["id"]}, {"$set": {
        "risk_valid_until": datetime.now(timezone.utc) - timedelta(days=3),
        "last_confirmed_at": datetime.now(timezone.utc) - timedelta(days=800)}})
    for product in ("R1", "R5"):
        api.call("GET", "/api/v1/risk/suitability",
                 f"/api/v1/risk/suitability?customer_id={bare['id']}&product_risk={product}", headers=h)
    api.call("GET", "/api/v1/risk/suitability", f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R1",
             headers=sup)
    api.call("GET", "/api/v1/risk/expiring", f"/api/v1/risk/expiring?include_expired=true&manager_id={m}",
             headers=h)
    api.call("GET", "/api/v1/risk/expiring", "/api/v1/risk/expiring?manager_id=other", headers=h)   # 404

    # the gateway's parts
    api.call("GET", f"{BASE}/worklist", f"{BASE}/worklist?manager_id={m}&risk_within_days=366", headers=h)
    api.call("GET", f"{BASE}/stats", f"{BASE}/stats?manager_ids={m},{m2}&from={date.today()}", headers=sup)
    api.call("GET", f"{BASE}/stats", f"{BASE}/stats?manager_ids=nobody", headers=h)  # 404
    api.call("GET", "/api/v1/managers/team", headers=sup)
    api.call("GET", "/api/v1/managers/team", headers=admin)
    api.call("GET", "/api/v1/managers/team", headers=h)                             # 403
    api.call("GET", "/api/v1/managers/{manager_id}/customers", f"/api/v1/managers/{m}/customers?limit=1",
             headers=h)

    # tiers
    rules = api.call("GET", "/api/v1/tiers/rules", headers=h)
    api.call("PUT", "/api/v1/tiers/rules", json={"rules": rules.get_json()["rules"]},
             headers={**h, "If-Match": rules.headers["ETag"]})                      # 403
    api.call("PUT", "/api/v1/tiers/rules", json={"rules": [{"tier": "gold"}]},
             headers={**admin, "If-Match": rules.headers["ETag"]})                  # 422

    # imports: accepted, rejected with nested errors, skipped as existing
    ext = "ext-" + uuid.uuid4().hex[:8]
    lines = [f'{{"kind": "individual", "name": "导入", "external_id": "{ext}"}}',
             '{"kind": "individual", "name": "坏", "accounts": [{"number": "1", "kind": "debit"}]}',
             f'{{"kind": "individual", "name": "重复", "external_id": "{ext}"}}', "not json"]
    queued = api.call("POST", "/api/v1/imports", data="\n".join(lines).encode(),
                      headers={**h, "Content-Type": "application/x-ndjson"})
    job_id = queued.get_json()["id"]
    one = "/api/v1/imports/{job_id}"
    assert api.call("GET", one, f"/api/v1/imports/{job_id}", headers=h).get_json()["status"] == "queued"
    support.run_imports()
    report = api.call("GET", one, f"/api/v1/imports/{job_id}", headers=h).get_json()
    assert (report["status"], report["accepted"], report["skipped"], report["rejected"]) == ("done", 1, 1, 2), report
    api.call("GET", one, f"/api/v1/imports/{job_id}", headers=as_user("someone-else"))   # 404
    api.call("GET", "/api/v1/imports", "/api/v1/imports?limit=5", headers=h)
    api.call("GET", "/api/v1/imports", "/api/v1/imports?colour=red", headers=h)          # 422
    api.call("POST", f"{one}/cancel", f"/api/v1/imports/{job_id}/cancel", headers=h)     # 409: finished
    waiting = api.call("POST", "/api/v1/imports", data=lines[0].encode(),
                       headers={**h, "Content-Type": "application/x-ndjson"}).get_json()["id"]
    api.call("POST", f"{one}/cancel", f"/api/v1/imports/{waiting}/cancel", headers=h)    # 202, cancelled
    support.run_imports()
    api.call("POST", "/api/v1/imports", data=b"kind,planet\nindividual,mars\n",
             headers={**h, "Content-Type": "text/csv"})                               # 400
    api.call("POST", "/api/v1/imports", data={"file": (io.BytesIO(b"\xff\xfe,\n"), "x.csv")}, headers=h,
             content_type="multipart/form-data")                                      # 400: not UTF-8
    api.call("POST", "/api/v1/imports", data=b"x", headers={**h, "Content-Type": "text/plain"})   # 415
    api.call("POST", "/api/v1/imports", data=b"", headers={**as_user("au", "auditor"), "Content-Type": "text/csv"})

    # the financial picture, catalogue, pipeline and corporate assessment (issue #13)
    from chassis.events import Envelope, received
    from services.customer import handlers
    from tools import core_banking_sim as sim
    for env in sim.history(cid, months=3, seed=1, profile="churner"):
        handlers.HANDLERS[env["type"]](received(Envelope.from_dict(env)))
    pic = "/api/v1/customers/{customer_id}/picture"
    api.call("GET", pic, f"{BASE}/{cid}/picture", headers=sup)       # cid is m2's now
    api.call("GET", pic, f"{BASE}/{bare['id']}/picture", headers=h)
    api.call("GET", pic, f"{BASE}/{cid}/picture", headers=as_user("m-stranger"))                # 404
    policy = api.call("GET", "/api/v1/financial/policy", headers=h).get_json()
    api.call("GET", "/api/v1/financial/policy", "/api/v1/financial/policy?branch=b-elsewhere", headers=h)  # 404
    body = {k: v for k, v in policy.items() if k not in ("branch", "version")}
    api.call("PUT", "/api/v1/financial/policy", json=body, headers={**h, "If-Match": '"0"'})    # 403
    api.call("PUT", "/api/v1/financial/policy", json=body, headers={**admin, "If-Match": '"0"'})
    api.call("PUT", "/api/v1/financial/policy", json=body, headers={**admin, "If-Match": '"0"'})  # 412
    api.call("PUT", "/api/v1/financial/policy", json=body, headers=admin)                        # 428
    code = "WM-" + uuid.uuid4().hex[:6]
    api.call("POST", "/api/v1/products", json={"code": code, "name": "稳健", "product_type": "wealth",
                                               "risk_level": "R2"}, headers=admin)
    api.call("POST", "/api/v1/products", json={"code": "R5-" + code, "name": "进取", "product_type": "fund",
                                               "risk_level": "R5"}, headers=admin)
    api.call("POST", "/api/v1/products", json={"code": code, "name": "x", "product_type": "loan"}, headers=h)  # 403
    api.call("POST", "/api/v1/products", json={"code": code, "name": "稳健", "product_type": "wealth",
                                               "risk_level": "R2"}, headers=admin)              # 409
    api.call("GET", "/api/v1/products", "/api/v1/products?product_type=wealth", headers=h)
    api.call("GET", "/api/v1/products/{code}", f"/api/v1/products/{code}", headers=h)
    api.call("GET", "/api/v1/products/{code}", "/api/v1/products/nope", headers=h)             # 404
    api.call("PATCH", "/api/v1/products/{code}", f"/api/v1/products/{code}", json={"name": "稳健2"},
             headers={**admin, "If-Match": '"1"'})
    api.call("PATCH", "/api/v1/products/{code}", f"/api/v1/products/{code}", json={"name": "稳健3"},
             headers={**admin, "If-Match": '"1"'})                                             # 412
    api.call("PATCH", "/api/v1/products/{code}", f"/api/v1/products/{code}", json={"name": "x"}, headers=h)  # 403
    api.call("POST", "/api/v1/products", json={"code": "TD-" + code, "name": "定期", "product_type": "time_deposit",
                                               "term_months": 12}, headers=admin)
    h = sup   # cid is in m2's book since the reassignment
    opp = api.call("POST", "/api/v1/opportunities", json={"customer_id": cid, "source": "visit_need",
                                                          "note": "子女教育金"}, headers=h).get_json()
    api.call("POST", "/api/v1/opportunities", json={"customer_id": "nope", "source": "manual"}, headers=h)  # 404
    item_o = "/api/v1/opportunities/{opp_id}"
    api.call("GET", item_o, f"/api/v1/opportunities/{opp['id']}", headers=h)
    api.call("GET", item_o, "/api/v1/opportunities/nope", headers=h)                           # 404
    api.call("POST", f"{item_o}/propose", f"/api/v1/opportunities/{opp['id']}/propose",
             json={"product_code": "R5-" + code}, headers=h)                                   # 409 unsuitable
    api.call("POST", f"{item_o}/propose", f"/api/v1/opportunities/{opp['id']}/propose",
             json={"product_code": "TD-" + code}, headers={**h, "If-Match": '"9"'})            # 412
    api.call("POST", f"{item_o}/propose", f"/api/v1/opportunities/{opp['id']}/propose",
             json={"product_code": "TD-" + code}, headers=h)
    api.call("POST", f"{item_o}/accept", f"/api/v1/opportunities/{opp['id']}/accept", headers=h)
    api.call("POST", f"{item_o}/accept", f"/api/v1/opportunities/{opp['id']}/accept", headers=h)  # 409
    api.call("POST", f"{item_o}/decline", f"/api/v1/opportunities/{opp['id']}/decline",
             json={"reason": "timing"}, headers=h)                                             # 409 (accepted)
    api.call("POST", f"{item_o}/lose", f"/api/v1/opportunities/{opp['id']}/lose",
             json={"reason": "competitor"}, headers=h)
    api.call("GET", "/api/v1/opportunities", f"/api/v1/opportunities?customer_id={cid}", headers=h)
    api.call("GET", "/api/v1/customers/{customer_id}/opportunities", f"{BASE}/{cid}/opportunities", headers=h)
    api.call("GET", "/api/v1/opportunities/worklist", f"/api/v1/opportunities/worklist?manager_id={m2}",
             headers=h)
    api.call("GET", "/api/v1/opportunities/stats", f"/api/v1/opportunities/stats?manager_ids={m},{m2}",
             headers=sup)
    api.call("GET", "/api/v1/opportunities/stats", "/api/v1/opportunities/stats?manager_ids=nobody",
             headers=as_user(m))                                                               # 404
    h = as_user(m)
    api.call("GET", "/api/v1/risk/corporate-questionnaire", headers=h)
    corp_id = api.call("POST", BASE, json=_corporate(), headers=h).get_json()["id"]
    from services.customer import corporate_risk
    api.call("POST", "/api/v1/risk/corporate-assessments", json={"customer_id": corp_id, "answers": {
        q: list(o)[1] for q, _t, _p, o in corporate_risk.QUESTIONS}}, headers=h)
    api.call("POST", "/api/v1/risk/corporate-assessments", json={"customer_id": corp_id, "answers": {}},
             headers=h)                                                                        # 422

    # archive last: an archived customer is read-only
    api.call("POST", f"{item}/archive", f"{BASE}/{cid}/archive", json={"reason": "closed"},
             headers={**h, "If-Match": '"4"'})                                      # 403
    api.call("POST", f"{item}/archive", f"{BASE}/{cid}/archive", json={"reason": "closed"},
             headers={**sup, "If-Match": '"4"'})
    api.call("POST", f"{item}/archive", f"{BASE}/{cid}/archive", json={"reason": "closed"},
             headers={**sup, "If-Match": '"5"'})                                    # 409
    api.call("PATCH", item, f"{BASE}/{cid}", json={"tags": ["x"]}, headers={**sup, "If-Match": '"5"'})   # 409
    api.call("GET", "/api/v1/managers/{manager_id}/customers",
             f"/api/v1/managers/{m2}/customers?status=archived", headers=sup)

    # the audit trail (chassis): the unmasked reads and changes above
    api.call("GET", "/api/v1/audit", f"/api/v1/audit?customer_id={cid}", headers=admin)
    api.call("GET", "/api/v1/audit", headers=h)                                     # 403

    every = {f"{method.upper()} {path}" for path, ops in api.spec["paths"].items() for method in ops
             if method in ("get", "post", "put", "patch", "delete")}
    assert every == api.seen, every - api.seen


def test_input_the_fuzzer_found_is_refused_not_a_500(api):
    """Schema-valid-looking input that used to fail on write or in date arithmetic."""
    m = f"m-{uuid.uuid4().hex[:8]}"
    h = as_user(m)
    admin = as_user(f"a-{uuid.uuid4().hex[:8]}", "admin")
    for url in (f"{BASE}/worklist?manager_id={m}&date=9999-12-31&risk_within_days=366",
                f"{BASE}/worklist?manager_id={m}&date=0001-01-01"):
        assert api.call("GET", f"{BASE}/worklist", url, headers=h).status_code == 422
    assert api.call("GET", f"{BASE}/stats", f"{BASE}/stats?to=9999-12-31", headers=admin).status_code == 422
    too_big = {"kind": "individual", "name": "大", "financial": {"aum_cents": 2 ** 63}}
    r = api.call("POST", BASE, json=too_big, headers=h)
    assert r.status_code == 422 and "aum_cents" in r.get_json()["errors"]["financial"]
    r = api.call("POST", f"{BASE}/search", json={"reverification_due": 0, "limit": "5"}, headers=h)
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"reverification_due", "limit"}
    # the collection's own sub-resources are not customer ids
    assert api.client.patch(f"{BASE}/stats", json={}, headers=h).status_code == 405
    assert "PATCH" not in api.client.options(f"{BASE}/worklist", headers=h).headers["Allow"]
