"""Gifts: stock and budget never below zero, one issue per request, under 50 concurrent requests."""
import threading
import uuid
from datetime import date

from tests import support
from tests.integration.test_engagement_support import admin, manager, new_id, snapshot

N = 50


def _gift(client, ah, stock, cost=1000, tiers=()):
    r = client.post("/api/v1/engagement/gifts", headers=ah,
                    json={"name": f"台历{uuid.uuid4().hex[:4]}", "cost_cents": cost, "stock": stock,
                          "tiers": list(tiers)})
    assert r.status_code == 201, r.json
    return r.json["id"]


def _budget(client, ah, branch, amount):
    period = f"{date.today().year}-{date.today().month:02d}"
    r = client.post("/api/v1/engagement/budgets", headers=ah,
                    json={"branch": branch, "period": period, "amount_cents": amount})
    assert r.status_code == 201, r.json
    return r.json["id"]


def _storm(app, gift_id, h, customers, request_ids):
    """N threads fire at once (barrier), each with its own test client."""
    barrier = threading.Barrier(len(request_ids))
    results = [None] * len(request_ids)

    def fire(i):
        client = app.test_client()
        barrier.wait()
        r = client.post(f"/api/v1/engagement/gifts/{gift_id}/issues", headers=h,
                        json={"customer_id": customers[i % len(customers)], "reason": "生日关怀",
                              "request_id": request_ids[i]})
        results[i] = (r.status_code, r.json)
    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(request_ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_fifty_concurrent_issues_never_oversell_stock(engagement_app):
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    mid, h = manager()
    customers = [snapshot(engagement_app, mid, branch=branch) for _ in range(5)]
    gift = _gift(client, ah, stock=10)
    budget = _budget(client, ah, branch, 1_000_000)
    results = _storm(engagement_app, gift, h, customers, [uuid.uuid4().hex for _ in range(N)])
    codes = [c for c, _ in results]
    assert codes.count(201) == 10 and codes.count(409) == N - 10, codes
    assert all(b["type"].endswith("out-of-stock") for c, b in results if c == 409)
    g = client.get(f"/api/v1/engagement/gifts/{gift}", headers=ah).json
    assert g["issued"] == 10 and g["available"] == 0
    db = support.db("engagement")
    assert db.gift_issues.count_documents({"gift_id": gift}) == 10
    assert db.gift_stock_slots.count_documents({"owner": gift}) == 10
    b = [x for x in client.get("/api/v1/engagement/budgets", headers=ah).json if x["id"] == budget][0]
    assert b["spent_cents"] == 10 * 1000  # refunds of the losers left no trace in the total


def test_fifty_concurrent_issues_never_overspend_the_budget(engagement_app):
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    mid, h = manager()
    customers = [snapshot(engagement_app, mid, branch=branch) for _ in range(5)]
    gift = _gift(client, ah, stock=100, cost=1500)
    budget = _budget(client, ah, branch, 7 * 1500 + 1000)   # room for 7, not 8
    results = _storm(engagement_app, gift, h, customers, [uuid.uuid4().hex for _ in range(N)])
    codes = [c for c, _ in results]
    assert codes.count(201) == 7, codes
    assert all(b["type"].endswith("budget-exhausted") for c, b in results if c == 409)
    b = [x for x in client.get("/api/v1/engagement/budgets", headers=ah).json if x["id"] == budget][0]
    assert b["spent_cents"] == 7 * 1500 and b["remaining_cents"] == 1000
    # stock claimed by refused requests was given back
    assert client.get(f"/api/v1/engagement/gifts/{gift}", headers=ah).json["issued"] == 7


def test_fifty_concurrent_retries_of_one_request_issue_once(engagement_app):
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    mid, h = manager()
    cid = snapshot(engagement_app, mid, branch=branch)
    gift = _gift(client, ah, stock=20)
    _budget(client, ah, branch, 1_000_000)
    key = uuid.uuid4().hex
    results = _storm(engagement_app, gift, h, [cid], [key] * N)
    codes = [c for c, _ in results]
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
    assert all(b["id"] == key for c, b in results if c in (200, 201))
    assert support.db("engagement").gift_issues.count_documents({"gift_id": gift}) == 1
    assert client.get(f"/api/v1/engagement/gifts/{gift}", headers=ah).json["issued"] == 1
    issued = client.get(f"/api/v1/engagement/customers/{cid}/gifts", headers=h).json
    assert len(issued) == 1 and issued[0]["issued_by"] and issued[0]["reason"] == "生日关怀"


def test_eligibility_bad_input_roles_and_no_budget(engagement_app):
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    mid, h = manager()
    std = snapshot(engagement_app, mid, branch=branch, tier="standard")
    gift = _gift(client, ah, stock=5, tiers=["diamond", "private_banking"])
    r = client.post(f"/api/v1/engagement/gifts/{gift}/issues", headers=h,
                    json={"customer_id": std, "reason": "x", "request_id": uuid.uuid4().hex})
    assert r.status_code == 409 and r.json["type"].endswith("not-eligible")
    open_gift = _gift(client, ah, stock=5)
    r = client.post(f"/api/v1/engagement/gifts/{open_gift}/issues", headers=h,
                    json={"customer_id": std, "reason": "x", "request_id": uuid.uuid4().hex})
    assert r.status_code == 409 and r.json["type"].endswith("no-budget")
    r = client.post(f"/api/v1/engagement/gifts/{open_gift}/issues", headers=h,
                    json={"customer_id": std, "reason": "x", "request_id": "short"})
    assert r.status_code == 422 and "request_id" in r.json["errors"]
    assert client.post("/api/v1/engagement/gifts", headers=h,
                       json={"name": "x", "cost_cents": 1, "stock": 1}).status_code == 403
    r = client.post("/api/v1/engagement/gifts", headers=ah, json={"name": "x", "cost_cents": -1, "stock": 1})
    assert r.status_code == 422 and "cost_cents" in r.json["errors"]
    assert client.get(f"/api/v1/engagement/gifts/{open_gift}", headers=ah).json["issued"] == 0
    # restock needs the version; adds slots
    g = client.get(f"/api/v1/engagement/gifts/{open_gift}", headers=ah)
    assert client.post(f"/api/v1/engagement/gifts/{open_gift}/restock", headers=ah, json={"add": 3}).status_code == 428
    r = client.post(f"/api/v1/engagement/gifts/{open_gift}/restock", headers={**ah, "If-Match": g.headers["ETag"]},
                    json={"add": 3})
    assert r.status_code == 200 and r.json["available"] == 8


def test_a_manager_sees_the_budget_a_gift_to_their_customer_spends_and_no_one_else_does(engagement_app):
    """The console shows the budget before a manager issues; managers cannot list budgets."""
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    mid, h = manager()
    cid = snapshot(engagement_app, mid, branch=branch)
    r = client.get(f"/api/v1/engagement/customers/{cid}/gift-budget", headers=h)
    assert r.status_code == 200 and r.json["budget"] is None and r.json["branch"] == branch
    budget = _budget(client, ah, branch, 50_000)
    gift = _gift(client, ah, stock=5, cost=1200)
    assert client.post(f"/api/v1/engagement/gifts/{gift}/issues", headers=h, json={
        "customer_id": cid, "reason": "生日关怀", "request_id": uuid.uuid4().hex}).status_code == 201
    b = client.get(f"/api/v1/engagement/customers/{cid}/gift-budget", headers=h).json["budget"]
    assert b["id"] == budget and b["spent_cents"] == 1200 and b["remaining_cents"] == 48_800
    # another manager's customer does not exist for the caller
    _other, h2 = manager()
    r = client.get(f"/api/v1/engagement/customers/{cid}/gift-budget", headers=h2)
    assert r.status_code == 404 and r.content_type == "application/problem+json"
