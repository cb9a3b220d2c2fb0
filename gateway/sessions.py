"""Sign-in sessions ("refresh families"): ended by logout, or by reuse of a refresh token.

A login starts a family; every token issued from it — the access tokens and the chain of
single-use refresh tokens — carries its id (``fam``). Ending a family is one *insert*
into ``revoked_sessions`` under that id: idempotent and atomic on FerretDB (no
conditional update). Refresh checks it in the database; ``authenticate`` checks it too,
through a short per-process cache, so a logged-out access token stops working at once
on the worker that did the logout and within CACHE_SECONDS everywhere else.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from .users import User

REVOKED = "revoked_sessions"
REFRESH_TTL = 8 * 3600
CACHE_SECONDS = 2.0

# family -> (valid until (monotonic), revoked?); a revocation never reverts, so "revoked"
# is kept for as long as the entry lives and "live" only briefly.
_cache: dict[str, tuple[float, bool]] = {}


def _revoked():
    return User._get_db()[REVOKED]


def revoke(family: str, user_id: str, reason: str) -> None:
    now = int(time.time())
    try:
        # No token of the family outlives its last refresh token, issued before this.
        _revoked().insert_one({"_id": family, "sub": user_id, "reason": reason,
                               "at": datetime.now(timezone.utc), "exp": now + REFRESH_TTL + 60})
    except DuplicateKeyError:
        pass   # already ended
    _cache[family] = (float("inf"), True)
    # FerretDB has no TTL indexes: old revocations are dropped as new ones arrive.
    _revoked().delete_many({"exp": {"$lt": now}})


def is_revoked(family: str, cached: bool = True) -> bool:
    now = time.monotonic()
    hit = _cache.get(family) if cached else None
    if hit and hit[0] > now:
        return hit[1]
    revoked = _revoked().find_one({"_id": family}, {"_id": 1}) is not None
    if len(_cache) > 50_000:
        _cache.clear()
    _cache[family] = (float("inf") if revoked else now + CACHE_SECONDS, revoked)
    return revoked
