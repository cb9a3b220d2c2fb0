"""The financial picture, suitability and the pipeline as pure rules (issue #13), and their
use cases through the composition root with in-memory fakes."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from chassis.errors import Problem
from chassis.events import Envelope, received
from chassis.fakes import FakeStore
from chassis.identity import Identity
from contracts import core_banking as core
from services.customer import financial, pipeline, suitability
from tools import core_banking_sim as sim

POLICY = financial.DEFAULT_POLICY
TODAY = date(2026, 11, 29)


def _apply(p: dict, env: dict) -> None:
    d = received(Envelope.from_dict(env)).data
    {core.BALANCES_REPORTED.name: financial.apply_balances, core.HOLDINGS_REPORTED.name: financial.apply_holdings,
     core.PRODUCT_OPENED.name: financial.apply_opened, core.PRODUCT_CLOSED.name: financial.apply_closed,
     core.ACTIVITY_SUMMARISED.name: financial.apply_summary, core.ACCOUNT_DORMANT.name: financial.apply_dormant,
     core.DEPOSIT_MATURING.name: lambda p, d: None}[env["type"]](p, d)


def _picture(events: list[dict]) -> dict:
    p = financial.empty()
    for env in events:
        _apply(p, env)
    return p


def _canonical(p: dict) -> dict:
    return {**p, "holdings": sorted(p["holdings"], key=lambda h: h["holding_id"])}


@pytest.mark.parametrize("profile", sim.PROFILES)
def test_facts_applied_twice_or_in_any_order_end_where_in_order_ones_do(profile):
    events = sim.history("c-1", months=24, seed=3, today=TODAY, profile=profile)
    once = _picture(events)
    shuffled = events + events
    random.Random(5).shuffle(shuffled)
    assert _canonical(_picture(shuffled)) == _canonical(once)
    assert len(once["months"]) == 24 and once["aum_as_of"] == "2026-10-31"


def test_history_keeps_36_months_and_an_older_balance_never_wins():
    p = financial.empty()
    for m in range(48):
        day = date(2022, 1, 1) + timedelta(days=31 * m)
        financial.apply_balances(p, {"as_of": day, "aum_cents": m})
    assert len(p["months"]) == financial.HISTORY_MONTHS and p["aum_cents"] == 47
    financial.apply_balances(p, {"as_of": date(2023, 1, 1), "aum_cents": 999})
    assert p["aum_cents"] == 47


def test_a_closed_holding_stays_closed_against_an_older_snapshot():
    p = financial.empty()
    h = {"holding_id": "h1", "product_code": "WM", "product_type": "wealth", "account_ref": "****12",
         "balance_cents": 5}
    financial.apply_closed(p, {**h, "as_of": date(2026, 5, 2)})
    financial.apply_holdings(p, {"as_of": date(2026, 4, 30), "holdings": [h]})
    assert p["holdings"][0]["status"] == "closed"
    financial.apply_holdings(p, {"as_of": date(2026, 6, 30), "holdings": [h]})
    assert p["holdings"][0]["status"] == "open"   # reported open again later: reopened


def test_aum_falling_past_the_share_over_the_window_signals_once_a_month():
    p = financial.empty()
    for month, aum in (("2026-06", 1000), ("2026-07", 1000), ("2026-08", 900)):
        financial.apply_balances(p, {"as_of": financial.month_end(month), "aum_cents": aum})
    financial.apply_balances(p, {"as_of": date(2026, 9, 15), "aum_cents": 700})   # -30%: not more than 30
    assert financial.new_signals(p, POLICY) == []
    financial.apply_balances(p, {"as_of": date(2026, 9, 20), "aum_cents": 690})
    raised = financial.new_signals(p, POLICY)
    assert raised == [("aum_falling", "aum_falling:2026-09", "2026-09-20")]
    financial.remember_signals(p, raised)
    financial.apply_balances(p, {"as_of": date(2026, 9, 25), "aum_cents": 100})
    assert financial.new_signals(p, POLICY) == []
    assert financial.at_risk(p, "2026-09-01") and not financial.at_risk(p, "2026-10-01")


def test_a_key_product_closed_and_a_dormant_account_signal():
    p = financial.empty()
    closed = {"holding_id": "h1", "product_type": "fund", "as_of": "2026-09-01"}
    assert financial.new_signals(p, POLICY, closed) == [("key_product_closed", "key_product_closed:h1", "2026-09-01")]
    assert financial.new_signals(p, POLICY, {**closed, "product_type": "deposit"}) == []
    financial.apply_dormant(p, {"dormant_since": date(2026, 3, 1)})
    assert [s[0] for s in financial.new_signals(p, POLICY)] == ["dormant"]


def test_the_reported_aum_wins_over_the_declared_one_for_the_tier():
    declared = {"aum_cents": 10_000_000_00, "annual_income_cents": 1}
    assert financial.tier_figures(declared, 100)["aum_cents"] == 100
    assert financial.tier_figures(declared, None)["aum_cents"] == 10_000_000_00
    assert (financial.tier_basis(0), financial.tier_basis(None)) == ("reported", "declared")


def test_contribution_follows_the_branch_formula():
    p = {**financial.empty(), "aum_cents": 1_000_000_00, "loans_cents": 200_000_00,
         "holdings": [{"product_type": "fund", "status": "open"}, {"product_type": "wealth", "status": "closed"}]}
    assert financial.contribution_cents(p, POLICY) == 1_000_000_00 * 50 // 10_000 + 200_000_00 * 150 // 10_000 + 20_000
    zero = {**POLICY, "contribution": {"aum_bp": 0, "loan_bp": 0, "product_cents": {}}}
    assert financial.contribution_cents(p, zero) == 0


@pytest.mark.parametrize("level,until,product,code", [
    ("C3", TODAY, {"risk_level": "R3"}, "suitable"),
    ("C3", TODAY, {"risk_level": "R4"}, "level_too_low"),
    ("C5", TODAY - timedelta(days=1), {"risk_level": "R1"}, "assessment_expired"),
    (None, None, {"risk_level": "R1"}, "no_assessment"),
    (None, None, {"risk_level": None, "product_type": "deposit"}, "not_required"),
    ("C5", TODAY, {"risk_level": "R1", "status": "retired"}, "retired"),
])
def test_suitability_is_a_verdict_with_its_reason(level, until, product, code):
    v = suitability.check({"code": "P", "product_type": "wealth", "status": "active", **product}, level, until, TODAY)
    assert v.code == code and v.suitable == (code in ("suitable", "not_required")) and v.reason


def test_the_catalogue_wants_a_term_for_time_deposits_and_a_level_for_investments():
    assert "term_months" in suitability.catalogue_problems({"product_type": "time_deposit"})
    assert "risk_level" in suitability.catalogue_problems({"product_type": "fund"})
    assert "risk_level" in suitability.catalogue_problems({"product_type": "loan", "risk_level": "R1"})
    assert suitability.catalogue_problems({"product_type": "wealth", "risk_level": "R2"}) == {}


def test_an_opened_product_wins_only_a_matching_proposal_within_its_window():
    o = {"stage": "proposed", "product_code": "WM", "proposed_at": datetime(2026, 9, 1, tzinfo=timezone.utc),
         "win_by": "2026-11-30"}
    assert pipeline.wins(o, "WM", "2026-10-01")
    assert not pipeline.wins(o, "FD", "2026-10-01")
    assert not pipeline.wins(o, "WM", "2026-12-01") and not pipeline.wins(o, "WM", "2026-08-31")
    assert not pipeline.wins({**o, "stage": "declined"}, "WM", "2026-10-01")
    assert pipeline.PIPELINE.allowed("won") == [] and "win" not in pipeline.PIPELINE.allowed("proposed")


def test_conversion_counts_per_manager_product_and_source():
    rows = [{"manager_id": "m1", "source": "maturing_deposit", "stage": "won", "product_code": "TD",
             "proposed_at": 1},
            {"manager_id": "m1", "source": "manual", "stage": "identified", "product_code": None},
            {"manager_id": "m2", "source": "manual", "stage": "declined", "product_code": "TD", "proposed_at": 1}]
    c = pipeline.conversion(rows)
    assert c["overall"]["opened"] == 3 and c["overall"]["won"] == 1 and c["overall"]["conversion"] == 0.3333
    assert c["per_manager"]["m1"]["open"] == 1 and c["per_product"]["TD"]["proposed"] == 2
    assert c["per_source"]["manual"]["declined"] == 1


# --- use cases through the composition root ----------------------------------------------------

ALICE = Identity("m-alice", "manager", branch="sh")
BOB = Identity("m-bob", "manager", branch="sh")


@pytest.fixture
def book():
    from services.customer import bootstrap as root
    from services.customer.financial_models import FinancialPicture, FinancialPolicy, Opportunity, Product
    from services.customer.models import Customer, TierRules
    fakes = {"customers": FakeStore(Customer, "customer"), "tier_rules": FakeStore(TierRules, "tier_rules"),
             "pictures": FakeStore(FinancialPicture, "picture"), "policies": FakeStore(FinancialPolicy, "policy"),
             "products": FakeStore(Product, "product"), "opportunities": FakeStore(Opportunity, "opportunity")}
    with root.ports.overridden(**fakes):
        fakes["customers"].put(Customer(id="c-1", kind="individual", name="王芳", manager_id="m-alice", branch="sh",
                                        financial={"aum_cents": 1}, tier="standard", risk_level="C3",
                                        risk_valid_until=datetime(2099, 1, 1), mobile_key="k1", id_key="k2",
                                        external_key="k3"))
        fakes["products"].put(Product(id="WM-R2", name="稳健", product_type="wealth", risk_level="R2"))
        yield fakes


def _fact(env: dict):
    return received(Envelope.from_dict(env))


def test_a_reported_balance_re_tiers_the_customer_and_a_fall_publishes_one_signal(book):
    from services.customer import picture
    picture.apply_fact(_fact(sim.balances("c-1", 600_000_00, date(2026, 8, 31))))
    c = book["customers"].get("c-1")
    assert (c.tier, c.reported_aum_cents) == ("platinum", 600_000_00)
    assert [e["type"] for e in book["customers"].events()] == ["customer.tier.changed"]
    fall = _fact(sim.balances("c-1", 100_000_00, date(2026, 9, 15)))
    picture.apply_fact(fall)
    picture.apply_fact(fall)   # redelivered
    signals = book["pictures"].events("customer.churn.signalled")
    assert len(signals) == 1 and signals[0]["data"]["signal"] == "aum_falling"
    assert "aum_cents" not in signals[0]["data"] and signals[0]["data"]["manager_id"] == "m-alice"
    assert book["customers"].get("c-1").tier == "gold"


def test_a_maturing_deposit_opens_one_opportunity_and_a_suitable_proposal_moves_it(book):
    from services.customer import opportunities
    env = _fact(sim.maturing("c-1", "****123456", date(2026, 12, 20), 5_000_00, TODAY))
    first = opportunities.open_from_maturing(env)
    assert first is not None and first.source_ref == "****56"
    assert opportunities.open_from_maturing(env) is None     # the same event again
    with pytest.raises(Problem) as hidden:
        opportunities.propose(first.id, None, "WM-R2", BOB, TODAY)
    assert hidden.value.status == 404
    o = opportunities.propose(first.id, 1, "WM-R2", ALICE, TODAY)
    assert (o.stage, o.product_code, o.win_by) == ("proposed", "WM-R2", "2027-02-27")
    opportunities.decide(o.id, None, "accept", ALICE)
    with pytest.raises(Problem) as illegal:
        opportunities.decide(o.id, None, "accept", ALICE)
    assert illegal.value.status == 409
    stages = [e["data"]["stage"] for e in book["opportunities"].events()]
    assert stages == ["identified", "proposed", "accepted"]


# --- life events and attendance (opportunities opened by the pipeline itself) -----------------
BANDS = financial.DEFAULT_POLICY["age_bands"]


@pytest.mark.parametrize("birth, today, expected", [
    (date(1966, 11, 29), TODAY, (60, "retirement_planning", TODAY)),       # turning 60 today
    (date(1966, 11, 25), TODAY, (60, "retirement_planning", date(2026, 11, 25))),   # days ago: still seen
    (date(1966, 11, 22), TODAY, None),                                     # more than the lookback ago
    (date(1966, 11, 30), TODAY, None),                                     # tomorrow
    (date(1965, 11, 29), TODAY, None),                                     # 61: no band
    (date(2008, 11, 29), TODAY, (18, "first_account", TODAY)),
    (date(1996, 2, 29), date(2026, 2, 28), (30, "home_and_family", date(2026, 2, 28))),   # leap-day birthday
    (None, TODAY, None),
])
def test_a_birthday_entering_an_age_band_is_a_life_event(birth, today, expected):
    assert pipeline.age_band_entered(birth, today, BANDS) == expected


def test_age_bands_are_branch_configuration():
    assert pipeline.age_band_entered(date(1981, 11, 29), TODAY, {"45": "succession"}) == (45, "succession", TODAY)
    assert financial.policy_problems({**POLICY, "age_bands": {"60": "Retirement!"}}) == {
        "age_bands": ["Ages 1–120 (as strings) to a theme code (lower case, digits, _)."]}
    assert "age_bands" in financial.policy_problems({**POLICY, "age_bands": {"0": "x"}})
    assert financial.policy_problems(POLICY) == {}


@pytest.mark.parametrize("old, new, grew", [
    ({"children": 1}, {"children": 2}, True),
    ({"household_size": 3}, {"household_size": 4, "children": 1}, True),
    ({"dependents": 2}, {"dependents": 1}, False),
    (None, {"children": 2}, False),             # first collected: information, not a new member
    ({"marital_status": "single"}, {"marital_status": "married"}, False),
    ({"children": 1}, None, False),
])
def test_a_new_family_member_is_a_count_that_grew(old, new, grew):
    assert pipeline.family_grew(old, new) is grew


def test_a_family_that_grew_opens_one_life_event_opportunity(book):
    from services.customer import opportunities, service
    service.update("c-1", None, {"family": {"children": 1}}, ALICE)
    service.update("c-1", None, {"family": {"children": 1, "marital_status": "married"}}, ALICE)
    service.update("c-1", None, {"family": {"children": 2, "marital_status": "married"}}, ALICE)
    updates = [received(Envelope.from_dict(e)) for e in book["customers"].events("customer.customer.updated")]
    assert len(updates) == 3
    opened = [opportunities.open_from_family(e) for e in updates]
    assert [o is not None for o in opened] == [False, False, True]
    assert (opened[2].source, opened[2].source_ref) == ("life_event", "new_family_member")
    assert opportunities.open_from_family(updates[2]) is None    # redelivered: already open
    assert len(book["opportunities"].events()) == 1


def test_an_attended_activity_opens_one_opportunity(book):
    from contracts import engagement as eng
    from services.customer import opportunities

    def attended(flag: bool):
        return received(eng.INVITATION_ATTENDED.new("act-1:c-1", {
            "invitation_id": "act-1:c-1", "activity_id": "act-1", "customer_id": "c-1", "manager_id": "m-alice",
            "status": "accepted", "attended": flag}))
    assert opportunities.open_from_attendance(attended(False)) is None
    o = opportunities.open_from_attendance(attended(True))
    assert o is not None and (o.source, o.source_ref, o.manager_id) == ("activity", "act-1", "m-alice")
    assert opportunities.open_from_attendance(attended(True)) is None
    assert [e["data"]["source"] for e in book["opportunities"].events()] == ["activity"]


def test_a_lapse_is_a_no_contact_churn_signal_once_per_episode(book):
    from contracts import engagement as eng
    from services.customer import picture

    def lapsed(since: str):
        return received(eng.CONTACT_LAPSED.new("c-1", {
            "customer_id": "c-1", "manager_id": "m-alice", "branch": "sh", "lapse_key": f"c-1:{since}",
            "last_contact_on": date.fromisoformat(since), "days_without_contact": 95, "threshold_days": 90,
            "raised_on": TODAY}))
    picture.record_lapse(lapsed("2026-08-26"))
    picture.record_lapse(lapsed("2026-08-26"))    # redelivered
    signals = book["pictures"].events("customer.churn.signalled")
    assert len(signals) == 1
    assert signals[0]["data"]["signal"] == "no_contact" and signals[0]["data"]["signal_key"] == "no_contact:2026-08-26"
    p = book["pictures"].get("c-1")
    assert [s["signal"] for s in p.signals] == ["no_contact"] and p.last_signal_on == TODAY.isoformat()
    picture.record_lapse(lapsed("2026-09-10"))    # a later episode (after another contact)
    assert len(book["pictures"].events("customer.churn.signalled")) == 2
