"""bench/realtime.py part: reading accepted to WebSocket delivery, with 1,000 clients across
2 server processes (issue 14, "Measured").

Setup: a fresh PostgreSQL database, a private redis-server on a free port, two
``glucolens serve --workers 1`` processes (each its own hub and Redis subscription), 1,000
users with one access token each. Every user holds one WebSocket (``websockets`` client, one
asyncio client process), users alternating between the two servers; each reading is POSTed
(``POST /api/v1/glucose``, the real API) to the OTHER server than the one holding the
user's socket, so every delivery crosses processes through Redis.

Readings: ``READINGS`` live readings for random users, ``CONCURRENCY`` POSTs in flight (about
the rate of 1,000 users' 5-minute sensors times a few dozen). For each one:

- ``post_to_ws``: from the POST's response arriving at the client to the socket receiving the
  ``reading`` message (the issue's "accepted to delivery": the server commits, and publishes
  after commit, before it sends the response, so this is often negative: the socket can beat
  the response; p50/p95 of the signed values),
- ``start_to_ws``: from just before the POST is sent to the socket receiving it (an upper
  bound: it includes the ingest itself),
- ``publish_to_ws``: from the hub's publish (the envelope's ``at``, stamped after commit,
  millisecond resolution, same machine clock) to the socket receiving it: the hub's own
  share (Redis, the other process's dispatch, the socket write, the client's read).

Baselines in the same run: the same fan-out while only 10 clients are connected (before the
other 990 connect), and a bare Redis PUBLISH to a subscriber in the client process (the
floor of any cross-process hop). Also: connections held per server process (as counted by
the client: every socket got its ``hello``), and RSS per connection (server RSS with 1,000
sockets minus with 10, over 990).

Run alone: .venv/bin/python bench/_realtime_ws.py
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import BIN, bench_env, database, free_port, make_users, pct

CLIENTS = 1_000
BASELINE_CLIENTS = 10
READINGS = 600
BASELINE_READINGS = 200
CONCURRENCY = 8
CONNECT_BATCH = 50


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="glucolens-bench-redis-")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        with contextlib.suppress(redis.RedisError):
            if client.ping():
                break
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def servers(url: str, data_dir: Path, redis_url: str) -> Iterator[list[tuple[int, int]]]:
    """Two servers; yields [(port, pid)]."""
    env = {**bench_env(url, data_dir), "GLUCOLENS_REDIS_URL": redis_url}
    env["GLUCOLENS_SCHEDULER"] = "off"
    procs = []
    for _ in range(2):
        port = free_port()
        cmd = [str(BIN / "glucolens"), "serve", "--port", str(port), "--workers", "1"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append((port, proc))
    import httpx2

    try:
        for port, _ in procs:
            for _ in range(300):
                with contextlib.suppress(httpx2.HTTPError):
                    if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
            else:
                raise RuntimeError("server did not start")
        yield [(port, proc.pid) for port, proc in procs]
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            proc.wait(20)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError("VmRSS")


class Client:
    """One user's socket: answers pings, resolves the waiting future on a reading."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.waiting: asyncio.Future[tuple[float, float]] | None = None
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(f"ws://127.0.0.1:{self.port}/ws/alerts", max_queue=64)
        await self.ws.send(json.dumps({"type": "auth", "token": self.token, "last_seq": None}))
        hello = json.loads(await self.ws.recv())
        assert hello["type"] == "hello", hello
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            at = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.ws.send('{"type":"pong"}')
            elif message["type"] == "reading" and self.waiting and not self.waiting.done():
                published = dt.datetime.fromisoformat(message["at"].replace("Z", "+00:00"))
                self.waiting.set_result((at, (time.time() - published.timestamp()) * 1000))

    async def close(self) -> None:
        await self.ws.close()
        if self.task:
            self.task.cancel()


async def _fan_out(
    clients: list[Client], ports: list[int], tokens: list[str], n: int
) -> dict[str, list[float]]:
    import httpx2

    post_to_ws: list[float] = []
    start_to_ws: list[float] = []
    at_to_ws: list[float] = []
    misses = 0
    sem = asyncio.Semaphore(CONCURRENCY)
    busy: set[int] = set()
    async with httpx2.AsyncClient(timeout=30) as http:

        async def one(i: int) -> None:
            nonlocal misses
            client = clients[i]
            other = ports[1 - ports.index(client.port)]
            client.waiting = asyncio.get_running_loop().create_future()
            ts = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            body = {"timestamp": ts.isoformat(), "value": float(random.randint(60, 250))}
            start = time.perf_counter()
            r = await http.post(
                f"http://127.0.0.1:{other}/api/v1/glucose",
                json=body,
                headers={"Authorization": f"Bearer {tokens[i]}"},
            )
            answered = time.perf_counter()
            assert r.status_code == 201, r.text
            try:
                got, since_publish_ms = await asyncio.wait_for(client.waiting, 10)
            except TimeoutError:
                misses += 1
                return
            post_to_ws.append((got - answered) * 1000)
            start_to_ws.append((got - start) * 1000)
            at_to_ws.append(since_publish_ms)

        async def paced(i: int) -> None:
            async with sem:
                busy.add(i)
                try:
                    await one(i)
                finally:
                    busy.discard(i)

        picks: list[int] = []
        while len(picks) < n:  # one reading in flight per user (its future is the match)
            picks += random.sample(range(len(clients)), min(n - len(picks), len(clients)))
        tasks = []
        began = time.perf_counter()
        for i in picks:
            while i in busy:
                await asyncio.sleep(0.001)
            tasks.append(asyncio.create_task(paced(i)))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        rate = n / (time.perf_counter() - began)
    return {
        "post_to_ws": post_to_ws,
        "start_to_ws": start_to_ws,
        "at_to_ws": at_to_ws,
        "misses": [float(misses)],
        "rate": [rate],
    }


async def _redis_rtt(redis_url: str, n: int = 500) -> list[float]:
    import redis.asyncio as aioredis

    sub_client, pub_client = aioredis.Redis.from_url(redis_url), aioredis.Redis.from_url(redis_url)
    pubsub = sub_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe("bench:rtt")
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await pub_client.publish("bench:rtt", b"x" * 200)
        while (await pubsub.get_message(timeout=1.0)) is None:
            pass
        samples.append((time.perf_counter() - start) * 1000)
    await pubsub.aclose()  # type: ignore[attr-defined]
    await sub_client.aclose()  # type: ignore[attr-defined]
    await pub_client.aclose()  # type: ignore[attr-defined]
    return samples


def _summary(name: str, samples: dict[str, list[float]], **extra: Any) -> dict[str, Any]:
    p2w, s2w, a2w = samples["post_to_ws"], samples["start_to_ws"], samples["at_to_ws"]
    return {
        "figure": name,
        "n": len(p2w),
        "missed": int(samples["misses"][0]),
        "readings_per_s": round(samples["rate"][0], 1),
        "publish_to_ws_p50_ms": round(pct(a2w, 50), 1),
        "publish_to_ws_p95_ms": round(pct(a2w, 95), 1),
        "post_response_to_ws_p50_ms": round(pct(p2w, 50), 2),
        "post_response_to_ws_p95_ms": round(pct(p2w, 95), 2),
        "post_start_to_ws_p50_ms": round(pct(s2w, 50), 2),
        "post_start_to_ws_p95_ms": round(pct(s2w, 95), 2),
        **extra,
    }


async def _measure(servers_: list[tuple[int, int]], users: list[tuple[str, str]], redis_url: str):
    ports = [p for p, _ in servers_]
    tokens = [t for _, t in users]
    clients = [Client(ports[i % 2], tokens[i]) for i in range(len(users))]
    figures: list[dict[str, Any]] = []
    rtt = await _redis_rtt(redis_url)
    for c in clients[:BASELINE_CLIENTS]:
        await c.open()
    await _fan_out(clients[:BASELINE_CLIENTS], ports, tokens, 20)  # warm-up
    rss_before = [rss_kib(pid) for _, pid in servers_]
    base = await _fan_out(clients[:BASELINE_CLIENTS], ports, tokens, BASELINE_READINGS)
    figures.append(
        _summary(
            f"reading to WebSocket, {BASELINE_CLIENTS} clients (baseline)",
            base,
            baseline="bare Redis PUBLISH to a subscriber, same client process",
            redis_rtt_p50_ms=round(pct(rtt, 50), 3),
            redis_rtt_p95_ms=round(pct(rtt, 95), 3),
        )
    )
    opened = time.perf_counter()
    rest = clients[BASELINE_CLIENTS:]
    for k in range(0, len(rest), CONNECT_BATCH):
        await asyncio.gather(*(c.open() for c in rest[k : k + CONNECT_BATCH]))
    connect_s = time.perf_counter() - opened
    await asyncio.sleep(2)  # let the servers settle (allocations, first heartbeats)
    rss_after = [rss_kib(pid) for _, pid in servers_]
    full = await _fan_out(clients, ports, tokens, READINGS)
    held = [sum(1 for c in clients if c.port == p) for p in ports]
    grown = zip(rss_after, rss_before, held, strict=True)
    per_conn = [(a - b) / (h - BASELINE_CLIENTS / 2) for a, b, h in grown]
    figures.append(
        _summary(
            f"reading to WebSocket, {len(clients):,} clients across 2 server processes",
            full,
            goal="p95 < 250 ms",
            load_avg_1m=round(os.getloadavg()[0], 2),
            posts_in_flight=CONCURRENCY,
            connections_per_process=held,
            connect_all_s=round(connect_s, 2),
            server_rss_mib=[round(r / 1024, 1) for r in rss_after],
            rss_per_connection_kib=[round(x, 1) for x in per_conn],
        )
    )
    for c in clients:
        await c.close()
    return figures


def run() -> list[dict[str, Any]]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536) if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # servers inherit it
    with (
        database("postgres", pg_name="glucolens_bench_ws") as (url, data_dir),
        redis_server() as redis_url,
    ):
        emails = [f"ws{i}@example.org" for i in range(CLIENTS)]
        users = make_users(url, data_dir, emails)
        with servers(url, data_dir, redis_url) as procs:
            return asyncio.run(_measure(procs, users, redis_url))


if __name__ == "__main__":
    os.environ.setdefault("GLUCOLENS_LOG_LEVEL", "WARNING")
    for fig in run():
        print(json.dumps(fig))
