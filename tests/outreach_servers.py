"""Real servers the outreach tests talk to: an SMTP server (aiosmtpd) and an SMS/WeChat
provider sandbox (a small HTTP server speaking Alibaba Cloud SendSms / QuerySendDetails and
WeChat subscribe-message send, recording every request and calling back like the provider:
delivery reports and inbound replies)."""
from __future__ import annotations

import email
import email.policy
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests
from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(msg["Subject"]),
                                  "crm_message": str(msg["X-CRM-Message"]), "body": msg.get_body().get_content(),
                                  "unsubscribe": str(msg["List-Unsubscribe"] or "")})
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if address in m["to"]]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.port = port

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class Sandbox:
    """Records provider requests; numbers in ``refuse`` get isv.MOBILE_NUMBER_ILLEGAL;
    ``delay`` slows each SendSms (so a test can kill a worker mid-batch)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sms: list[dict] = []
        self.wechat: list[dict] = []
        self.refuse: set[str] = set()
        self.delay = 0.0
        self.callback = ("", "")     # (base URL, token) of the provider callbacks
        self.lock = threading.Lock()
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self, body: dict) -> None:
                raw = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlparse(self.path)
                if url.path.endswith("/cgi-bin/message/subscribe/send"):
                    body = json.loads(raw)
                    with sandbox.lock:
                        sandbox.wechat.append({**body, "access_token": parse_qs(url.query).get("access_token")})
                    return self._answer({"errcode": 0, "errmsg": "ok", "msgid": int(time.time() * 1000)})
                form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
                if form.get("Action") == "SendSms":
                    if sandbox.delay:
                        time.sleep(sandbox.delay)
                    if form.get("PhoneNumbers") in sandbox.refuse:
                        return self._answer({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
                    biz = uuid.uuid4().hex[:20]
                    with sandbox.lock:
                        sandbox.sms.append({**form, "BizId": biz,
                                            "params": json.loads(form.get("TemplateParam") or "{}")})
                    return self._answer({"Code": "OK", "Message": "OK", "BizId": biz, "RequestId": uuid.uuid4().hex})
                if form.get("Action") == "QuerySendDetails":
                    with sandbox.lock:
                        rows = [{"OutId": s["OutId"], "BizId": s["BizId"], "SendStatus": 3,
                                 "PhoneNum": s["PhoneNumbers"]}
                                for s in sandbox.sms if s["PhoneNumbers"] == form.get("PhoneNumber")]
                    return self._answer({"Code": "OK", "TotalCount": len(rows),
                                         "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows}})
                return self._answer({"Code": "isv.INVALID_PARAMETERS"})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> Sandbox:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()

    def sent_to(self, phone: str) -> list[dict]:
        with self.lock:
            return [s for s in self.sms if s["PhoneNumbers"] == phone]

    def report(self, out_id: str, success: bool = True) -> requests.Response:
        """The provider's SmsReport push for one message."""
        with self.lock:
            s = next(x for x in self.sms if x["OutId"] == out_id)
        row = {"phone_number": s["PhoneNumbers"], "send_time": "2026-11-29 10:00:00",
               "report_time": "2026-11-29 10:00:05",
               "success": success, "err_code": "DELIVERED" if success else "MK:0001", "err_msg": "用户接收成功",
               "sms_size": "1", "biz_id": s["BizId"], "out_id": out_id}
        return requests.post(self.callback[0] + "/sms/report", params={"token": self.callback[1]},
                             data=json.dumps([row], ensure_ascii=False).encode(),
                             headers={"Content-Type": "application/json"}, timeout=10)

    def reply(self, phone: str, content: str) -> requests.Response:
        """The provider's SmsUp push: the customer answered an SMS."""
        row: dict[str, object] = {"phone_number": phone, "send_time": "2026-11-29 10:01:00", "content": content,
                                  "sign_name": "银行客户服务", "dest_code": "1234", "sequence_id": int(time.time())}
        return requests.post(self.callback[0] + "/sms/inbound", params={"token": self.callback[1]},
                             data=json.dumps([row], ensure_ascii=False).encode(),
                             headers={"Content-Type": "application/json"}, timeout=10)
