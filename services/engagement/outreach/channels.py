"""Sending adapters: one interface (``send``, ``lookup``), one adapter per channel.

* e-mail: SMTP (smtplib), any server; compose runs the mailpit catcher.
* SMS: Alibaba Cloud SMS ``SendSms`` (RPC API version 2017-05-25, signature v1, HMAC-SHA1),
  https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms;
  delivery reports and replies arrive as its ``SmsReport`` / ``SmsUp`` HTTP pushes (callbacks.py).
* WeChat: subscribe-message send, ``POST /cgi-bin/message/subscribe/send?access_token=``,
  https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
* in-app: the mobile-banking inbox (a collection the app reads), delivered when written.

Each answers a ``Result``: sent (accepted, a receipt may follow), delivered, failed with a
reason (``retry`` when trying again may help) or bounced. No adapter logs an address.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol
from urllib.parse import quote

import requests
from pymongo.errors import DuplicateKeyError

from chassis.config import env, env_required


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    channel: str
    address: str
    body: str
    subject: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    provider_template: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    unsubscribe_url: str | None = None


@dataclass(frozen=True)
class Result:
    status: str                  # sent | delivered | failed | bounced
    provider_id: str | None = None
    reason: str | None = None
    retry: bool = False


class Channel(Protocol):
    receipts: bool               # does the provider report delivery later?

    def send(self, out: Outgoing) -> Result: ...

    def lookup(self, out: Outgoing, since: datetime) -> Result | None: ...


class SmtpChannel:
    """E-mail over SMTP. Accepted by the server is "sent" (SMTP gives no receipt); a refused
    recipient is "bounced"; a 4xx or a dropped connection is retried."""
    receipts = False

    def __init__(self, host: str | None = None, port: int | None = None, sender: str | None = None) -> None:
        self.host = host or env_required("CRM_SMTP_HOST")
        self.port = port or int(env_required("CRM_SMTP_PORT"))
        self.sender = sender or env_required("CRM_MAIL_FROM")

    def send(self, out: Outgoing) -> Result:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, out.address, out.subject or ""
        msg["Message-ID"] = make_msgid(idstring=out.message_id.replace(":", "."), domain="crm.bank.example")
        msg["X-CRM-Message"] = out.message_id
        if out.unsubscribe_url:
            msg["List-Unsubscribe"] = f"<{out.unsubscribe_url}>"
        msg.set_content(out.body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
                if env("CRM_SMTP_STARTTLS") in ("1", "true"):
                    smtp.starttls()
                user = env("CRM_SMTP_USER")
                if user:
                    smtp.login(user, env("CRM_SMTP_PASSWORD") or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            if 400 <= code < 500:
                return Result("failed", reason=f"smtp {code}", retry=True)
            return Result("bounced", reason=f"smtp {code}: recipient refused")
        except smtplib.SMTPResponseException as exc:
            return Result("failed", reason=f"smtp {exc.smtp_code}", retry=400 <= exc.smtp_code < 500)
        except (OSError, smtplib.SMTPException) as exc:
            return Result("failed", reason=f"smtp unavailable: {exc.__class__.__name__}", retry=True)
        return Result("sent", provider_id=str(msg["Message-ID"]))

    def lookup(self, out: Outgoing, since: datetime) -> Result | None:
        return None   # SMTP cannot be asked what it accepted


def _pct(s: str) -> str:
    return quote(s, safe="~")


def aliyun_sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Alibaba Cloud RPC signature v1: HMAC-SHA1 over METHOD&%2F&<percent-encoded sorted query>."""
    canon = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_pct('/')}&{_pct(canon)}"
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


RETRY_SMS = {"isp.SYSTEM_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "isp.RAM_PERMISSION_DENY"}


class AliyunSms:
    """SMS through Alibaba Cloud's SendSms: template code + JSON params, OutId = our message id,
    so a delivery report and QuerySendDetails both name the message."""
    receipts = True

    def __init__(self, url: str | None = None) -> None:
        self.url = url or env_required("CRM_SMS_URL")

    def _call(self, action: str, extra: dict[str, str]) -> dict[str, Any]:
        params = {"AccessKeyId": env("CRM_SMS_ACCESS_KEY_ID") or "", "Action": action, "Format": "JSON",
                  "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex,
                  "SignatureVersion": "1.0", "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "Version": "2017-05-25", **extra}
        params["Signature"] = aliyun_sign(params, env("CRM_SMS_ACCESS_KEY_SECRET") or "")
        r = requests.post(self.url, data=params, timeout=10)
        if r.status_code >= 500:
            raise ConnectionError(f"provider {r.status_code}")
        return dict(r.json())

    def send(self, out: Outgoing) -> Result:
        try:
            body = self._call("SendSms", {
                "PhoneNumbers": out.address, "SignName": env_required("CRM_SMS_SIGN_NAME"),
                "TemplateCode": out.provider_template or "", "OutId": out.message_id,
                "TemplateParam": json.dumps(out.variables, ensure_ascii=False)})
        except (OSError, ValueError, requests.RequestException) as exc:
            return Result("failed", reason=f"sms provider unavailable: {exc.__class__.__name__}", retry=True)
        code = body.get("Code")
        if code == "OK":
            return Result("sent", provider_id=body.get("BizId"))
        return Result("failed", reason=f"sms {code}", retry=code in RETRY_SMS)

    def lookup(self, out: Outgoing, since: datetime) -> Result | None:
        """QuerySendDetails for the number on the day: was our OutId accepted before we died?"""
        try:
            body = self._call("QuerySendDetails", {
                "PhoneNumber": out.address, "SendDate": since.astimezone(timezone.utc).strftime("%Y%m%d"),
                "PageSize": "50", "CurrentPage": "1"})
        except (OSError, ValueError, requests.RequestException):
            raise ConnectionError("cannot ask the SMS provider") from None
        rows = ((body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO")) or []
        for row in rows:
            if row.get("OutId") == out.message_id:
                status = {3: "delivered", 2: "failed"}.get(int(row.get("SendStatus", 1)), "sent")
                return Result(status, provider_id=row.get("BizId"),
                              reason=row.get("ErrCode") if status == "failed" else None)
        return None


RETRY_WECHAT = {-1, 40001, 42001, 45009}


class WeChatSubscribe:
    """WeChat subscribe message: template_id + typed fields ({"thing1": {"value": ...}})."""
    receipts = False   # the subscribe_msg_sent_event push is not consumed yet: accepted is "sent"

    def __init__(self, url: str | None = None) -> None:
        self.url = (url or env_required("CRM_WECHAT_URL")).rstrip("/")

    def send(self, out: Outgoing) -> Result:
        payload = {"touser": out.address, "template_id": out.provider_template or "", "lang": "zh_CN",
                   "miniprogram_state": "formal", "data": {k: {"value": v} for k, v in out.fields.items()}}
        try:
            r = requests.post(f"{self.url}/cgi-bin/message/subscribe/send",
                              params={"access_token": env("CRM_WECHAT_ACCESS_TOKEN") or ""},
                              data=json.dumps(payload, ensure_ascii=False).encode(),
                              headers={"Content-Type": "application/json"}, timeout=10)
            body = r.json()
        except (OSError, ValueError, requests.RequestException) as exc:
            return Result("failed", reason=f"wechat unavailable: {exc.__class__.__name__}", retry=True)
        code = int(body.get("errcode", -1))
        if code == 0:
            return Result("sent", provider_id=str(body.get("msgid", "")))
        return Result("failed", reason=f"wechat {code}", retry=code in RETRY_WECHAT)

    def lookup(self, out: Outgoing, since: datetime) -> Result | None:
        return None


class InAppInbox:
    """Mobile-banking in-app messages: written to the inbox the app reads; written is delivered."""
    receipts = False

    def send(self, out: Outgoing) -> Result:
        from .models import InboxMessage
        try:
            InboxMessage._get_collection().insert_one({
                "_id": out.message_id, "customer_id": out.address, "title": out.subject, "body": out.body,
                "created_at": datetime.now(timezone.utc)})
        except DuplicateKeyError:
            pass    # written before a crash: it is there once
        except OSError:
            return Result("failed", reason="inbox unavailable", retry=True)
        return Result("delivered", provider_id=out.message_id)

    def lookup(self, out: Outgoing, since: datetime) -> Result | None:
        from .models import InboxMessage
        found = InboxMessage._get_collection().find_one({"_id": out.message_id}, {"_id": 1})
        return Result("delivered", provider_id=out.message_id) if found else None


def real_channels() -> dict[str, Channel]:
    return {"email": SmtpChannel(), "sms": AliyunSms(), "wechat": WeChatSubscribe(), "inapp": InAppInbox()}


