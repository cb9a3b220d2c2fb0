"""Bulk import (信息收集): CSV or JSON lines, streamed in chunks and written in
batches, so a large file never has to fit in memory.

Every row is validated like a single create. Re-importing is idempotent: a row
whose external id or ID document already exists is refused by that unique index
(not by a customer id derived from the external id: ids are random, so nobody can
predict a customer's id from the bank's own numbering) and is reported "skipped:
exists" with the existing customer's id; it creates nothing.
"""
from __future__ import annotations

import codecs
import contextvars
import csv
import json
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterable, Iterator

from flask import copy_current_request_context, has_request_context
from marshmallow import ValidationError

from chassis import audit
from chassis.errors import Problem, bad_request, bound_errors
from chassis.events import Envelope
from chassis.identity import Identity
from contracts import customer as events

from . import service
from .schemas import CustomerIn

BATCH = 500
CHUNK = 64 * 1024
LIST_COLUMNS = ("classes", "tags", "preferred_channels", "needs", "investment_preferences", "contact_times",
                "financing_needs")
FINANCIAL_COLUMNS = ("aum_cents", "deposits_cents", "loans_cents", "annual_income_cents", "income_band",
                     "products_held")
FAMILY_COLUMNS = ("marital_status", "children", "dependents", "household_size")
JSON_COLUMNS = ("accounts", "contacts", "important_dates", "family", "financial")
MAX_REPORTED = 1_000  # rejected/skipped rows listed; counts stay exact beyond it
ROW_ERRORS = 20       # messages listed per row (an NDJSON row can carry thousands of bad fields)


def registered(doc) -> Envelope:
    # A new customer: absent means empty, so empty values need not travel.
    data = {k: v for k, v in service.snapshot(doc).items() if v not in (None, [], {})}
    return events.REGISTERED.new(doc.id, data)


def lines(stream, chunk: int = CHUNK) -> Iterator[str]:
    """Decoded lines (with their newline) from a byte stream, a chunk at a time.

    Linear in the input: each chunk is scanned once, and the start of a line that spans
    chunks is kept as a list of pieces joined once its end arrives (re-scanning a growing
    buffer made one long line quadratic). Only "\n" ends a line; "\r\n" stays for the csv
    module, which also joins a quoted cell's newlines back into one row."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending: list[str] = []
    while True:
        data = stream.read(chunk)
        text = decoder.decode(data, final=not data)
        start = 0
        while (end := text.find("\n", start)) >= 0:
            if pending:
                pending.append(text[start:end + 1])
                yield "".join(pending)
                pending = []
            else:
                yield text[start:end + 1]
            start = end + 1
        if start < len(text):
            pending.append(text[start:])
        if not data:
            break
    if pending:
        yield "".join(pending)


def csv_rows(text_lines: Iterable[str]) -> Iterator[tuple[int, dict | None, dict | None]]:
    """(row number, record, errors) per data row; row 1 is the first row after the header."""
    reader = csv.reader(text_lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    known = set(CustomerIn().fields) | set(FINANCIAL_COLUMNS) | set(FAMILY_COLUMNS)
    unknown = [h for h in header if h not in known]
    if unknown:
        raise bad_request(f"Unknown CSV columns: {', '.join(unknown)}.")
    for n, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield n, None, {"_row": [f"Expected {len(header)} cells, got {len(cells)}."]}
            continue
        rec: dict = {}
        errors: dict = {}
        for col, cell in zip(header, cells):
            cell = cell.strip()
            if cell == "":
                continue
            if col in LIST_COLUMNS:
                rec[col] = [x.strip() for x in cell.split("|") if x.strip()]
            elif col in FINANCIAL_COLUMNS:
                rec.setdefault("financial", {})[col] = cell
            elif col in FAMILY_COLUMNS:
                rec.setdefault("family", {})[col] = cell
            elif col in JSON_COLUMNS:
                try:
                    rec[col] = json.loads(cell)
                except ValueError:
                    errors[col] = ["Not valid JSON."]
            else:
                rec[col] = cell
        yield n, rec, errors or None


def ndjson_rows(text_lines: Iterable[str]) -> Iterator[tuple[int, dict | None, dict | None]]:
    for n, line in enumerate(text_lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            yield n, None, {"_row": ["Not a JSON object."]}
            continue
        if not isinstance(rec, dict):
            yield n, None, {"_row": ["Not a JSON object."]}
            continue
        yield n, rec, None


class Report:
    def __init__(self):
        self.accepted = self.skipped = self.rejected = 0
        self.rows: list[dict] = []

    def add(self, entry: dict) -> None:
        if entry["status"] == "skipped":
            self.skipped += 1
        else:
            self.rejected += 1
        if len(self.rows) < MAX_REPORTED:
            if "errors" in entry:
                entry["errors"], cut = bound_errors(entry["errors"], ROW_ERRORS)
                if cut:
                    entry["errors_truncated"] = True
            self.rows.append(entry)

    def to_dict(self) -> dict:
        return {"accepted": self.accepted, "skipped": self.skipped, "rejected": self.rejected,
                "rows": self.rows, "rows_truncated": self.skipped + self.rejected > len(self.rows)}


def run(rows: Iterable[tuple[int, dict | None, dict | None]], who: Identity, batch_size: int = BATCH) -> dict:
    """Validate rows and write them in batches. One batch is written (I/O, in a
    helper thread) while the next is parsed and validated (CPU, here)."""
    report = Report()
    version, rule_set = service.current_rules()
    schema = CustomerIn()
    batch: list = []
    pending: Future | None = None
    # The writer thread works for this request: its identity and database (Flask's
    # context) and its request id (chassis.context), which a new thread would not see.
    flush = copy_current_request_context(_flush) if has_request_context() else _flush
    context = contextvars.copy_context()

    def write(batch: list, who: Identity) -> tuple[int, list[dict]]:
        return context.run(flush, batch, who)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import") as pool:
        def submit(b):
            nonlocal pending
            if pending is not None:
                _merge(report, pending.result())
            pending = pool.submit(write, b, who) if b else None
        try:
            for n, rec, errors in rows:
                if errors or rec is None:
                    report.add({"row": n, "status": "rejected", "errors": errors or {}})
                    continue
                try:
                    data = schema.load(rec)
                    doc = service.new_customer(data, who, version, rule_set)
                except ValidationError as exc:
                    report.add({"row": n, "status": "rejected", "errors": exc.messages})
                    continue
                except Problem as p:
                    report.add({"row": n, "status": "rejected", "errors": {"manager_id": [p.detail]}})
                    continue
                batch.append((n, doc))
                if len(batch) >= batch_size:
                    submit(batch)
                    batch = []
            submit(batch)
            submit([])
        except (UnicodeDecodeError, csv.Error) as exc:
            # csv.Error: a cell over csv's field size limit (128 KiB), e.g. a quote never
            # closed, which swallows the rest of the file. Bad input, not a 500.
            submit(batch)
            submit([])
            out = report.to_dict()
            what = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else f"not readable CSV ({exc})"
            out["aborted"] = f"The body is {what}; the rows counted above were processed, the rest were not."
            return out
    return report.to_dict()


def _merge(report: Report, result: tuple[int, list[dict]]) -> None:
    accepted, entries = result
    report.accepted += accepted
    for entry in sorted(entries, key=lambda e: e["row"]):
        report.add(entry)


def _flush(batch: list, who: Identity) -> tuple[int, list[dict]]:
    """Write one batch; returns (accepted, report entries for refused rows)."""
    docs = [d for _, d in batch]
    created, errors = service.store.create_many(
        docs, who, lambda d: [registered(d)], channel="import", reason="bulk import")
    entries: list[dict] = []
    if not errors:
        return len(created), entries
    clashes = _clashes([docs[i] for i, p in errors.items() if p.slug != "already-exists"])
    for i in sorted(errors):
        n, doc = batch[i]
        if errors[i].slug == "already-exists":  # a random id taken: not expected, but not ours
            entries.append({"row": n, "status": "rejected",
                            "errors": {"_row": ["Id collision; import this row again."]}})
            continue
        field, existing = clashes.get(doc.id, (None, None))
        if field in ("external_id", "id_number", "credit_code"):
            entries.append({"row": n, "status": "skipped", "reason": "exists", "existing_id": existing})
        else:
            entries.append({"row": n, "status": "rejected", "existing_id": existing,
                            "errors": {field or "_row": ["Another customer already has this value."]}})
    return len(created), _hide_unseen(entries, who)


def _hide_unseen(entries: list[dict], who: Identity) -> list[dict]:
    """The report names an existing customer only to a caller who may see it."""
    seen = service.visible_ids(who, {e.get("existing_id") for e in entries})
    unseen = [e for e in entries if e.get("existing_id") and e["existing_id"] not in seen]
    if unseen:
        # As for a single registration: a hit on someone else's customer is in their branch's trail.
        branches = {r["_id"]: r.get("branch") for r in service.store.collection.find(
            {"_id": {"$in": [e["existing_id"] for e in unseen]}}, {"branch": 1})}
        for e in unseen:
            audit.record(audit.DUPLICATE_REFUSED, e["existing_id"], sorted(e.get("errors") or {}) or ["row"],
                         resource="import", branch=branches.get(e["existing_id"]), actor=who)
    for e in entries:
        if e.get("existing_id") not in seen:
            e.pop("existing_id", None)
    return entries


def _clashes(docs: list) -> dict[str, tuple[str, str]]:
    """Which unique key each refused doc clashed on, in three queries for the batch."""
    if not docs:
        return {}
    coll = service.store.collection
    ids = {d.id for d in docs}
    found: dict[str, tuple[str, str]] = {}
    for key, name in (("external_key", "external_id"), ("id_key", None), ("mobile_key", "mobile")):
        values = {getattr(d, key): d for d in docs if d.id not in found}
        if not values:
            break
        for row in coll.find({key: {"$in": list(values)}}, {"_id": 1, key: 1}):
            d = values.get(row[key])
            if d is not None and row["_id"] not in ids and d.id not in found:
                field = name or ("id_number" if d.kind == "individual" else "credit_code")
                found[d.id] = (field, row["_id"])
    return found
