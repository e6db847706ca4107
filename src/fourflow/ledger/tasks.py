"""Ledger jobs. A payment is driven one committed step at a time (see service.payments)."""

from __future__ import annotations

import uuid

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core import jobs
from fourflow.core.database import Database
from fourflow.core.jobs import job_runtime
from fourflow.ledger.channels.registry import payment_router
from fourflow.ledger.channels.router import PaymentRouter
from fourflow.ledger.service import payments

blueprint = Blueprint()
# How long to wait before asking a channel again about a payout whose outcome is unknown,
# or whether a sent payout has settled.
RECHECK_SECONDS = 30


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
        tried.add(step.channel)
        with database.unit_of_work() as session:
            finished = payments.record_outcome(session, context, step, attempt, receipt)
            state = payments.payment(session, payment_id, None).state
            if state in ("unknown", "sent"):
                jobs.enqueue(session, "ledger:check_payment", {"payment_id": str(payment_id)},
                             delay_seconds=RECHECK_SECONDS)
        if finished:
            return state


@blueprint.task(name="send_payment", retry=5)
def send_payment(payment_id: str) -> None:
    runtime = job_runtime()
    drive_payment(runtime.database, payment_router(), uuid.UUID(payment_id))


@blueprint.task(name="check_payment", retry=5)
def check_payment(payment_id: str) -> None:
    runtime = job_runtime()
    identifier = uuid.UUID(payment_id)
    with runtime.database.unit_of_work() as session:
        state = payments.payment(session, identifier, None).state
        if state == "sent":
            payments.settle_if_confirmed(session, AuditContext.system(), payment_router(), identifier)
            return
    if state == "unknown":
        drive_payment(runtime.database, payment_router(), identifier)
