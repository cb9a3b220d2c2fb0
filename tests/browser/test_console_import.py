"""Import with progress, in Chromium, at a desk (1280x800) and on a phone (390x844).

A manager uploads a CSV of 300 customers, 3 of them with a bad mobile number. The page polls
the import job: the progress bar and the row count follow `rows_done / rows_total` to 100 %,
the counts say 297 added and 3 refused, the refused rows are listed with their row number,
and the error report downloads as a CSV naming each refused row. No sideways scrolling.
"""
from __future__ import annotations

import random
import uuid

import pytest

from tests.browser.conftest import assert_no_sideways_scroll, sign_in, staff

ROWS = 300
BAD = {17, 150, 299}   # row numbers (from 1, after the header) with a mobile that is not one


def csv_file(tmp_path) -> str:
    tag = uuid.uuid4().hex[:6]
    lines = ["kind,name,mobile"]
    for n in range(1, ROWS + 1):
        mobile = "12345" if n in BAD else f"13{random.randint(0, 9)}{random.randint(10_000_000, 99_999_999)}"
        lines.append(f"individual,导入客户{tag}{n:03d},{mobile}")
    path = tmp_path / f"customers-{tag}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("viewport_page", ["desktop", "phone"], indirect=True)
def test_import_with_progress(viewport_page, console_url, admin, tmp_path):
    page = viewport_page
    me = staff(admin, "manager")
    sign_in(page, console_url, me.user["username"], me.password)
    page.goto(console_url + "import")
    page.get_by_test_id("import-file").set_input_files(csv_file(tmp_path))
    page.get_by_test_id("import-start").click()

    job = page.get_by_test_id("import-job")
    job.wait_for()
    bar = page.get_by_test_id("import-progress")   # el-progress: role="progressbar", aria-valuenow
    seen = {int(bar.get_attribute("aria-valuenow") or 0)}
    status = page.get_by_test_id("import-status")
    for _ in range(600):   # the job polls itself; we only watch (at most 60 s)
        seen.add(int(bar.get_attribute("aria-valuenow") or 0))
        if status.get_attribute("data-status") in ("done", "failed"):
            break
        page.wait_for_timeout(100)
    assert status.get_attribute("data-status") == "done"
    seen.add(int(bar.get_attribute("aria-valuenow") or 0))
    assert max(seen) == 100
    assert f"已处理 {ROWS} / {ROWS} 行" in job.inner_text()
    counts = page.get_by_test_id("import-counts").inner_text()
    assert f"新增 {ROWS - len(BAD)} 户" in counts and f"拒绝 {len(BAD)} 行" in counts
    listed = page.get_by_test_id("import-errors").inner_text()
    for n in BAD:
        assert f"第 {n} 行" in listed
    assert_no_sideways_scroll(page)

    # The report downloads: one line per refused row, with its number and why.
    with page.expect_download() as dl:
        page.get_by_test_id("import-download").click()
    report = (tmp_path / "report.csv")
    dl.value.save_as(report)
    lines = report.read_text(encoding="utf-8-sig").strip().splitlines()
    assert lines[0] == "行号,结果,原因"
    assert sorted(int(line.split(",")[0]) for line in lines[1:]) == sorted(BAD)
    assert all("mobile" in line for line in lines[1:])
