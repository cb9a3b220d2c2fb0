"""Every service keeps the staff directory from gateway.user.changed, order-safe."""
import json
import uuid
from datetime import datetime, timezone

import pika

from chassis import db as dbmod, directory
from tests import support


def _publish(user_id: str, version: int, **data) -> str:
    event_id = str(uuid.uuid4())
    env = {"id": event_id, "type": "gateway.user.changed", "version": 1, "source": "gateway",
           "occurred_at": datetime.now(timezone.utc).isoformat(), "subject": user_id, "subject_version": version,
           "correlation_id": None, "data": {"user_id": user_id, "role": "manager", "branch": "b1", "team": [],
                                            "active": True, **data}}
    conn = pika.BlockingConnection(support.pika_params())
    conn.channel().basic_publish(support.EXCHANGE, env["type"], json.dumps(env),
                                 pika.BasicProperties(content_type="application/json", delivery_mode=2))
    conn.close()
    return event_id


def _member(service: str, user_id: str):
    with dbmod.using(support.db(service)):
        return directory.get(user_id)


def test_each_service_keeps_the_newest_version_of_a_staff_member():
    user = "u-" + uuid.uuid4().hex[:8]
    services = ("customer", "engagement", "feedback")
    with support.running_worker("customer"), support.running_worker("engagement"), \
            support.running_worker("feedback"):
        # Published again until every consumer queue is bound and has it (same version: applied once).
        support.wait_for(lambda: _publish(user, 2, branch="b2", active=False) and
                         all(_member(s, user) is not None for s in services), interval=0.5, what="version 2")
        late = _publish(user, 1, branch="b1", active=True)     # older: must not win
        for service in services:
            support.wait_for(lambda s=service: support.db(s).processed_events.find_one({"_id": late}),
                             what=f"{service} to handle the late event")
    for service in services:
        m = _member(service, user)
        assert (m.branch, m.active, m.role) == ("b2", False, "manager"), service
