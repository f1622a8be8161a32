"""The public support form (`/support/<workspace>`) and its JSON twin: spam resistance without
third-party services, then one call to the channel interface.

Checks, cheapest first, each rejecting with a reason the page translates:

- a per-client rate limit (5 submissions per 10 minutes per client IP and workspace, in-process;
  see `core.ratelimit` for multi-worker deployments);
- a hidden honeypot field people never see and bots fill in;
- a signed form token carrying the render time (HMAC with the app's `secret_key`): a form sent
  under 3 seconds after rendering, older than 24 hours, or with a forged time is refused;
- at most `MAX_LINKS` links in the description.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError
from cxhub.core.ratelimit import Limiter, RateLimiter
from cxhub.core.tenancy import Workspace
from cxhub.customers.timeline.models import Channel
from cxhub.people.service import get_workspace_by_slug
from cxhub.service.channels.inbound import InboundAuthor, InboundResult, receive_inbound

MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 24 * 3600
MAX_LINKS = 3
SUBMISSIONS_PER_WINDOW = 5
WINDOW_SECONDS = 600
MAX_SLUG_CHARS = 64

_LINK = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Reasons (English message ids, translated by the page).
TOO_FAST = "This form was sent too quickly. Please wait a moment and send it again."
EXPIRED = "This form has expired. Please send it again."
TOO_MANY_LINKS = "Your message contains too many links."
NOT_ACCEPTED = "Your message could not be sent."
MISSING_FIELDS = "Please fill in every field."
BAD_EMAIL = "Please enter a valid email address."
RATE_LIMITED = "Too many requests. Please try again in a few minutes."


class FormRejected(DomainError):
    status = 400
    type_slug = "form-rejected"
    title = "Form rejected"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, reason=reason)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class SupportRequest:
    name: str
    email: str
    subject: str
    description: str
    honeypot: str = ""


def open_support_workspace(session: Session, slug: str) -> Workspace:
    """The workspace a public form belongs to; scopes `session` to it (no sign-in here)."""
    workspace = get_workspace_by_slug(session, slug[:MAX_SLUG_CHARS])
    session.info["workspace_id"] = workspace.id
    return workspace


def _mac(secret_key: str, slug: str, issued_at: int) -> str:
    message = f"support-form:{slug}:{issued_at}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def form_token(secret_key: str, slug: str, *, now: float | None = None) -> str:
    issued_at = int(time.time() if now is None else now)
    return f"{issued_at}.{_mac(secret_key, slug, issued_at)}"


def check_form_token(secret_key: str, slug: str, token: str, *, now: float | None = None) -> None:
    issued_text, _, mac = token.partition(".")
    if not (issued_text.isascii() and issued_text.isdigit()) or len(issued_text) > 12:
        raise FormRejected(EXPIRED, reason="invalid-token")
    issued_at = int(issued_text)
    if not hmac.compare_digest(mac.encode(), _mac(secret_key, slug, issued_at).encode()):
        raise FormRejected(EXPIRED, reason="invalid-token")
    age = (time.time() if now is None else now) - issued_at
    if age < MIN_FILL_SECONDS:
        raise FormRejected(TOO_FAST, reason="too-fast")
    if age > MAX_FORM_AGE_SECONDS:
        raise FormRejected(EXPIRED, reason="expired")


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def check_content(request: SupportRequest) -> None:
    if request.honeypot.strip():
        raise FormRejected(NOT_ACCEPTED, reason="honeypot")
    if not all(
        v.strip() for v in (request.name, request.email, request.subject, request.description)
    ):
        raise FormRejected(MISSING_FIELDS, reason="missing-fields")
    if not _EMAIL.match(request.email.strip()):
        raise FormRejected(BAD_EMAIL, reason="invalid-email")
    if count_links(request.subject) + count_links(request.description) > MAX_LINKS:
        raise FormRejected(TOO_MANY_LINKS, reason="too-many-links")


def submission_limiter(holder: object) -> Limiter:
    """The limiter kept on `holder` (the app's state), so each app has its own buckets; from the
    app's runtime when it has one, so `CXHUB_RATE_LIMIT_BACKEND=redis` shares them."""
    limiter: Limiter | None = getattr(holder, "support_form_limiter", None)
    if limiter is None:
        runtime = getattr(holder, "runtime", None)
        limiter = (
            runtime.rate_limiter(
                "support-form", capacity=SUBMISSIONS_PER_WINDOW, period_seconds=WINDOW_SECONDS
            )
            if runtime is not None
            else RateLimiter(capacity=SUBMISSIONS_PER_WINDOW, period_seconds=WINDOW_SECONDS)
        )
        setattr(holder, "support_form_limiter", limiter)  # noqa: B010 - any state object
    return limiter


def limiter_key(slug: str, client_ip: str | None) -> str:
    return f"{slug}|{client_ip or 'unknown'}"


def submit_support_request(
    session: Session,
    *,
    workspace: Workspace,
    request: SupportRequest,
    attachment_ids: Sequence[int] = (),
) -> InboundResult:
    """Open a `web` ticket for a checked submission (checks first: `check_content`)."""
    check_content(request)
    return receive_inbound(
        session,
        workspace_id=workspace.id,
        channel=Channel.WEB,
        source=None,
        thread_key=None,
        author=InboundAuthor(name=request.name.strip(), email=request.email.strip()),
        text=request.description.strip(),
        subject=request.subject.strip(),
        attachment_ids=attachment_ids,
    )
