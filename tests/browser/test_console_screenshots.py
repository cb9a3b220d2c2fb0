"""The console's main screens at both sizes, saved as <screen>-<desktop|phone>.png.

Runs in `make test` with the other browser tests, saving under .artifacts/screenshots; with
CRM_CONSOLE_SCREENSHOTS=docs/screenshots it refreshes the README's pictures instead (a test
run must not leave the checkout changed). Each screen is reached by its URL, as the user who works there,
on the data of a small team (tests/browser/team.py); each shot is of the viewport (what a
person sees first), at a device scale of 1, to keep the files small. The test also fails when
a screen scrolls sideways or shows an error.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from tests import support
from tests.browser.conftest import ROOT, assert_no_sideways_scroll, sign_in
from tests.browser.team import make_team

SHOTS = ROOT / (os.environ.get("CRM_CONSOLE_SCREENSHOTS") or ".artifacts/screenshots")
MAX_BYTES = 400_000


@pytest.fixture(scope="module")
def team(admin):
    t = make_team(admin)
    first = t.managers[0]
    # Something for Today: a visit planned now, for the first manager's first customer.
    r = first.post("/api/v1/engagement/visits", json={
        "customer_id": t.customers[first.id][0], "scheduled_at": datetime.now(timezone.utc).isoformat(),
        "objective": "季度回访，了解理财需求"})
    assert r.status_code == 201, r.text
    return t


def save(page, screen: str, size: str) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)   # charts animate in; element transitions settle
    assert_no_sideways_scroll(page)
    assert page.locator(".problem-alert").count() == 0, f"{screen} shows an error"
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{screen}-{size}.png"
    page.screenshot(path=str(path))
    assert 5_000 < path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"


@pytest.mark.parametrize("viewport_page", ["desktop", "phone"], indirect=True)
def test_screenshots_of_the_main_screens(viewport_page, pages, console_url, admin, team):
    page = viewport_page
    size = "desktop" if page.viewport_size["width"] > 767 else "phone"
    manager = team.managers[0]
    customer = team.customers[manager.id][0]

    sign_in(page, console_url, manager.user["username"], manager.password)
    page.goto(console_url + "today")
    save(page, "today", size)
    page.goto(console_url + "customers")
    save(page, "customer-search", size)
    page.goto(console_url + f"customers/{customer}")
    save(page, "customer-360", size)
    page.goto(console_url + "import")
    save(page, "import", size)

    lead = pages.new("supervisor", size)
    sign_in(lead, console_url, team.supervisor.user["username"], team.supervisor.password)
    lead.goto(console_url + "team/dashboard")
    lead.get_by_test_id("chart-tiers").locator("canvas").first.wait_for()
    save(lead, "dashboard", size)
    lead.goto(console_url + "plans")
    lead.get_by_test_id(f"plan-{team.plan_id}").wait_for()
    save(lead, "plans", size)

    boss = pages.new("admin", size)
    sign_in(boss, console_url, *support.ADMIN)
    boss.goto(console_url + "admin/users")
    boss.get_by_test_id("admin-users").wait_for()
    save(boss, "admin-users", size)
    assert {p.name for p in SHOTS.glob(f"*-{size}.png")} >= {
        f"{s}-{size}.png" for s in ("today", "customer-search", "customer-360", "import", "dashboard", "plans",
                                    "admin-users")}
