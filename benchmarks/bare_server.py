"""The baseline HTTP server of `bench_mixed_traffic`: a bare Starlette app on uvicorn that answers
every path of the mix with a small JSON body and the status code the mix expects, so the same
load generator measures what HTTP on this machine costs without cxhub. It runs on the same
uvicorn protocol as `cxhub serve` (TCP_NODELAY on every connection, which `--workers` would
otherwise lose: ADR 0035; httptools and uvloop: ADR 0038), so the two differ only by the app."""

from __future__ import annotations

import argparse
import os

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cxhub.api.http_protocol import serving_protocol

BODY = {"items": [{"id": n, "subject": f"Order {n} late", "status": "open"} for n in range(25)]}


def _status(method: str, path: str) -> int:
    if method == "POST" and path.endswith("/mail/inbound"):
        return 202
    if method == "POST" and (path == "/api/v1/tickets" or path.endswith("/messages")):
        return 201
    return 200


async def answer(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(BODY, status_code=_status(request.method, request.url.path))


app = Starlette(
    routes=[Route("/{path:path}", answer, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
    uvicorn.run(
        "benchmarks.bare_server:app" if workers > 1 else app,
        host="127.0.0.1",
        port=args.port,
        workers=workers,
        log_level="warning",
        http=serving_protocol(),
    )


if __name__ == "__main__":
    main()
