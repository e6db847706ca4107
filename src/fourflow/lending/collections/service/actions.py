"""The loan's delinquency today, and the daily collections run: each active loan past due gets the
actions the strategy calls for, once per (loan, day, action), each with its reasons and audited;
reminders are mailed to the seller's people in their language after the run commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import jobs
from fourflow.core.clock import get_clock
from fourflow.core.i18n import N_, Language, parse_language, translate
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.lending.collections import repository
from fourflow.lending.collections.errors import AsOfDateInFuture
from fourflow.lending.collections.models import CollectionAction
from fourflow.lending.collections.service.delinquency import Delinquency, Due, delinquency
from fourflow.lending.collections.service.strategy import (
    ACTION_LABELS,
    CURRENT_STRATEGY,
    WILLINGNESS_WINDOW_DAYS,
    Action,
    Strategy,
    Willingness,
)
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from fourflow.notifications import service as notifications
from fourflow.notifications.mail import MailTransport

SEND_REMINDER_TASK = "lending:send_collection_reminder"
LOCK_STOCK_TASK = "lending:lock_pledged_stock"


@dataclass(frozen=True, slots=True)
class LoanDelinquency:
    loan: Loan
    as_of: date
    delinquency: Delinquency
    willingness: Willingness
    last_repaid_on: date | None


def loan_delinquency(session: Session, loan: Loan, as_of: date | None = None) -> LoanDelinquency:
    """Days past due on ``as_of`` (today by default; never a future day)."""
    today = get_clock().now().date()
    as_of = today if as_of is None else as_of
    if as_of > today:
        raise AsOfDateInFuture(field="as_of", today=today.isoformat(), as_of=as_of.isoformat())
    repayments = [row for row in loans.repayments(session, loan) if row.paid_on <= as_of]
    repaid = sum((row.fees_amount + row.interest_amount + row.principal_amount for row in repayments),
                 Decimal(0))
    schedule = [Due(instalment.due_on, instalment.total.amount)
                for instalment in loans.schedule(session, loan).instalments]
    found = delinquency(schedule, repaid, as_of)
    last = max((row.paid_on for row in repayments), default=None)
    willing = last is not None and (as_of - last).days <= WILLINGNESS_WINDOW_DAYS
    return LoanDelinquency(loan, as_of, found,
                           Willingness.WILLING if willing else Willingness.UNWILLING, last)


def delinquency_of(session: Session, loan_id: uuid.UUID, seller_organisation_id: uuid.UUID | None,
                   as_of: date | None = None) -> LoanDelinquency:
    return loan_delinquency(session, loans.get_loan(session, loan_id, seller_organisation_id), as_of)


def _reasons(found: LoanDelinquency, action: Action) -> list[dict[str, Any]]:
    late = found.delinquency
    reasons: list[dict[str, Any]] = [
        {"code": "days_past_due", "message": N_("{days} days past due: the instalment due on {due_on} "
                                                "is not fully repaid."),
         "params": {"days": late.days_past_due, "due_on": str(late.oldest_unpaid_due_on)}},
        {"code": "overdue_amount", "message": N_("{amount} {currency} is overdue."),
         "params": {"amount": str(late.overdue_amount.quantize(Decimal("0.01"))),
                    "currency": found.loan.currency}}]
    if found.willingness is Willingness.UNWILLING:
        reasons.append({"code": "no_recent_repayment",
                        "message": N_("Nothing was repaid in the last {days} days."),
                        "params": {"days": WILLINGNESS_WINDOW_DAYS}})
    reasons.append({"code": "strategy", "message": N_("{strategy} calls for: {action}."),
                    "params": {"strategy": CURRENT_STRATEGY.version, "action": ACTION_LABELS[action]},
                    "translate_params": ["action"]})
    return reasons


def render_reasons(reasons: list[dict[str, Any]], language: Language) -> list[str]:
    rendered = []
    for reason in reasons:
        params = dict(reason.get("params", {}))
        for name in reason.get("translate_params", []):
            params[name] = translate(params[name], language)
        template: str = reason["message"]
        rendered.append(translate(template, language, **params))
    return rendered


def collect_loan(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, as_of: date, *,
                 strategy: Strategy = CURRENT_STRATEGY) -> list[CollectionAction]:
    """The actions created today for one loan (none when they exist already or it is current)."""
    loan = loans.get_loan(session, loan_id, None)
    if loan.status != "active":
        return []
    found = loan_delinquency(session, loan, as_of)
    late = found.delinquency
    created = []
    for rule in strategy.actions_for(late.bucket, late.overdue_amount, found.willingness):
        reasons = _reasons(found, rule.action)
        action_id = repository.insert_action_if_new(session, {
            "id": uuid.uuid4(), "loan_id": loan.id, "seller_organisation_id": loan.seller_organisation_id,
            "action_on": as_of, "action": rule.action.value, "bucket": late.bucket.value,
            "days_past_due": late.days_past_due, "overdue_amount": late.overdue_amount,
            "currency": loan.currency, "willingness": found.willingness.value,
            "strategy_version": strategy.version, "reasons": reasons, "created_at": get_clock().now()})
        if action_id is None:
            continue
        row = repository.action(session, action_id)
        assert row is not None
        audit.record(session, context, "lending:collections:action_created", subject_type="lending_loan",
                     subject_id=loan.id, organisation_id=loan.seller_organisation_id, after={
                         "action_id": str(action_id), "action": rule.action.value,
                         "action_on": as_of.isoformat(), "days_past_due": late.days_past_due,
                         "bucket": late.bucket.value, "overdue_amount": str(late.overdue_amount),
                         "willingness": found.willingness.value, "strategy": strategy.version})
        if rule.action is Action.REMINDER:
            jobs.enqueue(session, SEND_REMINDER_TASK, {"action_id": str(action_id)},
                         queueing_lock=f"collection-reminder:{action_id}")
        if rule.action is Action.STOCK_LOCK:
            # The warehouse is called after this commits (a job), never inside the transaction.
            jobs.enqueue(session, LOCK_STOCK_TASK, {"loan_id": str(loan.id), "action_id": str(action_id)},
                         queueing_lock=f"collection-stock-lock:{action_id}")
        created.append(row)
    return created


def list_actions(session: Session, seller_organisation_id: uuid.UUID | None, request: PageRequest, *,
                 loan_id: uuid.UUID | None = None, action_on: date | None = None,
                 action: str | None = None) -> Page[CollectionAction]:
    return repository.actions(session, seller_organisation_id, request, loan_id=loan_id,
                              action_on=action_on, action=action)


def send_reminder(session: Session, transport: MailTransport, action_id: uuid.UUID) -> int:
    """The job body: one mail per contact of the seller, in the contact's language; idempotent on
    (action, contact), so a retry never sends twice. Returns the mails sent (or found sent)."""
    row = repository.action(session, action_id)
    if row is None or row.action != Action.REMINDER.value:
        return 0
    loan = loans.get_loan(session, row.loan_id, None)
    if loan.status != "active":
        return 0  # repaid or written off since the run
    sent = 0
    for contact in identity.organisation_contacts(session, row.seller_organisation_id):
        language: Language = parse_language(contact.preferred_language) or "en"
        subject = translate("Your Fourflow loan is {days} days past due", language, days=row.days_past_due)
        body = translate(
            "Hello,\n\nYour loan of {principal} {currency} has {amount} {currency} overdue, "
            "{days} days past due.\nPlease repay it as soon as you can, or tell us if you "
            "cannot.\n\nReasons:\n{reasons}\n", language,
            principal=str(loan.principal_amount.quantize(Decimal("0.01"))), currency=loan.currency,
            amount=str(row.overdue_amount.quantize(Decimal("0.01"))), days=row.days_past_due,
            reasons="\n".join(f"- {line}" for line in render_reasons(row.reasons, language)))
        notifications.send_mail(session, transport,
                                idempotency_key=f"collections:reminder:{row.id}:{contact.id}",
                                recipient=contact.email, subject=subject, body_text=body, language=language)
        sent += 1
    return sent

