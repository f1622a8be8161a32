"""How fast `cxhub import contacts` loads a CSV into SQLite, against a bare sqlite3 floor.

    .venv/bin/python -m benchmarks.bench_import [--rows 100000] [--batch-size 1000]

Generates a deterministic CSV (names, emails, phones, external ids, a few countries and
locales) in a temporary directory, imports it with the same code path as the CLI (reader,
mapping, validation, identity resolution, per-batch commits) into a fresh SQLite file with the
migrations applied, then, in the same run, inserts the same rows with bare `sqlite3.executemany`
into a second database built by the same migrations (so the same indexes, constraints and
foreign keys; an earlier hand-written copy of the schema had fewer indexes and made the floor
too low), with the same batch size and one `BEGIN IMMEDIATE ... COMMIT` per batch. The ratio
says what the product's work costs over the floor the database itself sets. Batch latency is
the time from asking for a batch (reading it, or waiting for the reader process) to its commit. Peak memory is the process's maximum resident set size
after the cxhub import (the bare run comes later and cannot raise it much).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cxhub.core.db import SYSTEM_SCOPE, make_engine, unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.core.runtime import build_runtime
from cxhub.core.settings import Settings
from cxhub.customers.contacts.identifiers import normalise_email, normalise_phone
from cxhub.customers.transfer.importer import RowImporter
from cxhub.customers.transfer.mapping import Entity
from cxhub.customers.transfer.readers import open_source
from cxhub.customers.transfer.tasks import DEFAULT_BATCH_SIZE, run_import
from cxhub.people import service as people

FIRST = ["Ada", "Grace", "Alan", "Rosa", "Luca", "Wei", "Siti", "Giulia", "Budi", "Chen", "Marie"]
LAST = ["Lovelace", "Hopper", "Turing", "Rossi", "Bianchi", "Wang", "Santoso", "Curie", "Li"]
PLACES = [("IT", "it-IT"), ("GB", "en-GB"), ("ID", "id-ID"), ("CN", "zh-CN"), ("US", "en-US")]
HEADER = ["customer_id", "email", "phone", "first_name", "last_name", "country", "locale"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            country, locale = rng.choice(PLACES)
            writer.writerow(
                [
                    f"C{n:08d}",
                    f"{first}.{last}.{n}@example.com".lower(),
                    f"+39 3{n:09d}",
                    first,
                    last,
                    country,
                    locale,
                ]
            )


def bench_cxhub(csv_path: Path, db_path: Path, batch_size: int) -> tuple[float, list[float], float]:
    url = f"sqlite:///{db_path}"
    upgrade_database(url)
    runtime = build_runtime(
        Settings(database_url=url, jobs_backend="sync", data_dir=db_path.parent)
    )
    try:
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace_id = people.create_workspace(session, slug="bench", name="Bench").id
        source = open_source(csv_path)
        importer = RowImporter(Entity.CONTACTS, {}, columns=source.columns)
        started, cpu_started = time.perf_counter(), time.process_time()
        report = run_import(
            runtime.session_factory,
            workspace_id=workspace_id,
            importer=importer,
            rows=source.rows(),
            batch_size=batch_size,
        )
        elapsed = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        runtime.close()
    if report.failed:
        sys.exit(f"benchmark data failed to import: {report.failures[:3]}")
    return elapsed, report.batch_seconds, cpu_seconds


def bench_bare(csv_path: Path, db_path: Path, batch_size: int) -> float:
    """The floor: the same rows, already clean (normalised outside the timing), straight into
    sqlite3 with ids assigned by us and one commit per batch.

    The schema is the product's own (the migrations, so every index and foreign key the import
    pays for), the connection is configured by the product's own hook (the same pragmas), and
    each batch is one `BEGIN IMMEDIATE ... COMMIT`, as in the product.
    """
    url = f"sqlite:///{db_path}"
    upgrade_database(url)
    engine = make_engine(url)  # for its connection hook: the product's pragmas, autocommit mode
    pooled = engine.raw_connection()
    connection = pooled.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    connection.execute(
        "INSERT INTO workspaces (id, slug, name, default_locale, default_time_zone, created_at,"
        " updated_at) VALUES (1, 'bare', 'Bare', 'en', 'UTC', '2024-01-01', '2024-01-01')"
    )
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    batches: list[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]] = []
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, (external_id, email, phone, first, last, country, locale) in enumerate(
            reader, start=1
        ):
            if (number - 1) % batch_size == 0:
                batches.append(([], []))
            contacts, identifiers = batches[-1]
            contacts.append(
                (number, 1, first, last, f"{first} {last}".lower(), last.lower(), locale,
                 country, "{}", now, now)
            )  # fmt: skip
            identifiers += [
                (1, number, "external_id", external_id),
                (1, number, "email", normalise_email(email)),
                (1, number, "phone", normalise_phone(phone)),
            ]
    started = time.perf_counter()
    for contacts, identifiers in batches:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO contacts (id, workspace_id, first_name, last_name, name_key,"
            " last_name_key, locale, country, custom_attributes, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            contacts,
        )
        connection.executemany(
            "INSERT INTO contact_identifiers (workspace_id, contact_id, kind, value)"
            " VALUES (?,?,?,?)",
            identifiers,
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    pooled.close()
    engine.dispose()
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cxhub-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "contacts.csv"
        generate(csv_path, args.rows)
        cx_seconds, batches, cx_cpu = bench_cxhub(
            csv_path, folder / "cxhub.sqlite3", args.batch_size
        )
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        bare_seconds = bench_bare(
            csv_path, folder / f"bare-{uuid.uuid4().hex}.sqlite3", args.batch_size
        )
    cx_rate, bare_rate = args.rows / cx_seconds, args.rows / bare_seconds
    print(
        f"rows:                 {args.rows:,} contacts (3 identifiers each), batch {args.batch_size}"
    )
    print(f"cxhub import:         {cx_seconds:8.2f} s  {cx_rate:10,.0f} contacts/s")
    print(f"cxhub CPU time:       {cx_cpu:8.2f} s  {args.rows / cx_cpu:10,.0f} contacts/CPU-s")
    print(f"bare sqlite3:         {bare_seconds:8.2f} s  {bare_rate:10,.0f} contacts/s")
    print(
        f"ratio cxhub / bare:   {cx_rate / bare_rate:8.2f}  (bare is {bare_rate / cx_rate:.1f}x faster)"
    )
    print(f"batch latency:        p50 {percentile(batches, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(batches, 0.99) * 1000:.1f} ms, mean {statistics.mean(batches) * 1000:.1f} ms")  # fmt: skip
    print(f"peak memory (RSS):    {peak_mib:8.1f} MiB")


if __name__ == "__main__":
    main()
