"""Application layer of the customer archive: turns validated input into
store writes with their events. The HTTP layer (api/) and the importer call it."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from flask import current_app

from chassis import audit, directory, identity
from chassis.errors import Problem, conflict, forbidden, invalid, precondition_failed
from chassis.events import Envelope
from chassis.exceptions import AlreadyExists, StaleVersion, UniqueClash
from chassis.filters import all_of
from chassis.identity import Identity
from chassis.store import creation_diff
from contracts import customer as events

from . import financial, risk, rules
from .bootstrap import ports
from .models import Customer, TierRules
from .schemas import CORPORATE_ONLY, INDIVIDUAL_ONLY, kind_problems
from .validators import birth_date_from_resident_id

store = ports.customers
tier_store = ports.tier_rules
RULES_ID = "default"

# Fields a client edits; everything else on the document is derived or bookkept.
PROFILE_FIELDS = ("name", "manager_id", "mobile", "phone", "email", "address", "wechat", "qq",
                  *INDIVIDUAL_ONLY, *CORPORATE_ONLY, "financial", "needs", "accounts", "preferred_channels",
                  "contact_times", "important_dates", "classes", "tags")
# Bookkeeping fields never shown in history or in changed_fields.
INTERNAL = {"mobile_key", "id_key", "external_key", "birth_mmdd", "tier_rules_version", "risk_answers",
            "reported_aum_cents"}


def setting_int(name: str) -> int:
    return int(current_app.config["CRM_SETTINGS"].get(name))


def now() -> datetime:
    return datetime.now(timezone.utc)


def _midnight(d) -> datetime | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def as_date(v) -> date | None:
    if v is None:
        return None
    return v.date() if isinstance(v, datetime) else v


# -- tier rules ------------------------------------------------------------------
def current_rules() -> tuple[int, list[dict[str, Any]]]:
    doc = tier_store.get(RULES_ID)
    if doc is None:
        return 0, [dict(r) for r in rules.DEFAULT_TIER_RULES]
    return doc.version, [dict(r) for r in doc.rules]


def save_rules(new_rules: list[dict], expected_version: int, who: Identity) -> TierRules:
    errors = rules.tier_rules_problems(new_rules)
    if errors:
        raise invalid(errors)
    clean = [{k: v for k, v in r.items() if v is not None} for r in new_rules]
    if tier_store.get(RULES_ID) is None:
        if expected_version != 0:
            raise precondition_failed(current_version=0)
        try:
            return tier_store.create(TierRules(id=RULES_ID, rules=clean), who, reason="tier rules edited")
        except AlreadyExists:  # another admin created them first
            raise StaleVersion(current_version=1) from None

    def change(doc):
        doc.rules = clean
    return tier_store.update(RULES_ID, expected_version, change, who, reason="tier rules edited")


# -- snapshot & views ------------------------------------------------------------
def snapshot(c: Customer) -> dict:
    return _snapshot(c.id, lambda field: getattr(c, field, None))


def _snapshot(customer_id: str, get) -> dict:
    """The non-sensitive payload every customer event carries, from a Customer or from its
    stored document (``state_snapshot``): one builder, so an imported customer's event
    cannot drift from a registered one's."""
    return {"customer_id": customer_id, "kind": get("kind"), "name": get("name"), "tier": get("tier"),
            "classes": list(get("classes") or []), "tags": list(get("tags") or []),
            "birth_date": as_date(get("birth_date")),
            "important_dates": [{"kind": d.get("kind"), "date": d.get("date")} for d in get("important_dates") or []],
            "manager_id": get("manager_id"), "branch": get("branch"),
            "preferred_channels": list(get("preferred_channels") or []), "status": get("status") or "active",
            "risk_level": get("risk_level"), "risk_valid_until": as_date(get("risk_valid_until")),
            # a band, never the figure: ranks the book by value elsewhere (next best action)
            "aum_band": events.aum_band(
                financial.tier_figures(get("financial"), get("reported_aum_cents")).get("aum_cents"))}


# -- building documents ----------------------------------------------------------
def _store_value(field: str, value):
    if field == "birth_date":
        return _midnight(value)
    if field == "important_dates" and value:
        return [{**d, "date": d["date"].isoformat() if isinstance(d["date"], date) else d["date"]} for d in value]
    if value is None and field in ("family", "financial"):
        return {}
    if value is None and field in ("investment_preferences", "contacts", "financing_needs", "needs", "accounts",
                                   "preferred_channels", "contact_times", "important_dates", "classes", "tags"):
        return []
    return value


def apply_profile(doc: Customer, data: dict) -> None:
    """Set profile fields and everything derived from them (keys, birthday, id)."""
    for field, value in data.items():
        if field in PROFILE_FIELDS:
            setattr(doc, field, _store_value(field, value))
    if doc.kind == "individual" and doc.id_type == "resident_id" and doc.id_number and not doc.birth_date:
        doc.birth_date = _midnight(birth_date_from_resident_id(doc.id_number))
    if doc.kind == "individual":
        doc.id_key = f"{doc.id_type}:{doc.id_number}" if doc.id_number else f"none:{doc.id}"
    else:
        doc.id_key = f"uscc:{doc.credit_code}" if doc.credit_code else f"none:{doc.id}"
    doc.mobile_key = doc.mobile or f"none:{doc.id}"
    doc.external_key = f"ext:{doc.external_id}" if doc.external_id else f"none:{doc.id}"
    doc.birth_mmdd = rules.mmdd(as_date(doc.birth_date))


def apply_tier(doc: Customer, rules_version: int, rule_set: list[dict]) -> tuple[str | None, str] | None:
    """Recompute the tier; (old, new) when it changed."""
    old = doc.tier
    doc.tier = rules.compute_tier(financial.tier_figures(doc.financial, doc.reported_aum_cents), rule_set)
    doc.tier_rules_version = rules_version
    return (old, doc.tier) if old != doc.tier else None


def _owner(data: dict, who: Identity) -> tuple[str | None, str | None]:
    """The customer's manager and, from that manager, its branch: a client never sets
    the branch, so nobody can move a customer out of their admin's sight or bill another
    branch's budget."""
    if who.role == identity.AUDITOR:
        raise forbidden("Auditors only read.")
    manager_id = data.get("manager_id")
    if who.role == identity.MANAGER:
        if manager_id not in (None, who.user_id):
            raise forbidden("A manager registers customers into their own book.")
        return who.user_id, who.branch or None
    if not manager_id:
        # Supervisors keep a customer registered without a manager in their own book;
        # an admin's stays unassigned in the admin's branch.
        return (who.user_id if who.role == identity.SUPERVISOR else None), who.branch or None
    if manager_id == who.user_id:
        return manager_id, who.branch or None
    member = directory.assignable(who, manager_id, (identity.MANAGER, identity.SUPERVISOR), "manager_id")
    return manager_id, member.branch or None


def new_customer(data: dict, who: Identity, rule_version: int, rule_set: list[dict],
                 customer_id: str | None = None,
                 owner: tuple[str | None, str | None] | None = None) -> Customer:
    """``owner``: ``_owner(data, who)`` already worked out (the importer asks once per manager)."""
    cid = customer_id or str(uuid.uuid4())
    manager_id, branch = owner or _owner(data, who)
    doc = Customer(id=cid, kind=data["kind"], external_id=data.get("external_id"), status="active",
                   last_confirmed_at=now())
    apply_profile(doc, {k: v for k, v in data.items() if v is not None})
    doc.manager_id, doc.branch = manager_id, branch
    apply_tier(doc, rule_version, rule_set)
    return doc


# The stored document's field order (as Customer.to_mongo writes it).
_STORED_ORDER = tuple(Customer._fields[f].db_field for f in Customer._fields_ordered)
_EMPTY: tuple = (None, [], {})


def new_customer_state(data: dict, rule_version: int, rule_set: list[dict], customer_id: str,
                       owner: tuple[str | None, str | None]) -> dict:
    """What ``new_customer(...).to_mongo().to_dict()`` gives, built as a plain dict.

    The importer's path: building a mongoengine document and serialising it cost about
    as much per row as writing it. The same rules as apply_profile and apply_tier;
    tests/unit/test_customer_state.py compares the two field for field, so they cannot drift."""
    cid = customer_id
    out: dict[str, Any] = {"_id": cid, "version": 0, "kind": data["kind"], "external_id": data.get("external_id"),
                           "status": "active", "last_confirmed_at": now()}
    for field in PROFILE_FIELDS:
        value = data.get(field)
        if value is not None:
            out[field] = _store_value(field, value)
    kind = out["kind"]
    if (kind == "individual" and out.get("id_type") == "resident_id" and out.get("id_number")
            and not out.get("birth_date")):
        out["birth_date"] = _midnight(birth_date_from_resident_id(out["id_number"]))
    if kind == "individual":
        out["id_key"] = f"{out.get('id_type')}:{out['id_number']}" if out.get("id_number") else f"none:{cid}"
    else:
        out["id_key"] = f"uscc:{out['credit_code']}" if out.get("credit_code") else f"none:{cid}"
    out["mobile_key"] = out.get("mobile") or f"none:{cid}"
    out["external_key"] = f"ext:{out['external_id']}" if out.get("external_id") else f"none:{cid}"
    out["birth_mmdd"] = rules.mmdd(as_date(out.get("birth_date")))
    out["manager_id"], out["branch"] = owner
    out["tier"] = rules.compute_tier(financial.tier_figures(out.get("financial") or {}, None), rule_set)
    out["tier_rules_version"] = rule_version
    # to_mongo leaves out unset fields, and Customer.to_mongo empty lists and dicts.
    return {k: out[k] for k in _STORED_ORDER if k in out and out[k] not in _EMPTY}


def state_snapshot(state: dict) -> dict:
    """``snapshot`` of a stored document (a new customer's, as new_customer_state builds it)."""
    return _snapshot(state["_id"], state.get)


def clash(doc: Customer, who: Identity) -> Problem:
    """After a unique-index refusal, name the key that clashed, and the customer holding
    it only to a caller who may see that customer (the duplicate is refused either way).

    FerretDB's duplicate-key error does not name the index, so look it up."""
    coll = store.collection
    for field, key, value in (("id_number" if doc.kind == "individual" else "credit_code", "id_key", doc.id_key),
                              ("mobile", "mobile_key", doc.mobile_key),
                              ("external_id", "external_key", doc.external_key)):
        other = coll.find_one({key: value, "_id": {"$ne": doc.id}}, {"_id": 1, "manager_id": 1, "branch": 1})
        if other:
            if who.can_see(other.get("manager_id"), other.get("branch")):
                return conflict(f"Another customer already has this {field}.", slug="duplicate-customer",
                                field=field, existing_id=other["_id"])
            # Refused without a name, yet it says "this number is a customer here": trying
            # numbers one by one shows up in the trail of the branch that holds them.
            audit.record(audit.DUPLICATE_REFUSED, other["_id"], [field], branch=other.get("branch"))
            return conflict(f"Another customer already has this {field}.", slug="duplicate-customer", field=field)
    return conflict("Another customer holds a value that must be unique.", slug="duplicate-customer")


def visible_ids(who: Identity, ids) -> set[str]:
    """Which of these customer ids the caller may see (one query)."""
    ids = [i for i in ids if i]
    if not ids:
        return set()
    return {r["_id"] for r in store.collection.find(all_of({"_id": {"$in": ids}}, who.scope_filter()), {"_id": 1})}


def create(data: dict, who: Identity, channel: str | None = None) -> Customer:
    version, rule_set = current_rules()
    doc = new_customer(data, who, version, rule_set)
    try:
        store.create(doc, who, [events.REGISTERED.new(doc.id, snapshot(doc))], channel=channel)
    except (AlreadyExists, UniqueClash):
        raise clash(doc, who) from None
    return doc


def owner_of(data: dict, who: Identity) -> tuple[str | None, str | None]:
    """(manager, branch) a new customer of ``who`` with this ``manager_id`` gets; a Problem when refused."""
    return _owner(data, who)


def registered_state(state: dict) -> Envelope:
    """The registered event of a bulk-imported customer (its stored document): absent means
    empty for a new customer, so empty values need not travel."""
    data = {k: v for k, v in state_snapshot(state).items() if v not in (None, [], {})}
    return events.REGISTERED.new(state["_id"], data)


def register_many(states: list[dict], who: Identity, reason: str, registered: list[Envelope]) -> dict:
    """Bulk registration (the importer): what create() writes, for a batch of stored
    documents (new_customer_state) and their ``registered_state`` events, built beforehand
    so that this, in the importer's writer thread, only waits on I/O; {index: problem} for
    the rows refused. The change records carry no field diff: the state is the creation
    (chassis.store.creation_diff) and go straight to history under one outbox marker per
    batch (the store's ``marker``): two inserts per row, not four."""
    return store.create_states(states, who, [[e] for e in registered], channel="import", reason=reason,
                               diff=False, marker=True)


def _public(doc: Customer) -> dict:
    d = doc.to_mongo().to_dict()
    return {k: v for k, v in d.items() if k not in INTERNAL and k not in ("_id", "version", "updated_at")}


def changed_fields(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def update(customer_id: str, expected_version: int | None, patch: dict, who: Identity,
           channel: str | None = None, reason: str | None = None) -> Customer:
    current = store.require(customer_id, "customer")
    who.ensure_can_see(current.manager_id, current.branch)
    if who.role == identity.AUDITOR:
        raise forbidden("Auditors only read.")
    if current.status == "archived":
        raise conflict("An archived customer is read-only.", slug="archived")
    if "manager_id" in patch:
        raise invalid({"manager_id": ["Use PUT /customers/{id}/manager to reassign."]})
    if "name" in patch and patch["name"] is None:
        raise invalid({"name": ["Field may not be null."]})
    merged = {f: getattr(current, f) for f in PROFILE_FIELDS}
    merged.update(patch)
    merged["birth_date"] = as_date(merged.get("birth_date"))
    errors = kind_problems(current.kind, merged)
    errors = {k: v for k, v in errors.items() if k in patch or k in ("id_type", "id_number", "birth_date")}
    if errors:
        raise invalid(errors)
    version, rule_set = current_rules()

    def change(doc: Customer):
        before = _public(doc)
        apply_profile(doc, patch)
        tier = apply_tier(doc, version, rule_set)
        names = changed_fields(before, _public(doc))
        out = []
        if names:
            out.append(events.UPDATED.new(doc.id, {**snapshot(doc), "changed_fields": names}))
        if tier:
            out.append(events.TIER_CHANGED.new(doc.id, {**snapshot(doc), "old_tier": tier[0], "new_tier": tier[1],
                                                        "rules_version": version}))
        return out
    try:
        return store.update(customer_id, expected_version, change, who, channel=channel, reason=reason,
                            current=current)
    except UniqueClash:
        raise _clash_after_update(customer_id, patch, who) from None


def _clash_after_update(customer_id: str, patch: dict, who: Identity) -> Problem:
    doc = store.require(customer_id, "customer")
    apply_profile(doc, patch)
    return clash(doc, who)


def confirm(customer_id: str, expected_version: int, who: Identity, channel: str, note: str | None) -> Customer:
    current = store.require(customer_id, "customer")
    who.ensure_can_see(current.manager_id, current.branch)

    def change(doc):
        doc.last_confirmed_at = now()
        return [events.UPDATED.new(doc.id, {**snapshot(doc), "changed_fields": ["last_confirmed_at"]})]
    return store.update(customer_id, expected_version, change, who, channel=channel,
                        reason=note or "information confirmed", current=current)


def archive(customer_id: str, expected_version: int, who: Identity, reason: str) -> Customer:
    current = store.require(customer_id, "customer")
    who.ensure_can_see(current.manager_id, current.branch)
    who.ensure_role(identity.SUPERVISOR, identity.ADMIN)
    if current.status == "archived":
        raise conflict("The customer is already archived.", slug="already-archived")

    def change(doc):
        doc.status = "archived"
        return [events.ARCHIVED.new(doc.id, snapshot(doc))]
    return store.update(customer_id, expected_version, change, who, reason=reason, current=current)


def assign(customer_id: str, expected_version: int, manager_id: str, who: Identity, reason: str | None) -> Customer:
    current = store.require(customer_id, "customer")
    who.ensure_can_see(current.manager_id, current.branch)
    who.ensure_role(identity.SUPERVISOR, identity.ADMIN)
    new_manager, branch = _owner({"manager_id": manager_id}, who)
    previous = current.manager_id

    def change(doc):
        doc.manager_id, doc.branch = new_manager, branch
        if manager_id == previous:
            return []
        return [events.MANAGER_ASSIGNED.new(doc.id, {**snapshot(doc), "previous_manager_id": previous})]
    return store.update(customer_id, expected_version, change, who, reason=reason or "manager assigned",
                        current=current)


def assess_risk(customer_id: str, answers: dict, who: Identity) -> Customer:
    current = store.require(customer_id, "customer")
    who.ensure_can_see(current.manager_id, current.branch)
    if who.role == identity.AUDITOR:
        raise forbidden("Auditors only read.")
    if current.kind == "corporate":   # a company has its own questions (corporate.py)
        raise invalid({"customer_id": ["A corporate customer takes the corporate assessment "
                                       "(POST /api/v1/risk/corporate-assessments)."]})
    points, level = risk.score(answers)
    at = now()
    until = rules.risk_valid_until(at.date(), setting_int("CRM_RISK_VALIDITY_MONTHS"))

    def change(doc):
        doc.risk_level, doc.risk_score, doc.risk_answers = level, points, dict(answers)
        doc.risk_assessed_at, doc.risk_valid_until = at, _midnight(until)
        return [events.RISK_ASSESSED.new(doc.id, {**snapshot(doc), "score": points, "assessed_at": at})]
    # Concurrent assessments of one customer: re-read and apply; the last one wins, both are in history.
    return store.update_with_retry(customer_id, change, who, reason="risk assessment")


def records(customer_id: str) -> list[dict]:
    """Full change records (with state) of a customer, oldest first: history plus
    the outbox records the relay has not moved yet (only versions already applied)."""
    current = store.collection.find_one({"_id": customer_id}, {"version": 1})
    if not current:
        return []
    q = {"aggregate_type": store.type, "aggregate_id": customer_id, "version": {"$lte": current["version"]},
         "status": {"$ne": "void"}}
    # Outbox first: records move to history right after the write now (publish on commit),
    # and reading history first could miss one moved between the two reads (see store.history).
    found = {r["_id"]: r for coll in (store.outbox, store.changes) for r in coll.find(q)}
    for r in found.values():   # an imported customer's creation is stored without its diff
        r["diff"] = creation_diff(r)
    return sorted(found.values(), key=lambda r: r["version"])


def retier_batch(limit: int = 500) -> int:
    """Bring customers scored under older tier rules up to date (worker job)."""
    version, rule_set = current_rules()
    stale = list(store.collection.find({"tier_rules_version": {"$ne": version}}, {"_id": 1}).limit(limit))
    who = identity.system("customer")
    for row in stale:
        def change(doc):
            tier = apply_tier(doc, version, rule_set)
            if not tier:
                return []
            return [events.TIER_CHANGED.new(doc.id, {**snapshot(doc), "old_tier": tier[0], "new_tier": tier[1],
                                                     "rules_version": version})]
        store.update_with_retry(row["_id"], change, who, reason="tier rules changed")
    return len(stale)
