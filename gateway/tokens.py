"""Access tokens for clients (signed JWT, short-lived) and their verification."""
from __future__ import annotations

import time
import uuid

import jwt

from chassis.errors import unauthorized

ALGORITHM = "HS256"
AUDIENCE = "crm-clients"


def issue(user, secret: str, ttl: int, kind: str = "access") -> str:
    now = int(time.time())
    return jwt.encode({"sub": user.id, "role": user.role, "typ": kind, "aud": AUDIENCE,
                       "iat": now, "exp": now + ttl, "jti": str(uuid.uuid4())}, secret, algorithm=ALGORITHM)


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
