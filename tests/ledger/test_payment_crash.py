"""The issue's crash test with real processes: a job worker is killed (SIGKILL) after the
channel accepted the payout and before the ledger posted it; a restarted worker completes the
payment exactly once. Worker processes need committed data, so this test has a database of
its own instead of the rolled-back transaction of the other tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from fourflow.audit.service import AuditContext
from fourflow.core.database import Database, make_engine
from fourflow.core.faults import PAUSE_AT, PAUSE_MARKER
from fourflow.core.settings import PROJECT_ROOT
from fourflow.identity import service as identity
from fourflow.identity.schemas import OrganisationCreate
from fourflow.ledger import service as ledger
from fourflow.ledger.channels.registry import payment_router
from fourflow.ledger.service import payments
from fourflow.ledger.tasks import resume_unfinished_payments
from tests.conftest import _server_url, _worker_suffix, fresh_database
from tests.helpers import run_together


@pytest.fixture
def own_database() -> Iterator[Database]:
    name = f"fourflow_test_crash_{_worker_suffix()}"
    database = Database(make_engine(fresh_database(name), pool_size=2))
    yield database
    database.engine.dispose()
    with psycopg.connect(_server_url(), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _payout_requested(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """A seller wallet holding 5,000.00 USD (received through the platform's account at lotus-pay)
    and a payout of 1,000.00 to a supplier in China."""
    context = AuditContext.system()
    with database.unit_of_work() as session:
        platform = identity.create_organisation(session, None, OrganisationCreate(
            slug="fourflow", name="Fourflow", kind="platform", country_code="HK"))
        seller = identity.create_organisation(session, None, OrganisationCreate(
            slug="lumen", name="Lumen Electronics", kind="seller", country_code="CN"))
        bank = ledger.open_account(session, platform.id, "platform:bank", "USD", subject="lotus-pay")
        wallet = ledger.open_account(session, seller.id, "seller:wallet", "USD")
        ledger.transfer(session, context, ledger.Transfer("crash-test-funding", postings=(
            ledger.Posting(bank.id, ledger.Side.DEBIT, Decimal("5000.00"), "USD"),
            ledger.Posting(wallet.id, ledger.Side.CREDIT, Decimal("5000.00"), "USD"))))
        payment = payments.request_payout(session, context, payments.PayoutRequest(
            idempotency_key="payout-lumen-crash", source_account_id=wallet.id,
            amount=Decimal("1000.00"), currency="USD", beneficiary_name="Dongguan Moulds Ltd.",
            beneficiary_account="CN77001234", beneficiary_country="CN", reference="PO-4471"))
    return payment.id, wallet.id


def _worker(database: Database, *arguments: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    url = database.engine.url.render_as_string(hide_password=False)
    return subprocess.Popen([sys.executable, "-m", "tests.ledger.crash_worker", url, *arguments],
                            cwd=PROJECT_ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _books(database: Database, payment_id: uuid.UUID) -> dict[str, object]:
    with database.reader() as session:
        payment = session.execute(text("SELECT state, channel FROM payments WHERE id = :i"),
                                  {"i": payment_id}).one()
        return {
            "payment": (payment.state, payment.channel),
            "entries": list(session.execute(text(
                "SELECT kind FROM ledger_entries WHERE idempotency_key LIKE :k ORDER BY created_at"),
                {"k": f"payment:{payment_id}:%"}).scalars()),
            "bank payouts": list(session.execute(text(
                "SELECT channel FROM simulated_payouts WHERE idempotency_key = 'payout-lumen-crash'"
            )).scalars()),
        }


def test_a_worker_killed_between_channel_accepted_and_ledger_posted_completes_once_on_restart(
        own_database: Database, tmp_path: Path) -> None:
    payment_id, wallet_id = _payout_requested(own_database)
    marker = tmp_path / "paused"
    first = _worker(own_database, "send_payment", str(payment_id),
                    env={PAUSE_AT: "ledger:payment:channel_answered", PAUSE_MARKER: str(marker)})
    while not marker.exists():  # the worker is at the pause point once it writes the marker
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    assert int(marker.read_text()) == first.pid
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL
    # Killed: lotus-pay (1,000 USD to CN: fee 2.00 + 0.3 % = 5.00, the cheapest) holds the
    # payout, while our books still show only the hold.
    assert _books(own_database, payment_id) == {
        "payment": ("sending", "lotus-pay"), "entries": ["pending"], "bank payouts": ["lotus-pay"]}

    restarted = _worker(own_database, "resume")
    output, errors = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, errors
    assert json.loads(output) == {str(payment_id): "settled"}
    # Exactly once: one payout at the bank, one posting of the hold, one settlement.
    assert _books(own_database, payment_id) == {
        "payment": ("settled", "lotus-pay"), "entries": ["pending", "post_pending", "posted"],
        "bank payouts": ["lotus-pay"]}
    again = _worker(own_database, "resume")
    output, errors = again.communicate(timeout=300)
    assert (again.returncode, json.loads(output)) == (0, {}), errors
    with own_database.reader() as session:
        wallet = ledger.get_account(session, wallet_id, None)
        balance = ledger.balance(session, wallet)
        invariants = ledger.check_invariants(session)
    # 5,000.00 funded - 1,000.00 paid out = 4,000.00, nothing held any more
    assert (balance.posted, balance.available) == (Decimal("4000.00"), Decimal("4000.00"))
    assert (invariants.unbalanced_currencies, invariants.accounts_out_of_step) == ({}, [])


def test_two_sweeps_at_once_take_up_a_stranded_payment_once(own_database: Database) -> None:
    payment_id, wallet_id = _payout_requested(own_database)
    with own_database.unit_of_work() as session:
        # Its job was lost an hour ago (say, with the machine it was queued on).
        session.execute(text("UPDATE payments SET updated_at = now() - interval '1 hour' WHERE id = :i"),
                        {"i": payment_id})
    router = payment_router(own_database.engine)
    results, failures = run_together(
        lambda _index: resume_unfinished_payments(own_database, router, timedelta(minutes=1)), 2)
    assert failures == []
    # One sweep claimed it and sent it (settlement is confirmed later by the channel); the
    # other found nothing to take up.
    assert sorted(results, key=len) == [{}, {str(payment_id): "sent"}]
    assert _books(own_database, payment_id) == {
        "payment": ("sent", "lotus-pay"), "entries": ["pending", "post_pending"],
        "bank payouts": ["lotus-pay"]}
    with own_database.reader() as session:
        balance = ledger.balance(session, ledger.get_account(session, wallet_id, None))
    assert balance.posted == Decimal("4000.00")  # 5,000.00 - 1,000.00
