"""Disbursement conditions (F21), hand-checked on the demo world at a frozen clock: each rule met and
unmet, evaluated on each event kind with its history stored, operations refused while a condition is
unmet (nothing stored, nothing moved), and order financing paid to its supplier through the payment
router: accepted, failed over, and failed (every hold released)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, get_clock
from fourflow.ledger import service as ledger
from fourflow.ledger.channels.port import ChannelProfile
from fourflow.ledger.channels.router import PaymentRouter
from fourflow.ledger.channels.simulator import SimulatedChannel
from fourflow.ledger.service import payments
from fourflow.lending.loans import service
from fourflow.lending.loans.errors import (
    DisbursementConditionsUnmet,
    ShipmentNotExpected,
    SupplierNotAllowed,
)
from fourflow.lending.loans.models import Loan
from tests.lending.conditions_helpers import (
    WAREHOUSE,
    book,
    ingest_tracking,
    meet_conditions,
    shipment_for,
    sign_contract,
)
from tests.lending.loans.conftest import CONTEXT, NOW, accepted_offer, books, rows, seller_id

D = Decimal
SUPPLIER = service.SupplierPayee("Dongguan Precision Parts Co., Ltd.", "CN6212260200001234567", "CN")


def _history(session: Session, loan: Loan) -> list[tuple[str, str, str, str]]:
    """(event, condition, result, reason), oldest first."""
    return [(row.event, row.kind, row.result, row.reason)
            for row in reversed(service.evaluations(session, loan))]


def _conditions(session: Session, loan: Loan) -> list[tuple[str, str]]:
    return [(row.kind, row.status) for row in service.conditions(session, loan)]


def test_order_financing_waits_for_signatures_and_goods_evaluated_on_each_event(
        demo: Session, clock: FrozenClock) -> None:
    """10,000.00 USD order financing (fee 1 % = 100.00): booked, then the goods in transit, the contract
    signed, the goods arrived at DE-FRA-01; the last event disburses 9,900.00 into the wallet."""
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = book(demo, offer.id, "cond-1")
    tracking = shipment_for(offer.id).tracking_number
    assert [(row.kind, row.rules_version, row.parameters) for row in service.conditions(demo, loan)] == [
        ("contract_signed", "disbursement_conditions@v1", {"offer_id": str(offer.id)}),
        ("goods_arrived", "disbursement_conditions@v1",
         {"tracking_number": tracking, "warehouse": WAREHOUSE})]
    start = books(demo, loan)

    clock.advance(timedelta(minutes=5))
    ingest_tracking(demo, loan.seller_organisation_id, tracking, arrived=False)  # picked up, in transit
    clock.advance(timedelta(minutes=5))
    sign_contract(demo, offer.id)
    assert (loan.status, _conditions(demo, loan)) == (
        "awaiting_disbursement", [("contract_signed", "met"), ("goods_arrived", "unmet")])
    latest = service.latest_reasons(demo, loan)["goods_arrived"]
    assert service.describe_reason(latest.reason, latest.inputs, "en") == (
        f"Shipment {tracking} is in transit, not yet arrived at {WAREHOUSE}.")
    assert service.describe_reason(latest.reason, latest.inputs, "zh_Hans") == (
        f"运单 {tracking} 当前状态为 运输中，尚未到达 {WAREHOUSE}。")
    clock.advance(timedelta(minutes=5))
    ingest_tracking(demo, loan.seller_organisation_id, tracking)  # delivered into the warehouse
    demo.refresh(loan)

    assert _history(demo, loan) == [
        ("booking", "contract_signed", "unmet", "contract_missing"),
        ("booking", "goods_arrived", "unmet", "shipment_unknown"),
        ("shipment_tracking", "contract_signed", "unmet", "contract_missing"),
        ("shipment_tracking", "goods_arrived", "unmet", "shipment_not_arrived"),
        ("contract_countersigned", "contract_signed", "met", "contract_signed"),
        ("contract_countersigned", "goods_arrived", "unmet", "shipment_not_arrived"),
        ("shipment_tracking", "goods_arrived", "met", "shipment_arrived")]
    arrived = service.latest_reasons(demo, loan)["goods_arrived"]
    assert (arrived.inputs["status"], arrived.inputs["latest_warehouse"], arrived.inputs["checkpoints"]) == (
        "arrived_at_warehouse", WAREHOUSE, 2)
    assert service.describe_reason(arrived.reason, arrived.inputs, "en") == (
        f"Shipment {tracking} arrived at {WAREHOUSE} on 2026-10-15 11:15 UTC.")
    goods = service.conditions(demo, loan)[1]
    assert goods.met_at == NOW + timedelta(minutes=15)
    # Disbursed by the last event: Dr principal 10,000.00; Cr wallet 9,900.00, fees 100.00.
    after = books(demo, loan)
    assert (loan.status, after.principal, after.wallet - start.wallet,
            after.income_fees - start.income_fees) == (
        "active", D("10000.00"), D("9900.00"), D("100.00"))
    assert [(row.method, row.status, row.triggered_by) for row in service.disbursements(demo, loan)] == [
        ("wallet", "completed", "conditions_met")]
    evaluated = demo.execute(text(
        "SELECT count(*) FROM audit_events WHERE subject_id = :loan "
        "AND action = 'lending:loan:conditions_evaluated'"),
        {"loan": str(loan.id)}).scalar_one()
    assert evaluated == 4  # booking, in-transit tracking, countersignature, arrival
    assert ledger.check_invariants(demo).hold


def test_operations_are_refused_naming_the_unmet_conditions_and_nothing_changes(
        demo: Session, clock: FrozenClock) -> None:
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = book(demo, offer.id, "cond-refused")
    before = rows(demo)
    with pytest.raises(DisbursementConditionsUnmet) as refused:
        service.disburse(demo, CONTEXT, loan.id)
    assert refused.value.code == "disbursement_conditions_unmet"
    assert refused.value.http_status == 409
    assert refused.value.localised("en") == (
        "The loan cannot be disbursed yet: All signatures present, Financed goods arrived at the warehouse "
        "not met.")
    assert refused.value.localised("zh_Hans") == (
        "贷款尚不能放款：合同双方签署齐全、融资货物已到达仓库尚未满足。")
    assert rows(demo) == before  # no evaluation, no entry, no audit
    demo.refresh(loan)
    assert loan.status == "awaiting_disbursement"

    sign_contract(demo, offer.id)  # one of two met: the refusal names the other only
    with pytest.raises(DisbursementConditionsUnmet) as still:
        service.disburse(demo, CONTEXT, loan.id)
    assert still.value.localised("en") == (
        "The loan cannot be disbursed yet: Financed goods arrived at the warehouse not met.")


def test_the_daily_re_evaluation_catches_what_no_event_announced(demo: Session, clock: FrozenClock) -> None:
    """A receivables loan whose contract was signed, and the tracking row of an order loan written
    without an ingest (a bulk load publishes no event): the daily run meets and disburses both."""
    receivables = accepted_offer(demo, seller=seller_id(demo), product="receivables_financing", tenor_days=90)
    order = accepted_offer(demo, seller=seller_id(demo))
    first = book(demo, receivables.id, "daily-1")
    second = book(demo, order.id, "daily-2")
    sign_contract(demo, order.id)
    assert first.status == "awaiting_disbursement"
    sign_contract(demo, receivables.id)  # its event disburses it at once
    assert first.status == "active"
    tracking = shipment_for(order.id).tracking_number
    ingest_tracking(demo, second.seller_organisation_id, tracking, arrived=False)
    demo.execute(text(
        "INSERT INTO trade_tracking_events (id, seller_organisation_id, batch_id, source_line, carrier,"
        " tracking_number,"
        " status, carrier_status, event_at, warehouse)"
        " SELECT gen_random_uuid(), :seller, b.id, 1, 'sf-express',"
        " :tracking, 'arrived_at_warehouse', 'Delivered_001', :at, :warehouse FROM trade_ingest_batches b"
        " WHERE b.seller_organisation_id = :seller ORDER BY b.created_at DESC LIMIT 1"),
        {"seller": second.seller_organisation_id, "tracking": tracking,
         "at": get_clock().now(), "warehouse": WAREHOUSE})
    assert second.status == "awaiting_disbursement"
    moved = service.evaluate_waiting(demo, CONTEXT, service.ConditionEvent.PERIODIC)
    assert [(loan.id, loan.status) for loan in moved] == [(second.id, "active")]
    assert _history(demo, second)[-1] == ("periodic", "goods_arrived", "met", "shipment_arrived")


def test_bad_shipment_or_supplier_at_booking_is_refused_and_changes_nothing(
        demo: Session, clock: FrozenClock) -> None:
    receivables = accepted_offer(demo, seller=seller_id(demo), product="receivables_financing")
    before = rows(demo)
    with pytest.raises(ShipmentNotExpected) as shipment:
        service.book_loan(demo, CONTEXT, receivables.id, "bad-1", shipment=shipment_for(receivables.id))
    assert shipment.value.field == "shipment.tracking_number"
    with pytest.raises(SupplierNotAllowed):
        service.book_loan(demo, CONTEXT, receivables.id, "bad-2", supplier=SUPPLIER)
    assert rows(demo) == before


# Supplier payments through the payment router ---------------------------------------------------------

def _channel(name: str, fixed_fee: str, *, failure_rate: float = 0.0) -> SimulatedChannel:
    return SimulatedChannel(ChannelProfile(name, D(fixed_fee), D(0), 3600, frozenset({"USD"}),
                                           frozenset({"CN", "US"})), failure_rate=failure_rate)


def _drive(session: Session, router: PaymentRouter, payment_id: uuid.UUID) -> str:
    """What ``ledger.tasks.drive_payment`` does, within the test's transaction."""
    tried: set[str] = set()
    while True:
        step = payments.next_step(session, router, payment_id, frozenset(tried))
        if step is None:
            payments.give_up(session, CONTEXT, payment_id)
            break
        attempt, receipt = payments.perform(router, step)
        tried.add(step.channel)
        if payments.record_outcome(session, CONTEXT, step, attempt, receipt):
            break
    return payments.payment(session, payment_id, None).state


def _supplier_loan(demo: Session, key: str) -> Loan:
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = meet_conditions(demo, book(demo, offer.id, key, supplier=SUPPLIER))
    assert (loan.status, loan.disbursement_method) == ("disbursing", "supplier")
    return loan


def _available(session: Session, loan: Loan) -> Decimal:
    account = ledger.get_account(session, service.accounts(session, loan).funder_available, None)
    session.refresh(account)
    return ledger.balance(session, account).available


def test_a_supplier_is_paid_through_the_router_in_two_phases(demo: Session, clock: FrozenClock) -> None:
    """10,000.00 at 1 % fee: the supplier receives 9,900.00; the funder's 10,000.00 is held at request
    (9,900.00 for the payout, 100.00 for the fee), posted when the channel accepts."""
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = book(demo, offer.id, "supplier-1", supplier=SUPPLIER)
    start, available_before = books(demo, loan), _available(demo, loan)
    meet_conditions(demo, loan)
    disbursement = service.disbursements(demo, loan)[0]
    assert (loan.status, disbursement.amount, disbursement.payee, disbursement.status) == (
        "disbursing", D("9900.0000"), SUPPLIER.name, "pending")
    assert available_before - _available(demo, loan) == D("10000.00")  # held, not yet posted
    assert books(demo, loan) == start
    assert service.complete_disbursement(demo, CONTEXT, loan.id).status == "disbursing"  # router not done

    cheap, dear = _channel("lotus-pay", "1.00"), _channel("harbour-bank", "5.00")
    router = PaymentRouter([cheap, dear])
    assert disbursement.payment_id is not None
    assert _drive(demo, router, disbursement.payment_id) == "sent"
    assert (cheap.sent_count, dear.sent_count) == (1, 0)
    service.complete_disbursement(demo, CONTEXT, loan.id)
    again = service.complete_disbursement(demo, CONTEXT, loan.id)  # a repeated job books nothing more
    after = books(demo, loan)
    # Dr principal 10,000.00 / Cr deployed 10,000.00; the holds posted: available −9,900.00 − 100.00.
    assert (again.status, after.principal, after.wallet, after.income_fees - start.income_fees) == (
        "active", D("10000.00"), start.wallet, D("100.00"))
    assert (start.funder_available - after.funder_available,
            after.funder_deployed - start.funder_deployed) == (D("10000.00"), D("10000.00"))
    assert service.disbursements(demo, loan)[0].status == "completed"
    payments.settle_if_confirmed(demo, CONTEXT, router, disbursement.payment_id)
    assert payments.payment(demo, disbursement.payment_id, None).state == "settled"
    assert ledger.check_invariants(demo).hold


def test_a_failed_channel_fails_over_to_the_next(demo: Session, clock: FrozenClock) -> None:
    loan = _supplier_loan(demo, "supplier-2")
    payment_id = service.disbursements(demo, loan)[0].payment_id
    assert payment_id is not None
    down, up = _channel("lotus-pay", "1.00", failure_rate=1.0), _channel("harbour-bank", "5.00")
    assert _drive(demo, PaymentRouter([down, up]), payment_id) == "sent"
    attempts = payments.payment(demo, payment_id, None).attempts
    assert [(row["channel"], row["outcome"]) for row in attempts] == [
        ("lotus-pay", "unavailable"), ("harbour-bank", "accepted")]
    assert service.complete_disbursement(demo, CONTEXT, loan.id).status == "active"
    assert (down.sent_count, up.sent_count) == (0, 1)
    assert ledger.check_invariants(demo).hold


def test_when_no_channel_pays_every_hold_is_released_and_a_new_attempt_follows(
        demo: Session, clock: FrozenClock) -> None:
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = book(demo, offer.id, "supplier-3", supplier=SUPPLIER)
    start, available_before = books(demo, loan), _available(demo, loan)
    meet_conditions(demo, loan)
    first = service.disbursements(demo, loan)[0]
    assert first.payment_id is not None
    router = PaymentRouter([_channel("lotus-pay", "1.00", failure_rate=1.0),
                            _channel("harbour-bank", "5.00", failure_rate=1.0)])
    assert _drive(demo, router, first.payment_id) == "failed"
    assert service.complete_disbursement(demo, CONTEXT, loan.id).status == "awaiting_disbursement"
    assert (first.status, _available(demo, loan), books(demo, loan)) == ("failed", available_before, start)
    assert demo.execute(text("SELECT count(*) FROM ledger_entries WHERE idempotency_key = :key"),
                        {"key": f"lending:loan:{loan.id}:disbursement"}).scalar_one() == 0
    # The conditions stay met: the next evaluation tries again, as a new payment with a new key.
    retried = service.evaluate_loan(demo, CONTEXT, loan.id, service.ConditionEvent.PERIODIC)
    second = service.disbursements(demo, loan)[1]
    assert (retried.status, second.attempt, second.status) == ("disbursing", 2, "pending")
    assert second.payment_id is not None
    assert second.payment_id != first.payment_id
    assert _drive(demo, PaymentRouter([_channel("lotus-pay", "1.00")]), second.payment_id) == "sent"
    assert service.complete_disbursement(demo, CONTEXT, loan.id).status == "active"
    assert start.funder_available - books(demo, loan).funder_available == D("10000.00")
    assert ledger.check_invariants(demo).hold
