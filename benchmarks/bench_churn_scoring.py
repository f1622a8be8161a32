"""Churn scoring of many accounts: CPU seconds per phase, and path drivers against the old
one-prediction-per-column drivers measured in the same run (ADR 0032).

    .venv/bin/python -m benchmarks.bench_churn_scoring [--accounts 100000] [--train-rows 20000]

A synthetic table with a fixed seed: 12 numeric usage columns (some blank), a plan (categorical),
a yes/no and a count; churn depends on a few of them. A model is trained once on `--train-rows`
rows (setup, timed but not a result), then every phase of scoring `--accounts` accounts is
measured in CPU seconds (`time.process_time`, so the shared machine matters less) and wall
seconds: encoding the table, the probabilities, the per-customer drivers (split into the
attribution and the ranking into top-3 `Driver`s when the code has them). Then the old method —
risk minus risk with each column at its typical value, one prediction per column — runs on the
same features (`--reference-rows`, default every account) and the ratio is printed, with how
often both methods name the same first driver. Prints the 1-minute load average before and after.

Run with `PYTHONPATH=<extracted older src>` to measure an older version (it then times that
version's `customer_drivers` as the drivers phase and skips the comparison).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.results import Figure, peak_rss_mb, record

NUMERIC_COLUMNS = 12


def customer_table(rows: int, seed: int) -> dict[str, list[Any]]:
    """Plain Python values, as a database query would give them; `churned` is the target."""
    rng = np.random.default_rng(seed)
    usage = rng.gamma(2.0, 1.0, size=(rows, NUMERIC_COLUMNS))
    usage[rng.random((rows, NUMERIC_COLUMNS)) < 0.03] = np.nan
    plan = rng.choice(["free", "starter", "pro", "enterprise"], size=rows, p=[0.3, 0.3, 0.3, 0.1])
    auto_renew = rng.random(rows) < 0.6
    tickets = rng.poisson(1.5, size=rows)
    logit = (
        -1.0
        - 0.5 * np.nan_to_num(usage[:, 0], nan=2.0)
        + 0.4 * np.nan_to_num(usage[:, 1], nan=2.0)
        + 0.3 * tickets
        - 0.8 * auto_renew
        + 1.0 * (plan == "free")
    )
    churned = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))
    table: dict[str, list[Any]] = {
        f"usage_{i:02d}": [None if np.isnan(v) else float(v) for v in usage[:, i]]
        for i in range(NUMERIC_COLUMNS)
    }
    table["plan"] = plan.tolist()
    table["auto_renew"] = ["yes" if a else "no" for a in auto_renew]
    table["tickets"] = tickets.tolist()
    table["churned"] = ["yes" if c else "no" for c in churned]
    return table


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, CPU seconds, wall seconds)."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--train-rows", type=int, default=20_000)
    parser.add_argument("--reference-rows", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from cxhub.analytics.churn import as_table, train
    from cxhub.analytics.churn.model import one_thread

    load_before = os.getloadavg()[0]
    training = customer_table(args.train_rows, args.seed)
    model, train_cpu, train_wall = timed(lambda: train(training, "churned", "yes"))
    (calibrated,) = model.estimator.calibrated_classifiers_
    trees = sum(len(step) for step in calibrated.estimator._predictors)
    print(
        f"setup: trained on {args.train_rows:,} rows in {train_wall:.1f} s "
        f"(CPU {train_cpu:.1f} s; {trees} trees)"
    )

    scored = as_table(customer_table(args.accounts, args.seed + 1)).without("churned")
    phases: dict[str, tuple[float, float]] = {}
    features, *phases["encode"] = timed(lambda: model.schema.encode(scored))
    _, *phases["probabilities"] = timed(lambda: model.risk(features))
    drivers, *phases["drivers"] = timed(lambda: model.customer_drivers(features))
    assert len(drivers) == args.accounts
    path_method = hasattr(model, "driver_effects")
    if path_method:
        from cxhub.analytics.churn.drivers import top_drivers

        effects, *phases["  attribution"] = timed(lambda: model.driver_effects(features))
        _, *phases["  ranking"] = timed(
            lambda: top_drivers(effects, features, model.schema.features, 3)
        )
    if hasattr(model, "score_features"):  # what scoring runs: risk and drivers from one walk
        _, *phases["one walk"] = timed(lambda: model.score_features(features))
    for name, (cpu, wall) in phases.items():
        print(f"{name:<15} CPU {cpu:7.2f} s   wall {wall:7.2f} s")
    total = sum(phases[p][0] for p in ("encode", "probabilities", "drivers"))
    print(f"{'score total':<15} CPU {total:7.2f} s   ({args.accounts:,} accounts)")
    if "one walk" in phases:
        walked = phases["encode"][0] + phases["one walk"][0]
        print(f"{'score, one walk':<15} CPU {walked:7.2f} s   (encode + risk and drivers together)")

    details: dict[str, Any] = {p.strip(): round(c, 3) for p, (c, _) in phases.items()}
    baseline_seconds = None
    if path_method:
        rows = min(args.reference_rows or args.accounts, args.accounts)
        sample = features[:rows]

        def old_drivers() -> Any:
            with one_thread():
                return model.perturbation_effects(sample)

        old, old_cpu, old_wall = timed(old_drivers)
        _, rank_cpu, _ = timed(lambda: top_drivers(old, sample, model.schema.features, 3))
        old_cpu_all = (old_cpu + rank_cpu) * args.accounts / rows
        baseline_seconds = old_cpu_all
        agree = np.mean(
            [
                (a[0].column if a else None) == (b[0].column if b else None)
                for a, b in zip(
                    drivers[:rows],
                    top_drivers(old, sample, model.schema.features, 3),
                    strict=True,
                )
            ]
        )
        print(
            f"old per-column drivers on {rows:,} rows: CPU {old_cpu + rank_cpu:.2f} s "
            f"(wall {old_wall:.2f} s); for {args.accounts:,}: CPU {old_cpu_all:.2f} s; "
            f"drivers now {old_cpu_all / phases['drivers'][0]:.1f}× cheaper in CPU; "
            f"same first driver for {agree:.0%} of rows"
        )
        details.update(old_drivers_cpu=round(old_cpu_all, 3), same_first_driver=float(agree))
    load_after = os.getloadavg()[0]
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")
    record(
        Figure(
            scenario="churn scoring",
            unit="accounts",
            throughput=args.accounts / max(total, 1e-9),
            seconds=total,
            peak_mb=peak_rss_mb(),
            baseline_name="per-column perturbation drivers (CPU s)" if path_method else None,
            baseline_seconds=baseline_seconds,
            details=details,
        )
    )


if __name__ == "__main__":
    main()
