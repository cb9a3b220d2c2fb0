"""Use cases of each service run through their composition root with in-memory fakes.

No server here: ``bootstrap``'s ports are bound to ``chassis.fakes`` (the real
AggregateStore over in-memory collections, a dict for the staff directory), so these
pin what each use case decides — versions, events, refusals — in milliseconds. The
same use cases run against FerretDB and RabbitMQ in tests/integration and tests/e2e.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from chassis.directory import StaffMember
from chassis.errors import Problem
from chassis.exceptions import StaleVersion
from chassis.fakes import FakeDirectory, FakeStore
from chassis.identity import ADMIN, MANAGER, SUPERVISOR, Identity

ALICE = Identity("m-alice", MANAGER, branch="sh")
SUE = Identity("s-sue", SUPERVISOR, branch="sh", team=("m-alice", "m-bob"))
STAFF = FakeDirectory(StaffMember("m-alice", MANAGER, "sh", (), True),
                      StaffMember("m-bob", MANAGER, "sh", (), True),
                      StaffMember("m-gone", MANAGER, "sh", (), False),
                      StaffMember("m-far", MANAGER, "bj", (), True))


# --- feedback: the complaint workflow ------------------------------------------------------

@pytest.fixture
def feedback():
    from services.feedback import bootstrap as root
    from services.feedback.models import Complaint, Policy
    fakes = {"complaints": FakeStore(Complaint, "complaint"), "policies": FakeStore(Policy, "policy")}
    with root.ports.overridden(**fakes), _directory(STAFF):
        yield fakes


def _directory(fake):
    from chassis import directory
    return directory.ports.overridden(staff=fake)


class _Snapshot:
    id, manager_id, branch, tier = "c-1", "m-alice", "sh", "diamond"


def test_a_complaint_runs_its_workflow_and_says_so_in_events(feedback):
    from services.feedback import complaints
    at = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    c = complaints.open_complaint({"customer_id": "c-1", "severity": "high", "category": "service",
                                   "channel": "counter", "summary": "排队太久"}, _Snapshot(), ALICE, at=at)
    assert (c.status, c.version, c.tier) == ("opened", 1, "diamond") and c.resolution_due > at
    c = complaints.act(c.id, 1, "assign", {"assignee_id": "m-bob"}, SUE, at=at)
    c = complaints.act(c.id, 2, "start", {}, ALICE, at=at)
    c = complaints.act(c.id, 3, "resolve", {"outcome": "道歉并加开窗口"}, ALICE, at=at + timedelta(hours=2))
    c = complaints.act(c.id, 4, "confirm", {"confirmed": True}, ALICE, at=at + timedelta(hours=3))
    assert (c.status, c.version, c.resolved_within_sla, c.confirmation) == ("closed", 5, True, "customer")
    assert [e["type"].rsplit(".", 1)[1] for e in feedback["complaints"].events()] == \
        ["opened", "assigned", "resolved", "closed"]
    assert [r["version"] for r in feedback["complaints"].records()] == [1, 2, 3, 4, 5]


def test_a_complaint_refuses_what_the_rules_forbid_and_changes_nothing(feedback):
    from services.feedback import complaints
    c = complaints.open_complaint({"customer_id": "c-1", "severity": "low", "category": "process",
                                   "channel": "phone", "summary": "x"}, _Snapshot(), ALICE)
    with pytest.raises(Problem) as illegal:
        complaints.act(c.id, 1, "confirm", {"confirmed": True}, ALICE)
    assert illegal.value.status == 409 and illegal.value.extra["allowed"]
    with pytest.raises(Problem) as unassignable:          # inactive, then another branch: same answer
        complaints.act(c.id, 1, "assign", {"assignee_id": "m-gone"}, SUE)
    assert unassignable.value.status == 422
    with pytest.raises(Problem):
        complaints.act(c.id, 1, "assign", {"assignee_id": "m-far"}, Identity("a-1", ADMIN, branch="sh"))
    with pytest.raises(StaleVersion):
        complaints.act(c.id, 7, "start", {}, ALICE)
    complaints.act(c.id, 1, "assign", {"assignee_id": "m-alice"}, SUE)
    c = complaints.act(c.id, 2, "start", {}, ALICE)
    with pytest.raises(Problem) as no_outcome:
        complaints.act(c.id, 3, "resolve", {"outcome": "  "}, ALICE)
    assert no_outcome.value.status == 422
    assert [r["version"] for r in feedback["complaints"].records()] == [1, 2, 3]


# --- customer: registration, reassignment, archive -----------------------------------------------

@pytest.fixture
def customers():
    from services.customer import bootstrap as root
    from services.customer.models import Customer, TierRules
    fakes = {"customers": FakeStore(Customer, "customer"), "tier_rules": FakeStore(TierRules, "tier_rules")}
    with root.ports.overridden(**fakes), _directory(STAFF):
        yield fakes["customers"]


def _register(who=ALICE, **extra):
    from services.customer import service
    data = {"kind": "individual", "name": "王芳", "id_type": "resident_id", "id_number": "11010519491231002X",
            "mobile": "13912345678", "birth_date": date(1949, 12, 31), "financial": {"aum_cents": 300_000_000}, **extra}
    return service.create(data, who)


def test_a_manager_registers_into_their_own_book_and_the_event_carries_no_sensitive_field(customers):
    c = _register()
    assert (c.manager_id, c.branch, c.version, c.tier) == ("m-alice", "sh", 1, "diamond")
    [registered] = customers.events()
    assert registered["type"] == "customer.customer.registered" and registered["subject_version"] == 1
    assert not {"id_number", "mobile", "financial"} & set(registered["data"])


def test_a_manager_cannot_register_into_another_book(customers):
    with pytest.raises(Problem) as refused:
        _register(manager_id="m-bob")
    assert refused.value.status == 403 and customers.records() == []


def test_reassignment_follows_the_directory_and_archiving_makes_the_record_read_only(customers):
    from services.customer import service
    c = _register()
    with pytest.raises(Problem) as far:                   # out of the supervisor's reach
        service.assign(c.id, 1, "m-far", SUE, None)
    assert far.value.status == 422
    c = service.assign(c.id, 1, "m-bob", SUE, "leave")
    assert (c.manager_id, c.version) == ("m-bob", 2)
    assert customers.events("customer.manager.assigned")[0]["data"]["previous_manager_id"] == "m-alice"
    with pytest.raises(Problem) as hidden:                # no longer Alice's: she cannot see it
        service.update(c.id, 2, {"name": "王芳芳"}, ALICE)
    assert hidden.value.status == 404
    service.archive(c.id, 2, SUE, "moved abroad")
    with pytest.raises(Problem) as archived:
        service.update(c.id, 3, {"name": "王芳芳"}, SUE)
    assert archived.value.status == 409
    with pytest.raises(StaleVersion):
        service.confirm(c.id, 2, SUE, "phone", None)


# --- engagement: contacts and visits as the caller logs them ---------------------------------------

CUSTOMER = {"id": "c-1", "manager_id": "m-alice", "branch": "sh", "name": "王芳", "tier": "gold"}


@pytest.fixture
def engagement():
    from services.engagement import bootstrap as root
    from services.engagement.models import Interaction, Visit
    fakes = {"interactions": FakeStore(Interaction, "interaction"), "visits": FakeStore(Visit, "visit"),
             "last_contacts": FakeMarks()}
    with root.ports.overridden(**fakes), _directory(STAFF):
        yield fakes


class FakeMarks:
    """The latest contact per customer, in memory (later wins, as the real adapter)."""

    def __init__(self) -> None:
        self.at: dict[str, datetime] = {}

    def mark(self, customer_id: str, at: datetime) -> None:
        self.at[customer_id] = max(at, self.at.get(customer_id, at))

    def latest(self, customer_ids: list[str]) -> dict[str, datetime]:
        return {c: self.at[c] for c in customer_ids if c in self.at}


def test_a_contact_is_logged_in_the_customers_book_and_never_in_the_future(engagement):
    from services.engagement import interactions
    now = datetime.now(timezone.utc)
    doc = interactions.log(CUSTOMER, {"customer_id": "c-1", "channel": "phone", "purpose": "care",
                                      "summary": "问候", "occurred_at": now - timedelta(hours=1)}, SUE)
    assert (doc.manager_id, doc.branch, doc.recorded_by) == ("m-alice", "sh", "s-sue")
    [logged] = engagement["interactions"].events()
    assert logged["data"]["manager_id"] == "m-alice" and "summary" not in logged["data"]  # free text stays home
    assert engagement["last_contacts"].at == {"c-1": now - timedelta(hours=1)}   # the cadence reads its write
    with pytest.raises(Problem) as future:
        interactions.log(CUSTOMER, {"customer_id": "c-1", "channel": "phone", "purpose": "care",
                                    "occurred_at": now + timedelta(hours=1)}, ALICE)
    assert future.value.status == 422 and len(engagement["interactions"].records()) == 1


def test_a_planned_visit_belongs_to_the_customers_manager(engagement):
    from services.engagement import visits
    v = visits.plan(CUSTOMER, {"kind": "scheduled", "scheduled_at": datetime(2026, 12, 1, 2, tzinfo=timezone.utc),
                               "objective": "资产配置回顾"}, SUE)
    assert (v.status, v.manager_id, v.version) == ("planned", "m-alice", 1)
    assert [e["type"] for e in engagement["visits"].events()] == ["engagement.visit.planned"]


def test_fakes_answer_only_what_the_store_asks_so_a_query_cannot_pass_by_accident(engagement):
    with pytest.raises(NotImplementedError):
        engagement["visits"].collection.find({"manager_id": "m-alice"})


def test_the_composition_root_binds_real_adapters_and_a_fake_only_for_as_long_as_asked():
    from chassis.store import AggregateStore
    from services.feedback import bootstrap as root
    from services.feedback.models import Complaint
    root.ports.bootstrap()
    real = root.ports.resolve("complaints")
    assert type(real) is AggregateStore
    fake = FakeStore(Complaint, "complaint")
    with root.ports.overridden(complaints=fake):
        from services.feedback import complaints
        assert complaints.store.records == fake.records      # the module's port forwards to the fake
    assert root.ports.resolve("complaints") is real
    with pytest.raises(KeyError):
        root.ports.bootstrap(no_such_port=object())
