"""Every engagement operation, called for real, answers what its OpenAPI document says:
a documented status, the documented content type, and a body valid against the schema
(no undeclared member, null only where nullable, formats as declared)."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chassis import identity as ident
from chassis.events import received
from chassis.events.envelope import Envelope
from tests import contract
from tests.integration.test_engagement_support import admin, manager, new_id, snapshot, supervisor, today_local
from tests.support import as_user

E = "/api/v1/engagement"


class Checked(contract.Checked):
    """Calls a concrete URL, expecting ``expect``; the operation is the template it fits."""

    def call(self, method, url, headers, expect, **kw):
        resp = self.client.open(url, method=method.upper(), headers=headers, **kw)
        return self.check(method, self.template_of(method, url), resp, expect)

    def get(self, url, h, expect=200, **kw):
        return self.call("get", url, h, expect, **kw)

    def post(self, url, h, expect=200, **kw):
        return self.call("post", url, h, expect, **kw)


@pytest.fixture()
def api(engagement_app):
    return Checked(engagement_app)


def test_every_operation_answers_as_documented(engagement_app, api):
    branch = new_id("br")
    mid, h = manager()
    h = as_user(mid, ident.MANAGER, branch=branch)
    adm = admin(branch)
    sup = supervisor([mid])
    sup = as_user(new_id("s-"), ident.SUPERVISOR, branch=branch, team=(mid,))
    today = today_local()
    tag = new_id("tag")
    bday = today if today.strftime("%m-%d") != "02-29" else today + timedelta(days=1)
    cid = snapshot(engagement_app, mid, branch=branch, tier="gold", tags=[tag], classes=["hnw"],
                   birth_date=bday.replace(year=1980).isoformat(),
                   important_dates=[{"kind": "wedding", "date": "2010-05-20"}])
    never = snapshot(engagement_app, mid, branch=branch, tier="diamond")
    now = datetime.now(timezone.utc)

    api.get(f"{E}/customers/{cid}/snapshot", h)
    api.get(f"{E}/customers/{new_id()}/snapshot", h, 404)

    # interactions
    iid = api.post(f"{E}/interactions", h, 201, json={
        "customer_id": cid, "channel": "phone", "purpose": "回访", "follow_up_date": today.isoformat(),
        "occurred_at": (now - timedelta(days=100)).isoformat()}).get_json()["id"]
    api.post(f"{E}/interactions", h, 201, json={"customer_id": cid, "channel": "wechat", "purpose": "问候"})
    api.post(f"{E}/interactions", h, 404, json={"customer_id": new_id(), "channel": "wechat", "purpose": "x"})
    api.post(f"{E}/interactions", h, 422, json={"customer_id": cid, "channel": "pigeon"})
    api.get(f"{E}/interactions/{iid}", h)
    page = api.get(f"{E}/customers/{cid}/interactions?limit=1", h).get_json()
    assert page["next_cursor"]
    api.get(f"{E}/customers/{cid}/interactions?cursor={page['next_cursor']}", h)
    api.get(f"{E}/customers/{cid}/interactions?cursor=nonsense", h, 400)

    # visits
    plan = {"customer_id": cid, "scheduled_at": now.isoformat(), "objective": "拜访", "materials": ["手册"]}
    vid = api.post(f"{E}/visits", h, 201, json=plan).get_json()["id"]
    vid2 = api.post(f"{E}/visits", h, 201, json={**plan, "kind": "rolling"}).get_json()["id"]
    api.get(f"{E}/visits", h)
    api.get(f"{E}/visits?customer_id={cid}&status=planned&from={today.isoformat()}&limit=1", h)
    api.get(f"{E}/visits?cursor=nonsense", h, 400)
    api.get(f"{E}/visits?from=0001-01-01", h, 422)
    api.get(f"{E}/visits/{vid}", h)
    api.post(f"{E}/visits/{vid}/start", h, 428)
    api.post(f"{E}/visits/{vid}/start", {**h, "If-Match": "x"}, 400)
    api.post(f"{E}/visits/{vid}/start", {**h, "If-Match": '"7"'}, 412)
    api.post(f"{E}/visits/{vid}/start", {**h, "If-Match": '"1"'})
    api.post(f"{E}/visits/{vid}/record", {**h, "If-Match": '"2"'}, json={
        "notes": "谈了理财", "needs_found": ["养老"], "next_appointment_at": (now + timedelta(days=9)).isoformat()})
    api.post(f"{E}/visits/{vid}/evaluate", {**h, "If-Match": '"3"'}, json={
        "outcome": "ok", "objective_met": True, "rating": 4})
    api.post(f"{E}/visits/{vid}/cancel", {**h, "If-Match": '"4"'}, 409, json={"reason": "晚了"})
    api.post(f"{E}/visits/{vid2}/cancel", {**h, "If-Match": '"1"'}, json={"reason": "客户出差"})
    api.post(f"{E}/visits/{vid2}/record", {**h, "If-Match": '"2"'}, 422, json={"notes": ""})
    api.post(f"{E}/visits", h, 201, json={**plan, "scheduled_at": (now + timedelta(days=3)).isoformat()})
    rolling = api.get(f"{E}/visits/rolling", h).get_json()
    assert rolling["total"] == 2 and rolling["items"][0]["customer_id"] == never
    assert rolling["items"][1]["next_planned"] and rolling["items"][1]["last_visited_at"]
    api.get(f"{E}/visits/rolling", adm, 422)
    api.get(f"{E}/visits/rolling?manager_id={new_id()}", h, 404)

    # cadence
    api.get(f"{E}/cadence", h)
    api.call("put", f"{E}/cadence/class/{tag}", h, 403, json={"interval_days": 20})
    api.call("put", f"{E}/cadence/class/{tag}", adm, 200, json={"interval_days": 20})
    api.call("put", f"{E}/cadence/class/{tag}", adm, 428, json={"interval_days": 21})
    api.call("put", f"{E}/cadence/class/{tag}", {**adm, "If-Match": '"1"'}, 200, json={"interval_days": 21})
    api.call("put", f"{E}/cadence/tier/nonsense", adm, 422, json={"interval_days": 21})
    # the branch's engagement policy (no contact in N days, activity effect window)
    assert api.get(f"{E}/policy", h).get_json()["branch"] == "default"
    api.get(f"{E}/policy?nonsense=1", h, 422)
    body = {"no_contact_days": 60, "products_window_days": 20}
    api.call("put", f"{E}/policy", {**h, "If-Match": '"0"'}, 403, json=body)
    api.call("put", f"{E}/policy", adm, 428, json=body)
    api.call("put", f"{E}/policy", {**adm, "If-Match": "one"}, 400, json=body)
    api.call("put", f"{E}/policy", {**adm, "If-Match": '"0"'}, 422, json={**body, "products_window_days": 0})
    api.call("put", f"{E}/policy", {**adm, "If-Match": '"0"'}, 200, json=body)
    api.call("put", f"{E}/policy", {**adm, "If-Match": '"0"'}, 412, json=body)
    due = api.get(f"{E}/cadence/due", h).get_json()
    assert never in {c["customer_id"] for c in due["overdue"] + due["due"]}
    api.get(f"{E}/cadence/due?date=9999-12-31", h, 422)

    # care
    greet = api.get(f"{E}/greetings/due?manager_id={mid}&date={bday.isoformat()}", h).get_json()
    occasion = next(g for g in greet["items"] if g["occasion"] == "birthday")
    body = {"customer_id": cid, "occasion": "birthday", "year": occasion["year"], "channel": "wechat"}
    api.post(f"{E}/greetings", h, 201, json=body)
    api.post(f"{E}/greetings", h, 409, json=body)
    api.post(f"{E}/greetings", h, 422, json={**body, "occasion": "no_such_day"})
    api.get(f"{E}/customers/{cid}/greetings", h)
    api.get(f"{E}/holidays?year=2026", h)
    api.get(f"{E}/holidays?year=1800", h, 422)

    # gifts
    api.post(f"{E}/gifts", h, 403, json={"name": "月饼", "cost_cents": 100, "stock": 2})
    gid = api.post(f"{E}/gifts", adm, 201, json={"name": "月饼", "cost_cents": 100, "stock": 1}).get_json()["id"]
    api.get(f"{E}/gifts", h)
    api.get(f"{E}/gifts/{gid}", h)
    api.post(f"{E}/gifts/{gid}/restock", {**adm, "If-Match": '"1"'}, json={"add": 1})
    api.post(f"{E}/gifts/{gid}/restock", {**adm, "If-Match": '"1"'}, 412, json={"add": 1})
    issue = {"customer_id": cid, "reason": "生日", "request_id": uuid.uuid4().hex}
    api.post(f"{E}/gifts/{gid}/issues", h, 409, json=issue)            # no budget yet
    api.post(f"{E}/budgets", adm, 201, json={"branch": branch, "period": str(today.year), "amount_cents": 1000})
    api.post(f"{E}/budgets", adm, 409, json={"branch": branch, "period": str(today.year), "amount_cents": 1000})
    api.post(f"{E}/budgets", adm, 403, json={"branch": "elsewhere", "period": "2026", "amount_cents": 1})
    api.get(f"{E}/budgets", adm)
    api.get(f"{E}/budgets", h, 403)
    issued = api.post(f"{E}/gifts/{gid}/issues", h, 201, json=issue)
    api.post(f"{E}/gifts/{gid}/issues", h, 200, json=issue)
    api.get(issued.headers["Location"], h)
    api.get(f"{E}/gift-issues/{new_id()}", h, 404)
    api.get(f"{E}/customers/{cid}/gifts", h)
    assert api.get(f"{E}/customers/{cid}/gift-budget", h).get_json()["budget"]["spent_cents"] == 100

    # activities
    act = {"name": "财富沙龙", "type": "wealth_salon", "starts_at": now.isoformat(), "capacity": 5,
           "budget_cents": 1000, "segment": {"tags": [tag]}}
    api.post(f"{E}/activities", h, 403, json=act)
    aid = api.post(f"{E}/activities", sup, 201, json=act).get_json()["id"]
    api.get(f"{E}/activities", sup)
    api.get(f"{E}/activities/{aid}", sup)
    api.post(f"{E}/activities/{aid}/invitations", sup)
    api.get(f"{E}/activities/{aid}/invitations", sup)
    figures = api.get(f"{E}/activities/{aid}/evaluation", sup).get_json()   # nobody answered yet
    assert (figures["invited"], figures["accepted"], figures["attendance_rate"]) == (1, 0, None)
    api.post(f"{E}/activities/{aid}/rsvp", h, json={"customer_id": cid, "answer": "accept"})
    other = api.post(f"{E}/activities", sup, 201, json=act).get_json()["id"]
    api.call("patch", f"{E}/activities/{other}", sup, 428, json={"location": "二楼", "reason": "换场地"})
    api.call("patch", f"{E}/activities/{other}", {**sup, "If-Match": "x"}, 400, json={"reason": "r"})
    api.call("patch", f"{E}/activities/{other}", {**h, "If-Match": '"1"'}, 403, json={"reason": "r"})
    api.call("patch", f"{E}/activities/{other}", {**sup, "If-Match": '"1"'}, 422, json={"capacity": 0, "reason": "r"})
    api.call("patch", f"{E}/activities/{other}", {**sup, "If-Match": '"1"'}, 200, json={"location": "二楼",
                                                                                        "reason": "换场地"})
    api.call("patch", f"{E}/activities/{other}", {**sup, "If-Match": '"1"'}, 412, json={"reason": "r"})
    api.call("patch", f"{E}/activities/{new_id()}", {**sup, "If-Match": '"1"'}, 404, json={"reason": "r"})
    api.post(f"{E}/activities/{other}/cancel", sup, 428, json={"reason": "天气"})
    api.post(f"{E}/activities/{other}/cancel", {**sup, "If-Match": '"2"'}, json={"reason": "天气"})
    api.post(f"{E}/activities/{other}/cancel", {**sup, "If-Match": '"3"'}, 409, json={"reason": "天气"})
    api.call("patch", f"{E}/activities/{other}", {**sup, "If-Match": '"3"'}, 409, json={"reason": "r"})
    api.post(f"{E}/activities/{aid}/evaluation", sup, 409, json={})
    api.post(f"{E}/activities/{aid}/attendance", sup, json={"customer_ids": [cid, never]})
    api.get(f"{E}/activities/{aid}/evaluation", sup)
    api.post(f"{E}/activities/{aid}/evaluation", sup, json={"follow_up_actions": ["寄资料"], "notes": "好"})
    api.post(f"{E}/activities/{aid}/invitations", sup, 409)
    api.post(f"{E}/activities/{aid}/attendance", sup, 409, json={"customer_ids": [cid]})
    version = api.get(f"{E}/activities/{aid}", sup).get_json()["version"]
    api.post(f"{E}/activities/{aid}/cancel", {**sup, "If-Match": f'"{version}"'}, 409, json={"reason": "改期"})
    other = api.post(f"{E}/activities", sup, 201, json=act).get_json()["id"]
    api.post(f"{E}/activities/{other}/cancel", {**sup, "If-Match": '"9"'}, 412, json={"reason": "改期"})
    api.post(f"{E}/activities/{other}/cancel", sup, 428, json={"reason": "改期"})
    api.post(f"{E}/activities/{other}/cancel", {**sup, "If-Match": '"1"'}, 422, json={})
    api.post(f"{E}/activities/{other}/cancel", {**h, "If-Match": '"1"'}, 403, json={"reason": "改期"})
    api.post(f"{E}/activities/{other}/cancel", {**sup, "If-Match": '"1"'}, json={"reason": "改期"})

    # account reminders (as core banking's events leave them) and the composed views
    from services.engagement import reminders
    with engagement_app.app_context():
        for type_, data in (("core.deposit.maturing", {"account_ref": "****5678", "amount_cents": 10_000,
                                                       "maturity_date": (today + timedelta(days=7)).isoformat()}),
                            ("core.account.balance_changed", {"account_ref": "6222020200001234", "change_cents": -5,
                                                              "balance_cents": None, "currency": "CNY"})):
            reminders.apply(received(Envelope.from_dict({
                "id": str(uuid.uuid4()), "type": type_, "version": 1, "occurred_at": now.isoformat(),
                "source": "core-banking", "subject": cid, "data": {"customer_id": cid, **data}})))
    items = api.get(f"{E}/reminders", h).get_json()["items"]
    assert len(items) == 2
    api.get(f"{E}/reminders?manager_id={new_id()}", h, 404)
    api.call("patch", f"{E}/reminders/{items[0]['id']}", h, 200, json={"status": "done"})
    api.call("patch", f"{E}/reminders/{new_id()}", h, 404, json={"status": "done"})
    summary = api.get(f"{E}/customers/{cid}/summary", h).get_json()
    assert summary["recent_interactions"][-1]["follow_up_date"] == today.isoformat()
    work = api.get(f"{E}/worklist?date={today.isoformat()}", h).get_json()
    assert work["follow_ups_due"] and work["account_reminders"]
    api.get(f"{E}/worklist?date=0001-01-01", h, 422)
    stats = api.get(f"{E}/stats?manager_ids={mid}&from={(today - timedelta(days=7)).isoformat()}"
                    f"&to={today.isoformat()}", sup).get_json()
    assert stats["activities"] and stats["per_manager"][mid]["customers"] == 2
    api.get(f"{E}/stats?manager_ids={mid}&from={today.isoformat()}&to={today.isoformat()}", h)
    api.get(f"{E}/stats?manager_ids={new_id()}&from=2026-01-01&to=2026-01-02", h, 404)

    assert never in {i["customer_id"] for i in work["next_best_actions"]}
    # next best action: the branch's weights
    api.get(f"{E}/nba/weights", h)
    api.call("put", f"{E}/nba/weights", h, 403, json={"reason": "r", "limit": 20})
    api.call("put", f"{E}/nba/weights", adm, 200, json={"limit": 20, "reason": "每天二十位"})
    api.call("put", f"{E}/nba/weights", adm, 428, json={"reason": "r", "limit": 21})
    api.call("put", f"{E}/nba/weights", {**adm, "If-Match": "x"}, 400, json={"reason": "r", "limit": 21})
    api.call("put", f"{E}/nba/weights", {**adm, "If-Match": '"9"'}, 412, json={"reason": "r", "limit": 21})
    api.call("put", f"{E}/nba/weights", {**adm, "If-Match": '"1"'}, 422, json={"reason": "r", "tier": {"gold": 101}})
    api.call("put", f"{E}/nba/weights", {**adm, "If-Match": '"1"'}, 422, json={"limit": 21})       # no reason
    api.call("put", f"{E}/nba/weights", {**adm, "If-Match": '"1"'}, 200, json={"reason": "r", "task": {"due": 1.5}})

    # maintenance plans (#12): a past quarter, drafted, edited, sent back, approved, closed, revised
    past = today.replace(year=today.year - 1, month=1, day=1)
    plan = api.post(f"{E}/plans", sup, 201, json={
        "name": "维护方案", "scope": {"tiers": ["gold"]}, "period_kind": "quarter", "period_start": past.isoformat(),
        "goals": [{"type": "contacts_per_customer", "target": 1}], "actions": [{"kind": "contact", "per_customer": 1}]})
    pid = plan.get_json()["id"]
    api.post(f"{E}/plans", sup, 422, json={"name": "x", "period_kind": "week", "period_start": past.isoformat(),
                                           "goals": []})
    api.get(f"{E}/plans?status=draft", sup)
    api.get(f"{E}/plans?cursor=not-a-cursor", sup, 400)
    api.call("patch", f"{E}/plans/{pid}", {**sup, "If-Match": '"1"'}, 200, json={"name": "改名", "reason": "更准确"})
    api.post(f"{E}/plans/{pid}/submit", {**sup, "If-Match": '"2"'})
    api.post(f"{E}/plans/{pid}/reject", {**sup, "If-Match": '"3"'}, json={"reason": "目标偏低"})
    api.post(f"{E}/plans/{pid}/approve", {**h, "If-Match": '"4"'}, 403, json={})
    api.post(f"{E}/plans/{pid}/approve", {**sup, "If-Match": '"4"'}, json={})
    api.call("patch", f"{E}/plans/{pid}", {**sup, "If-Match": '"5"'}, 409, json={"name": "x", "reason": "y"})
    api.get(f"{E}/plans/{pid}", sup)
    api.get(f"{E}/plans/{pid}", h, 404)
    api.get(f"{E}/plans/{pid}/history", sup)
    api.get(f"{E}/plans/{pid}/progress?as_of={(past + timedelta(days=30)).isoformat()}", sup)
    api.get(f"{E}/plans/{pid}/evaluation", sup)
    api.post(f"{E}/plans/{pid}/close", sup, 409, json={"as_of": past.isoformat()})
    evaluation = api.post(f"{E}/plans/{pid}/close", sup, json={}).get_json()
    api.get(f"{E}/plans/{pid}/evaluations", sup)
    decisions = [{"suggestion_id": x["id"], "decision": "accept"} for x in evaluation["suggestions"]]
    api.post(f"{E}/plans/{pid}/revise", {**sup, "If-Match": '"6"'}, json={"decisions": decisions, "reason": "加密"})
    task = api.post(f"{E}/tasks", sup, 201, json={"owner_id": mid, "customer_id": cid, "title": "陪同办理",
                                                   "due_on": today.isoformat()}).get_json()
    api.post(f"{E}/tasks", h, 403, json={"owner_id": mid, "title": "x", "due_on": today.isoformat()})
    api.get(f"{E}/tasks?manager_id={mid}", sup)
    api.get(f"{E}/tasks/{task['id']}", h)
    api.get(f"{E}/tasks/{task['id']}", as_user(new_id("m-"), ident.MANAGER, branch=branch), 404)
    api.post(f"{E}/tasks/{task['id']}/complete", {**h, "If-Match": '"1"'}, json={"note": "已办结"})
    api.post(f"{E}/tasks/{task['id']}/complete", {**h, "If-Match": '"2"'}, 409, json={})
    # outreach: consent, templates, campaigns (no consent granted here: nothing reads contacts),
    # messages, provider callbacks (no token configured in-process: 401), self-service links
    api.get(f"{E}/customers/{cid}/consents", h)
    api.post(f"{E}/customers/{cid}/consents", h, json={"channel": "email", "purpose": "marketing",
                                                        "granted": False})
    api.post(f"{E}/customers/{cid}/consents", h, 422, json={"channel": "fax", "purpose": "care", "granted": True})
    api.get(f"{E}/customers/{never}/messages", h)
    api.get(f"{E}/customers/{new_id()}/messages", h, 404)
    api.get(f"{E}/outreach/templates/birthday/sms", h)
    api.call("put", f"{E}/outreach/templates/birthday/inapp", adm, 200, json={"body": "{honorific}，生日快乐！"})
    api.call("put", f"{E}/outreach/templates/birthday/inapp", h, 403, json={"body": "x"})
    dry = api.post(f"{E}/outreach/campaigns", h, json={"kind": "holiday", "dry_run": True, "params": {
        "holiday": "mid_autumn", "segment": {"manager_ids": [mid]}}}).get_json()
    assert dry["refused"] == {"no_consent": 2}
    camp = api.post(f"{E}/outreach/campaigns", h, 202, json={"kind": "birthday"}).get_json()
    assert api.get(f"{E}/outreach/campaigns/{camp['campaign_id']}", h).get_json()["status"] == "planning"
    api.get(f"{E}/outreach/campaigns/{new_id()}", h, 404)
    api.post(f"{E}/outreach/campaigns", h, 404, json={"kind": "activity", "params": {"activity_id": "nope"}})
    api.post(f"{E}/outreach/callbacks/sms/report?token=x", {}, 401, json=[])
    api.post(f"{E}/outreach/callbacks/sms/inbound?token=x", {}, 401, json=[])
    from chassis import links
    from tests.support import SECRET
    tok = links.issue(SECRET, kind="unsubscribe", svc="engagement", subject="sms", customer=cid,
                      expires_at=now + timedelta(days=1))
    api.get(f"{E}/links/{tok}", {})
    api.post(f"{E}/links/{tok}", {}, json={"answer": "confirm"})
    api.post(f"{E}/links/{tok}", {}, 410, json={"answer": "confirm"})
    api.get(f"{E}/links/forged.link", {}, 404)

    documented = {f"{m.upper()} {p}" for p, item in api.spec["paths"].items() for m in item
                  if m in ("get", "post", "put", "patch", "delete") and p.startswith(E)}
    assert documented - api.seen == set()

