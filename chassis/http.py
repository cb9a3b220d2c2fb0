"""Small HTTP helpers shared by the services: versions as ETags, cursors."""
from __future__ import annotations

import base64
import json
from datetime import date, datetime

from flask import request

from .errors import bad_request, precondition_required


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(required: bool = True) -> int | None:
    """The version the client read, from If-Match ("3" or W/"3")."""
    raw = request.headers.get("If-Match")
    if not raw:
        if required:
            raise precondition_required()
        return None
    raw = raw.strip()
    if raw.startswith("W/"):
        raw = raw[2:]
    try:
        return int(raw.strip('"'))
    except ValueError:
        raise bad_request("If-Match must be the ETag you read, e.g. \"3\".") from None


def _enc(v):
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    return v


def _dec(v):
    if isinstance(v, dict) and "$dt" in v:
        return datetime.fromisoformat(v["$dt"])
    if isinstance(v, dict) and "$d" in v:
        return datetime.fromisoformat(v["$d"])
    return v


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps([_enc(v) for v in values]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        pad = "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if not isinstance(values, list):
            raise ValueError
        return [_dec(v) for v in values]
    except Exception:
        raise bad_request("Invalid cursor.") from None


def keyset_filter(sort: list[tuple[str, int]], after: list) -> dict:
    """Mongo filter for the rows strictly after ``after`` in ``sort`` order."""
    ors = []
    for i, (field, direction) in enumerate(sort):
        cond = {f: v for (f, _), v in zip(sort[:i], after[:i])}
        cond[field] = {"$gt" if direction > 0 else "$lt": after[i]}
        ors.append(cond)
    return {"$or": ors}


def page(collection, query: dict, sort: list[tuple[str, int]], limit: int, cursor: str | None,
         projection: dict | None = None, decode=None) -> tuple[list[dict], str | None]:
    """Cursor pagination over a stable sort that ends with _id. Returns (rows, next_cursor)."""
    if sort[-1][0] != "_id":
        sort = [*sort, ("_id", sort[-1][1])]
    q = dict(query)
    if cursor:
        after = decode_cursor(cursor)
        if len(after) != len(sort):
            raise bad_request("Invalid cursor.")
        if decode:
            after = decode(after)
        q = {"$and": [query, keyset_filter(sort, after)]} if query else keyset_filter(sort, after)
    rows = list(collection.find(q, projection).sort(sort).limit(limit + 1))
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = encode_cursor([_get(rows[-1], f) for f, _ in sort])
    return rows, nxt


def _get(doc: dict, dotted: str):
    for part in dotted.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc
