"""A small team with a month of work, made through the gateway, for the supervisor's screens.

Two managers under a supervisor: customers of several tiers, a logged contact, an open
complaint, a client activity with invitations, an answer and an attendance, and an approved
maintenance plan with its tasks — so every chart of the team dashboard has something to draw.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from tests import support

E = "/api/v1/engagement"
# AUM (cents) that the default tier rules put in different tiers: standard, gold, platinum.
AUMS = (100_000, 6_000_000, 60_000_000)


@dataclass
class Team:
    supervisor: support.Client
    managers: list[support.Client]
    customers: dict[str, list[str]] = field(default_factory=dict)   # manager id → customer ids
    activity_id: str = ""
    plan_id: str = ""
    complaint_id: str = ""

    @property
    def total_customers(self) -> int:
        return sum(len(v) for v in self.customers.values())


def _mobile() -> str:
    return f"13{random.randint(0, 9)}{random.randint(10_000_000, 99_999_999)}"


def make_team(admin: support.Client, per_manager: int = 3) -> Team:
    managers = [support.new_user(admin, "manager") for _ in range(2)]
    sup = support.new_user(admin, "supervisor", team=[m.id for m in managers])
    team = Team(sup, managers)
    for i, m in enumerate(managers):
        team.customers[m.id] = [
            support.register_customer(m, name=f"团队客户{uuid.uuid4().hex[:4]}", mobile=_mobile(),
                                      financial={"aum_cents": AUMS[(i + k) % len(AUMS)]})
            for k in range(per_manager)]
    first, second = managers
    c1 = team.customers[first.id][0]
    r = first.post(f"{E}/interactions", json={"customer_id": c1, "channel": "phone", "purpose": "季度回访",
                                              "summary": "客户对理财产品有兴趣"})
    assert r.status_code == 201, r.text
    r = second.post("/api/v1/feedback/complaints", json={
        "customer_id": team.customers[second.id][0], "severity": "high", "category": "service",
        "channel": "counter", "summary": "柜台排队时间过长"})
    assert r.status_code == 201, r.text
    team.complaint_id = r.json()["id"]
    team.activity_id = _activity(team)
    team.plan_id = _plan(team)
    return team


def _activity(team: Team) -> str:
    sup = team.supervisor
    starts = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    r = sup.post(f"{E}/activities", json={"name": "理财沙龙：资产配置", "type": "wealth_salon", "starts_at": starts,
                                          "location": "分行三楼会议室", "capacity": 20, "budget_cents": 400_000,
                                          "cost_per_head_cents": 15_000})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    ids = [c for cs in team.customers.values() for c in cs]
    # The customers reach engagement through events: wait until the segment is complete.
    support.wait_for(lambda: sup.post(f"{E}/activities/{aid}/invitations").json().get("segment_size") == len(ids),
                     timeout=30, what="the activity's segment")
    for cid in ids[:3]:
        r = sup.post(f"{E}/activities/{aid}/rsvp", json={"customer_id": cid, "answer": "accept"})
        assert r.status_code == 200, r.text
    r = sup.post(f"{E}/activities/{aid}/attendance", json={"customer_ids": ids[:2]})
    assert r.status_code == 200 and len(r.json()["marked"]) == 2, r.text
    return aid


def _plan(team: Team) -> str:
    sup = team.supervisor
    r = sup.post(f"{E}/plans", json={
        "name": "本季度客户维护方案", "period_kind": "quarter", "period_start": date.today().isoformat(),
        "goals": [{"type": "contacts_per_customer", "target": 2}, {"type": "greeting_coverage", "target": 0.8}],
        "actions": [{"kind": "contact", "per_customer": 2}]})
    assert r.status_code == 201, r.text
    plan = r.json()
    r = sup.post(f"{E}/plans/{plan['id']}/approve", json={}, headers={"If-Match": f'"{plan["version"]}"'})
    assert r.status_code == 200, r.text
    support.wait_for(lambda: sup.get(f"{E}/tasks", params={"plan_id": plan["id"]}).json()["items"],
                     timeout=30, what="the plan's tasks")
    return plan["id"]
