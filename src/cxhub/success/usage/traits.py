"""Segment traits → cxhub customer fields: one mapping for the live `/v1/identify` and
`/v1/group` calls and for the bulk import of the same calls, so the two cannot drift.

Traits are free-form JSON written by product code; a value of the wrong type is ignored, never
an error, and a locale or time zone that cxhub cannot store is dropped (the call still links the
person), because one bad trait must not lose the identity it arrived with.
"""

from __future__ import annotations

from typing import Any

from cxhub.core.locales import check_locale, check_time_zone


def text(traits: dict[str, Any], *names: str) -> str | None:
    """The first non-blank string among `names`, stripped."""
    for name in names:
        value = traits.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def seats(traits: dict[str, Any]) -> int | None:
    value = traits.get("seats")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _valid(check: Any, value: str | None, limit: int) -> str | None:
    if value is None or len(value) > limit:
        return None
    try:
        return str(check(value))
    except ValueError:
        return None


def person_fields(traits: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Names (split from `name` when no first/last name is given), locale and time zone."""
    first = text(traits, "firstName", "first_name")
    last = text(traits, "lastName", "last_name")
    name = text(traits, "name")
    if name and not (first or last):
        first, _, rest = name.partition(" ")
        last = rest or None
    return {
        "first_name": first[:120] if first else None,
        "last_name": last[:120] if last else None,
        "locale": _valid(check_locale, text(traits, "locale") or text(context, "locale"), 16),
        "time_zone": _valid(
            check_time_zone,
            text(traits, "timezone", "timeZone") or text(context, "timezone"),
            64,
        ),
    }


def account_fields(traits: dict[str, Any]) -> dict[str, Any]:
    """Industry and plan (stored as the account's tier); name and seats are handled by callers,
    because a new account needs a name and seats live in custom attributes."""
    fields: dict[str, Any] = {}
    if industry := text(traits, "industry"):
        fields["industry"] = industry[:100]
    if plan := text(traits, "plan"):
        fields["tier"] = plan[:50]
    return fields
