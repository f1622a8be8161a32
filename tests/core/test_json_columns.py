"""JSON columns decode with orjson, falling back to the standard decoder (core.db.load_json)."""

from __future__ import annotations

import json
import math
import uuid

from sqlalchemy import JSON, Column, MetaData, Table, select

from cxhub.core.db import load_json
from cxhub.core.runtime import Runtime


def test_it_reads_what_the_standard_decoder_reads() -> None:
    stored = json.dumps({"plan": "pro", "seats": 12, "tags": ["a", "é"], "nested": {"x": None}})
    assert load_json(stored) == json.loads(stored)
    assert load_json(stored.encode()) == json.loads(stored)
    assert load_json(memoryview(stored.encode())) == json.loads(stored)


def test_values_orjson_refuses_still_read() -> None:
    assert math.isnan(load_json(json.dumps({"score": float("nan")}))["score"])
    huge = 2**70
    assert load_json(json.dumps([huge])) == [huge]
    assert load_json(memoryview(json.dumps([huge]).encode())) == [huge]


def test_the_engine_decodes_json_columns_with_it(runtime: Runtime) -> None:
    engine = runtime.engine
    assert engine.dialect._json_deserializer is load_json  # type: ignore[attr-defined]
    table = Table(f"json_probe_{uuid.uuid4().hex[:8]}", MetaData(), Column("doc", JSON))
    table.create(engine)
    try:
        with engine.begin() as connection:
            connection.execute(table.insert(), [{"doc": {"a": [1, 2], "b": "é"}}])
            assert connection.execute(select(table.c.doc)).scalar() == {"a": [1, 2], "b": "é"}
    finally:
        table.drop(engine)
