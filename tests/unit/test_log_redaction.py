"""Tracebacks and stack dumps pass the same redaction as every other log line.

A real logger writes through the chassis' JSON handler into a buffer; nothing is mocked.
"""
import io
import json
import logging
import uuid

from chassis import logs

MOBILE = "13912345678"
ID_NUMBER = "11010119900307123X"


def _logger():
    buf = io.StringIO()
    log = logging.getLogger(f"test.redaction.{uuid.uuid4().hex}")
    log.propagate = False
    log.handlers[:] = [logs.json_handler("test", buf)]
    log.setLevel(logging.INFO)
    return log, buf


def _lines(buf):
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def _fails_on_lookup():
    raise LookupError(f"no customer with mobile {MOBILE} or id {ID_NUMBER}")


def _fails_on_literal():
    raise KeyError("13912345678")  # the source line shows in the traceback, not only the message


def test_the_exception_message_in_a_traceback_is_redacted():
    log, buf = _logger()
    try:
        _fails_on_lookup()
    except LookupError:
        log.exception("import row failed")
    out = buf.getvalue()
    assert MOBILE not in out and ID_NUMBER not in out
    (line,) = _lines(buf)
    # the traceback is still there, only the numbers are masked
    assert "LookupError: no customer with mobile 13*********" in line["exc_info"]
    assert "_fails_on_lookup" in line["exc_info"]


def test_source_lines_in_a_traceback_are_redacted():
    log, buf = _logger()
    try:
        _fails_on_literal()
    except KeyError:
        log.exception("lookup")
    assert MOBILE not in buf.getvalue() and "_fails_on_literal" in buf.getvalue()


def test_chained_exceptions_are_redacted():
    log, buf = _logger()
    try:
        try:
            int(f"{MOBILE}x")
        except ValueError as inner:
            raise RuntimeError("lookup failed") from inner
    except RuntimeError:
        log.error("wrapped", exc_info=True)
    assert MOBILE not in buf.getvalue()
    assert "RuntimeError: lookup failed" in _lines(buf)[0]["exc_info"]


def _log_with_stack(log, number):
    log.info("where am I", stack_info=True); assert number == "11010119900307123X"  # noqa: E702  (shows in the stack)


def test_stack_info_is_redacted():
    log, buf = _logger()
    _log_with_stack(log, ID_NUMBER)
    out = buf.getvalue()
    assert ID_NUMBER not in out and "_log_with_stack" in out
    assert "test_stack_info_is_redacted" in _lines(buf)[0]["stack_info"]


def test_a_traceback_formatted_by_an_earlier_handler_is_redacted_too():
    log, buf = _logger()
    plain = io.StringIO()
    first = logging.StreamHandler(plain)          # an unfiltered handler that formats first
    log.handlers.insert(0, first)
    try:
        _fails_on_lookup()
    except LookupError:
        log.exception("again")
    assert MOBILE in plain.getvalue()               # the unfiltered handler shows why the filter matters
    assert MOBILE not in buf.getvalue() and "LookupError" in buf.getvalue()


def test_gunicorns_own_log_lines_are_json_and_redacted():
    """Worker crashes are logged by gunicorn itself: through the chassis handler too."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    code = ("import logging, logging.config, runpy\n"
            "conf = runpy.run_path('gunicorn.conf.py')\n"
            "logging.config.dictConfig(conf['logconfig_dict'])\n"
            "try:\n    raise ValueError('customer 110101199003071234 failed')\n"
            "except ValueError:\n    logging.getLogger('gunicorn.error').exception('worker crashed 13912345678')\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60).stderr
    assert '"name": "gunicorn.error"' in out, out
    assert "110101199003071234" not in out and "13912345678" not in out and "ValueError" in out
