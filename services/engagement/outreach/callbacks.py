"""What the SMS provider tells us: delivery reports (Alibaba SmsReport) and replies (SmsUp).
A reply 退订/TD withdraws care and marketing on SMS for every customer that number was
sent to, effective for the next send."""
from __future__ import annotations

from datetime import datetime

from ..snapshots import CustomerSnapshot
from . import consent, keys, messages, rules
from .models import Message


def sms_reports(rows: list[dict], now: datetime) -> int:
    n = 0
    for row in rows:
        mid = row.get("out_id")
        if not mid or messages.messages.get(mid) is None:
            continue   # not ours (or not any more): acknowledged all the same
        ok = bool(row.get("success"))
        messages.record(mid, "delivered" if ok else "failed", now, reason=None if ok else str(row.get("err_code"))[:60],
                        provider_id=row.get("biz_id"))
        n += 1
    return n


def sms_inbound(rows: list[dict], now: datetime) -> int:
    n = 0
    for row in rows:
        if not rules.is_opt_out(row.get("content")):
            continue
        h = rules.address_hash(keys.internal(), "sms", str(row.get("phone_number") or ""))
        ids = {d["customer_id"] for d in Message._get_collection().find({"address_hash": h}, {"customer_id": 1})}
        for cid in ids:
            snap = CustomerSnapshot._get_collection().find_one({"_id": cid}) or {"_id": cid}
            snap["id"] = cid
            consent.opt_out(snap, "sms", "sms_reply", f"短信回复：{str(row.get('content'))[:20]}", messages.SYSTEM, now)
            n += 1
    return n
