"""Full credit decisions under concurrent clients: decisions/s and p99 latency.

Each request is `POST /api/v1/risk/decisions` by the demo seller's API client: the server reads
the seller's facts and stored features, runs the hard lines, the scorecard, the policy, the
limit and the price, and stores the decision with its inputs and versions (and an audit event).

Usage:
    python bench/decision.py                      # starts `fourflow run` (demo world) on a free port
    python bench/decision.py --url http://127.0.0.1:8000   # against a running server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from api_baseline import ROOT, access_token, client_loop, free_port, percentile, uvloop, wait_until_ready

BODY = json.dumps({"product": "receivables_financing", "amount": "800.00", "currency": "USD"}).encode()


async def load(url: str, token: str, clients: int, seconds: float) -> tuple[list[float], list[int], float]:
    parsed = urllib.parse.urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    request = (f"POST /api/v1/risk/decisions HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Authorization: Bearer {token}\r\nAccept: application/json\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n").encode() + BODY
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(host, port, request, started + seconds, latencies, errors,
                                       expected=b" 201 ") for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server with the demo world; by default one is started")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    arguments = parser.parse_args()

    server = None
    url = arguments.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "fourflow", "run", "--port", str(port), "--no-job-worker"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "FOURFLOW_ENVIRONMENT": "development"})
    try:
        wait_until_ready(url, timeout=900)  # a first start loads and trains on the demo world
        token = access_token(url)
        run = uvloop.run if uvloop is not None else asyncio.run
        run(load(url, token, arguments.clients, arguments.warmup))
        latencies, errors, elapsed = run(load(url, token, arguments.clients, arguments.seconds))
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    print(f"POST /api/v1/risk/decisions, {arguments.clients} concurrent clients, {elapsed:.1f} s, "
          f"{os.cpu_count()} cores")
    print(f"decisions: {len(latencies)}  errors: {len(errors)}")
    print(f"throughput: {len(latencies) / elapsed:.0f} decisions/s")
    print(f"latency: p50 {statistics.median(latencies) * 1000:.1f} ms  "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms  max {max(latencies) * 1000:.1f} ms")
    if errors:
        raise SystemExit(f"{len(errors)} requests failed (statuses {sorted(set(errors))})")


if __name__ == "__main__":
    main()
