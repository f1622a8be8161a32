"""Any CSV a spreadsheet can produce imports without an exception (hypothesis): every data row is
reported once — created, updated, unchanged or failed with a reason — and importing the same
file again creates nothing."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts.models import Contact
from cxhub.customers.transfer.importer import RowImporter
from cxhub.customers.transfer.mapping import Entity, MappingError
from cxhub.customers.transfer.outcomes import RowStatus
from cxhub.customers.transfer.readers import ReadError, open_source
from cxhub.customers.transfer.tasks import run_import
from cxhub.people import service as people
from tests.factories import unique

KNOWN_COLUMNS = [
    "email", "Email Address", "first_name", "Surname", "phone", "mobile", "company",
    "customer_id", "locale", "time_zone", "country", "emails", "social", "notes", "Plan",
]  # fmt: skip
extra_columns = st.from_regex(r"[A-Za-z][A-Za-z ]{0,14}", fullmatch=True)
cells = st.one_of(
    st.text(max_size=40),
    st.emails(),
    st.from_regex(r"\+?[0-9 ()-]{0,18}", fullmatch=True),
    st.sampled_from(["", " ", "it-IT", "Europe/Rome", "IT", "twitter:@ada", "a@b;c@d.org"]),
)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = draw(
        st.lists(
            st.one_of(st.sampled_from(KNOWN_COLUMNS), extra_columns),
            min_size=1,
            max_size=6,
            unique_by=lambda c: c.strip().lower(),
        )
    )
    width = len(header)
    row = st.one_of(
        st.lists(cells, min_size=width, max_size=width),
        st.lists(cells, max_size=width + 2),  # a ragged row: reported as failed
    )
    return header, draw(st.lists(row, max_size=12))


def _data_rows(rows: list[list[str]], width: int) -> int:
    """Rows the reader yields: a blank line (no cell, or one blank cell) is not a row."""
    return sum(
        1 for row in rows if row and not (len(row) == 1 and not row[0].strip() and width > 1)
    )


def _workspace(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        slug = unique("csv-")
        return people.create_workspace(session, slug=slug, name=slug).id


def _contacts(runtime: Runtime, workspace_id: int) -> int:
    with unit_of_work(runtime.session_factory, workspace_id) as session:
        return session.scalar(select(func.count()).select_from(Contact)) or 0


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=csv_files())
def test_any_csv_imports_and_every_row_is_reported(
    runtime: Runtime, data: tuple[list[str], list[list[str]]]
) -> None:
    header, rows = data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        try:
            source = open_source(path)
            importer = RowImporter(Entity.CONTACTS, None, columns=source.columns)
        except (ReadError, MappingError) as refused:
            message = str(refused)
            assert message  # a usage error the CLI prints, before any row is read
            return
        workspace_id = _workspace(runtime)
        factory = runtime.session_factory
        report = run_import(
            factory, workspace_id=workspace_id, importer=importer, rows=source.rows()
        )
        assert report.aborted is None
        assert report.rows == _data_rows(rows, len(header))
        assert len(report.failures) == report.failed
        assert all(failure.message for failure in report.failures)
        contacts = _contacts(runtime, workspace_id)
        assert contacts <= report.counts[RowStatus.CREATED]

        again = run_import(
            factory,
            workspace_id=workspace_id,
            importer=RowImporter(Entity.CONTACTS, None, columns=source.columns),
            rows=open_source(path).rows(),
        )
        assert again.rows == report.rows
        assert again.counts[RowStatus.CREATED] == 0
        assert again.failed == report.failed
        assert _contacts(runtime, workspace_id) == contacts
