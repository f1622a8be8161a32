"""A lean HTTP/1.1 client for the load generators: the part of `httpx.Client`'s interface the
soak mix uses (`get`, `post`, `patch` with `params`, `json`, `content`, `headers`, `auth`),
on the standard library's `http.client` over one kept-alive connection.

Why: the generator shares the machine's two cores with the server it measures. One thread
sending to the bare baseline server, httpx spent 0.46–0.49 ms of CPU per request and
`http.client` 0.12–0.15 ms; in the 8-thread mix against cxhub 0.74 ms against 0.24–0.29 ms
(`docs/benchmarks.md`, 2026-11-28): a sixth of a core handed back to the server at ~300
requests/s, as a compiled load generator (wrk, k6) would leave it. The requests and the
checks of their answers are the same.
"""

from __future__ import annotations

import base64
import http.client
import json as jsonlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

#: What a failed exchange raises; the generators count it as an error, as they do httpx's.
TransportError = (OSError, http.client.HTTPException)
#: A connection idle this long is not reused: uvicorn closes idle ones after 5 s, and a request
#: on one it closed would fail (httpx's keep-alive expiry is 5 s for the same reason).
IDLE_SECONDS = 4.0


@dataclass(frozen=True)
class Response:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class Client:
    """One connection, reopened after a failure; not shared between threads."""

    def __init__(
        self, base_url: str, *, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._timeout = timeout
        self._headers = dict(headers or {})
        self._connection: http.client.HTTPConnection | None = None
        self._used = 0.0

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, url: str, *, params: dict[str, Any] | None = None) -> Response:
        return self.request("GET", url, params=params)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Response:
        sent = {**self._headers, **(headers or {})}
        body = content
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
            sent.setdefault("Content-Type", "application/json")
        if auth is not None:
            pair = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            sent["Authorization"] = f"Basic {pair}"
        if params:
            url = f"{url}?{urlencode(params)}"
        if self._connection is not None and time.monotonic() - self._used >= IDLE_SECONDS:
            self.close()
        connection = self._connection or http.client.HTTPConnection(
            self._host, self._port, timeout=self._timeout
        )
        self._connection = connection
        try:
            connection.request(method, url, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
        except BaseException:
            self.close()  # the next request starts on a new connection
            raise
        self._used = time.monotonic()
        if answer.will_close:
            self.close()
        return Response(answer.status, data)
