"""Tracking routes: write-key administration under `/api/v1/tracking/write-keys`, and the public
Segment-compatible endpoints at the root (`/v1/track`, `/v1/batch`, …) that Segment clients call
with the write key as HTTP Basic user name (or as `writeKey` in the body)."""

from __future__ import annotations

import base64
import binascii
import threading
import time
import zlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.db import utcnow
from cxhub.core.errors import AuthenticationRequired, DomainError
from cxhub.core.permissions import Permission
from cxhub.core.ratelimit import Limiter, RateLimiter
from cxhub.success.usage import service
from cxhub.success.usage.schemas import WriteKeyCreate, WriteKeyCreated, WriteKeyOut
from cxhub.success.usage.validation import (
    MAX_BATCH_BYTES,
    MAX_EVENT_BYTES,
    NestedTooDeeply,
    parse_json,
    validate_batch,
)

router = APIRouter(route_class=TransactionalRoute, tags=["tracking"])
# The Segment routes open, commit and close their own session inside the handler (`_ingest`):
# one worker-thread hop per request instead of four (session dependency in and out, handler,
# the route's commit), each of which costs a GIL hand-over with the event loop.
ingest_router = APIRouter(tags=["tracking"])

KEY_CACHE_SECONDS = 30.0
KEY_CACHE_SIZE = 10_000


class InvalidTrackingCall(DomainError):
    status = 400
    type_slug = "invalid-tracking-call"
    title = "Invalid tracking call"


@dataclass
class _PendingWrite:
    workspace_id: int
    rows: list[dict[str, Any]]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class IngestState:
    """Per-app ingestion state: the write-key rate limiter and a short cache of resolved keys
    (a revoked key stops working at once in this process, within `KEY_CACHE_SECONDS` in others)."""

    def __init__(self, requests_per_minute: int, *, limiter: Limiter | None = None) -> None:
        self.limiter: Limiter = limiter or RateLimiter(
            capacity=requests_per_minute, period_seconds=60
        )
        self._keys: dict[str, tuple[service.WriteKeyOwner, float]] = {}
        self._lock = threading.Lock()
        # On SQLite, this process's ingestion requests take turns here; see `_ingest`.
        self.sqlite_turn = threading.Lock()
        self._pending: list[_PendingWrite] = []
        self._pending_lock = threading.Lock()

    def store_together(
        self, factory: Callable[[], Session], workspace_id: int, rows: list[dict[str, Any]]
    ) -> None:
        """Append `rows` to the inbox in a transaction shared with the requests waiting at the
        same moment (group commit); return once it is committed, raise if it failed.

        The request that gets the turn writes every queued request's rows with one commit and
        wakes them; the others find their rows committed when their turn comes. Nothing is
        acknowledged before its commit, so an acknowledged event is as durable as before. When
        the group's transaction fails, each request of the group is written again alone, so one
        request's rows cannot fail another's (possibly another workspace's) request: each
        request fails only if its own write fails (none of a failed one was acknowledged)."""
        mine = _PendingWrite(workspace_id, rows)
        with self._pending_lock:
            self._pending.append(mine)
        with self.sqlite_turn:
            if not mine.done.is_set():
                with self._pending_lock:
                    group, self._pending = self._pending, []
                try:
                    _write(factory, group)
                except Exception as exc:
                    if len(group) == 1:
                        mine.error = exc
                    else:
                        for pending in group:
                            try:
                                _write(factory, [pending])
                            except Exception as alone:
                                pending.error = alone
                except BaseException as exc:  # interrupted: no request of the group is stored
                    for pending in group:
                        pending.error = exc
                finally:
                    for pending in group:
                        pending.done.set()
        if mine.error is not None:
            raise mine.error

    def cached(self, write_key: str) -> service.WriteKeyOwner | None:
        found = self._keys.get(write_key)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def remember(self, write_key: str, owner: service.WriteKeyOwner) -> None:
        with self._lock:
            if len(self._keys) >= KEY_CACHE_SIZE:
                self._keys.clear()
            self._keys[write_key] = (owner, time.monotonic() + KEY_CACHE_SECONDS)

    def forget(self, write_key_id: int) -> None:
        with self._lock:
            for key in [k for k, (o, _) in self._keys.items() if o.write_key_id == write_key_id]:
                del self._keys[key]


def _write(factory: Callable[[], Session], group: list[_PendingWrite]) -> None:
    """Append every pending request's rows in one transaction and commit it."""
    with factory() as session:
        for pending in group:
            service.append_events(session, workspace_id=pending.workspace_id, rows=pending.rows)
        session.commit()


def ingest_state(app: FastAPI) -> IngestState:
    state = getattr(app.state, "usage_ingest", None)
    if not isinstance(state, IngestState):
        runtime = app.state.runtime
        per_minute = runtime.settings.tracking_requests_per_minute
        state = app.state.usage_ingest = IngestState(
            per_minute,
            limiter=runtime.rate_limiter("tracking", capacity=per_minute, period_seconds=60),
        )
    return state


# --- write keys -----------------------------------------------------------------------------------


@router.get("/tracking/write-keys", response_model=list[WriteKeyOut])
def list_write_keys(
    session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> list[WriteKeyOut]:
    """The workspace's write keys (the secrets are never shown again)."""
    return [WriteKeyOut.of(key) for key in service.list_write_keys(session)]


@router.post(
    "/tracking/write-keys", response_model=WriteKeyCreated, status_code=status.HTTP_201_CREATED
)
def create_write_key(
    data: WriteKeyCreate,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> WriteKeyCreated:
    """A new write key for a Segment client; the response carries `write_key`, shown this once."""
    issued = service.create_write_key(session, workspace_id=principal.workspace_id, name=data.name)
    return WriteKeyCreated(**WriteKeyOut.of(issued.record).model_dump(), write_key=issued.secret)


@router.delete("/tracking/write-keys/{write_key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_write_key(
    write_key_id: int,
    request: Request,
    session: DbSession,
    _: Principal = require(Permission.SERVICE_CONFIGURE),
) -> Response:
    """Revoke the key: tracking calls sent with it are refused with 401 from now on."""
    service.revoke_write_key(session, write_key_id=write_key_id)
    ingest_state(request.app).forget(write_key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- Segment-compatible ingestion -----------------------------------------------------------------


async def tracking_body(request: Request) -> bytes:
    """The raw body, refused past the batch limit (compressed or not) without reading it all."""
    limit = MAX_BATCH_BYTES if request.url.path.endswith("/batch") else MAX_EVENT_BYTES
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InvalidTrackingCall(f"the request is larger than {limit // 1024} KB")
        chunks.append(chunk)
    body = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error:
            raise InvalidTrackingCall("the gzip body cannot be decompressed") from None
        if len(body) > limit:
            raise InvalidTrackingCall(f"the request is larger than {limit // 1024} KB")
    return body


def _basic_user(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def _authenticate(
    request: Request, session: Session, authorization: str | None, payload: dict[str, Any]
) -> service.WriteKeyOwner:
    write_key = _basic_user(authorization)
    if write_key is None and isinstance(payload.get("writeKey"), str):
        write_key = payload["writeKey"]
    if not write_key:
        raise AuthenticationRequired("send the write key as HTTP Basic user name or `writeKey`")
    state = ingest_state(request.app)
    owner = state.cached(write_key)
    if owner is None:
        owner = service.resolve_write_key(session, write_key)
        if owner is None:
            raise AuthenticationRequired("the write key is unknown or revoked")
        state.remember(write_key, owner)
    state.limiter.check(f"write-key:{owner.write_key_id}")
    session.info["workspace_id"] = owner.workspace_id
    return owner


def _ingest(
    request: Request,
    session: Session,
    body: bytes,
    authorization: str | None,
    implied_type: str | None,
) -> JSONResponse:
    """Check and store one request's calls, committed before the 200.

    On SQLite, where one writer at a time is all the database admits, requests of this process
    take turns (`IngestState.sqlite_turn`) instead of waiting in SQLite's busy handler (1–100 ms
    sleeps, and a GIL switch interval per driver call): a request with only track/page/screen
    calls checks them outside the turn and hands its rows to a group commit
    (`store_together`), so the requests arriving together share one transaction; one with
    identify/group calls, which resolve people and accounts in its own transaction, holds the
    turn for its whole check and store. PostgreSQL takes concurrent writers and needs neither."""
    state = ingest_state(request.app)
    sqlite = session.get_bind().dialect.name == "sqlite"
    try:
        checked = _check(request, session, body, authorization, implied_type)
        if sqlite and not checked.needs_identity:
            session.rollback()  # end the write-key read: its snapshot would hold up the writer
            if checked.rows:
                state.store_together(
                    get_runtime(request).session_factory, checked.workspace_id, checked.rows
                )
            return checked.answer()
        with state.sqlite_turn if sqlite else nullcontext():
            _store(session, checked)
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return checked.answer()


@dataclass
class _Checked:
    workspace_id: int
    rows: list[dict[str, Any]]
    indexes: list[int]
    rejected: list[Any]

    @property
    def needs_identity(self) -> bool:
        return any(row["type"] in ("identify", "group") for row in self.rows)

    def answer(self) -> JSONResponse:
        if not self.rows:
            raise InvalidTrackingCall(
                "no event in the request is valid",
                rejected=[r.as_dict() for r in sorted(self.rejected, key=lambda r: r.index)],
            )
        answer: dict[str, Any] = {"success": True}
        if self.rejected:
            answer["rejected"] = [r.as_dict() for r in sorted(self.rejected, key=lambda r: r.index)]
        return JSONResponse(answer)


def _check(
    request: Request,
    session: Session,
    body: bytes,
    authorization: str | None,
    implied_type: str | None,
) -> _Checked:
    try:
        payload = parse_json(body)
    except NestedTooDeeply:
        raise InvalidTrackingCall("the body nests too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidTrackingCall("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidTrackingCall("the body must be a JSON object")
    owner = _authenticate(request, session, authorization, payload)
    if implied_type is None:
        calls = payload.get("batch")
        if not isinstance(calls, list) or not calls:
            raise InvalidTrackingCall("`batch` must be a non-empty list of events")
    else:
        calls = [payload]
    checked = validate_batch(calls, received_at=utcnow(), implied_type=implied_type)
    return _Checked(owner.workspace_id, checked.rows, checked.indexes, list(checked.rejected))


def _store(session: Session, checked: _Checked) -> None:
    """Identity side effects (identify/group), then the rows, in the request's transaction."""
    if checked.needs_identity:
        checked.rows, refused = service.apply_identity(
            session, workspace_id=checked.workspace_id, rows=checked.rows, indexes=checked.indexes
        )
        checked.rejected.extend(refused)
    if checked.rows:
        service.append_events(session, workspace_id=checked.workspace_id, rows=checked.rows)


TrackingBody = Annotated[bytes, Depends(tracking_body)]
AuthorizationHeader = Annotated[str | None, Header()]

_DESCRIPTION = (
    "Segment-compatible tracking call (docs/tracking.md). Authenticate with the write key as "
    "HTTP Basic user name and an empty password, or `writeKey` in the body."
)


def _endpoint(kind: str | None) -> Any:
    def receive(
        request: Request, body: TrackingBody, authorization: AuthorizationHeader = None
    ) -> JSONResponse:
        with get_runtime(request).session_factory() as session:
            return _ingest(request, session, body, authorization, kind)

    receive.__name__ = f"tracking_{kind or 'batch'}"
    receive.__doc__ = _DESCRIPTION
    return receive


# The body is read raw (its size is checked before parsing), so it is described here for the
# OpenAPI document rather than by a model; `validate_batch` is the authority.
_CALL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {
            "type": "string",
            "enum": ["track", "identify", "group", "page", "screen", "alias"],
        },
        "event": {"type": "string"},
        "userId": {"type": "string"},
        "anonymousId": {"type": "string"},
        "groupId": {"type": "string"},
        "previousId": {"type": "string"},
        "messageId": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        # null is read as {} (validation._object), as Segment libraries may send it
        "properties": {"type": ["object", "null"]},
        "traits": {"type": ["object", "null"]},
        "context": {"type": ["object", "null"]},
        "writeKey": {"type": "string"},
    },
}
_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["batch"],
    "properties": {
        "batch": {"type": "array", "items": _CALL_SCHEMA, "minItems": 1},
        "writeKey": {"type": "string"},
    },
}
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Stored (committed before this answer); `rejected` lists malformed events",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["success"],
                    "properties": {
                        "success": {"type": "boolean"},
                        "rejected": {"type": "array", "items": {"type": "object"}},
                    },
                }
            }
        },
    }
}


def _body_doc(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


for _kind in ("track", "identify", "group", "page", "screen", "alias"):
    ingest_router.add_api_route(
        f"/v1/{_kind}",
        _endpoint(_kind),
        methods=["POST"],
        response_class=JSONResponse,
        responses=_ANSWERS,
        openapi_extra=_body_doc(_CALL_SCHEMA),
    )
ingest_router.add_api_route(
    "/v1/batch",
    _endpoint(None),
    methods=["POST"],
    response_class=JSONResponse,
    responses=_ANSWERS,
    openapi_extra=_body_doc(_BATCH_SCHEMA),
)
