"""/api/v1/imports: bulk import of CSV or JSON lines (streamed body or multipart upload)."""
from __future__ import annotations

import shutil
import tempfile

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from chassis import identity
from chassis.errors import Problem
from chassis.openapi import problems

from .. import importer
from ..schemas import field_errors

blp = Blueprint("imports", __name__, url_prefix="/api/v1/imports", description="Bulk import of customers")

FORMATS = {"text/csv": importer.csv_rows, "application/x-ndjson": importer.ndjson_rows,
           "application/jsonl": importer.ndjson_rows, "application/json-lines": importer.ndjson_rows}


class ImportRow(Schema):
    row = fields.Integer(metadata={"description": "from 1; CSV: the first row after the header"})
    status = fields.String(validate=validate.OneOf(["rejected", "skipped"]))
    errors = field_errors(metadata={"description": "rejected: why, by field (`_row` for the row as a whole)"})
    errors_truncated = fields.Boolean(metadata={"description": f"more than {importer.ROW_ERRORS} messages; "
                                                               "the first are listed"})
    reason = fields.String(validate=validate.OneOf(["exists"]), metadata={"description": "skipped: why"})
    existing_id = fields.String(metadata={"description": "the customer already holding the external id, ID "
                                                         "document or mobile, when the caller may see it"})


class ImportReport(Schema):
    accepted = fields.Integer(metadata={"description": "customers created"})
    skipped = fields.Integer(metadata={"description": "rows whose external id or ID document already exists"})
    rejected = fields.Integer()
    rows = fields.List(fields.Nested(ImportRow), metadata={
        "description": f"the refused rows, in order, at most {importer.MAX_REPORTED}"})
    rows_truncated = fields.Boolean(metadata={"description": "more rows were refused than are listed"})
    aborted = fields.String(metadata={"description": "present when the body stopped being readable (not UTF-8, "
                                                     "broken CSV): the rows before were processed, the rest not"})


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


@blp.route("")
class Imports(MethodView):
    @blp.doc(requestBody=IMPORT_BODY)
    @blp.response(200, ImportReport)
    @problems(blp, 400, 403, 415)
    def post(self):
        """Import customers in bulk

        Body: text/csv (header row of field names; list fields separated by `|`; financial
        and family figures as flat columns; accounts, contacts and important dates as JSON
        cells), application/x-ndjson (one POST /customers body per line; also
        application/jsonl), or multipart/form-data with a `file` part whose name ends .csv
        or .jsonl. Each row is validated like a single create; rows whose external id or ID
        document exists are skipped, so a re-import is idempotent. At most
        CRM_MAX_IMPORT_BYTES: 413 beyond, and nothing is imported. 400: an unknown CSV
        column, no `file` part, or a body shorter than its Content-Length (nothing
        imported); 403: auditors; 415: another content type. The answer counts every row
        and lists the refused ones.
        """
        who = identity.current()
        if who.role == identity.AUDITOR:
            raise Problem(403, "forbidden", "Forbidden", "Auditors only read.")
        ctype = (request.mimetype or "").lower()
        if ctype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise Problem(400, "bad-request", "Bad request", "Send the file in a part named `file`.")
            name = (upload.filename or "").lower()
            parse = importer.csv_rows if name.endswith(".csv") else importer.ndjson_rows
            stream = upload.stream
        elif ctype in FORMATS:
            parse, stream = FORMATS[ctype], _received(request.stream)
        else:
            raise Problem(415, "unsupported-media-type", "Unsupported media type",
                          "Send text/csv, application/x-ndjson or a multipart upload.")
        with stream:
            return importer.run(parse(importer.lines(stream)), who)


SPOOL_IN_MEMORY = 1024 * 1024


def _received(stream):
    """The whole body, on disk beyond 1 MiB, before any row is parsed or written: a body cut
    off at CRM_MAX_IMPORT_BYTES (413, raised by the stream) or by a dropped connection
    imports nothing, rather than the batches written before the cut."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    shutil.copyfileobj(stream, spool, importer.CHUNK)
    if request.content_length is not None and spool.tell() != request.content_length:
        raise Problem(400, "bad-request", "Bad request", "The body ended before its Content-Length.")
    spool.seek(0)
    return spool
