"""Currency conversion, FX exposure and forward quotes (MONEY-FLOWS event 8)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.money import minor_units
from fourflow.core.settings import FxSettings
from fourflow.identity import service as identity
from fourflow.ledger import repository
from fourflow.ledger.chart import Side
from fourflow.ledger.errors import AccountNotFound, ConversionNotAllowed, InterestRateUnknown
from fourflow.ledger.service import journal
from fourflow.tradedata import service as tradedata


@dataclass(frozen=True, slots=True)
class Conversion:
    entry_id: uuid.UUID
    created: bool
    source_amount: Decimal
    source_currency: str
    target_amount: Decimal
    target_currency: str
    mid_rate: Decimal
    customer_rate: Decimal
    spread_amount: Decimal
    rate_date: date


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def convert(session: Session, context: audit.AuditContext, settings: FxSettings, *,
            idempotency_key: str, source_account_id: uuid.UUID, target_account_id: uuid.UUID,
            amount: Decimal, on: date) -> Conversion:
    """Move ``amount`` out of the source balance and the converted amount, less the spread,
    into the target balance, as one entry of five postings through the FX position accounts:
    Dr source / Cr fx_position(SRC); Dr fx_position(DST) / Cr target, Cr income:fx."""
    source = repository.account_by_id(session, source_account_id)
    target = repository.account_by_id(session, target_account_id)
    if source is None:
        raise AccountNotFound(field="source_account_id")
    if target is None:
        raise AccountNotFound(field="target_account_id")
    if source.organisation_id != target.organisation_id:
        raise ConversionNotAllowed(field="target_account_id", reason="different owners")
    if source.currency == target.currency:
        raise ConversionNotAllowed(field="target_account_id", reason="same currency")
    if source.normal_side != Side.CREDIT.value or target.normal_side != Side.CREDIT.value:
        raise ConversionNotAllowed(field="source_account_id",
                                   reason="only balances held for a customer can be converted")
    mid = tradedata.reference_rate(session, source.currency, target.currency, on)
    customer_rate = mid.rate * (1 - settings.spread)
    gross = _round(amount * mid.rate, target.currency)
    credited = _round(amount * customer_rate, target.currency)
    spread_amount = gross - credited
    platform = identity.organisations_of_kind(session, "platform")[0]
    position_source = journal.open_account(session, platform.id, "platform:fx_position", source.currency)
    position_target = journal.open_account(session, platform.id, "platform:fx_position", target.currency)
    income = journal.open_account(session, platform.id, "platform:income:fx", target.currency)
    postings = [
        journal.Posting(source.id, Side.DEBIT, amount, source.currency),
        journal.Posting(position_source.id, Side.CREDIT, amount, source.currency),
        journal.Posting(position_target.id, Side.DEBIT, gross, target.currency),
        journal.Posting(target.id, Side.CREDIT, credited, target.currency),
    ]
    if spread_amount > 0:
        postings.append(journal.Posting(income.id, Side.CREDIT, spread_amount, target.currency))
    result = journal.transfer(session, context, journal.Transfer(
        idempotency_key=idempotency_key, postings=tuple(postings),
        description=f"Conversion {source.currency}→{target.currency} at {customer_rate:.6f}"),
        details={"mid_rate": str(mid.rate), "customer_rate": str(customer_rate),
                 "spread": str(settings.spread), "rate_source": mid.source,
                 "rate_date": mid.rate_date.isoformat()})
    return Conversion(result.entry_id, result.created, amount, source.currency, credited,
                      target.currency, mid.rate, customer_rate, spread_amount, mid.rate_date)


def exposure(session: Session) -> dict[str, Decimal]:
    """The platform's open position per currency: positive is long (it holds more of the
    currency than it owes), negative is short."""
    positions: dict[str, Decimal] = {}
    for account in repository.accounts_with_code(session, "platform:fx_position"):
        balance = journal.balance(session, account)
        positions[account.currency] = positions.get(account.currency, Decimal(0)) + balance.posted
    return dict(sorted(positions.items()))


@dataclass(frozen=True, slots=True)
class ForwardQuote:
    base: str
    quote: str
    spot: Decimal
    forward: Decimal
    days: int
    base_interest_rate: Decimal
    quote_interest_rate: Decimal
    rate_date: date


def forward_quote(session: Session, settings: FxSettings, base: str, quote: str, days: int,
                  on: date) -> ForwardQuote:
    """Covered interest parity: F = S x (1 + r_quote x d/365) / (1 + r_base x d/365)."""
    spot = tradedata.reference_rate(session, base, quote, on)
    rates = settings.interest_rates
    for currency in (base, quote):
        if currency not in rates:
            raise InterestRateUnknown(field="currency", currency=currency)
    years = Decimal(days) / Decimal(365)
    forward = spot.rate * (1 + rates[quote] * years) / (1 + rates[base] * years)
    return ForwardQuote(base, quote, spot.rate, forward.quantize(Decimal("0.000001")), days,
                        rates[base], rates[quote], spot.rate_date)
