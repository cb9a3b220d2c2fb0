"""Message templates per occasion and channel (zh-CN): built-in defaults, admin-maintained
versions through the store, preview and the channel's length/encoding check."""
from __future__ import annotations

from chassis.errors import invalid
from chassis.exceptions import AlreadyExists
from chassis.identity import ADMIN, Identity

from ..bootstrap import ports
from . import rules
from .models import OutreachTemplate

templates = ports.outreach_templates

OCCASIONS = ("birthday", "anniversary", "holiday", "activity", "survey", "maturity")
VARIABLES = ("name", "honorific", "occasion", "branch", "link", "unsubscribe")
# What each occasion is for (PIPL purpose): care needs consent, service notices do not.
PURPOSE = {"birthday": "care", "anniversary": "care", "holiday": "care", "activity": "marketing",
           "survey": "care", "maturity": "service"}

_TEXT = {
    "birthday": "{honorific}，{branch}祝您生日快乐，身体健康，万事如意！",
    "anniversary": "{honorific}，{branch}祝您{occasion}快乐，幸福美满！",
    "holiday": "{honorific}，{branch}祝您{occasion}快乐，阖家幸福！",
    "activity": "{honorific}，{branch}诚邀您参加“{occasion}”，请点击链接告诉我们您是否出席：{link}",
    "survey": "{honorific}，感谢您选择{branch}，请花一分钟评价我们的服务：{link}",
    "maturity": "{honorific}，您在{branch}的存款即将到期，如需续存或咨询请联系您的客户经理。",
}
_SUBJECT = {"birthday": "生日快乐，{honorific}", "anniversary": "{occasion}快乐", "holiday": "{occasion}快乐",
            "activity": "活动邀请：{occasion}", "survey": "邀请您评价我们的服务", "maturity": "存款到期提醒"}
_WECHAT = {"thing1": "{occasion}", "name2": "{honorific}", "thing3": "{branch}"}


def default(occasion: str, channel: str) -> OutreachTemplate:
    body = _TEXT[occasion]
    if channel == "email":
        body = f"尊敬的{body}\n\n——{{branch}}\n\n不想再收到此类邮件？退订：{{unsubscribe}}"
    return OutreachTemplate(id=f"{occasion}:{channel}", occasion=occasion, channel=channel,
                            subject=_SUBJECT[occasion] if channel == "email" else None, body=body,
                            provider_template=f"SMS_CRM_{occasion.upper()}" if channel == "sms"
                            else (f"WX_CRM_{occasion.upper()}" if channel == "wechat" else None),
                            fields=dict(_WECHAT) if channel == "wechat" else {}, version=0)


def current(occasion: str, channel: str) -> OutreachTemplate:
    return templates.get(f"{occasion}:{channel}") or default(occasion, channel)


def preview(t: OutreachTemplate, variables: dict[str, str]) -> dict:
    body = rules.render(t.body, variables)
    subject = rules.render(t.subject, variables) if t.subject else None
    fields = {k: rules.render(v, variables) for k, v in (t.fields or {}).items()}
    enc, segs = rules.sms_segments(body)
    return {"subject": subject, "body": body, "fields": fields, "encoding": enc, "segments": segs,
            "characters": len(body), "problems": rules.check_text(t.channel, body, subject, fields)}


SAMPLE = {"name": "张三", "honorific": "张先生", "occasion": "中秋节", "branch": "城东支行",
          "link": "https://bank.example/s/eyJrIjoic3VydmV5In0.c2lnbmF0dXJlLWV4YW1wbGUtMTIzNDU2Nzg5MA",
          "unsubscribe": "https://bank.example/s/eyJrIjoidW5zdWJzY3JpYmUifQ.c2lnbmF0dXJl"}


def save(occasion: str, channel: str, data: dict, who: Identity) -> OutreachTemplate:
    """A new version of a template (admins); refused (422) when the sample preview breaks a channel rule
    or names an unknown variable."""
    who.ensure_role(ADMIN)
    if occasion not in OCCASIONS or channel not in rules.CHANNELS:
        raise invalid({"occasion": [f"one of {', '.join(OCCASIONS)} with a channel of {', '.join(rules.CHANNELS)}"]})
    texts = [data["body"], data.get("subject") or "", *(data.get("fields") or {}).values()]
    unknown = sorted({v for t in texts for v in rules.unknown_variables(t, VARIABLES)})
    if unknown:
        raise invalid({"body": [f"unknown variables: {', '.join(unknown)}; known: {', '.join(VARIABLES)}"]})
    draft = OutreachTemplate(id=f"{occasion}:{channel}", occasion=occasion, channel=channel,
                             subject=data.get("subject"), body=data["body"], fields=data.get("fields") or {},
                             provider_template=data.get("provider_template"), updated_by=who.user_id)
    problems = preview(draft, SAMPLE)["problems"]
    if problems:
        raise invalid({"body": problems})
    existing = templates.get(draft.id)
    # the provider's registered template (SMS TemplateCode, WeChat template_id) stays unless replaced
    draft.provider_template = draft.provider_template or (existing or default(occasion, channel)).provider_template
    if existing is None:
        try:
            return templates.create(draft, who, reason="template created")
        except AlreadyExists:
            existing = templates.require(draft.id)

    def change(t: OutreachTemplate):
        t.subject, t.body, t.fields = draft.subject, draft.body, draft.fields
        t.provider_template, t.updated_by = draft.provider_template, who.user_id
    return templates.update(draft.id, data.get("version", existing.version), change, who, reason="template changed")
