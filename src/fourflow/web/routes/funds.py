"""The seller's funds: balances by account and currency, movements, payouts to suppliers and
conversions between currencies, with forward quotes for hedging."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.clock import get_clock
from fourflow.core.errors import FourflowError
from fourflow.core.http import database_session, request_settings
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.money import parse_amount
from fourflow.core.pagination import PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.ledger import service as ledger
from fourflow.ledger.service import fx, payments
from fourflow.web.forms import attempt
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
Payer = Annotated[Principal, Depends(require(Permission.REQUEST_PAYOUT))]
# The accounts people look for first.
FIRST_SHOWN = ["seller:wallet", "funder:available", "seller:collections", "funder:deployed", "funder:income"]
HEDGE_CURRENCIES = ("EUR", "GBP", "CNY", "JPY")


def _page(request: Request, session: Session, principal: Principal, *, account: uuid.UUID | None = None,
          page: int = 1, notice: str | None = None, error: str | None = None,
          values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    accounts = sorted(ledger.list_accounts(session, principal.organisation_id,
                                           PageRequest(page=1, page_size=200)).items,
                      key=lambda item: (FIRST_SHOWN.index(item.code) if item.code in FIRST_SHOWN
                                        else len(FIRST_SHOWN), item.code, item.currency))
    balances = [(item, ledger.balance(session, item)) for item in accounts]
    selected = next((item for item in accounts if item.id == account), accounts[0] if accounts else None)
    movements = ledger.account_postings(session, selected, PageRequest(page=page, page_size=20)) \
        if selected is not None else None
    spendable = [item for item in accounts if item.code in payments.PAYOUT_SOURCES]
    return render(request, "funds.html", {
        "balances": balances, "selected": selected, "movements": movements,
        "spendable": spendable, "forwards": _forwards(request, session, spendable),
        "payouts": payments.recent_payments(session, PageRequest(page=1, page_size=10),
                                            principal.organisation_id),
        "may_pay": principal.can(Permission.REQUEST_PAYOUT), "notice": notice, "error": error,
        "form_keys": {"payout": f"web:{uuid.uuid4()}", "conversion": f"web:{uuid.uuid4()}"},
        "values": values or {}}, status_code=status_code, active="funds")


def _forwards(request: Request, session: Session, spendable: list[Any]) -> list[fx.ForwardQuote]:
    """Three-month forwards from each currency the seller holds, for hedging decisions."""
    quotes = []
    today = get_clock().now().date()
    for base in sorted({item.currency for item in spendable}):
        for quote in HEDGE_CURRENCIES:
            if quote == base:
                continue
            try:
                quotes.append(fx.forward_quote(session, request_settings(request).fx, base, quote,
                                               90, today))
            except FourflowError:
                continue  # no rate or no money-market rate for this pair: leave it out
    return quotes


@router.get("/funds")
def funds(request: Request, session: Db, principal: Reader,
          account: uuid.UUID | None = None, page: int = Query(1, ge=1)) -> Response:
    return _page(request, session, principal, account=account, page=page)


@router.post("/funds/payouts")
async def request_payout(request: Request, session: Db, principal: Payer) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")).strip() for key in (
        "source_account_id", "amount", "beneficiary_name", "beneficiary_account",
        "beneficiary_country", "reference", "idempotency_key")}

    def action() -> Any:
        source = ledger.get_account(session, uuid.UUID(values["source_account_id"]),
                                    principal.organisation_id)
        return payments.request_payout(session, principal.audit_context(), payments.PayoutRequest(
            idempotency_key=values["idempotency_key"] or f"web:{uuid.uuid4()}",
            source_account_id=source.id, amount=parse_amount(values["amount"]), currency=source.currency,
            beneficiary_name=values["beneficiary_name"], beneficiary_account=values["beneficiary_account"],
            beneficiary_country=values["beneficiary_country"].upper()[:2] or "CN",
            reference=values["reference"] or "—"))

    return await _after(request, session, principal, action, values,
                        N_("Payout of {amount} requested: the money is held and the payout is on its way."))


@router.post("/funds/conversions")
async def convert(request: Request, session: Db, principal: Payer) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")).strip() for key in (
        "source_account_id", "target_currency", "amount", "idempotency_key")}
    settings = request_settings(request)

    def action() -> Any:
        source = ledger.get_account(session, uuid.UUID(values["source_account_id"]),
                                    principal.organisation_id)
        target = ledger.open_account(session, principal.organisation_id, source.code,
                                     values["target_currency"].upper(), subject=source.subject)
        return fx.convert(session, principal.audit_context(), settings.fx,
                          idempotency_key=values["idempotency_key"] or f"web:{uuid.uuid4()}",
                          source_account_id=source.id, target_account_id=target.id,
                          amount=parse_amount(values["amount"]), on=get_clock().now().date())

    return await _after(request, session, principal, action, values,
                        N_("Converted {amount}."))


async def _after(request: Request, session: Session, principal: Principal, action: Any,
                 values: dict[str, str], success: str) -> Response:
    def run() -> Response:
        try:
            uuid.UUID(values.get("source_account_id", ""))
        except ValueError:
            return _page(request, session, principal, values=values, status_code=422,
                         error=translate(N_("Choose an account.")))
        result, error = attempt(session, action)
        if error is not None or result is None:
            return _page(request, session, principal, values=values, status_code=422,
                         error=error.localised(current_language()) if error else None)
        return _page(request, session, principal, notice=translate(success, amount=values["amount"]))

    return await run_in_threadpool(run)
