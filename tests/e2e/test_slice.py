"""The first vertical slice, end to end on the real servers:
gateway → customer service → outbox → RabbitMQ → engagement snapshot → read back."""
import uuid

from tests import support


def test_customer_registered_flows_to_engagement_and_reads_back(gateway_url, manager):
    tap = support.ExchangeTap("customer.customer.registered")
    try:
        name = f"王{uuid.uuid4().hex[:6]}"
        r = manager.post("/api/v1/customers", json={"kind": "individual", "name": name})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        assert r.headers["ETag"] == '"1"'

        # The envelope on the wire, seen by an independent AMQP client.
        (method, props, env), = tap.wait(lambda e: e["subject"] == cid)
        assert method.routing_key == "customer.customer.registered"
        assert props.delivery_mode == 2 and props.content_type == "application/json"
        assert props.message_id == env["id"]
        assert {"id", "type", "version", "occurred_at", "source", "subject", "correlation_id", "data"} <= env.keys()
        assert env["type"] == "customer.customer.registered" and env["version"] == 1
        assert env["source"] == "customer" and env["subject_version"] == 1
        assert env["correlation_id"] == r.headers["X-Correlation-ID"]
        assert env["data"]["name"] == name and env["data"]["manager_id"] == manager.id

        # engagement stored its copy from the event
        snap = support.wait_for(
            lambda: (lambda s: s.json() if s.status_code == 200 else None)(
                manager.get(f"/api/v1/engagement/customers/{cid}/snapshot")),
            what="engagement snapshot")
        assert snap["name"] == name and snap["version"] == 1

        got = manager.get(f"/api/v1/customers/{cid}")
        assert got.status_code == 200 and got.json()["name"] == name
    finally:
        tap.close()


def test_other_manager_cannot_see_the_customer(admin, manager):
    r = manager.post("/api/v1/customers", json={"kind": "individual", "name": "赵六"})
    other = support.new_user(admin, "manager")
    assert other.get(f"/api/v1/customers/{r.json()['id']}").status_code == 404
