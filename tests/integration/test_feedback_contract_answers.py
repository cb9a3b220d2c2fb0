"""What the feedback service answers is what its OpenAPI document says (issue #10): every
operation driven once on the real FerretDB, each answer checked against the documented
schema of its status, with nothing undeclared (additionalProperties: false) and null only
where the document allows it."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from chassis.events import received
from contracts import customer as customer_events
from tests import contract
from tests.support import as_user

F = "/api/v1/feedback"
def uid(p="x"):
    return f"{p}-{uuid.uuid4().hex[:8]}"


class Caller(contract.Checked):
    """Calls an operation by its documented path (under F) and checks the answer."""

    def __call__(self, method, template, status, headers, params=None, **kw):
        path = F + template.format(**(params or {}))
        r = getattr(self.client, method)(path, headers=headers, **kw)
        return self.check(method, F + template.split("?")[0], r, status)


@pytest.fixture
def call(feedback_app):
    return Caller(feedback_app)


def seed_customer(manager_id):
    from services.feedback import snapshots
    cid = uid("c")
    env = customer_events.REGISTERED.new(cid, {"customer_id": cid, "kind": "individual", "name": "张三",
                                               "tier": "diamond", "manager_id": manager_id, "branch": "b1"})
    env.subject_version = 1
    assert snapshots.apply(received(env))
    return cid


def test_every_answer_matches_the_document(call):
    mgr = uid("m")
    me, sup, admin = as_user(mgr, branch="b1"), as_user(uid("s"), "supervisor", branch="b1", team=[mgr]), \
        as_user(uid("a"), "admin", branch="b1")
    cid = seed_customer(mgr)

    # feedback
    fb = call("post", "/feedback", 201, me, json={"customer_id": cid, "channel": "wechat", "category": "praise",
                                                  "content": "服务很好"}).get_json()
    call("post", "/feedback", 201, me, json={"channel": "phone", "category": "suggestion", "content": "匿名建议"})
    call("get", "/feedback?limit=1", 200, me)
    call("get", "/feedback/{feedback_id}", 200, me, {"feedback_id": fb["id"]})
    call("get", "/feedback?cursor=nope", 400, me)
    call("post", "/feedback", 422, me, json={"channel": "fax"})
    call("get", "/feedback/{feedback_id}", 404, me, {"feedback_id": "nope"})

    # a complaint through every step
    c = call("post", "/complaints", 201, me, json={"customer_id": cid, "severity": "high", "category": "service",
                                                   "channel": "counter", "summary": "排队太久"}).get_json()
    cp = {"complaint_id": c["id"]}

    def act(action, body, status=200, version=None):
        v = c["version"] if version is None else version
        return call("post", "/complaints/{complaint_id}/" + action, status, {**me, "If-Match": f'"{v}"'}, cp,
                    json=body).get_json()
    call("post", "/complaints/{complaint_id}/start", 428, me, cp, json={})
    call("post", "/complaints/{complaint_id}/start", 400, {**me, "If-Match": "x"}, cp, json={})
    act("resolve", {"outcome": "x"}, 409)
    c = act("assign", {"assignee_id": mgr, "note": "我来"})
    act("start", {}, 412, version=1)
    c = act("start", {})
    act("resolve", {"outcome": " "}, 422)
    c = act("resolve", {"outcome": "退费"})
    c = act("confirm", {"confirmed": False})
    c = act("resolve", {"outcome": "补偿到账"})
    c = act("confirm", {"confirmed": True})
    assert c["status"] == "closed"
    c = act("reopen", {"reason": "又出现了"})
    call("get", "/complaints?status=in_progress&limit=5", 200, me)
    call("get", "/complaints/{complaint_id}", 200, me, cp)
    history = call("get", "/complaints/{complaint_id}/history", 200, me, cp).get_json()
    times = [d["new"] for h in history for d in h["diff"] if d["field"] == "resolved_at" and d["new"]]
    assert times and all(datetime.fromisoformat(t) for t in times)   # ISO 8601, not an HTTP date

    # surveys: created by a supervisor, distributed and answered by the manager
    call("post", "/surveys", 403, me, json={"name": "s", "questions": [{"key": "a", "type": "text", "text": "?"}]})
    s = call("post", "/surveys", 201, sup, json={"name": "讲座满意度", "questions": [
        {"key": "sat", "type": "rating", "text": "满意度"}, {"key": "rec", "type": "nps", "text": "推荐"},
        {"key": "topics", "type": "multiple", "text": "关注", "options": ["a", "b"], "required": False},
        {"key": "comment", "type": "text", "text": "建议", "required": False}]}).get_json()
    call("get", "/surveys?limit=3", 200, me)
    call("get", "/surveys/{survey_id}", 200, me, {"survey_id": s["id"]})
    did = uid("d").replace("-", "_")
    d = call("post", "/surveys/{survey_id}/distributions", 201, me, {"survey_id": s["id"]},
             json={"segment": {"tiers": ["diamond"]}, "distribution_id": did}).get_json()
    assert d["invited"] == 1
    inv = {"invitation_id": f"{did}:{cid}"}
    call("get", "/invitations?context_id=" + did, 200, me)
    call("get", "/invitations/{invitation_id}", 200, me, inv)
    call("get", "/invitations/{invitation_id}/response", 404, me, inv)
    call("post", "/invitations/{invitation_id}/response", 422, me, inv, json={"answers": {"sat": 9}})
    # the customer's self-service link to the same invitation (no login: the link is the credential)
    from chassis import links
    from tests.support import SECRET
    link = {"token": links.issue(SECRET, kind="survey", svc="feedback", subject=inv["invitation_id"], customer=cid,
                                 expires_at=datetime.now(timezone.utc) + timedelta(days=1))}
    assert call("get", "/links/{token}", 200, {}, link).get_json()["title"] == "讲座满意度"
    call("post", "/links/{token}", 422, {}, link, json={"answers": {"sat": 9}})
    call("get", "/links/{token}", 404, {}, {"token": "forged.link"})
    call("post", "/invitations/{invitation_id}/response", 201, me, inv,
         json={"answers": {"sat": 5, "rec": 10, "topics": ["a"], "comment": None}})
    call("post", "/invitations/{invitation_id}/response", 409, me, inv, json={"answers": {"sat": 5, "rec": 10}})
    call("get", "/invitations/{invitation_id}/response", 200, me, inv)
    call("post", "/links/{token}", 410, {}, link, json={"answers": {"sat": 5, "rec": 10}})   # answered already

    # the composed-view parts and the figures
    call("get", "/customers/{customer_id}/summary", 200, me, {"customer_id": cid})
    call("get", "/customers/{customer_id}/summary", 404, me, {"customer_id": "nope"})
    later = (date.today() + timedelta(days=2)).isoformat()
    w = call("get", f"/worklist?manager_id={mgr}&date={later}", 200, me).get_json()
    assert w["complaints_near_breach"] or w["complaints_breached"]
    call("get", f"/worklist?manager_id={uid('m')}&date={later}", 404, me)
    stats = call("get", "/stats", 200, sup).get_json()
    assert set(stats["per_manager"][mgr]) == {"csat", "nps", "responses", "complaints_open",
                                              "complaints_breached", "within_sla_rate"}
    call("get", f"/stats?manager_ids={mgr}&from=2020-01-01&to={later}", 200, me)
    for by in ("month", "manager", "tier", "survey"):
        call("get", f"/satisfaction?by={by}", 200, sup)
    call("get", "/satisfaction?from=2026-02-01&to=2026-01-01", 422, me)

    # settings: everyone reads, admins write
    sla = call("get", "/settings/sla", 200, me).get_json()
    body = {k: sla[k] for k in ("table", "near_fraction", "confirm_timeout_hours")}
    call("put", "/settings/sla", 403, {**me, "If-Match": '"0"'}, json=body)
    call("get", "/settings/followup", 200, me)
    unknown_survey = {"cap_days": 30, "cap_count": 1, "triggers": {"visit": "no-such-survey"},
                      "enabled": {"visit": True, "activity": True, "complaint": True}}
    call("put", "/settings/followup", 403, {**me, "If-Match": '"0"'}, json=unknown_survey)   # role first
    call("put", "/settings/followup", 422, {**admin, "If-Match": '"0"'}, json=unknown_survey)

    documented = {f"{m.upper()} {p}" for p, item in call.spec["paths"].items() if p.startswith(F)
                  for m in item if m in ("get", "post", "put", "patch", "delete")}
    # PUT settings succeeding would change the policy every other test of this run reads
    assert documented - call.seen <= {f"PUT {F}/settings/sla", f"PUT {F}/settings/followup"}
