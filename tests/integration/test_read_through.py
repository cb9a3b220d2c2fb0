"""Read your own writes across services, on the real servers: engagement and feedback
read a customer no event has brought yet through from the customer service (over real
HTTP, as the caller) and keep it version-guarded exactly like the events.

No worker runs in these tests unless one is started, so a customer registered here
reaches engagement and feedback only by the read-through.
"""
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chassis import copies, identity as ident, readthrough
from chassis.events import Envelope
from tests import support
from tests.support import as_user

CUSTOMERS = "/api/v1/customers"
INTERACTIONS = "/api/v1/engagement/interactions"
VISITS = "/api/v1/engagement/visits"
COMPLAINTS = "/api/v1/feedback/complaints"


def _manager():
    mid = "m-" + uuid.uuid4().hex[:8]
    return mid, as_user(mid, ident.MANAGER, branch="sh")


def _register(customer_app, headers, **extra) -> dict:
    body = {"kind": "individual", "name": "客户" + uuid.uuid4().hex[:6], "birth_date": "1980-03-04",
            "important_dates": [{"kind": "anniversary", "date": "2010-06-01", "label": "结婚纪念"}],
            "preferred_channels": ["wechat"], "tags": ["golf"], "financial": {"aum_cents": 60000000}, **extra}
    r = customer_app.test_client().post(CUSTOMERS, json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _interaction(cid):
    return {"customer_id": cid, "channel": "phone", "purpose": "首次联系"}


def _visit(cid):
    return {"customer_id": cid, "objective": "介绍新理财产品",
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()}


def _complaint(cid):
    return {"customer_id": cid, "severity": "high", "category": "service", "channel": "phone",
            "summary": "排队太久"}


def _registered_event(customer_id: str) -> Envelope:
    """The customer.customer.registered event the customer service wrote for this customer
    (in its outbox, or already moved to the history)."""
    db = support.db("customer")
    for coll in ("outbox", "changes"):
        record = db[coll].find_one({"_id": f"customer:{customer_id}:1"})
        if record:
            return Envelope.from_dict(record["events"][0])
    raise AssertionError("no change record")


def _copy(service: str, customer_id: str):
    return support.db(service).customer_snapshots.find_one({"_id": customer_id})


def _without_bookkeeping(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("_id", "updated_at")}


# --- the customer service's internal read ------------------------------------------

def test_the_internal_snapshot_is_the_event_payload_with_its_version(customer_app):
    mid, h = _manager()
    c = _register(customer_app, h)
    r = customer_app.test_client().get(f"/internal/v1/customers/{c['id']}/snapshot", headers=h)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body.pop("version") == c["version"] == 1 and r.headers["ETag"] == '"1"'
    assert body == _registered_event(c["id"]).data   # the same schema and values as the event
    assert body["birth_date"] == "1980-03-04" and body["manager_id"] == mid
    assert "mobile" not in body and "label" not in body["important_dates"][0]


def test_the_internal_snapshot_is_404_for_a_caller_who_may_not_see_the_customer(customer_app):
    _, h = _manager()
    c = _register(customer_app, h)
    client = customer_app.test_client()
    path = f"/internal/v1/customers/{c['id']}/snapshot"
    _, other = _manager()
    for who in (other, as_user("au-1", ident.AUDITOR), as_user("a-x", ident.ADMIN, branch="elsewhere")):
        r = client.get(path, headers=who)
        assert r.status_code == 404 and r.content_type == "application/problem+json", r.get_json()
        assert r.get_json()["detail"] == "No such customer."   # the same as for no customer at all
    assert client.get(f"/internal/v1/customers/{uuid.uuid4().hex}/snapshot", headers=h).get_json()["detail"] \
        == "No such customer."
    assert client.get(path).status_code == 401


# --- unknown here → read through and kept -------------------------------------------

def test_a_customer_registered_a_moment_ago_is_read_through_and_kept_as_the_event_would(
        customer_app, engagement_app, feedback_app):
    mid, h = _manager()
    c = _register(customer_app, h)
    cid = c["id"]
    assert _copy("engagement", cid) is None and _copy("feedback", cid) is None

    r = engagement_app.test_client().post(INTERACTIONS, json=_interaction(cid), headers=h)
    assert r.status_code == 201, r.get_json()
    r = engagement_app.test_client().post(VISITS, json=_visit(cid), headers=h)
    assert r.status_code == 201, r.get_json()
    r = feedback_app.test_client().post(COMPLAINTS, json=_complaint(cid), headers=h)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["manager_id"] == mid and r.get_json()["tier"] == c["tier"]

    # The copies are exactly what the registered event makes, at the customer's version.
    event = _registered_event(cid)
    from services.engagement import snapshots as engagement_snapshots
    from services.feedback import snapshots as feedback_snapshots
    for service, module in (("engagement", engagement_snapshots), ("feedback", feedback_snapshots)):
        kept = _copy(service, cid)
        assert kept is not None and kept["version"] == 1, service
        scratch = support.db(service)[f"scratch_{uuid.uuid4().hex[:6]}"]
        assert copies.apply(scratch, event, copies.pick(event.data, module.FIELDS))
        assert _without_bookkeeping(kept) == _without_bookkeeping(scratch.find_one({"_id": cid})), service
        scratch.drop()

    # A later event of the same version changes nothing; a newer one applies.
    with engagement_app.app_context():
        assert engagement_snapshots.apply(event) is False
        before = _copy("engagement", cid)
        stale = Envelope(type=event.type, version=1, source="customer", subject=cid,
                         data={**event.data, "name": "旧名"}, subject_version=1)
        assert engagement_snapshots.apply(stale) is False
        assert _copy("engagement", cid) == before
        newer = Envelope(type=event.type, version=1, source="customer", subject=cid,
                         data={**event.data, "name": "新名"}, subject_version=2)
        assert engagement_snapshots.apply(newer) is True
        assert _copy("engagement", cid)["name"] == "新名" and _copy("engagement", cid)["version"] == 2


def test_reads_naming_a_new_customer_read_through_too(customer_app, engagement_app, feedback_app):
    _, h = _manager()
    cid = _register(customer_app, h)["id"]
    r = engagement_app.test_client().get(f"/api/v1/engagement/customers/{cid}/interactions", headers=h)
    assert r.status_code == 200 and r.get_json()["items"] == []
    cid2 = _register(customer_app, h)["id"]
    r = feedback_app.test_client().get(f"/api/v1/feedback/customers/{cid2}/summary", headers=h)
    assert r.status_code == 200 and r.get_json()["open_complaints"] == []
    assert _copy("engagement", cid)["version"] == 1 and _copy("feedback", cid2)["version"] == 1


def test_a_read_older_than_an_event_applied_meanwhile_never_overwrites_it(
        customer_app, engagement_app, monkeypatch):
    """The race: the event lands while the read-through is on the wire. The read (v1) must
    not replace the newer copy the event brought (v2), and the request uses the newer."""
    mid, h = _manager()
    cid = _register(customer_app, h)["id"]
    event = _registered_event(cid)
    from services.engagement import snapshots
    real_fetch = readthrough.fetch

    def fetch_while_an_event_lands(service, path):
        body = real_fetch(service, path)      # the real HTTP read: version 1
        assert body["version"] == 1
        newer = Envelope(type=event.type, version=1, source="customer", subject=cid,
                         data={**event.data, "name": "事件更新", "tags": ["vip"]}, subject_version=2)
        assert snapshots.apply(newer)
        return body

    monkeypatch.setattr(readthrough, "fetch", fetch_while_an_event_lands)
    r = engagement_app.test_client().get(f"/api/v1/engagement/customers/{cid}/summary", headers=h)
    assert r.status_code == 200, r.get_json()
    kept = _copy("engagement", cid)
    assert kept["version"] == 2 and kept["name"] == "事件更新" and kept["tags"] == ["vip"]


def test_keep_is_the_event_guard_for_a_read_older_newer_or_equal(engagement_app):
    coll = support.db("engagement")[f"scratch_{uuid.uuid4().hex[:6]}"]
    try:
        assert copies.keep(coll, "c1", 3, {"name": "v3"}) is True
        assert copies.keep(coll, "c1", 2, {"name": "v2"}) is False
        assert copies.keep(coll, "c1", 3, {"name": "v3 again"}) is False
        assert coll.find_one({"_id": "c1"})["name"] == "v3"
        assert copies.keep(coll, "c1", 4, {"name": "v4"}) is True
        assert coll.find_one({"_id": "c1"})["name"] == "v4" and coll.count_documents({}) == 1
    finally:
        coll.drop()


# --- someone else's customer: 404 / 422 as for none, nothing kept --------------------

ENGAGEMENT_ROUTES = [
    ("post", INTERACTIONS, _interaction),
    ("get", "/api/v1/engagement/customers/{cid}/interactions", None),
    ("post", VISITS, _visit),
    ("get", VISITS + "?customer_id={cid}", None),
    ("post", "/api/v1/engagement/greetings",
     lambda cid: {"customer_id": cid, "occasion": "birthday", "year": 2026, "channel": "wechat"}),
    ("get", "/api/v1/engagement/customers/{cid}/greetings", None),
    ("post", "/api/v1/engagement/gifts/g-any/issues",
     lambda cid: {"customer_id": cid, "reason": "生日关怀", "request_id": f"req-{uuid.uuid4().hex}"}),
    ("get", "/api/v1/engagement/customers/{cid}/gifts", None),
    ("get", "/api/v1/engagement/customers/{cid}/summary", None),
]
FEEDBACK_ROUTES = [
    ("post", COMPLAINTS, _complaint, 422),
    ("post", "/api/v1/feedback/feedback",
     lambda cid: {"customer_id": cid, "channel": "phone", "category": "praise", "content": "很好"}, 422),
    ("get", "/api/v1/feedback/customers/{cid}/summary", None, 404),
]


def _call(app, method, path, body, cid, headers):
    client = app.test_client()
    path = path.format(cid=cid)
    return client.get(path, headers=headers) if method == "get" else client.post(path, json=body(cid),
                                                                                  headers=headers)


@pytest.mark.parametrize("method,path,body", ENGAGEMENT_ROUTES, ids=[f"{m} {p}" for m, p, _ in ENGAGEMENT_ROUTES])
def test_engagement_another_managers_new_customer_is_404_and_nothing_is_kept(
        customer_app, engagement_app, method, path, body):
    _, owner = _manager()
    cid = _register(customer_app, owner)["id"]
    _, other = _manager()
    for who in (other, as_user("a-x", ident.ADMIN, branch="elsewhere")):
        r = _call(engagement_app, method, path, body, cid, who)
        assert r.status_code == 404, r.get_json()
        assert r.get_json()["detail"] == "No such customer."
    unknown = _call(engagement_app, method, path, body, "c-" + uuid.uuid4().hex, other)
    assert unknown.status_code == 404 and unknown.get_json() == r.get_json()   # no hint either way
    assert _copy("engagement", cid) is None
    db = support.db("engagement")
    assert db.interactions.count_documents({"customer_id": cid}) == 0
    assert db.visits.count_documents({"customer_id": cid}) == 0


@pytest.mark.parametrize("method,path,body,status", FEEDBACK_ROUTES, ids=[f"{m} {p}" for m, p, *_ in FEEDBACK_ROUTES])
def test_feedback_another_managers_new_customer_is_refused_and_nothing_is_kept(
        customer_app, feedback_app, method, path, body, status):
    _, owner = _manager()
    cid = _register(customer_app, owner)["id"]
    _, other = _manager()
    r = _call(feedback_app, method, path, body, cid, other)
    assert r.status_code == status, r.get_json()
    unknown = _call(feedback_app, method, path, body, "c-" + uuid.uuid4().hex, other)
    assert unknown.status_code == status and unknown.get_json() == r.get_json()   # no hint either way
    if status == 422:
        assert "customer_id" in r.get_json()["errors"]
    assert _copy("feedback", cid) is None
    db = support.db("feedback")
    assert db.complaints.count_documents({"customer_id": cid}) == 0
    assert db.feedback.count_documents({"customer_id": cid}) == 0


# --- the customer service down or silent: 503, nothing kept, no hang ----------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]   # closed again on leaving: nobody listens there


@pytest.fixture
def silent_server():
    """Accepts connections and never answers (a hung customer service)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    try:
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
    finally:
        s.close()


def _apps_pointing_at(url: str, timeout: str = "0.5"):
    from services.engagement.app import create_app as engagement
    from services.feedback.app import create_app as feedback
    extra = {"CRM_CUSTOMER_URL": url, "CRM_READ_THROUGH_TIMEOUT": timeout}
    return engagement(**support.overrides(extra=extra)), feedback(**support.overrides(extra=extra))


@pytest.mark.parametrize("where", ["down", "silent"])
def test_customer_service_down_or_silent_is_503_in_bounded_time_and_nothing_is_kept(
        customer_app, silent_server, where):
    _, h = _manager()
    cid = _register(customer_app, h)["id"]
    url = f"http://127.0.0.1:{_closed_port()}" if where == "down" else silent_server
    engagement, feedback = _apps_pointing_at(url)
    for app, method, path, body in ((engagement, "post", INTERACTIONS, _interaction),
                                    (engagement, "post", VISITS, _visit),
                                    (engagement, "get", "/api/v1/engagement/customers/{cid}/summary", None),
                                    (feedback, "post", COMPLAINTS, _complaint)):
        started = time.monotonic()
        r = _call(app, method, path, body, cid, h)
        waited = time.monotonic() - started
        assert r.status_code == 503 and r.content_type == "application/problem+json", (path, r.get_json())
        assert r.get_json()["type"].endswith("/upstream-unavailable") and r.headers["Retry-After"] == "1"
        assert "customer service" in r.get_json()["detail"]
        assert waited < 5, f"{path}: {waited:.1f}s, the 0.5 s bound did not hold"
    assert _copy("engagement", cid) is None and _copy("feedback", cid) is None
    assert support.db("engagement").interactions.count_documents({"customer_id": cid}) == 0
    assert support.db("engagement").visits.count_documents({"customer_id": cid}) == 0
    assert support.db("feedback").complaints.count_documents({"customer_id": cid}) == 0


def test_a_known_customer_needs_no_customer_service(customer_app):
    """The read-through is for the first moments only: a customer already copied is served
    from the copy even while the customer service is down."""
    mid, h = _manager()
    cid = _register(customer_app, h)["id"]
    engagement, _ = _apps_pointing_at(f"http://127.0.0.1:{_closed_port()}")
    event = _registered_event(cid)
    from services.engagement import snapshots
    with engagement.app_context():
        assert snapshots.apply(event)
    r = engagement.test_client().post(INTERACTIONS, json=_interaction(cid), headers=h)
    assert r.status_code == 201, r.get_json()
