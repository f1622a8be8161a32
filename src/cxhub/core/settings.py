"""Settings come from `CXHUB_*` environment variables and an optional TOML config file.

Nothing is read at import time: `load_settings()` is called by the CLI or by tests, and the
result is passed explicitly to `create_app` so two apps with different settings can coexist.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-dev-secret"  # noqa: S105 - a sentinel we refuse outside development


class ConfigurationError(RuntimeError):
    """Raised when the settings are unsafe or inconsistent; the CLI prints it and exits non-zero."""


class Settings(BaseSettings):
    """Every knob of cxhub. Each field is documented in docs/configuration.md (a test checks)."""

    model_config = SettingsConfigDict(env_prefix="CXHUB_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        default="development",
        description="Deployment environment; production refuses unsafe defaults.",
    )
    data_dir: Path = Field(
        default=Path("./cxhub-data"), description="Directory holding the SQLite file and exports."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; when unset, SQLite at <data_dir>/cxhub.sqlite3.",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        description="Signs CSRF tokens; must be changed outside development.",
    )
    session_max_age_seconds: int = Field(
        default=14 * 24 * 3600, description="Lifetime of a web login session."
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a web process may reuse a resolved API token without reading the "
        "database again; 0 disables the cache. Changes made in this process apply at once, "
        "changes made by other processes within this time.",
    )
    cookie_secure: bool = Field(
        default=False, description="Send session cookies only over HTTPS (enable behind TLS)."
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed password logins of one account (email) within the lockout window "
        "that lock it.",
    )
    login_lockout_seconds: int = Field(
        default=15 * 60,
        ge=1,
        description="The failure-counting window and the first lockout; each further lockout "
        "doubles it, up to a day.",
    )
    login_ip_max_failures: int = Field(
        default=20,
        ge=1,
        description="Failed password logins one client IP may make per lockout window (per "
        "process) before its attempts are refused.",
    )
    login_failure_retention_days: int = Field(
        default=30,
        ge=1,
        description="Failed-login counters with no failure for this many days are deleted by the "
        "retention job (installation-wide; counters that still lock an address are kept).",
    )
    retention_every_seconds: int = Field(
        default=3600,
        ge=60,
        description="How often the privacy retention job applies each workspace's retention "
        "policy (and finishes erasures interrupted before their file part).",
    )
    retention_batch_size: int = Field(
        default=1000,
        ge=1,
        description="Most rows (tickets for message retention) each retention rule removes per "
        "run, so one run never holds a long transaction.",
    )
    jobs_backend: Literal["inprocess", "sync", "redis"] = Field(
        default="inprocess",
        description="Where background jobs run: a worker thread in this process, inline ('sync'), "
        "or a Redis queue served by `cxhub worker` processes ('redis', needs CXHUB_REDIS_URL).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for a multi-process deployment, e.g. `redis://127.0.0.1:6379/0`. When "
        "set, periodic jobs are scheduled once across all processes through Redis leases.",
    )
    redis_key_prefix: str = Field(
        default="cxhub",
        min_length=1,
        description="Prefix of every Redis key cxhub writes, so installations can share a Redis.",
    )
    rate_limit_backend: Literal["memory", "redis"] = Field(
        default="memory",
        description="Where public-endpoint rate limits (support form, tracking API, login) count: "
        "in this process ('memory'), or shared by every process through Redis ('redis').",
    )
    jobs_dead_worker_seconds: float = Field(
        default=60.0,
        ge=2,
        description="A `cxhub worker` silent (no heartbeat) this long is considered dead; the jobs "
        "it had taken go back on the queue and run again.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    shutdown_grace_seconds: float = Field(
        default=30.0,
        gt=0,
        description="On SIGTERM/SIGINT, how long requests in flight and queued background jobs "
        "may take to finish before the process exits.",
    )
    web_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Threads per web process that run request handlers (the database work of a "
        "request). Few threads keep SQLite's one write lock short: a writer competes with fewer "
        "handlers for the interpreter; a slow report holds one of them while it runs.",
    )
    scheduler: bool = Field(
        default=True,
        description="Run periodic jobs (SLA breach checks, mail sweeps, time-based automations) "
        "from this process. With CXHUB_REDIS_URL every process may keep it on: a Redis lease per "
        "task and interval lets exactly one of them submit each run; without Redis, turn it off "
        "on all but one process.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address customers reach cxhub at; links in e-mails (CSAT) use it.",
    )
    attachment_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest attachment accepted on a ticket message (bytes).",
    )

    tracking_requests_per_minute: int = Field(
        default=60_000,
        ge=1,
        description="Requests each tracking write key may send per minute (/v1/track, /v1/batch, …), "
        "per process.",
    )
    usage_compact_after_minutes: int = Field(
        default=10,
        ge=0,
        description="Usage events older than this (by arrival) move from the database inbox to "
        "Parquet files under <data_dir>/events.",
    )
    usage_compact_every_seconds: int = Field(
        default=300, ge=1, description="How often the usage compaction job runs."
    )
    journeys_scan_every_seconds: int = Field(
        default=900,
        ge=1,
        description="How often the journey scan moves customers on page views, product events "
        "and renewal windows.",
    )
    journeys_scan_lookback_hours: int = Field(
        default=48,
        ge=1,
        le=24 * 90,
        description="How far back each journey scan re-reads usage events (journeys only move "
        "forward, so overlapping windows are harmless).",
    )
    analytics_backend: Literal["duckdb", "pyspark", "ibis-url"] = Field(
        default="duckdb",
        description="Ibis backend of the batch analytics jobs (the daily health rescore): "
        "embedded DuckDB, Spark through PySpark (the `spark` extra and Java 17+), or any Ibis "
        "backend named by CXHUB_ANALYTICS_IBIS_URL. Request paths always use embedded DuckDB.",
    )
    analytics_spark_master: str = Field(
        default="local[2]",
        description="Spark master URL of the pyspark backend (local[N], spark://host:7077, yarn).",
    )
    analytics_spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="Extra Spark configuration for the pyspark backend, JSON object in the "
        'environment (e.g. {"spark.executor.memory": "4g"}); overrides cxhub\'s defaults.',
    )
    analytics_ibis_url: str | None = Field(
        default=None,
        description="Ibis connection URL for analytics_backend = ibis-url (e.g. "
        "trino://user@host:8080/hive/cxhub); untested here, see ADR 0023.",
    )
    analytics_events_uri: str | None = Field(
        default=None,
        description="Where a non-DuckDB analytics engine reads the usage-event Parquet store "
        "(the mirror of <data_dir>/events, e.g. s3a://bucket/cxhub/events); unset: the local path.",
    )

    mail_host: str = Field(
        default="127.0.0.1", description="Interface `cxhub mail serve` listens on for inbound SMTP."
    )
    mail_port: int = Field(default=2525, ge=0, le=65535, description="Inbound SMTP port.")
    mail_max_message_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1024,
        description="Largest inbound email accepted (SMTP SIZE and the raw-MIME endpoint).",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP relay for outbound mail; unset means replies fail."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP relay port.")
    smtp_username: str | None = Field(default=None, description="SMTP relay login (optional).")
    smtp_password: str | None = Field(default=None, description="SMTP relay password.")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        default="starttls", description="TLS mode towards the relay: none, starttls or ssl."
    )
    smtp_timeout: float = Field(default=30.0, gt=0, description="SMTP relay timeout in seconds.")
    outbound_http_allow: str = Field(
        default="",
        description="Comma-separated host names and CIDR ranges that outbound HTTP to "
        "user-configured URLs (webhooks) may reach although they are private, loopback or "
        "link-local, e.g. `hooks.internal,10.20.0.0/16`; empty: public addresses only.",
    )

    @field_validator("outbound_http_allow")
    @classmethod
    def _valid_allow_list(cls, value: str) -> str:
        from cxhub.core.outbound_http import OutboundPolicy

        OutboundPolicy.parse(value)
        return value

    @model_validator(mode="after")
    def _redis_configured_when_used(self) -> Settings:
        if self.redis_url is None and "redis" in (self.jobs_backend, self.rate_limit_backend):
            raise ValueError(
                "CXHUB_JOBS_BACKEND=redis and CXHUB_RATE_LIMIT_BACKEND=redis need CXHUB_REDIS_URL"
            )
        return self

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'cxhub.sqlite3').resolve()}"

    def check_safe_to_serve(self) -> None:
        """Refuse to serve outside development with the well-known default secret."""
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ConfigurationError(
                "CXHUB_SECRET_KEY is the built-in default; set a long random value before serving "
                f"in the {self.environment!r} environment."
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ConfigurationError(
                "CXHUB_SECRET_KEY must be at least 32 characters in production."
            )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, file_secret_settings)


def normalise_database_url(url: str) -> str:
    """Accept the common `postgresql://` spelling and route it to the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings: explicit overrides > environment > config file (`CXHUB_CONFIG`) > defaults."""
    import os

    path = config_file or (
        Path(os.environ["CXHUB_CONFIG"]) if os.environ.get("CXHUB_CONFIG") else None
    )
    file_values: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                raw = tomllib.load(handle)
        except FileNotFoundError as exc:
            raise ConfigurationError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from exc
        file_values = raw.get("cxhub", raw)
    env_names = {name for name in Settings.model_fields if f"CXHUB_{name.upper()}" in os.environ}
    merged = {k: v for k, v in file_values.items() if k not in env_names}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**merged)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
