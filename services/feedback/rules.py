"""Pure rules of the feedback context (no I/O): complaint workflow, SLA deadlines,
survey answers, satisfaction arithmetic and the follow-up frequency cap.

Unit-tested without servers; the API, the jobs and the handlers only call them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chassis.statemachine import StateMachine

CATEGORIES = ("product", "service", "staff", "process", "suggestion", "praise")
CHANNELS = ("counter", "phone", "sms", "email", "wechat", "qq", "social", "online_banking",
            "mobile_banking", "visit", "survey", "letter", "other")
SEVERITIES = ("low", "medium", "high", "critical")
TIERS = ("standard", "gold", "platinum", "diamond", "private_banking")
DEFAULT_TIER = "default"   # the SLA table's fallback column

# --- complaint workflow ---------------------------------------------------------------
OPENED, ASSIGNED, IN_PROGRESS, RESOLVED, CLOSED = "opened", "assigned", "in_progress", "resolved", "closed"
STATUSES = (OPENED, ASSIGNED, IN_PROGRESS, RESOLVED, CLOSED)
OPEN_STATUSES = (OPENED, ASSIGNED, IN_PROGRESS)   # the SLA clock runs only here

COMPLAINTS = StateMachine("complaint", {
    "assign": ((OPENED, ASSIGNED, IN_PROGRESS), ASSIGNED),
    "start": ((ASSIGNED,), IN_PROGRESS),
    "resolve": ((IN_PROGRESS,), RESOLVED),
    # the customer's answer to the resolution: yes closes, no reopens
    "confirm": ((RESOLVED,), CLOSED),
    "reject": ((RESOLVED,), IN_PROGRESS),
    "reopen": ((RESOLVED, CLOSED), IN_PROGRESS),
    # only the confirmation-timeout job uses this one
    "auto_close": ((RESOLVED,), CLOSED),
}, internal=frozenset({"auto_close"}))


# --- SLA -------------------------------------------------------------------------------
# Hours from opening to first response (the complaint taken in hand: in_progress) and to
# resolution, by severity and tier. Higher tiers get shorter deadlines; "default" applies
# to a tier without its own cell (or an unknown tier). Calendar hours, not business hours.
DEFAULT_SLA_TABLE: dict[str, dict[str, dict[str, int]]] = {
    "critical": {"default": {"response_hours": 2, "resolution_hours": 24},
                 "diamond": {"response_hours": 1, "resolution_hours": 12},
                 "private_banking": {"response_hours": 1, "resolution_hours": 8}},
    "high": {"default": {"response_hours": 4, "resolution_hours": 48},
             "platinum": {"response_hours": 4, "resolution_hours": 36},
             "diamond": {"response_hours": 2, "resolution_hours": 24},
             "private_banking": {"response_hours": 2, "resolution_hours": 24}},
    "medium": {"default": {"response_hours": 8, "resolution_hours": 72},
               "diamond": {"response_hours": 4, "resolution_hours": 48},
               "private_banking": {"response_hours": 4, "resolution_hours": 48}},
    "low": {"default": {"response_hours": 24, "resolution_hours": 120},
            "diamond": {"response_hours": 8, "resolution_hours": 72},
            "private_banking": {"response_hours": 8, "resolution_hours": 72}},
}
DEFAULT_NEAR_FRACTION = 0.8          # "near breach" once 80% of the window has elapsed
DEFAULT_CONFIRM_TIMEOUT_HOURS = 168  # resolved and unanswered for 7 days: closed as confirmed-by-timeout


@dataclass(frozen=True)
class Deadlines:
    response_due: datetime
    resolution_due: datetime


def sla_hours(table: dict, severity: str, tier: str | None) -> dict[str, int]:
    row = table.get(severity)
    if not row:
        raise KeyError(f"no SLA row for severity {severity}")
    cell = row.get(tier or DEFAULT_TIER) or row.get(DEFAULT_TIER)
    if not cell:
        raise KeyError(f"no SLA cell for {severity}/{tier} and no default")
    return cell


def deadlines(table: dict, severity: str, tier: str | None, start: datetime) -> Deadlines:
    cell = sla_hours(table, severity, tier)
    return Deadlines(start + timedelta(hours=cell["response_hours"]),
                     start + timedelta(hours=cell["resolution_hours"]))


def validate_sla_table(table: dict) -> dict[str, list[str]]:
    """Field errors of an admin-submitted table ({} when fine)."""
    errors: dict[str, list[str]] = {}
    for sev in SEVERITIES:
        row = table.get(sev)
        if not isinstance(row, dict) or DEFAULT_TIER not in row:
            errors[f"table.{sev}"] = [f"needs a '{DEFAULT_TIER}' cell"]
    for sev, row in table.items():
        if sev not in SEVERITIES:
            errors[f"table.{sev}"] = ["unknown severity"]
            continue
        if not isinstance(row, dict):
            continue
        for tier, cell in row.items():
            key = f"table.{sev}.{tier}"
            if tier != DEFAULT_TIER and tier not in TIERS:
                errors[key] = ["unknown tier"]
                continue
            if not isinstance(cell, dict) or set(cell) != {"response_hours", "resolution_hours"}:
                errors[key] = ["needs exactly response_hours and resolution_hours"]
                continue
            r, s = cell["response_hours"], cell["resolution_hours"]
            if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (r, s)):
                errors[key] = ["hours must be positive integers"]
            elif r > s:
                errors[key] = ["response_hours cannot exceed resolution_hours"]
    return errors


def near_at(opened: datetime, due: datetime, fraction: float) -> datetime:
    """When a deadline counts as near: ``fraction`` of its window has elapsed."""
    return opened + (due - opened) * fraction


def sla_state(now: datetime, start: datetime, due: datetime, fraction: float) -> str:
    if now >= due:
        return "breached"
    if now >= near_at(start, due, fraction):
        return "near"
    return "ok"


def breach_key(complaint_id: str, kind: str, cycle: int) -> str:
    """Identity of one breach (or near-breach warning): unique, so escalated once."""
    return f"{complaint_id}:{kind}:{cycle}"


def due_checks(status: str, cycle_start: datetime, response_due: datetime | None,
               resolution_due: datetime | None, responded: bool, now: datetime,
               fraction: float) -> list[tuple[str, str]]:
    """The deadlines to escalate now: [(deadline_kind, "near"|"breached")]."""
    if status not in OPEN_STATUSES:
        return []
    out = []
    if response_due and not responded:
        state = sla_state(now, cycle_start, response_due, fraction)
        if state != "ok":
            out.append(("response", state))
    if resolution_due:
        state = sla_state(now, cycle_start, resolution_due, fraction)
        if state != "ok":
            out.append(("resolution", state))
    return out


# --- surveys ---------------------------------------------------------------------------
QUESTION_TYPES = ("rating", "nps", "single", "multiple", "text")
TEXT_MAX = 2000


def validate_template(questions: list[dict]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not questions:
        return {"questions": ["a survey needs at least one question"]}
    seen = set()
    for i, q in enumerate(questions):
        key = q.get("key")
        if key in seen:
            errors[f"questions.{i}.key"] = ["duplicate key"]
        seen.add(key)
        if q.get("type") in ("single", "multiple"):
            opts = q.get("options") or []
            if len(opts) < 2 or len(set(opts)) != len(opts):
                errors[f"questions.{i}.options"] = ["choice questions need at least two distinct options"]
        elif q.get("options"):
            errors[f"questions.{i}.options"] = ["only choice questions have options"]
    return errors


def validate_answers(questions: list[dict], answers: dict) -> dict[str, list[str]]:
    """Field errors of answers against the template ({} when valid)."""
    errors: dict[str, list[str]] = {}
    by_key = {q["key"]: q for q in questions}
    for key in answers:
        if key not in by_key:
            errors[f"answers.{key}"] = ["not a question of this survey"]
    for key, q in by_key.items():
        name = f"answers.{key}"
        if key not in answers or answers[key] is None or answers[key] == [] or answers[key] == "":
            if q.get("required", True):
                errors[name] = ["required"]
            continue
        v, t = answers[key], q["type"]
        is_int = isinstance(v, int) and not isinstance(v, bool)
        if t == "rating" and not (is_int and 1 <= v <= 5):
            errors[name] = ["a rating is an integer from 1 to 5"]
        elif t == "nps" and not (is_int and 0 <= v <= 10):
            errors[name] = ["an NPS answer is an integer from 0 to 10"]
        elif t == "single" and v not in q["options"]:
            errors[name] = ["not one of the options"]
        elif t == "multiple" and not (isinstance(v, list) and v and all(x in q["options"] for x in v)
                                      and len(set(v)) == len(v)):
            errors[name] = ["a non-empty list of distinct options"]
        elif t == "text" and not (isinstance(v, str) and len(v) <= TEXT_MAX):
            errors[name] = [f"text of at most {TEXT_MAX} characters"]
    return errors


def headline_scores(questions: list[dict], answers: dict) -> dict:
    """The CSAT rating and the NPS score of a response: its first rating and NPS questions."""
    out = {"csat": None, "nps": None}
    for q in questions:
        if q["type"] == "rating" and out["csat"] is None and answers.get(q["key"]) is not None:
            out["csat"] = answers[q["key"]]
        if q["type"] == "nps" and out["nps"] is None and answers.get(q["key"]) is not None:
            out["nps"] = answers[q["key"]]
    return out


def counters(csat: int | None, nps: int | None) -> dict[str, int]:
    """0/1 counters of one response; figures sum them (FerretDB has no $avg)."""
    return {
        "csat_n": int(csat is not None),
        "csat_satisfied": int(csat is not None and csat >= 4),
        "csat_sum": csat or 0,
        "nps_n": int(nps is not None),
        "nps_promoters": int(nps is not None and nps >= 9),
        "nps_detractors": int(nps is not None and nps <= 6),
    }


def sums_from_counts(rows) -> dict[str, int]:
    """Counters summed from (csat, nps, number of responses with those values) rows."""
    sums = {"responses": 0, **{k: 0 for k in counters(None, None)}}
    for csat_score, nps_score, n in rows:
        sums["responses"] += n
        for k, v in counters(csat_score, nps_score).items():
            sums[k] += v * n
    return sums


def csat(satisfied: int, n: int) -> float | None:
    """Share of 4–5 ratings, 0..1 (None without ratings)."""
    return round(satisfied / n, 4) if n else None


def nps(promoters: int, detractors: int, n: int) -> float | None:
    """% promoters (9–10) − % detractors (0–6), −100..100 (None without answers)."""
    return round(100.0 * (promoters - detractors) / n, 1) if n else None


def figures(sums: dict) -> dict:
    """CSAT/NPS figures from summed counters."""
    n_c, n_n = sums.get("csat_n", 0), sums.get("nps_n", 0)
    return {
        "responses": sums.get("responses", 0),
        "csat": csat(sums.get("csat_satisfied", 0), n_c),
        "csat_mean": round(sums.get("csat_sum", 0) / n_c, 2) if n_c else None,
        "nps": nps(sums.get("nps_promoters", 0), sums.get("nps_detractors", 0), n_n),
        "csat_n": n_c, "nps_n": n_n,
    }


def satisfaction_level(csat_score: int | None, nps_score: int | None) -> str | None:
    """A customer's level from their latest answer: satisfied / neutral / dissatisfied."""
    if csat_score is not None:
        return "satisfied" if csat_score >= 4 else "neutral" if csat_score == 3 else "dissatisfied"
    if nps_score is not None:
        return "satisfied" if nps_score >= 9 else "neutral" if nps_score >= 7 else "dissatisfied"
    return None


def period_of(at: datetime, granularity: str = "month") -> str:
    if granularity == "week":
        y, w, _ = at.isocalendar()
        return f"{y}-W{w:02d}"
    if granularity == "quarter":
        return f"{at.year}-Q{(at.month - 1) // 3 + 1}"
    return f"{at.year}-{at.month:02d}"


# --- follow-up frequency cap -------------------------------------------------------------
DEFAULT_CAP_DAYS = 30
DEFAULT_CAP_COUNT = 1


def cap_allows(recent_invitations: list[datetime], now: datetime, days: int, count: int) -> bool:
    """True when fewer than ``count`` follow-ups went to the customer in the last ``days``."""
    since = now - timedelta(days=days)
    return sum(1 for at in recent_invitations if at > since) < count


def cap_slot(customer_id: str, now: datetime, days: int, count: int, taken: int) -> str:
    """Unique slot id for the ``taken``-th follow-up in the customer's current window.

    Windows are fixed ``days``-long buckets since the epoch; the unique insert of a
    slot is what holds under concurrent triggers (reads alone would race)."""
    bucket = int(now.timestamp() // (days * 86400))
    return f"{customer_id}:{bucket}:{taken}"
