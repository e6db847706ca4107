"""Authenticated GET /api/v1/me under 32 concurrent clients: requests/s and p99 latency.

Usage:
    python bench/api_baseline.py                      # starts `fourflow run` on a free port
    python bench/api_baseline.py --url http://127.0.0.1:8000   # against a running server

The load generator is a minimal HTTP/1.1 keep-alive client on asyncio streams, so that the
client spends as little of the machine's two cores as possible. Bounded in time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
    uvloop = None

DEMO_CLIENT_ID = "demo-lumen"
DEMO_CLIENT_SECRET = "fourflow-demo-client-secret"
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server at {url} did not become ready")


def access_token(url: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
                                   "client_secret": DEMO_CLIENT_SECRET}).encode()
    with urllib.request.urlopen(f"{url}/api/v1/oauth/token", data=form, timeout=10) as response:  # noqa: S310
        token: str = json.load(response)["access_token"]
        return token


async def client_loop(host: str, port: int, request: bytes, stop_at: float,
                      latencies: list[float], errors: list[int], expected: bytes = b" 200 ") -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:].strip())
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if expected not in status_line:
                errors.append(int(status_line.split()[1]))
    finally:
        writer.close()


async def load(url: str, token: str, clients: int, seconds: float) -> tuple[list[float], list[int], float]:
    parsed = urllib.parse.urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    request = (f"GET /api/v1/me HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n").encode()
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*(client_loop(host, port, request, stop_at, latencies, errors)
                           for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def arguments(description: str, clients: int) -> argparse.Namespace:
    """The options every load benchmark takes."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server; by default one is started")
    parser.add_argument("--clients", type=int, default=clients)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    return parser.parse_args()


@contextlib.contextmanager
def server_at(url: str | None, ready_within: float = 120.0) -> Iterator[str]:
    """``url``, or a `fourflow run` started on a free port (demo world included) and stopped after."""
    server = None
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "fourflow", "run", "--port", str(port), "--no-job-worker"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "FOURFLOW_ENVIRONMENT": "development"})
    try:
        wait_until_ready(url, ready_within)
        yield url
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)


def main() -> None:
    options = arguments(__doc__ or "", clients=32)
    with server_at(options.url) as url:
        token = access_token(url)
        # uvloop (it comes with uvicorn) keeps the load generator's own CPU use low: on two
        # cores every cycle the client spends is taken from the server being measured.
        run = uvloop.run if uvloop is not None else asyncio.run
        run(load(url, token, options.clients, options.warmup))
        latencies, errors, elapsed = run(load(url, token, options.clients, options.seconds))
    requests_per_second = len(latencies) / elapsed
    print(f"GET /api/v1/me, {options.clients} concurrent clients, {elapsed:.1f} s, "
          f"{os.cpu_count()} cores")
    print(f"requests: {len(latencies)}  errors: {len(errors)}")
    print(f"throughput: {requests_per_second:.0f} requests/s")
    print(f"latency: p50 {statistics.median(latencies) * 1000:.1f} ms  "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms  max {max(latencies) * 1000:.1f} ms")
    if errors:
        raise SystemExit(f"{len(errors)} requests failed (statuses {sorted(set(errors))})")


if __name__ == "__main__":
    main()
