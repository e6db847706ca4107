"""Ledger API: transfers (platform operations), accounts, balances and postings."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.clock import get_clock
from fourflow.core.http import database_session, request_settings
from fourflow.core.pagination import PageOut, PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.ledger import service
from fourflow.ledger.schemas import (
    AccountOut,
    BalanceOut,
    BreaksOut,
    ConversionIn,
    ConversionOut,
    EntryOut,
    ForwardQuoteOut,
    ImportResultOut,
    ManualMatchIn,
    OpenPostingOut,
    PaymentOut,
    PayoutIn,
    PostingOut,
    ResolveHoldIn,
    ReverseIn,
    StatementLineOut,
    TransferIn,
)
from fourflow.ledger.service import fx, payments, reconciliation

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
Mover = Annotated[Principal, Depends(require(Permission.MOVE_MONEY))]


def _scope(principal: Principal) -> uuid.UUID | None:
    """Platform staff read every organisation's accounts; everyone else only their own."""
    return None if principal.sees_all_organisations() else principal.organisation_id


def _entry_out(session: Session, recorded: service.RecordedEntry) -> EntryOut:
    loaded = service.entry(session, recorded.entry_id)
    entry = loaded.entry
    return EntryOut(id=entry.id, idempotency_key=entry.idempotency_key, kind=entry.kind,
                    description=entry.description, pending_entry_id=entry.pending_entry_id,
                    reverses_entry_id=entry.reverses_entry_id, effective_at=entry.effective_at,
                    created_at=entry.created_at,
                    postings=[PostingOut.model_validate(p) for p in loaded.postings])


@router.post("/transfers", response_model=EntryOut, status_code=201)
def create_transfer(session: Db, data: TransferIn, principal: Mover) -> EntryOut:
    """A balanced journal entry (two or more postings), or a hold when ``pending``.
    Repeating the idempotency key returns the first result and posts nothing."""
    request = service.Transfer(
        idempotency_key=data.idempotency_key, description=data.description, pending=data.pending,
        postings=tuple(service.Posting(p.account_id, p.side, p.amount, p.currency.upper())
                       for p in data.postings))
    return _entry_out(session, service.transfer(session, principal.audit_context(), request))


@router.post("/transfers/{entry_id}/post", response_model=EntryOut, status_code=201)
def post_hold(session: Db, entry_id: uuid.UUID, data: ResolveHoldIn, principal: Mover) -> EntryOut:
    return _entry_out(session, service.post_pending(session, principal.audit_context(), entry_id,
                                           idempotency_key=data.idempotency_key, amount=data.amount))


@router.post("/transfers/{entry_id}/void", response_model=EntryOut, status_code=201)
def void_hold(session: Db, entry_id: uuid.UUID, data: ResolveHoldIn, principal: Mover) -> EntryOut:
    return _entry_out(session, service.void_pending(session, principal.audit_context(), entry_id,
                                           idempotency_key=data.idempotency_key))


@router.post("/entries/{entry_id}/reverse", response_model=EntryOut, status_code=201)
def reverse_entry(session: Db, entry_id: uuid.UUID, data: ReverseIn, principal: Mover) -> EntryOut:
    return _entry_out(session, service.reverse(session, principal.audit_context(), entry_id,
                                      idempotency_key=data.idempotency_key,
                                      description=data.description))


@router.get("/accounts", response_model=PageOut[AccountOut])
def list_accounts(session: Db, principal: Reader, page: int = Query(1, ge=1),
                  page_size: int = Query(50, ge=1, le=200)) -> PageOut[AccountOut]:
    result = service.list_accounts(session, _scope(principal),
                                   PageRequest(page=page, page_size=page_size))
    return PageOut.of(result.map(AccountOut.model_validate))


@router.get("/accounts/{account_id}/balance", response_model=BalanceOut)
def account_balance(session: Db, account_id: uuid.UUID, principal: Reader,
                    as_of: datetime | None = None) -> BalanceOut:
    account = service.get_account(session, account_id, _scope(principal))
    result = service.balance(session, account, as_of)
    return BalanceOut(account_id=result.account_id, currency=result.currency, as_of=result.as_of,
                      posted=result.posted, pending_debits=result.pending_debits,
                      pending_credits=result.pending_credits, available=result.available)


@router.get("/accounts/{account_id}/entries", response_model=PageOut[PostingOut])
def account_entries(session: Db, account_id: uuid.UUID, principal: Reader,
                    page: int = Query(1, ge=1), page_size: int = Query(50, ge=1, le=200)
                    ) -> PageOut[PostingOut]:
    account = service.get_account(session, account_id, _scope(principal))
    result = service.account_postings(session, account, PageRequest(page=page, page_size=page_size))
    return PageOut.of(result.map(PostingOut.model_validate))


Payer = Annotated[Principal, Depends(require(Permission.REQUEST_PAYOUT))]


@router.post("/payouts", response_model=PaymentOut, status_code=201)
def request_payout(session: Db, data: PayoutIn, principal: Payer) -> PaymentOut:
    """Pay out from the caller's own wallet (or a funder's available capital) to a bank
    account. The money is held at once; the payout is routed by the job worker."""
    service.get_account(session, data.source_account_id, _scope(principal))
    payment = payments.request_payout(session, principal.audit_context(), payments.PayoutRequest(
        idempotency_key=data.idempotency_key, source_account_id=data.source_account_id,
        amount=data.amount, currency=data.currency.upper(), beneficiary_name=data.beneficiary_name,
        beneficiary_account=data.beneficiary_account,
        beneficiary_country=data.beneficiary_country, reference=data.reference))
    return PaymentOut.model_validate(payment)


@router.get("/payments/{payment_id}", response_model=PaymentOut)
def get_payment(session: Db, payment_id: uuid.UUID, principal: Reader) -> PaymentOut:
    return PaymentOut.model_validate(payments.payment(session, payment_id, _scope(principal)))


Reconciler = Annotated[Principal, Depends(require(Permission.RECONCILE))]
Operator = Annotated[Principal, Depends(require(Permission.SEE_CHANNELS))]


@router.post("/reconciliation/{account_id}/statements", response_model=ImportResultOut,
             status_code=201)
async def import_statement(session: Db, account_id: uuid.UUID, principal: Reconciler,
                           file: Annotated[UploadFile, File(description="camt.053 XML or MT940")]
                           ) -> ImportResultOut:
    """Import a bank statement for one of the platform's bank accounts and auto-match it."""
    content = await file.read()
    result = await run_in_threadpool(reconciliation.import_statement, session,
                                     principal.audit_context(), account_id, content)
    return ImportResultOut(**dataclasses.asdict(result))


@router.get("/reconciliation/{account_id}/breaks", response_model=BreaksOut)
def list_breaks(session: Db, account_id: uuid.UUID, principal: Reconciler) -> BreaksOut:
    found = reconciliation.breaks(session, account_id)
    return BreaksOut(
        lines=[StatementLineOut.model_validate(line) for line in found.lines],
        postings=[OpenPostingOut(posting_id=posting.id, entry_id=entry.id, amount=posting.amount,
                                 effective_at=entry.effective_at, description=entry.description)
                  for posting, entry in found.postings])


@router.post("/reconciliation/matches", status_code=204)
def match_by_hand(session: Db, data: ManualMatchIn, principal: Reconciler) -> None:
    reconciliation.match_manually(session, principal.audit_context(), data.statement_line_id,
                                  data.posting_id)


@router.post("/conversions", response_model=ConversionOut, status_code=201)
def convert_currency(request: Request, session: Db, data: ConversionIn, principal: Payer) -> ConversionOut:
    """Convert between two of the caller's balances at the ECB mid rate less the spread."""
    service.get_account(session, data.source_account_id, _scope(principal))
    service.get_account(session, data.target_account_id, _scope(principal))
    result = fx.convert(session, principal.audit_context(), request_settings(request).fx,
                        idempotency_key=data.idempotency_key,
                        source_account_id=data.source_account_id,
                        target_account_id=data.target_account_id, amount=data.amount,
                        on=get_clock().now().date())
    return ConversionOut.model_validate(result)


@router.get("/fx/forward", response_model=ForwardQuoteOut)
def forward(request: Request, session: Db, principal: Reader,
            base: str = Query(min_length=3, max_length=3), quote: str = Query(min_length=3, max_length=3),
            days: int = Query(90, ge=1, le=730), on: date | None = None) -> ForwardQuoteOut:
    """A hedging reference: the forward rate by covered interest parity."""
    result = fx.forward_quote(session, request_settings(request).fx, base.upper(), quote.upper(),
                              days, on or get_clock().now().date())
    return ForwardQuoteOut.model_validate(result)


@router.get("/fx/exposure", response_model=dict[str, Decimal])
def exposure(session: Db, principal: Operator) -> dict[str, Decimal]:
    """The platform's open FX position per currency (positive = long)."""
    return fx.exposure(session)
