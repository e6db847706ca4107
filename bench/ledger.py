"""Ledger throughput with every invariant on: balanced entries checked by the database,
floors, idempotency keys, and an audit event per entry.

Three shapes, each from separate Python client processes against PostgreSQL:
  1. one transfer per call, WORKERS concurrent clients, over 50 accounts;
  2. the same over 10 hot accounts;
  3. batches of 100 transfers per call.
Then the invariant check: postings per currency sum to zero, every running balance equals
the sum of its postings.

    python bench/ledger.py [--workers 4] [--seconds 10]

Uses DATABASE_URL when set, else the embedded PostgreSQL; works in a database of its own
(fourflow_bench_ledger), recreated on each run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import time
import uuid
from decimal import Decimal

DATABASE_NAME = "fourflow_bench_ledger"


def _database_url(name: str = DATABASE_NAME) -> str:
    import psycopg
    from psycopg import sql

    from fourflow.core.database import libpq_url
    from fourflow.core.embedded_database import start_embedded_database
    from fourflow.core.settings import get_settings

    settings = get_settings()
    if settings.database.url is not None:
        server = libpq_url(settings.database.url.get_secret_value())
    else:
        server = start_embedded_database(settings.database.embedded_data_directory, "postgres")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, query = server.partition("?")
    return base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")


def _prepare(url: str, accounts: int) -> list[str]:
    from fourflow.audit.service import AuditContext
    from fourflow.core.database import Database, make_engine
    from fourflow.core.migrations import upgrade
    from fourflow.identity import service as identity
    from fourflow.identity.schemas import OrganisationCreate
    from fourflow.ledger import service as ledger
    from fourflow.ledger.chart import Side

    upgrade(url)
    database = Database(make_engine(url, pool_size=2))
    with database.unit_of_work() as session:
        owner = identity.create_organisation(session, None, OrganisationCreate(
            slug=f"bench-{uuid.uuid4().hex[:8]}", name="Bench", kind="seller", country_code="CN"))
        bank = ledger.open_account(session, owner.id, "platform:bank", "USD")
        ids = []
        for index in range(accounts):
            wallet = ledger.open_account(session, owner.id, "seller:wallet", "USD", subject=f"w{index}")
            ledger.transfer(session, AuditContext.system(), ledger.Transfer(
                f"bench-open-{wallet.id}", postings=(
                    ledger.Posting(bank.id, Side.DEBIT, Decimal("1000000.00"), "USD"),
                    ledger.Posting(wallet.id, Side.CREDIT, Decimal("1000000.00"), "USD"))))
            ids.append(str(wallet.id))
    database.engine.dispose()
    return ids


def _client(url: str, accounts: list[str], seconds: float, batch: int, seed: int,
            results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from fourflow.audit.service import AuditContext
    from fourflow.core.database import Database, make_engine
    from fourflow.ledger import service as ledger
    from fourflow.ledger.chart import Side

    database = Database(make_engine(url, pool_size=1, max_overflow=0))
    context = AuditContext.system()
    ids = [uuid.UUID(a) for a in accounts]
    rng = random.Random(seed)
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        requests = []
        for _ in range(batch):
            source, target = rng.sample(ids, 2)
            amount = Decimal(rng.randint(1, 10000)).scaleb(-2)
            requests.append(ledger.Transfer(uuid.uuid4().hex, postings=(
                ledger.Posting(source, Side.DEBIT, amount, "USD"),
                ledger.Posting(target, Side.CREDIT, amount, "USD"))))
        with database.unit_of_work() as session:
            if batch == 1:
                ledger.transfer(session, context, requests[0])
            else:
                ledger.transfers(session, context, requests)
        done += batch
    results.put(done)
    database.engine.dispose()


def _run(url: str, accounts: list[str], workers: int, seconds: float, batch: int) -> float:
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    processes = [multiprocessing.Process(target=_client, args=(url, accounts, seconds, batch, seed, results))
                 for seed in range(workers)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    total = sum(results.get(timeout=seconds + 120) for _ in processes)
    for process in processes:
        process.join()
    return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    url = _database_url()
    spread = _prepare(url, 50)
    hot = spread[:10]
    print(f"ledger benchmark: {os.cpu_count()} cores, {arguments.workers} client processes, "
          f"{arguments.seconds:.0f} s per shape")
    single = _run(url, spread, arguments.workers, arguments.seconds, 1)
    print(f"  one transfer per call, 50 accounts: {single:,.0f} transfers/s")
    hot_rate = _run(url, hot, arguments.workers, arguments.seconds, 1)
    print(f"  one transfer per call, 10 hot accounts: {hot_rate:,.0f} transfers/s")
    batched = _run(url, spread, arguments.workers, arguments.seconds, 100)
    print(f"  batches of 100 per call, 50 accounts: {batched:,.0f} transfers/s")

    from sqlalchemy import text

    from fourflow.core.database import Database, make_engine
    from fourflow.ledger import service as ledger

    database = Database(make_engine(url, pool_size=1))
    with database.unit_of_work() as session:
        invariants = ledger.check_invariants(session)
        entries = session.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
    print(f"invariants after {entries:,} entries: postings per currency sum to zero: "
          f"{not invariants.unbalanced_currencies}; every balance equals its postings: "
          f"{not invariants.accounts_out_of_step}")
    if not invariants.hold:
        raise SystemExit("INVARIANT BROKEN")


if __name__ == "__main__":
    main()
