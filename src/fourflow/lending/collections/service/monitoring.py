"""Post-loan monitoring (F22), ``monitoring@v1``: each day, over each active loan,

* collections against the forecast: repaid before the day / planned due before the day, below
  ``COLLECTIONS_RATIO`` → propose a drawdown hold;
* sales collapse: sales of the last 30 days (loan currency) below ``SALES_RATIO`` of the monthly
  average of the 90 days before → propose a limit freeze;
* pledged stock: units pledged today below ``PLEDGED_RATIO`` of those pledged on the disbursement
  day → propose an early recall.

Findings of one loan on one day make one alert with every reason and the most severe proposal.
Nothing happens until a risk officer confirms or dismisses it with a reason (audited); a confirmed
action is carried out in the same transaction (``interventions``: a control on the seller in the
risk engine, or an early recall of the loan).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.i18n import N_
from fourflow.core.pagination import Page, PageRequest
from fourflow.lending.collections import repository
from fourflow.lending.collections.errors import AlertAlreadyDecided, AlertNotFound, DecisionReasonMissing
from fourflow.lending.collections.models import MonitoringAlert
from fourflow.lending.collections.service import interventions
from fourflow.lending.loans import service as loans
from fourflow.tradedata import service as tradedata

MONITORING_VERSION = "monitoring@v1"
COLLECTIONS_RATIO = Decimal("0.80")
SALES_RATIO = Decimal("0.50")
PLEDGED_RATIO = Decimal("0.70")
# Least to most drastic.
PROPOSALS = ("limit_freeze", "drawdown_hold", "early_recall")
PROPOSAL_LABELS = {"limit_freeze": N_("Freeze the credit limit"), "drawdown_hold": N_("Hold new drawdowns"),
                   "early_recall": N_("Recall the loan early")}


@dataclass(frozen=True, slots=True)
class Inputs:
    planned_due: Decimal  # planned before the day
    repaid: Decimal  # repaid before the day
    sales_last_30: Decimal
    sales_previous_90: Decimal
    pledged_at_disbursement: dict[str, int]
    pledged_now: dict[str, int]


def _ratio(value: Decimal) -> str:
    return str((value * 100).quantize(Decimal("0.1")))


def findings(inputs: Inputs, currency: str) -> list[dict[str, Any]]:
    """Pure: the anomalies in the inputs, each with its reason and proposal."""
    found: list[dict[str, Any]] = []
    if inputs.planned_due > 0 and inputs.repaid < COLLECTIONS_RATIO * inputs.planned_due:
        found.append({"code": "collections_below_forecast", "proposed_action": "drawdown_hold",
                      "message": N_("Collections are {share} % of the forecast: {repaid} {currency} repaid "
                                    "of {planned} {currency} planned."),
                      "params": {"share": _ratio(inputs.repaid / inputs.planned_due), "currency": currency,
                                 "repaid": str(inputs.repaid.quantize(Decimal("0.01"))),
                                 "planned": str(inputs.planned_due.quantize(Decimal("0.01")))}})
    monthly = inputs.sales_previous_90 / 3
    if monthly > 0 and inputs.sales_last_30 < SALES_RATIO * monthly:
        found.append({"code": "sales_collapse", "proposed_action": "limit_freeze",
                      "message": N_("Sales of the last 30 days ({last} {currency}) are {share} % of the "
                                    "monthly average of the 90 days before ({average} {currency})."),
                      "params": {"last": str(inputs.sales_last_30.quantize(Decimal("0.01"))),
                                 "average": str(monthly.quantize(Decimal("0.01"))), "currency": currency,
                                 "share": _ratio(inputs.sales_last_30 / monthly)}})
    before = sum(inputs.pledged_at_disbursement.values())
    now = sum(inputs.pledged_now.values())
    if before > 0 and Decimal(now) < PLEDGED_RATIO * before:
        found.append({"code": "pledged_stock_drop", "proposed_action": "early_recall",
                      "message": N_("Pledged stock fell from {before} to {now} units since the "
                                    "disbursement."),
                      "params": {"before": before, "now": now}})
    return found


def monitoring_inputs(session: Session, loan_id: uuid.UUID, as_of: date) -> Inputs:
    loan = loans.get_loan(session, loan_id, None)
    planned = sum((row.total.amount for row in loans.schedule(session, loan).instalments
                   if row.due_on < as_of), Decimal(0))
    repaid = sum((row.fees_amount + row.interest_amount + row.principal_amount
                  for row in loans.repayments(session, loan) if row.paid_on < as_of), Decimal(0))
    end = datetime.combine(as_of, time(), UTC)
    seller = loan.seller_organisation_id
    disbursed_on = (loan.disbursed_at or loan.booked_at).date()
    return Inputs(
        planned, repaid,
        tradedata.sales_between(session, seller, end - timedelta(days=30), end, loan.currency),
        tradedata.sales_between(session, seller, end - timedelta(days=120), end - timedelta(days=30),
                                loan.currency),
        tradedata.pledged_units(session, seller, disbursed_on),
        tradedata.pledged_units(session, seller, as_of))


def monitor_loan(session: Session, context: audit.AuditContext, loan_id: uuid.UUID,
                 as_of: date) -> MonitoringAlert | None:
    """The day's alert on the loan (None when nothing is anomalous or it was raised already)."""
    loan = loans.get_loan(session, loan_id, None)
    if loan.status != "active":
        return None
    inputs = monitoring_inputs(session, loan.id, as_of)
    found = findings(inputs, loan.currency)
    if not found:
        return None
    proposed = max((finding["proposed_action"] for finding in found), key=PROPOSALS.index)
    alert_id = repository.insert_alert_if_new(session, {
        "id": uuid.uuid4(), "loan_id": loan.id, "seller_organisation_id": loan.seller_organisation_id,
        "raised_on": as_of, "monitoring_version": MONITORING_VERSION, "findings": found,
        "proposed_action": proposed, "status": "open", "created_at": get_clock().now()})
    if alert_id is None:
        return None
    audit.record(session, context, "lending:monitoring:alert_raised", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id, after={
                     "alert_id": str(alert_id), "proposed_action": proposed,
                     "findings": [finding["code"] for finding in found], "version": MONITORING_VERSION})
    return repository.alert(session, alert_id)


def decide_alert(session: Session, context: audit.AuditContext, alert_id: uuid.UUID, confirm: bool,
                 reason: str, *, decided_by_user_id: uuid.UUID | None) -> MonitoringAlert:
    if not reason or not reason.strip():
        raise DecisionReasonMissing(field="reason")
    alert = repository.alert(session, alert_id, for_update=True)
    if alert is None:
        raise AlertNotFound()
    if alert.status != "open":
        raise AlertAlreadyDecided(status=alert.status)
    if confirm:
        interventions.check_applicable(session, alert)
    alert.status = "confirmed" if confirm else "dismissed"
    alert.decided_by_user_id = decided_by_user_id
    alert.decided_at = get_clock().now()
    alert.decision_reason = reason.strip()[:500]
    session.flush()
    audit.record(session, context, f"lending:monitoring:alert_{alert.status}", subject_type="lending_loan",
                 subject_id=alert.loan_id, organisation_id=alert.seller_organisation_id,
                 before={"status": "open"}, after={"alert_id": str(alert.id), "status": alert.status,
                                                   "proposed_action": alert.proposed_action,
                                                   "reason": alert.decision_reason})
    if confirm:
        interventions.apply_confirmed(session, context, alert)
    return alert


def list_alerts(session: Session, request: PageRequest, *, status: str | None = None,
                loan_id: uuid.UUID | None = None) -> Page[MonitoringAlert]:
    return repository.alerts(session, request, status=status, loan_id=loan_id)
