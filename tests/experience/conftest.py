"""Page fixtures for the experience pages' tests (shared with tests/web)."""

from tests.web.conftest import make_user, web  # noqa: F401 - fixtures
