"""Payouts: held on request, sent through the router one committed step at a time, posted
when a channel accepts, settled when the channel confirms. A crash at any point resumes
without paying twice:

- before calling a channel the payment records which channel it is trying (committed);
- a payment found "sending" or "unknown" asks that channel first (status by idempotency
  key) and moves on only when the channel has no record of it;
- every ledger entry of a payment has a key derived from the payment, so posting is
  exactly once however often a step is repeated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import jobs
from fourflow.core.i18n import N_
from fourflow.core.money import validate_currency
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.ledger import repository
from fourflow.ledger.channels.port import PayoutInstruction, PayoutReceipt, PayoutState
from fourflow.ledger.channels.router import Attempt, PaymentRouter
from fourflow.ledger.chart import Side
from fourflow.ledger.errors import (
    AccountNotFound,
    CurrencyMismatch,
    IdempotencyKeyReused,
    PaymentNotFound,
    PayoutAccountNotAllowed,
)
from fourflow.ledger.models import Payment
from fourflow.ledger.service import journal

SEND_PAYMENT_TASK = "ledger:send_payment"
PAYOUT_SOURCES = frozenset({"seller:wallet", "funder:available"})
UNFINISHED_STATES = ("requested", "sending", "unknown")
# What each state means to the operations team that watches payments go out (msgids).
PAYMENT_STATE_LABELS = {
    "requested": N_("Requested"), "sending": N_("Sending"), "sent": N_("Sent to the channel"),
    "unknown": N_("Outcome unknown (checking)"), "settled": N_("Settled"), "failed": N_("Failed"),
}


@dataclass(frozen=True, slots=True)
class PayoutRequest:
    idempotency_key: str
    source_account_id: uuid.UUID
    amount: Decimal
    currency: str
    beneficiary_name: str
    beneficiary_account: str
    beneficiary_country: str
    reference: str


def _platform_account(session: Session, code: str, currency: str, subject: str) -> uuid.UUID:
    platform = identity.organisations_of_kind(session, "platform")[0]
    return journal.open_account(session, platform.id, code, currency, subject=subject).id


def request_payout(session: Session, context: audit.AuditContext, request: PayoutRequest) -> Payment:
    """Hold the money and queue the payout; repeating the key returns the first payment."""
    existing = repository.payment_by_key(session, request.idempotency_key)
    if existing is not None:
        if (existing.amount, existing.currency, existing.source_account_id) != (
                request.amount, request.currency, request.source_account_id):
            raise IdempotencyKeyReused(field="idempotency_key", key=request.idempotency_key)
        return existing
    validate_currency(request.currency)
    source = repository.account_by_id(session, request.source_account_id)
    if source is None:
        raise AccountNotFound(field="source_account_id")
    if source.code not in PAYOUT_SOURCES:
        raise PayoutAccountNotAllowed(field="source_account_id")
    if source.currency != request.currency:
        raise CurrencyMismatch(field="currency", index=0, currency=request.currency,
                               account_currency=source.currency)
    payment = Payment(
        id=uuid.uuid4(), idempotency_key=request.idempotency_key,
        organisation_id=source.organisation_id, source_account_id=source.id, amount=request.amount,
        currency=request.currency, beneficiary_name=request.beneficiary_name,
        beneficiary_account=request.beneficiary_account,
        beneficiary_country=request.beneficiary_country.upper(), reference=request.reference,
        state="requested", attempts=[])
    repository.add_payment(session, payment)
    clearing = _platform_account(session, "platform:clearing", request.currency, "payouts")
    hold = journal.transfer(session, context, journal.Transfer(
        idempotency_key=f"payment:{payment.id}:hold", pending=True,
        description=f"Payout {request.reference}", postings=(
            journal.Posting(source.id, Side.DEBIT, request.amount, request.currency),
            journal.Posting(clearing, Side.CREDIT, request.amount, request.currency))))
    payment.hold_entry_id = hold.entry_id
    audit.record(session, context, "ledger:payment:requested", subject_type="payment",
                 subject_id=payment.id, organisation_id=payment.organisation_id,
                 after={"amount": str(request.amount), "currency": request.currency,
                        "beneficiary": request.beneficiary_name})
    jobs.enqueue(session, SEND_PAYMENT_TASK, {"payment_id": str(payment.id)},
                 queueing_lock=f"payment:{payment.id}")
    return payment


def _instruction(payment: Payment) -> PayoutInstruction:
    return PayoutInstruction(payment.idempotency_key, payment.amount, payment.currency,
                             payment.beneficiary_name, payment.beneficiary_account,
                             payment.beneficiary_country, payment.reference)


@dataclass(frozen=True, slots=True)
class NextStep:
    """What the driver does next outside any transaction: ask a channel about the payout
    (``check``) or send it there (``send``)."""

    payment_id: uuid.UUID
    action: str  # "check" or "send"
    channel: str
    instruction: PayoutInstruction


def next_step(session: Session, router: PaymentRouter, payment_id: uuid.UUID,
              tried: frozenset[str]) -> NextStep | None:
    """Decide, and record before acting, which channel is next; None when nothing is left."""
    payment = repository.payment_for_update(session, payment_id)
    if payment is None:
        raise PaymentNotFound()
    instruction = _instruction(payment)
    if payment.state in ("sending", "unknown") and payment.channel and payment.channel not in tried:
        return NextStep(payment.id, "check", payment.channel, instruction)
    if payment.state not in ("requested", "sending", "unknown"):
        return None
    for channel, _fee in router.candidates(instruction):
        name = channel.profile.name
        if name in tried:
            continue
        payment.state, payment.channel = "sending", name
        session.flush()
        return NextStep(payment.id, "send", name, instruction)
    return None


def perform(router: PaymentRouter, step: NextStep) -> tuple[Attempt, PayoutReceipt | None]:
    """The call to the channel; runs outside any database transaction."""
    if step.action == "check":
        try:
            receipt = router.status(step.channel, step.instruction.idempotency_key)
        except Exception as error:  # noqa: BLE001 - any failure: still unknown
            return Attempt(step.channel, "timed_out", str(error)), None
        if receipt.state in (PayoutState.ACCEPTED, PayoutState.SETTLED):
            return Attempt(step.channel, "accepted"), receipt
        if receipt.state is PayoutState.REJECTED:
            return Attempt(step.channel, "rejected", receipt.reason), None
        return Attempt(step.channel, "not_received"), None
    return router.try_channel(step.channel, step.instruction)


def record_outcome(session: Session, context: audit.AuditContext, step: NextStep,
                   attempt: Attempt, receipt: PayoutReceipt | None) -> bool:
    """Apply what the channel said. Returns True when the payment needs no further step."""
    payment = repository.payment_for_update(session, step.payment_id)
    if payment is None:
        raise PaymentNotFound()
    payment.attempts = [*payment.attempts, {"channel": attempt.channel, "outcome": attempt.outcome,
                                            "detail": attempt.detail}]
    if attempt.outcome == "accepted" and receipt is not None:
        _accepted(session, context, payment, receipt)
        return True
    if attempt.outcome == "timed_out":
        payment.state = "unknown"  # the next run asks this channel before any other
        session.flush()
        return True
    # Nothing was paid through this channel (refused, rejected, breaker open, or the
    # channel has no record of it): the payment is free to try the next one.
    payment.state = "requested"
    session.flush()
    return False


def claim_unfinished(session: Session, untouched_since: datetime) -> list[uuid.UUID]:
    """Payments on their way (requested, sending, unknown) that nobody has moved since
    ``untouched_since``, marked as taken up now so that a second sweep leaves them alone."""
    return repository.claim_unfinished_payments(session, untouched_since, UNFINISHED_STATES)


def give_up(session: Session, context: audit.AuditContext, payment_id: uuid.UUID) -> None:
    """No channel took the payout: release the hold, the money is available again."""
    payment = repository.payment_for_update(session, payment_id)
    if payment is None or payment.state != "requested":
        return
    assert payment.hold_entry_id is not None
    journal.void_pending(session, context, payment.hold_entry_id,
                         idempotency_key=f"payment:{payment.id}:void")
    payment.state = "failed"
    session.flush()
    audit.record(session, context, "ledger:payment:failed", subject_type="payment",
                 subject_id=payment.id, organisation_id=payment.organisation_id,
                 after={"attempts": payment.attempts})


def _accepted(session: Session, context: audit.AuditContext, payment: Payment,
              receipt: PayoutReceipt) -> None:
    assert payment.hold_entry_id is not None
    journal.post_pending(session, context, payment.hold_entry_id,
                         idempotency_key=f"payment:{payment.id}:post")
    payment.channel_reference = receipt.channel_reference
    payment.fee = receipt.fee
    payment.state = "sent"
    if receipt.state is PayoutState.SETTLED:
        _settled(session, context, payment)
    session.flush()
    audit.record(session, context, "ledger:payment:sent", subject_type="payment",
                 subject_id=payment.id, organisation_id=payment.organisation_id,
                 after={"channel": payment.channel, "reference": payment.channel_reference})


def _settled(session: Session, context: audit.AuditContext, payment: Payment) -> None:
    assert payment.channel is not None
    clearing = _platform_account(session, "platform:clearing", payment.currency, "payouts")
    bank = _platform_account(session, "platform:bank", payment.currency, payment.channel)
    journal.transfer(session, context, journal.Transfer(
        idempotency_key=f"payment:{payment.id}:settle", description=f"Settled {payment.reference}",
        postings=(journal.Posting(clearing, Side.DEBIT, payment.amount, payment.currency),
                  journal.Posting(bank, Side.CREDIT, payment.amount, payment.currency))))
    payment.state = "settled"


def settle_if_confirmed(session: Session, context: audit.AuditContext, router: PaymentRouter,
                        payment_id: uuid.UUID) -> Payment:
    """Ask the channel about a sent payout and settle it when the channel confirms."""
    payment = repository.payment_for_update(session, payment_id)
    if payment is None:
        raise PaymentNotFound()
    if payment.state == "sent" and payment.channel:
        receipt = router.status(payment.channel, payment.idempotency_key)
        if receipt.state is PayoutState.SETTLED:
            _settled(session, context, payment)
            session.flush()
    return payment


def payment(session: Session, payment_id: uuid.UUID,
            visible_to_organisation: uuid.UUID | None) -> Payment:
    found = repository.payment_by_id(session, payment_id)
    if found is None or (visible_to_organisation is not None
                         and found.organisation_id != visible_to_organisation):
        raise PaymentNotFound()
    return found


def find_payment(session: Session, idempotency_key: str) -> Payment | None:
    return repository.payment_by_key(session, idempotency_key)


def recent_payments(session: Session, request: PageRequest,
                    organisation_id: uuid.UUID | None) -> Page[Payment]:
    return repository.payments_page(session, request, organisation_id)


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    name: str
    fixed_fee: Decimal
    percentage_fee: Decimal
    settlement_seconds: int
    currencies: list[str]
    countries: list[str]
    breaker_state: str
    accepted: int
    failed: int
    unknown: int

    @property
    def success_rate(self) -> Decimal | None:
        calls = self.accepted + self.failed + self.unknown
        return None if calls == 0 else (Decimal(self.accepted) / calls * 100).quantize(Decimal("0.1"))


def channel_health(session: Session, router: PaymentRouter) -> list[ChannelHealth]:
    """Each channel's terms and record: outcomes of every recorded attempt (all processes),
    and the breaker state (shared by all processes when the router's breakers are)."""
    counts = repository.channel_attempt_counts(session)
    health = []
    for name, channel in sorted(router.channels.items()):
        profile = channel.profile
        health.append(ChannelHealth(
            name=name, fixed_fee=profile.fixed_fee, percentage_fee=profile.percentage_fee,
            settlement_seconds=profile.settlement_seconds, currencies=sorted(profile.currencies),
            countries=sorted(profile.countries), breaker_state=router.breakers[name].state.value,
            accepted=counts.get((name, "accepted"), 0),
            failed=sum(counts.get((name, outcome), 0)
                       for outcome in ("unavailable", "rejected", "circuit_open")),
            unknown=counts.get((name, "timed_out"), 0)))
    return health
