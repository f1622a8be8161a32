"""Survey test fixtures: the mail channel's real SMTP relay and the customer portal (shared with
tests/service/mail and tests/service/portal)."""

from __future__ import annotations

from tests.service.mail.conftest import (  # noqa: F401 - fixtures shared with the mail tests
    customer_mx,
    desk,
    mail_client,
    mail_runtime,
    mail_settings,
)
from tests.service.portal.conftest import browser, portal  # noqa: F401
