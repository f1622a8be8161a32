"""An in-process cache of resolved API tokens, cleared by every commit that changes who a token
speaks for (ADR 0037).

Why: every API request with a bearer token looked its caller up (a select of the token and its
user, and for a writing request a read-only session of its own) and hopped to the thread pool
for it: about 8% of a busy web process's CPU for an answer that almost never changes. A hit now
costs a sha256, a dict lookup and no database work.

Entries are keyed by the token's sha256, never by the secret. Only tokens that resolved are
cached; an unknown or revoked token is looked up every time, so a new token or user never
needs an invalidation. A commit in this process that changed a `User` or `ApiToken` row (ORM
changes, or UPDATE/DELETE statements run through a session), or deleted a `Workspace` (the
database cascades to its users and tokens), clears every cache in the process before the
request that made it answers. Other processes learn of the change when their entry expires:
after `CXHUB_AUTH_CACHE_SECONDS` at most (docs/security.md). Statements run on a bare
connection or as text are not seen: nothing in cxhub changes these tables that way.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from cxhub.core.events import discard_when_uncommitted
from cxhub.core.permissions import Role
from cxhub.core.tenancy import Workspace
from cxhub.people.models import ApiToken, User

#: Execution option of an UPDATE of `api_tokens` that changes only bookkeeping (`last_used_at`):
#: it leaves every cached token valid, so it clears nothing.
TOKEN_USE_ONLY = "cxhub_token_use_only"  # noqa: S105 - an option name, not a secret
#: `Session.info` key: this transaction changed users or tokens; clear the caches on commit.
_CHANGED_KEY = "cxhub_principal_rows_changed"
DEFAULT_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class ResolvedToken:
    """Who a bearer token speaks for, as plain values (so it outlives its session), with the
    token's id and last use for `people.service.touch_api_token`."""

    token_id: int
    last_used_at: datetime | None
    user_id: int
    workspace_id: int
    role: Role
    name: str
    locale: str
    time_zone: str


@dataclass(frozen=True)
class _Entry:
    token: ResolvedToken
    cached_at: float


class TokenCache:
    """Resolved tokens by token hash: at most `max_entries` (least recently used go first), each
    for `ttl_seconds` of `clock`. Thread-safe: the event loop reads it, pool threads clear it.

    A lookup that missed reads `generation` before it goes to the database and hands it back
    to `put`: if a commit cleared the cache meanwhile, what it read may be older than that
    commit, and it is not stored."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        if self.enabled:
            _register(self)

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    @property
    def generation(self) -> int:
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> ResolvedToken | None:
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._clock() - entry.cached_at >= self.ttl_seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.token

    def put(self, key: str, token: ResolvedToken, *, generation: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = _Entry(token, self._clock())
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def note_use(self, key: str, last_used_at: datetime) -> None:
        """The token's use was recorded: keep the entry (and its age), with the new time."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                token = replace(entry.token, last_used_at=last_used_at)
                self._entries[key] = replace(entry, token=token)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


# --- invalidation: every cache of the process, from every session of the process -------------

_live_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()
_registry_lock = threading.Lock()


def _register(cache: TokenCache) -> None:
    with _registry_lock:
        _install_session_hooks()
        _live_caches.add(cache)


def clear_token_caches() -> None:
    """Forget every resolved token of this process (each app's cache)."""
    with _registry_lock:
        caches = list(_live_caches)
    for cache in caches:
        cache.clear()


_PRINCIPAL_TABLES = frozenset({User.__tablename__, ApiToken.__tablename__})


def _note_flushed_changes(session: Session, flush_context: Any) -> None:
    """`after_flush`: the lists still hold what was just flushed. New rows are not looked at:
    no cached entry can depend on a row that did not exist (only found tokens are cached)."""
    if session.info.get(_CHANGED_KEY):
        return
    changed = any(isinstance(row, User | ApiToken) for row in session.dirty) or any(
        isinstance(row, User | ApiToken | Workspace) for row in session.deleted
    )
    if changed:
        session.info[_CHANGED_KEY] = True


def _note_statement_changes(state: ORMExecuteState) -> None:
    """`do_orm_execute`: UPDATE/DELETE statements (`update(User)`, `delete(ApiToken)`, deleting
    a workspace) bypass the unit of work, so `after_flush` never sees them."""
    if not (state.is_update or state.is_delete):
        return
    if state.execution_options.get(TOKEN_USE_ONLY):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name in _PRINCIPAL_TABLES or (state.is_delete and name == Workspace.__tablename__):
        state.session.info[_CHANGED_KEY] = True


def _clear_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # fired for a RELEASE SAVEPOINT too: the change is not committed yet
    if session.info.pop(_CHANGED_KEY, False):
        clear_token_caches()


_discard_uncommitted = discard_when_uncommitted(_CHANGED_KEY)


def _install_session_hooks() -> None:
    """On the `Session` class, so sessions of every factory in the process (web, jobs, CLI,
    tests) invalidate; installed once, when the first cache is made."""
    if event.contains(Session, "after_commit", _clear_after_commit):
        return
    event.listen(Session, "after_flush", _note_flushed_changes)
    event.listen(Session, "do_orm_execute", _note_statement_changes)
    event.listen(Session, "after_commit", _clear_after_commit)
    event.listen(Session, "after_transaction_end", _discard_uncommitted)
