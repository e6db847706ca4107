"""Disbursement conditions (F21): rules evaluated on events, and the disbursement they trigger.

A loan gets its conditions at booking from the product's configuration
(``lending.products.DISBURSEMENT_CONDITIONS``, version ``disbursement_conditions@v1``):

* ``contract_signed`` — the contract made from the loan's offer carries the seller's and the
  platform's signatures;
* ``goods_arrived`` (order financing) — the carrier reports the financed shipment (tracking number,
  named at booking) ``arrived_at_warehouse`` at the named warehouse.

Rules are evaluated when something they look at changes: the platform countersigns a contract
(``lending:contract:countersigned``), tracking checkpoints are ingested
(``tradedata:tracking_events:ingested``), operations ask to disburse, and a daily job re-evaluates
every waiting loan in case an event was missed. Every evaluation is stored (what the rule saw, its
result and reason, the rule version) and audited. A met condition stays met.

When the last condition is met the loan is disbursed at once (``disbursement.pay_out``). The loan row
is locked first, so evaluations racing on one loan queue and only the first disburses; operations'
disbursement refuses, changing nothing, while any condition is unmet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import events
from fourflow.core.clock import get_clock
from fourflow.core.errors import FourflowError
from fourflow.core.i18n import N_, Language, translate
from fourflow.core.money import Money
from fourflow.lending.applications import service as applications
from fourflow.lending.contracts.events import CONTRACT_COUNTERSIGNED
from fourflow.lending.contracts.service import contracts
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import (
    DisbursementConditionsUnmet,
    ShipmentDetailsIncomplete,
    ShipmentNotExpected,
)
from fourflow.lending.loans.models import Loan, LoanCondition, LoanConditionEvaluation
from fourflow.lending.loans.service.common import find_loan
from fourflow.lending.loans.service.disbursement import pay_out
from fourflow.lending.loans.service.loans import SupplierPayee, book
from fourflow.lending.loans.service.loans import book_draw as book_draw_loan
from fourflow.lending.products import (
    CONDITION_LABELS,
    DISBURSEMENT_CONDITIONS,
    DISBURSEMENT_CONDITIONS_VERSION,
    ConditionKind,
)
from fourflow.risk.service import controls
from fourflow.tradedata import service as tradedata


class ConditionEvent(StrEnum):
    BOOKING = "booking"
    CONTRACT_COUNTERSIGNED = "contract_countersigned"
    SHIPMENT_TRACKING = "shipment_tracking"
    OPERATIONS = "operations"
    PERIODIC = "periodic"


EVENT_LABELS = {
    ConditionEvent.BOOKING: N_("Loan booked"),
    ConditionEvent.CONTRACT_COUNTERSIGNED: N_("Contract countersigned"),
    ConditionEvent.SHIPMENT_TRACKING: N_("Shipment tracking received"),
    ConditionEvent.OPERATIONS: N_("Disbursement asked by operations"),
    ConditionEvent.PERIODIC: N_("Daily re-evaluation"),
}

# Why a rule concluded what it did (stable codes; the messages take the evaluation's inputs).
REASON_LABELS = {
    "contract_signed": N_("The contract carries the seller's and the platform's signatures."),
    "contract_missing": N_("No contract has been made from the offer yet."),
    "contract_awaiting_seller_signature": N_("The contract awaits the seller's signature."),
    "contract_awaiting_platform_signature": N_("The contract awaits the platform's signature."),
    "shipment_not_named": N_("No shipment of the financed goods has been named."),
    "shipment_unknown": N_("The carrier has reported nothing about shipment {tracking_number} yet."),
    "shipment_not_arrived": N_("Shipment {tracking_number} is {status}, not yet arrived at {warehouse}."),
    "shipment_arrived": N_("Shipment {tracking_number} arrived at {warehouse} on {arrived_at}."),
}


@dataclass(frozen=True, slots=True)
class FinancedShipment:
    """The shipment whose arrival order financing waits for, named at booking."""

    tracking_number: str
    warehouse: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    met: bool
    reason: str
    inputs: dict[str, Any]


def describe_reason(reason: str, inputs: dict[str, Any], language: Language | None = None) -> str:
    params = {name: str(inputs.get(name) or "")
              for name in ("tracking_number", "warehouse", "status", "arrived_at")}
    status = tradedata.SHIPMENT_STATUS_LABELS.get(params["status"])
    params["status"] = translate(status, language) if status else params["status"].replace("_", " ")
    if params["arrived_at"]:  # stored exactly (ISO 8601); shown to the minute, in UTC
        params["arrived_at"] = datetime.fromisoformat(params["arrived_at"]).astimezone(UTC).strftime(
            "%Y-%m-%d %H:%M UTC")
    return translate(REASON_LABELS.get(reason, reason), language, **params)


# Booking ------------------------------------------------------------------------------------------

def attach_conditions(session: Session, loan: Loan, shipment: FinancedShipment | None) -> list[LoanCondition]:
    """The loan's conditions under the current version, all unmet until evaluated."""
    now = get_clock().now()
    made = []
    for kind in DISBURSEMENT_CONDITIONS[loan.product]:
        parameters: dict[str, Any] = {"offer_id": str(loan.offer_id)}
        if kind is ConditionKind.GOODS_ARRIVED:
            parameters = {"tracking_number": shipment.tracking_number if shipment else None,
                          "warehouse": shipment.warehouse if shipment else None}
        condition = LoanCondition(id=uuid.uuid4(), loan_id=loan.id, kind=kind.value,
                                  rules_version=DISBURSEMENT_CONDITIONS_VERSION, parameters=parameters,
                                  status="unmet", met_at=None, last_evaluated_at=None, created_at=now)
        repository.add(session, condition)
        made.append(condition)
    session.flush()
    return made


def book_loan(session: Session, context: audit.AuditContext, offer_id: uuid.UUID, idempotency_key: str, *,
              seller_organisation_id: uuid.UUID | None = None, booked_by_user_id: uuid.UUID | None = None,
              shipment: FinancedShipment | None = None, supplier: SupplierPayee | None = None) -> Loan:
    """Book the loan (``loans.book``) with its disbursement conditions, and evaluate them at once: a
    contract signed before the booking disburses the loan now. ``shipment``: for products that wait
    for goods, the shipment (tracking number) that must arrive at the warehouse."""
    if shipment is not None and (not shipment.tracking_number.strip() or not shipment.warehouse.strip()):
        raise ShipmentDetailsIncomplete(field="shipment")
    offer_product = _offer_product(session, offer_id, seller_organisation_id)
    if shipment is not None and ConditionKind.GOODS_ARRIVED not in DISBURSEMENT_CONDITIONS[offer_product]:
        raise ShipmentNotExpected(field="shipment.tracking_number")
    loan, created = book(session, context, offer_id, idempotency_key,
                         seller_organisation_id=seller_organisation_id, booked_by_user_id=booked_by_user_id,
                         supplier=supplier)
    if not created:
        return loan
    attach_conditions(session, loan, shipment and FinancedShipment(shipment.tracking_number.strip(),
                                                                   shipment.warehouse.strip()))
    return evaluate_loan(session, context, loan.id, ConditionEvent.BOOKING)


def book_draw(session: Session, context: audit.AuditContext, offer_id: uuid.UUID, booking_key: str,
              amount: Money, tenor_days: int, *, booked_by_user_id: uuid.UUID | None) -> Loan:
    """A draw on a credit line booked as a loan (``loans.book_draw``) with the product's disbursement
    conditions, evaluated at once: with the line's contract signed the draw is paid out now, else it
    waits for the signatures like any loan."""
    loan = book_draw_loan(session, context, offer_id, booking_key, amount, tenor_days,
                          booked_by_user_id=booked_by_user_id)
    attach_conditions(session, loan, None)
    return evaluate_loan(session, context, loan.id, ConditionEvent.BOOKING)


def _offer_product(session: Session, offer_id: uuid.UUID, seller_organisation_id: uuid.UUID | None) -> str:
    return applications.get_offer(session, offer_id, seller_organisation_id).product


# Rules --------------------------------------------------------------------------------------------

def _contract_signed(session: Session, loan: Loan, condition: LoanCondition) -> RuleResult:
    contract = contracts.contract_of_offer(session, loan.offer_id)
    if contract is None:
        return RuleResult(False, "contract_missing", {"offer_id": str(loan.offer_id), "contract": None})
    seen = {"offer_id": str(loan.offer_id), "contract_number": contract.contract_number,
            "contract_status": contract.status,
            "seller_signed_at": _iso(contract.seller_signed_at),
            "platform_signed_at": _iso(contract.platform_signed_at),
            "signed_sha256": contract.signed_sha256}
    if contract.status == "signed" and contract.seller_signed_at and contract.platform_signed_at:
        return RuleResult(True, "contract_signed", seen)
    return RuleResult(False, f"contract_{contract.status}", seen)


def _goods_arrived(session: Session, loan: Loan, condition: LoanCondition) -> RuleResult:
    tracking_number = condition.parameters.get("tracking_number")
    warehouse = condition.parameters.get("warehouse")
    if not tracking_number or not warehouse:
        return RuleResult(False, "shipment_not_named", {"tracking_number": None, "warehouse": None})
    checkpoints = tradedata.shipment_checkpoints(session, loan.seller_organisation_id, tracking_number)
    seen: dict[str, Any] = {"tracking_number": tracking_number, "warehouse": warehouse,
                            "checkpoints": len(checkpoints)}
    if not checkpoints:
        return RuleResult(False, "shipment_unknown", seen)
    latest = checkpoints[-1]
    seen.update({"carrier": latest.carrier, "status": latest.status, "carrier_status": latest.carrier_status,
                 "latest_at": latest.event_at.isoformat(), "latest_warehouse": latest.warehouse})
    arrival = tradedata.arrival_at_warehouse(checkpoints, warehouse)
    if arrival is None:
        return RuleResult(False, "shipment_not_arrived", seen)
    seen["arrived_at"] = arrival.event_at.isoformat()
    return RuleResult(True, "shipment_arrived", seen)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


RULES = {ConditionKind.CONTRACT_SIGNED.value: _contract_signed,
         ConditionKind.GOODS_ARRIVED.value: _goods_arrived}


def _evaluate(session: Session, context: audit.AuditContext, loan: Loan,
              event: ConditionEvent) -> list[LoanCondition]:
    """Evaluate the loan's unmet conditions, store and audit each evaluation; the ones still unmet."""
    now = get_clock().now()
    unmet: list[LoanCondition] = []
    results = []
    held = repository.conditions(session, loan.id)
    if not held:  # booked before conditions existed: it gets them now, never skips them
        held = attach_conditions(session, loan, None)
    for condition in held:
        if condition.status == "met":
            continue
        outcome = RULES[condition.kind](session, loan, condition)
        repository.add(session, LoanConditionEvaluation(
            id=uuid.uuid4(), loan_id=loan.id, kind=condition.kind, event=event.value,
            rules_version=condition.rules_version, inputs=outcome.inputs,
            result="met" if outcome.met else "unmet", reason=outcome.reason, evaluated_at=now))
        condition.last_evaluated_at = now
        if outcome.met:
            condition.status, condition.met_at = "met", now
        else:
            unmet.append(condition)
        results.append({"kind": condition.kind, "result": "met" if outcome.met else "unmet",
                        "reason": outcome.reason, "inputs": outcome.inputs})
    session.flush()
    if results:
        audit.record(session, context, "lending:loan:conditions_evaluated", subject_type="lending_loan",
                     subject_id=loan.id, organisation_id=loan.seller_organisation_id,
                     after={"event": event.value, "rules_version": DISBURSEMENT_CONDITIONS_VERSION,
                            "results": results})
    return unmet


# Evaluation and disbursement ------------------------------------------------------------------------

def evaluate_loan(session: Session, context: audit.AuditContext, loan_id: uuid.UUID,
                  event: ConditionEvent) -> Loan:
    """Evaluate a waiting loan's conditions; when all are met, disburse it. A refusal of the money
    (e.g. not enough funder capital) leaves the loan waiting, audited, and does not undo the event
    that caused the evaluation; the next evaluation tries again."""
    loan = find_loan(session, loan_id, None, for_update=True)
    if loan.status != "awaiting_disbursement":
        return loan
    if _evaluate(session, context, loan, event):
        return loan
    savepoint = session.begin_nested()
    try:
        pay_out(session, context, loan, triggered_by="conditions_met", disbursed_by_user_id=None)
    except FourflowError as refused:
        savepoint.rollback()
        session.refresh(loan)
        audit.record(session, context, "lending:loan:disbursement_refused", subject_type="lending_loan",
                     subject_id=loan.id, organisation_id=loan.seller_organisation_id,
                     after={"error": refused.code, "params": {k: str(v) for k, v in refused.params.items()}})
        return loan
    savepoint.commit()
    return loan


def disburse(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, *,
             disbursed_by_user_id: uuid.UUID | None = None) -> Loan:
    """Operations disburse: the conditions are evaluated now and every one must be met, else
    ``DisbursementConditionsUnmet`` names the unmet ones (nothing is stored, nothing moves). A loan
    disbursed (or being disbursed) already is returned unchanged."""
    loan = find_loan(session, loan_id, None, for_update=True)
    if loan.status != "awaiting_disbursement":
        return loan
    # A confirmed drawdown hold (F22) is the first reason to refuse: it holds whatever the conditions.
    controls.ensure_drawdowns_allowed(session, loan.seller_organisation_id)
    # A refusal leaves no trace, not even its evaluations: the request changed nothing.
    savepoint = session.begin_nested()
    unmet = _evaluate(session, context, loan, ConditionEvent.OPERATIONS)
    if unmet:
        labels = [CONDITION_LABELS[ConditionKind(condition.kind)] for condition in unmet]
        savepoint.rollback()
        raise DisbursementConditionsUnmet(labels)
    savepoint.commit()
    return pay_out(session, context, loan, triggered_by="operations",
                   disbursed_by_user_id=disbursed_by_user_id)


def evaluate_waiting(session: Session, context: audit.AuditContext, event: ConditionEvent, *,
                     seller_organisation_id: uuid.UUID | None = None,
                     offer_id: uuid.UUID | None = None) -> list[Loan]:
    return [evaluate_loan(session, context, loan_id, event)
            for loan_id in repository.waiting_loan_ids(session, seller_organisation_id=seller_organisation_id,
                                                       offer_id=offer_id)]


def waiting_loan_ids(session: Session) -> list[uuid.UUID]:
    return repository.waiting_loan_ids(session)


# Reads ----------------------------------------------------------------------------------------------

def conditions(session: Session, loan: Loan) -> list[LoanCondition]:
    return repository.conditions(session, loan.id)


def conditions_of_loans(session: Session, loans: list[Loan]) -> dict[uuid.UUID, list[LoanCondition]]:
    found: dict[uuid.UUID, list[LoanCondition]] = {loan.id: [] for loan in loans}
    for condition in repository.conditions_of_loans(session, [loan.id for loan in loans]):
        found[condition.loan_id].append(condition)
    return found


def evaluations(session: Session, loan: Loan) -> list[LoanConditionEvaluation]:
    return repository.evaluations(session, loan.id)


def latest_reasons(session: Session, loan: Loan) -> dict[str, LoanConditionEvaluation]:
    """Each condition's latest evaluation (why it is met or what it still waits for)."""
    latest: dict[str, LoanConditionEvaluation] = {}
    for evaluation in repository.evaluations(session, loan.id):
        latest.setdefault(evaluation.kind, evaluation)
    return latest


# Events -----------------------------------------------------------------------------------------------

def _on_contract_countersigned(session: Session, event: events.DomainEvent) -> None:
    evaluate_waiting(session, audit.AuditContext.system(event.request_id),
                     ConditionEvent.CONTRACT_COUNTERSIGNED, offer_id=uuid.UUID(event.payload["offer_id"]))


def _on_tracking_ingested(session: Session, event: events.DomainEvent) -> None:
    seller = uuid.UUID(event.payload["seller_organisation_id"])
    context = audit.AuditContext.system(event.request_id)
    for loan_id in repository.waiting_loan_ids(session, seller_organisation_id=seller):
        if any(condition.kind == ConditionKind.GOODS_ARRIVED.value and condition.status == "unmet"
               for condition in repository.conditions(session, loan_id)):
            evaluate_loan(session, context, loan_id, ConditionEvent.SHIPMENT_TRACKING)


events.subscribe(CONTRACT_COUNTERSIGNED, _on_contract_countersigned)
events.subscribe(tradedata.TRACKING_EVENTS_INGESTED, _on_tracking_ingested)
