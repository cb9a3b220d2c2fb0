"""/api/v1/imports: bulk import of CSV or JSON lines as a job (streamed body or multipart
upload stored first, then run by the customer worker; see importjobs.py, importrun.py)."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from chassis import identity
from chassis.errors import Problem, bad_request, conflict, not_found
from chassis.openapi import problems

from .. import importer, importjobs
from ..schemas import field_errors

blp = Blueprint("imports", __name__, url_prefix="/api/v1/imports", description="Bulk import of customers")

FORMATS = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/jsonl": "ndjson",
           "application/json-lines": "ndjson"}
STATUSES = ("queued", "running", "done", "failed", "cancelled")


class ImportRow(Schema):
    row = fields.Integer(metadata={"description": "from 1; CSV: the first row after the header"})
    status = fields.String(validate=validate.OneOf(["rejected", "skipped"]))
    errors = field_errors(metadata={"description": "rejected: why, by field (`_row` for the row as a whole)"})
    errors_truncated = fields.Boolean(metadata={"description": f"more than {importer.ROW_ERRORS} messages; "
                                                               "the first are listed"})
    reason = fields.String(validate=validate.OneOf(["exists"]), metadata={"description": "skipped: why"})
    existing_id = fields.String(metadata={"description": "the customer already holding the external id, ID "
                                                         "document or mobile, when the caller may see it"})


class ImportJobSummary(Schema):
    id = fields.String(metadata={"description": "poll GET /imports/{id} (the Location of the 202)"})
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={
        "description": "queued → running → done; failed (the file stopped being readable, or the worker "
                       "died on it repeatedly), cancelled (POST /imports/{id}/cancel)"})
    format = fields.String(validate=validate.OneOf(["csv", "ndjson"]))
    filename = fields.String(allow_none=True, metadata={"description": "the multipart part's file name"})
    bytes = fields.Integer(metadata={"description": "size of the uploaded file"})
    rows_total = fields.Integer(allow_none=True, metadata={
        "description": "rows in the file (CSV: after the header), counted when the job starts; null before, "
                       "or when the file stops being readable"})
    rows_done = fields.Integer(metadata={"description": "every row up to this number is settled: draw the "
                                                        "progress bar as rows_done / rows_total"})
    accepted = fields.Integer(metadata={"description": "customers created"})
    skipped = fields.Integer(metadata={"description": "rows whose external id or ID document already exists"})
    rejected = fields.Integer()
    rows_truncated = fields.Boolean(metadata={"description": "more rows were refused than are listed"})
    error = fields.String(metadata={"description": "failed: why (e.g. the file is not valid UTF-8 from some "
                                                   "row on: the rows before were processed, the rest not)"})
    cancel_requested = fields.Boolean(metadata={"description": "a cancel was asked; a running job stops "
                                                               "after the batch it is writing"})
    attempts = fields.Integer(metadata={"description": "workers that have run it (more than 1: resumed)"})
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(metadata={"description": "last progress"})


class ImportJob(ImportJobSummary):
    rows = fields.List(fields.Nested(ImportRow), metadata={
        "description": f"the refused rows so far, in order, at most {importer.MAX_REPORTED}"})


class ImportJobList(Schema):
    items = fields.List(fields.Nested(ImportJobSummary), metadata={"description": "newest first, without the "
                                                                                  "refused rows"})


class ImportJobQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    status = fields.String(validate=validate.OneOf(STATUSES))


IMPORT_BODY = {
    "description": "The customers, one per row: CSV with a header row of field names, JSON lines of "
                   "POST /customers bodies, or a multipart upload of either.",
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"},
                     "example": "kind,name,mobile,classes,aum_cents\nindividual,张三,13800138000,retail|hnw,6000000\n"},
        "application/x-ndjson": {"schema": {"type": "string"},
                                 "example": '{"kind": "individual", "name": "张三", "mobile": "13800138000"}\n'},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "a .csv or .jsonl file"}}}},
    },
}


def present(job: dict, cancel_asked: bool | None = None, rows: bool = True) -> dict:
    asked = importjobs.cancelled(job["_id"]) if cancel_asked is None else cancel_asked
    out = {"id": job["_id"], "status": importjobs.shown_status(job, asked), "cancel_requested": asked,
           "attempts": int(job.get("epoch") or 0)}
    for key in ("format", "filename", "bytes", "rows_total", "rows_done", "accepted", "skipped", "rejected",
                "rows_truncated", "error", "created_at", "started_at", "finished_at", "updated_at"):
        if key in job:
            out[key] = job[key]
    if rows:
        out["rows"] = job.get("rows") or []
    return out


def _job(job_id: str) -> dict:
    job = importjobs.visible(job_id, identity.current())
    if job is None:   # another user's job does not exist for the caller
        raise not_found("import")
    return job


@blp.route("")
class Imports(MethodView):
    @blp.doc(requestBody=IMPORT_BODY)
    @blp.response(202, ImportJob, headers={"Location": {"description": "the job, to poll",
                                                        "schema": {"type": "string"}}})
    @problems(blp, 400, 403, 415)
    def post(self):
        """Import customers in bulk (a job)

        Body: text/csv (header row of field names; list fields separated by `|`; financial
        and family figures as flat columns; accounts, contacts and important dates as JSON
        cells), application/x-ndjson (one POST /customers body per line; also
        application/jsonl), or multipart/form-data with a `file` part whose name ends .csv
        or .jsonl. The file is stored and 202 answers at once with the job; the worker
        then validates each row like a single create and writes them in batches. Poll the
        Location (GET /imports/{id}) for progress and the refused rows. Rows whose
        external id or ID document exists are skipped, so a re-import is idempotent. At
        most CRM_MAX_IMPORT_BYTES: 413 beyond, and nothing is imported. 400: an unknown
        CSV column or a CSV file that does not start as UTF-8 text, no `file` part, or a
        body shorter than its Content-Length (nothing imported); 403: auditors; 415:
        another content type.
        """
        who = identity.current()
        if who.role == identity.AUDITOR:
            raise Problem(403, "forbidden", "Forbidden", "Auditors only read.")
        ctype = (request.mimetype or "").lower()
        filename = None
        if ctype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise Problem(400, "bad-request", "Bad request", "Send the file in a part named `file`.")
            filename = upload.filename or None
            fmt = "csv" if (filename or "").lower().endswith(".csv") else "ndjson"
            stream, expected = upload.stream, None
        elif ctype in FORMATS:
            fmt, stream, expected = FORMATS[ctype], request.stream, request.content_length
        else:
            raise Problem(415, "unsupported-media-type", "Unsupported media type",
                          "Send text/csv, application/x-ndjson or a multipart upload.")
        job_id = importjobs.new_job_id()
        importjobs.insert(job_id, who, fmt, filename)
        try:
            # The whole file is stored before the job is queued: a body cut off at
            # CRM_MAX_IMPORT_BYTES (413, raised by the stream) or by a dropped connection
            # imports nothing.
            size, chunks = importjobs.store_upload(stream, job_id)
            if expected is not None and size != expected:
                raise bad_request("The body ended before its Content-Length.")
            if fmt == "csv":
                with importjobs.ChunkReader(job_id, chunks) as stored:
                    importer.check_header(stored)
        except BaseException:
            importjobs.drop_upload(job_id)
            importjobs.delete(job_id)
            raise
        job = importjobs.queue(job_id, size, chunks)
        return present(job, False), 202, {"Location": f"/api/v1/imports/{job_id}"}

    @blp.arguments(ImportJobQuery, location="query", unknown=RAISE)
    @blp.response(200, ImportJobList)
    def get(self, q):
        """Import jobs

        The caller's import jobs, newest first (supervisors also see their team's, admins
        their branch's), without the refused rows; `status` filters.
        """
        who = identity.current()
        jobs = importjobs.listed(who, q["limit"], q.get("status") if q.get("status") != "cancelled" else None)
        asked = importjobs.cancelled_among([j["_id"] for j in jobs])
        items = [present(j, j["_id"] in asked, rows=False) for j in jobs]
        if q.get("status"):
            items = [i for i in items if i["status"] == q["status"]]
        return {"items": items}


@blp.route("/<job_id>")
class Import(MethodView):
    @blp.response(200, ImportJob)
    def get(self, job_id):
        """An import job's progress

        Status, rows done of rows total, the counts and the refused rows so far (at most
        1,000, as the final report). 404 for a job the caller may not see: only the
        importing user, their supervisor and their branch's (or bank-wide) admins see it.
        """
        return present(_job(job_id))


@blp.route("/<job_id>/cancel")
class CancelImport(MethodView):
    @blp.response(202, ImportJob)
    @problems(blp, 409)
    def post(self, job_id):
        """Cancel an import job

        A queued job never starts; a running one stops after the batch it is writing (the
        rows written before stay, counted). 409 when the job has already finished.
        """
        job = _job(job_id)
        if job["status"] in importjobs.FINISHED:
            raise conflict(f"The import has already finished ({job['status']}).", slug="import-finished")
        importjobs.cancel(job_id, identity.current())
        return present(job, True)
