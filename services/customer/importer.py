"""Bulk import (信息收集): CSV or JSON lines, read in chunks and written in batches,
so a large file never has to fit in memory. An import job (importjobs.py, run by
the worker in importrun.py) feeds it the stored upload.

Every row is validated like a single create. Re-importing is idempotent: a row
whose external id or ID document already exists is refused by that unique index
and is reported "skipped: exists" with the existing customer's id; it creates
nothing. A row's customer id is derived from the job's random id and the row
number (``row_id``), never from the external id, so nobody can predict a
customer's id from the bank's own numbering, yet a job resumed after a crash
recognises the rows it wrote before (their ids are taken) and counts them once.
"""
from __future__ import annotations

import codecs
import contextvars
import csv
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from marshmallow import ValidationError

from chassis import audit
from chassis.errors import Problem, bad_request, bound_errors
from chassis.events import Envelope
from chassis.events.relay import repair_creation, settle
from chassis.identity import Identity
from chassis.store import change_id

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


def check_header(stream) -> None:
    """A CSV file's header before the file is queued: an unknown column is 400 at once,
    and so is a file that does not even start as UTF-8 text."""
    try:
        for _ in csv_rows(lines(stream)):
            break
    except UnicodeDecodeError:
        raise bad_request("The file is not valid UTF-8.") from None
    except csv.Error as exc:
        raise bad_request(f"The file is not readable CSV ({exc}).") from None


def count_rows(fmt: str, text_lines: Iterable[str]) -> int | None:
    """The last row number the parser will give (the progress bar's end); None when the
    file stops being readable (the run reports where)."""
    try:
        if fmt == "csv":
            return max(sum(1 for _ in csv.reader(text_lines)) - 1, 0)
        return sum(1 for _ in text_lines)
    except (UnicodeDecodeError, csv.Error):
        return None


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


PARSERS = {"csv": csv_rows, "ndjson": ndjson_rows}


class Report:
    """Counts and the refused rows so far; ``rows_done``: every row up to it is settled."""

    def __init__(self, state: dict | None = None):
        state = state or {}
        self.accepted: int = state.get("accepted", 0)
        self.skipped: int = state.get("skipped", 0)
        self.rejected: int = state.get("rejected", 0)
        self.rows_done: int = state.get("rows_done", 0)
        self.rows: list[dict] = list(state.get("rows") or [])
        self.aborted: str | None = None

    def add(self, entry: dict) -> None:
        if entry["status"] == "skipped":
            self.skipped += 1
        else:
            self.rejected += 1
        if len(self.rows) < MAX_REPORTED:
            if "errors" in entry:
                errors, cut = bound_errors(entry["errors"], ROW_ERRORS)
                entry["errors"] = _string_keys(errors)   # list items by index: stored, so "0", as in JSON
                if cut:
                    entry["errors_truncated"] = True
            self.rows.append(entry)

    def to_dict(self) -> dict:
        return {"accepted": self.accepted, "skipped": self.skipped, "rejected": self.rejected,
                "rows_done": self.rows_done, "rows": self.rows,
                "rows_truncated": self.skipped + self.rejected > len(self.rows)}


def _string_keys(value):
    if isinstance(value, dict):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


class Batch:
    """Rows ``first``..``last``: the customers to write (stored documents) and the rows already refused."""

    def __init__(self) -> None:
        self.last = 0
        self.docs: list[tuple[int, dict, Envelope]] = []   # (row, stored document, its registered event)
        self.refused: list[dict] = []

    def __len__(self) -> int:
        return len(self.docs) + len(self.refused)


# After each batch: given the report, False stops the run (cancelled, or the job was taken over).
Checkpoint = Callable[[Report], bool]


def row_id(job_id: str, n: int) -> str:
    """A row's customer id: the same each time the job reads that row (a resumed job finds
    what it wrote before its crash), random to anyone else (the job id is random)."""
    return str(uuid.uuid5(uuid.UUID(job_id), str(n)))


def run(rows: Iterable[tuple[int, dict | None, dict | None]], who: Identity, job_id: str, *,
        report: Report | None = None, checkpoint: Checkpoint | None = None, batch_size: int = BATCH) -> Report:
    """Validate rows after ``report.rows_done`` and write them in batches, with ids from
    ``row_id``. One batch is written (I/O, in a helper thread) while the next is parsed
    and validated (CPU, here); after each, ``checkpoint``."""
    report = report or Report()
    after = report.rows_done
    version, rule_set = service.current_rules()
    schema = CustomerIn()
    owners: dict[str | None, tuple[str | None, str | None] | Problem] = {}
    batch = Batch()
    pending: tuple[Batch, Future] | None = None
    going = True
    # The writer thread works for this job: its database and trace ids (chassis.context).
    context = contextvars.copy_context()

    def write(b: Batch) -> tuple[int, list[dict]]:
        return context.run(_flush, b.docs, who)

    def owner(data: dict) -> tuple[str | None, str | None]:
        # One directory look-up per manager named in the file, not one per row.
        key = data.get("manager_id")
        if key not in owners:
            try:
                owners[key] = service.owner_of(data, who)
            except Problem as p:
                owners[key] = p
        found = owners[key]
        if isinstance(found, Problem):
            raise found
        return found

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import") as pool:
        def collect() -> None:
            nonlocal pending, going
            if pending is None:
                return
            done, future = pending
            pending = None
            accepted, entries = future.result()
            report.accepted += accepted
            for entry in sorted(done.refused + entries, key=lambda e: e["row"]):
                report.add(entry)
            report.rows_done = max(report.rows_done, done.last)
            if checkpoint is not None and not checkpoint(report):
                going = False

        def submit(b: Batch) -> None:
            nonlocal pending
            collect()
            if going and len(b):   # once stopped, the rows after rows_done stay undone
                pending = (b, pool.submit(write, b))
        try:
            for n, rec, errors in rows:
                if n <= after:
                    continue
                batch.last = n
                if errors or rec is None:
                    batch.refused.append({"row": n, "status": "rejected", "errors": errors or {}})
                else:
                    try:
                        data = schema.load(rec)
                        state = service.new_customer_state(data, version, rule_set, row_id(job_id, n), owner(data))
                        batch.docs.append((n, state, service.registered_state(state)))
                    except ValidationError as exc:
                        batch.refused.append({"row": n, "status": "rejected", "errors": exc.messages})
                    except Problem as p:
                        batch.refused.append({"row": n, "status": "rejected", "errors": {"manager_id": [p.detail]}})
                if len(batch) >= batch_size:
                    submit(batch)
                    batch = Batch()
                    if not going:
                        break
            else:
                submit(batch)
        except (UnicodeDecodeError, csv.Error) as exc:
            # csv.Error: a cell over csv's field size limit (128 KiB), e.g. a quote never
            # closed, which swallows the rest of the file. Bad input, not a crash.
            submit(batch)
            what = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else f"not readable CSV ({exc})"
            report.aborted = f"The file is {what}; the rows counted were processed, the rest were not."
        collect()
    return report


def _flush(batch: list[tuple[int, dict, Envelope]], who: Identity) -> tuple[int, list[dict]]:
    """Write one batch; returns (accepted, report entries for refused rows)."""
    if not batch:
        return 0, []
    docs = [d for _, d, _ in batch]
    errors = service.register_many(docs, who, "bulk import", [e for _, _, e in batch])
    entries: list[dict] = []
    created = len(docs) - len(errors)
    if not errors:
        return created, entries
    # The row's own id taken: this job wrote it before it was resumed. Count it once, as
    # accepted, after closing the gap a crash may have left between its two writes.
    mine = [i for i, p in errors.items() if p.slug == "already-exists"]
    voided = _complete([docs[i]["_id"] for i in mine])
    accepted = created + len(mine) - len(voided)
    refused = {i: p for i, p in errors.items() if p.slug != "already-exists" or docs[i]["_id"] in voided}
    clashes = _clashes([docs[i] for i in refused])
    for i in sorted(refused):
        n, doc, _ = batch[i]
        field, existing = clashes.get(doc["_id"], (None, None))
        if field in ("external_id", "id_number", "credit_code"):
            entries.append({"row": n, "status": "skipped", "reason": "exists", "existing_id": existing})
        else:
            entries.append({"row": n, "status": "rejected", "existing_id": existing,
                            "errors": {field or "_row": ["Another customer already has this value."]}})
    return accepted, _hide_unseen(entries, who)


def _complete(ids: list[str]) -> set[str]:
    """Customers whose change record an earlier run wrote: bring each document in now, as
    the relay would after its grace period, so a later row of the file cannot take its
    natural key first. The record is in history under the run's outbox marker, or (a run
    before markers) in the outbox. Returns the ids still without a document: their keys
    clashed (such a record is voided), so the row is refused like any clash."""
    if not ids:
        return set()
    st = service.store
    db = st.collection.database
    for record in st.outbox.find({"_id": {"$in": [change_id(st.type, i, 1) for i in ids]}}):
        settle(db, record, timedelta(0))
    have = {d["_id"] for d in st.collection.find({"_id": {"$in": ids}}, {"_id": 1})}
    lacking = [change_id(st.type, i, 1) for i in ids if i not in have]
    if lacking:
        have |= {r["aggregate_id"] for r in st.changes.find({"_id": {"$in": lacking}}) if repair_creation(db, r)}
    return set(ids) - have


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


def _clashes(docs: list[dict]) -> dict[str, tuple[str, str]]:
    """Which unique key each refused doc clashed on, in three queries for the batch."""
    if not docs:
        return {}
    coll = service.store.collection
    ids = {d["_id"] for d in docs}
    found: dict[str, tuple[str, str]] = {}
    for key, name in (("external_key", "external_id"), ("id_key", None), ("mobile_key", "mobile")):
        values = {d[key]: d for d in docs if d["_id"] not in found}
        if not values:
            break
        for row in coll.find({key: {"$in": list(values)}}, {"_id": 1, key: 1}):
            d = values.get(row[key])
            if d is not None and row["_id"] not in ids and d["_id"] not in found:
                field = name or ("id_number" if d["kind"] == "individual" else "credit_code")
                found[d["_id"]] = (field, row["_id"])
    return found
