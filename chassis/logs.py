"""JSON logs on stderr, with request ids, and redaction as a last line of defence.

Code must not log customer data in the first place; the filter below still
masks anything shaped like a mainland mobile number or resident ID number.
"""
from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from . import context as trace

_SENSITIVE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?!\d)")


def redact(text: str) -> str:
    return _SENSITIVE.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), text)


_TRACEBACKS = logging.Formatter()   # only for formatException, the stdlib's text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        red = redact(msg)
        if red != msg:
            record.msg, record.args = red, None
        for k, v in list(vars(record).items()):
            if k not in ("msg", "args") and isinstance(v, str) and k not in _STD:
                setattr(record, k, redact(v))
        # A traceback repeats the exception's message and the source lines it passes
        # through; formatters render exc_info afresh, so hand them the redacted text
        # instead (stdlib and JSON formatters both fall back to exc_text).
        if record.exc_info:
            record.exc_text = redact(record.exc_text or _TRACEBACKS.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys())


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        ids = trace.current()
        if ids.request_id or ids.correlation_id:
            record.request_id = ids.request_id
            record.correlation_id = ids.correlation_id
        return True


def json_handler(service: str, stream: TextIO | None = None) -> logging.Handler:
    """The JSON-lines handler every process logs through (stderr unless told)."""
    h = logging.StreamHandler(stream or sys.stderr)
    h.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                 rename_fields={"levelname": "level", "asctime": "time"}))
    h.addFilter(_ContextFilter(service))
    h.addFilter(RedactingFilter())
    return h


def configure(service: str, level: str = "INFO") -> None:
    root = logging.getLogger()
    if getattr(root, "_crm_configured", None) == service:
        return
    root.handlers[:] = [json_handler(service)]
    root.setLevel(level.upper())
    for noisy in ("pymongo", "amqp", "kombu", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    setattr(root, "_crm_configured", service)  # noqa: B010  (an attribute of ours, unknown to Logger's type)
