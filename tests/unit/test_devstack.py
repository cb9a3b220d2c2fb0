"""The local tooling (devstack scripts, Makefile, CI entry point), checked without servers."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import bson
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEVSTACK = ROOT / "devstack"
CI_RUN = ROOT / ".ci" / "run"
SCRIPTS = sorted(DEVSTACK.glob("*.sh")) + [CI_RUN]
# Run directly by people, make and CI; lib.sh is only sourced.
EXECUTABLES = [p for p in SCRIPTS if p.name != "lib.sh"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_scripts_parse(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", EXECUTABLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_scripts_are_executable_and_strict(script):
    text = script.read_text(encoding="utf-8")
    assert os.access(script, os.X_OK), f"{script.name} is not executable"
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


def test_launchers_offer_start_stop_status():
    for name in ("ferretdb.sh", "rabbitmq.sh"):
        text = (DEVSTACK / name).read_text(encoding="utf-8")
        for command in ("start)", "stop)", "status)"):
            assert command in text, f"{name} lacks {command}"


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.M)}


def test_makefile_has_the_documented_targets():
    assert {"venv", "devstack", "run", "test", "test-unit", "bench", "down", "clean-data"} <= make_targets()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["run", "test", "test-unit", "down"])
def test_makefile_targets_expand(target):
    # Dry run: prints the recipe without running it, so a syntax error or an unknown
    # prerequisite fails here instead of on someone's machine.
    result = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_make_run_starts_the_procfile_and_make_test_runs_pytest():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "honcho start -f Procfile" in text
    assert re.search(r"^test:.*\bdevstack\b", text, re.M)
    assert "pytest tests" in text


def test_ci_runs_make_test():
    text = CI_RUN.read_text(encoding="utf-8")
    assert re.search(r"^[^#\n]*\bmake test\b", text, re.M)
    assert "trap cleanup EXIT" in text


# --- devstack/probe.py: how the scripts decide a server is up -------------------------

_spec = importlib.util.spec_from_file_location("devstack_probe", DEVSTACK / "probe.py")
assert _spec and _spec.loader
probe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe)


def test_probe_ping_command_is_valid_bson():
    assert bson.decode(probe._bson_ping()) == {"ping": 1, "$db": "admin"}


def test_probe_reports_a_closed_port_as_down():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        for kind in ("mongo", "amqp"):
            assert probe.main(["probe.py", kind, "127.0.0.1", str(port)]) == 1


def test_probe_does_not_take_a_silent_listener_for_a_server(monkeypatch):
    monkeypatch.setattr(probe, "TIMEOUT", 0.2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        for kind in ("mongo", "amqp"):
            assert probe.main(["probe.py", kind, "127.0.0.1", str(port)]) == 1
