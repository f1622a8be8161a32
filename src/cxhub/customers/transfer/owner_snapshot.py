"""Who already holds a batch's identifiers, looked up by the pipeline's worker process.

On SQLite, finding the existing owners of a batch's keys cost the writing process about 1.5 s
per 100,000 contacts. With the pipeline on, the worker process does it instead, on its own
connection (a deferred transaction: a WAL snapshot that never waits for the writer), and sends
the owners it found along with the prepared batch (`SnapshotLookup`).

That snapshot may predate the writer's last commits, so the writing process keeps the keys it
has itself written and committed since the snapshot (`KnownOwners`, commits are counted
in shared memory) and lays them over the worker's answer. Another writer (the API) committing a contact after the worker looked is the
remaining gap: the new identifier then collides with the unique (workspace, kind, value)
constraint, the batch rolls back and `tasks.run_import` retries it row by row, and those
single-row batches carry no snapshot, so they look up owners afresh in the writing process.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import make_engine, make_session_factory, reader_bind, workspace_session_info
from cxhub.customers.transfer.contacts_import import owners_of_keys
from cxhub.customers.transfer.records import Key

Snapshot = tuple[int, dict[Key, int]]  # (the writer's commits it includes, owner by key)


class KnownOwners:
    """The keys this import wrote, by contact id, per commit, for as long as a snapshot may
    predate that commit.

    Commits are numbered in `commits`, a counter shared with the worker (shared memory): the
    worker reads it before opening its snapshot and sends it along, so every commit up to that
    number is in the snapshot and only later ones need laying over it. Older ones are dropped,
    which keeps this to a batch or two of keys instead of the whole file.
    """

    __slots__ = ("_later", "_pending", "commits")

    def __init__(self, commits: Any) -> None:
        self.commits = commits  # a multiprocessing RawValue("q")
        self._later: deque[tuple[int, dict[Key, int]]] = deque()
        self._pending: dict[Key, int] = {}

    def owners(self, snapshot: Snapshot, keys: set[Key]) -> dict[Key, int]:
        """The worker's snapshot of `keys`' owners, corrected by this import's later commits."""
        seen, owners = snapshot
        later = self._later
        while later and later[0][0] <= seen:
            later.popleft()
        if not later:
            return owners
        owners = dict(owners)
        for _, written in later:  # oldest first: a later commit's word wins
            for key in keys & written.keys():
                owners[key] = written[key]
        return owners

    def wrote(self, written: dict[Key, int]) -> None:
        self._pending.update(written)

    def committed(self) -> None:
        number = self.commits.value + 1
        if self._pending:
            self._later.append((number, self._pending))
            self._pending = {}
        self.commits.value = number

    def rolled_back(self) -> None:
        self._pending.clear()


class SnapshotLookup:
    """Runs in the worker: the owners of the keys of a batch of contact records.

    Built in the writing process from the database URL only; the engine is made in the worker
    on first use (a forked process must not share the parent's pooled connections).
    """

    def __init__(self, url: str, workspace_id: int) -> None:
        self.url = url
        self.workspace_id = workspace_id
        self.commits: Any = None  # the writer's commit counter, set by the pipeline
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None

    def __getstate__(self) -> dict[str, Any]:  # for a spawned worker: never the engine
        return {"url": self.url, "workspace_id": self.workspace_id, "commits": self.commits}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["url"], state["workspace_id"])  # type: ignore[misc]
        self.commits = state["commits"]

    def __call__(self, records: list[Any]) -> Snapshot:
        """(commits seen, owners): read the counter first, then open the snapshot."""
        seen = self.commits.value
        if self._factory is None:
            self._engine = make_engine(self.url)
            self._factory = make_session_factory(reader_bind(self._engine))
        keys = {key for record in records for key in record.keys}
        info = workspace_session_info(self.workspace_id)
        with self._factory(info=info) as session, session.begin():
            return seen, owners_of_keys(session, keys)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._factory = None
