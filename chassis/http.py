"""Small HTTP helpers shared by the services: versions as ETags, cursors."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NoReturn

from flask import request
from pymongo.collection import Collection

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


def _enc(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    return v


_INT64 = 2 ** 63
MAX_CURSOR = 2048     # characters; a cursor holds a few sort values, nothing more


def _dec(v: Any) -> Any:
    """One sort value: a scalar, or a date encode_cursor wrote. Anything else (an object
    like {"$gt": ""}, a list) would become a query operator or a nonsense comparison
    in keyset_filter, so it is refused."""
    if isinstance(v, dict):
        if len(v) == 1 and isinstance(v.get("$dt"), str):
            return datetime.fromisoformat(v["$dt"])
        if len(v) == 1 and isinstance(v.get("$d"), str):
            return datetime.fromisoformat(v["$d"])
        raise ValueError("not a sort value")
    if isinstance(v, bool) or v is None or isinstance(v, (str, float)):
        return v
    if isinstance(v, int) and -_INT64 <= v < _INT64:   # BSON has no bigger integer
        return v
    raise ValueError("not a sort value")


def _no_constants(name: str) -> NoReturn:
    raise ValueError(name)     # NaN and Infinity are not JSON, and no sort value


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([_enc(v) for v in values]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int | None = None) -> list[Any]:
    """The sort values of a cursor from encode_cursor (``length`` of them when given);
    anything else is 400, so a crafted cursor can neither fail a query nor change it."""
    try:
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR:
            raise ValueError
        pad = "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(cursor + pad), parse_constant=_no_constants)
        if not isinstance(values, list) or not values or (length is not None and len(values) != length):
            raise ValueError
        return [_dec(v) for v in values]
    except Exception:
        raise bad_request("Invalid cursor.") from None


def keyset_filter(sort: list[tuple[str, int]], after: list[Any]) -> dict[str, Any]:
    """Mongo filter for the rows strictly after ``after`` in ``sort`` order."""
    ors = []
    for i, (field, direction) in enumerate(sort):
        cond: dict[str, Any] = {f: v for (f, _), v in zip(sort[:i], after[:i])}
        cond[field] = {"$gt" if direction > 0 else "$lt": after[i]}
        ors.append(cond)
    return {"$or": ors}


def page(collection: Collection[dict[str, Any]], query: dict[str, Any], sort: list[tuple[str, int]], limit: int,
         cursor: str | None, projection: dict[str, Any] | None = None,
         decode: Callable[[list[Any]], list[Any]] | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Cursor pagination over a stable sort that ends with _id. Returns (rows, next_cursor)."""
    if sort[-1][0] != "_id":
        sort = [*sort, ("_id", sort[-1][1])]
    q = dict(query)
    if cursor:
        after = decode_cursor(cursor, len(sort))
        if decode:
            after = decode(after)
        q = {"$and": [query, keyset_filter(sort, after)]} if query else keyset_filter(sort, after)
    rows = list(collection.find(q, projection).sort(sort).limit(limit + 1))
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = encode_cursor([_get(rows[-1], f) for f, _ in sort])
    return rows, nxt


def _get(doc: dict[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
