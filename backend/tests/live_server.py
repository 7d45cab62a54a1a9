"""``glucolens serve`` in a subprocess on a free port, against the test database, and raw
HTTP/1.1 over sockets: what a test needs to see what a real client and server do with
bodies a client library would refuse to send (or would buffer first)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

CHUNK = b"x" * 65536


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen[bytes]
    start_rss_kib: int = 0

    def peak_rss_kib(self) -> int:
        return _status_kib(self.process.pid, "VmHWM")

    def rss_kib(self) -> int:
        return _status_kib(self.process.pid, "VmRSS")


def _status_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise LookupError(key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(**settings: str) -> Iterator[LiveServer]:
    """``settings`` are GLUCOLENS_* variables without the prefix (``TRUSTED_PROXIES=...``)."""
    port = free_port()
    env = {**os.environ, **{f"GLUCOLENS_{k.upper()}": v for k, v in settings.items()}}
    cmd = [sys.executable, "-m", "glucolens.cli", "serve", "--host", "127.0.0.1"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [*cmd, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(port, process)
        yield LiveServer(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"glucolens serve exited with {process.returncode}")
        try:
            if request(port, "GET", "/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("glucolens serve did not become healthy")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    body_bytes_sent: int


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Answer:
    """One small request on its own connection."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = {"Host": "127.0.0.1", "Connection": "close", **(headers or {})}
        if body or method in ("POST", "PUT", "PATCH"):
            head["Content-Length"] = str(len(body))
        sock.sendall(_head(method, path, head) + body)
        return _read_answer(sock, start, len(body))


def stream_body(
    port: int,
    path: str,
    total_bytes: int,
    *,
    chunked: bool,
    headers: dict[str, str] | None = None,
) -> Answer:
    """POST ``total_bytes`` from a generator (64 KiB at a time, never held in memory), with
    ``Content-Length`` or chunked; stop sending as soon as the server answers."""
    start = time.monotonic()
    head = {"Host": "127.0.0.1", "Content-Type": "application/json", **(headers or {})}
    if chunked:
        head["Transfer-Encoding"] = "chunked"
    else:
        head["Content-Length"] = str(total_bytes)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        sock.sendall(_head("POST", path, head))
        sent = 0
        for piece in _pieces(total_bytes, chunked):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the answer is in: a real client stops sending too
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += min(len(CHUNK), total_bytes - sent)
        return _read_answer(sock, start, sent)


def _pieces(total_bytes: int, chunked: bool) -> Iterator[bytes]:
    left = total_bytes
    while left > 0:
        data = CHUNK[: min(len(CHUNK), left)]
        left -= len(data)
        yield (b"%x\r\n%s\r\n" % (len(data), data)) if chunked else data
    if chunked:
        yield b"0\r\n\r\n"


def _head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_answer(sock: socket.socket, start: float, sent: int) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError(f"connection closed before an answer: {data!r}")
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        body += piece
    return Answer(int(lines[0].split()[1]), headers, body, time.monotonic() - start, sent)
