"""The console in a real browser: Playwright for Python driving Debian's Chromium.

Reuses the end-to-end suite (tests/conftest.py: `suite`, `gateway_url`, `admin`), builds the
console when it is out of date (web/scripts/build.sh), and gives pages at the two sizes the
console is made for. No browser is downloaded: Playwright launches /usr/bin/chromium
(`make chromium` / devstack/chromium.sh installs it), headless, with a fresh profile and the
background services off (the closed network refuses Chromium's own connections).

For other browser tests (the supervisor's, the admin's):
- `desktop` / `phone`: a fresh page (own context: no cookies) at 1280x800 / 390x844;
  `viewport_page` is the one the test is parametrised for (``@pytest.mark.parametrize(
  "viewport_page", ["desktop", "phone"], indirect=True)``).
- `console_url`: the gateway's /console/ of the suite.
- `sign_in(page, console_url, username, password)`: through the sign-in page, waits for the menu.
- `staff(admin, role)`: a new user (support.new_user) whose `.password` is known.
- `assert_no_sideways_scroll(page)`.
- `shot(page, name)`: with CRM_CONSOLE_SCREENSHOTS=<dir> set, a screenshot of the screen as
  `<dir>/<name>.png` (how docs/screenshots/ is made: `CRM_CONSOLE_SCREENSHOTS=docs/screenshots
  .venv/bin/pytest tests/browser`); without it, nothing.
When a test fails, a screenshot of each of its pages and their console log are kept in
`.artifacts/browser/<test>-<page>.png|.log` (ignored by git).
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests import support

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".artifacts" / "browser"
CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TIMEOUT_MS = 20_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # The report of each phase, kept on the test so the page fixtures know it failed.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="session")
def console_built():
    proc = subprocess.run(["bash", str(ROOT / "web" / "scripts" / "build.sh")], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"console build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    assert (ROOT / "web" / "dist" / "index.html").is_file()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make chromium` (devstack/chromium.sh)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def console_url(gateway_url, console_built):
    return gateway_url + "/console/"


class _Pages:
    """Pages opened by one test, each in its own context, with their console messages."""

    def __init__(self, browser, request):
        self.browser, self.request = browser, request
        self.opened: list[tuple[str, object, list[str]]] = []

    def new(self, name: str, viewport: str):
        context = self.browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN",
                                           timezone_id="Asia/Shanghai", has_touch=viewport == "phone",
                                           is_mobile=viewport == "phone", device_scale_factor=1)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log: list[str] = []
        page.on("console", lambda m: log.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: log.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: log.append(f"requestfailed: {r.method} {r.url} {r.failure}"))
        page.on("response", lambda r: log.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400 else None)
        page.console_log = log   # read by the tests (CSP, errors)
        self.opened.append((name, page, log))
        return page

    def close(self):
        node = self.request.node
        failed = any(getattr(node, f"rep_{w}", None) is not None and getattr(node, f"rep_{w}").failed
                     for w in ("setup", "call"))
        for name, page, log in self.opened:
            if failed:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{node.name}-{name}")
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
                except Exception as exc:   # a crashed page: keep the log at least
                    log.append(f"screenshot failed: {exc}")
                (ARTIFACTS / f"{stem}.log").write_text("\n".join(log) + f"\nurl: {page.url}\n")
            page.context.close()


@pytest.fixture
def pages(browser, request):
    p = _Pages(browser, request)
    yield p
    p.close()


@pytest.fixture
def desktop(pages):
    return pages.new("desktop", "desktop")


@pytest.fixture
def phone(pages):
    return pages.new("phone", "phone")


@pytest.fixture
def viewport_page(pages, request):
    return pages.new(request.param, request.param)


def staff(admin, role: str = "manager", **kw):
    return support.new_user(admin, role, **kw)


def sign_in(page, console_url: str, username: str, password: str) -> None:
    page.goto(console_url)
    # el-input puts data-testid on the <input> itself
    page.locator('input[data-testid="login-username"], [data-testid="login-username"] input').first.fill(username)
    page.locator('input[data-testid="login-password"], [data-testid="login-password"] input').first.fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("logout").wait_for()


def assert_no_sideways_scroll(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"horizontal scrolling at {page.url}: scrollWidth {width} > innerWidth {inner}"


def shot(page, name: str) -> None:
    target = os.environ.get("CRM_CONSOLE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(Path(target) / f"{name}.png"))
