"""`adoption.accounts_adoption_on` column-wise: the same aggregation over the usage events
and the same values, read from Arrow into one array per figure instead of a Python object per
account (what the daily health rescore of 100,000 accounts reads; ADR 0031)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
from ibis.backends import BaseBackend

from cxhub.analytics import adoption
from cxhub.analytics import usage_metrics as metrics


def _int(value: Any) -> int:
    return int(value or 0)


@dataclass(frozen=True)
class AdoptionColumns:
    """`AdoptionSummary` column-wise: one float per account, NaN where the summary has None."""

    active_seats: npt.NDArray[np.float64]
    seat_utilisation: npt.NDArray[np.float64]
    feature_breadth: npt.NDArray[np.float64]
    usage_trend: npt.NDArray[np.float64]


def accounts_adoption_columns_on(
    backend: BaseBackend,
    events: ir.Table,
    *,
    members: list[tuple[str, int]],
    as_of: datetime,
    account_ids: npt.NDArray[np.int64],
    licensed_seats: npt.NDArray[np.float64],
) -> AdoptionColumns:
    """`accounts_adoption_on` for the ascending `account_ids` (licensed seats in the same
    order, NaN for none) as columns: the same aggregation and values, read from Arrow into
    arrays without a Python object per account (the daily rescore of 100,000 accounts)."""
    figures = usage_figures_on(
        backend, events, members=members, as_of=as_of, account_ids=account_ids
    )
    return figures.with_licensed_seats(licensed_seats)


@dataclass(frozen=True)
class UsageFigures:
    """What the events alone give, per account (`AdoptionColumns` before the licensed seats,
    which come from the system of record: the rescore reads them while DuckDB aggregates)."""

    mau: npt.NDArray[np.float64]
    feature_breadth: npt.NDArray[np.float64]
    usage_trend: npt.NDArray[np.float64]

    def with_licensed_seats(self, licensed_seats: npt.NDArray[np.float64]) -> AdoptionColumns:
        """Seat utilisation = MAU / licensed seats, NaN without (or with zero) licensed seats."""
        with np.errstate(divide="ignore", invalid="ignore"):
            seat_utilisation = np.where(
                ~np.isnan(licensed_seats) & (licensed_seats != 0),
                self.mau / licensed_seats,
                np.nan,
            )
        return AdoptionColumns(
            active_seats=self.mau,
            seat_utilisation=seat_utilisation,
            feature_breadth=self.feature_breadth,
            usage_trend=self.usage_trend,
        )


def usage_figures_on(
    backend: BaseBackend,
    events: ir.Table,
    *,
    members: list[tuple[str, int]],
    as_of: datetime,
    account_ids: npt.NDArray[np.int64],
) -> UsageFigures:
    """The event aggregation of `accounts_adoption_columns_on` (MAU, feature breadth, usage
    trend per account of the ascending `account_ids`); touches no session."""
    expression = metrics.adoption_by_account(
        events, adoption.members_table(backend, members), as_of=as_of
    )
    found = backend.to_pyarrow(expression)
    size = len(account_ids)
    if found.num_rows:  # every row carries the workspace's count
        available = _int(found["features_available"][0].as_py())
    else:
        rows = adoption.rows_of(backend, metrics.features_available(events, as_of=as_of))
        available = _int(rows[0]["features_available"]) if rows else 0
    found_ids = found["account_id"].to_numpy().astype(np.int64)
    if size:  # where each found account sits in `account_ids` (others are not asked for)
        at = np.searchsorted(account_ids, found_ids).clip(max=size - 1)
        ours = account_ids[at] == found_ids
    else:
        at, ours = np.zeros(len(found_ids), dtype=np.int64), np.zeros(len(found_ids), dtype=bool)
    at = at[ours]

    def column(name: str, default: float) -> npt.NDArray[np.float64]:
        values = np.full(size, default)
        picked = found[name].to_numpy(zero_copy_only=False).astype(np.float64)
        values[at] = picked[ours]  # a NULL reads as NaN
        return values

    return UsageFigures(
        mau=column("mau", 0.0),
        feature_breadth=column("feature_breadth", 0.0 if available else np.nan),
        usage_trend=column("usage_trend", np.nan),
    )
