"""Settings, one dataclass per concern, read from the environment once (`get_settings`)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import psycopg

from domain.policy import LifecyclePolicy

CODEC_ENV = {
    "TRANSCODER_TOPIC": "api.event_codec:MsgspecTranscoder",
    "MAPPER_TOPIC": "api.event_codec:MsgspecMapper",
}


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class DatabaseSettings:
    """SQLite files under the data directory unless FAIRGIG_DATABASE_URL names PostgreSQL."""

    data_dir: Path = Path("var")
    url: str = ""
    schema: str = ""
    pool_size: int = 8
    cipher_key: str = ""

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "fairgig.db"

    def event_store_env(self, app_name: str) -> dict[str, str]:
        env = dict(CODEC_ENV)
        if self.cipher_key:
            env["CIPHER_KEY"] = self.cipher_key
        if not self.is_postgres:
            # SQLite names every application's table `stored_events`, so each log gets its own file;
            # the marketplace log shares its file with the read models that follow it.
            name = "fairgig.db" if app_name == "Marketplace" else f"{app_name.lower()}.db"
            return {
                **env,
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.data_dir / name),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        return {
            **env,
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": str(info.get("dbname", "postgres")),
            "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
            "POSTGRES_PORT": str(info.get("port", "5432")),
            "POSTGRES_USER": str(info.get("user", "postgres")),
            "POSTGRES_PASSWORD": str(info.get("password", "")),
            "POSTGRES_SCHEMA": self.schema,
            # Accounts see little traffic; the marketplace log gets the pool the settings ask for.
            "POSTGRES_POOL_SIZE": str(self.pool_size if app_name == "Marketplace" else 2),
            "POSTGRES_MAX_OVERFLOW": str(self.pool_size if app_name == "Marketplace" else 2),
            # Off whatever the environment says: the library names its insert function per schema,
            # not per table, so with two applications in one schema the last to start would take
            # the other's events into its own table; and that function takes no table lock, which
            # the gap-free order of the log depends on.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            f"{app_name.upper()}_POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }


@dataclass(frozen=True)
class AuthSettings:
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token_ttl: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class StripeSettings:
    secret_key: str = ""
    webhook_secret: str = ""
    api_base: str = ""
    timeout_seconds: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.secret_key)


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    embedded_workers: bool = True
    max_body_bytes: int = 256 * 1024
    threads: int = 0
    """Threads running the sync handlers per server worker; 0: as many as the database pool holds."""
    projection_processes: int = 1
    """Processes `fairgig worker projections` follows the read models in (PostgreSQL only)."""
    warm_fairness_report: bool = True
    """Fold every stored fairness fact in the background when a server starts, so that the first
    whole fairness report it serves does not (seconds over 100,000 gigs)."""


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    stripe: StripeSettings = field(default_factory=StripeSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    policy: LifecyclePolicy = field(default_factory=LifecyclePolicy)
    platform_floor_per_hour: int = 2000


def _hours(name: str, default: timedelta) -> timedelta:
    raw = _env(name)
    return timedelta(hours=float(raw)) if raw else default


def _secret(data_dir: Path) -> str:
    """A JWT secret that survives restarts of the embedded default (tokens stay valid)."""
    if secret := _env("FAIRGIG_JWT_SECRET"):
        return secret
    path = data_dir / "jwt.secret"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def settings_from_env() -> Settings:
    data_dir = Path(_env("FAIRGIG_DATA_DIR", "var"))
    base = LifecyclePolicy()
    return Settings(
        database=DatabaseSettings(
            data_dir=data_dir,
            url=_env("FAIRGIG_DATABASE_URL"),
            schema=_env("FAIRGIG_DATABASE_SCHEMA"),
            pool_size=int(_env("FAIRGIG_DATABASE_POOL_SIZE", "8")),
            cipher_key=_env("FAIRGIG_CIPHER_KEY"),
        ),
        auth=AuthSettings(
            jwt_secret=_secret(data_dir), token_ttl=_hours("FAIRGIG_TOKEN_TTL_HOURS", timedelta(hours=12))
        ),
        stripe=StripeSettings(
            secret_key=_env("STRIPE_SECRET_KEY"),
            webhook_secret=_env("STRIPE_WEBHOOK_SECRET"),
            api_base=_env("STRIPE_API_BASE"),
        ),
        server=ServerSettings(
            host=_env("HOST", "127.0.0.1"),
            port=int(_env("PORT", "8000")),
            workers=int(_env("FAIRGIG_WORKERS", "1")),
            embedded_workers=_env("FAIRGIG_EMBEDDED_WORKERS", "1") not in ("0", "false", "no"),
            threads=int(_env("FAIRGIG_API_THREADS", "0")),
            projection_processes=int(_env("FAIRGIG_PROJECTION_PROCESSES", "1")),
            warm_fairness_report=_env("FAIRGIG_WARM_FAIRNESS_REPORT", "1") not in ("0", "false", "no"),
        ),
        policy=LifecyclePolicy(
            funding_window=_hours("FAIRGIG_FUNDING_WINDOW_HOURS", base.funding_window),
            claim_window=_hours("FAIRGIG_CLAIM_WINDOW_HOURS", base.claim_window),
            review_window=_hours("FAIRGIG_REVIEW_WINDOW_HOURS", base.review_window),
            dispute_window=_hours("FAIRGIG_DISPUTE_WINDOW_HOURS", base.dispute_window),
            rating_window=_hours("FAIRGIG_RATING_WINDOW_HOURS", base.rating_window),
            kill_fee_percent=int(_env("FAIRGIG_KILL_FEE_PERCENT", str(base.kill_fee_percent))),
            platform_fee_bps=int(_env("FAIRGIG_PLATFORM_FEE_BPS", str(base.platform_fee_bps))),
        ),
        platform_floor_per_hour=int(_env("FAIRGIG_PLATFORM_FLOOR_PER_HOUR", "2000")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
