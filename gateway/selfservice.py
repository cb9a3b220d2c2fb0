"""The customer's self-service pages (/s/<token>): phone-friendly, server-rendered, in Chinese.

No login: the signed link is the credential, and the owning service verifies it (its
public /links route). The page shows only what the link is about — the survey's questions,
the activity, the unsubscribe — never anything else of the customer. A forged, expired or
used link gets a page that says so, and nothing changes.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Blueprint, render_template_string, request
from urllib3.exceptions import HTTPError

from chassis import links

from . import upstreams

blp = Blueprint("selfservice", __name__)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{ title }}</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:32rem;margin:0 auto;
padding:1rem;font-size:1.05rem;line-height:1.6}button{font-size:1.1rem;padding:.7rem 1.4rem;margin:.3rem 0;width:100%}
fieldset{border:1px solid #ddd;border-radius:.5rem;margin:.8rem 0}label{display:inline-block;margin:.2rem .6rem .2rem 0}
textarea{width:100%;min-height:5rem}.note{color:#555}</style></head>
<body><h1>{{ title }}</h1>
{% if message %}<p>{{ message }}</p>{% endif %}
{% if form == "survey" %}<form method="post">
{% for q in questions %}<fieldset><legend>{{ q.text }}{% if q.required %} *{% endif %}</legend>
{% if q.type in ("rating", "nps", "choice") %}
{% for v in (range(1, 6) if q.type == "rating" else range(0, 11) if q.type == "nps" else q.options or []) %}
<label><input type="radio" name="q_{{ q.key }}" value="{{ v }}"> {{ v }}</label>{% endfor %}
{% else %}<textarea name="q_{{ q.key }}" maxlength="1000"></textarea>{% endif %}</fieldset>{% endfor %}
<button type="submit">提交</button></form>
{% elif form == "rsvp" %}<p>{{ when }}{% if where %}，{{ where }}{% endif %}</p><form method="post">
<button name="answer" value="accept">参加</button><button name="answer" value="decline">不参加</button></form>
{% elif form == "unsubscribe" %}
<p class="note">退订后我们将不再通过该渠道向您发送关怀和营销消息；账户相关的服务通知不受影响。</p>
<form method="post"><button name="answer" value="confirm">确认退订</button></form>{% endif %}
</body></html>"""

REFUSED = {"link-invalid": ("链接无效", "此链接无效，请核对后重试，或联系您的客户经理。"),
           "link-expired": ("链接已过期", "此链接已过期。如需帮助，请联系您的客户经理。"),
           "link-used": ("链接已使用", "此链接已经使用过了，感谢您的参与。")}
DONE = {"survey": "感谢您的评价！", "unsubscribe": "您已退订，立即生效。",
        "accepted": "已为您登记参加，期待与您见面。", "waitlisted": "名额已满，已将您列入候补名单，有空位时通知您。",
        "declined": "已收到，您不参加本次活动。"}


def _page(title: str, status: int = 200, **kw: Any):
    html = render_template_string(PAGE, title=title, **kw)
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                          "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _call(method: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    svc = links.peek_service(token)
    if svc not in ("engagement", "feedback"):
        return 404, {"type": "link-invalid"}
    try:
        up = upstreams.forward(svc, method, f"/api/v1/{svc}/links/{quote(token, safe='')}", None,
                               body=json.dumps(body).encode() if body is not None else None,
                               extra_headers={"Content-Type": "application/json"} if body is not None else None)
    except HTTPError:
        return 503, {}
    try:
        return up.status, json.loads(up.data or b"{}")
    except ValueError:
        return up.status, {}


def _refused(status: int, problem: dict):
    slug = str(problem.get("type", "")).rsplit("/", 1)[-1]
    if slug not in REFUSED:
        return _page("暂时无法处理", 503, message="服务暂时不可用，请稍后再试。")
    title, message = REFUSED[slug]
    return _page(title, 404 if slug == "link-invalid" else 410, message=message)


def _show(view: dict, message: str | None = None, status: int = 200):
    kind = view.get("kind")
    if kind == "survey":
        return _page(view.get("title") or "满意度调查", status, form="survey", questions=view.get("questions", []),
                     message=message)
    if kind == "rsvp":
        return _page(f"活动邀请：{view.get('title', '')}", status, form="rsvp", message=message,
                     when=(view.get("starts_at") or "")[:16].replace("T", " "), where=view.get("location"))
    return _page(view.get("title") or "退订", status, form="unsubscribe", message=message)


@blp.get("/s/<token>")
def show(token: str):
    status, body = _call("GET", token)
    if status != 200:
        return _refused(status, body)
    return _show(body)


def _survey_answers(questions: list[dict]) -> dict:
    out: dict[str, Any] = {}
    for q in questions:
        raw = request.form.get(f"q_{q.get('key')}", "").strip()
        if raw == "":
            continue
        out[q["key"]] = int(raw) if q.get("type") in ("rating", "nps") and raw.lstrip("-").isdigit() else raw
    return out


@blp.post("/s/<token>")
def act(token: str):
    status, view = _call("GET", token)
    if status != 200:
        return _refused(status, view)
    if view.get("kind") == "survey":
        payload: dict = {"answers": _survey_answers(view.get("questions", []))}
    else:
        payload = {"answer": request.form.get("answer", "")}
    status, done = _call("POST", token, payload)
    if status == 422:
        return _show(view, "请完整填写带 * 的问题后再提交。", 422)
    if status != 200:
        return _refused(status, done)
    key = done.get("status") if view.get("kind") == "rsvp" else view.get("kind")
    return _page("谢谢", message=DONE.get(str(key), "已完成。"))
