"""The ``glucolens`` command: serve, db upgrade, db check, users create, demo, worker, backup,
restore.

Each subcommand imports what it needs inside its function, so ``glucolens --help`` answers at
once and ``glucolens worker`` or ``db upgrade`` do not import the web app or the analytics.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import shutil
import sys
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def db_upgrade(revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    from glucolens.core.config import get_settings

    settings = get_settings()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = settings.resolved_database_url
    command.upgrade(cfg, revision)
    print(f"database at revision {revision}")


def db_check(repair: bool, as_json: bool) -> int:
    """0 when every day is consistent (or was repaired), 1 when damage was found and left."""
    from glucolens.core.db import get_sessionmaker
    from glucolens.readings.consistency import check_all

    with get_sessionmaker()() as db:
        report = check_all(db, repair=repair)
    if as_json:
        print(report.to_json())
    else:
        print(f"checked {report.users_checked} users, {report.days_checked} days")
        for m in report.mismatched_days:
            print(f"  user {m.user_id} day {m.day}: {m.reason}")
        if report.mismatched_days:
            verb = "repaired" if repair else "found (run with --repair to rewrite them)"
            print(f"{len(report.mismatched_days)} inconsistent days {verb}")
    return 0 if repair or not report.mismatched_days else 1


def default_workers(redis_url: str | None) -> int:
    """One per core when what processes must share has a place to live (Redis: rate limits,
    caches, WebSocket fan-out); one otherwise (the embedded default, see docs/deploy.md)."""
    return max(1, os.cpu_count() or 1) if redis_url else 1


def _multiprocess_metrics_dir(data_dir: Path) -> None:
    """Prometheus' multi-process mode: each worker writes its samples to files in an
    emptied directory that /metrics sums (core/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    path = data_dir / "prometheus"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def serve(host: str | None, port: int | None, reload: bool, workers: int | None = None) -> None:
    import uvicorn

    from glucolens.core.config import get_settings

    settings = get_settings()
    n = workers or default_workers(settings.redis_url)
    # Read by the workers: caches that only this process can invalidate stay off when it
    # has siblings and no Redis to tell them (auth/session_cache).
    os.environ["GLUCOLENS_SERVE_WORKERS"] = str(n)
    if n > 1:
        if not settings.redis_url:
            print(
                "warning: several workers without GLUCOLENS_REDIS_URL: each keeps its own "
                "rate limits and cache, and live updates reach only WebSockets connected to "
                "the worker that took the reading (docs/deploy.md)",
                file=sys.stderr,
            )
        _multiprocess_metrics_dir(settings.data_dir)
    uvicorn.run(
        "glucolens.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        workers=None if reload else n,
        # The app believes X-Forwarded-* only from GLUCOLENS_TRUSTED_PROXIES (core/proxies);
        # uvicorn's own handling would trust any loopback peer.
        proxy_headers=False,
        log_level=settings.log_level.lower(),
        access_log=False,
        # uvicorn closes with 1009 a WebSocket message over this before buffering it (its
        # default is 16 MiB); /ws/alerts checks the same limit itself (alerts/realtime.py).
        ws_max_size=settings.ws_max_message_bytes,
    )


def _create_user(email: str, password: str, timezone: str, unit: str) -> None:
    from glucolens.auth.schemas import RegisterIn
    from glucolens.auth.service import ClientInfo, register
    from glucolens.core.db import get_sessionmaker

    body = RegisterIn(email=email, password=password, timezone=timezone, unit=unit)  # type: ignore[arg-type]
    with get_sessionmaker()() as db:
        user = register(db, body, ClientInfo(ip="cli", device="glucolens users create"))
        db.commit()
        print(f"created user {user.email} ({user.id})")


def demo(email: str, days: int, timezone: str) -> None:
    from sqlalchemy import select

    from glucolens.auth.models import User
    from glucolens.auth.passwords import hash_password
    from glucolens.core.db import get_sessionmaker
    from glucolens.demo.service import load_demo

    password = "demo-" + secrets.token_urlsafe(9)
    with get_sessionmaker()() as db:
        user = db.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, display_name="Demo", timezone=timezone, unit="mg/dL")
            db.add(user)
        user.password_hash = hash_password(password)
        db.commit()
        print(f"generating {days} days of demo data ...", flush=True)
        counts = load_demo(db, user, days=days)
        db.commit()
    print("inserted: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"demo user: {email}\npassword:  {password}")


def openapi_schema() -> str:
    """The API's OpenAPI schema as JSON with sorted keys, so the same code prints the same bytes
    (the web app generates its TypeScript types from it: frontend/scripts/api-types.mjs)."""
    import json

    from glucolens.main import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def backup_cmd(output: str | None, keys: bool) -> int:
    from glucolens.core.backup import BackupError, backup, default_backup_path
    from glucolens.core.config import get_settings

    settings = get_settings()
    dest = Path(output) if output else default_backup_path(settings.data_dir)
    try:
        manifest = backup(settings.resolved_database_url, settings.data_dir, dest, keys=keys)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = sum(n for t, n in manifest.row_counts.items() if t != "alembic_version")
    print(f"backup written to {dest} ({rows} rows, revision {manifest.revision})")
    return 0


def restore_cmd(source: str, yes: bool) -> int:
    from glucolens.core.backup import BackupError, restore
    from glucolens.core.config import get_settings

    settings = get_settings()
    try:
        manifest = restore(
            settings.resolved_database_url,
            settings.data_dir,
            Path(source),
            head=_head_revision(),
            replace_data=yes,
        )
    except (BackupError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored the backup of {manifest.created_at} (revision {manifest.revision})")
    db_upgrade("head")  # a backup from an older GlucoLens is migrated forward
    return 0


def worker(concurrency: int, beat: bool) -> None:
    from glucolens.worker import celery_app

    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    if beat:
        argv.append("--beat")
    celery_app.worker_main(argv)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="glucolens", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p_serve = sub.add_parser("serve", help="serve the API and the web app")
    p_serve.add_argument("--host")
    p_serve.add_argument("--port", type=int)
    p_serve.add_argument("--reload", action="store_true")
    p_serve.add_argument(
        "--workers",
        type=int,
        help="processes (default: one per core with GLUCOLENS_REDIS_URL set, else 1)",
    )

    p_db = sub.add_parser("db", help="database")
    db_sub = p_db.add_subparsers(dest="db_cmd", required=True)
    p_up = db_sub.add_parser("upgrade", help="apply migrations")
    p_up.add_argument("revision", nargs="?", default="head")
    p_check = db_sub.add_parser(
        "check", help="compare raw readings with day aggregates per user and day"
    )
    p_check.add_argument("--repair", action="store_true", help="rewrite the days that differ")
    p_check.add_argument("--json", action="store_true", help="print the report as JSON")

    p_users = sub.add_parser("users", help="accounts")
    users_sub = p_users.add_subparsers(dest="users_cmd", required=True)
    p_create = users_sub.add_parser("create", help="create an account")
    p_create.add_argument("--email", required=True)
    p_create.add_argument("--password", help="omit to be prompted")
    p_create.add_argument("--timezone", default="UTC")
    p_create.add_argument("--unit", default="mg/dL", choices=["mg/dL", "mmol/L"])

    p_demo = sub.add_parser("demo", help="create the demo user with 90 days of data")
    p_demo.add_argument("--email", default="demo@glucolens.local")
    p_demo.add_argument("--days", type=int, default=90)
    p_demo.add_argument("--timezone", default="Europe/London")

    p_worker = sub.add_parser("worker", help="run a Celery worker (needs a broker)")
    p_worker.add_argument("--concurrency", type=int, default=2)
    p_worker.add_argument("--beat", action="store_true", help="also run the nightly schedule")

    sub.add_parser("openapi", help="print the OpenAPI schema as JSON (sorted keys)")

    p_backup = sub.add_parser("backup", help="write the database and keys to one file")
    p_backup.add_argument("--output", "-o", help="default <data_dir>/backups/glucolens-<time>")
    p_backup.add_argument("--no-keys", action="store_true", help="leave out the data dir's keys")
    p_restore = sub.add_parser("restore", help="replace the database with a backup's")
    p_restore.add_argument("source")
    p_restore.add_argument("--yes", action="store_true", help="replace a non-empty database")

    args = parser.parse_args(argv)
    from glucolens.subscribers import wire_subscribers

    wire_subscribers()
    if args.cmd == "serve":
        serve(args.host, args.port, args.reload, args.workers)
    elif args.cmd == "db" and args.db_cmd == "check":
        sys.exit(db_check(args.repair, args.json))
    elif args.cmd == "db":
        db_upgrade(args.revision)
    elif args.cmd == "users":
        password = args.password or getpass.getpass("password: ")
        try:
            _create_user(args.email, password, args.timezone, args.unit)
        except Exception as exc:  # noqa: BLE001 - print the reason, not a traceback
            details = getattr(exc, "details", None) or getattr(exc, "errors", lambda: None)()
            print(
                f"error: {getattr(exc, 'message', exc)} {details or ''}".rstrip(), file=sys.stderr
            )
            sys.exit(2)
    elif args.cmd == "demo":
        demo(args.email, args.days, args.timezone)
    elif args.cmd == "worker":
        worker(args.concurrency, args.beat)
    elif args.cmd == "openapi":
        sys.stdout.write(openapi_schema())
    elif args.cmd == "backup":
        sys.exit(backup_cmd(args.output, not args.no_keys))
    elif args.cmd == "restore":
        sys.exit(restore_cmd(args.source, args.yes))


if __name__ == "__main__":
    main()
