"""Helpers shared by the engagement integration tests (no tests here)."""
import uuid
from datetime import date

from chassis import identity as ident
from chassis.events import received
from contracts import customer as customer_events
from tests.support import as_user


def new_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def snapshot(engagement_app, manager_id: str, *, version: int = 1, customer_id: str | None = None, **fields) -> str:
    """Put a customer into engagement's snapshot as the customer event would."""
    from services.engagement import snapshots
    cid = customer_id or new_id("c-")
    data = {"customer_id": cid, "kind": "individual", "name": fields.pop("name", f"客户{cid[-4:]}"),
            "tier": "gold", "classes": [], "tags": [], "birth_date": None, "important_dates": [],
            "manager_id": manager_id, "branch": "sh", "preferred_channels": ["wechat"], "status": "active",
            **fields}
    if isinstance(data["birth_date"], str):
        data["birth_date"] = date.fromisoformat(data["birth_date"])
    env = customer_events.REGISTERED.new(cid, data, subject_version=version)
    with engagement_app.app_context():
        snapshots.apply(received(env))
    return cid


def manager(mid: str | None = None):
    mid = mid or new_id("m-")
    return mid, as_user(mid, ident.MANAGER, branch="sh")


def admin(branch: str = "sh"):
    return as_user(new_id("a-"), ident.ADMIN, branch=branch)


def supervisor(team):
    return as_user(new_id("s-"), ident.SUPERVISOR, branch="sh", team=tuple(team))


def today_local() -> date:
    from chassis.clock import today
    return today()


def wait_for_consumer(service: str = "engagement") -> None:
    """Until the worker's queue exists (bound), an event published from outside would go unrouted."""
    import pika

    from tests import support

    def declared():
        conn = pika.BlockingConnection(support.pika_params())
        try:
            q = conn.channel().queue_declare(queue=f"{support.EXCHANGE}.{service}", passive=True)
            return q.method.consumer_count > 0
        except pika.exceptions.ChannelClosedByBroker:
            return False
        finally:
            if conn.is_open:
                conn.close()
    support.wait_for(declared, what=f"{service} consumer")
