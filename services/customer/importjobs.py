"""Import jobs: the uploaded file, the job's progress, its lease and its cancel mark.

FerretDB applies an update of one document as read-then-write, so two writers of one
job document could lose each other's change. Each document therefore has one writer at
a time, and whatever two parties might race on is an insert against a unique ``_id``:

* ``import_chunks``  — the upload, ``<job>:<n>``, written once by the request;
* ``import_jobs``    — the job: written by the request until it is queued, then only by
  the worker holding the lease (progress, heartbeat, the end);
* ``import_leases``  — ``<job>:<epoch>``: a worker takes a job by inserting the next
  epoch; of two workers, one insert wins. The holder stops as soon as a later epoch
  exists (a worker that looked dead took over);
* ``import_cancels`` — ``<job>``: the caller's cancel, inserted once; the worker reads it
  between batches.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import IO, Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from chassis import context as trace, db as dbmod
from chassis.identity import Identity
from chassis.store import is_duplicate

JOBS, CHUNKS, LEASES, CANCELS = "import_jobs", "import_chunks", "import_leases", "import_cancels"
CHUNK_BYTES = 255 * 1024      # as GridFS: well inside any document limit
ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
MAX_ATTEMPTS = 5              # a job that kills its worker this often is failed, not retried for ever
LIST_FIELDS = {"rows": 0, "owner": 0, "holder": 0}


def now() -> datetime:
    return datetime.now(timezone.utc)


def _coll(name: str) -> Collection:
    return dbmod.database()[name]


def chunk_id(job_id: str, n: int) -> str:
    return f"{job_id}:{n:06d}"


# -- the request's side ------------------------------------------------------------
def store_upload(stream: IO[bytes], job_id: str) -> tuple[int, int]:
    """Copy the body into chunk documents; (bytes, chunks). The stream raises 413 past
    CRM_MAX_IMPORT_BYTES; the caller then drops what was stored."""
    size = n = 0
    chunks = _coll(CHUNKS)
    while True:
        data = stream.read(CHUNK_BYTES)
        if not data:
            return size, n
        # A short read is not the end: fill the chunk so chunk n starts at n * CHUNK_BYTES.
        while len(data) < CHUNK_BYTES and (more := stream.read(CHUNK_BYTES - len(data))):
            data += more
        chunks.insert_one({"_id": chunk_id(job_id, n), "job_id": job_id, "data": data, "at": now()})
        size += len(data)
        n += 1


def drop_upload(job_id: str, chunks: int | None = None) -> None:
    if chunks is None:
        _coll(CHUNKS).delete_many({"job_id": job_id})
    elif chunks:
        _coll(CHUNKS).delete_many({"_id": {"$in": [chunk_id(job_id, i) for i in range(chunks)]}})


def new_job_id() -> str:
    return str(uuid.uuid4())


def insert(job_id: str, who: Identity, fmt: str, filename: str | None) -> None:
    """The job, before its upload: "uploading" is never shown; a crashed upload is swept."""
    at = now()
    _coll(JOBS).insert_one({
        "_id": job_id, "status": "uploading", "format": fmt, "filename": filename,
        # The importing user, with the identity the rows are written under (ownership and
        # branch rules exactly as for a request of theirs) and the one visibility rule.
        "owner": who.to_claims(), "owner_id": who.user_id, "owner_branch": who.branch or "",
        "created_at": at, "updated_at": at, "epoch": 0, "request_id": trace.current().request_id,
        "rows_total": None, "rows_done": 0, "accepted": 0, "skipped": 0, "rejected": 0, "rows": [],
        "rows_truncated": False})


def queue(job_id: str, size: int, chunks: int) -> dict:
    _coll(JOBS).update_one({"_id": job_id}, {"$set": {"status": "queued", "bytes": size, "chunks": chunks,
                                                      "updated_at": now()}})
    job = _coll(JOBS).find_one({"_id": job_id})
    assert job is not None
    return job


def delete(job_id: str) -> None:
    _coll(JOBS).delete_one({"_id": job_id})


def visible(job_id: str, who: Identity) -> dict | None:
    """The job if the caller may see it: the one rule of chassis.identity, with the importing
    user as the "manager" and their branch (their own, their supervisor's team, their branch's
    admins, bank-wide staff)."""
    job = _coll(JOBS).find_one({"_id": job_id})
    if job is None or job["status"] == "uploading" or not who.can_see(job["owner_id"], job["owner_branch"]):
        return None
    return job


def listed(who: Identity, limit: int, status: str | None = None) -> list[dict]:
    query: dict[str, Any] = {**who.scope_filter("owner_id", "owner_branch"),
                             "status": status or {"$ne": "uploading"}}
    return list(_coll(JOBS).find(query, LIST_FIELDS).sort([("created_at", -1), ("_id", 1)]).limit(limit))


def cancel(job_id: str, who: Identity) -> bool:
    """Mark the job cancelled; False when it was already."""
    try:
        _coll(CANCELS).insert_one({"_id": job_id, "by": who.user_id, "at": now()})
    except Exception as exc:
        if is_duplicate(exc):
            return False
        raise
    return True


def cancelled(job_id: str) -> bool:
    return _coll(CANCELS).find_one({"_id": job_id}, {"_id": 1}) is not None


def cancelled_among(job_ids: list[str]) -> set[str]:
    return {d["_id"] for d in _coll(CANCELS).find({"_id": {"$in": job_ids}}, {"_id": 1})} if job_ids else set()


def shown_status(job: dict, cancel_asked: bool) -> str:
    """A queued job cancelled is cancelled at once, though the worker closes it later."""
    if job["status"] == "queued" and cancel_asked:
        return "cancelled"
    return str(job["status"])


# -- the worker's side -------------------------------------------------------------
class LeaseLost(Exception):
    """Another worker has taken the job over."""


class Lease:
    """This worker's hold on one job: the only writer of its document while it lasts."""

    def __init__(self, job: dict, epoch: int, holder: str):
        self.job, self.epoch, self.holder = job, epoch, holder
        self.id: str = job["_id"]

    def lost(self) -> bool:
        return _coll(LEASES).find_one({"_id": f"{self.id}:{self.epoch + 1}"}, {"_id": 1}) is not None

    def write(self, fields: dict[str, Any]) -> None:
        """Progress, heartbeat or the end, unless another worker holds the job now."""
        if self.lost():
            raise LeaseLost(self.id)
        _coll(JOBS).update_one({"_id": self.id, "epoch": self.epoch}, {"$set": {**fields, "updated_at": now()}})


def candidates(lease_seconds: float) -> Iterator[dict]:
    """Jobs waiting for a worker: queued, or running under a worker silent for a lease."""
    stale = now() - timedelta(seconds=lease_seconds)
    for job in _coll(JOBS).find({"status": {"$in": list(ACTIVE)}}, {"rows": 0}).sort([("created_at", 1)]):
        updated = job["updated_at"]
        if updated.tzinfo is None:
            updated = updated.replace(tzinfo=timezone.utc)
        if job["status"] == "queued" or updated < stale:
            yield job


def claim(job: dict, holder: str) -> Lease | None:
    """Take the job by inserting its next epoch; None when another worker did first."""
    epoch = int(job.get("epoch") or 0) + 1
    try:
        _coll(LEASES).insert_one({"_id": f"{job['_id']}:{epoch}", "job_id": job["_id"], "holder": holder,
                                  "at": now()})
    except DuplicateKeyError:
        return None
    except Exception as exc:
        if is_duplicate(exc):
            return None
        raise
    at = now()
    _coll(JOBS).update_one({"_id": job["_id"]}, {"$set": {
        "epoch": epoch, "holder": holder, "status": "running", "updated_at": at,
        "started_at": job.get("started_at") or at}})
    full = _coll(JOBS).find_one({"_id": job["_id"]})   # with the refused rows reported so far
    assert full is not None
    return Lease(full, epoch, holder)


def stale_uploads(older_than: timedelta) -> list[dict]:
    cutoff = now() - older_than
    return [j for j in _coll(JOBS).find({"status": "uploading"}, {"_id": 1, "created_at": 1})
            if (j["created_at"] if j["created_at"].tzinfo else j["created_at"].replace(tzinfo=timezone.utc)) < cutoff]


class ChunkReader:
    """The stored upload as a byte stream, a chunk document at a time."""

    def __init__(self, job_id: str, chunks: int):
        self.job_id, self.chunks = job_id, chunks
        self.n, self.buf, self.pos = 0, b"", 0

    def read(self, size: int = -1) -> bytes:
        if self.pos >= len(self.buf):
            if self.n >= self.chunks:
                return b""
            doc = _coll(CHUNKS).find_one({"_id": chunk_id(self.job_id, self.n)})
            if doc is None:
                raise RuntimeError(f"import {self.job_id}: chunk {self.n} is missing")
            self.buf, self.pos, self.n = bytes(doc["data"]), 0, self.n + 1
        end = len(self.buf) if size < 0 else self.pos + size
        out = self.buf[self.pos:end]
        self.pos += len(out)
        return out

    def __enter__(self) -> ChunkReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.buf = b""
