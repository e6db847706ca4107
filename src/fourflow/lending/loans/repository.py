"""Every query on loans, instalments, payouts and repayments. ``seller_organisation_id`` limits a query
to one seller's rows (None: every seller's, for platform staff) in the one base statement of each
kind of row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fourflow.core.database import advisory_lock, locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.lending.loans.models import (
    DailyAdvance,
    DailyAdvanceEnrolment,
    DailyAdvanceNetting,
    DailyAdvanceOrder,
    Loan,
    LoanCondition,
    LoanConditionEvaluation,
    LoanDisbursement,
    LoanInstalment,
    LoanRepayment,
    SellerPayout,
)


def _loans(seller_organisation_id: uuid.UUID | None) -> Select[Loan]:
    statement = select(Loan)
    if seller_organisation_id is not None:
        statement = statement.where(Loan.seller_organisation_id == seller_organisation_id)
    return statement


def add(session: Session, row: Loan | LoanInstalment | LoanRepayment | LoanCondition | LoanConditionEvaluation
        | LoanDisbursement | DailyAdvanceEnrolment | DailyAdvance | DailyAdvanceOrder
        | DailyAdvanceNetting) -> None:
    session.add(row)
    session.flush()


def lock_offer(session: Session, offer_id: uuid.UUID) -> None:
    """Bookings of one offer queue here until the transaction ends (the offer row belongs to
    applications; a transaction-scoped advisory lock on its id serialises without touching it)."""
    advisory_lock(session, f"lending:loan:offer:{offer_id}")


def loan(session: Session, loan_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
         for_update: bool = False) -> Loan | None:
    statement = _loans(seller_organisation_id).where(Loan.id == loan_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def loan_of_offer(session: Session, offer_id: uuid.UUID) -> Loan | None:
    """The offer's loan (a credit line's offer has one per draw: the first booked)."""
    return session.scalars(select(Loan).where(Loan.offer_id == offer_id)
                           .order_by(Loan.booked_at, Loan.id).limit(1)).first()


def loans(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
          request: PageRequest) -> Page[Loan]:
    statement = _loans(seller_organisation_id)
    if status is not None:
        statement = statement.where(Loan.status == status)
    return fetch_page(session, statement, (Loan.booked_at.desc(), Loan.id), request)


def loan_ids_with_status(session: Session, status: str) -> list[uuid.UUID]:
    return list(session.execute(select(Loan.id).where(Loan.status == status).order_by(Loan.id)).scalars())


def active_loans_of_seller(session: Session, seller_organisation_id: uuid.UUID, *,
                           for_update: bool = False) -> list[Loan]:
    """Oldest disbursement first (the order a payout repays them in), locked with ``for_update``."""
    statement = (select(Loan).where(Loan.seller_organisation_id == seller_organisation_id,
                                    Loan.status == "active")
                 .order_by(Loan.disbursed_at, Loan.id))
    if for_update:
        statement = locked(statement)
    return list(session.execute(statement).scalars())


def instalments(session: Session, loan_id: uuid.UUID) -> list[LoanInstalment]:
    return list(session.execute(select(LoanInstalment).where(LoanInstalment.loan_id == loan_id)
                                .order_by(LoanInstalment.number)).scalars())


def replace_instalments(session: Session, loan_id: uuid.UUID, rows: Sequence[LoanInstalment]) -> None:
    """The plan only (no money): replanned when a loan is disbursed on another day than booked."""
    for row in instalments(session, loan_id):
        session.delete(row)
    session.flush()
    session.add_all(rows)
    session.flush()


def insert_payout_if_new(session: Session, values: dict[str, object]) -> uuid.UUID | None:
    """The new payout's id, or None when the (seller, reference) was applied before. A concurrent
    insert of the same reference waits here until the first one commits or rolls back."""
    statement = (insert(SellerPayout).values(**values)
                 .on_conflict_do_nothing(index_elements=["seller_organisation_id", "reference"])
                 .returning(SellerPayout.id))
    found: uuid.UUID | None = session.execute(statement).scalar_one_or_none()
    return found


def payout(session: Session, payout_id: uuid.UUID) -> SellerPayout | None:
    return session.get(SellerPayout, payout_id)


def payout_by_reference(session: Session, seller_organisation_id: uuid.UUID,
                        reference: str) -> SellerPayout | None:
    return session.execute(select(SellerPayout).where(
        SellerPayout.seller_organisation_id == seller_organisation_id,
        SellerPayout.reference == reference)).scalar_one_or_none()


def repayments(session: Session, loan_id: uuid.UUID) -> list[LoanRepayment]:
    return list(session.execute(select(LoanRepayment).where(LoanRepayment.loan_id == loan_id)
                                .order_by(LoanRepayment.paid_on, LoanRepayment.created_at)).scalars())


def repayments_of_payout(session: Session, payout_id: uuid.UUID) -> list[LoanRepayment]:
    return list(session.execute(select(LoanRepayment).where(LoanRepayment.payout_id == payout_id)
                                .order_by(LoanRepayment.created_at, LoanRepayment.id)).scalars())


def repaid_in_total(session: Session, loan_id: uuid.UUID) -> Decimal:
    """Σ fees + interest + principal of the loan's repayments."""
    repaid: Decimal = session.execute(select(func.coalesce(func.sum(
        LoanRepayment.fees_amount + LoanRepayment.interest_amount + LoanRepayment.principal_amount), 0))
        .where(LoanRepayment.loan_id == loan_id)).scalar_one()
    return Decimal(repaid)


def payouts_of_seller(session: Session, seller_organisation_id: uuid.UUID) -> list[SellerPayout]:
    return list(session.execute(select(SellerPayout).where(
        SellerPayout.seller_organisation_id == seller_organisation_id)
        .order_by(SellerPayout.received_on, SellerPayout.created_at)).scalars())


def repayments_of_seller(session: Session, seller_organisation_id: uuid.UUID) -> list[LoanRepayment]:
    return list(session.execute(select(LoanRepayment).where(
        LoanRepayment.seller_organisation_id == seller_organisation_id)
        .order_by(LoanRepayment.paid_on, LoanRepayment.created_at)).scalars())


# Disbursement conditions and disbursements --------------------------------------------------------

def conditions(session: Session, loan_id: uuid.UUID) -> list[LoanCondition]:
    return list(session.scalars(select(LoanCondition).where(LoanCondition.loan_id == loan_id)
                                .order_by(LoanCondition.created_at, LoanCondition.kind)))


def conditions_of_loans(session: Session, loan_ids: Sequence[uuid.UUID]) -> list[LoanCondition]:
    if not loan_ids:
        return []
    return list(session.scalars(select(LoanCondition).where(LoanCondition.loan_id.in_(loan_ids))
                                .order_by(LoanCondition.loan_id, LoanCondition.created_at,
                                          LoanCondition.kind)))


def evaluations(session: Session, loan_id: uuid.UUID, limit: int = 200) -> list[LoanConditionEvaluation]:
    """The latest evaluations first."""
    return list(session.scalars(
        select(LoanConditionEvaluation).where(LoanConditionEvaluation.loan_id == loan_id)
        .order_by(LoanConditionEvaluation.evaluated_at.desc(), LoanConditionEvaluation.recorded_at.desc(),
                  LoanConditionEvaluation.kind).limit(limit)))


def waiting_loan_ids(session: Session, *, seller_organisation_id: uuid.UUID | None = None,
                     offer_id: uuid.UUID | None = None) -> list[uuid.UUID]:
    """Loans awaiting disbursement (of one seller, or of one offer), oldest first."""
    statement = select(Loan.id).where(Loan.status == "awaiting_disbursement")
    if seller_organisation_id is not None:
        statement = statement.where(Loan.seller_organisation_id == seller_organisation_id)
    if offer_id is not None:
        statement = statement.where(Loan.offer_id == offer_id)
    return list(session.scalars(statement.order_by(Loan.booked_at, Loan.id)))


def disbursements(session: Session, loan_id: uuid.UUID) -> list[LoanDisbursement]:
    return list(session.scalars(select(LoanDisbursement).where(LoanDisbursement.loan_id == loan_id)
                                .order_by(LoanDisbursement.attempt)))


def pending_disbursement(session: Session, loan_id: uuid.UUID) -> LoanDisbursement | None:
    return session.scalars(select(LoanDisbursement).where(
        LoanDisbursement.loan_id == loan_id, LoanDisbursement.status == "pending")).first()


def pending_disbursement_loan_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(LoanDisbursement.loan_id).where(LoanDisbursement.status == "pending")
                                .order_by(LoanDisbursement.created_at)))


# Daily advances -----------------------------------------------------------------------------------

def enrolled(session: Session, seller_organisation_id: uuid.UUID, *,
             for_update: bool = False) -> DailyAdvanceEnrolment | None:
    """The seller's current enrolment (None when not enrolled), locked with ``for_update``: every
    advance of the seller and every change of the enrolment queue on it."""
    statement = select(DailyAdvanceEnrolment).where(
        DailyAdvanceEnrolment.seller_organisation_id == seller_organisation_id,
        DailyAdvanceEnrolment.status == "enrolled")
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def lock_enrolling(session: Session, seller_organisation_id: uuid.UUID) -> None:
    """Enrolments of one seller queue here (there is no row to lock before the first)."""
    advisory_lock(session, f"lending:daily-advance:enrol:{seller_organisation_id}")


def enrolled_seller_ids(session: Session) -> list[uuid.UUID]:
    return list(session.execute(select(DailyAdvanceEnrolment.seller_organisation_id)
                                .where(DailyAdvanceEnrolment.status == "enrolled")
                                .order_by(DailyAdvanceEnrolment.seller_organisation_id)).scalars())


def advance_of_day(session: Session, seller_organisation_id: uuid.UUID,
                   sales_on: date) -> DailyAdvance | None:
    return session.execute(select(DailyAdvance).where(
        DailyAdvance.seller_organisation_id == seller_organisation_id,
        DailyAdvance.sales_on == sales_on)).scalar_one_or_none()


def advanced_order_ids(session: Session, seller_organisation_id: uuid.UUID,
                       keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (marketplace, order id) of ``keys`` an advance was based on already."""
    if not keys:
        return set()
    rows = session.execute(select(DailyAdvanceOrder.marketplace, DailyAdvanceOrder.order_id).where(
        DailyAdvanceOrder.seller_organisation_id == seller_organisation_id,
        DailyAdvanceOrder.order_id.in_([order_id for _marketplace, order_id in keys]))).all()
    return {(row[0], row[1]) for row in rows} & set(keys)


def outstanding_principal(session: Session, seller_organisation_id: uuid.UUID, currency: str) -> Decimal:
    total: Decimal = session.execute(select(func.coalesce(func.sum(
        DailyAdvance.principal_amount - DailyAdvance.principal_repaid_amount), 0)).where(
        DailyAdvance.seller_organisation_id == seller_organisation_id, DailyAdvance.currency == currency,
        DailyAdvance.status != "netted")).scalar_one()
    return Decimal(total)


def open_advances(session: Session, seller_organisation_id: uuid.UUID, currency: str, *,
                  for_update: bool = False) -> list[DailyAdvance]:
    """Not fully netted, oldest sales day first (the order payouts net them in)."""
    statement = (select(DailyAdvance).where(
        DailyAdvance.seller_organisation_id == seller_organisation_id, DailyAdvance.currency == currency,
        DailyAdvance.status != "netted").order_by(DailyAdvance.sales_on, DailyAdvance.id))
    if for_update:
        statement = locked(statement)
    return list(session.execute(statement).scalars())


def orders_of_advances(session: Session, advance_ids: Sequence[uuid.UUID]) -> list[DailyAdvanceOrder]:
    if not advance_ids:
        return []
    return list(session.execute(select(DailyAdvanceOrder)
                                .where(DailyAdvanceOrder.advance_id.in_(advance_ids))
                                .order_by(DailyAdvanceOrder.shipped_at, DailyAdvanceOrder.order_id))
                .scalars())


def nettings_of_advances(session: Session, advance_ids: Sequence[uuid.UUID]) -> list[DailyAdvanceNetting]:
    if not advance_ids:
        return []
    return list(session.execute(select(DailyAdvanceNetting).where(
        DailyAdvanceNetting.advance_id.in_(advance_ids)).order_by(DailyAdvanceNetting.created_at)).scalars())


def nettings_of_payout(session: Session, payout_id: uuid.UUID) -> list[DailyAdvanceNetting]:
    return list(session.execute(select(DailyAdvanceNetting).where(DailyAdvanceNetting.payout_id == payout_id)
                                .order_by(DailyAdvanceNetting.created_at, DailyAdvanceNetting.id)).scalars())


def advances(session: Session, seller_organisation_id: uuid.UUID | None,
             request: PageRequest) -> Page[DailyAdvance]:
    statement = select(DailyAdvance)
    if seller_organisation_id is not None:
        statement = statement.where(DailyAdvance.seller_organisation_id == seller_organisation_id)
    return fetch_page(session, statement, (DailyAdvance.sales_on.desc(), DailyAdvance.id), request)
