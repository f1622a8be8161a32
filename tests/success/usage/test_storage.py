"""The event file layout (storage.py): which files of a day folder are event files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cxhub.success.usage.storage import day_dir, event_files, file_name, import_file_name

RUN = "20261126T142233-0123abcd"


def test_every_part_of_a_large_bulk_import_is_an_event_file(tmp_path: Path) -> None:
    folder = day_dir(tmp_path, 7, date(2026, 11, 26))
    folder.mkdir(parents=True)
    parts = [1, 9_999, 10_000, 123_456]  # past part 9,999 the name has more than four digits
    names = [import_file_name(RUN, part) for part in parts] + [file_name(1, 5)]
    for name in [*names, "import-notes.parquet", f"import-{RUN}-12.parquet", "x.txt"]:
        (folder / name).write_bytes(b"")
    found = sorted(f.path.name for f in event_files(tmp_path, 7))
    assert found == sorted(names)
    assert import_file_name(RUN, 10_000).endswith("-10000.parquet")
