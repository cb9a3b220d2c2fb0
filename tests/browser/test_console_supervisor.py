"""A supervisor's check of the dashboard, in Chromium, at a desk (1280x800) and on a phone (390x844).

The team (tests/browser/team.py) has customers of several tiers, a contact, an open complaint,
an activity with attendance and an approved plan with tasks. The supervisor signs in, opens the
team dashboard and sees every chart drawn (a canvas with pixels) and the figures the API gives —
the same numbers as `GET /views/team-dashboard` — then the team's books, and reassigns a
customer from one manager to the other. No sideways scrolling at either size.
"""
from __future__ import annotations

import pytest

from tests import support
from tests.browser.conftest import assert_no_sideways_scroll, sign_in
from tests.browser.team import make_team

CHARTS = ("chart-tiers", "chart-coverage", "chart-sla", "chart-activities", "chart-plans")


def drawn(page, testid: str) -> bool:
    """The chart's canvas exists, has a size and is not blank."""
    return page.get_by_test_id(testid).locator("canvas").first.evaluate(
        """c => { if (!c.width || !c.height) return false;
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
                  return false; }""")


@pytest.mark.parametrize("viewport_page", ["desktop", "phone"], indirect=True)
def test_a_supervisors_check_of_the_dashboard(viewport_page, console_url, admin):
    page = viewport_page
    team = make_team(admin)
    sup = team.supervisor
    figures = sup.get("/api/v1/views/team-dashboard").json()
    assert not figures["missing"], figures["missing"]

    sign_in(page, console_url, sup.user["username"], sup.password)
    page.goto(console_url + "team/dashboard")
    page.get_by_test_id("kpis").wait_for()

    # The figures, as the API computed them, in the console's Chinese formatting.
    total = sum(figures["tier_distribution"].values())
    assert total == team.total_customers
    assert page.get_by_test_id("kpi-customers").inner_text() == str(total)
    coverage = figures["contact_coverage"]["overall"]
    assert coverage and page.get_by_test_id("kpi-coverage").inner_text() == f"{round(coverage * 1000) / 10:g}%"
    assert page.get_by_test_id("kpi-open").inner_text() == str(figures["complaint_sla"]["open"]) == "1"
    # Every chart with data is drawn, each with its figures as text beside it.
    for testid in CHARTS:
        card = page.get_by_test_id(testid)
        card.scroll_into_view_if_needed()
        card.locator("canvas").first.wait_for()
        support.wait_for(lambda t=testid: drawn(page, t), timeout=10, what=f"{testid} drawn")
    assert "金卡" in page.get_by_test_id("chart-tiers").inner_text()
    assert "理财沙龙：资产配置" in page.get_by_test_id("chart-activities").inner_text()
    assert "到场 2/3" in page.get_by_test_id("chart-activities").inner_text()
    assert "本季度客户维护方案" in page.get_by_test_id("chart-plans").inner_text()
    assert "未结 1 件" in page.get_by_test_id("chart-sla").inner_text()
    # The satisfaction trend says so when there are no answers yet (no survey was answered).
    page.get_by_test_id("chart-satisfaction").get_by_text("区间内暂无问卷答复").wait_for()
    for m in team.managers:
        assert m.user["username"] in page.get_by_test_id("dashboard").inner_text()
    assert_no_sideways_scroll(page)

    # The team's books, and a customer reassigned to the other manager.
    first, second = team.managers
    moved = team.customers[first.id][1]
    page.goto(console_url + "team/books")
    page.get_by_test_id(f"open-book-{first.id}").click()
    book = page.get_by_test_id("book")
    row = book.locator(".el-table__row, .ccard").filter(has=page.locator(f'a[href$="/customers/{moved}"]'))
    row.locator(".el-checkbox").first.click()
    page.get_by_test_id("move-to").click()
    page.locator(".el-select-dropdown__item:visible").filter(has_text=second.user["username"]).click()
    page.get_by_test_id("move").click()
    page.get_by_text(f"已将 1 户客户改派给 {second.user['username']}").wait_for()
    assert_no_sideways_scroll(page)
    assert sup.get(f"/api/v1/customers/{moved}").json()["manager_id"] == second.id
