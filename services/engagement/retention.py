"""Retention and effect, on engagement's side: the branch's engagement policy, the "no contact
in N days" churn signal (a periodic job of the worker), and the local copy of core banking's
opened products that activity effectiveness counts. Rules are in ``retention_rules.py``.

Why the lapse is raised here: engagement owns every contact (interactions, visits), so it
knows each customer's last one without asking anyone. It publishes
``engagement.contact.lapsed`` once per stale episode — the ``ContactLapse`` aggregate's id
names the episode, so its unique insert is the once-only guarantee and its change record
carries the event. The customer service turns it into a churn signal like its own.

Why products opened after an activity are counted here: the activity and who attended are
engagement's; a product opened is one small fact per holding, cheap to copy by event
(``ProductOpening``, id = holding id, so a redelivery or a resent fact changes nothing).
"""
from __future__ import annotations

import time
from datetime import date, datetime, timezone

from pymongo.errors import BulkWriteError, DuplicateKeyError

from chassis import clock, identity
from chassis.errors import invalid, precondition_failed
from chassis.events import Envelope
from chassis.exceptions import AlreadyExists, StaleVersion
from chassis.identity import Identity
from contracts import engagement as events

from . import book, retention_rules as rules
from .bootstrap import ports
from .models import Activity, ContactLapse, EngagementPolicy, ProductOpening
from .snapshots import CustomerSnapshot

DEFAULT = "default"
BATCH = 500
WATCH = "contact_watch"    # customer id → the day engagement began watching one never contacted


# -- the branch's engagement policy -------------------------------------------------------
def policy_for(branch: str | None) -> tuple[str, int, dict]:
    """(whose policy, its version, the policy): the branch's own, else the default, else built-in."""
    for key in (branch, DEFAULT):
        if key:
            doc = ports.engagement_policies.get(key)
            if doc is not None:
                return key, doc.version, {"no_contact_days": doc.no_contact_days,
                                          "products_window_days": doc.products_window_days}
    return DEFAULT, 0, dict(rules.DEFAULT_POLICY)


_POLICY_TTL = 10.0
_cache: dict[str | None, tuple[float, dict]] = {}


def cached_policy(branch: str | None) -> dict:
    hit = _cache.get(branch)
    now = time.monotonic()
    if hit and hit[0] > now:
        return hit[1]
    policy = policy_for(branch)[2]
    _cache[branch] = (now + _POLICY_TTL, policy)
    return policy


def save_policy(new: dict, expected_version: int, who: Identity) -> EngagementPolicy:
    """An admin sets their branch's policy (a bank-wide admin sets the default)."""
    who.ensure_role(identity.ADMIN)
    key = who.branch or DEFAULT
    merged = {**rules.DEFAULT_POLICY, **new}
    errors = rules.policy_problems(merged)
    if errors:
        raise invalid(errors)
    store = ports.engagement_policies
    if store.get(key) is None:
        if expected_version != 0:
            raise precondition_failed(current_version=0)
        try:
            return store.create(EngagementPolicy(id=key, **merged), who, reason="engagement policy edited")
        except AlreadyExists:
            raise StaleVersion(current_version=1) from None

    def change(doc):
        doc.no_contact_days, doc.products_window_days = merged["no_contact_days"], merged["products_window_days"]
    return store.update(key, expected_version, change, who, reason="engagement policy edited")


# -- no contact in N days (periodic job) -----------------------------------------------------
def scan_lapses(today: date | None = None, where: dict | None = None) -> int:
    """Raise ``engagement.contact.lapsed`` for every customer whose stale episode reached the
    branch's N days and was not raised yet; returns how many were raised. ``today`` is
    injected by tests (the bank's day otherwise); ``where`` narrows the customers looked at
    (a test's, or one manager's book)."""
    day = today or clock.today()
    coll = CustomerSnapshot._get_collection()
    raised, after = 0, ""
    while True:
        page = {"_id": {"$gt": after}, "status": {"$ne": "archived"}}
        rows = list(coll.find({"$and": [where, page]} if where else page,
                              {"manager_id": 1, "branch": 1}).sort([("_id", 1)]).limit(BATCH))
        if not rows:
            return raised
        after = rows[-1]["_id"]
        raised += _scan(rows, day)


def _watched(ids: list[str], day: date) -> dict[str, date]:
    """When watching began for customers never contacted; it starts today for new ones."""
    if not ids:
        return {}
    watch = ContactLapse._get_collection().database[WATCH]

    def read() -> dict[str, date]:
        return {r["_id"]: date.fromisoformat(r["since"]) for r in watch.find({"_id": {"$in": ids}})}
    known = read()
    missing = [cid for cid in ids if cid not in known]
    if missing:
        try:
            watch.insert_many([{"_id": cid, "since": day.isoformat()} for cid in missing], ordered=False)
        except (BulkWriteError, DuplicateKeyError):
            pass   # another worker began some first: their day stands
        known = read()
    return known


def _scan(rows: list[dict], day: date) -> int:
    ids = [r["_id"] for r in rows]
    last = {cid: clock.local_date(at) for cid, at in book.last_contacts(ids).items()}
    watched = _watched([cid for cid in ids if cid not in last], day)
    due: dict[str, tuple[dict, date, int]] = {}
    for r in rows:
        n = int(cached_policy(r.get("branch"))["no_contact_days"])
        since = rules.lapse(last.get(r["_id"]), watched.get(r["_id"]), n, day)
        if since is not None:
            due[rules.lapse_key(r["_id"], since)] = (r, since, n)
    if not due:
        return 0
    done = {x["_id"] for x in ContactLapse._get_collection().find({"_id": {"$in": list(due)}}, {"_id": 1})}
    raised = 0
    system = identity.system("engagement")
    for key, (r, since, n) in due.items():
        if key in done:
            continue
        cid, contacted = r["_id"], last.get(r["_id"])
        doc = ContactLapse(id=key, customer_id=cid, manager_id=r.get("manager_id"), branch=r.get("branch"),
                           since=since.isoformat(), last_contact_on=contacted.isoformat() if contacted else None,
                           threshold_days=n, raised_on=day.isoformat())
        try:
            ports.contact_lapses.create(doc, system, [events.CONTACT_LAPSED.new(cid, {
                "customer_id": cid, "manager_id": doc.manager_id, "branch": doc.branch, "lapse_key": key,
                "last_contact_on": contacted, "days_without_contact": (day - since).days, "threshold_days": n,
                "raised_on": day})], reason="no contact in N days")
            raised += 1
        except AlreadyExists:
            pass   # another worker raised this episode first
    return raised


# -- products opened after an activity ------------------------------------------------------
def record_opening(envelope: Envelope) -> bool:
    """core.product.opened → the local copy (once per holding). True when new."""
    d = envelope.data
    try:
        ProductOpening._get_collection().insert_one({
            "_id": d["holding_id"], "customer_id": d["customer_id"], "product_code": d["product_code"],
            "product_type": d["product_type"], "opened_on": d["as_of"].isoformat(),
            "received_at": datetime.now(timezone.utc)})
        return True
    except DuplicateKeyError:
        return False


def products_after(activity_id: str, attendees: list[str]) -> dict:
    """Products opened by the activity's attendees within the branch's window after it."""
    a = Activity._get_collection().find_one({"_id": activity_id}, {"starts_at": 1, "branch": 1})
    window = int(cached_policy(a.get("branch") if a else None)["products_window_days"])
    out = {"products_opened": 0, "attendees_with_products": 0, "products_window_days": window}
    if a is None or not attendees:
        return out
    held_on = clock.local_date(a["starts_at"])
    openings = ProductOpening._get_collection().find(
        {"customer_id": {"$in": attendees}, "opened_on": {"$gte": held_on.isoformat()}},
        {"customer_id": 1, "opened_on": 1})
    return {**out, **rules.products_after(attendees, openings, held_on, window)}
