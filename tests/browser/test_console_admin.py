"""An admin creating a manager, in Chromium, at a desk (1280x800) and on a phone (390x844).

The bootstrap admin opens 用户与团队, tries a password that is too short (the field error shows
beside the field, in Chinese, and nothing is created), then creates the manager; the new
manager signs in on a page of their own and lands on Today. No sideways scrolling.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from tests import support
from tests.browser.conftest import assert_no_sideways_scroll, sign_in


def fill(page, testid: str, value: str) -> None:
    page.locator(f'[data-testid="{testid}"]:is(input, textarea), [data-testid="{testid}"] :is(input, textarea)') \
        .first.fill(value)


@pytest.mark.parametrize("viewport_page", ["desktop", "phone"], indirect=True)
def test_an_admin_creating_a_manager(viewport_page, pages, console_url, admin):
    page = viewport_page
    sign_in(page, console_url, *support.ADMIN)
    page.goto(console_url + "admin/users")
    page.get_by_test_id("new-user").click()
    dialog = page.get_by_test_id("create-dialog")
    username = f"mgr-{uuid.uuid4().hex[:8]}"
    fill(page, "u-name", username)
    fill(page, "u-pass", "short")
    page.get_by_test_id("u-save").click()
    dialog.get_by_text("长度不符合要求").wait_for()        # the field error, in Chinese, beside the field
    refused = requests.post(admin.base + "/api/v1/auth/login", json={"username": username, "password": "short"},
                            timeout=30)
    assert refused.status_code == 401   # nothing was created
    assert_no_sideways_scroll(page)

    password = "pw-" + uuid.uuid4().hex
    fill(page, "u-pass", password)
    page.get_by_test_id("u-save").click()
    page.get_by_text(f"已创建用户 {username}").wait_for()
    listed = page.get_by_test_id("users-table") if page.viewport_size["width"] > 767 else \
        page.get_by_test_id(f"user-{username}")
    listed.get_by_text(username).first.wait_for()
    assert "客户经理" in (listed.inner_text())
    assert_no_sideways_scroll(page)

    # The new manager signs in, in a browser of their own, and has a working console.
    size = "desktop" if page.viewport_size["width"] > 767 else "phone"
    theirs = pages.new("new-manager", size)
    sign_in(theirs, console_url, username, password)
    theirs.wait_for_url("**/console/today")
    assert_no_sideways_scroll(theirs)
    # An admin's screens are not in their menu, and the API agrees.
    assert theirs.locator('a[href$="/admin/users"]').count() == 0
    me = support.login(admin.base, username, password)
    assert me.user["role"] == "manager" and me.get("/api/v1/users").status_code == 403
