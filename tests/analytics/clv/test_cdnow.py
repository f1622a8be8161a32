"""The published CDNOW results, reproduced from the raw transaction sample."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from cxhub.analytics.clv import bgnbd, gamma_gamma
from cxhub.analytics.clv.summary import RfmSummary, TimeUnit, summarise_transactions

pytestmark = pytest.mark.realdata

CALIBRATION_END = date(1997, 9, 30)


@pytest.fixture(scope="module")
def cdnow(shared_data: Path) -> RfmSummary:
    ids, dates, amounts = [], [], []
    with (shared_data / "clv" / "CDNOW_sample.txt").open() as handle:
        for line in handle:
            _, original_id, day, _, dollars = line.split()
            ids.append(original_id)  # the published summary's ID
            dates.append(datetime.strptime(day, "%Y%m%d").date())
            amounts.append(float(dollars))
    return summarise_transactions(ids, dates, amounts, calibration_end=CALIBRATION_END)


def _sig3(value: float) -> str:
    return f"{value:.3g}"


def test_summary_matches_the_published_one(cdnow: RfmSummary, shared_data: Path) -> None:
    with (shared_data / "clv" / "cdnow_customers_summary.csv").open() as handle:
        published = {row["ID"]: row for row in csv.DictReader(handle)}
    assert len(cdnow) == len(published) == 2357
    for i, customer in enumerate(cdnow.customer_ids):
        row = published[str(int(customer))]
        assert cdnow.frequency[i] == float(row["frequency"])
        assert cdnow.recency[i] == pytest.approx(float(row["recency"]), abs=0.005)
        assert cdnow.age[i] == pytest.approx(float(row["T"]), abs=0.005)
    assert cdnow.time_unit is TimeUnit.weeks
    assert cdnow.holdout_duration == 39.0


def test_bgnbd_reproduces_fader_hardie_lee(cdnow: RfmSummary) -> None:
    fit = bgnbd.fit(cdnow.frequency, cdnow.recency, cdnow.age)
    p = fit.params
    assert [_sig3(v) for v in (p.r, p.alpha, p.a, p.b)] == ["0.243", "4.41", "0.793", "2.43"]
    assert [round(v, 3) for v in (p.r, p.alpha, p.a, p.b)] == [0.243, 4.414, 0.793, 2.426]
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)  # the paper's LL
    # holdout: the model tracks the 39 weeks after calibration within 15 % in total
    predicted = bgnbd.conditional_expected_transactions(
        p, 39.0, cdnow.frequency, cdnow.recency, cdnow.age
    )
    assert cdnow.holdout_frequency is not None
    assert predicted.sum() == pytest.approx(cdnow.holdout_frequency.sum(), rel=0.15)


def test_gamma_gamma_reproduces_fader_hardie(cdnow: RfmSummary) -> None:
    fit = gamma_gamma.fit(cdnow.frequency, cdnow.monetary_value)
    p = fit.params
    assert fit.customers == 946
    assert [_sig3(v) for v in (p.p, p.q, p.gamma)] == ["6.25", "3.74", "15.4"]
    assert p.gamma == pytest.approx(15.44, abs=0.01)
    assert fit.frequency_spend_correlation == pytest.approx(0.11, abs=0.01)
    assert np.mean(cdnow.monetary_value[cdnow.frequency > 0]) == pytest.approx(35.08, abs=0.01)
