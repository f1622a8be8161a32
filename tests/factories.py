"""Object builders in one place; each test states only what matters to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.people import service as people
from cxhub.people.schemas import UserCreate


@dataclass
class Tenant:
    """A workspace with a user and an API token per role."""

    workspace_id: int
    slug: str
    user_ids: dict[Role, int] = field(default_factory=dict)
    tokens: dict[Role, str] = field(default_factory=dict)
    runtime: Runtime | None = None

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.headers(Role.ADMIN)

    def session(self) -> Any:
        assert self.runtime is not None
        return unit_of_work(self.runtime.session_factory, self.workspace_id)


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def make_tenant(runtime: Runtime) -> Tenant:
    slug = unique("ws-")
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        workspace = people.create_workspace(session, slug=slug, name=f"Workspace {slug}")
        tenant = Tenant(workspace_id=workspace.id, slug=slug, runtime=runtime)
        session.info["workspace_id"] = workspace.id
        for role in Role:
            user = people.create_user(
                session,
                workspace_id=workspace.id,
                data=UserCreate(
                    email=f"{role.value}-{slug}@example.com", name=f"{role.value} {slug}", role=role
                ),
            )
            tenant.user_ids[role] = user.id
            tenant.tokens[role] = people.create_api_token(session, user=user, name="tests").secret
    return tenant


def at(days_ago: float, *, base: datetime | None = None) -> datetime:
    return (base or datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) - timedelta(days=days_ago)


def scoped(session: Session, workspace_id: int) -> Session:
    session.info["workspace_id"] = workspace_id
    return session


@contextmanager
def fresh_sqlite_runtime(tmp_path: Path) -> Iterator[tuple[Runtime, Path]]:
    """A runtime on a new, migrated SQLite file of its own (no planner statistics yet): for
    tests of SQLite's query plans, which the shared test database would not show."""
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime
    from cxhub.core.settings import Settings

    path = tmp_path / "cxhub.sqlite3"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    settings = Settings(
        environment="test",
        database_url=url,
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        jobs_backend="sync",
    )
    runtime = build_runtime(settings)
    try:
        yield runtime, path
    finally:
        runtime.close()
