"""The engine seam's configuration and path mapping, without any engine running."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cxhub.analytics import engine
from cxhub.core.errors import ValidationFailed
from cxhub.core.settings import Settings


def test_settings_select_the_backend_and_spark_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXHUB_ANALYTICS_BACKEND", "pyspark")
    monkeypatch.setenv("CXHUB_ANALYTICS_SPARK_CONF", '{"spark.executor.memory": "4g"}')
    monkeypatch.setenv("CXHUB_ANALYTICS_EVENTS_URI", "s3a://bucket/cx/events")
    config = engine.EngineConfig.from_settings(Settings())
    assert config.backend == "pyspark"
    assert config.spark_master == "local[2]"
    assert config.spark_conf == {"spark.executor.memory": "4g"}
    assert config.events_uri == "s3a://bucket/cx/events"


def test_an_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXHUB_ANALYTICS_BACKEND", "hadoop")
    with pytest.raises(ValueError, match="analytics_backend"):
        Settings()


def test_ibis_url_backend_needs_a_url() -> None:
    with pytest.raises(ValidationFailed, match="Ibis URL"):
        engine.connect(engine.EngineConfig(backend="ibis-url"))


def test_day_files_map_to_the_engines_mirror(tmp_path: Path) -> None:
    day_file = tmp_path / "events" / "workspace_id=3" / "day=2026-03-01" / "import-x.parquet"
    assert engine._engine_path(day_file, tmp_path, None) == str(day_file)
    assert (
        engine._engine_path(day_file, tmp_path, "s3a://b/cx/events/")
        == "s3a://b/cx/events/workspace_id=3/day=2026-03-01/import-x.parquet"
    )


def test_usage_events_on_duckdb_drop_inbox_resends_and_keep_the_window(tmp_path: Path) -> None:
    """One stored call, its re-send in the inbox, a fresh inbox call in +07:00 and one past the
    window's end: two rows remain."""
    import duckdb

    folder = tmp_path / "events" / "workspace_id=1" / "day=2026-03-01"
    folder.mkdir(parents=True)
    stored = folder / "import-a.parquet"
    duckdb.sql(
        "COPY (SELECT 'm1' AS message_id, 'track' AS type, 'Export' AS event, 'u1' AS user_id, "
        f"TIMESTAMP '2026-03-01 23:30:00' AS timestamp) TO '{stored}' (FORMAT PARQUET)"
    )
    inbox = [
        ("m1", "track", "Export", "u1", "2026-03-01T23:30:00+00:00"),
        ("m2", "page", None, "u2", "2026-03-02T06:00:00+07:00"),  # 2026-03-01 23:00 UTC
        ("m3", "track", "Export", "u1", "2026-03-03T00:00:00+00:00"),  # the end: excluded
    ]
    with engine.connected(engine.EngineConfig()) as backend:
        events = engine.usage_events(
            backend,
            files=[(stored, date(2026, 3, 1))],
            inbox=inbox,
            data_dir=tmp_path,
            start=datetime(2026, 3, 1, tzinfo=UTC),
            end=datetime(2026, 3, 3, tzinfo=UTC),
        )
        rows = sorted(backend.to_pyarrow(events).to_pylist(), key=lambda r: r["message_id"])
    assert [r["message_id"] for r in rows] == ["m1", "m2"]
    assert rows[1]["timestamp"] == datetime(2026, 3, 1, 23, 0)
