"""8 workers x 500 random transfers among 20 floored accounts, each its own committed
transaction: afterwards every balance equals its postings, no floor is broken, and the
totals per currency are zero."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.audit.service import AuditContext
from fourflow.core.database import Database, make_engine
from fourflow.identity import service as identity
from fourflow.identity.schemas import OrganisationCreate
from fourflow.ledger import service as ledger
from fourflow.ledger.chart import Side
from fourflow.ledger.errors import FloorBreached
from tests.conftest import _worker_suffix, fresh_database

WORKERS, TRANSFERS, ACCOUNTS = 8, 500, 20
OPENING = Decimal("1000.00")


@pytest.fixture(scope="module")
def committed() -> Iterator[Database]:
    url = fresh_database(f"fourflow_ledger_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=WORKERS + 2, max_overflow=0))
    yield database
    database.engine.dispose()


def test_concurrent_random_transfers_keep_every_invariant(committed: Database) -> None:
    context = AuditContext.system()
    with committed.unit_of_work() as session:
        owner = identity.create_organisation(session, None, OrganisationCreate(
            slug="concurrency", name="Concurrency", kind="seller", country_code="CN"))
        bank = ledger.open_account(session, owner.id, "platform:bank", "USD")
        wallets = [ledger.open_account(session, owner.id, "seller:wallet", "USD", subject=f"w{i}").id
                   for i in range(ACCOUNTS)]
        for index, wallet in enumerate(wallets):
            ledger.transfer(session, context, ledger.Transfer(f"opening-{index}", postings=(
                ledger.Posting(bank.id, Side.DEBIT, OPENING, "USD"),
                ledger.Posting(wallet, Side.CREDIT, OPENING, "USD"))))
    refused = [0] * WORKERS
    failures: list[BaseException] = []
    barrier = threading.Barrier(WORKERS)

    def work(worker: int) -> None:
        rng = random.Random(worker)
        barrier.wait()
        for step in range(TRANSFERS):
            source, target = rng.sample(wallets, 2)
            amount = Decimal(rng.randint(1, 40000)).scaleb(-2)
            try:
                with committed.unit_of_work() as session:
                    ledger.transfer(session, context, ledger.Transfer(
                        f"random-{worker}-{step}-{uuid.uuid4()}", postings=(
                            ledger.Posting(source, Side.DEBIT, amount, "USD"),
                            ledger.Posting(target, Side.CREDIT, amount, "USD"))))
            except FloorBreached:
                refused[worker] += 1
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)
                return

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    with committed.unit_of_work() as session:
        invariants = ledger.check_invariants(session)
        assert invariants.unbalanced_currencies == {}
        assert invariants.accounts_out_of_step == []
        balances = [ledger.balance(session, ledger.get_account(session, wallet, None))
                    for wallet in wallets]
        assert all(balance.available >= 0 for balance in balances)
        assert sum(balance.posted for balance in balances) == OPENING * ACCOUNTS
        entries = session.execute(text(
            "SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE 'random-%'")).scalar_one()
    # Every attempt either posted once or was refused whole.
    assert entries + sum(refused) == WORKERS * TRANSFERS
    assert sum(refused) > 0  # the floors were actually exercised
