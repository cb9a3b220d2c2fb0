"""Access tokens for clients (signed JWT, short-lived) and their verification."""
from __future__ import annotations

import time
import uuid

import jwt

from chassis.errors import unauthorized

ALGORITHM = "HS256"
AUDIENCE = "crm-clients"


def issue(user, secret: str, ttl: int, kind: str = "access", *, family: str | None = None,
          stamp: str | None = None) -> str:
    """``family``: the sign-in session (one per login, kept by every refresh), so logout and
    refresh-token reuse can end it; ``stamp``: the user's credential stamp, so a password
    change ends every session."""
    now = int(time.time())
    claims = {"sub": user.id, "role": user.role, "typ": kind, "aud": AUDIENCE,
              "iat": now, "exp": now + ttl, "jti": str(uuid.uuid4())}
    if family:
        claims["fam"] = family
    if stamp:
        claims["stm"] = stamp
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str, kind: str = "access") -> dict:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE)
    except jwt.ExpiredSignatureError:
        raise unauthorized("Token expired.") from None
    except jwt.PyJWTError:
        raise unauthorized("Invalid token.") from None
    if claims.get("typ") != kind:
        raise unauthorized("Wrong token type.")
    return claims
