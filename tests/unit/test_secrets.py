"""Development secrets are never used silently (issue #9, item 2)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chassis import identity as ident
from chassis.config import DEV_SECRET, ConfigError, load_settings, secret

ROOT = Path(__file__).resolve().parents[2]
STRONG = "s" * 40


def test_missing_secret_is_refused_outside_dev_mode():
    with pytest.raises(ConfigError, match="CRM_INTERNAL_SECRET is not set"):
        secret("CRM_INTERNAL_SECRET", environ={})


def test_development_or_short_secret_is_refused_outside_dev_mode():
    for bad in (DEV_SECRET, DEV_SECRET + "-jwt", "short"):
        with pytest.raises(ConfigError):
            secret("CRM_JWT_SECRET", environ={"CRM_JWT_SECRET": bad})


def test_dev_mode_is_the_only_way_to_the_development_values():
    assert secret("CRM_INTERNAL_SECRET", environ={"CRM_DEV_MODE": "1"}) == DEV_SECRET
    assert secret("CRM_JWT_SECRET", environ={"CRM_DEV_MODE": "1"}) != DEV_SECRET
    assert secret("CRM_JWT_SECRET", environ={"CRM_JWT_SECRET": STRONG}) == STRONG


def test_settings_take_a_given_secret_and_check_it(monkeypatch):
    monkeypatch.delenv("CRM_INTERNAL_SECRET", raising=False)
    monkeypatch.delenv("CRM_DEV_MODE", raising=False)
    assert load_settings("customer", internal_secret=STRONG).internal_secret == STRONG
    with pytest.raises(ConfigError):
        load_settings("customer", internal_secret=DEV_SECRET)


def _start(module: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("module", ["gateway.wsgi", "services.customer.wsgi",
                                    "services.engagement.wsgi", "services.feedback.wsgi"])
def test_processes_refuse_to_start_without_secrets_with_a_one_line_reason(module):
    r = _start(module)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "refusing to start" in lines[0] and "SECRET" in lines[0], r.stderr


def test_worker_refuses_to_start_without_secrets():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    r = subprocess.run([sys.executable, "-m", "services.customer.worker"], cwd=ROOT, env=clean,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "CRM_INTERNAL_SECRET" in r.stderr


def test_gateway_refuses_one_secret_for_both_purposes():
    r = _start("gateway.wsgi", CRM_INTERNAL_SECRET=STRONG, CRM_JWT_SECRET=STRONG)
    assert r.returncode == 2 and "must differ" in r.stderr


def test_a_system_identity_is_refused_from_http_callers():
    token = ident.issue(ident.Identity(user_id="system:x", role=ident.SYSTEM), STRONG)
    with pytest.raises(ident.Problem) as exc:
        ident.verify(token, STRONG)
    assert exc.value.status == 401
    assert ident.verify(token, STRONG, allow_system=True).role == ident.SYSTEM
