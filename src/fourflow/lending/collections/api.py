"""Collections API: a loan's days past due, the collection actions (platform staff see every
seller's, a seller its own loans'), and write-off and recovery (staff who may move money).

Another seller's loan answers 404; sellers may not write off or record recoveries (403)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from fourflow.core.http import Paging, database_session
from fourflow.core.i18n import current_language, translate
from fourflow.core.pagination import PageOut
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.lending.collections import service
from fourflow.lending.collections.models import (
    CollectionAction,
    LoanRecall,
    LoanRecovery,
    LoanWriteOff,
    MonitoringAlert,
)
from fourflow.lending.collections.schemas import (
    AlertDecisionIn,
    AlertOut,
    AppliedOut,
    CollectionActionOut,
    ControlOut,
    DelinquencyOut,
    InterventionOut,
    RecallOut,
    RecoveryIn,
    RecoveryOut,
    ReleaseIn,
    StockActionIn,
    StockEventOut,
    StockOut,
    WriteOffIn,
    WriteOffOut,
)
from fourflow.lending.loans import service as loans
from fourflow.risk.service import controls

router = APIRouter(prefix="/api/v1/lending", tags=["lending"])
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
Treasurer = Annotated[Principal, Depends(require(Permission.MOVE_MONEY))]
Collector = Annotated[Principal, Depends(require(Permission.MANAGE_COLLECTIONS))]
RiskReader = Annotated[Principal, Depends(require(Permission.READ_RISK))]
ALERTS = "/monitoring/alerts"
CONTROLS = "/monitoring/controls"
RECALLS = "/monitoring/recalls"




def _scope(principal: Principal) -> uuid.UUID | None:
    return None if principal.is_platform_staff else principal.organisation_id


@router.get("/loans/{loan_id}/delinquency", response_model=DelinquencyOut)
def delinquency(session: Db, principal: Reader, loan_id: uuid.UUID,
                as_of: date | None = Query(None, description="Today by default; never a future day")
                ) -> DelinquencyOut:
    found = service.delinquency_of(session, loan_id, _scope(principal), as_of)
    late = found.delinquency
    return DelinquencyOut(
        loan_id=found.loan.id, as_of=found.as_of, days_past_due=late.days_past_due, bucket=late.bucket.value,
        bucket_label=translate(service.BUCKET_LABELS[late.bucket], current_language()),
        overdue=_cents(late.overdue_amount), currency=found.loan.currency,
        oldest_unpaid_due_on=late.oldest_unpaid_due_on, willingness=found.willingness.value,
        last_repaid_on=found.last_repaid_on)


@router.get("/collections", response_model=PageOut[CollectionActionOut])
def list_actions(session: Db, principal: Reader, paging: Paging, loan_id: uuid.UUID | None = None,
                 action_on: date | None = None,
                 action: service.Action | None = Query(None, description="reminder, call_task, …")
                 ) -> PageOut[CollectionActionOut]:
    page = service.list_actions(session, _scope(principal), paging, loan_id=loan_id, action_on=action_on,
                                action=action.value if action is not None else None)
    return PageOut.of(page.map(action_out))


@router.post("/loans/{loan_id}/write-off", response_model=WriteOffOut)
def write_off(session: Db, principal: Treasurer, loan_id: uuid.UUID, body: WriteOffIn) -> WriteOffOut:
    """Write off a loan past 90 days past due (MONEY-FLOWS event 10); again: the same write-off."""
    row = service.write_off(session, principal.audit_context(), loan_id, body.reason,
                            written_off_by_user_id=principal.user_id)
    return write_off_out(row)


@router.post("/loans/{loan_id}/recoveries", response_model=RecoveryOut)
def record_recovery(session: Db, principal: Treasurer, loan_id: uuid.UUID, body: RecoveryIn,
                    response: Response) -> RecoveryOut:
    """Money recovered on a written-off loan: 201 once per reference, 200 on a repeat."""
    recorded = service.record_recovery(
        session, principal.audit_context(), loan_id, body.amount, body.currency.upper(), body.reference,
        channel=body.channel or loans.DEFAULT_COLLECTION_CHANNEL, recorded_by_user_id=principal.user_id)
    response.status_code = 201 if recorded.created else 200
    return recovery_out(recorded.recovery)


@router.get("/loans/{loan_id}/stock", response_model=StockOut)
def stock(session: Db, principal: Reader, loan_id: uuid.UUID) -> StockOut:
    """The pledged stock locked for the loan, and every lock and release."""
    return _stock_out(session, loan_id, _scope(principal))


@router.post("/loans/{loan_id}/stock/lock", response_model=StockOut)
def lock_stock(session: Db, principal: Collector, loan_id: uuid.UUID, body: StockActionIn) -> StockOut:
    """Lock every pledged unit not locked yet at the warehouse (a risk officer or operations)."""
    service.lock_pledged_stock(session, principal.audit_context(), loan_id, body.reason,
                               requested_by_user_id=principal.user_id)
    return _stock_out(session, loan_id, None)


@router.post("/loans/{loan_id}/stock/release", response_model=StockOut)
def release_stock(session: Db, principal: Collector, loan_id: uuid.UUID, body: StockActionIn) -> StockOut:
    """Release what is locked for the loan."""
    service.release_stock(session, principal.audit_context(), loan_id, body.reason,
                          requested_by_user_id=principal.user_id)
    return _stock_out(session, loan_id, None)


def _stock_out(session: Session, loan_id: uuid.UUID, scope: uuid.UUID | None) -> StockOut:
    events = service.stock_events(session, loan_id, scope)
    return StockOut(loan_id=loan_id, locked=service.locked_units(session, loan_id), events=[
        StockEventOut(id=event.id, kind=event.kind, warehouse=event.warehouse, sku=event.sku,
                      units=event.units, reason=event.reason, created_at=event.created_at)
        for event in events])


@router.get(ALERTS, response_model=PageOut[AlertOut])
def list_alerts(session: Db, principal: RiskReader, paging: Paging,
                status: str | None = Query(None, description="open, confirmed or dismissed"),
                loan_id: uuid.UUID | None = None) -> PageOut[AlertOut]:
    return PageOut.of(service.list_alerts(session, paging, status=status, loan_id=loan_id).map(
        lambda row: alert_out(row, session)))


@router.post(ALERTS + "/{alert_id}/confirm", response_model=AlertOut)
def confirm_alert(session: Db, principal: Collector, alert_id: uuid.UUID, body: AlertDecisionIn) -> AlertOut:
    """Confirm the proposed action (a risk officer), with the reason."""
    return alert_out(service.decide_alert(session, principal.audit_context(), alert_id, True, body.reason,
                                          decided_by_user_id=principal.user_id), session)


@router.post(ALERTS + "/{alert_id}/dismiss", response_model=AlertOut)
def dismiss_alert(session: Db, principal: Collector, alert_id: uuid.UUID, body: AlertDecisionIn) -> AlertOut:
    """Dismiss the alert (a risk officer), with the reason."""
    return alert_out(service.decide_alert(session, principal.audit_context(), alert_id, False, body.reason,
                                          decided_by_user_id=principal.user_id), session)


@router.get(CONTROLS, response_model=PageOut[ControlOut])
def list_controls(session: Db, principal: RiskReader, paging: Paging, seller_id: uuid.UUID | None = None,
                  standing: bool = Query(False, description="Only those not released"),
                  ) -> PageOut[ControlOut]:
    """Controls risk officers put on sellers (limit freeze, drawdown hold), newest first."""
    return PageOut.of(service.list_controls(session, paging, seller_organisation_id=seller_id,
                                            standing_only=standing).map(control_out))


@router.post(CONTROLS + "/{control_id}/release", response_model=ControlOut)
def release_control(session: Db, principal: Collector, control_id: uuid.UUID,
                    body: ReleaseIn) -> ControlOut:
    """Release the control (a risk officer), with the reason."""
    return control_out(service.release_control(session, principal.audit_context(), control_id, body.reason,
                                               released_by_user_id=principal.user_id))


@router.get(RECALLS, response_model=PageOut[RecallOut])
def list_recalls(session: Db, principal: RiskReader, paging: Paging, seller_id: uuid.UUID | None = None,
                 standing: bool = Query(False, description="Only those not lifted")) -> PageOut[RecallOut]:
    """Early recalls of loans, newest first."""
    return PageOut.of(service.list_recalls(session, paging, seller_organisation_id=seller_id,
                                           standing_only=standing).map(recall_out))


@router.post(RECALLS + "/{recall_id}/lift", response_model=RecallOut)
def lift_recall(session: Db, principal: Collector, recall_id: uuid.UUID, body: ReleaseIn) -> RecallOut:
    """Lift the recall (a risk officer), with the reason: the loan's plan before it comes back."""
    return recall_out(service.lift_recall(session, principal.audit_context(), recall_id, body.reason,
                                          lifted_by_user_id=principal.user_id))


@router.get("/interventions", response_model=list[InterventionOut])
def interventions(session: Db, principal: Reader,
                  seller_id: uuid.UUID | None = Query(None, description="Platform staff: whose")
                  ) -> list[InterventionOut]:
    """The controls and recalls standing on the seller, in words: a seller reads its own."""
    seller = principal.organisation_id if not principal.is_platform_staff else seller_id
    if seller is None:
        return []
    return [InterventionOut(kind=item.kind, id=item.id, since=date.fromisoformat(item.since),
                            explanation=item.explanation, reasons=item.reasons,
                            officer_reason=item.officer_reason, loan_id=item.loan_id)
            for item in service.seller_interventions(session, seller, current_language())]


def control_out(row: controls.SellerControl) -> ControlOut:
    language = current_language()
    return ControlOut(
        id=row.id, seller_id=row.seller_organisation_id, control=row.control,
        control_label=translate(controls.CONTROL_LABELS[row.control], language),
        explanation=translate(controls.CONTROL_EXPLANATIONS[row.control], language),
        reasons=service.render_reasons(row.reasons, language), source=row.source_reference,
        imposed_reason=row.imposed_reason, imposed_by_user_id=row.imposed_by_user_id,
        imposed_at=row.imposed_at,
        standing=row.released_at is None, released_by_user_id=row.released_by_user_id,
        released_at=row.released_at, release_reason=row.release_reason)


def recall_out(row: LoanRecall) -> RecallOut:
    return RecallOut(
        id=row.id, loan_id=row.loan_id, alert_id=row.alert_id, seller_id=row.seller_organisation_id,
        recalled_on=row.recalled_on, currency=row.currency, principal=_cents(row.principal_amount),
        interest=_cents(row.interest_amount), fees=_cents(row.fees_amount),
        total=_cents(row.principal_amount + row.interest_amount + row.fees_amount),
        previous_maturity_on=row.previous_maturity_on,
        reasons=service.render_reasons(row.reasons, current_language()), recalled_reason=row.recalled_reason,
        recalled_by_user_id=row.recalled_by_user_id, recalled_at=row.recalled_at,
        standing=row.lifted_at is None, lifted_by_user_id=row.lifted_by_user_id, lifted_at=row.lifted_at,
        lift_reason=row.lift_reason)


def alert_out(row: MonitoringAlert, session: Session) -> AlertOut:
    language = current_language()
    return AlertOut(
        id=row.id, loan_id=row.loan_id, seller_id=row.seller_organisation_id, raised_on=row.raised_on,
        monitoring_version=row.monitoring_version, findings=service.render_reasons(row.findings, language),
        finding_codes=[finding["code"] for finding in row.findings], proposed_action=row.proposed_action,
        proposed_action_label=translate(service.PROPOSAL_LABELS[row.proposed_action], language),
        status=row.status, decided_at=row.decided_at, decision_reason=row.decision_reason,
        applied=[AppliedOut(**item) for item in service.applied_of(session, row)])


def action_out(row: CollectionAction) -> CollectionActionOut:
    language = current_language()
    return CollectionActionOut(
        id=row.id, loan_id=row.loan_id, seller_id=row.seller_organisation_id, action_on=row.action_on,
        action=row.action,
        action_label=translate(service.ACTION_LABELS[service.Action(row.action)], language),
        bucket=row.bucket, days_past_due=row.days_past_due, overdue=_cents(row.overdue_amount),
        currency=row.currency, willingness=row.willingness, strategy_version=row.strategy_version,
        reasons=service.render_reasons(row.reasons, language), created_at=row.created_at)


def write_off_out(row: LoanWriteOff) -> WriteOffOut:
    return WriteOffOut(id=row.id, loan_id=row.loan_id, written_off_on=row.written_off_on,
                       days_past_due=row.days_past_due, currency=row.currency,
                       principal=_cents(row.principal_amount), interest=_cents(row.interest_amount),
                       fees=_cents(row.fees_amount), funder_loss=_cents(row.funder_loss_amount),
                       reason=row.reason)


def recovery_out(row: LoanRecovery) -> RecoveryOut:
    return RecoveryOut(id=row.id, loan_id=row.loan_id, reference=row.reference, amount=_cents(row.amount),
                       currency=row.currency, channel=row.channel, received_on=row.received_on)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))
