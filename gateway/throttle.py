"""Login throttling: a bounded number of failed attempts per username and per client address.

Each attempt first *inserts* a record and only then counts: inserts are atomic on
FerretDB and MongoDB alike, so parallel guesses all see each other and at most
``limit`` of them ever reach the password check (a count-then-insert would let a
burst through). A successful login clears the username's failures.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chassis.errors import Problem

WINDOW = timedelta(minutes=15)
PER_USER = 5       # failures per username in WINDOW
PER_ADDRESS = 100  # failures per client address in WINDOW (password spraying)


class TooManyAttempts(Problem):
    """429 with a Retry-After header."""

    def __init__(self, retry_after: int):
        super().__init__(429, "too-many-requests", "Too many failed logins",
                         "Too many failed attempts; try again later.", retry_after=retry_after,
                         headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


@dataclass
class Attempt:
    ids: list[str]
    user_key: str


def retry_after(times: list[datetime], limit: int, now: datetime, window: timedelta = WINDOW) -> int:
    """Seconds until fewer than ``limit`` of ``times`` remain inside the window (pure)."""
    times = sorted(t for t in map(_aware, times) if t >= now - window)
    if len(times) < limit:
        return 0
    expires = times[len(times) - limit] + window
    return max(1, math.ceil((expires - now).total_seconds()))


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


class Throttle:
    def __init__(self, collection, per_user: int = PER_USER, per_address: int = PER_ADDRESS,
                 window: timedelta = WINDOW):
        self.c = collection
        self.per_user, self.per_address, self.window = per_user, per_address, window

    def _times(self, key: str, since: datetime) -> list[datetime]:
        return [d["at"] for d in self.c.find({"key": key, "at": {"$gte": since}}, {"at": 1})]

    def begin(self, username: str, address: str) -> Attempt:
        """Record an attempt, or raise TooManyAttempts; attempts refused while locked out count too."""
        now = datetime.now(timezone.utc)
        since = now - self.window
        user_key, addr_key = f"user:{username.lower()}", f"addr:{address}"
        ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        self.c.insert_many([{"_id": ids[0], "key": user_key, "at": now},
                            {"_id": ids[1], "key": addr_key, "at": now}])
        waits = []
        for key, limit in ((user_key, self.per_user), (addr_key, self.per_address)):
            times = self._times(key, since)
            if len(times) > limit:
                waits.append(retry_after(times, limit, now, self.window))
        if waits:
            # The refused attempt stays recorded: withdrawing it would let a burst that
            # inserted together all withdraw together and leave no trace.
            raise TooManyAttempts(max(waits))
        return Attempt(ids=ids, user_key=user_key)

    def failed(self, attempt: Attempt) -> None:
        # The reservation stays as the failure record; old records are dropped here
        # because FerretDB has no TTL indexes.
        self.c.delete_many({"at": {"$lt": datetime.now(timezone.utc) - self.window}})

    def succeeded(self, attempt: Attempt) -> None:
        self.c.delete_many({"key": attempt.user_key})
        self.c.delete_many({"_id": {"$in": attempt.ids}})
