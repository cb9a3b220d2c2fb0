"""Staff users: an aggregate written through the versioned store, with credentials kept apart.

Every change to a user (create, team, activate, deactivate, unmask grant) is a change
record — the audit of user administration — and carries a ``gateway.user.changed``
snapshot the services keep their staff directory from. Credentials are not part of
that history: the password hash and the session stamp live in ``credentials``, keyed
by user id, which is overwritten in place and never published.
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from mongoengine import BooleanField, ListField, StringField

from chassis import identity as ident
from chassis.errors import conflict
from chassis.events import Envelope
from chassis.exceptions import AlreadyExists, StaleVersion, UniqueClash
from chassis.models import Aggregate
from chassis.store import AggregateStore, is_duplicate
from contracts.staff import USER_CHANGED

_hasher = PasswordHasher()   # argon2id, the library's current recommended parameters

CREDENTIALS = "credentials"


class User(Aggregate):
    username = StringField(required=True)
    role = StringField(required=True, choices=ident.ROLES)
    branch = StringField(default="")
    team = ListField(StringField())                 # supervisors: the managers they oversee
    can_unmask = BooleanField(default=False)
    active = BooleanField(default=True)

    # strict=False: documents written before credentials moved out still hold a
    # password_hash until ``adopt_legacy_users`` has moved it (it is never loaded).
    meta = {"db_alias": "gateway", "collection": "users", "strict": False,
            "indexes": [{"fields": ["username"], "unique": True, "name": "uniq_username"}]}


store = AggregateStore(User, "user")


def snapshot(user: User) -> dict:
    """The non-secret state the services keep (contracts/staff.py): no username, no hash."""
    return {"user_id": user.id, "role": user.role, "branch": user.branch or None,
            "team": list(user.team or ()), "active": bool(user.active)}


def changed(user: User) -> Envelope:
    return USER_CHANGED.new(user.id, snapshot(user))


# --- credentials (not history) ---------------------------------------------------------

def credentials():
    return User._get_db()[CREDENTIALS]


def new_stamp() -> str:
    # Tokens carry the stamp; a new one (password change) ends every session at once.
    return uuid.uuid4().hex


def set_password(user_id: str, password: str) -> str:
    """Store a new hash and a new session stamp in one document write; returns the stamp."""
    stamp = new_stamp()
    credentials().replace_one({"_id": user_id}, {"_id": user_id, "password_hash": hash_password(password),
                                                 "stamp": stamp, "changed_at": datetime.now(timezone.utc)},
                              upsert=True)
    forget(user_id)
    return stamp


def end_sessions(user_id: str) -> None:
    """A new stamp: every token the user holds stops working (deactivation)."""
    credentials().update_one({"_id": user_id}, {"$set": {"stamp": new_stamp()}})
    forget(user_id)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user_id: str | None, password: str) -> dict | None:
    """The user's credential document if ``password`` is theirs, else None.

    Unknown users cost the same as wrong passwords, so timing does not reveal usernames.
    """
    cred = credentials().find_one({"_id": user_id}) if user_id else None
    if cred is None:
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(cred["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(cred["password_hash"]):
        # Hashing parameters were raised since this password was set; the stamp stays.
        # Filtered on the stamp so it does not undo a password change made meanwhile
        # (atomic on MongoDB; on FerretDB only a same-instant race remains).
        credentials().update_one({"_id": user_id, "stamp": cred["stamp"]},
                                 {"$set": {"password_hash": hash_password(password)}})
    return cred


def create_user(actor: ident.Identity, username: str, password: str, role: str, branch: str = "",
                team=(), can_unmask=False, user_id: str | None = None, reason: str | None = None) -> User:
    user = User(id=user_id or str(uuid.uuid4()), username=username, role=role, branch=branch,
                team=list(team), can_unmask=can_unmask)
    # The credential first: a user document never exists without one, and a credential
    # left by a crash before the user was written belongs to no username (harmless).
    try:
        credentials().insert_one({"_id": user.id, "password_hash": hash_password(password),
                                  "stamp": new_stamp(), "changed_at": datetime.now(timezone.utc)})
        inserted = True
    except Exception as exc:
        if not is_duplicate(exc):
            raise
        inserted = False   # an earlier attempt at this same id (the bootstrap admin) left it
    try:
        return store.create(user, actor, [changed(user)], reason=reason or "user created")
    except AlreadyExists:
        raise   # this very user exists already: its credential stays
    except UniqueClash:
        if inserted:
            credentials().delete_one({"_id": user.id})
        raise conflict("That username is taken.", slug="username-taken") from None


def bootstrap_id(username: str) -> str:
    # Deterministic, so every gunicorn worker starting at once creates the same user
    # and all but one get "already exists" from the change record's unique id.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crm-bootstrap-admin:{username}"))


def change(user_id: str, mutate, actor: ident.Identity, reason: str) -> User:
    """Apply an administrative change; the record and the event go in one insert."""
    def apply(doc: User):
        before = doc.to_mongo().to_dict()
        mutate(doc)
        # No change, no record and no event (the store skips a change without either).
        return [changed(doc)] if doc.to_mongo().to_dict() != before else []
    try:
        return store.update_with_retry(user_id, apply, actor, reason=reason)
    finally:
        forget(user_id)


# --- the hot path: who is calling ---------------------------------------------------------
# Every request needs the caller's user and session stamp; a short per-process cache
# saves database round trips. A change is seen by this process at once (``forget``)
# and by other workers within CACHE_SECONDS.
CACHE_SECONDS = 2.0
_cache: dict[str, tuple[float, tuple[User | None, str | None]]] = {}


def load_session(user_id: str) -> tuple[User | None, str | None]:
    """(the active user or None, their current session stamp)."""
    now = time.monotonic()
    hit = _cache.get(user_id)
    if hit and hit[0] > now:
        return hit[1]
    user = User.objects(id=user_id, active=True).first()
    cred = credentials().find_one({"_id": user_id}, {"stamp": 1}) if user else None
    value = (user, (cred or {}).get("stamp"))
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[user_id] = (now + CACHE_SECONDS, value)
    return value


def load_active(user_id: str) -> User | None:
    return load_session(user_id)[0]


def forget(user_id: str) -> None:
    _cache.pop(user_id, None)


def adopt_legacy_users() -> int:
    """Bring users written before this store (hash inside the user document) into it.

    Idempotent and safe with several gunicorn workers at once: the credential is an
    insert under the user id, and the adoption is the change record of version 1, which
    only one writer can insert; everyone else's 412 means it is done. Returns how many
    this call adopted.
    """
    system = ident.system("gateway")
    adopted = 0
    for legacy in User._get_collection().find({"password_hash": {"$exists": True}}):
        try:
            credentials().insert_one({"_id": legacy["_id"], "password_hash": legacy["password_hash"],
                                      "stamp": new_stamp(), "changed_at": datetime.now(timezone.utc)})
        except Exception as exc:
            if not is_duplicate(exc):
                raise
        # The store's version check needs the field; setting a constant is idempotent.
        User._get_collection().update_one({"_id": legacy["_id"], "version": {"$exists": False}},
                                          {"$set": {"version": 0}})
        try:
            # Replacing the document drops password_hash (not a field of User).
            store.update(legacy["_id"], 0, lambda doc: [changed(doc)], system,
                         reason="adopted into the versioned store")
            adopted += 1
        except StaleVersion:
            pass
    return adopted
