"""Ingest throughput: a generated Amazon V2 settlement report of 1,000,000 lines, streamed
through the real connector, staged with COPY and merged into the canonical tables in one
transaction (quality checks included; figures are a job and not timed here).

Prints generation time, end-to-end ingest time, rows/s and the peak RSS of this process and of
the process a large file is parsed in (the PostgreSQL server's own memory is not part of it).
A second pass re-ingests the same file and must insert nothing. Uses DATABASE_URL when set,
else the embedded PostgreSQL, in a database of its own that is dropped and created each run.

    .venv/bin/python bench/ingest.py [--lines 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
from ledger import _database_url  # the benchmarks share one way to get a database

COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)
# Each order brings these lines, as Amazon reports them (amount per unit of quantity 1).
ORDER_LINES = (
    ("ItemPrice", "Principal", Decimal("1")),
    ("ItemPrice", "Tax", Decimal("0.08")),
    ("ItemFees", "Commission", Decimal("-0.15")),
    ("ItemFees", "FBAPerUnitFulfillmentFee", None),
)


def generate(path: str, lines: int, seed: int = 7) -> None:
    """Stream the file to disk: a summary row, then orders of four lines each."""
    chance = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[list[str]] = []
    total = Decimal(0)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("\t".join(COLUMNS) + "\n")
        # The summary row's total is written last in a real file's header; here it is patched in
        # place, so write a fixed-width placeholder.
        out.write(
            "\t".join(
                [
                    "90000001",
                    "2026-01-01 00:00:00 UTC",
                    "2026-01-15 00:00:00 UTC",
                    "2026-01-17 00:00:00 UTC",
                    "{TOTAL:>20}",
                    "USD",
                ]
                + [""] * 18
            )
            + "\n"
        )
        written = 0
        order = 0
        while written < lines - 1:
            order += 1
            price = Decimal(chance.randint(500, 9999)) / 100
            posted = start + timedelta(seconds=order * 1.1)
            stamp = posted.strftime("%Y-%m-%d %H:%M:%S UTC")
            order_id = f"113-{order:07d}-{chance.randint(1000000, 9999999)}"
            for amount_type, description, factor in ORDER_LINES:
                amount = (
                    (price * factor).quantize(Decimal("0.01")) if factor is not None else Decimal("-3.22")
                )
                total += amount
                rows.append(
                    [
                        "90000001",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "Order",
                        order_id,
                        "",
                        "",
                        f"S{order}",
                        "Amazon.com",
                        amount_type,
                        description,
                        str(amount),
                        "AFN",
                        posted.strftime("%m/%d/%y"),
                        stamp,
                        f"{order:014d}",
                        "",
                        "",
                        f"SKU-{order % 500:03d}",
                        "1",
                        "",
                    ]
                )
                written += 1
                if written >= lines - 1:
                    break
            if len(rows) >= 10_000:
                out.write("".join("\t".join(row) + "\n" for row in rows))
                rows = []
        out.write("".join("\t".join(row) + "\n" for row in rows))
    with open(path, "r+b") as patch:
        head = patch.read(4096)
        offset = head.index(b"{TOTAL:>20}")
        patch.seek(offset)
        patch.write(f"{total:>11}".encode().ljust(len(b"{TOTAL:>20}")))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000)
    arguments = parser.parse_args()

    from fourflow.audit.service import AuditContext
    from fourflow.core.database import Database, make_engine
    from fourflow.core.migrations import upgrade
    from fourflow.identity import service as identity
    from fourflow.identity.schemas import OrganisationCreate
    from fourflow.tradedata import service as tradedata

    url = _database_url("fourflow_bench_ingest")
    upgrade(url)
    database = Database(make_engine(url, pool_size=2))
    with database.unit_of_work() as session:
        seller = identity.create_organisation(
            session,
            None,
            OrganisationCreate(
                slug=f"bench-{uuid.uuid4().hex[:8]}", name="Bench", kind="seller", country_code="CN"
            ),
        ).id

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "settlement.txt")
        began = time.perf_counter()
        generate(path, arguments.lines)
        size = os.path.getsize(path)
        print(
            f"generated {arguments.lines:,} lines ({size / 1_048_576:,.0f} MiB) in "
            f"{time.perf_counter() - began:,.1f} s"
        )
        for attempt in ("first ingest", "re-ingest (same file)"):
            began = time.perf_counter()

            def progress(read: int, rows: int, began: float = began) -> None:
                print(f"  … {rows:,} rows, {read / 1_048_576:,.0f} MiB, {time.perf_counter() - began:,.1f} s",
                      flush=True)

            with open(path, "rb") as source, database.unit_of_work() as session:
                summary = tradedata.ingest(
                    session,
                    AuditContext.system(),
                    seller_organisation_id=seller,
                    format="amazon-settlement",
                    source=source,
                    filename="settlement.txt",
                    channel="cli",
                    secret="bench-secret-" + "0" * 32,
                    progress=progress,
                )
            elapsed = time.perf_counter() - began
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            parser_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"{attempt}: {summary.rows:,} rows in {elapsed:,.1f} s = "
                f"{summary.rows / elapsed:,.0f} rows/s; "
                f"inserted {summary.inserted:,}, duplicates {summary.duplicates:,}; peak RSS {peak:,.0f} MiB "
                f"(parse process {parser_peak:,.0f} MiB)"
            )
    database.engine.dispose()


if __name__ == "__main__":
    main()
