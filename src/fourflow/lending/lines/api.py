"""Credit lines API: a seller's lines with what is drawn and available, and draws on them.

Sellers read and draw on their own lines only (another seller's answer 404); platform staff read
every seller's. A draw needs an Idempotency-Key header, like every request that moves money: the same
key returns the first draw (200) and moves nothing again; a new draw answers 201."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from sqlalchemy.orm import Session

from fourflow.core.http import Paging, database_session
from fourflow.core.i18n import Language
from fourflow.core.pagination import PageOut
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.lending.lines import service
from fourflow.lending.lines.models import CreditLine
from fourflow.lending.lines.schemas import CreditLineOut, DrawIn, DrawOut
from fourflow.lending.loans.models import Loan

router = APIRouter(prefix="/api/v1/lending", tags=["lending"])
LINES = "/lines"
Db = Annotated[Session, Depends(database_session, scope="function")]
Borrower = Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]


def _scope(principal: Principal) -> uuid.UUID | None:
    """None for platform staff (every seller's lines); a seller sees its own."""
    return None if principal.is_platform_staff else principal.organisation_id


@router.get(LINES, response_model=PageOut[CreditLineOut])
def list_lines(session: Db, principal: Reader, paging: Paging) -> PageOut[CreditLineOut]:
    page = service.list_lines(session, _scope(principal), paging)
    return PageOut.of(page.map(lambda line: line_out(session, line, principal.language)))


@router.get(LINES + "/{line_id}", response_model=CreditLineOut)
def get_line(session: Db, principal: Reader, line_id: uuid.UUID) -> CreditLineOut:
    return line_out(session, service.get_line(session, line_id, _scope(principal)), principal.language)


@router.post(LINES + "/{line_id}/draws", response_model=DrawOut, status_code=201)
def draw(session: Db, principal: Borrower, line_id: uuid.UUID, body: DrawIn, response: Response,
         idempotency_key: Annotated[str | None, Header(max_length=100)] = None) -> DrawOut:
    """Draw on the seller's line: booked as a loan and paid into the wallet once the line's contract
    carries every signature. Refused (nothing stored) over what is available, on a frozen, ended or
    closed line, under a drawdown hold, or for an amount that is not positive or too precise."""
    drawn = service.draw(session, principal.audit_context(), line_id, body.amount, idempotency_key or "",
                         seller_organisation_id=principal.organisation_id,
                         requested_by_user_id=principal.user_id)
    if not drawn.created:
        response.status_code = 200
    return draw_out(session, drawn.draw.id, drawn.loan)


def line_out(session: Session, line: CreditLine, language: Language | None) -> CreditLineOut:
    figures = service.figures(session, line)
    return CreditLineOut(
        id=line.id, offer_id=line.offer_id, seller_id=line.seller_organisation_id, product=line.product,
        currency=line.currency, limit=_cents(figures.limit.amount), drawn=_cents(figures.drawn.amount),
        available=_cents(figures.available.amount), annual_rate=line.annual_rate,
        origination_fee_rate=line.origination_fee_rate, draw_tenor_days=line.draw_tenor_days,
        opened_on=line.opened_on, term_end_on=line.term_end_on, status=line.status,
        state=service.state(session, line), terms=service.terms(line, language),
        draws=[draw_out(session, row.id, loan) for row, loan in service.draws(session, line)])


def draw_out(session: Session, draw_id: uuid.UUID, loan: Loan) -> DrawOut:
    owed = service.principal_owed(session, loan).amount
    return DrawOut(id=draw_id, loan_id=loan.id, amount=_cents(loan.principal_amount), currency=loan.currency,
                   origination_fee=_cents(loan.origination_fee_amount),
                   paid_out=_cents(loan.principal_amount - loan.origination_fee_amount),
                   principal_outstanding=_cents(owed), loan_status=loan.status, maturity_on=loan.maturity_on,
                   created_at=loan.booked_at)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))
