"""What a confirmed monitoring alert does (F22), and how a risk officer undoes it.

* ``limit_freeze`` and ``drawdown_hold`` become controls on the seller in the risk engine
  (``risk.service.controls``): credit decisions decline while the limit is frozen, and new
  applications, disbursements and draws are refused while drawdowns are held;
* ``early_recall`` makes everything owed on the loan due today (``loans.recall_now``), recorded as a
  ``LoanRecall`` with the plan it replaced, and mails the seller's people in their language after
  the decision commits; tomorrow an unpaid recall is past due and the collections run takes over.

Each carries the alert's findings as reasons and the officer's words, is audited, is shown to the
seller in words (``seller_interventions``) and to risk officers, and is released or lifted by a
risk officer with a reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
from fourflow.lending.collections.errors import (
    LiftReasonMissing,
    LoanRecalledAlready,
    RecallLifted,
    RecallNotFound,
)
from fourflow.lending.collections.models import LoanRecall, MonitoringAlert
from fourflow.lending.collections.service.actions import render_reasons
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.errors import LoanNotRecallable
from fourflow.notifications import service as notifications
from fourflow.notifications.mail import MailTransport
from fourflow.risk.service import controls

SEND_RECALL_NOTICE_TASK = "lending:send_recall_notice"


def source_of(alert: MonitoringAlert) -> str:
    return f"lending:monitoring-alert:{alert.id}"


def check_applicable(session: Session, alert: MonitoringAlert) -> None:
    """Raises when the proposed action cannot be carried out, before anything is changed."""
    if alert.proposed_action != "early_recall":
        return
    loan = loans.get_loan(session, alert.loan_id, None)
    if loan.status != "active":
        raise LoanNotRecallable(status=loan.status)
    standing = repository.standing_recall(session, alert.loan_id)
    if standing is not None:
        raise LoanRecalledAlready(recalled_on=standing.recalled_on.isoformat())


def apply_confirmed(session: Session, context: audit.AuditContext, alert: MonitoringAlert) -> None:
    """Carry out the confirmed alert's proposed action, in the decision's transaction."""
    if alert.proposed_action == "early_recall":
        _recall(session, context, alert)
        return
    controls.impose(session, context, alert.seller_organisation_id, alert.proposed_action,
                    source_reference=source_of(alert), reasons=list(alert.findings),
                    imposed_reason=alert.decision_reason or "", imposed_by_user_id=alert.decided_by_user_id)


def _recall(session: Session, context: audit.AuditContext, alert: MonitoringAlert) -> LoanRecall:
    standing = repository.standing_recall(session, alert.loan_id)
    if standing is not None:
        raise LoanRecalledAlready(recalled_on=standing.recalled_on.isoformat())
    recalled = loans.recall_now(session, context, alert.loan_id)
    loan = loans.get_loan(session, alert.loan_id, None)
    row = LoanRecall(
        id=uuid.uuid4(), loan_id=loan.id, alert_id=alert.id,
        seller_organisation_id=loan.seller_organisation_id,
        recalled_on=recalled.due_on, currency=loan.currency, principal_amount=recalled.principal,
        interest_amount=recalled.interest, fees_amount=recalled.fees,
        previous_maturity_on=recalled.previous_maturity_on,
        previous_instalments=recalled.previous_instalments,
        reasons=list(alert.findings), recalled_reason=alert.decision_reason or "",
        recalled_by_user_id=alert.decided_by_user_id, recalled_at=get_clock().now())
    repository.add(session, row)
    audit.record(session, context, "lending:monitoring:early_recall", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id, after={
                     "recall_id": str(row.id), "alert_id": str(alert.id),
                     "due_on": row.recalled_on.isoformat(),
                     "due_amount": str(recalled.total), "reason": row.recalled_reason})
    jobs.enqueue(session, SEND_RECALL_NOTICE_TASK, {"recall_id": str(row.id)},
                 queueing_lock=f"recall-notice:{row.id}")
    return row


def lift_recall(session: Session, context: audit.AuditContext, recall_id: uuid.UUID, reason: str, *,
                lifted_by_user_id: uuid.UUID | None) -> LoanRecall:
    """The plan before the recall, back; the recall stays on record as lifted."""
    if not reason or not reason.strip():
        raise LiftReasonMissing(field="reason")
    row = repository.recall(session, recall_id, for_update=True)
    if row is None:
        raise RecallNotFound()
    if row.lifted_at is not None:
        raise RecallLifted()
    loans.restore_plan(session, context, row.loan_id, list(row.previous_instalments),
                       row.previous_maturity_on)
    row.lifted_at = get_clock().now()
    row.lifted_by_user_id = lifted_by_user_id
    row.lift_reason = reason.strip()[:500]
    session.flush()
    audit.record(session, context, "lending:monitoring:recall_lifted", subject_type="lending_loan",
                 subject_id=row.loan_id, organisation_id=row.seller_organisation_id,
                 before={"recall_id": str(row.id), "standing": True},
                 after={"standing": False, "reason": row.lift_reason,
                        "maturity_on": row.previous_maturity_on.isoformat()})
    return row


def release_control(session: Session, context: audit.AuditContext, control_id: uuid.UUID, reason: str, *,
                    released_by_user_id: uuid.UUID | None) -> controls.SellerControl:
    return controls.release(session, context, control_id, reason, released_by_user_id=released_by_user_id)


def get_recall(session: Session, recall_id: uuid.UUID,
               seller_organisation_id: uuid.UUID | None) -> LoanRecall:
    row = repository.recall(session, recall_id)
    if row is None or (seller_organisation_id is not None
                       and row.seller_organisation_id != seller_organisation_id):
        raise RecallNotFound()
    return row


def list_recalls(session: Session, request: PageRequest, *, seller_organisation_id: uuid.UUID | None = None,
                 standing_only: bool = False) -> Page[LoanRecall]:
    return repository.recalls(session, request, seller_organisation_id=seller_organisation_id,
                              standing_only=standing_only)


def list_controls(session: Session, request: PageRequest, *, seller_organisation_id: uuid.UUID | None = None,
                  standing_only: bool = False) -> Page[controls.SellerControl]:
    return controls.list_controls(session, request, seller_organisation_id=seller_organisation_id,
                                  standing_only=standing_only)


def applied_of(session: Session, alert: MonitoringAlert) -> list[dict[str, Any]]:
    """What the alert's confirmation did: [{"kind": "control"|"recall", "id", "standing"}]."""
    found: list[dict[str, Any]] = [
        {"kind": "control", "id": row.id, "standing": row.released_at is None}
        for row in controls.standing_of_source(session, source_of(alert))]
    recall = repository.recall_of_alert(session, alert.id)
    if recall is not None:
        found.append({"kind": "recall", "id": recall.id, "standing": recall.lifted_at is None})
    return found


@dataclass(frozen=True, slots=True)
class Intervention:
    """A standing control or recall, in words for the seller (or a risk officer)."""

    kind: str  # limit_freeze, drawdown_hold, early_recall
    id: uuid.UUID
    since: str
    explanation: str
    reasons: list[str]
    officer_reason: str
    loan_id: uuid.UUID | None


def seller_interventions(session: Session, seller_organisation_id: uuid.UUID,
                         language: Language) -> list[Intervention]:
    found = [Intervention(row.control, row.id, row.imposed_at.date().isoformat(),
                          translate(controls.CONTROL_EXPLANATIONS[row.control], language),
                          render_reasons(row.reasons, language), row.imposed_reason, None)
             for row in controls.standing(session, seller_organisation_id)]
    for recall in repository.recalls(session, PageRequest(page=1, page_size=50),
                                     seller_organisation_id=seller_organisation_id, standing_only=True).items:
        if loans.get_loan(session, recall.loan_id, None).status != "active":
            continue  # repaid or written off since: nothing more is asked
        found.append(Intervention(
            "early_recall", recall.id, recall.recalled_on.isoformat(),
            translate(RECALL_EXPLANATION, language, amount=_total(recall), currency=recall.currency,
                      due_on=recall.recalled_on.isoformat()),
            render_reasons(recall.reasons, language), recall.recalled_reason, recall.loan_id))
    return found


RECALL_EXPLANATION = N_("Your loan was recalled early: {amount} {currency} fell due on {due_on}. Please "
                        "repay it, or talk to us.")


def _total(recall: LoanRecall) -> str:
    total = recall.principal_amount + recall.interest_amount + recall.fees_amount
    return str(total.quantize(Decimal("0.01")))


def send_recall_notice(session: Session, transport: MailTransport, recall_id: uuid.UUID) -> int:
    """The job body: one mail per contact of the seller, in the contact's language; idempotent on
    (recall, contact). Returns the mails sent (or found sent)."""
    recall = repository.recall(session, recall_id)
    if recall is None or recall.lifted_at is not None:
        return 0
    loan = loans.get_loan(session, recall.loan_id, None)
    sent = 0
    for contact in identity.organisation_contacts(session, recall.seller_organisation_id):
        language: Language = parse_language(contact.preferred_language) or "en"
        subject = translate("Your Fourflow loan has been recalled: {amount} {currency} due today", language,
                            amount=_total(recall), currency=recall.currency)
        body = translate(
            "Hello,\n\nAfter a review of your loan of {principal} {currency}, a risk officer recalled it "
            "early: {amount} {currency} fell due on {due_on} (principal {principal_due}, interest "
            "{interest_due}, fees {fees_due}).\nPlease repay it as soon as you can, or tell us if you "
            "cannot.\n\nReasons:\n{reasons}\n", language,
            principal=str(loan.principal_amount.quantize(Decimal("0.01"))), currency=recall.currency,
            amount=_total(recall), due_on=recall.recalled_on.isoformat(),
            principal_due=str(recall.principal_amount.quantize(Decimal("0.01"))),
            interest_due=str(recall.interest_amount.quantize(Decimal("0.01"))),
            fees_due=str(recall.fees_amount.quantize(Decimal("0.01"))),
            reasons="\n".join(f"- {line}" for line in render_reasons(recall.reasons, language)))
        notifications.send_mail(session, transport,
                                idempotency_key=f"collections:recall:{recall.id}:{contact.id}",
                                recipient=contact.email, subject=subject, body_text=body, language=language)
        sent += 1
    return sent
