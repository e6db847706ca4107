"""Ledger throughput with every invariant on: balanced entries checked by the database,
floors, idempotency keys, and an audit event per entry, measured against a plain baseline.

Three shapes, each from separate Python client processes against PostgreSQL:
  1. one transfer per call, WORKERS concurrent clients, over 50 accounts;
  2. the same over 10 hot accounts;
  3. batches of 100 transfers per call.

The issue's target is "at least what a plain SQL-function ledger without floors, idempotency
or audit reaches on the same machine". That baseline runs here too (``baseline`` below: accounts
with a balance, entries, postings, one function call per transfer, in a database of its own),
from the same client processes with the same connection handling and the same shapes.
Baseline and Fourflow run in interleaved rounds (A/B/A/B, same duration), so load from other
processes on a shared machine weighs on both alike; each shape prints both rates and their
ratio. Then the invariant check of both ledgers: postings per currency sum to zero, every
running balance equals the sum of its postings.

    python bench/ledger.py [--workers 4] [--seconds 5] [--rounds 2]

Uses DATABASE_URL when set, else the embedded PostgreSQL; works in databases of its own
(fourflow_bench_ledger, fourflow_bench_ledger_baseline), recreated on each run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import time
import uuid
from decimal import Decimal
from typing import Any

DATABASE_NAME = "fourflow_bench_ledger"
BASELINE_DATABASE_NAME = "fourflow_bench_ledger_baseline"


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


def _fourflow_client(url: str, accounts: list[str], seconds: float, batch: int, seed: int,
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




# The plain baseline ------------------------------------------------------------------------
# What the issue calls "a plain SQL-function ledger without floors, idempotency or audit":
# accounts with a balance, entries, postings, one function call per transfer, rows locked in
# account order so concurrent transfers neither deadlock nor lose an update.
BASELINE_SCHEMA = """
CREATE TABLE accounts (id uuid PRIMARY KEY, currency text NOT NULL, balance numeric NOT NULL DEFAULT 0);
CREATE TABLE entries (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE postings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id uuid NOT NULL REFERENCES entries, account_id uuid NOT NULL REFERENCES accounts,
    currency text NOT NULL, amount numeric NOT NULL);
CREATE INDEX ON postings (entry_id);
CREATE INDEX ON postings (account_id);

CREATE FUNCTION record_transfer(p_entry uuid, p_accounts uuid[], p_amounts numeric[], p_currency text)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    INSERT INTO entries (id) VALUES (p_entry);
    FOR t IN SELECT * FROM unnest(p_accounts, p_amounts) AS u(account, amount) ORDER BY account LOOP
        UPDATE accounts SET balance = balance + t.amount WHERE id = t.account;
        INSERT INTO postings (entry_id, account_id, currency, amount)
        VALUES (p_entry, t.account, p_currency, t.amount);
    END LOOP;
    RETURN p_entry;
END;
$$;

-- A batch: parallel arrays, two postings per transfer; accounts locked first, in order.
CREATE FUNCTION record_transfers(p_entries uuid[], p_debits uuid[], p_credits uuid[],
                                 p_amounts numeric[], p_currency text)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM accounts WHERE id = ANY(p_debits || p_credits) ORDER BY id FOR UPDATE;
    INSERT INTO entries (id) SELECT unnest(p_entries);
    INSERT INTO postings (entry_id, account_id, currency, amount)
    SELECT e, d, p_currency, a FROM unnest(p_entries, p_debits, p_amounts) AS u(e, d, a)
    UNION ALL
    SELECT e, c, p_currency, -a FROM unnest(p_entries, p_credits, p_amounts) AS u(e, c, a);
    UPDATE accounts SET balance = balance + m.total
    FROM (SELECT account, sum(amount) AS total
          FROM (SELECT unnest(p_debits) AS account, unnest(p_amounts) AS amount
                UNION ALL SELECT unnest(p_credits), -unnest(p_amounts)) AS moves
          GROUP BY account) AS m
    WHERE accounts.id = m.account;
    RETURN cardinality(p_entries);
END;
$$;
"""


def _prepare_baseline(url: str, accounts: int) -> list[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(BASELINE_SCHEMA)
        bank = uuid.uuid4()
        ids = [uuid.uuid4() for _ in range(accounts)]
        connection.execute("INSERT INTO accounts (id, currency) SELECT unnest(%s::uuid[]), 'USD'",
                           ([bank, *ids],))
        with connection.transaction():
            for wallet in ids:
                connection.execute("SELECT record_transfer(%s, %s::uuid[], %s::numeric[], 'USD')", (
                    uuid.uuid4(), [bank, wallet], [Decimal("1000000.00"), Decimal("-1000000.00")]))
    return [str(i) for i in ids]


def _baseline_client(url: str, accounts: list[str], seconds: float, batch: int, seed: int,
                     results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Same engine, pool and unit of work as the Fourflow client; the call goes to the
    session's driver connection as Fourflow's own hot path does."""
    from fourflow.core.database import Database, make_engine

    database = Database(make_engine(url, pool_size=1, max_overflow=0))
    ids = [uuid.UUID(a) for a in accounts]
    rng = random.Random(seed)
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        moves = []
        for _ in range(batch):
            source, target = rng.sample(ids, 2)
            moves.append((uuid.uuid4(), source, target, Decimal(rng.randint(1, 10000)).scaleb(-2)))
        with database.unit_of_work() as session:
            driver = session.connection().connection.driver_connection
            assert driver is not None
            if batch == 1:
                entry, source, target, amount = moves[0]
                driver.execute("SELECT record_transfer(%s, %s::uuid[], %s::numeric[], %s)",
                               (entry, [source, target], [amount, -amount], "USD")).fetchone()
            else:
                driver.execute(
                    "SELECT record_transfers(%s::uuid[], %s::uuid[], %s::uuid[], %s::numeric[], %s)",
                    ([m[0] for m in moves], [m[1] for m in moves], [m[2] for m in moves],
                     [m[3] for m in moves], "USD")).fetchone()
        done += batch
    results.put(done)
    database.engine.dispose()


def _baseline_invariants(url: str) -> tuple[int, bool, bool]:
    """(entries, postings per currency sum to zero, every balance equals its postings)."""
    import psycopg

    with psycopg.connect(url) as connection:
        entries = connection.execute("SELECT count(*) FROM entries").fetchone()
        unbalanced = connection.execute(
            "SELECT count(*) FROM (SELECT currency FROM postings GROUP BY currency "
            "HAVING sum(amount) <> 0) AS c").fetchone()
        out_of_step = connection.execute(
            "SELECT count(*) FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total "
            "FROM postings GROUP BY account_id) p ON p.account_id = a.id "
            "WHERE a.balance <> coalesce(p.total, 0)").fetchone()
    assert entries is not None
    assert unbalanced is not None
    assert out_of_step is not None
    return int(entries[0]), unbalanced[0] == 0, out_of_step[0] == 0


# Running -----------------------------------------------------------------------------------

def _run(client: Any, url: str, accounts: list[str], workers: int, seconds: float,
         batch: int) -> float:
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    processes = [multiprocessing.Process(target=client, args=(url, accounts, seconds, batch, seed, results))
                 for seed in range(workers)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    total = sum(results.get(timeout=seconds + 120) for _ in processes)
    for process in processes:
        process.join()
    return total / (time.perf_counter() - started)


def _interleaved(label: str, baseline: tuple[str, list[str]], fourflow: tuple[str, list[str]],
                 arguments: argparse.Namespace, batch: int) -> None:
    """Rounds of baseline then Fourflow, same duration each; rates summed over the rounds."""
    plain: list[float] = []
    ours: list[float] = []
    for _ in range(arguments.rounds):
        plain.append(_run(_baseline_client, baseline[0], baseline[1], arguments.workers,
                          arguments.seconds, batch))
        ours.append(_run(_fourflow_client, fourflow[0], fourflow[1], arguments.workers,
                         arguments.seconds, batch))
    rounds = "  ".join(f"{p:,.0f}/{o:,.0f}" for p, o in zip(plain, ours, strict=True))
    mean_plain, mean_ours = sum(plain) / len(plain), sum(ours) / len(ours)
    print(f"  {label}: baseline {mean_plain:,.0f}/s, fourflow {mean_ours:,.0f}/s, "
          f"ratio {mean_ours / mean_plain:.2f}   (rounds baseline/fourflow: {rounds})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shapes", default="single,hot,batch",
                        help="Comma-separated subset of single, hot, batch.")
    arguments = parser.parse_args()
    url = _database_url()
    baseline_url = _database_url(BASELINE_DATABASE_NAME)
    spread = _prepare(url, 50)
    plain_spread = _prepare_baseline(baseline_url, 50)
    shapes = {
        "single": ("one transfer per call, 50 accounts", plain_spread, spread, 1),
        "hot": ("one transfer per call, 10 hot accounts", plain_spread[:10], spread[:10], 1),
        "batch": ("batches of 100 per call, 50 accounts", plain_spread, spread, 100),
    }
    print(f"ledger benchmark: {os.cpu_count()} cores, {arguments.workers} client processes, "
          f"{arguments.rounds} interleaved rounds of {arguments.seconds:.0f} s per ledger and shape")
    for name in arguments.shapes.split(","):
        label, plain_accounts, accounts, batch = shapes[name]
        _interleaved(label, (baseline_url, plain_accounts), (url, accounts), arguments, batch)

    from sqlalchemy import text

    from fourflow.core.database import Database, make_engine
    from fourflow.ledger import service as ledger

    database = Database(make_engine(url, pool_size=1))
    with database.unit_of_work() as session:
        invariants = ledger.check_invariants(session)
        entries = session.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
    print(f"fourflow invariants after {entries:,} entries: postings per currency sum to zero: "
          f"{not invariants.unbalanced_currencies}; every balance equals its postings: "
          f"{not invariants.accounts_out_of_step}")
    plain_entries, plain_balanced, plain_in_step = _baseline_invariants(baseline_url)
    print(f"baseline invariants after {plain_entries:,} entries: postings sum to zero: "
          f"{plain_balanced}; every balance equals its postings: {plain_in_step}")
    if not invariants.hold or not (plain_balanced and plain_in_step):
        raise SystemExit("INVARIANT BROKEN")


if __name__ == "__main__":
    main()
