"""Next best action (下一步最佳行动): the use cases — the ranked list of a manager's book, the
branch's weights (admins), and the consumers that keep what the score reads.

The score itself is ``nba_rules`` (pure). Everything it reads is local: the customer copy
(tier, AUM band, risk assessment), interactions and visits (last contact), complaint copies
and churn signals (from events), and the plan tasks on the worklist.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from chassis import clock, copies, directory, identity
from chassis.errors import invalid, precondition_required
from chassis.events import Envelope
from chassis.identity import Identity

from . import book, nba_rules as rules
from .bootstrap import ports
from .nba_models import ChurnSignal, ComplaintCopy, NbaWeights
from .plan_work import as_day

store = ports.nba_weights
# Feedback's complaint states in which the complaint is still the customer's grievance:
# resolved waits for the customer's confirmation, closed is over.
OPEN_COMPLAINT = ("opened", "assigned", "in_progress")


# --- consumers ---------------------------------------------------------------------------------
def complaint_changed(envelope: Envelope) -> bool:
    """feedback.complaint.opened / assigned / reopened / resolved / closed: the newest wins."""
    d = envelope.data
    return copies.apply(ComplaintCopy._get_collection(), envelope,
                        {"customer_id": d["customer_id"], "status": d["status"], "severity": d.get("severity"),
                         "cycle": d.get("cycle")})


def churn_signalled(envelope: Envelope) -> bool:
    """customer.churn.signalled: kept once per customer and signal key."""
    d = envelope.data
    raised = d["raised_on"]
    try:
        ChurnSignal._get_collection().insert_one({
            "_id": f"{d['customer_id']}:{d['signal_key']}", "customer_id": d["customer_id"], "signal": d["signal"],
            "raised_on": datetime(raised.year, raised.month, raised.day)})
        return True
    except DuplicateKeyError:
        return False


# --- weights (branch configuration) -----------------------------------------------------------
def _weights_id(branch: str | None) -> str:
    return f"branch:{branch or ''}"


def weights_doc(branch: str | None) -> NbaWeights | None:
    return store.get(_weights_id(branch))


def weights_for(branch: str | None) -> dict[str, Any]:
    """The branch's weights: its own set laid over the defaults (a later default is picked
    up by a branch that never set that key)."""
    doc = weights_doc(branch)
    return rules.merge(rules.DEFAULT_WEIGHTS, doc.weights if doc else {})


def set_weights(edit: dict[str, Any], expected_version: int | None, reason: str | None,
                who: Identity) -> NbaWeights:
    """An admin sets their branch's weights: ``edit`` over the current set; the first set
    creates it, later ones need the version (If-Match)."""
    who.ensure_role(identity.ADMIN)
    branch = who.branch or ""
    merged = rules.merge(weights_for(branch), edit)
    problems = rules.weight_problems(merged)
    if problems:
        raise invalid(problems)
    existing = weights_doc(branch)
    if existing is None:
        return store.create(NbaWeights(id=_weights_id(branch), branch=branch, weights=merged), who,
                            reason=reason or "next-best-action weights set")
    if expected_version is None:
        raise precondition_required()

    def change(doc: NbaWeights) -> list:
        doc.weights = merged
        return []
    return store.update(existing.id, expected_version, change, who, current=existing,
                        reason=reason or "next-best-action weights changed")


# --- the ranked list ---------------------------------------------------------------------------
def facts_of(customers: list[dict], day: date, w: dict[str, Any],
             tasks: list[dict[str, Any]], manager_id: str | None = None,
             last: dict[str, datetime] | None = None) -> list[rules.Facts]:
    """What the score needs of each customer of a book on ``day`` (the end of that day;
    ``last``: the book's latest contacts as of then, when the caller has them)."""
    ids = [c["id"] for c in customers]
    if last is None:
        last = book.last_contacts(ids, until=clock.day_bounds(day)[1])
    complaints: dict[str, int] = {}
    for r in ComplaintCopy._get_collection().find({"customer_id": {"$in": ids}, "status": {"$in": OPEN_COMPLAINT}},
                                                  {"customer_id": 1}):
        complaints[r["customer_id"]] = complaints.get(r["customer_id"], 0) + 1
    since = datetime(day.year, day.month, day.day) - timedelta(days=int(w["churn_signal_days"]))
    churn: dict[str, set[str]] = {}
    for r in ChurnSignal._get_collection().find(
            {"customer_id": {"$in": ids},
             "raised_on": {"$gt": since, "$lte": datetime(day.year, day.month, day.day)}},
            {"customer_id": 1, "signal": 1}):
        churn.setdefault(r["customer_id"], set()).add(r["signal"])
    due: dict[str, int] = {}
    late: dict[str, int] = {}
    for t in tasks:
        cid = t.get("customer_id")
        if cid:
            bucket = late if t.get("days_overdue") else due
            bucket[cid] = bucket.get(cid, 0) + 1
    out = []
    for c in customers:
        cid = c["id"]
        lc = last.get(cid)
        out.append(rules.Facts(
            customer_id=cid, name=c.get("name"), tier=c.get("tier"), aum_band=c.get("aum_band"),
            risk_level=c.get("risk_level"), risk_valid_until=as_day(c.get("risk_valid_until")),
            # a copy made before the risk fields travelled says nothing either way
            risk_known="risk_level" in c, last_contact=clock.local_date(lc) if lc else None,
            open_complaints=complaints.get(cid, 0), churn_signals=tuple(sorted(churn.get(cid, ()))),
            tasks_due=due.get(cid, 0), tasks_overdue=late.get(cid, 0), manager_id=c.get("manager_id") or manager_id))
    return out


def next_best_actions(manager_id: str, day: date, tasks: list[dict[str, Any]],
                      customers: list[dict] | None = None,
                      last: dict[str, datetime] | None = None) -> list[dict[str, Any]]:
    """A manager's book ranked for ``day`` under the weights of the manager's branch. The caller
    was checked to see that manager (scope.manager_scope): the book is theirs to see.
    ``customers``: the book, when the caller has read it already (500 copies at a branch's size)."""
    customers = book.customers_of([manager_id]) if customers is None else customers
    # the manager's branch; one the staff directory has not heard of yet: the caller's
    branch = directory.branch_of(manager_id)
    w = weights_for(branch if branch is not None else identity.current().branch or "")
    return [i.as_dict() for i in rules.rank(facts_of(customers, day, w, tasks, manager_id, last), day, w)]
