"""Expansion rules on hand-computed cases (docs/expansion.md's worked examples), catalogue
validation, ranking, and the add-on rule on the IBM telco customers."""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from pydantic import ValidationError

from cxhub.analytics.expansion import (
    ADD_ON_ADOPTED_BY_SIMILAR,
    FEATURE_NEAR_PLAN_LIMIT,
    SEATS_NEAR_LIMIT,
    AccountFacts,
    AddOn,
    ExpansionRules,
    FeatureLimit,
    FeatureUse,
    Plan,
    PlanCatalogue,
    add_on_opportunities,
    find_opportunities,
    rank,
    seat_opportunity,
    similarity_key,
    size_band,
    upgrade_opportunity,
)

CATALOGUE = PlanCatalogue(
    currency="EUR",
    plans=[
        Plan(
            name="starter",
            seat_price_cents=1_000,
            limits=[
                FeatureLimit(feature="report.exported", limit=100),
                FeatureLimit(feature="api.called", limit=0),
                FeatureLimit(feature="dashboard.shared", limit=5, unit="users"),
            ],
        ),
        Plan(
            name="pro",
            base_mrr_cents=5_000,
            seat_price_cents=2_500,
            limits=[
                FeatureLimit(feature="report.exported", limit=1_000),
                FeatureLimit(feature="api.called", limit=0),
                FeatureLimit(feature="dashboard.shared", limit=5, unit="users"),
            ],
        ),
        Plan(name="enterprise", seat_price_cents=4_000),
    ],
    add_ons=[AddOn(name="sso", mrr_cents=2_000), AddOn(name="audit", seat_price_cents=100)],
)


def test_seats_above_ninety_percent_sell_seats_back_to_eighty() -> None:
    # 19 of 20 active = 95 % > 90 %; ceil(19 / 0.8) = ceil(23.75) = 24 → 4 more seats at the
    # starter seat price 10.00 → ARR upside 12 × 4 × 1,000 = 48,000 cents.
    facts = AccountFacts(1, plan="starter", mrr_cents=20_000, licensed_seats=20, active_seats=19)
    found = seat_opportunity(facts, CATALOGUE)
    assert found is not None
    assert (found.kind, found.action, found.arr_upside_cents) == ("upsell", "add_seats", 48_000)
    reason = found.reasons[0]
    assert reason.code == SEATS_NEAR_LIMIT
    assert reason.evidence["additional_seats"] == 4
    assert reason.evidence["utilisation"] == pytest.approx(0.95)


def test_seats_at_exactly_ninety_percent_or_unknown_are_not_an_opportunity() -> None:
    assert seat_opportunity(AccountFacts(1, licensed_seats=10, active_seats=9), CATALOGUE) is None
    assert seat_opportunity(AccountFacts(1, active_seats=50), CATALOGUE) is None


def test_seat_price_falls_back_to_the_accounts_own_mrr_per_seat() -> None:
    # Plan not in the catalogue: 30,000 cents for 10 seats = 3,000 per seat; 10 of 10 active
    # → ceil(10 / 0.8) = 13 → 3 seats → 12 × 3 × 3,000 = 108,000.
    facts = AccountFacts(2, plan="legacy", mrr_cents=30_000, licensed_seats=10, active_seats=10)
    found = seat_opportunity(facts, CATALOGUE)
    assert found is not None
    assert found.arr_upside_cents == 108_000
    unpriced = seat_opportunity(AccountFacts(3, licensed_seats=1, active_seats=1), CATALOGUE)
    assert unpriced is not None
    assert unpriced.arr_upside_cents is None  # no price known: ranked last


def test_heavy_use_of_a_limited_feature_suggests_the_lowest_plan_that_extends_it() -> None:
    # 90 exports of 100 on starter (90 % ≥ 80 %); pro allows 1,000. Pro for 10 seats costs
    # 5,000 + 10 × 2,500 = 30,000 against 10,000 now → 12 × 20,000 = 240,000.
    facts = AccountFacts(
        4,
        plan="starter",
        mrr_cents=10_000,
        licensed_seats=10,
        active_seats=3,
        feature_use={"report.exported": FeatureUse(events=90, users=2)},
    )
    found = upgrade_opportunity(facts, CATALOGUE)
    assert found is not None
    assert (found.action, found.target, found.arr_upside_cents) == ("upgrade_plan", "pro", 240_000)
    evidence = found.reasons[0].evidence
    assert found.reasons[0].code == FEATURE_NEAR_PLAN_LIMIT
    assert (evidence["used"], evidence["limit"], evidence["target_limit"]) == (90, 100, 1_000)
    assert evidence["share"] == pytest.approx(0.9)


def test_the_upgrade_covers_every_heavy_feature() -> None:
    # The API (excluded on starter and pro) is used at all, and 4 of 5 users share dashboards
    # (80 %): only enterprise extends both → 10 × 4,000 − 10,000 = 30,000 → ARR 360,000.
    facts = AccountFacts(
        5,
        plan="starter",
        mrr_cents=10_000,
        licensed_seats=10,
        feature_use={
            "api.called": FeatureUse(events=3, users=1),
            "dashboard.shared": FeatureUse(events=40, users=4),
            "report.exported": FeatureUse(events=79, users=1),  # 79 % : not heavy
        },
    )
    found = upgrade_opportunity(facts, CATALOGUE)
    assert found is not None
    assert found.target == "enterprise"
    assert found.arr_upside_cents == 360_000
    assert sorted(r.evidence["feature"] for r in found.reasons) == [
        "api.called",
        "dashboard.shared",
    ]


def test_no_upgrade_on_the_top_plan_below_the_threshold_or_off_catalogue() -> None:
    heavy = {"report.exported": FeatureUse(events=5_000, users=9)}
    assert (
        upgrade_opportunity(AccountFacts(6, plan="enterprise", feature_use=heavy), CATALOGUE)
        is None
    )
    light = {"report.exported": FeatureUse(events=10, users=1)}
    assert (
        upgrade_opportunity(AccountFacts(6, plan="starter", feature_use=light), CATALOGUE) is None
    )
    assert upgrade_opportunity(AccountFacts(6, plan="legacy", feature_use=heavy), CATALOGUE) is None


def _peer(account_id: int, *add_ons: str) -> AccountFacts:
    return AccountFacts(
        account_id, segment="smb", plan="pro", licensed_seats=12, add_ons=frozenset(add_ons)
    )


def test_add_on_adopted_by_at_least_thirty_percent_of_similar_accounts() -> None:
    # Five similar accounts besides #10: two use sso (40 % ≥ 30 %), one uses audit (20 %).
    me = _peer(10)
    peers = [_peer(11, "sso"), _peer(12, "sso", "audit"), _peer(13), _peer(14), _peer(15), me]
    found = add_on_opportunities(me, peers, CATALOGUE)
    assert [(o.target, o.kind) for o in found] == [("sso", "cross_sell")]
    evidence = found[0].reasons[0].evidence
    assert found[0].reasons[0].code == ADD_ON_ADOPTED_BY_SIMILAR
    assert (evidence["similar_accounts"], evidence["adopters"]) == (5, 2)
    assert evidence["share"] == pytest.approx(0.4)
    assert evidence["size_band"] == "10-49"
    assert found[0].arr_upside_cents == 12 * 2_000


def test_add_on_rule_needs_enough_similar_accounts_and_skips_owned_add_ons() -> None:
    me = _peer(20)
    assert add_on_opportunities(me, [_peer(21, "sso"), _peer(22, "sso")], CATALOGUE) == []
    owner = _peer(30, "sso")
    peers = [_peer(31, "sso"), _peer(32, "sso"), _peer(33), _peer(34), _peer(35)]
    assert add_on_opportunities(owner, peers, CATALOGUE) == []


def test_similar_means_same_segment_plan_and_size_band() -> None:
    rules = ExpansionRules()
    assert size_band(9, rules.size_bands) == "1-9"
    assert size_band(10, rules.size_bands) == "10-49"
    assert size_band(1000, rules.size_bands) == "1000+"
    assert size_band(None, rules.size_bands) == "unknown"
    assert similarity_key(_peer(1), rules) == ("smb", "pro", "10-49")
    big = AccountFacts(2, segment="smb", plan="pro", licensed_seats=60)
    assert similarity_key(big, rules) != similarity_key(_peer(1), rules)


def test_find_opportunities_ranks_by_arr_upside_unknown_last() -> None:
    accounts = [
        AccountFacts(1, plan="starter", mrr_cents=20_000, licensed_seats=20, active_seats=19),
        AccountFacts(
            2,
            plan="starter",
            mrr_cents=10_000,
            licensed_seats=10,
            feature_use={"report.exported": FeatureUse(events=95, users=1)},
        ),
        AccountFacts(3, licensed_seats=1, active_seats=1),
    ]
    found = find_opportunities(accounts, CATALOGUE)
    assert [(o.account_id, o.arr_upside_cents) for o in found] == [
        (2, 240_000),
        (1, 48_000),
        (3, None),
    ]
    assert [o.account_id for o in find_opportunities(accounts, CATALOGUE, only={1})] == [1]
    assert rank(reversed(found)) == found


def test_catalogue_validation() -> None:
    with pytest.raises(ValidationError, match="unique"):
        PlanCatalogue(currency="EUR", plans=[Plan(name="pro")], add_ons=[AddOn(name="pro")])
    with pytest.raises(ValidationError, match="strictly increasing"):
        ExpansionRules(size_bands=[50, 10])
    with pytest.raises(ValidationError, match="once per plan"):
        Plan(name="x", limits=[FeatureLimit(feature="a", limit=1), FeatureLimit(feature="a")])
    with pytest.raises(ValidationError):
        PlanCatalogue(currency="euro")
    with pytest.raises(ValidationError):
        ExpansionRules(seat_threshold=1.5)


TELCO_ADD_ONS = (
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
)


def test_add_on_rule_on_the_telco_customers(shared_data: Path) -> None:
    """7,043 real customers: segment = contract, plan = internet service, add-ons = the six
    optional services. Each suggestion is checked against a plain count over the CSV:
    adopters among the *other* customers of the same contract and internet service ÷ their
    number, at least 30 %, and never an add-on the customer already has."""
    path = shared_data / "churn" / "telco-customer-churn.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 7043
    catalogue = PlanCatalogue(
        currency="USD",
        plans=[Plan(name=n) for n in ("No", "DSL", "Fiber optic")],
        add_ons=[AddOn(name=a, mrr_cents=500) for a in TELCO_ADD_ONS],
    )
    facts = [
        AccountFacts(
            index,
            segment=row["Contract"],
            plan=row["InternetService"],
            add_ons=frozenset(a for a in TELCO_ADD_ONS if row[a] == "Yes"),
        )
        for index, row in enumerate(rows)
    ]
    found = [o for o in find_opportunities(facts, catalogue) if o.action == "add_on"]

    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[(row["Contract"], row["InternetService"])].append(row)
    adopters_in = {
        key: Counter(a for other in group for a in TELCO_ADD_ONS if other[a] == "Yes")
        for key, group in groups.items()
    }
    expected = set()
    for index, row in enumerate(rows):
        key = (row["Contract"], row["InternetService"])
        for add_on in TELCO_ADD_ONS:
            if row[add_on] == "Yes":
                continue
            adopters = adopters_in[key][add_on]  # self has not: every adopter is another
            if adopters / (len(groups[key]) - 1) >= 0.3:
                expected.add((index, add_on))
    assert {(o.account_id, o.target) for o in found} == expected
    assert len(expected) > 1000  # the rule finds real cross-sell on real data
    per_add_on = Counter(o.target for o in found)
    # Customers without internet cannot adopt internet add-ons ("No internet service"):
    # nobody in their groups has one, so the rule never suggests one to them.
    assert all(rows[o.account_id]["InternetService"] != "No" for o in found)
    assert per_add_on["TechSupport"] > 0
    assert all(o.arr_upside_cents == 12 * 500 for o in found)


def _quadratic_add_on_rule(
    facts: AccountFacts, similar: list[AccountFacts]
) -> list[tuple[str, int, int]]:
    """The rule as first written: every account scans its whole group."""
    rules = CATALOGUE.rules
    peers = [p for p in similar if p.account_id != facts.account_id]
    if len(peers) < rules.min_similar_accounts:
        return []
    found = []
    for add_on in CATALOGUE.add_ons:
        if add_on.name in facts.add_ons:
            continue
        adopters = sum(1 for p in peers if add_on.name in p.add_ons)
        if adopters / len(peers) >= rules.add_on_adoption_threshold:
            found.append((add_on.name, adopters, len(peers)))
    return found


def test_the_add_on_rule_counts_each_group_once_with_the_same_verdicts() -> None:
    rng = random.Random(7)
    accounts = [
        AccountFacts(
            n,
            segment=rng.choice(["smb", "mid"]),
            plan=rng.choice(["starter", "pro"]),
            licensed_seats=rng.choice([5, 20, 60]),
            add_ons=frozenset(a for a in ("sso", "audit", "legacy") if rng.random() < 0.35),
        )
        for n in range(1, 400)
    ]
    groups: dict[tuple[str, str, str], list[AccountFacts]] = defaultdict(list)
    for facts in accounts:
        groups[similarity_key(facts, CATALOGUE.rules)].append(facts)
    expected = {
        (facts.account_id, *verdict)
        for facts in accounts
        for verdict in _quadratic_add_on_rule(facts, groups[similarity_key(facts, CATALOGUE.rules)])
    }
    found = {
        (o.account_id, o.target, o.reasons[0].evidence["adopters"],
         o.reasons[0].evidence["similar_accounts"])
        for o in find_opportunities(accounts, CATALOGUE)
        if o.action == "add_on"
    }  # fmt: skip
    assert len(expected) > 20  # the sample has verdicts both ways, not an empty comparison
    assert found == expected


def test_a_group_counts_each_account_once() -> None:
    from cxhub.analytics.expansion import GroupAdoption

    group = GroupAdoption.of([_peer(1, "sso"), _peer(1, "sso"), _peer(2), _peer(3, "audit")])
    assert group.account_ids == frozenset({1, 2, 3})
    assert dict(group.adopters) == {"sso": 1, "audit": 1}
    assert group.peers_of(_peer(1)) == 2
    assert group.peers_of(_peer(9)) == 3  # an account outside the group compares with all
