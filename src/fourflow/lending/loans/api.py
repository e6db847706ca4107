"""Loans API: book a loan on an accepted offer, read loans with their balances and schedule, disburse
(platform operations), the repayments made, and marketplace payouts applied to a seller's loans; the
daily advance of receivables financing (enrol, leave, the advances with their orders and nettings).

Sellers book and read their own loans only (another seller's answer 404); platform staff read every
seller's, and staff who may move money disburse."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy.orm import Session

from fourflow.core.http import Paging, database_session
from fourflow.core.i18n import translate
from fourflow.core.pagination import PageOut
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.lending.loans import service
from fourflow.lending.loans.errors import IdempotencyKeyMissing
from fourflow.lending.loans.models import (
    DailyAdvance,
    DailyAdvanceEnrolment,
    DailyAdvanceNetting,
    DailyAdvanceOrder,
    Loan,
    LoanRepayment,
)
from fourflow.lending.loans.schemas import (
    AdvanceOrderOut,
    BalancesOut,
    ConditionOut,
    DailyAdvanceOut,
    DisbursementOut,
    EnrolmentIn,
    EnrolmentOut,
    EvaluationOut,
    InstalmentOut,
    LoanBookIn,
    LoanConditionsOut,
    LoanOut,
    NettingOut,
    PayoutIn,
    PayoutOut,
    RepaymentOut,
)
from fourflow.lending.products import CONDITION_LABELS, ConditionKind

router = APIRouter(prefix="/api/v1/lending", tags=["lending"])
LOANS = "/loans"
Db = Annotated[Session, Depends(database_session, scope="function")]
Borrower = Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
Treasurer = Annotated[Principal, Depends(require(Permission.MOVE_MONEY))]




def _scope(principal: Principal) -> uuid.UUID | None:
    """None for platform staff (every seller's loans); a seller sees its own."""
    return None if principal.is_platform_staff else principal.organisation_id


@router.post(LOANS, response_model=LoanOut, status_code=201)
def book_loan(session: Db, principal: Borrower, body: LoanBookIn, response: Response,
              idempotency_key: Annotated[str | None, Header(max_length=100)] = None) -> LoanOut:
    """Book a loan on the seller's accepted offer. The Idempotency-Key is required: a retry with it
    gets the same loan (200), another key on a booked offer is refused."""
    if not idempotency_key:
        raise IdempotencyKeyMissing(field="Idempotency-Key")
    before = service.loan_of_offer_exists(session, body.offer_id)
    loan = service.book_loan(
        session, principal.audit_context(), body.offer_id, idempotency_key,
        seller_organisation_id=principal.organisation_id, booked_by_user_id=principal.user_id,
        shipment=None if body.shipment is None else service.FinancedShipment(body.shipment.tracking_number,
                                                                             body.shipment.warehouse),
        supplier=None if body.supplier is None else service.SupplierPayee(
            body.supplier.name, body.supplier.account, body.supplier.country))
    if before:
        response.status_code = 200
    return loan_out(session, loan)


@router.get(LOANS, response_model=PageOut[LoanOut])
def list_loans(session: Db, principal: Reader, paging: Paging,
               status: str | None = Query(None, description="awaiting_disbursement, active or closed")
               ) -> PageOut[LoanOut]:
    page = service.list_loans(session, _scope(principal), status, paging)
    return PageOut.of(page.map(lambda loan: loan_out(session, loan)))


@router.get(LOANS + "/{loan_id}", response_model=LoanOut)
def get_loan(session: Db, principal: Reader, loan_id: uuid.UUID) -> LoanOut:
    return loan_out(session, service.get_loan(session, loan_id, _scope(principal)))


@router.post(LOANS + "/{loan_id}/disburse", response_model=LoanOut)
def disburse(session: Db, principal: Treasurer, loan_id: uuid.UUID) -> LoanOut:
    """Disburse the loan once every disbursement condition is met (409 ``disbursement_conditions_unmet``
    names the unmet ones, and nothing moves): into the seller's wallet (the fee netted), or to the
    supplier through the payment router (the loan is ``disbursing`` until a channel takes it). A
    disbursed loan is returned unchanged."""
    loan = service.disburse(session, principal.audit_context(), loan_id,
                            disbursed_by_user_id=principal.user_id)
    return loan_out(session, loan)


@router.get(LOANS + "/{loan_id}/conditions", response_model=LoanConditionsOut)
def conditions(session: Db, principal: Reader, loan_id: uuid.UUID) -> LoanConditionsOut:
    """The loan's disbursement conditions, each evaluation of them (what the rule saw, its result and
    the rule version) and the disbursement attempts."""
    loan = service.get_loan(session, loan_id, _scope(principal))
    language = principal.language
    latest = service.latest_reasons(session, loan)
    held = service.conditions(session, loan)
    return LoanConditionsOut(
        loan_id=loan.id, status=loan.status, all_met=all(condition.status == "met" for condition in held),
        conditions=[ConditionOut(
            kind=condition.kind, label=translate(CONDITION_LABELS[ConditionKind(condition.kind)], language),
            rules_version=condition.rules_version, parameters=condition.parameters, status=condition.status,
            met_at=condition.met_at, last_evaluated_at=condition.last_evaluated_at,
            reason=service.describe_reason(latest[condition.kind].reason, latest[condition.kind].inputs,
                                           language)
            if condition.kind in latest else None) for condition in held],
        evaluations=[EvaluationOut(
            kind=evaluation.kind, event=evaluation.event, rules_version=evaluation.rules_version,
            result=evaluation.result, reason_code=evaluation.reason,
            reason=service.describe_reason(evaluation.reason, evaluation.inputs, language),
            inputs=evaluation.inputs, evaluated_at=evaluation.evaluated_at)
            for evaluation in service.evaluations(session, loan)],
        disbursements=[DisbursementOut(
            attempt=row.attempt, method=row.method, amount=_cents(row.amount), currency=row.currency,
            payee=row.payee, payment_id=row.payment_id, status=row.status, triggered_by=row.triggered_by,
            created_at=row.created_at, completed_at=row.completed_at)
            for row in service.disbursements(session, loan)])


@router.get(LOANS + "/{loan_id}/repayments", response_model=list[RepaymentOut])
def repayments(session: Db, principal: Reader, loan_id: uuid.UUID) -> list[RepaymentOut]:
    loan = service.get_loan(session, loan_id, _scope(principal))
    return [repayment_out(session, repayment) for repayment in service.repayments(session, loan)]


@router.post("/payouts", response_model=PayoutOut)
def apply_payout(session: Db, principal: Treasurer, body: PayoutIn, response: Response) -> PayoutOut:
    """A marketplace payout received for a seller (operations, or a connector): it repays the seller's
    open loans first (fees, interest, principal), the rest reaches the wallet. A reference applied
    before changes nothing (200); a new one answers 201."""
    applied = service.apply_payout(session, principal.audit_context(), body.seller_id, body.amount,
                                   body.currency.upper(), body.reference)
    response.status_code = 201 if applied.created else 200
    payout = applied.payout
    return PayoutOut(id=payout.id, seller_id=payout.seller_organisation_id, reference=payout.reference,
                     amount=_cents(payout.amount), currency=payout.currency, received_on=payout.received_on,
                     released=_cents(payout.released_amount),
                     repayments=[repayment_out(session, repayment)
                                 for repayment in service.payout_repayments(session, payout)],
                     advances_netted=[netting_out(row)
                                      for row in service.nettings_of_payout(session, payout)])


ADVANCES = "/daily-advances"


@router.get(ADVANCES, response_model=PageOut[DailyAdvanceOut])
def list_advances(session: Db, principal: Reader, paging: Paging) -> PageOut[DailyAdvanceOut]:
    """The seller's daily advances, newest sales day first, each with its orders and the payouts that
    netted it (platform staff: every seller's)."""
    page = service.list_advances(session, _scope(principal), paging)
    orders = service.orders_of(session, page.items)
    nettings = service.nettings_of(session, page.items)
    return PageOut.of(page.map(
        lambda advance: advance_out(advance, orders[advance.id], nettings[advance.id])))


@router.get(ADVANCES + "/enrolment", response_model=EnrolmentOut)
def enrolment(session: Db, principal: Borrower) -> EnrolmentOut:
    return enrolment_out(service.enrolment_of(session, principal.organisation_id))


@router.post(ADVANCES + "/enrolment", response_model=EnrolmentOut, status_code=201)
def enrol(session: Db, principal: Borrower, body: EnrolmentIn) -> EnrolmentOut:
    """Opt in to the daily advance under an active receivables-financing loan of the seller. Refused
    (nothing stored): no such loan (409 ``receivables_facility_missing``), a loan of another product
    (422 ``daily_advance_not_offered``), enrolled already (409)."""
    return enrolment_out(service.enrol(session, principal.audit_context(), principal.organisation_id,
                                       loan_id=body.loan_id, enrolled_by_user_id=principal.user_id))


@router.delete(ADVANCES + "/enrolment", response_model=EnrolmentOut)
def unenrol(session: Db, principal: Borrower) -> EnrolmentOut:
    """Opt out: no advance from tomorrow; the outstanding ones are still netted from payouts."""
    return enrolment_out(service.unenrol(session, principal.audit_context(), principal.organisation_id,
                                         withdrawn_by_user_id=principal.user_id))


def advance_out(advance: DailyAdvance, orders: list[DailyAdvanceOrder],
                nettings: list[DailyAdvanceNetting]) -> DailyAdvanceOut:
    return DailyAdvanceOut(
        id=advance.id, seller_id=advance.seller_organisation_id, loan_id=advance.loan_id,
        sales_on=advance.sales_on, advanced_on=advance.advanced_on, due_on=advance.due_on,
        terms_version=advance.terms_version, currency=advance.currency, sales=_cents(advance.sales_amount),
        advance=_cents(advance.principal_amount), fee=_cents(advance.fee_amount),
        principal_repaid=_cents(advance.principal_repaid_amount),
        fee_repaid=_cents(advance.fee_repaid_amount),
        outstanding=_cents(advance.principal_amount + advance.fee_amount - advance.principal_repaid_amount
                           - advance.fee_repaid_amount),
        status=advance.status, orders_count=advance.orders_count,
        orders=[AdvanceOrderOut(marketplace=order.marketplace, order_id=order.order_id,
                                amount=_cents(order.amount), currency=order.currency,
                                shipped_at=order.shipped_at)
                for order in orders],
        nettings=[netting_out(row) for row in nettings], inputs=advance.inputs)


def netting_out(netting: DailyAdvanceNetting) -> NettingOut:
    return NettingOut(advance_id=netting.advance_id, payout_id=netting.payout_id, netted_on=netting.netted_on,
                      fees=_cents(netting.fee_amount), principal=_cents(netting.principal_amount))


def enrolment_out(enrolment: DailyAdvanceEnrolment | None) -> EnrolmentOut:
    if enrolment is None:
        return EnrolmentOut(enrolled=False)
    return EnrolmentOut(
        enrolled=enrolment.status == "enrolled", id=enrolment.id, loan_id=enrolment.loan_id,
        terms_version=enrolment.terms_version, advance_share=enrolment.advance_share.normalize(),
        fee_rate=enrolment.fee_rate.normalize(), cap=_cents(enrolment.cap_amount),
        currency=enrolment.currency,
        enrolled_at=enrolment.enrolled_at, withdrawn_at=enrolment.withdrawn_at)


def loan_out(session: Session, loan: Loan) -> LoanOut:
    balances = service.balances(session, loan)
    schedule = service.schedule(session, loan)
    return LoanOut(
        id=loan.id, offer_id=loan.offer_id, seller_id=loan.seller_organisation_id,
        funder_id=loan.funder_organisation_id, products_version=loan.products_version, product=loan.product,
        status=loan.status, disbursement_method=loan.disbursement_method, supplier_name=loan.supplier_name,
        principal=_cents(loan.principal_amount), currency=loan.currency,
        annual_rate=loan.annual_rate, day_count_convention=loan.day_count_convention,
        origination_fee=_cents(loan.origination_fee_amount),
        disbursed_amount=_cents(loan.principal_amount - loan.origination_fee_amount),
        tenor_days=loan.tenor_days,
        repayment_method=loan.repayment_method, remittance_rate=loan.remittance_rate, start_on=loan.start_on,
        maturity_on=loan.maturity_on, interest_accrued_until=loan.interest_accrued_until,
        interest_accrued=_cents(loan.interest_accrued_amount),
        interest_split_version=loan.interest_split_version, funder_interest_share=loan.funder_interest_share,
        funder_interest=_cents(loan.funder_interest_amount),
        platform_interest=_cents(loan.interest_accrued_amount - loan.funder_interest_amount),
        balances=BalancesOut(principal=balances.principal.amount, interest=balances.interest.amount,
                             fees=balances.fees.amount, total=balances.total.amount),
        schedule=[InstalmentOut(number=instalment.number, due_on=instalment.due_on,
                                principal=instalment.principal.amount, interest=instalment.interest.amount,
                                fees=instalment.fees.amount, total=instalment.total.amount)
                  for instalment in schedule.instalments],
        booked_at=loan.booked_at, disbursed_at=loan.disbursed_at, closed_at=loan.closed_at)


def repayment_out(session: Session, repayment: LoanRepayment) -> RepaymentOut:
    return RepaymentOut(
        id=repayment.id, payout_id=repayment.payout_id,
        payout_reference=repayment.payout.reference, paid_on=repayment.paid_on,
        currency=repayment.currency, fees=_cents(repayment.fees_amount),
        interest=_cents(repayment.interest_amount), principal=_cents(repayment.principal_amount),
        total=_cents(repayment.fees_amount + repayment.interest_amount + repayment.principal_amount))


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))
