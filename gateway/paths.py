"""Request paths are normalised once, before routing and the policy table see them.

The server hands the app a percent-decoded path (``%2e%2e`` and ``%2f`` arrive as
``..`` and ``/``). Left as it is, ``/engagement/gifts/x/issues/../../../budgets`` is
judged by the policy as a gift issue (staff) while the upstream call resolves the dot
segments (urllib3 does, as any HTTP client) and lands on budgets (admins). Resolving
them here, as nginx does, makes routing, the policy and the forwarded call agree on
one path.
"""
from __future__ import annotations


def normalise(path: str) -> str:
    """RFC 3986 remove_dot_segments on a decoded path, with empty segments merged
    (``a//b`` is ``a/b``); ``..`` never climbs above the root."""
    out: list[str] = []
    segments = path.split("/")
    for seg in segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg not in ("", "."):
            out.append(seg)
    norm = "/" + "/".join(out)
    # "/a/b/" and "/a/b/.." name a directory: keep the trailing slash, as RFC 3986 does.
    if out and (segments[-1] in ("", ".", "..")):
        norm += "/"
    return norm


class NormalisedPaths:
    """WSGI middleware: PATH_INFO normalised before Flask routes the request."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        norm = normalise(path)
        if norm != path:
            environ["PATH_INFO"] = norm
        return self.app(environ, start_response)
