"""Events engagement consumes: customer snapshots (order-safe, idempotent) and core-banking reminders."""
import json
import uuid
from datetime import date, datetime, timezone

import pika

from contracts import customer as customer_events
from tests import support
from tests.integration.test_engagement_support import manager, new_id, snapshot, wait_for_consumer


def _publish(env: dict):
    conn = pika.BlockingConnection(support.pika_params())
    conn.channel().basic_publish(support.EXCHANGE, env["type"], json.dumps(env, default=str),
                                 pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                      message_id=env["id"]))
    conn.close()


def _customer_event(et, cid, version, **data):
    base = {"customer_id": cid, "kind": "individual", "name": "张三", "tier": "gold", "classes": [], "tags": [],
            "birth_date": None, "important_dates": [], "manager_id": "m-x", "branch": "sh",
            "preferred_channels": [], "status": "active"}
    extra = {}
    if et is customer_events.TIER_CHANGED:
        extra = {"old_tier": "gold", "new_tier": data.get("tier", "gold")}
    payload = {**base, **data}
    fields = et.schema().fields
    payload.update({k: v for k, v in extra.items() if k in fields})
    for k, f in fields.items():  # fill whatever else the producer's schema requires
        if f.required and k not in payload:
            payload[k] = {"Integer": 1, "List": [], "Boolean": False, "Date": date(2026, 1, 1),
                          "DateTime": datetime(2026, 1, 1, tzinfo=timezone.utc)}.get(f.__class__.__name__, "x")
    return et.new(cid, payload, subject_version=version).to_dict()


def test_snapshot_from_every_customer_event_older_after_newer_never_rolls_back(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = new_id("c-")
    with support.running_worker("engagement"):
        wait_for_consumer()
        _publish(_customer_event(customer_events.REGISTERED, cid, 1, manager_id=mid, name="张三"))
        support.wait_for(lambda: client.get(f"/api/v1/engagement/customers/{cid}/snapshot",
                                            headers=h).status_code == 200,
                         what="snapshot v1")
        newer = _customer_event(customer_events.MANAGER_ASSIGNED, cid, 3, manager_id=mid, name="张三丰", tier="diamond")
        older = _customer_event(customer_events.UPDATED, cid, 2, manager_id="m-old", name="张三(旧)")
        _publish(newer)
        _publish(older)          # arrives late
        _publish(newer)          # and the newer one is redelivered
        marker = new_id("c-")    # a later event on the same queue tells us the earlier ones were handled
        _publish(_customer_event(customer_events.REGISTERED, marker, 1, manager_id=mid))
        support.wait_for(lambda: client.get(f"/api/v1/engagement/customers/{marker}/snapshot",
                                            headers=h).status_code == 200,
                         what="marker snapshot")
    snap = client.get(f"/api/v1/engagement/customers/{cid}/snapshot", headers=h).json
    assert snap["version"] == 3 and snap["name"] == "张三丰" and snap["tier"] == "diamond" and snap["manager_id"] == mid


def test_direct_apply_is_idempotent_and_archiving_drops_the_customer_from_the_book(engagement_app):
    from chassis.events import Envelope, received
    from services.engagement import book, snapshots
    mid, h = manager()
    cid = snapshot(engagement_app, mid, version=5, name="新")
    with engagement_app.app_context():
        stale = received(Envelope.from_dict(_customer_event(customer_events.UPDATED, cid, 4, manager_id=mid,
                                                            name="旧")))
        assert snapshots.apply(stale) is False
        assert snapshots.get(cid).name == "新"
        archived = received(Envelope.from_dict(_customer_event(customer_events.ARCHIVED, cid, 6, manager_id=mid,
                                                               status="archived")))
        assert snapshots.apply(archived) is True and snapshots.apply(archived) is False
        assert cid not in {c["id"] for c in book.customers_of([mid])}


def test_core_banking_events_become_reminders_once_on_the_owning_managers_list(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid, name="李四")
    now = datetime.now(timezone.utc).isoformat()

    def env(type_, data):
        return {"id": str(uuid.uuid4()), "type": type_, "version": 1, "occurred_at": now,
                "source": "core-banking", "subject": cid, "correlation_id": None, "data": {"customer_id": cid, **data}}
    big = env("core.account.balance_changed", {"account_ref": "6222020200001234", "change_cents": -50_000_000,
                                                "balance_cents": 1_000, "currency": "CNY"})
    maturing = env("core.deposit.maturing", {"account_ref": "****5678", "maturity_date": date.today().isoformat(),
                                             "amount_cents": 10_000_000})
    dormant = env("core.account.dormant", {"account_ref": "****9012", "dormant_since": "2025-01-01"})
    with support.running_worker("engagement"):
        wait_for_consumer()
        for e in (big, maturing, dormant, big):   # the first one delivered twice
            _publish(e)
        items = support.wait_for(lambda: (lambda b: b if len(b) >= 3 else None)(
            client.get("/api/v1/engagement/reminders", headers=h).json["items"]), what="three reminders")
    assert sorted(i["kind"] for i in items) == ["account_dormant", "balance_changed", "deposit_maturing"]
    bal = next(i for i in items if i["kind"] == "balance_changed")
    assert bal["account_ref"] == "****1234"  # full account number never stored (chassis/privacy.py)
    assert bal["details"]["change_cents"] == -50_000_000
    worklist = client.get(f"/api/v1/engagement/worklist?manager_id={mid}", headers=h).json
    assert {r["id"] for r in worklist["account_reminders"]} == {big["id"], maturing["id"], dormant["id"]}
    _, other = manager()
    assert client.get(f"/api/v1/engagement/worklist?manager_id={mid}", headers=other).status_code == 404
    r = client.patch(f"/api/v1/engagement/reminders/{big['id']}", headers=h, json={"status": "done"})
    assert r.status_code == 200
    assert len(client.get("/api/v1/engagement/reminders", headers=h).json["items"]) == 2
    r = client.patch(f"/api/v1/engagement/reminders/{big['id']}", headers=h, json={"status": "gone"})
    assert r.status_code == 422
