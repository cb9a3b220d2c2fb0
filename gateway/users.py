"""Users, roles and password hashing (argon2id) for the gateway."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from mongoengine import BooleanField, DateTimeField, Document, ListField, StringField

from chassis.identity import ROLES

_hasher = PasswordHasher()   # argon2id, the library's current recommended parameters


class User(Document):
    id = StringField(primary_key=True)             # also the manager id used by services
    username = StringField(required=True)
    password_hash = StringField(required=True)
    role = StringField(required=True, choices=ROLES)
    branch = StringField(default="")
    team = ListField(StringField())                 # supervisors: the managers they oversee
    can_unmask = BooleanField(default=False)
    active = BooleanField(default=True)
    created_at = DateTimeField()

    meta = {"db_alias": "gateway", "collection": "users",
            "indexes": [{"fields": ["username"], "unique": True, "name": "uniq_username"}]}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def needs_rehash(user: User) -> bool:
    return _hasher.check_needs_rehash(user.password_hash)


def check_password(user: User | None, password: str) -> bool:
    if user is None:
        # Same cost whether or not the user exists, so timing does not reveal usernames.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Every request needs the caller's user record; a short per-process cache saves a
# database round trip on the hot path. A deactivation or team change is seen by
# this process at once (``forget``) and by other workers within CACHE_SECONDS.
CACHE_SECONDS = 2.0
_cache: dict[str, tuple[float, User | None]] = {}


def load_active(user_id: str) -> User | None:
    import time
    now = time.monotonic()
    hit = _cache.get(user_id)
    if hit and hit[0] > now:
        return hit[1]
    user = User.objects(id=user_id, active=True).first()
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[user_id] = (now + CACHE_SECONDS, user)
    return user


def forget(user_id: str) -> None:
    _cache.pop(user_id, None)
