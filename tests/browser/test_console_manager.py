"""A manager's day through the console, in Chromium, at a desk (1280x800) and on a phone (390x844).

Desk: sign in → Today → open a customer from it → register a new customer (a field error
first, shown in Chinese beside the field) → log a contact → plan, start, record and evaluate
a visit → open, assign, start and resolve a complaint (SLA clock shown) → the 360 shows the
contact, the completed visit and the resolved complaint → a reload keeps the session (the
refresh cookie) → sign out, and a reload stays signed out. Also measured: the first-load
transfer of the Today screen. Phone: the same sign-in, Today, the menu drawer, search, the
360 and a contact logged, with no sideways scrolling and touch-sized buttons on every screen.
"""
from __future__ import annotations

import gzip
import random
from datetime import datetime, timezone

from tests import support
from tests.browser.conftest import assert_no_sideways_scroll, shot, sign_in, staff


def fill(page, testid: str, value: str) -> None:
    # Element Plus puts data-testid on the <input> itself or on its wrapper, depending on the component.
    page.locator(f'[data-testid="{testid}"]:is(input, textarea), [data-testid="{testid}"] :is(input, textarea)') \
        .first.fill(value)


def mobile() -> str:
    return f"13{random.randint(0, 9)}{random.randint(10_000_000, 99_999_999)}"


def visit_today(owner) -> tuple[str, str]:
    """A customer of ``owner`` with a visit planned today: it is on Today."""
    name = f"今日客户{random.randint(1000, 9999)}"
    cid = support.register_customer(owner, name=name)
    when = datetime.now(timezone.utc).isoformat()   # now: inside today, the bank's day, whatever the hour
    r = owner.post("/api/v1/engagement/visits",
                   json={"customer_id": cid, "scheduled_at": when, "objective": "季度回访"})
    assert r.status_code == 201, r.text
    return cid, name


def assert_clean_console(page) -> None:
    bad = [m for m in page.console_log if "Content Security Policy" in m or m.startswith("pageerror")]
    assert not bad, bad


def test_a_managers_day_at_the_desk(desktop, console_url, admin, gateway_url):
    page = desktop
    me = staff(admin, "manager")
    _, today_name = visit_today(me)

    # Sign in → Today.
    page.goto(console_url)
    page.get_by_test_id("login-submit").wait_for()
    shot(page, "login-desktop")
    sign_in(page, console_url, me.user["username"], me.password)
    page.wait_for_url("**/console/today")
    card = page.get_by_test_id("today-visits_planned")
    card.get_by_text(today_name).wait_for()
    assert page.locator("h1").inner_text() == "今日工作"
    shot(page, "today-desktop")

    # The first load of Today, as a returning user: the page and everything it loads.
    sizes: list[tuple[str, int, int]] = []

    def record(response):
        if response.url.startswith(gateway_url):
            try:
                body = response.body()
            except Exception:
                return
            sizes.append((response.url, len(body), len(gzip.compress(body, 6))))
    page.on("response", record)
    page.reload(wait_until="networkidle")
    card.get_by_text(today_name).wait_for()
    page.remove_listener("response", record)
    raw = sum(s[1] for s in sizes)
    packed = sum(s[2] for s in sizes)
    print(f"\nToday first load: {len(sizes)} responses, {raw / 1024:.1f} KiB as served, "
          f"{packed / 1024:.1f} KiB gzipped")
    assert any("/views/worklist" in u for u, _, _ in sizes), "the reload kept the session and loaded the worklist"
    assert packed < 600 * 1024, sizes

    # Open the customer from Today.
    card.get_by_test_id("today-customer").filter(has_text=today_name).first.click()
    page.wait_for_url("**/console/customers/*")
    page.get_by_role("heading", name=today_name).wait_for()

    # Register a new customer: a wrong mobile is refused beside its field, in Chinese.
    page.get_by_role("menuitem", name="客户").click()
    page.get_by_test_id("customer-register").click()
    page.wait_for_url("**/console/customers/new")
    name = f"浏览器客户{random.randint(1000, 9999)}"
    fill(page, "cf-name", name)
    fill(page, "cf-mobile", "12345")
    page.get_by_test_id("cf-save").click()
    error = page.locator(".el-form-item.is-error").filter(has=page.locator("#cf-mobile"))
    error.locator(".el-form-item__error").wait_for()
    message = error.locator(".el-form-item__error").inner_text()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    shot(page, "register-field-error-desktop")
    fill(page, "cf-mobile", mobile())
    page.get_by_test_id("cf-save").click()
    page.get_by_role("heading", name=name).wait_for()
    customer_url = page.url

    # Log a contact.
    page.get_by_test_id("act-contact").click()
    fill(page, "ix-purpose", "产品到期提醒")
    page.get_by_test_id("ix-save").click()
    page.get_by_test_id("c360-timeline").get_by_text("产品到期提醒").wait_for()

    # Plan a visit, start it, record it, evaluate it.
    page.get_by_test_id("act-visit").click()
    fill(page, "vp-objective", "了解理财需求")
    page.get_by_test_id("vp-save").click()
    page.wait_for_url("**/console/visits/*")
    page.get_by_test_id("visit-start").click()
    page.get_by_test_id("visit-status").filter(has_text="进行中").wait_for()
    fill(page, "vr-notes", "客户关注稳健型产品")
    page.get_by_test_id("vr-save").click()
    page.get_by_test_id("visit-status").filter(has_text="已记录").wait_for()
    fill(page, "ve-outcome", "约定下周签约")
    page.get_by_test_id("ve-save").click()
    page.get_by_test_id("visit-status").filter(has_text="已完成").wait_for()
    shot(page, "visit-completed-desktop")

    # Open a complaint, with its SLA clock, and take it to resolved.
    page.get_by_test_id("visit-customer").click()
    page.get_by_test_id("act-complaint").click()
    fill(page, "cp-summary", "柜台等候时间过长")
    page.get_by_test_id("cp-save").click()
    page.wait_for_url("**/console/complaints/*")
    assert "剩余" in page.get_by_test_id("sla-clock").first.inner_text()
    for action, status in (("assign", "已分派"), ("start", "处理中")):
        page.get_by_test_id(f"complaint-{action}").click()
        page.get_by_test_id("complaint-status").filter(has_text=status).wait_for()
    fill(page, "ca-outcome", "已致歉并优化排队流程")
    page.get_by_test_id("complaint-resolve").click()
    page.get_by_test_id("complaint-status").filter(has_text="已解决").wait_for()
    shot(page, "complaint-resolved-desktop")

    # The 360 reflects it all.
    page.goto(customer_url)
    timeline = page.get_by_test_id("c360-timeline")
    timeline.get_by_text("产品到期提醒").wait_for()
    timeline.get_by_text("了解理财需求").wait_for()
    assert "已完成" in timeline.inner_text()
    complaints = page.get_by_test_id("c360-complaints")
    complaints.get_by_text("柜台等候时间过长").wait_for()
    assert "已解决" in complaints.inner_text()
    assert_no_sideways_scroll(page)
    shot(page, "customer-360-desktop")

    # A reload keeps the session (the httpOnly refresh cookie); no script can read it.
    page.reload()
    page.get_by_role("heading", name=name).wait_for()
    assert page.evaluate("document.cookie") == ""
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["crm_console_refresh"]["httpOnly"] and cookies["crm_console_refresh"]["sameSite"] == "Strict"

    # Sign out: back to the sign-in page, and a reload does not sign in again.
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/console/login**")
    page.reload()
    page.get_by_test_id("login-submit").wait_for()
    assert "crm_console_refresh" not in {c["name"] for c in page.context.cookies()}
    assert_clean_console(page)


def test_language_switch_and_wrong_password(desktop, console_url, admin):
    page = desktop
    me = staff(admin, "manager")
    page.goto(console_url)
    fill(page, "login-username", me.user["username"])
    fill(page, "login-password", "not-the-password")
    page.get_by_test_id("login-submit").click()
    page.get_by_role("alert").get_by_text("用户名或密码错误").wait_for()
    sign_in(page, console_url, me.user["username"], me.password)
    page.get_by_test_id("lang").click()
    page.get_by_role("option", name="English").click()
    page.get_by_role("menuitem", name="Customers").wait_for()
    assert page.locator("h1").inner_text() == "Today"
    page.get_by_test_id("lang").click()
    page.get_by_role("option", name="中文").click()
    page.get_by_role("menuitem", name="客户").wait_for()


def test_a_manager_on_the_phone(phone, console_url, admin):
    page = phone
    me = staff(admin, "manager")
    cid, name = visit_today(me)

    sign_in(page, console_url, me.user["username"], me.password)
    page.get_by_test_id("today-visits_planned").get_by_text(name).wait_for()
    assert_no_sideways_scroll(page)
    shot(page, "today-phone")
    small = page.evaluate("""() => [...document.querySelectorAll('.el-button')]
        .filter(b => b.offsetParent !== null).map(b => b.getBoundingClientRect().height).filter(h => h < 40)""")
    assert small == [], f"buttons smaller than 40 px: {small}"

    # The menu is a drawer on a phone.
    page.get_by_role("button", name="打开菜单").click()
    page.get_by_role("menuitem", name="客户").wait_for()
    shot(page, "menu-phone")
    page.get_by_role("menuitem", name="客户").click()
    page.wait_for_url("**/console/customers")
    fill(page, "cs-name", name[:3])
    page.get_by_test_id("cs-submit").click()
    page.get_by_test_id("customer-row").filter(has_text=name).first.click()
    page.get_by_role("heading", name=name).wait_for()
    assert_no_sideways_scroll(page)
    shot(page, "customer-360-phone")

    page.get_by_test_id("act-contact").click()
    fill(page, "ix-purpose", "电话问候")
    shot(page, "log-contact-phone")
    page.get_by_test_id("ix-save").click()
    page.get_by_test_id("c360-timeline").get_by_text("电话问候").wait_for()
    assert_no_sideways_scroll(page)
    assert_clean_console(page)
