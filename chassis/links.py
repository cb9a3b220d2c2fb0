"""Self-service links: signed, expiring, single-use capabilities a customer opens without a login.

A link carries what it allows (``kind``: survey, rsvp, unsubscribe), on what (``subject``),
for whom (``customer``), which service answers it (``svc``), until when (``exp``) and a
random ``nonce``; HMAC-SHA256 signs it with a key derived from the internal secret, so
only the suite issues them and any service can verify them. Single use is the answering
service's business: it inserts the nonce into a unique collection when the link acts.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

KINDS = ("survey", "rsvp", "unsubscribe")
USES = "link_uses"     # the collection whose unique _id (the nonce) makes a link single-use


class LinkRefused(Exception):
    def __init__(self, reason: str) -> None:   # forged | expired | used
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    kind: str
    svc: str
    subject: str
    customer: str
    exp: int
    nonce: str
    extra: dict[str, Any]

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.exp, timezone.utc)


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"crm self-service links v1", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(secret: str, *, kind: str, svc: str, subject: str, customer: str, expires_at: datetime,
          extra: dict[str, Any] | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(kind)
    body = {"k": kind, "s": svc, "i": subject, "c": customer, "e": int(expires_at.timestamp()),
            "n": secrets.token_urlsafe(12), "x": extra or {}}
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    sig = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{sig}"


def peek_service(token: str) -> str | None:
    """Which service answers a link, read without verifying (the service verifies)."""
    try:
        return str(json.loads(_unb64(token.split(".", 1)[0]))["s"])
    except Exception:
        return None


def verify(secret: str, token: str, now: datetime) -> Link:
    """The link, or LinkRefused("forged" | "expired")."""
    try:
        payload, sig = token.split(".", 1)
        want = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, sig):
            raise LinkRefused("forged")
        b = json.loads(_unb64(payload))
        link = Link(kind=b["k"], svc=b["s"], subject=b["i"], customer=b["c"], exp=int(b["e"]), nonce=b["n"],
                    extra=dict(b.get("x") or {}))
    except LinkRefused:
        raise
    except Exception:
        raise LinkRefused("forged") from None
    if link.kind not in KINDS:
        raise LinkRefused("forged")
    if now.timestamp() >= link.exp:
        raise LinkRefused("expired")
    return link
