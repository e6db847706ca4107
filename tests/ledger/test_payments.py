"""Payouts through the router, step by step, with crashes and unknown outcomes."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.database import Database
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.ledger.channels.registry import DEMO_CHANNELS, DEMO_RULES
from fourflow.ledger.channels.router import PaymentRouter
from fourflow.ledger.channels.simulator import SimulatedChannel
from fourflow.ledger.errors import IdempotencyKeyReused
from fourflow.ledger.service import payments
from fourflow.ledger.tasks import drive_payment


def _channels(**behaviour: dict[str, float]) -> dict[str, SimulatedChannel]:
    return {profile.name: SimulatedChannel(profile, **behaviour.get(profile.name, {}))
            for profile in DEMO_CHANNELS}


def _wallet(session: Session) -> ledger.Balance:
    lumen = identity.organisation_by_slug(session, "lumen-electronics")
    assert lumen is not None
    account = ledger.open_account(session, lumen.id, "seller:wallet", "USD")
    session.refresh(account)
    return ledger.balance(session, account)


def _request(session: Session, key: str = "payout-lumen-0001", amount: str = "1000.00") -> str:
    balance = _wallet(session)
    payment = payments.request_payout(session, AuditContext.system(), payments.PayoutRequest(
        idempotency_key=key, source_account_id=balance.account_id, amount=Decimal(amount),
        currency="USD", beneficiary_name="Dongguan Moulds Ltd.", beneficiary_account="CN77001234",
        beneficiary_country="CN", reference="PO-4471"))
    session.flush()
    return str(payment.id)


def _state(session: Session, payment_id: str) -> tuple[str, str | None]:
    row = session.execute(text("SELECT state, channel FROM payments WHERE id = :i"),
                          {"i": payment_id}).one()
    return row.state, row.channel


def _entries(session: Session, payment_id: str) -> list[str]:
    return list(session.execute(text(
        "SELECT kind FROM ledger_entries WHERE idempotency_key LIKE :k ORDER BY created_at"),
        {"k": f"payment:{payment_id}:%"}).scalars())


def test_a_payout_is_held_sent_through_the_cheapest_channel_and_settled(demo: Session,
                                                                         database: Database) -> None:
    payment_id = _request(demo)
    held = _wallet(demo)
    assert (held.posted, held.available) == (Decimal("18450.00"), Decimal("17450.00"))
    job = demo.execute(text("SELECT task_name FROM procrastinate_jobs")).scalar_one()
    assert job == "ledger:send_payment"
    channels = _channels()
    router = PaymentRouter(list(channels.values()), DEMO_RULES)
    # 1,000 USD to CN: lotus-pay 5.00 < harbour-bank 16.00 < global-wire 25.00
    assert drive_payment(database, router, uuid.UUID(payment_id)) == "sent"
    assert _state(demo, payment_id) == ("sent", "lotus-pay")
    assert _wallet(demo).posted == Decimal("17450.00")
    payments.settle_if_confirmed(demo, AuditContext.system(), router, uuid.UUID(payment_id))
    assert _state(demo, payment_id) == ("settled", "lotus-pay")
    assert _entries(demo, payment_id) == ["pending", "post_pending", "posted"]
    assert channels["lotus-pay"].sent_count == 1
    invariants = ledger.check_invariants(demo)
    assert (invariants.unbalanced_currencies, invariants.accounts_out_of_step) == ({}, [])


def test_a_crash_after_the_channel_accepted_completes_exactly_once(
        demo: Session, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    payment_id = uuid.UUID(_request(demo))
    channels = _channels()
    router = PaymentRouter(list(channels.values()), DEMO_RULES)
    original = payments.record_outcome

    def crash(*args: object, **kwargs: object) -> bool:
        raise SystemExit("worker killed between 'channel accepted' and 'ledger posted'")

    monkeypatch.setattr(payments, "record_outcome", crash)
    with pytest.raises(SystemExit):
        drive_payment(database, router, payment_id)
    assert _state(demo, str(payment_id)) == ("sending", "lotus-pay")
    assert _entries(demo, str(payment_id)) == ["pending"]
    monkeypatch.setattr(payments, "record_outcome", original)
    # The restarted worker asks lotus-pay first, finds the payout, and books it once.
    assert drive_payment(database, router, payment_id) == "settled"
    assert drive_payment(database, router, payment_id) == "settled"
    assert sum(channel.sent_count for channel in channels.values()) == 1
    assert _entries(demo, str(payment_id)) == ["pending", "post_pending", "posted"]
    assert _wallet(demo).posted == Decimal("17450.00")


def test_failover_to_the_next_channel_and_the_attempts_are_kept(demo: Session,
                                                                 database: Database) -> None:
    payment_id = uuid.UUID(_request(demo, key="payout-failover-1"))
    channels = _channels(**{"lotus-pay": {"failure_rate": 1.0}})
    router = PaymentRouter(list(channels.values()), DEMO_RULES)
    assert drive_payment(database, router, payment_id) == "sent"
    assert _state(demo, str(payment_id)) == ("sent", "harbour-bank")
    attempts = demo.execute(text("SELECT attempts FROM payments WHERE id = :i"),
                            {"i": payment_id}).scalar_one()
    assert [(a["channel"], a["outcome"]) for a in attempts] == [
        ("lotus-pay", "unavailable"), ("harbour-bank", "accepted")]


def test_when_no_channel_takes_it_the_hold_is_released(demo: Session, database: Database) -> None:
    payment_id = uuid.UUID(_request(demo, key="payout-nowhere-1"))
    channels = _channels(**{name: {"failure_rate": 1.0} for name in ("lotus-pay", "harbour-bank",
                                                                      "global-wire")})
    router = PaymentRouter(list(channels.values()), DEMO_RULES)
    assert drive_payment(database, router, payment_id) == "failed"
    balance = _wallet(demo)
    assert (balance.posted, balance.available) == (Decimal("18450.00"), Decimal("18450.00"))
    assert _entries(demo, str(payment_id)) == ["pending", "void_pending"]


def test_an_unknown_outcome_waits_for_the_same_channel(demo: Session, database: Database) -> None:
    payment_id = uuid.UUID(_request(demo, key="payout-lost-answer-1"))
    channels = _channels(**{"lotus-pay": {"lost_answer_rate": 1.0}})
    router = PaymentRouter(list(channels.values()), DEMO_RULES, timeout_seconds=0.2)
    assert drive_payment(database, router, payment_id) == "unknown"
    assert channels["harbour-bank"].sent_count == 0
    assert demo.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = "
                             "'ledger:check_payment'")).scalar_one() == 1
    channels["lotus-pay"].lost_answer_rate = 0.0
    assert drive_payment(database, router, payment_id) == "settled"
    assert sum(channel.sent_count for channel in channels.values()) == 1


def test_payout_requests_are_idempotent_and_validated(demo: Session) -> None:
    first = _request(demo, key="payout-same-1")
    assert _request(demo, key="payout-same-1") == first
    with pytest.raises(IdempotencyKeyReused):
        _request(demo, key="payout-same-1", amount="999.00")
    assert demo.execute(text("SELECT count(*) FROM payments")).scalar_one() == 1
