"""Ledger jobs. A payment is driven one committed step at a time (see service.payments)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core import jobs
from fourflow.core.clock import get_clock
from fourflow.core.database import Database
from fourflow.core.faults import pause_point
from fourflow.core.jobs import job_runtime
from fourflow.ledger.channels.registry import payment_router
from fourflow.ledger.channels.router import PaymentRouter
from fourflow.ledger.service import payments

blueprint = Blueprint()
# How long to wait before asking a channel again about a payout whose outcome is unknown,
# or whether a sent payout has settled.
RECHECK_SECONDS = 30
# A payment left half-way (its worker died between two steps) is taken up again once nobody
# has moved it for this long: far longer than a channel call may take (its timeout), so a
# live worker is never doubled.
UNFINISHED_AFTER = timedelta(minutes=5)
RESUME_CRON = "*/5 * * * *"


def drive_payment(database: Database, router: PaymentRouter, payment_id: uuid.UUID) -> str:
    """Take a payment as far as it can go now; returns its state. Safe to run again at any
    point: every step is recorded before the call it leads to."""
    context = AuditContext.system()
    tried: set[str] = set()
    while True:
        with database.unit_of_work() as session:
            step = payments.next_step(session, router, payment_id, frozenset(tried))
            if step is None:
                payments.give_up(session, context, payment_id)
                return payments.payment(session, payment_id, None).state
        attempt, receipt = payments.perform(router, step)
        # Crash tests stop the worker here: the channel has answered, nothing is booked yet.
        pause_point("ledger:payment:channel_answered")
        tried.add(step.channel)
        with database.unit_of_work() as session:
            finished = payments.record_outcome(session, context, step, attempt, receipt)
            state = payments.payment(session, payment_id, None).state
            if state in ("unknown", "sent"):
                jobs.enqueue(session, "ledger:check_payment", {"payment_id": str(payment_id)},
                             delay_seconds=RECHECK_SECONDS)
        if finished:
            return state


def resume_unfinished_payments(database: Database, router: PaymentRouter,
                               unfinished_after: timedelta = UNFINISHED_AFTER) -> dict[str, str]:
    """Take up payments whose worker died half-way (killed, machine restarted): each is
    claimed, then driven from where it stopped; a payout a channel accepted is found by
    asking that channel, so it is booked once and never sent again. Returns payment -> state."""
    with database.unit_of_work() as session:
        claimed = payments.claim_unfinished(session, get_clock().now() - unfinished_after)
    return {str(payment_id): drive_payment(database, router, payment_id) for payment_id in claimed}


def _router() -> PaymentRouter:
    return payment_router(job_runtime().database.engine)


@blueprint.task(name="send_payment", retry=5)
def send_payment(payment_id: str) -> None:
    runtime = job_runtime()
    drive_payment(runtime.database, _router(), uuid.UUID(payment_id))


@blueprint.periodic(cron=RESUME_CRON)
@blueprint.task(name="resume_payments", queueing_lock="ledger:resume_payments")
def resume_payments(timestamp: int) -> None:
    resume_unfinished_payments(job_runtime().database, _router())


@blueprint.task(name="check_payment", retry=5)
def check_payment(payment_id: str) -> None:
    runtime = job_runtime()
    identifier = uuid.UUID(payment_id)
    with runtime.database.unit_of_work() as session:
        state = payments.payment(session, identifier, None).state
        if state == "sent":
            payments.settle_if_confirmed(session, AuditContext.system(), _router(), identifier)
            return
    if state == "unknown":
        drive_payment(runtime.database, _router(), identifier)
