"""Configuration from the environment.

Every variable the suite reads is declared once in ``VARIABLES`` so the README
table can be checked against it by a test.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ParamSpec, TypeVar

# name -> (default, description). Secrets have no default on purpose.
VARIABLES: dict[str, tuple[str | None, str]] = {
    "CRM_MONGO_URL": ("mongodb://127.0.0.1:27017", "MongoDB (or FerretDB) connection URL"),
    "CRM_DB_PREFIX": ("crm", "Database name prefix; each service uses <prefix>_<service>"),
    "CRM_AMQP_URL": ("amqp://guest:guest@127.0.0.1:5672//", "RabbitMQ URL"),
    "CRM_EXCHANGE": ("crm.events", "Durable topic exchange for domain events"),
    "CRM_INTERNAL_SECRET": (None, "HMAC secret the gateway signs caller identities with; services verify it"),
    "CRM_JWT_SECRET": (None, "HMAC secret for the gateway's access and refresh tokens"),
    "CRM_DEV_MODE": ("", "1 on a developer's machine only: missing secrets fall back to public development values"),
    "CRM_CUSTOMER_URL": ("http://127.0.0.1:8001", "Gateway, engagement and feedback: base URL of the customer "
                         "service (engagement and feedback read a customer not known yet through it; "
                         "engagement's outreach reads contact addresses)"),
    "CRM_ENGAGEMENT_URL": ("http://127.0.0.1:8002", "Gateway: base URL of the engagement service"),
    "CRM_FEEDBACK_URL": ("http://127.0.0.1:8003", "Gateway: base URL of the feedback service"),
    "CRM_ADMIN_USERNAME": ("", "Gateway: bootstrap admin user created at start when set"),
    "CRM_ADMIN_PASSWORD": ("", "Gateway: bootstrap admin password (required with CRM_ADMIN_USERNAME; no default)"),
    "CRM_LOG_LEVEL": ("INFO", "Log level (JSON logs on stderr)"),
    "CRM_CORS_ORIGINS": ("", "Gateway: comma-separated origins allowed for browsers (empty: CORS off)"),
    "CRM_UPSTREAM_TIMEOUT": ("2.0", "Gateway: seconds to wait for one upstream call"),
    "CRM_READ_THROUGH_TIMEOUT": ("1.0", "Engagement and feedback: seconds a read-through of a customer not known "
                                 "yet may take in all; slower or down is 503"),
    "CRM_ACCESS_TOKEN_TTL": ("900", "Gateway: access token lifetime in seconds"),
    "CRM_SECURE_COOKIES": ("", "Gateway: 1 marks the console's refresh cookie Secure even when the request reached "
                               "the gateway over plain HTTP (TLS ended at a proxy); HTTPS requests always get it"),
    "CRM_CONSOLE_DIR": ("", "Gateway: the built console (default: web/dist beside the code); served at /console/"),
    "CRM_TRUSTED_PROXIES": ("", "Gateway: comma-separated proxy addresses/networks whose X-Forwarded-For is believed"),
    "CRM_MAX_BODY_BYTES": ("1048576", "Largest request body in bytes (imports excepted); larger is 413"),
    "CRM_MAX_IMPORT_BYTES": ("67108864", "Largest bulk import body (/api/v1/imports) in bytes; larger is 413"),
    "CRM_RELAY_INTERVAL": ("1.0", "Worker: seconds between outbox polls when idle (the relay is the safety net)"),
    "CRM_PUBLISH_ON_COMMIT": ("1", "Publish a write's events as soon as it is stored (0: leave them all to the relay)"),
    "CRM_PUBLISH_TIMEOUT": ("0.5", "Seconds a write waits for the broker (connect, each confirm) before leaving "
                                   "its events to the relay"),
    "CRM_PUBLISH_LEASE": ("5", "Seconds the relay leaves a change record to the process that wrote it"),
    "CRM_MAX_DELIVERY_ATTEMPTS": ("5", "Worker: attempts before a message goes to the dead-letter queue"),
    "CRM_RETRY_DELAY_MS": ("1000", "Worker: delay before a failed message is redelivered"),
    "CRM_WORKER_METRICS_ADDR": ("127.0.0.1:9400", "Worker: host:port of its Prometheus /metrics server (off: none)"),
    "CRM_QUEUE_TYPE": ("classic", "Worker: type of the queues it declares, classic or quorum (RabbitMQ cluster)"),
    "CRM_REVERIFY_MONTHS": ("12", "Customer: months after which unconfirmed information needs re-verification"),
    "CRM_IMPORT_LEASE_SECONDS": ("30", "Customer worker: a running import job whose worker has written no progress "
                                       "for this long is taken over by another worker"),
    "CRM_RISK_VALIDITY_MONTHS": ("12", "Customer: months a risk assessment stays valid"),
    "CRM_PLAN_MAX_CUSTOMERS": ("5000", "Engagement: most customers one maintenance plan may cover (more is 422)"),
    "CRM_LIFE_EVENT_INTERVAL": ("3600", "Customer worker: seconds between looks for birthdays that open an "
                                        "opportunity (age bands of the financial policy)"),
    "CRM_CONTACT_LAPSE_INTERVAL": ("3600", "Engagement worker: seconds between looks for customers with no "
                                           "contact in the branch's N days (a churn signal)"),
    "CRM_PUBLIC_URL": ("http://127.0.0.1:8000",
                       "Outreach: the gateway's public base URL, for self-service links in messages"),
    "CRM_LINK_TTL_DAYS": ("14", "Outreach: days a self-service link (survey, RSVP, unsubscribe) stays valid"),
    "CRM_OUTREACH_CAP": ("3/7", "Outreach: care and marketing messages per customer per days, all channels"),
    "CRM_OUTREACH_INTERVAL": ("1.0", "Outreach: seconds between the worker's dispatch rounds"),
    "CRM_OUTREACH_CALLBACK_TOKEN": ("", "Outreach: token providers put in delivery-report and reply callbacks "
                                        "(empty: refused)"),
    "CRM_SMTP_HOST": ("127.0.0.1", "Outreach: SMTP server for e-mail (compose: the mailpit catcher)"),
    "CRM_SMTP_PORT": ("1025", "Outreach: SMTP port"),
    "CRM_SMTP_USER": ("", "Outreach: SMTP login (empty: none)"),
    "CRM_SMTP_PASSWORD": ("", "Outreach: SMTP password"),
    "CRM_SMTP_STARTTLS": ("", "Outreach: 1 to upgrade the SMTP connection with STARTTLS"),
    "CRM_MAIL_FROM": ("care@bank.example", "Outreach: sender address of e-mails"),
    "CRM_SMS_URL": ("https://dysmsapi.aliyuncs.com/",
                    "Outreach: SMS provider endpoint (Alibaba Cloud SendSms shape)"),
    "CRM_SMS_ACCESS_KEY_ID": ("", "Outreach: SMS provider AccessKey id"),
    "CRM_SMS_ACCESS_KEY_SECRET": ("", "Outreach: SMS provider AccessKey secret (signs each request)"),
    "CRM_SMS_SIGN_NAME": ("银行客户服务", "Outreach: registered SMS signature (签名)"),
    "CRM_WECHAT_URL": ("https://api.weixin.qq.com", "Outreach: WeChat API base (subscribe-message send)"),
    "CRM_WECHAT_ACCESS_TOKEN": ("", "Outreach: WeChat access_token for the send API"),
}

DEV_SECRET = "dev-only-not-a-secret-change-me-in-any-deployment"
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """A process must not start with this configuration; the message is one line saying why."""


def dev_mode(environ: Mapping[str, str] | None = None) -> bool:
    # Explicit opt-in: `make run` sets it; nothing else does, so a deployment that
    # forgets a secret stops instead of running on a value published in this repo.
    return env("CRM_DEV_MODE", environ) in ("1", "true", "yes")


def secret(name: str, value: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """A signing secret: given, or from the environment; development values only in dev mode."""
    value = value or env(name, environ)
    development = dev_mode(environ)
    if value is None:
        if development:
            return DEV_SECRET + ("-jwt" if name == "CRM_JWT_SECRET" else "")
        raise ConfigError(f"{name} is not set: give it a random value of {MIN_SECRET_LENGTH}+ characters "
                          f"(CRM_DEV_MODE=1 allows a development value on a developer's machine only)")
    if not development and (value.startswith(DEV_SECRET) or len(value) < MIN_SECRET_LENGTH):
        raise ConfigError(f"{name} is a development value or shorter than {MIN_SECRET_LENGTH} characters")
    return value


_P = ParamSpec("_P")
_T = TypeVar("_T")


def or_exit(start: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run a process's start-up; a configuration error ends it with its one-line reason."""
    try:
        return start(*args, **kwargs)
    except ConfigError as exc:
        print(f"crm: refusing to start: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a declared configuration variable")
    source = os.environ if environ is None else environ
    default = VARIABLES[name][0]
    value = source.get(name)
    return default if value in (None, "") else value


def env_required(name: str, environ: Mapping[str, str] | None = None) -> str:
    """``env`` for a variable that has a default (all but the secrets): never None."""
    value = env(name, environ)
    if value is None:
        raise ConfigError(f"{name} is not set")
    return value


@dataclass(frozen=True)
class Settings:
    service: str
    mongo_url: str
    db_prefix: str
    amqp_url: str
    exchange: str
    internal_secret: str
    log_level: str
    relay_interval: float
    max_delivery_attempts: int
    retry_delay_ms: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db_name(self) -> str:
        return f"{self.db_prefix}_{self.service}"

    @property
    def queue(self) -> str:
        # Named after the exchange too, so a test run on its own exchange
        # never shares queues with a running development suite.
        return f"{self.exchange}.{self.service}"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def get(self, name: str) -> str | None:
        """Read any declared variable, overrides in ``extra`` first."""
        if name in self.extra:
            return self.extra[name]
        return env(name)

    def require(self, name: str) -> str:
        """``get`` for a variable that has a default (all but the secrets): never None."""
        value = self.get(name)
        if value is None:
            raise ConfigError(f"{name} is not set")
        return value


def load_settings(service: str, **overrides: Any) -> Settings:
    internal = secret("CRM_INTERNAL_SECRET", overrides.pop("internal_secret", None))
    base = Settings(
        service=service,
        mongo_url=env_required("CRM_MONGO_URL"),
        db_prefix=env_required("CRM_DB_PREFIX"),
        amqp_url=env_required("CRM_AMQP_URL"),
        exchange=env_required("CRM_EXCHANGE"),
        internal_secret=internal,
        log_level=env_required("CRM_LOG_LEVEL"),
        relay_interval=float(env_required("CRM_RELAY_INTERVAL")),
        max_delivery_attempts=int(env_required("CRM_MAX_DELIVERY_ATTEMPTS")),
        retry_delay_ms=int(env_required("CRM_RETRY_DELAY_MS")),
    )
    return replace(base, **overrides) if overrides else base
