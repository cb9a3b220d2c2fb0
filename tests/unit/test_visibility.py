"""The one visibility rule on the identity: the record check and the list filter agree,
and a branch admin sees only their branch (issue #9, item 4)."""
import itertools

import pytest

from chassis.errors import Problem
from chassis.identity import Identity

CALLERS = [
    Identity("m1", "manager", branch="b1"),
    Identity("s1", "supervisor", branch="b1", team=("m1",)),
    Identity("a1", "admin", branch="b1"),
    Identity("hq", "admin"),                 # bank-wide admin: no branch
    Identity("x", "auditor", branch="b1"),
]
RECORDS = [{"manager_id": m, "branch": b} for m, b in
           itertools.product(["m1", "m2", "s1", None], ["b1", "b2", None])]
DIRECTORY = {"m1": "b1", "m2": "b2", "s1": "b1"}


def matches(filter_: dict, record: dict) -> bool:
    """Enough of Mongo's matching for the filters scope_filter builds."""
    for field, cond in filter_.items():
        value = record.get(field)
        if isinstance(cond, dict):
            if value not in cond["$in"]:
                return False
        elif (value or "") != cond:
            return False
    return True


@pytest.mark.parametrize("who", CALLERS, ids=lambda w: f"{w.role}-{w.branch or 'bank'}")
def test_record_check_and_list_filter_agree(who):
    for record in RECORDS:
        assert who.can_see(record["manager_id"], record["branch"]) == matches(who.scope_filter(), record), record


def test_branch_admin_sees_only_their_branch_and_no_branchless_records():
    admin = Identity("a1", "admin", branch="b1")
    assert admin.can_see("m2", "b1") and not admin.can_see("m2", "b2") and not admin.can_see("m2", None)
    assert Identity("hq", "admin").can_see("m2", None)


def test_manager_keyed_reads_follow_the_managers_branch():
    admin = Identity("a1", "admin", branch="b1")
    assert admin.can_see_manager("m1", DIRECTORY.get)
    assert not admin.can_see_manager("m2", DIRECTORY.get)        # another branch
    assert not admin.can_see_manager("ghost", DIRECTORY.get)     # unknown here: not visible
    with pytest.raises(Problem) as exc:
        admin.ensure_can_see_manager("m2", DIRECTORY.get)
    assert exc.value.status == 404
    sup = Identity("s1", "supervisor", team=("m1",))
    assert sup.can_see_manager("m1", DIRECTORY.get) and not sup.can_see_manager("m2", DIRECTORY.get)
    assert not Identity("x", "auditor").can_see_manager("m1", DIRECTORY.get)
