"""Settings from the environment (prefix ``GLUCOLENS_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GLUCOLENS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Embedded state: SQLite file, keys.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/glucolens.db"
    )
    redis_url: str | None = Field(default=None, description="Cache, rate limits and pub/sub.")
    celery_broker_url: str | None = Field(
        default=None, description="Celery broker; without it analytics run in-process."
    )
    static_dir: Path | None = Field(default=None, description="Built web app (frontend/out).")

    jwt_issuer: str = "glucolens"
    jwt_audience: str = "glucolens-api"
    jwt_keys: str | None = Field(
        default=None,
        description="Signing keys as 'kid1:secret1,kid2:secret2'; the first signs. "
        "Default: a key generated into <data_dir>/jwt_keys.",
    )
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_days: int = 30
    password_reset_ttl_min: int = 30
    cookie_secure: bool = True

    argon2_time_cost: int = 2
    argon2_memory_cost_kib: int = 65536

    login_max_per_account: str = "5/minute"
    login_max_per_ip: str = "20/minute"
    api_rate_limit: str = "600/minute"

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "GlucoLens <no-reply@glucolens.local>"
    public_url: str = "http://localhost:8000"

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    insights_debounce_s: float = 30.0
    dashboard_cache_s: int = Field(
        default=60, description="Cache dashboard reads this long (0 = off); any write refreshes."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'glucolens.db').resolve()}"

    @property
    def resolved_static_dir(self) -> Path | None:
        if self.static_dir is not None:
            return self.static_dir
        default = REPO_ROOT / "frontend" / "out"
        return default if default.is_dir() else None


@lru_cache
def get_settings() -> Settings:
    return Settings()
