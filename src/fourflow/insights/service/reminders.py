"""Reminders (F6): repayment due in the next few days, restock before a peak season. The daily job
raises each once per seller and key (an instalment's due date, a SKU and season), e-mails it once to
each of the seller's contacts in that person's language (a job enqueued in the same transaction),
and keeps it in-app until someone of the seller marks it read. Every reminder stores the inputs and
the version of the analysis that raised it, and is audited."""

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
from fourflow.identity.principal import Principal
from fourflow.insights import repository
from fourflow.insights.errors import ReminderNotFound
from fourflow.insights.models import SellerReminder
from fourflow.insights.peaks import PEAK_NAMES
from fourflow.insights.service.analytics import INSIGHTS_VERSION
from fourflow.insights.service.deductions import active_loans, upcoming_deductions
from fourflow.insights.service.insights import seller_insights
from fourflow.lending.loans import service as loans
from fourflow.notifications import service as notifications
from fourflow.notifications.mail import MailTransport

REPAYMENT_REMINDER_DAYS = 3   # a repayment due within three days: time to top up if payouts fall short
RESTOCK_REMINDER_DAYS = 30    # an order-by date within a month: time to talk to the factory
SEND_REMINDER_TASK = "insights:send_reminder"

REPAYMENT_TITLE = N_("{amount} {currency} due on {date} on your loan")
REPAYMENT_BODY = N_("Your loan of {principal} {currency} has {amount} {currency} due on {date}. Payouts "
                    "expected before then should repay about {expected} {currency} of it automatically; "
                    "whatever they do not cover is still due that day.")
RESTOCK_TITLE = N_("Order {units} units of {sku} by {order_by} for {peak}")
MAIL_FOOTER = N_("You can read all your reminders on the Insights page of Fourflow.")


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str
    key: str
    act_by: date
    title: str
    body: str
    params: dict[str, str]
    inputs: dict[str, Any]
    loan_id: uuid.UUID | None = None
    sku: str | None = None


def _cents(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def repayment_candidates(session: Session, seller_organisation_id: uuid.UUID, today: date) -> list[Candidate]:
    found: list[Candidate] = []
    projected = None
    for loan in active_loans(session, seller_organisation_id):
        due = loans.next_due(session, loan, today=today)
        if due is None or (due.due_on - today).days > REPAYMENT_REMINDER_DAYS:
            continue
        if projected is None:
            projected = upcoming_deductions(session, seller_organisation_id, today,
                                            horizon_days=REPAYMENT_REMINDER_DAYS)
        expected = sum((line.amount.amount for row in projected.rows if row.payout.expected_on <= due.due_on
                        for line in row.deductions if line.loan_id == loan.id), Decimal(0))
        params = {"amount": _cents(due.amount.amount), "currency": loan.currency,
                  "date": due.due_on.isoformat(), "principal": _cents(loan.principal_amount),
                  "expected": _cents(expected)}
        found.append(Candidate(
            "repayment_due", f"repayment_due:{loan.id}:{due.due_on.isoformat()}", due.due_on,
            REPAYMENT_TITLE, REPAYMENT_BODY, params,
            {"today": today.isoformat(), "remind_days": REPAYMENT_REMINDER_DAYS, "next_due": params,
             "deductions": projected.version}, loan_id=loan.id))
    return found


def restock_candidates(session: Session, seller_organisation_id: uuid.UUID, today: date) -> list[Candidate]:
    insights = seller_insights(session, seller_organisation_id, today)
    found: list[Candidate] = []
    for advice in insights.restock:
        if (advice.order_by - today).days > RESTOCK_REMINDER_DAYS or advice.peak.starts_on <= today:
            continue
        found.append(Candidate(
            "restock_before_peak", advice.key, advice.order_by, RESTOCK_TITLE, advice.message,
            advice.params(), {**insights.inputs, "remind_days": RESTOCK_REMINDER_DAYS,
                              "data_as_of": insights.as_of.isoformat() if insights.as_of else None},
            sku=advice.sku))
    return found


def remind_seller(session: Session, context: audit.AuditContext, seller_organisation_id: uuid.UUID,
                  today: date) -> list[SellerReminder]:
    """Raise the seller's reminders due today that were not raised before; returns the new ones."""
    created: list[SellerReminder] = []
    now = get_clock().now()
    for candidate in (repayment_candidates(session, seller_organisation_id, today)
                      + restock_candidates(session, seller_organisation_id, today)):
        reminder_id = repository.insert_if_new(session, {
            "id": uuid.uuid4(), "seller_organisation_id": seller_organisation_id, "kind": candidate.kind,
            "reminder_key": candidate.key, "loan_id": candidate.loan_id, "sku": candidate.sku,
            "act_by": candidate.act_by, "title": candidate.title, "body": candidate.body,
            "params": candidate.params, "inputs": candidate.inputs, "version": INSIGHTS_VERSION,
            "created_at": now})
        if reminder_id is None:
            continue
        row = repository.reminder(session, reminder_id, seller_organisation_id)
        assert row is not None
        audit.record(session, context, "insights:reminder:raised", subject_type="insight_reminder",
                     subject_id=row.id, organisation_id=seller_organisation_id,
                     after={"kind": row.kind, "key": row.reminder_key, "act_by": row.act_by.isoformat(),
                            "params": row.params, "version": row.version})
        # The mail goes after this commits; a job per reminder, keyed so a repeat queues nothing more.
        jobs.enqueue(session, SEND_REMINDER_TASK, {"reminder_id": str(row.id)},
                     queueing_lock=f"insights-reminder:{row.id}")
        created.append(row)
    return created


def texts(reminder: SellerReminder, language: Language | None = None) -> tuple[str, str]:
    """The reminder's title and body in the language (the current one by default)."""
    params = dict(reminder.params)
    if "peak_code" in params:
        params["peak"] = translate(PEAK_NAMES.get(params["peak_code"], params["peak_code"]), language)
    return translate(reminder.title, language, **params), translate(reminder.body, language, **params)


def send_reminder(session: Session, transport: MailTransport, reminder_id: uuid.UUID) -> int:
    """The job body: one mail per contact of the seller in the contact's language; idempotent on
    (reminder, contact), so a retry never sends twice. Returns the mails sent (or found sent)."""
    row = repository.reminder(session, reminder_id, None, for_update=True)
    if row is None:
        return 0
    sent = 0
    for contact in identity.organisation_contacts(session, row.seller_organisation_id):
        language: Language = parse_language(contact.preferred_language) or "en"
        title, body = texts(row, language)
        notifications.send_mail(
            session, transport, idempotency_key=f"insights:reminder:{row.id}:{contact.id}",
            recipient=contact.email, subject=title,
            body_text=f"{body}\n\n{translate(MAIL_FOOTER, language)}\n", language=language)
        sent += 1
    if row.emailed_at is None:
        row.emailed_at = get_clock().now()
        session.flush()
    return sent


def list_reminders(session: Session, seller_organisation_id: uuid.UUID, request: PageRequest, *,
                   unread_only: bool = False) -> Page[SellerReminder]:
    return repository.page(session, seller_organisation_id, request, unread_only=unread_only)


def unread_count(session: Session, seller_organisation_id: uuid.UUID) -> int:
    return repository.unread_count(session, seller_organisation_id)


def mark_read(session: Session, principal: Principal, reminder_id: uuid.UUID) -> SellerReminder:
    """Marks one of the caller's organisation's reminders read; again: unchanged (the first reader
    and time stay). Another seller's reminder is not found."""
    row = repository.reminder(session, reminder_id, principal.organisation_id, for_update=True)
    if row is None:
        raise ReminderNotFound(field="reminder_id")
    if row.read_at is None:
        row.read_at = get_clock().now()
        row.read_by_user_id = principal.user_id
        session.flush()
        audit.record(session, principal.audit_context(), "insights:reminder:read",
                     subject_type="insight_reminder", subject_id=row.id,
                     organisation_id=row.seller_organisation_id, before={"read_at": None},
                     after={"read_at": row.read_at.isoformat()})
    return row


def mark_all_read(session: Session, principal: Principal) -> int:
    ids = repository.mark_all_read(session, principal.organisation_id, principal.user_id, get_clock().now())
    if ids:
        audit.record(session, principal.audit_context(), "insights:reminders:read_all",
                     subject_type="organisation", subject_id=principal.organisation_id,
                     organisation_id=principal.organisation_id, after={"reminders": [str(i) for i in ids]})
    return len(ids)


def seller_ids(session: Session) -> list[uuid.UUID]:
    return [organisation.id for organisation in identity.organisations_of_kind(session, "seller")]


