"""The dashboard page tests sign in like tests/web do: reuse its cookie-jar and user fixtures."""

from tests.web.conftest import make_user, signed_in, web

__all__ = ["make_user", "signed_in", "web"]
