"""Settings: environment, TOML file, precedence and the refusal to serve unsafely."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxhub.core.settings import (
    DEFAULT_SECRET_KEY,
    ConfigurationError,
    Settings,
    load_settings,
    normalise_database_url,
)

GOOD_SECRET = "x" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test states the environment it needs; the caller's CXHUB_* variables do not leak in."""
    import os

    for name in list(os.environ):
        if name.startswith("CXHUB_"):
            monkeypatch.delenv(name)


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cxhub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    settings = load_settings()
    assert settings.environment == "development"
    assert settings.secret_key == DEFAULT_SECRET_KEY
    assert settings.jobs_backend == "inprocess"
    assert settings.database_url is None
    assert settings.cookie_secure is False
    assert settings.session_max_age_seconds == 14 * 24 * 3600
    assert settings.log_level == "INFO"
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("cxhub-data/cxhub.sqlite3")


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXHUB_ENVIRONMENT", "production")
    monkeypatch.setenv("CXHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CXHUB_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("CXHUB_COOKIE_SECURE", "true")
    monkeypatch.setenv("CXHUB_SESSION_MAX_AGE_SECONDS", "3600")
    monkeypatch.setenv("CXHUB_JOBS_BACKEND", "sync")
    monkeypatch.setenv("CXHUB_LOG_LEVEL", "DEBUG")
    settings = load_settings()
    assert settings.environment == "production"
    assert settings.data_dir == tmp_path / "data"
    assert settings.secret_key == GOOD_SECRET
    assert settings.cookie_secure is True
    assert settings.session_max_age_seconds == 3600
    assert settings.jobs_backend == "sync"
    assert settings.log_level == "DEBUG"
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'data' / 'cxhub.sqlite3'}"


def test_data_dir_expands_the_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/ops")
    assert load_settings(data_dir="~/cxhub").data_dir == Path("/home/ops/cxhub")


def test_toml_file_with_top_level_keys(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'environment = "test"\nlog_level = "WARNING"\ncookie_secure = true\n')
    settings = load_settings(path)
    assert settings.environment == "test"
    assert settings.log_level == "WARNING"
    assert settings.cookie_secure is True


def test_toml_file_with_a_cxhub_table(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[cxhub]\ndatabase_url = "postgres://cx@db/cx"\njobs_backend = "sync"\n')
    settings = load_settings(path)
    assert settings.effective_database_url == "postgresql+psycopg://cx@db/cx"
    assert settings.jobs_backend == "sync"


def test_config_file_from_cxhub_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXHUB_CONFIG", str(_toml(tmp_path, 'log_level = "ERROR"\n')))
    assert load_settings().log_level == "ERROR"


def test_precedence_overrides_then_environment_then_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _toml(tmp_path, 'log_level = "WARNING"\njobs_backend = "sync"\nenvironment = "test"\n')
    monkeypatch.setenv("CXHUB_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("CXHUB_ENVIRONMENT", "development")
    settings = load_settings(path, environment="production", secret_key=GOOD_SECRET)
    assert settings.environment == "production"  # explicit override beats env and file
    assert settings.log_level == "DEBUG"  # environment beats file
    assert settings.jobs_backend == "sync"  # file beats default
    assert load_settings(path, log_level=None).log_level == "DEBUG"  # None means "not given"


def test_missing_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_invalid_toml_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(_toml(tmp_path, "environment = \n"))


def test_invalid_value_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="environment"):
        load_settings(_toml(tmp_path, 'environment = "staging"\n'))
    with pytest.raises(ConfigurationError):
        load_settings(jobs_backend="celery")


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    assert load_settings(_toml(tmp_path, 'colour = "blue"\n')).environment == "development"


def test_default_secret_is_fine_in_development() -> None:
    Settings(environment="development").check_safe_to_serve()


@pytest.mark.parametrize("environment", ["test", "production"])
def test_default_secret_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ConfigurationError, match="CXHUB_SECRET_KEY"):
        Settings(environment=environment).check_safe_to_serve()  # type: ignore[arg-type]


def test_short_secret_is_refused_in_production_only() -> None:
    short = "s" * 31
    with pytest.raises(ConfigurationError, match="at least 32"):
        Settings(environment="production", secret_key=short).check_safe_to_serve()
    Settings(environment="test", secret_key=short).check_safe_to_serve()
    Settings(environment="production", secret_key="s" * 32).check_safe_to_serve()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/cx", "postgresql+psycopg://u:p@db:5432/cx"),
        ("postgres://u@db/cx", "postgresql+psycopg://u@db/cx"),
        ("postgresql+psycopg://u@db/cx", "postgresql+psycopg://u@db/cx"),
        ("postgresql+psycopg2://u@db/cx", "postgresql+psycopg2://u@db/cx"),
        ("sqlite:////var/lib/cxhub/cx.sqlite3", "sqlite:////var/lib/cxhub/cx.sqlite3"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_database_url_normalisation(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected
    assert Settings(database_url=given).effective_database_url == expected
