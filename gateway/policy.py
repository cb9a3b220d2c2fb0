"""What every public route needs: one declarative table, checked before any handler runs.

The gateway decides coarse access (is the caller signed in, does the role fit the
route); services decide fine access again (ownership, branch) from X-Identity, so a
mistake here can widen a role's reach to a route but never to another's records.
Anything under /api/v1 with no rule is 404: a route that is not declared does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chassis.identity import ADMIN, AUDITOR, MANAGER, SUPERVISOR

PUBLIC = "public"          # no token needed
ANY = (MANAGER, SUPERVISOR, ADMIN, AUDITOR)
STAFF = (MANAGER, SUPERVISOR, ADMIN)   # people who look after customers
READ = ("GET", "HEAD")
WRITE = ("POST", "PUT", "PATCH", "DELETE")
ALL = READ + WRITE


@dataclass(frozen=True)
class Rule:
    prefix: str                     # path prefix, matched on whole segments (``*`` = any one)
    methods: tuple[str, ...]
    roles: tuple[str, ...] | str    # role names, or PUBLIC
    why: str = ""

    @property
    def segments(self) -> tuple[str, ...]:
        return _segments(self.prefix)


# Most specific prefix wins (see ``match``); order here is for reading.
RULES: tuple[Rule, ...] = (
    Rule("/api/v1/auth/login", ("POST",), PUBLIC, "sign in"),
    Rule("/api/v1/auth/refresh", ("POST",), PUBLIC, "refresh token is the credential"),
    Rule("/api/v1/auth/logout", ("POST",), ANY, "end this session"),
    Rule("/api/v1/auth/console", ("POST",), PUBLIC,
         "the web console: the httpOnly refresh cookie is the credential (and X-CRM-Console: 1)"),
    Rule("/api/v1/auth/password", ("POST",), ANY, "change your own password (ends every session)"),
    Rule("/api/v1/me", READ, ANY, "who am I"),
    Rule("/api/v1/users", ALL, (ADMIN,), "branch admins manage users"),
    Rule("/api/v1/audit", READ, (AUDITOR, ADMIN), "audit trail, merged from all services"),
    Rule("/api/v1/views/customer-360", READ, STAFF, "composed customer view"),
    Rule("/api/v1/views/worklist", READ, STAFF, "composed daily worklist"),
    Rule("/api/v1/views/team-dashboard", READ, (SUPERVISOR, ADMIN), "team figures"),
    # customer service
    Rule("/api/v1/customers", ALL, STAFF),
    Rule("/api/v1/managers", READ, STAFF),
    Rule("/api/v1/managers/team", READ, (SUPERVISOR, ADMIN), "the team's books"),
    Rule("/api/v1/tiers", READ, STAFF),
    Rule("/api/v1/tiers", WRITE, (ADMIN,), "tier rules are branch configuration"),
    Rule("/api/v1/risk", ALL, STAFF),
    Rule("/api/v1/imports", ALL, STAFF),
    Rule("/api/v1/products", READ, STAFF, "the product catalogue"),
    Rule("/api/v1/products", WRITE, (ADMIN,), "the catalogue is branch configuration"),
    Rule("/api/v1/opportunities", ALL, STAFF, "the opportunity pipeline (商机)"),
    Rule("/api/v1/financial", READ, STAFF),
    Rule("/api/v1/financial", WRITE, (ADMIN,), "churn thresholds and the contribution formula"),
    # engagement service
    Rule("/api/v1/engagement", ALL, STAFF),
    Rule("/api/v1/engagement/gifts", WRITE, (ADMIN,), "gift catalogue and stock"),
    Rule("/api/v1/engagement/gifts/*/issues", WRITE, STAFF, "managers give gifts to their customers"),
    Rule("/api/v1/engagement/budgets", READ, (SUPERVISOR, ADMIN)),
    Rule("/api/v1/engagement/budgets", WRITE, (ADMIN,), "gift budgets"),
    Rule("/api/v1/engagement/cadence", WRITE, (ADMIN,), "contact cadence per tier is branch policy"),
    Rule("/api/v1/engagement/nba", WRITE, (ADMIN,), "next-best-action weights are branch configuration"),
    Rule("/api/v1/engagement/policy", WRITE, (ADMIN,), "no-contact days and activity effect window: branch policy"),
    # maintenance plans: managers draft, supervisors approve, close and revise, and hand tasks down
    Rule("/api/v1/engagement/plans/*/approve", WRITE, (SUPERVISOR, ADMIN), "审批"),
    Rule("/api/v1/engagement/plans/*/reject", WRITE, (SUPERVISOR, ADMIN), "审批"),
    Rule("/api/v1/engagement/plans/*/close", WRITE, (SUPERVISOR, ADMIN), "evaluate a period"),
    Rule("/api/v1/engagement/plans/*/revise", WRITE, (SUPERVISOR, ADMIN), "decide the next version"),
    Rule("/api/v1/engagement/tasks", ("POST",), (SUPERVISOR, ADMIN), "上级交办"),
    Rule("/api/v1/engagement/tasks/*/complete", ("POST",), STAFF, "owners complete their tasks"),
    Rule("/api/v1/engagement/outreach/templates", WRITE, (ADMIN,), "message templates are branch configuration"),
    Rule("/api/v1/engagement/outreach/callbacks", ("POST",), PUBLIC, "SMS provider pushes; the callback token"),
    Rule("/api/v1/engagement/links", ("GET", "POST"), PUBLIC, "customer self-service: the signed link"),
    Rule("/api/v1/feedback/links", ("GET", "POST"), PUBLIC, "customer self-service: the signed link"),
    # feedback service
    Rule("/api/v1/feedback", ALL, STAFF),
    Rule("/api/v1/feedback/settings", WRITE, (ADMIN,), "SLA and follow-up policy"),
)


@lru_cache(maxsize=256)
def _segments(prefix: str) -> tuple[str, ...]:
    return tuple(prefix.strip("/").split("/"))


def _under(path: str, prefix: str, have: list[str] | None = None) -> bool:
    """``path`` is ``prefix`` or below it; a ``*`` segment in the prefix matches any one segment."""
    want = _segments(prefix)
    have = have if have is not None else path.strip("/").split("/")
    return len(have) >= len(want) and all(w == "*" or w == h for w, h in zip(want, have))


def match(method: str, path: str, rules=RULES) -> Rule | None:
    """The rule for this request: the longest prefix that covers the method, else None.

    A longer prefix that exists only for other methods does not hide a shorter one
    (GET /engagement/gifts falls back to the /engagement rule).
    """
    method = "GET" if method == "HEAD" else method
    have = path.strip("/").split("/")
    best = None
    for rule in rules:
        if method in rule.methods and _under(path, rule.prefix, have):
            if best is None or len(rule.segments) > len(best.segments):
                best = rule
    return best


def path_known(path: str, rules=RULES) -> bool:
    return any(_under(path, r.prefix) for r in rules)


def decide(role: str | None, method: str, path: str, rules=RULES) -> int:
    """HTTP status the policy gives: 0 = allowed, else 401, 403, 404 or 405."""
    rule = match(method, path, rules)
    if rule is None:
        return 405 if path_known(path, rules) else 404
    if rule.roles == PUBLIC:
        return 0
    if role is None:
        return 401
    return 0 if role in rule.roles else 403


def table(rules=RULES) -> list[dict]:
    """The table as data, for the docs page and tests."""
    return [{"prefix": r.prefix, "methods": list(r.methods),
             "roles": r.roles if r.roles == PUBLIC else list(r.roles), "why": r.why} for r in rules]
