"""Pure outreach rules: who may be sent what, when, and whether the text fits the channel.

No I/O here; every function is unit-tested (tests/unit/test_outreach_rules.py).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from chassis.clock import BANK_TZ

CHANNELS = ("sms", "wechat", "email", "inapp")
PURPOSES = ("service", "care", "marketing")
CONSENT_SOURCES = ("manager", "sms_reply", "link", "customer_form", "import")
QUIET_START, QUIET_END = time(21, 0), time(8, 0)    # 21:00–08:00 bank time
DEFAULT_CAP = (3, 7)                                 # care + marketing: 3 messages per 7 days, all channels
OPT_OUT_WORDS = ("退订", "TD", "T", "N", "UNSUBSCRIBE", "STOP")

# Why a message is not sent (visible in campaign dry runs and on the message).
NO_CONSENT = "no_consent"
OPTED_OUT = "opted_out"
QUIET_HOURS = "quiet_hours"          # not a refusal: queued to the morning
CAPPED = "capped"
NO_ADDRESS = "no_address"
NO_CHANNEL = "no_channel"
TOO_LONG = "too_long"
REASONS = (NO_CONSENT, OPTED_OUT, CAPPED, NO_ADDRESS, NO_CHANNEL, TOO_LONG)


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: str | None = None
    not_before: datetime | None = None   # UTC; later than asked when quiet hours move it


def consent_allows(purpose: str, status: str | None) -> tuple[bool, str | None]:
    """PIPL: care and marketing need a recorded, unwithdrawn consent for the channel and
    purpose. Service notices (maturity, complaint updates) serve the contract (PIPL art. 13
    (2)) and need none, but an explicit opt-out of service messages on a channel is kept."""
    if status == "withdrawn":
        return False, OPTED_OUT
    if purpose == "service":
        return True, None
    return (True, None) if status == "granted" else (False, NO_CONSENT)


def in_quiet_hours(at: datetime) -> bool:
    local = at.astimezone(BANK_TZ).time()
    return local >= QUIET_START or local < QUIET_END


def next_send_time(at: datetime, urgent: bool = False, contact_times: list[str] | None = None) -> datetime:
    """When a message asked for at ``at`` may go: at once, or at 08:00 bank time after quiet
    hours (urgent ones never wait). The customer's preferred contact times from the profile
    (``morning`` 09–12, ``noon`` 12–14, ``afternoon`` 14–18, ``evening`` 18–21, ``HH:MM-HH:MM``;
    ``workday`` / ``weekend`` for the days) move a non-urgent message to the next such window,
    never into quiet hours."""
    at = at.astimezone(timezone.utc)
    if urgent:
        return at
    local = at.astimezone(BANK_TZ)
    windows, days = _preferred(contact_times)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        for start, end in windows:
            start, end = max(start, QUIET_END), min(end, QUIET_START)
            if start >= end:
                continue
            if local < datetime.combine(day, end, BANK_TZ):
                return max(local, datetime.combine(day, start, BANK_TZ)).astimezone(timezone.utc)
    return next_send_time(at)   # preferences that allow nothing: quiet hours only


NAMED_WINDOWS = {"morning": (time(9, 0), time(12, 0)), "noon": (time(12, 0), time(14, 0)),
                 "afternoon": (time(14, 0), time(18, 0)), "evening": (time(18, 0), time(21, 0))}
WORKDAYS, WEEKEND = frozenset(range(5)), frozenset((5, 6))


def _preferred(contact_times: list[str] | None) -> tuple[list[tuple[time, time]], frozenset[int]]:
    """(time windows, weekdays) the customer prefers; without preferences, the allowed hours, every day."""
    windows: list[tuple[time, time]] = []
    days: set[int] = set()
    for raw in contact_times or []:
        if raw in NAMED_WINDOWS:
            windows.append(NAMED_WINDOWS[raw])
        elif raw == "workday":
            days |= WORKDAYS
        elif raw == "weekend":
            days |= WEEKEND
        else:
            m = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", raw or "")
            if m:
                h1, m1, h2, m2 = (int(x) for x in m.groups())
                if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) < (h2, m2):
                    windows.append((time(h1, m1), time(h2, m2)))
    return sorted(windows) or [(QUIET_END, QUIET_START)], frozenset(days or range(7))


def cap_window(at: datetime, days: int) -> int:
    """The index of the fixed window of ``days`` bank days ``at`` falls in."""
    return (at.astimezone(BANK_TZ).date().toordinal()) // days


def cap_slot_ids(customer_id: str, at: datetime, count: int, days: int) -> list[str]:
    """The unique ids a customer's messages of one window claim; ``count`` of them."""
    w = cap_window(at, days)
    return [f"{customer_id}:{w}:{n}" for n in range(count)]


def capped_purpose(purpose: str) -> bool:
    return purpose in ("care", "marketing")


def channel_order(preferred: list[str] | None, asked: str | None = None) -> list[str]:
    """The channels to try: the one asked for, else the customer's preferred ones first, then
    the rest (sms, wechat, email, in-app)."""
    if asked:
        return [asked]
    return [c for c in (preferred or []) if c in CHANNELS] + [c for c in CHANNELS if c not in (preferred or [])]


def usable_channels(purpose: str, order: list[str],
                    consent_of: Callable[[str], str | None]) -> tuple[list[str], str | None]:
    """The channels of ``order`` this purpose may use, and when none, why (the first channel's reason).
    Checked before any address is read: nobody's contacts are fetched for a message they will not get."""
    usable, why = [], None
    for ch in order:
        ok, reason = consent_allows(purpose, consent_of(ch))
        if ok:
            usable.append(ch)
        elif why is None:
            why = reason
    return usable, (None if usable else why)


def pick_channel(usable: list[str], addresses: dict[str, str | None]) -> str | None:
    """The first usable channel the customer has an address for."""
    return next((c for c in usable if addresses.get(c)), None)


def decide(*, purpose: str, consent: str | None, address: str | None, at: datetime, urgent: bool = False,
           cap_left: int | None = None, contact_times: list[str] | None = None) -> Decision:
    """Whether to queue a message, and from when. Order matters only for the reason shown."""
    if not address:
        return Decision(False, NO_ADDRESS)
    ok, reason = consent_allows(purpose, consent)
    if not ok:
        return Decision(False, reason)
    if capped_purpose(purpose) and cap_left is not None and cap_left <= 0:
        return Decision(False, CAPPED)
    when = next_send_time(at, urgent, contact_times)
    return Decision(True, QUIET_HOURS if when > at.astimezone(timezone.utc) else None, when)


def is_opt_out(text: str | None) -> bool:
    """An SMS reply meaning 退订 (unsubscribe)."""
    return (text or "").strip().upper().rstrip("。.!！") in OPT_OUT_WORDS


# -- text rules -------------------------------------------------------------------------------

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
           "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")


def sms_segments(text: str) -> tuple[str, int]:
    """(encoding, segments) of an SMS: GSM-7 160 single / 153 per part, UCS-2 (any Chinese)
    70 single / 67 per part (the concatenation header takes the rest)."""
    if all(ch in GSM7 for ch in text):
        single, part, enc = 160, 153, "GSM-7"
    else:
        single, part, enc = 70, 67, "UCS-2"
    n = len(text)
    return enc, (1 if n <= single else -(-n // part))


SMS_MAX_CHARS = 500           # Alibaba Cloud's long-SMS limit, signature included

# WeChat subscribe-message value rules (developers.weixin.qq.com, 订阅消息 参数值内容限制).
WECHAT_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "time": 32, "date": 32,
                 "number": 32, "letter": 32, "symbol": 5, "amount": 32, "phone_number": 17, "car_number": 8}


def wechat_problems(fields: dict[str, str]) -> list[str]:
    """Each template field ``<type><n>`` must fit its type's limit."""
    out = []
    for key, value in fields.items():
        kind = re.sub(r"\d+$", "", key)
        limit = WECHAT_LIMITS.get(kind)
        if limit is None:
            out.append(f"{key}: unknown field type {kind!r}")
        elif len(value) > limit:
            out.append(f"{key}: {len(value)} characters, at most {limit} for {kind}")
    return out


def check_text(channel: str, body: str, subject: str | None = None, fields: dict[str, str] | None = None) -> list[str]:
    """Why a rendered message does not fit its channel (empty: it fits)."""
    problems = []
    if not body.strip():
        problems.append("the text is empty")
    if channel == "sms":
        enc, segs = sms_segments(body)
        if len(body) > SMS_MAX_CHARS:
            problems.append(f"{len(body)} characters ({segs} {enc} segments); an SMS is at most {SMS_MAX_CHARS}")
    elif channel == "wechat":
        problems += wechat_problems(fields or {})
    elif channel == "email":
        if not subject or len(subject) > 120:
            problems.append("an e-mail needs a subject of 1–120 characters")
    elif channel == "inapp" and len(body) > 500:
        problems.append("an in-app message is at most 500 characters")
    return problems


VAR = re.compile(r"\{(\w+)\}")


def render(text: str, variables: dict[str, str]) -> str:
    """``{name}`` placeholders filled; an unknown one stays visible so a preview shows it."""
    return VAR.sub(lambda m: str(variables.get(m.group(1), m.group(0))), text)


def unknown_variables(text: str, known: tuple[str, ...]) -> list[str]:
    return sorted({v for v in VAR.findall(text) if v not in known})


def honorific(gender: str | None, name: str | None) -> str:
    """"张先生" / "李女士" from the surname; the name alone when the gender is not known."""
    if gender in ("male", "female") and name:
        return name[:1] + ("先生" if gender == "male" else "女士")
    return name or "客户"


def address_hash(key: str, channel: str, address: str) -> str:
    """A keyed hash of a contact address: lets an inbound reply find its messages without
    the engagement service ever storing the number."""
    norm = re.sub(r"[^\d+]", "", address) if channel == "sms" else address.strip().lower()
    if channel == "sms" and norm.startswith("+86"):
        norm = norm[3:]
    return hmac.new(key.encode(), f"{channel}:{norm}".encode(), hashlib.sha256).hexdigest()[:32]


def backoff(attempt: int, base_s: float = 30.0, cap_s: float = 3600.0) -> timedelta:
    """Delay before retry ``attempt`` (1-based): 30 s, 60 s, 120 s ... at most an hour."""
    return timedelta(seconds=min(cap_s, base_s * 2 ** max(0, attempt - 1)))


MAX_ATTEMPTS = 5
