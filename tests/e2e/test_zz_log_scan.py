"""After every other e2e test (this file sorts last): no log of the suite holds an ID number or mobile.

Two nets: the exact values the gateway e2e tests sent, and any token shaped like a
mainland resident ID number (18 characters) or mobile number (11 digits) at all.
Letters and digits on either side rule out hex ids and tokens that merely contain
such a run of digits.
"""
import re

from tests import support
from tests.e2e import test_gateway_e2e

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def test_no_sensitive_value_in_any_log(suite, admin):
    # make sure this run has produced at least one sensitive request to look for
    manager = support.new_user(admin, "manager")
    test_gateway_e2e.register(manager)
    # the processes write their logs unbuffered (PYTHONUNBUFFERED), so the files are current
    files = sorted(p for p in suite.log_dir.iterdir() if p.is_file())
    assert files and sum(p.stat().st_size for p in files) > 0, "no logs were written"
    names = {p.stem for p in files}
    assert {"gateway", "customer", "engagement", "feedback"} <= names, names
    leaks = []
    for p in files:
        leaks += [f"{p.name}: {finding}" for finding in findings(p.read_text(errors="replace"))]
    assert not leaks, "\n".join(leaks[:20])


def findings(text: str) -> list[str]:
    out = [f"a value sent by the tests ({v[:3]}…)" for v in test_gateway_e2e.SENT_SENSITIVE if v in text]
    for rx, kind in ((ID_NUMBER, "ID-number-shaped"), (MOBILE, "mobile-shaped")):
        out += [f"{kind} {m.group(0)[:3]}…" for m in rx.finditer(text)]
    return out


def test_the_scan_finds_what_it_looks_for():
    assert findings('{"msg": "id 11010119900307123X"}') and findings("call 13912345678 now")
    assert not findings("rid 5f0e13912345678a uuid-13912345678x 2026-11-28T23:26:36 ms=1732836396123")
    assert not findings("masked 139****5678 and 110101********123X")
