"""Validated locale tags and time-zone names, shared by every schema that stores them.

Pydantic `Annotated` types, so a bad value is a 422 naming the field instead of garbage that
each page later has to fall back from.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator

_LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def check_time_zone(value: str | None) -> str | None:
    if value is not None and value not in known_time_zones():
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Rome")
    return value


def check_locale(value: str | None) -> str | None:
    if value is not None and not _LOCALE_RE.match(value):
        raise ValueError(f"{value!r} is not a BCP 47 language tag such as it-IT")
    return value


TimeZoneName = Annotated[str, AfterValidator(check_time_zone)]
LocaleTag = Annotated[str, AfterValidator(check_locale)]
