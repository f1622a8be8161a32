"""The portal's switch and branding per workspace: on/off, name, primary colour, logo.

The portal is off until an admin turns it on. The colour is a `#rrggbb` value (it ends up in a
stylesheet, so nothing else is accepted); the logo is PNG, JPEG, GIF or WebP up to
`MAX_LOGO_BYTES`, recognised by its first bytes, not by the name or type the upload claims
(no SVG: it can carry script).
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError, NotFound, ValidationFailed
from cxhub.core.tenancy import Workspace
from cxhub.service.portal.models import PortalSettings

MAX_LOGO_BYTES = 256 * 1024
DEFAULT_COLOUR = "#2457c5"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class PortalDisabled(NotFound):
    """The workspace has not turned its portal on: the portal's pages do not exist."""


class LogoRejected(DomainError):
    status = 415
    type_slug = "unsupported-logo"
    title = "Unsupported logo"


def settings_of(session: Session) -> PortalSettings | None:
    return session.scalar(select(PortalSettings))


def require_enabled(session: Session) -> PortalSettings:
    found = settings_of(session)
    if found is None or not found.enabled:
        raise PortalDisabled("this workspace has no customer portal")
    return found


def _settings_for_update(session: Session, workspace_id: int) -> PortalSettings:
    found = settings_of(session)
    if found is None:
        found = PortalSettings(
            workspace_id=workspace_id, enabled=False, primary_colour=DEFAULT_COLOUR
        )
        session.add(found)
        session.flush()
    return found


def update_settings(
    session: Session,
    *,
    workspace_id: int,
    enabled: bool,
    display_name: str | None,
    primary_colour: str,
) -> PortalSettings:
    if not _COLOUR.match(primary_colour):
        raise ValidationFailed("primary_colour must look like #1a2b3c", field="primary_colour")
    found = _settings_for_update(session, workspace_id)
    found.enabled = enabled
    found.display_name = " ".join((display_name or "").split())[:200] or None
    found.primary_colour = primary_colour.lower()
    session.flush()
    return found


def sniff_image_type(content: bytes) -> str | None:
    for signature, media_type in _SIGNATURES:
        if content.startswith(signature):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def set_logo(session: Session, *, workspace_id: int, content: bytes) -> PortalSettings:
    if not content:
        raise ValidationFailed("the logo is empty", field="file")
    if len(content) > MAX_LOGO_BYTES:
        raise LogoRejected(
            f"the logo is {len(content)} bytes; the limit is {MAX_LOGO_BYTES}",
            max_bytes=MAX_LOGO_BYTES,
        )
    media_type = sniff_image_type(content)
    if media_type is None:
        raise LogoRejected("the logo must be a PNG, JPEG, GIF or WebP image")
    found = _settings_for_update(session, workspace_id)
    found.logo = content
    found.logo_content_type = media_type
    found.logo_sha256 = hashlib.sha256(content).hexdigest()
    session.flush()
    return found


def remove_logo(session: Session, *, workspace_id: int) -> PortalSettings:
    found = _settings_for_update(session, workspace_id)
    found.logo = None
    found.logo_content_type = None
    found.logo_sha256 = None
    session.flush()
    return found


def portal_name(workspace: Workspace, found: PortalSettings | None) -> str:
    return (found.display_name if found is not None else None) or workspace.name


def brand_css(colour: str) -> str:
    """The stylesheet carrying the workspace's colour (pages allow no inline styles)."""
    if not _COLOUR.match(colour):
        colour = DEFAULT_COLOUR
    return f":root {{ --portal-primary: {colour}; }}\n"
