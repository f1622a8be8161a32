"""The ticket status machine, as plain values."""

from __future__ import annotations

import pytest

from cxhub.service.tickets.models import TicketStatus as S
from cxhub.service.tickets.status import LEGAL_TRANSITIONS, IllegalTransition, check_transition


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.OPEN),
        (S.OPEN, S.PENDING),
        (S.PENDING, S.OPEN),
        (S.ON_HOLD, S.SOLVED),
        (S.SOLVED, S.OPEN),
        (S.SOLVED, S.CLOSED),
        (S.OPEN, S.OPEN),
    ],
)
def test_legal_moves_pass(current: S, target: S) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.CLOSED, S.OPEN),
        (S.CLOSED, S.SOLVED),
        (S.OPEN, S.NEW),
        (S.OPEN, S.CLOSED),
        (S.PENDING, S.CLOSED),
        (S.SOLVED, S.PENDING),
    ],
)
def test_illegal_moves_raise_with_the_allowed_targets(current: S, target: S) -> None:
    with pytest.raises(IllegalTransition) as raised:
        check_transition(current, target)
    assert raised.value.extensions["allowed"] == sorted(s.value for s in LEGAL_TRANSITIONS[current])


def test_nothing_ever_returns_to_new_and_closed_is_final() -> None:
    assert all(S.NEW not in targets for targets in LEGAL_TRANSITIONS.values())
    assert LEGAL_TRANSITIONS[S.CLOSED] == frozenset()
