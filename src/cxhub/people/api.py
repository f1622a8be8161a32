"""Routes for users, teams and the caller's own API tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from cxhub.api.deps import (
    CurrentPrincipal,
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.permissions import Permission, Role
from cxhub.people import service
from cxhub.people.models import Team
from cxhub.people.schemas import (
    TeamCreate,
    TeamOut,
    TeamUpdate,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)

router = APIRouter(route_class=TransactionalRoute, tags=["people"])


def _team_out(team: Team) -> TeamOut:
    return TeamOut(
        id=team.id,
        name=team.name,
        description=team.description,
        member_ids=sorted(m.user_id for m in team.members),
        created_at=team.created_at,
    )


@router.get("/me", response_model=UserOut, dependencies=[require(Permission.TOKENS_OWN)])
def who_am_i(session: DbSession, principal: CurrentPrincipal) -> UserOut:
    return UserOut.model_validate(service.get_user(session, user_id=principal.user_id))


@router.get("/users", response_model=PageOut[UserOut])
def list_users(
    session: DbSession,
    page: PageParams,
    role: Role | None = None,
    q: str | None = None,
    _: Principal = require(Permission.PEOPLE_READ),
) -> PageOut[UserOut]:
    result = service.list_users(session, page=page, role=role, q=q)
    return PageOut(
        items=[UserOut.model_validate(u) for u in result.items], next_cursor=result.next_cursor
    )


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(
    data: UserCreate, session: DbSession, principal: Principal = require(Permission.PEOPLE_MANAGE)
) -> UserOut:
    user = service.create_user(
        session, workspace_id=principal.workspace_id, data=data, actor_user_id=principal.user_id
    )
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(
    user_id: int, session: DbSession, _: Principal = require(Permission.PEOPLE_READ)
) -> UserOut:
    return UserOut.model_validate(service.get_user(session, user_id=user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: int,
    data: UserUpdate,
    session: DbSession,
    principal: Principal = require(Permission.PEOPLE_MANAGE),
) -> UserOut:
    user = service.update_user(session, user_id=user_id, data=data, actor_user_id=principal.user_id)
    return UserOut.model_validate(user)


@router.get("/teams", response_model=PageOut[TeamOut])
def list_teams(
    session: DbSession, page: PageParams, _: Principal = require(Permission.PEOPLE_READ)
) -> PageOut[TeamOut]:
    result = service.list_teams(session, page=page)
    return PageOut(items=[_team_out(t) for t in result.items], next_cursor=result.next_cursor)


@router.post("/teams", response_model=TeamOut, status_code=status.HTTP_201_CREATED)
def create_team(
    data: TeamCreate, session: DbSession, principal: Principal = require(Permission.PEOPLE_MANAGE)
) -> TeamOut:
    return _team_out(service.create_team(session, workspace_id=principal.workspace_id, data=data))


@router.get("/teams/{team_id}", response_model=TeamOut)
def get_team(
    team_id: int, session: DbSession, _: Principal = require(Permission.PEOPLE_READ)
) -> TeamOut:
    return _team_out(service.get_team(session, team_id=team_id))


@router.patch("/teams/{team_id}", response_model=TeamOut)
def update_team(
    team_id: int,
    data: TeamUpdate,
    session: DbSession,
    _: Principal = require(Permission.PEOPLE_MANAGE),
) -> TeamOut:
    return _team_out(service.update_team(session, team_id=team_id, data=data))


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_team(
    team_id: int, session: DbSession, _: Principal = require(Permission.PEOPLE_MANAGE)
) -> None:
    service.delete_team(session, team_id=team_id)


@router.get("/me/tokens", response_model=list[TokenOut])
def list_my_tokens(
    session: DbSession, principal: Principal = require(Permission.TOKENS_OWN)
) -> list[TokenOut]:
    return [
        TokenOut.model_validate(t)
        for t in service.list_api_tokens(session, user_id=principal.user_id)
    ]


@router.post("/me/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_my_token(
    data: TokenCreate, session: DbSession, principal: Principal = require(Permission.TOKENS_OWN)
) -> TokenCreated:
    user = service.get_user(session, user_id=principal.user_id)
    issued = service.create_api_token(session, user=user, name=data.name)
    return TokenCreated(**TokenOut.model_validate(issued.token).model_dump(), token=issued.secret)


@router.delete("/me/tokens/{token_id}", response_model=TokenOut)
def revoke_my_token(
    token_id: int, session: DbSession, principal: Principal = require(Permission.TOKENS_OWN)
) -> TokenOut:
    return TokenOut.model_validate(
        service.revoke_api_token(session, user_id=principal.user_id, token_id=token_id)
    )
