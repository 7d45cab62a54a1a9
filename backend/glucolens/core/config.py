"""Settings from the environment (prefix ``GLUCOLENS_``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(spec: str) -> tuple[IPNetwork, ...]:
    """'10.0.0.0/8, 192.168.1.2' as networks; a bad entry raises ValueError naming it."""
    networks = []
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"trusted_proxies: {entry!r} is not an IP address or CIDR") from exc
    return tuple(networks)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GLUCOLENS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Embedded state: SQLite file, keys.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/glucolens.db"
    )
    redis_url: str | None = Field(default=None, description="Cache, rate limits and pub/sub.")
    redis_timeout_s: float = Field(
        default=0.25, description="Redis connect and read timeout; a dead Redis costs this much."
    )
    redis_retry_s: float = Field(
        default=2.0, description="After a Redis failure, degrade this long before trying again."
    )
    memory_cache_max_entries: int = Field(default=10_000, description="In-process cache bound.")
    memory_cache_max_mb: int = Field(default=64, description="In-process cache bound (JSON MiB).")
    threads: int = Field(
        default=40,
        description="Worker threads for sync routes, API requests in progress at once, and "
        "pooled database connections.",
    )
    request_queue_timeout_s: float = Field(
        default=10.0, description="An API request waits this long for a free thread, then 503."
    )
    db_max_overflow: int = Field(
        default=20, description="Connections beyond the pool, closed after use."
    )
    db_pool_timeout_s: float = Field(
        default=3.0, description="Wait this long for a pooled connection, then answer 503."
    )
    db_connect_timeout_s: int = Field(
        default=2, description="PostgreSQL connect timeout (libpq's minimum is 2)."
    )
    sqlite_write_wait_s: float = Field(
        default=15.0, description="A SQLite write waits this long for the write lock, then 503."
    )
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
    refresh_grace_s: float = Field(
        default=10.0,
        ge=0,
        le=120,
        description="A rotated refresh token used again this soon gets the same successor "
        "(tabs refreshing at once); later reuse revokes the session.",
    )
    password_reset_ttl_min: int = 30
    cookie_secure: bool = True

    argon2_time_cost: int = 2
    argon2_memory_cost_kib: int = 65536

    login_max_per_account: str = "5/minute"
    login_max_per_ip: str = "20/minute"
    api_rate_limit: str = Field(
        default="600/minute",
        description="Requests per user from signed-in web sessions (docs/auth.md, measured by "
        "bench/web_session.py: a dashboard load is 10, the busiest minute of a fast walk "
        "through every page 81).",
    )
    uploader_rate_limit: str = Field(
        default="100/minute",
        description="Requests per user from API keys and Nightscout uploaders (the seed's 100).",
    )

    # The HTTP edge (docs/api.md "HTTP edge", docs/auth.md "Client address and proxies").
    max_body_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Request body limit of routes without their own."
    )
    max_body_auth_bytes: int = Field(
        default=64 * 1024, gt=0, description="Request body limit of /api/v1/auth/*."
    )
    max_body_bulk_bytes: int = Field(
        default=48 * 1024 * 1024,
        gt=0,
        description="Request body limit of */bulk: 100,000 readings with every field filled.",
    )
    max_body_csv_bytes: int = Field(
        default=21 * 1024 * 1024,
        gt=0,
        description="Request body limit of glucose/import/csv: a 20 MiB file and its framing.",
    )
    import_max_mb: int = Field(
        default=200, gt=0, description="Largest file POST /api/v1/imports accepts (MiB)."
    )
    import_dir: Path | None = Field(
        default=None,
        description="Where uploaded import files wait for their job (default <data_dir>/imports); "
        "with several API hosts and workers, a volume they all mount.",
    )
    import_max_unzipped_mb: int = Field(
        default=8192, gt=0, description="Largest file unpacked from an uploaded zip (MiB)."
    )
    import_max_zip_ratio: int = Field(
        default=100, gt=0, description="Largest unpacked/packed size ratio of a zip member."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: none.",
    )
    api_docs: bool = Field(
        default=False, description="Serve /docs and /redoc (their scripts load from a CDN)."
    )

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "GlucoLens <no-reply@glucolens.local>"
    public_url: str | None = Field(
        default=None,
        description="Base of links in mails; default http://<host>:<port> of `glucolens serve`.",
    )

    # Alert delivery: email, web push, webhook and their retries (docs/alerts-delivery.md).
    vapid_private_key: str | None = Field(
        default=None,
        description="Web Push VAPID private key (PEM, or the raw P-256 key in base64url); "
        "default: one generated into <data_dir>/vapid_private.pem.",
    )
    vapid_subject: str | None = Field(
        default=None,
        description="VAPID 'sub' claim (mailto: or https: URL a push service can reach you at); "
        "default: public_url when https, else mailto:<mail_from's address>.",
    )
    alert_delivery_max_attempts: int = Field(
        default=5, ge=1, le=20, description="Attempts per delivery before it is marked failed."
    )
    alert_delivery_backoff_s: float = Field(
        default=30.0, gt=0, description="Wait before the first retry; doubles on each attempt."
    )
    alert_delivery_timeout_s: float = Field(
        default=10.0, gt=0, le=60, description="Timeout of one push, webhook or SMTP attempt."
    )
    alert_push_ttl_s: int = Field(
        default=1800,
        ge=0,
        description="How long a push service keeps an undelivered alert (an old alert misleads).",
    )

    # Real-time channel and scheduler (docs/realtime.md).
    ws_heartbeat_s: float = Field(
        default=25.0, gt=0, description="/ws/alerts pings this often; no pong in twice it closes."
    )
    ws_auth_timeout_s: float = Field(
        default=5.0, gt=0, description="A WebSocket must send its auth message this soon."
    )
    ws_max_message_bytes: int = Field(
        default=4096, gt=0, description="Largest client WebSocket message (larger: close 1009)."
    )
    ws_max_connections_per_user: int = Field(
        default=20, ge=1, description="Open /ws/alerts connections per user and process."
    )
    ws_allowed_origins: str = Field(
        default="",
        description="Comma-separated extra browser origins allowed on /ws/alerts (same-origin "
        "and public_url always are).",
    )
    hub_replay_max: int = Field(
        default=200, ge=0, description="Messages kept per user for replay after a reconnect."
    )
    hub_replay_max_age_s: int = Field(
        default=3600, ge=0, description="Older messages are not replayed (replay.gap instead)."
    )
    scheduler: Literal["on", "off"] = Field(
        default="on", description="Run periodic jobs (alert ticks, delivery retries) here."
    )
    scheduler_tick_s: float = Field(
        default=2.0, gt=0, le=60, description="How often the scheduler looks for due slots."
    )

    # Prometheus (core/metrics.py): /metrics answers only with this bearer token; unset: 404.
    metrics_token: str | None = Field(default=None, description="Bearer token of /metrics.")

    # Error tracking (core/sentry.py): off unless a DSN is set; events are scrubbed first.
    sentry_dsn: str | None = Field(default=None, description="Sentry DSN; empty: off.")
    environment: str = Field(default="production", description="Sentry's environment tag.")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    insights_debounce_s: float = 30.0
    dashboard_cache_s: int = Field(
        default=60, description="Cache dashboard reads this long (0 = off); any write refreshes."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        proxy_networks(value)  # raises naming the bad entry
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return proxy_networks(self.trusted_proxies)

    @property
    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::", "::1") else self.host  # noqa: S104
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

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
