"""Login throttling that slows guessing without letting a stranger lock the owner out.

Failures are counted per key in a sliding window (WINDOW):

* ``pair``    — one account from one client address: PER_PAIR. This is the lock a guesser
  hits first, and it is theirs alone: the owner, at another address, is not affected.
* ``addr``    — one client address over all accounts: PER_ADDRESS (password spraying).
* ``account`` — one account from every address: PER_ACCOUNT, a slower guard against
  guessing spread over many addresses. It refuses only addresses *unknown* for the
  account: an address this account signed in from within KNOWN_FOR is exempt, so a
  botnet cannot lock the owner out of their usual places either (OWASP's "device
  cookie" scheme, with the client address standing in for the cookie).

Each attempt first *inserts* its records and only then counts: inserts are atomic on
FerretDB and MongoDB alike, so parallel guesses all see each other and at most the limit
ever reaches the password check. Attempts refused while locked out count too.
A successful login clears that pair's failures and marks the address known.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chassis.errors import Problem

WINDOW = timedelta(minutes=15)
PER_PAIR = 5         # failures of one account from one address in WINDOW
PER_ADDRESS = 100    # failures from one address, any accounts, in WINDOW (spraying)
PER_ACCOUNT = 20     # failures of one account from unknown addresses in WINDOW (distributed guessing)
KNOWN_FOR = timedelta(days=30)   # a successful sign-in makes the address known this long


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
    pair_key: str
    known_id: str


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
    def __init__(self, collection, known, per_pair: int = PER_PAIR, per_address: int = PER_ADDRESS,
                 per_account: int = PER_ACCOUNT, window: timedelta = WINDOW, known_for: timedelta = KNOWN_FOR):
        self.c, self.known = collection, known
        self.per_pair, self.per_address, self.per_account = per_pair, per_address, per_account
        self.window, self.known_for = window, known_for

    def begin(self, username: str, address: str) -> Attempt:
        """Record an attempt, or raise TooManyAttempts."""
        now = datetime.now(timezone.utc)
        account = username.lower()
        keys = {"pair": f"pair:{account}|{address}", "addr": f"addr:{address}", "account": f"account:{account}"}
        ids = [str(uuid.uuid4()) for _ in keys]
        self.c.insert_many([{"_id": i, "key": k, "at": now} for i, k in zip(ids, keys.values())])
        times: dict[str, list[datetime]] = {k: [] for k in keys.values()}
        # One query for the three keys: FerretDB's SQLite backend scans per query.
        for d in self.c.find({"key": {"$in": list(keys.values())}, "at": {"$gte": now - self.window}},
                             {"key": 1, "at": 1}):
            times[d["key"]].append(d["at"])
        limits = {"pair": self.per_pair, "addr": self.per_address, "account": self.per_account}
        known_id = f"{account}|{address}"
        waits = []
        for name, key in keys.items():
            if len(times[key]) <= limits[name]:
                continue
            if name == "account" and self._known(known_id, now):
                continue
            waits.append(retry_after(times[key], limits[name], now, self.window))
        if waits:
            # The refused attempt stays recorded: withdrawing it would let a burst that
            # inserted together all withdraw together and leave no trace.
            raise TooManyAttempts(max(waits))
        return Attempt(ids=ids, pair_key=keys["pair"], known_id=known_id)

    def _known(self, known_id: str, now: datetime) -> bool:
        doc = self.known.find_one({"_id": known_id}, {"at": 1})
        return doc is not None and _aware(doc["at"]) >= now - self.known_for

    def failed(self, attempt: Attempt) -> None:
        # The reservation stays as the failure record; old records are dropped here
        # because FerretDB has no TTL indexes.
        self.c.delete_many({"at": {"$lt": datetime.now(timezone.utc) - self.window}})

    def succeeded(self, attempt: Attempt) -> None:
        now = datetime.now(timezone.utc)
        # The owner's own typos from here are forgiven; the account-wide count is not
        # (a success must not reset a distributed attack on the account).
        self.c.delete_many({"key": attempt.pair_key})
        self.c.delete_many({"_id": {"$in": attempt.ids}})
        # Last writer wins on the time, which is all this needs (both are "now").
        self.known.replace_one({"_id": attempt.known_id}, {"_id": attempt.known_id, "at": now}, upsert=True)
        self.known.delete_many({"at": {"$lt": now - self.known_for}})
