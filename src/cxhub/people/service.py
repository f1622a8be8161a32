"""Use cases for workspaces, users, teams, API tokens and web sessions. No commits here."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.db import SYSTEM_SCOPE, utcnow
from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.core.permissions import Role
from cxhub.core.tenancy import Workspace
from cxhub.people.models import ApiToken, Team, TeamMembership, User, WebSession
from cxhub.people.passwords import hash_password, verify_password
from cxhub.people.schemas import TeamCreate, TeamUpdate, UserCreate, UserUpdate
from cxhub.people.token_cache import TOKEN_USE_ONLY, ResolvedToken

TOKEN_PREFIX = "cxh_"  # noqa: S105 - a public marker, not a secret
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- workspaces -------------------------------------------------------------------------------


def create_workspace(
    session: Session, *, slug: str, name: str, default_locale: str = "en"
) -> Workspace:
    if not _SLUG_RE.match(slug):
        raise ValidationFailed("workspace slug must be 2-63 lowercase letters, digits or dashes")
    if session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise Conflict(f"workspace {slug!r} already exists")
    workspace = Workspace(slug=slug, name=name, default_locale=default_locale)
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace_by_slug(session: Session, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFound(f"no workspace {slug!r}")
    return workspace


def list_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.id)))


# --- users ------------------------------------------------------------------------------------


def create_user(
    session: Session, *, workspace_id: int, data: UserCreate, actor_user_id: int | None = None
) -> User:
    email = data.email.lower()
    taken = session.scalar(
        select(User.id)
        .where(func.lower(User.email) == email)
        .execution_options(skip_workspace_filter=True)
    )
    if taken is not None:
        raise Conflict(f"a user with email {email} already exists", field="email")
    user = User(
        workspace_id=workspace_id,
        email=email,
        name=data.name,
        role=data.role,
        password_hash=hash_password(data.password) if data.password else None,
        locale=data.locale,
        time_zone=data.time_zone,
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action="user.created",
        target_type="user",
        target_id=user.id,
        detail={"role": user.role.value},
    )
    return user


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    # session.get bypasses do_orm_execute when the row is already in the identity map, so the
    # workspace is checked again explicitly (SYSTEM_SCOPE sessions serve every workspace).
    scope = session.info.get("workspace_id")
    if user is None or (scope != SYSTEM_SCOPE and user.workspace_id != scope):
        raise NotFound(f"user {user_id} not found")
    return user


USER_SORTS = {"id": User.id, "name": User.name, "email": User.email, "created_at": User.created_at}


def list_users(
    session: Session, *, page: PageRequest, role: Role | None = None, q: str | None = None
) -> Page[User]:
    statement: Select[tuple[User]] = select(User)
    if role is not None:
        statement = statement.where(User.role == role)
    if q:
        pattern = f"%{q.lower()}%"
        statement = statement.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    return paginate(
        session,
        statement,
        request=page,
        sortable=USER_SORTS,
        id_column=User.id,
        default_sort="name",
    )


def update_user(
    session: Session, *, user_id: int, data: UserUpdate, actor_user_id: int | None
) -> User:
    user = get_user(session, user_id=user_id)
    # null means "leave as is", like an absent member
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "role" in changes and changes["role"] != user.role:
        record_audit(
            session,
            workspace_id=user.workspace_id,
            actor_user_id=actor_user_id,
            action="user.role_changed",
            target_type="user",
            target_id=user.id,
            detail={"from": user.role.value, "to": changes["role"].value},
        )
    for key, value in changes.items():
        setattr(user, key, value)
    session.flush()
    return user


def set_password(session: Session, *, user_id: int, password: str) -> None:
    if len(password) < 10:
        raise ValidationFailed("password must be at least 10 characters", field="password")
    get_user(session, user_id=user_id).password_hash = hash_password(password)


def authenticate_password(session: Session, *, email: str, password: str) -> User | None:
    user = session.scalar(
        select(User)
        .where(User.email == email.strip().lower(), User.is_active.is_(True))
        .execution_options(skip_workspace_filter=True)
    )
    if user is None:
        verify_password(None, password)
        return None
    return user if verify_password(user.password_hash, password) else None


# --- teams ------------------------------------------------------------------------------------


def _check_members(session: Session, member_ids: list[int]) -> None:
    if not member_ids:
        return
    found = set(session.scalars(select(User.id).where(User.id.in_(member_ids))))
    missing = sorted(set(member_ids) - found)
    if missing:
        raise ValidationFailed(f"unknown users: {missing}", field="member_ids")


def create_team(session: Session, *, workspace_id: int, data: TeamCreate) -> Team:
    _check_members(session, data.member_ids)
    # The row is added inside the savepoint: begin_nested() first flushes what is already
    # pending, outside the savepoint, where a duplicate would poison the whole transaction.
    try:
        with session.begin_nested():
            team = Team(workspace_id=workspace_id, name=data.name, description=data.description)
            team.members = [
                TeamMembership(workspace_id=workspace_id, user_id=uid)
                for uid in set(data.member_ids)
            ]
            session.add(team)
            session.flush()
    except IntegrityError:
        raise Conflict(f"a team named {data.name!r} already exists", field="name") from None
    return team


def get_team(session: Session, *, team_id: int) -> Team:
    team = session.scalar(select(Team).where(Team.id == team_id))
    if team is None:
        raise NotFound(f"team {team_id} not found")
    return team


TEAM_SORTS = {"id": Team.id, "name": Team.name, "created_at": Team.created_at}


def list_teams(session: Session, *, page: PageRequest) -> Page[Team]:
    return paginate(
        session,
        select(Team),
        request=page,
        sortable=TEAM_SORTS,
        id_column=Team.id,
        default_sort="name",
    )


def update_team(session: Session, *, team_id: int, data: TeamUpdate) -> Team:
    team = get_team(session, team_id=team_id)
    if data.member_ids is not None:
        _check_members(session, data.member_ids)
    # Changes are made inside the savepoint so a duplicate name rolls back only this change.
    try:
        with session.begin_nested():
            if data.name is not None:
                team.name = data.name
            if data.description is not None:
                team.description = data.description
            if data.member_ids is not None:
                wanted = set(data.member_ids)
                team.members = [m for m in team.members if m.user_id in wanted] + [
                    TeamMembership(workspace_id=team.workspace_id, user_id=uid)
                    for uid in wanted - {m.user_id for m in team.members}
                ]
            session.flush()
    except IntegrityError:
        raise Conflict(f"a team named {data.name!r} already exists", field="name") from None
    return team


def delete_team(session: Session, *, team_id: int) -> None:
    session.delete(get_team(session, team_id=team_id))
    session.flush()


# --- API tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def create_api_token(session: Session, *, user: User, name: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace_id=user.workspace_id,
        user_id=user.id,
        name=name,
        token_hash=_sha256(secret),
        prefix=secret[:10],
    )
    session.add(token)
    session.flush()
    record_audit(
        session,
        workspace_id=user.workspace_id,
        actor_user_id=user.id,
        action="token.created",
        target_type="api_token",
        target_id=token.id,
        detail={"name": name},
    )
    return IssuedToken(token=token, secret=secret)


def list_api_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    )


def revoke_api_token(session: Session, *, user_id: int, token_id: int) -> ApiToken:
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    )
    if token is None:
        raise NotFound(f"token {token_id} not found")
    token.revoked_at = token.revoked_at or utcnow()
    return token


TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def token_hash(secret: str) -> str:
    """How a bearer token is stored, and the key it is cached under: never the secret itself."""
    return _sha256(secret)


def resolve_api_token(session: Session, secret: str) -> ResolvedToken | None:
    """Find the active user behind a bearer token; the lookup is by hash, before any workspace.

    It never writes: callers refresh a stale `last_used_at` with `touch_api_token` in a short
    writing session of its own, since on SQLite a read transaction that starts writing fails
    at once when another connection committed since it began."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(
        select(
            ApiToken.id,
            ApiToken.last_used_at,
            User.id.label("user_id"),
            User.workspace_id,
            User.role,
            User.name,
            User.locale,
            User.time_zone,
        )
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == _sha256(secret),
            ApiToken.revoked_at.is_(None),
            User.is_active.is_(True),
        )
        .execution_options(skip_workspace_filter=True)
    ).first()
    if row is None:
        return None
    return ResolvedToken(
        token_id=row.id,
        last_used_at=row.last_used_at,
        user_id=row.user_id,
        workspace_id=row.workspace_id,
        role=row.role,
        name=row.name,
        locale=row.locale,
        time_zone=row.time_zone,
    )


def token_needs_touch(last_used_at: datetime | None) -> bool:
    return last_used_at is None or utcnow() - last_used_at > TOKEN_TOUCH_INTERVAL


def touch_api_token(session: Session, *, token_id: int) -> None:
    """Record that the token was used now (at most once per `TOKEN_TOUCH_INTERVAL`)."""
    now = utcnow()
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - TOKEN_TOUCH_INTERVAL,
            ),
        )
        .values(last_used_at=now)
        # bookkeeping only: the token still speaks for the same user (people.token_cache)
        .execution_options(**{TOKEN_USE_ONLY: True})
    )


# --- web sessions -----------------------------------------------------------------------------


def start_web_session(
    session: Session, *, user: User, max_age_seconds: int
) -> tuple[WebSession, str]:
    secret = secrets.token_urlsafe(32)
    web_session = WebSession(
        workspace_id=user.workspace_id,
        user_id=user.id,
        session_hash=_sha256(secret),
        expires_at=utcnow() + timedelta(seconds=max_age_seconds),
    )
    session.add(web_session)
    session.flush()
    return web_session, secret


def resolve_web_session(session: Session, secret: str) -> tuple[User, WebSession] | None:
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.session_hash == _sha256(secret), WebSession.expires_at > utcnow())
        .execution_options(skip_workspace_filter=True)
    ).first()
    if row is None or not row.User.is_active:
        return None
    return row.User, row.WebSession


def end_web_session(session: Session, secret: str) -> None:
    found = resolve_web_session(session, secret)
    if found is not None:
        session.delete(found[1])
