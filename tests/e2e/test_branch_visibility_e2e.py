"""Issue #9 across branches and books: these need the services' staff directory, fed by the
gateway's gateway.user.changed events."""
import uuid
from datetime import date, datetime, timezone

from tests import support
from tests.e2e.test_security_e2e import E, F, _activity, _branch


def _known_to_services(admin_of_branch, manager) -> None:
    """Wait until the staff directories have the gateway's event about ``manager``."""
    support.wait_for(lambda: admin_of_branch.get(f"/api/v1/managers/{manager.id}/customers").status_code == 200,
                     timeout=20, what="the manager in the services' staff directory")


def test_a_branch_admin_reads_nothing_of_another_branch(admin):
    """Issue #9 item 4: manager-keyed endpoints and the audit trail, 404 or nothing, never data."""
    b1, b2 = _branch(), _branch()
    m1, m2 = support.new_user(admin, "manager", branch=b1), support.new_user(admin, "manager", branch=b2)
    admin1 = support.new_user(admin, "admin", branch=b1)
    cid2 = support.register_customer(m2, wait_for_copy=f"{E}/customers/{{id}}/snapshot")
    today = date.today().isoformat()
    for path in (f"{E}/worklist?manager_id={m2.id}", f"{E}/reminders?manager_id={m2.id}",
                 f"{E}/visits/rolling?manager_id={m2.id}", f"{E}/greetings/due?manager_id={m2.id}",
                 f"{E}/cadence/due?manager_id={m2.id}", f"{E}/stats?manager_ids={m2.id}&from={today}&to={today}",
                 f"{F}/worklist?manager_id={m2.id}&date={today}", f"{F}/stats?manager_ids={m2.id}",
                 f"/api/v1/customers/stats?manager_ids={m2.id}", f"/api/v1/customers/worklist?manager_id={m2.id}",
                 f"/api/v1/managers/{m2.id}/customers", f"/api/v1/views/worklist?manager_id={m2.id}"):
        r = admin1.get(path)
        assert r.status_code == 404, (path, r.status_code, r.text[:200])
        assert cid2 not in r.text
    trail = admin1.get("/api/v1/audit", params={"customer_id": cid2})
    assert trail.status_code == 200 and trail.json()["items"] == [], trail.text
    # ...while the same admin reads their own branch's manager
    support.register_customer(m1, wait_for_copy=f"{E}/customers/{{id}}/snapshot")
    _known_to_services(admin1, m1)
    for path in (f"{E}/worklist?manager_id={m1.id}", f"/api/v1/customers/worklist?manager_id={m1.id}",
                 f"{F}/worklist?manager_id={m1.id}&date={today}"):
        assert admin1.get(path).status_code == 200, path


def test_records_follow_the_customer_to_the_new_manager(admin):
    """Low: after a reassignment the former manager reads no visits, invitations or complaints."""
    b = _branch()
    m1, m2 = support.new_user(admin, "manager", branch=b), support.new_user(admin, "manager", branch=b)
    sup = support.new_user(admin, "supervisor", branch=b, team=[m1.id, m2.id])
    tag = "t" + uuid.uuid4().hex[:6]
    cid = support.register_customer(m1, wait_for_copy=f"{F}/customers/{{id}}/summary", tags=[tag])
    support.wait_for(lambda: m1.get(f"{E}/customers/{cid}/snapshot").status_code == 200, what="engagement copy")
    visit = m1.post(f"{E}/visits", json={"customer_id": cid, "scheduled_at": datetime.now(timezone.utc).isoformat(),
                                         "objective": "了解需求"}).json()
    aid = _activity(sup, tag)
    sup.post(f"{E}/activities/{aid}/invitations")
    c = m1.post(f"{F}/complaints", json={"customer_id": cid, "severity": "low", "category": "service",
                                         "channel": "counter", "summary": "排队时间长"})
    assert c.status_code == 201, c.text
    comp = c.json()
    for action, body in (("assign", {"assignee_id": m1.id}), ("start", {}), ("resolve", {"outcome": "已解释"}),
                         ("confirm", {"confirmed": True})):
        r = m1.post(f"{F}/complaints/{comp['id']}/{action}", json=body, headers={"If-Match": f'"{comp["version"]}"'})
        assert r.status_code == 200, (action, r.text)
        comp = r.json()
    assert comp["status"] == "closed"
    tag_c = m1.get(f"/api/v1/customers/{cid}").headers["ETag"]
    assert sup.put(f"/api/v1/customers/{cid}/manager", json={"manager_id": m2.id},
                   headers={"If-Match": tag_c}).status_code == 200
    support.wait_for(lambda: m1.get(f"{F}/complaints/{comp['id']}").status_code == 404, timeout=20,
                     what="the closed complaint to follow the customer")
    assert m2.get(f"{F}/complaints/{comp['id']}").status_code == 200
    assert m1.get(f"{E}/visits/{visit['id']}").status_code == 404
    assert m2.get(f"{E}/visits/{visit['id']}").status_code == 200
    assert [v for v in m1.get(f"{E}/visits").json()["items"] if v["id"] == visit["id"]] == []
    assert cid not in m1.get(f"{E}/activities/{aid}/invitations").text
    assert cid in m2.get(f"{E}/activities/{aid}/invitations").text


def test_assignment_targets_are_active_staff_of_the_callers_reach(admin):
    """Low: customer → manager and complaint → assignee only to active users of the right role and branch."""
    b1, b2 = _branch(), _branch()
    m1, other = support.new_user(admin, "manager", branch=b1), support.new_user(admin, "manager", branch=b2)
    gone = support.new_user(admin, "manager", branch=b1)
    auditor = support.new_user(admin, "auditor", branch=b1)
    admin1 = support.new_user(admin, "admin", branch=b1)
    assert admin.post(f"/api/v1/users/{gone.id}/deactivate").status_code == 200
    cid = support.register_customer(m1, wait_for_copy=f"{F}/customers/{{id}}/summary")
    _known_to_services(admin1, m1)
    tag = admin1.get(f"/api/v1/customers/{cid}").headers["ETag"]
    for target in (other.id, gone.id, auditor.id, "no-such-user"):
        r = admin1.put(f"/api/v1/customers/{cid}/manager", json={"manager_id": target}, headers={"If-Match": tag})
        assert r.status_code == 422 and "manager_id" in r.json()["errors"], (target, r.text)
    comp = m1.post(f"{F}/complaints", json={"customer_id": cid, "severity": "low", "category": "service",
                                            "channel": "phone", "summary": "查询"}).json()
    r = admin1.post(f"{F}/complaints/{comp['id']}/assign", json={"assignee_id": other.id},
                    headers={"If-Match": f'"{comp["version"]}"'})
    assert r.status_code == 422 and "assignee_id" in r.json()["errors"]
    r = admin1.post(f"{F}/complaints/{comp['id']}/assign", json={"assignee_id": m1.id},
                    headers={"If-Match": f'"{comp["version"]}"'})
    assert r.status_code == 200, r.text


