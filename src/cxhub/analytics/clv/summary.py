"""From a transaction log (customer, date, amount) to the RFM summary the CLV models read.

Conventions (those of the `lifetimes` package and of Fader-Hardie's CDNOW files):

- purchases are counted per **day**: several transactions of a customer on one day are one
  purchase, with their amounts added;
- **frequency** x = purchase days after the first one, up to the calibration end (inclusive);
- **recency** tₓ = last purchase day − first purchase day, **T** = calibration end − first
  purchase day, both in the time unit (a week is 7 days, so 213 days = 30.43 weeks);
- **monetary value** = mean amount of the repeat purchase days (the first purchase is left out,
  as Gamma-Gamma models repeat spend); 0 when x = 0;
- customers whose first purchase is after the calibration end are not in the summary;
- the **holdout** is (calibration end, holdout end]: holdout frequency counts purchase days there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class TimeUnit(StrEnum):
    weeks = "weeks"
    days = "days"

    @property
    def days_per_unit(self) -> float:
        return 7.0 if self is TimeUnit.weeks else 1.0


@dataclass(frozen=True)
class RfmSummary:
    customer_ids: list[str]
    frequency: FloatArray
    recency: FloatArray
    age: FloatArray  # T
    monetary_value: FloatArray
    time_unit: TimeUnit
    calibration_end: date
    holdout_frequency: FloatArray | None = None
    holdout_duration: float | None = None  # length of the holdout period, in the time unit
    holdout_end: date | None = None

    def __len__(self) -> int:
        return len(self.customer_ids)


def summarise_transactions(
    customer_ids: Sequence[str],
    dates: Sequence[date],
    amounts: Sequence[float] | None = None,
    *,
    calibration_end: date | None = None,
    holdout_end: date | None = None,
    time_unit: TimeUnit = TimeUnit.weeks,
) -> RfmSummary:
    """Summarise transactions per customer. Without `calibration_end` the whole log is the
    calibration period (ending on the last transaction date) and there is no holdout; with it,
    the holdout runs to `holdout_end` or, by default, to the last transaction date."""
    if not (len(customer_ids) == len(dates)) or (
        amounts is not None and len(amounts) != len(dates)
    ):
        raise ValueError("customer ids, dates and amounts must have the same length")
    if len(dates) == 0:
        raise ValueError("no transactions")
    days = np.fromiter((d.toordinal() for d in dates), dtype=np.int64, count=len(dates))
    values = np.zeros(len(dates)) if amounts is None else np.asarray(amounts, dtype=np.float64)
    names, customer = np.unique(np.asarray(customer_ids, dtype=object), return_inverse=True)
    customer = customer.reshape(-1).astype(np.int64)
    last_day = int(days.max())
    end = last_day if calibration_end is None else calibration_end.toordinal()
    holdout_stop = None
    if calibration_end is not None:
        holdout_stop = last_day if holdout_end is None else holdout_end.toordinal()
        if holdout_stop < end:
            raise ValueError("the holdout end is before the calibration end")

    # one row per (customer, day), amounts summed
    order = np.lexsort((days, customer))
    customer, days, values = customer[order], days[order], values[order]
    new_group = np.ones(days.size, dtype=bool)
    new_group[1:] = (customer[1:] != customer[:-1]) | (days[1:] != days[:-1])
    starts = np.flatnonzero(new_group)
    customer, days = customer[starts], days[starts]
    values = np.add.reduceat(values, starts)

    first_of_customer = np.ones(days.size, dtype=bool)
    first_of_customer[1:] = customer[1:] != customer[:-1]
    first_day = days[first_of_customer][np.cumsum(first_of_customer) - 1]
    in_calibration = days <= end
    kept = first_day <= end  # customers acquired in the calibration period
    n = names.size
    known = np.bincount(customer[kept], minlength=n) > 0
    calibration_rows = kept & in_calibration
    repeat_rows = calibration_rows & ~first_of_customer
    frequency = np.bincount(customer[repeat_rows], minlength=n).astype(np.float64)
    spend = np.bincount(customer[repeat_rows], weights=values[repeat_rows], minlength=n)
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, customer[calibration_rows], days[calibration_rows])
    first = np.zeros(n, dtype=np.int64)
    first[customer[first_of_customer]] = days[first_of_customer]

    unit = time_unit.days_per_unit
    select = np.flatnonzero(known)
    frequency = frequency[select]
    monetary = np.divide(spend[select], frequency, out=np.zeros(select.size), where=frequency > 0)
    holdout_frequency = None
    holdout_duration = None
    if holdout_stop is not None:
        holdout_rows = kept & ~in_calibration & (days <= holdout_stop)
        holdout_frequency = np.bincount(customer[holdout_rows], minlength=n).astype(np.float64)
        holdout_frequency = holdout_frequency[select]
        holdout_duration = (holdout_stop - end) / unit
    return RfmSummary(
        customer_ids=[str(v) for v in names[select]],
        frequency=frequency,
        recency=(last[select] - first[select]) / unit,
        age=(end - first[select]) / unit,
        monetary_value=monetary,
        time_unit=time_unit,
        calibration_end=date.fromordinal(end),
        holdout_frequency=holdout_frequency,
        holdout_duration=holdout_duration,
        holdout_end=None if holdout_stop is None else date.fromordinal(holdout_stop),
    )
