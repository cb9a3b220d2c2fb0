"""/api/v1/imports: bulk import of CSV or JSON lines (streamed body or multipart upload)."""
from __future__ import annotations

import shutil
import tempfile

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from chassis import identity
from chassis.errors import Problem

from .. import importer

blp = Blueprint("imports", __name__, url_prefix="/api/v1/imports", description="Bulk import of customers")

FORMATS = {"text/csv": importer.csv_rows, "application/x-ndjson": importer.ndjson_rows,
           "application/jsonl": importer.ndjson_rows, "application/json-lines": importer.ndjson_rows}


class ImportReport(Schema):
    accepted = fields.Integer()
    skipped = fields.Integer(metadata={"description": "rows whose external id or ID document already exists"})
    rejected = fields.Integer()
    rows = fields.List(fields.Dict(), metadata={"description": "{row, status, errors | reason, existing_id}"})
    rows_truncated = fields.Boolean()
    aborted = fields.String()


@blp.route("")
class Imports(MethodView):
    @blp.response(200, ImportReport)
    def post(self):
        """Import customers. Body: text/csv (header row of field names; lists separated by |)
        or application/x-ndjson (one CustomerIn object per line); or multipart with a `file`
        part whose name ends .csv or .jsonl. At most CRM_MAX_IMPORT_BYTES: 413 beyond, and
        nothing is imported. Rows are numbered from 1 (CSV: after the header)."""
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
