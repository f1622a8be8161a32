"""Expansion opportunities on plain values (no database): docs/expansion.md.

A workspace's *plan catalogue* lists its plans from the lowest to the highest (list price,
per-feature limits), its add-ons and the thresholds of the three rules:

- **seats**: more than `seat_threshold` (90 %) of the licensed seats were active in the last 30
  days → sell enough seats to bring use back to `seat_target` (80 %);
- **upgrade**: a feature used at `heavy_use_threshold` (80 %) or more of the current plan's limit,
  and a higher plan extends that limit → upgrade to the lowest plan that extends every such
  feature;
- **add-on**: an add-on adopted by at least `add_on_adoption_threshold` (30 %) of the *similar*
  accounts (same segment, same plan, same seat-size band; at least `min_similar_accounts` of them,
  the account itself not counted) and not by this account.

Each opportunity carries machine-readable reasons (a `code` and the `evidence` numbers) and an
estimated ARR upside in the catalogue's currency (12 × the extra MRR, integer cents; None when
no price is known). Opportunities are ranked by that upside, largest first.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME_PATTERN = r"^[^\s].{0,119}$"


class FeatureLimit(BaseModel):
    """How much of a feature (a `track` event name) a plan allows per 30 days: `limit` events
    (or distinct users with `unit` "users"); None = unlimited, 0 = not included."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: str = Field(min_length=1, max_length=200)
    limit: int | None = Field(default=None, ge=0)
    unit: Literal["events", "users"] = "events"


class Plan(BaseModel):
    """A plan as sold: MRR = `base_mrr_cents` + `seat_price_cents` × seats. A feature a plan
    does not list is not limited by it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=120, pattern=NAME_PATTERN)
    base_mrr_cents: int = Field(default=0, ge=0)
    seat_price_cents: int = Field(default=0, ge=0)
    limits: list[FeatureLimit] = Field(default_factory=list, max_length=100)

    @field_validator("limits")
    @classmethod
    def _one_limit_per_feature(cls, limits: list[FeatureLimit]) -> list[FeatureLimit]:
        features = [item.feature for item in limits]
        if len(set(features)) != len(features):
            raise ValueError("each feature may be limited once per plan")
        return limits

    def limit_of(self, feature: str) -> FeatureLimit | None:
        return next((item for item in self.limits if item.feature == feature), None)

    def mrr_for(self, seats: int) -> int:
        return self.base_mrr_cents + self.seat_price_cents * seats


class AddOn(BaseModel):
    """Something sold on top of a plan, as its own subscription whose `plan` is `name`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=120, pattern=NAME_PATTERN)
    mrr_cents: int = Field(default=0, ge=0)
    seat_price_cents: int = Field(default=0, ge=0)

    def mrr_for(self, seats: int) -> int:
        return self.mrr_cents + self.seat_price_cents * seats


class ExpansionRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seat_threshold: float = Field(default=0.9, gt=0, le=1)
    seat_target: float = Field(default=0.8, gt=0, le=1)
    heavy_use_threshold: float = Field(default=0.8, gt=0, le=1)
    add_on_adoption_threshold: float = Field(default=0.3, gt=0, le=1)
    min_similar_accounts: int = Field(default=5, ge=1, le=10_000)
    size_bands: list[int] = Field(default_factory=lambda: [10, 50, 250, 1000], max_length=20)

    @field_validator("size_bands")
    @classmethod
    def _increasing(cls, bands: list[int]) -> list[int]:
        if any(b < 1 for b in bands) or any(b <= a for a, b in itertools.pairwise(bands)):
            raise ValueError("size bands are seat counts, positive and strictly increasing")
        return bands


class PlanCatalogue(BaseModel):
    """A workspace's plans (lowest first), add-ons and rule thresholds, in one currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")
    plans: list[Plan] = Field(default_factory=list, max_length=50)
    add_ons: list[AddOn] = Field(default_factory=list, max_length=100)
    rules: ExpansionRules = Field(default_factory=ExpansionRules)

    @model_validator(mode="after")
    def _unique_names(self) -> PlanCatalogue:
        names = [p.name for p in self.plans] + [a.name for a in self.add_ons]
        if len(set(names)) != len(names):
            raise ValueError("plan and add-on names must be unique")
        return self

    @cached_property
    def _plan_positions(self) -> dict[str, int]:
        return {plan.name: index for index, plan in enumerate(self.plans)}

    @cached_property
    def _add_on_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.add_ons)

    def plan_index(self, name: str | None) -> int | None:
        return None if name is None else self._plan_positions.get(name)

    def is_add_on(self, name: str) -> bool:
        return name in self._add_on_names


@dataclass(frozen=True)
class FeatureUse:
    """A feature's use by one account in the last 30 days."""

    events: int
    users: int


@dataclass(frozen=True)
class AccountFacts:
    """What the rules know of one account (from subscriptions in the catalogue's currency,
    the account record and 30 days of product usage)."""

    account_id: int
    segment: str | None = None
    plan: str | None = None
    mrr_cents: int = 0
    licensed_seats: int | None = None
    active_seats: int = 0
    feature_use: Mapping[str, FeatureUse] = field(default_factory=dict)
    add_ons: frozenset[str] = frozenset()

    @property
    def seats(self) -> int:
        """The seats a price is computed for: licensed, else active, at least 1."""
        return max(self.licensed_seats or self.active_seats, 1)


Kind = Literal["upsell", "cross_sell"]
Action = Literal["add_seats", "upgrade_plan", "add_on"]


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Opportunity:
    account_id: int
    kind: Kind
    action: Action
    target: str | None
    arr_upside_cents: int | None
    currency: str
    reasons: list[Reason]


SEATS_NEAR_LIMIT = "seats_near_limit"
FEATURE_NEAR_PLAN_LIMIT = "feature_near_plan_limit"
ADD_ON_ADOPTED_BY_SIMILAR = "add_on_adopted_by_similar"


def size_band(seats: int | None, bands: Sequence[int]) -> str:
    """The seat-size band label: "1-9", "10-49", …, "1000+"; "unknown" without seats."""
    if seats is None or seats < 1:
        return "unknown"
    lower = 1
    for bound in bands:
        if seats < bound:
            return f"{lower}-{bound - 1}"
        lower = bound
    return f"{lower}+"


def seat_opportunity(facts: AccountFacts, catalogue: PlanCatalogue) -> Opportunity | None:
    """More than `seat_threshold` of the licensed seats active → the seats that bring use back
    to `seat_target`, priced at the plan's seat price (else the account's own MRR per seat)."""
    rules = catalogue.rules
    licensed = facts.licensed_seats
    if not licensed or licensed < 1:
        return None
    utilisation = facts.active_seats / licensed
    if utilisation <= rules.seat_threshold:
        return None
    wanted = math.ceil(facts.active_seats / rules.seat_target - 1e-9)
    additional = max(1, wanted - licensed)
    index = catalogue.plan_index(facts.plan)
    seat_price: int | None = None
    if index is not None and catalogue.plans[index].seat_price_cents > 0:
        seat_price = catalogue.plans[index].seat_price_cents
    elif facts.mrr_cents > 0:
        seat_price = round(facts.mrr_cents / licensed)
    upside = 12 * additional * seat_price if seat_price is not None else None
    reason = Reason(
        code=SEATS_NEAR_LIMIT,
        message=(
            f"{facts.active_seats} of {licensed} licensed seats active in 30 days "
            f"({utilisation:.0%}, above {rules.seat_threshold:.0%})"
        ),
        evidence={
            "active_seats": facts.active_seats,
            "licensed_seats": licensed,
            "utilisation": utilisation,
            "threshold": rules.seat_threshold,
            "target_utilisation": rules.seat_target,
            "additional_seats": additional,
            "seat_price_cents": seat_price,
        },
    )
    return Opportunity(
        facts.account_id, "upsell", "add_seats", None, upside, catalogue.currency, [reason]
    )


def _used(use: FeatureUse | None, unit: str) -> int:
    if use is None:
        return 0
    return use.users if unit == "users" else use.events


def _extends(plan: Plan, current: FeatureLimit) -> bool:
    limit = plan.limit_of(current.feature)
    return limit is None or limit.limit is None or limit.limit > (current.limit or 0)


def upgrade_opportunity(facts: AccountFacts, catalogue: PlanCatalogue) -> Opportunity | None:
    """Features used at `heavy_use_threshold` of the current plan's limit (any use of a feature
    the plan excludes) that a higher plan extends → the lowest higher plan extending all."""
    rules = catalogue.rules
    index = catalogue.plan_index(facts.plan)
    if index is None:
        return None
    current = catalogue.plans[index]
    needed: list[tuple[FeatureLimit, int, int]] = []  # limit, use, index of the first extender
    for limit in current.limits:
        if limit.limit is None:
            continue
        used = _used(facts.feature_use.get(limit.feature), limit.unit)
        heavy = used > 0 if limit.limit == 0 else used >= rules.heavy_use_threshold * limit.limit
        if not heavy:
            continue
        extender = next(
            (
                j
                for j in range(index + 1, len(catalogue.plans))
                if _extends(catalogue.plans[j], limit)
            ),
            None,
        )
        if extender is not None:
            needed.append((limit, used, extender))
    if not needed:
        return None
    target = catalogue.plans[max(extender for _, _, extender in needed)]
    upside = 12 * max(0, target.mrr_for(facts.seats) - facts.mrr_cents)
    reasons = []
    for limit, used, _ in needed:
        extended = target.limit_of(limit.feature)
        assert limit.limit is not None
        reasons.append(
            Reason(
                code=FEATURE_NEAR_PLAN_LIMIT,
                message=(
                    f"{limit.feature}: {used} {limit.unit} in 30 days of {limit.limit} "
                    f"allowed on {current.name}; {target.name} allows "
                    + (
                        "unlimited"
                        if extended is None or extended.limit is None
                        else str(extended.limit)
                    )
                ),
                evidence={
                    "feature": limit.feature,
                    "unit": limit.unit,
                    "used": used,
                    "limit": limit.limit,
                    "share": used / limit.limit if limit.limit else None,
                    "threshold": rules.heavy_use_threshold,
                    "plan": current.name,
                    "target_plan": target.name,
                    "target_limit": None if extended is None else extended.limit,
                },
            )
        )
    return Opportunity(
        facts.account_id, "upsell", "upgrade_plan", target.name, upside, catalogue.currency, reasons
    )


def similarity_key(facts: AccountFacts, rules: ExpansionRules) -> tuple[str, str, str]:
    """Similar accounts share segment (tier), plan and seat-size band."""
    return (
        facts.segment or "",
        facts.plan or "",
        size_band(facts.licensed_seats, rules.size_bands),
    )


@dataclass(frozen=True)
class GroupAdoption:
    """One similarity group counted once: its accounts and how many of them use each add-on.

    Each account's add-on rule compares it with the rest of its group; counting the group per
    account made the rule quadratic in the group's size (100,000 accounts in a few dozen groups:
    billions of membership tests), counted once it is linear."""

    account_ids: frozenset[int]
    adopters: Mapping[str, int]

    @classmethod
    def of(cls, group: Iterable[AccountFacts]) -> GroupAdoption:
        members = list({m.account_id: m for m in group}.values())  # one entry per account
        adopters: dict[str, int] = defaultdict(int)
        for member in members:
            for add_on in member.add_ons:
                adopters[add_on] += 1
        return cls(frozenset(m.account_id for m in members), dict(adopters))

    def peers_of(self, facts: AccountFacts) -> int:
        return len(self.account_ids) - (facts.account_id in self.account_ids)


def add_on_opportunities(
    facts: AccountFacts,
    similar: Sequence[AccountFacts] | GroupAdoption,
    catalogue: PlanCatalogue,
) -> list[Opportunity]:
    """Add-ons adopted by at least `add_on_adoption_threshold` of `similar` (the other accounts
    of the same similarity key, or their `GroupAdoption`; at least `min_similar_accounts` of
    them) and not by `facts`."""
    rules = catalogue.rules
    group = similar if isinstance(similar, GroupAdoption) else GroupAdoption.of(similar)
    peers = group.peers_of(facts)
    if peers < rules.min_similar_accounts:
        return []
    segment, plan, band = similarity_key(facts, rules)
    found = []
    for add_on in catalogue.add_ons:
        if add_on.name in facts.add_ons:
            continue
        # `facts` does not use it, so every adopter of the group is one of its peers.
        adopters = group.adopters.get(add_on.name, 0)
        share = adopters / peers
        if share < rules.add_on_adoption_threshold:
            continue
        price = add_on.mrr_for(facts.seats)
        reason = Reason(
            code=ADD_ON_ADOPTED_BY_SIMILAR,
            message=(f"{adopters} of {peers} similar accounts ({share:.0%}) use {add_on.name}"),
            evidence={
                "add_on": add_on.name,
                "similar_accounts": peers,
                "adopters": adopters,
                "share": share,
                "threshold": rules.add_on_adoption_threshold,
                "segment": segment or None,
                "plan": plan or None,
                "size_band": band,
            },
        )
        found.append(
            Opportunity(
                facts.account_id,
                "cross_sell",
                "add_on",
                add_on.name,
                12 * price if price > 0 else None,
                catalogue.currency,
                [reason],
            )
        )
    return found


def rank(opportunities: Iterable[Opportunity]) -> list[Opportunity]:
    """Largest ARR upside first; unknown upside last; then by account and action."""
    return sorted(
        opportunities,
        key=lambda o: (
            o.arr_upside_cents is None,
            -(o.arr_upside_cents or 0),
            o.account_id,
            o.action,
            o.target or "",
        ),
    )


def find_opportunities(
    accounts: Sequence[AccountFacts],
    catalogue: PlanCatalogue,
    *,
    only: set[int] | None = None,
) -> list[Opportunity]:
    """Every rule over `accounts` (the whole population, so add-ons compare with similar
    accounts), for the accounts in `only` (all when None), ranked."""
    members: dict[tuple[str, str, str], list[AccountFacts]] = defaultdict(list)
    for facts in accounts:
        members[similarity_key(facts, catalogue.rules)].append(facts)
    groups = {key: GroupAdoption.of(group) for key, group in members.items()}
    found: list[Opportunity] = []
    for facts in accounts:
        if only is not None and facts.account_id not in only:
            continue
        for rule in (seat_opportunity, upgrade_opportunity):
            opportunity = rule(facts, catalogue)
            if opportunity is not None:
                found.append(opportunity)
        similar = groups[similarity_key(facts, catalogue.rules)]
        found.extend(add_on_opportunities(facts, similar, catalogue))
    return rank(found)
