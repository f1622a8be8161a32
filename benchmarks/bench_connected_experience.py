"""Connected-experience metrics at volume: the helpdesk benchmark's tickets (5 per contact on
average, six channels, tags as topics) loaded into a fresh SQLite database, then the metrics of
the last 90 days timed whole, by week and by contact, and the whole experience summary.

    python -m benchmarks.bench_connected_experience [--tickets 100000] [--keep DIR]

`--keep DIR` keeps the database (and reuses it on the next run, within 12 hours).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.helpdesk_data import Dataset, LoadPlan, default_now, load


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)

    from cxhub.analytics.connected_experience import ConnectedGroupBy, connected_experience
    from cxhub.analytics.experience_kpis import experience_metrics
    from cxhub.core.db import make_engine, make_session_factory, unit_of_work

    with tempfile.TemporaryDirectory(prefix="cxhub-bench-cx-") as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{workdir / f'cx-{args.tickets}.sqlite3'}"
        meta = workdir / f"cx-{args.tickets}.json"
        if meta.exists() and time.time() - json.loads(meta.read_text())["now"] < 12 * 3600:
            dataset = Dataset(**json.loads(meta.read_text()))
        else:
            started = time.perf_counter()
            dataset = load(LoadPlan(url, args.tickets, 3.0, 7, default_now()))
            meta.write_text(json.dumps(asdict(dataset)))
            print(
                f"loaded {dataset.counts['tickets']:,} tickets in {time.perf_counter() - started:.0f} s"
            )
        engine = make_engine(url)
        factory = make_session_factory(engine)
        until = datetime.fromtimestamp(dataset.now, UTC)
        since = until - timedelta(days=args.days)
        with unit_of_work(factory, dataset.workspace_id) as session:
            for group_by in ConnectedGroupBy:
                if group_by == ConnectedGroupBy.ACCOUNT:
                    continue
                started = time.perf_counter()
                groups = connected_experience(
                    session,
                    workspace_id=dataset.workspace_id,
                    since=since,
                    until=until,
                    group_by=group_by,
                )
                elapsed = time.perf_counter() - started
                total = sum(g.tickets for g in groups)
                print(
                    f"{group_by.value:8} {len(groups):6} groups {total:8,} tickets {elapsed:6.2f} s"
                )
                if group_by == ConnectedGroupBy.NONE:
                    g = groups[0]
                    print(
                        f"         repeat {g.repeat_rate:.1f} % switch {g.switch_rate:.1f} % "
                        f"repeated {g.repeated_information_share:.1f} % FCR {g.fcr_rate:.1f} % "
                        f"score {g.score:.1f}"
                    )
            started = time.perf_counter()
            experience_metrics(session, workspace_id=dataset.workspace_id, since=since, until=until)
            print(f"experience summary {time.perf_counter() - started:.2f} s")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
