"""Full credit decisions under concurrent clients: decisions/s and p99 latency.

Each request is `POST /api/v1/risk/decisions` by the demo seller's API client: the server reads
the seller's facts and stored features, runs the hard lines, the scorecard, the policy, the
limit and the price, and stores the decision with its inputs and versions (and an audit event).

Four clients by default: by Little's law, N clients waiting on each other's answers see a mean
latency of N / throughput, so the issue's pair (>= 300 decisions/s with p99 < 50 ms) can only
hold together for a handful of concurrent callers on 2 cores (16 clients at 300/s already wait
53 ms on average). Pass --clients 8 or 16 to see the curve.

Usage:
    python bench/decision.py                      # starts `fourflow run` (demo world) on a free port
    python bench/decision.py --url http://127.0.0.1:8000   # against a running server
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from api_baseline import access_token, arguments, client_loop, percentile, server_at, uvloop

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
    options = arguments(__doc__ or "", clients=4)
    # A first start loads the demo world and trains the credit model: minutes, not seconds.
    with server_at(options.url, ready_within=900) as url:
        token = access_token(url)
        run = uvloop.run if uvloop is not None else asyncio.run
        run(load(url, token, options.clients, options.warmup))
        latencies, errors, elapsed = run(load(url, token, options.clients, options.seconds))
    print(f"POST /api/v1/risk/decisions, {options.clients} concurrent clients, {elapsed:.1f} s, "
          f"{os.cpu_count()} cores")
    print(f"decisions: {len(latencies)}  errors: {len(errors)}")
    print(f"throughput: {len(latencies) / elapsed:.0f} decisions/s")
    print(f"latency: p50 {statistics.median(latencies) * 1000:.1f} ms  "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms  max {max(latencies) * 1000:.1f} ms")
    if errors:
        raise SystemExit(f"{len(errors)} requests failed (statuses {sorted(set(errors))})")


if __name__ == "__main__":
    main()
