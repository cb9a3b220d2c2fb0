"""Which customers a plan covers, and the comparable customers outside it (reads only).

A plan's scope is criteria over the engagement service's copy of customers, each
non-empty one a must (any of its values): tiers, classes, tags, managers' books, or
named key customers. The comparison group is the customers of the plan's branch with the
same tier and classes as some plan customer but outside the plan, so an evaluation can
tell the plan's effect from the trend.
"""
from __future__ import annotations

from typing import Any

from .plan_models import Plan
from .snapshots import CustomerSnapshot

FIELDS = {"_id": 1, "manager_id": 1, "branch": 1, "tier": 1, "classes": 1}


def query(scope: dict[str, Any], branch: str | None) -> dict[str, Any]:
    q: dict[str, Any] = {"status": {"$ne": "archived"}}
    if branch:
        q["branch"] = branch
    if scope.get("manager_ids"):
        q["manager_id"] = {"$in": list(scope["manager_ids"])}
    if scope.get("customer_ids"):
        q["_id"] = {"$in": list(scope["customer_ids"])}
    if scope.get("tiers"):
        q["tier"] = {"$in": list(scope["tiers"])}
    if scope.get("classes"):
        q["classes"] = {"$in": list(scope["classes"])}
    if scope.get("tags"):
        q["tags"] = {"$in": list(scope["tags"])}
    return q


class Books:
    """The port plans count their customers through (unit tests bind a fake)."""

    def count(self, scope: dict[str, Any], branch: str | None) -> int:
        return CustomerSnapshot._get_collection().count_documents(query(scope, branch))


def _rows(q: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in CustomerSnapshot._get_collection().find(q, FIELDS):
        r["id"] = r.pop("_id")
        out.append(r)
    return out


def customers(plan: Plan) -> list[dict[str, Any]]:
    return _rows(query(plan.scope or {}, plan.branch))


def _key(c: dict[str, Any]) -> tuple:
    return (c.get("tier"), tuple(sorted(c.get("classes") or ())))


def comparison(plan: Plan, plan_customer_ids: set[str]) -> list[str]:
    """Customers of the plan's branch like the plan's (same tier and classes), outside it."""
    if not plan_customer_ids:
        return []
    members = _rows({"_id": {"$in": sorted(plan_customer_ids)}})
    keys = {_key(c) for c in members}
    q: dict[str, Any] = {"status": {"$ne": "archived"}, "tier": {"$in": sorted({k[0] for k in keys if k[0]})},
                         "manager_id": {"$ne": None}}
    if plan.branch:
        q["branch"] = plan.branch
    return sorted(c["id"] for c in _rows(q) if c["id"] not in plan_customer_ids and _key(c) in keys)
