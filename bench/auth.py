"""Auth costs: argon2id parameter choices, login latency with the production settings,
and the per-request price of checking an access token.

Prints:
1. verify time of one argon2id hash for several (time_cost, memory_cost) pairs;
2. POST /api/v1/auth/login p50/p95 over --logins sign-ins (in-process app, SQLite,
   the argon2 settings of core/config.py unless GLUCOLENS_ARGON2_* are set);
3. verify_access_token() alone, and authenticate() (JWT + session/user lookup +
   rate-limit hit), p50/p95 over --verifications calls.

Run: .venv/bin/python bench/auth.py [--logins 40] [--verifications 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

PASSWORD = "bench passphrase of decent length"
ARGON2_CHOICES = [  # (time_cost, memory_cost KiB); 19 MiB/t=2 is OWASP's minimum
    (2, 19456),
    (2, 32768),
    (3, 32768),
    (2, 47104),
    (2, 65536),
    (3, 65536),
    (4, 65536),
]


def pcts(samples_s: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples_s, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_argon2(repeats: int) -> None:
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    print(f"argon2id verify (parallelism 4, {os.cpu_count()} cores), median of {repeats}:")
    print(f"  {'time_cost':>9} {'memory MiB':>10} {'ms':>8}")
    for t, m in ARGON2_CHOICES:
        hasher = PasswordHash((Argon2Hasher(time_cost=t, memory_cost=m),))
        stored = hasher.hash(PASSWORD)
        ms = statistics.median(timed(lambda h=hasher, s=stored: h.verify(PASSWORD, s), repeats))
        print(f"  {t:>9} {m / 1024:>10.0f} {ms * 1000:>8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--logins", type=int, default=40)
    ap.add_argument("--verifications", type=int, default=5000)
    ap.add_argument("--argon2-repeats", type=int, default=7)
    args = ap.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="glucolens-bench-auth-"))
    os.environ.update(
        GLUCOLENS_DATA_DIR=str(data_dir),
        GLUCOLENS_DATABASE_URL=f"sqlite:///{data_dir / 'bench.db'}",
        GLUCOLENS_LOGIN_MAX_PER_ACCOUNT="100000/minute",
        GLUCOLENS_LOGIN_MAX_PER_IP="100000/minute",
        GLUCOLENS_API_RATE_LIMIT="10000000/minute",
        GLUCOLENS_UPLOADER_RATE_LIMIT="10000000/minute",
        GLUCOLENS_LOG_LEVEL="WARNING",
    )
    for var in (
        "GLUCOLENS_REDIS_URL",
        "GLUCOLENS_CELERY_BROKER_URL",
        "GLUCOLENS_SMTP_HOST",
    ):
        os.environ.pop(var, None)

    from fastapi.testclient import TestClient
    from starlette.requests import Request

    import glucolens.core.models_registry  # noqa: F401 - complete metadata
    from glucolens.auth.deps import authenticate
    from glucolens.auth.models import User, UserSession
    from glucolens.auth.passwords import hash_password
    from glucolens.auth.tokens import issue_access_token, verify_access_token
    from glucolens.core.config import get_settings
    from glucolens.core.db import Base, get_engine, get_sessionmaker
    from glucolens.main import create_app

    settings = get_settings()
    bench_argon2(args.argon2_repeats)

    Base.metadata.create_all(get_engine())
    db = get_sessionmaker()()
    user = User(email="bench@example.org", password_hash=hash_password(PASSWORD))
    db.add(user)
    db.commit()

    app = create_app()
    with TestClient(app, base_url="https://testserver") as client:
        body = {"email": user.email, "password": PASSWORD, "device": "bench"}
        client.post("/api/v1/auth/login", json=body)  # warm-up
        samples = []
        for _ in range(args.logins):
            client.cookies.clear()
            t0 = time.perf_counter()
            r = client.post("/api/v1/auth/login", json=body)
            samples.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
    p50, p95 = pcts(samples)
    print(
        f"\nlogin (argon2id t={settings.argon2_time_cost}, "
        f"m={settings.argon2_memory_cost_kib // 1024} MiB), {args.logins} logins: "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )

    session = UserSession(user_id=user.id, device="bench")
    db.add(session)
    db.commit()
    token, _ = issue_access_token(user.id, session.id)
    n = args.verifications
    for _ in range(200):  # warm-up
        verify_access_token(token)
    p50, p95 = pcts(timed(lambda: verify_access_token(token), n))
    print(f"verify_access_token (HS256 JWT), {n} calls: p50 {p50:.3f} ms, p95 {p95:.3f} ms")

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/auth/me",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "query_string": b"",
        "client": ("127.0.0.1", 1),
    }

    def auth_once() -> None:
        request = Request(scope)
        with get_sessionmaker()() as s:
            authenticate(request, s)

    for _ in range(200):
        auth_once()
    p50, p95 = pcts(timed(auth_once, n))
    print(
        f"authenticate() (JWT + SQLite session/user lookup + rate-limit hit), {n} calls: "
        f"p50 {p50:.3f} ms, p95 {p95:.3f} ms"
    )
    db.close()


if __name__ == "__main__":
    main()
