"""The customer worker's import jobs: take a waiting job, run it, checkpoint, finish.

A job runs under the importing user's identity, stored with it, so ownership and
branch rules are those of a request of theirs. After every batch the worker writes
its progress (rows done, counts, the refused rows) and so its heartbeat. A worker
that stops writing for CRM_IMPORT_LEASE_SECONDS is taken to be dead: another worker
(or the same one restarted) takes the job over from its last checkpoint; the rows
written after it are recognised by their ids (importer.row_id) and counted once.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from chassis import context as trace
from chassis.identity import Identity

from . import importer, importjobs
from .importjobs import Lease, LeaseLost

log = logging.getLogger(__name__)

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
UPLOAD_TIMEOUT = timedelta(hours=1)   # an upload not finished by then was cut off by a crash


def work(lease_seconds: float) -> int:
    """Periodic job: run every job waiting for a worker, one after the other; how many ran."""
    ran = 0
    while (lease := next_job(lease_seconds)) is not None:
        run(lease)
        ran += 1
    for job in importjobs.stale_uploads(UPLOAD_TIMEOUT):
        importjobs.drop_upload(job["_id"])
        importjobs.delete(job["_id"])
    return ran


def next_job(lease_seconds: float) -> Lease | None:
    for job in importjobs.candidates(lease_seconds):
        lease = importjobs.claim(job, HOLDER)
        if lease is not None:
            return lease
    return None


def run(lease: Lease) -> str:
    """Run (or resume) the job; its final status, or "lost" when another worker took it."""
    job = lease.job
    try:
        # The rows' change records and events carry the upload request's correlation id.
        with trace.traced(request_id=job.get("request_id"), correlation_id=job.get("request_id")):
            return _run(lease)
    except LeaseLost:
        log.warning("import job taken over by another worker", extra={"job": job["_id"]})
        return "lost"


def _run(lease: Lease) -> str:
    job = lease.job
    if importjobs.cancelled(job["_id"]):
        return _finish(lease, "cancelled", importer.Report(job))
    if lease.epoch > importjobs.MAX_ATTEMPTS:
        return _finish(lease, "failed", importer.Report(job),
                       error=f"Stopped after {importjobs.MAX_ATTEMPTS} attempts; the worker died each time.")
    if job.get("rows_total") is None:
        with importjobs.ChunkReader(job["_id"], job["chunks"]) as stream:
            total = importer.count_rows(job["format"], importer.lines(stream))
        lease.write({"rows_total": total})
    who = Identity(**{**job["owner"], "team": tuple(job["owner"].get("team") or ())})
    stopped = False

    def checkpoint(report: importer.Report) -> bool:
        nonlocal stopped
        lease.write(report.to_dict())
        stopped = importjobs.cancelled(job["_id"])
        return not stopped
    parse = importer.PARSERS[job["format"]]
    with importjobs.ChunkReader(job["_id"], job["chunks"]) as stream:
        report = importer.run(parse(importer.lines(stream)), who, job["_id"], report=importer.Report(job),
                              checkpoint=checkpoint)
    if stopped:
        return _finish(lease, "cancelled", report)
    if report.aborted:
        return _finish(lease, "failed", report, error=report.aborted)
    return _finish(lease, "done", report)


def _finish(lease: Lease, status: str, report: importer.Report, error: str | None = None) -> str:
    fields = {**report.to_dict(), "status": status, "finished_at": importjobs.now()}
    if error:
        fields["error"] = error
    lease.write(fields)
    importjobs.drop_upload(lease.id, lease.job.get("chunks"))
    log.info("import job finished", extra={"job": lease.id, "status": status, "accepted": report.accepted,
                                           "skipped": report.skipped, "rejected": report.rejected})
    return status
