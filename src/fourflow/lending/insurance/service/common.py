"""What the insurance services share: which covers fit which product, and the insurer's accounts.

Accounts (MONEY-FLOWS event 11): ``insurer:payable`` (premiums owed to the insurer) and
``insurer:claims`` (claims due from it) are the platform's, one per insurer (subject: the insurer's
name) and currency."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.lending.insurance.errors import InsuranceCoverNotOffered, InsuranceCoverUnknown
from fourflow.lending.insurance.insurer.port import Cover
from fourflow.lending.products import CATALOGUE, REVOLVING_PRODUCTS, Product, Underlying

# Cargo cover insures goods: only products lending against goods (ordered or stored) carry it.
GOODS_UNDERLYINGS = frozenset({Underlying.PURCHASE_ORDERS, Underlying.PLEDGED_STOCK})
COVER_LABELS: dict[str, str] = {Cover.CARGO.value: N_("Cargo insurance"),
                                 Cover.CREDIT.value: N_("Credit insurance")}
COVER_TEXTS: dict[str, str] = {
    Cover.CARGO.value: N_("Covers the goods financed against loss or damage in transit or storage, up to "
                    "their value."),
    Cover.CREDIT.value: N_("If the loan cannot be repaid, the insurer pays {indemnity} % of the principal "
                     "outstanding, which reduces what is written off."),
}
POLICY_STATUS_LABELS = {"pending": N_("Being bound with the insurer"), "active": N_("In force"),
                        "lapsed": N_("Lapsed")}
CLAIM_STATUS_LABELS = {"approved": N_("Approved, awaiting payment"), "declined": N_("Declined"),
                       "paid": N_("Paid")}


def covers_of(product: Product) -> list[Cover]:
    """A policy covers one loan: a credit line's draws (many loans on one offer) are not insured."""
    if product.code in REVOLVING_PRODUCTS:
        return []
    return [cover for cover in Cover if cover is Cover.CREDIT or product.underlying in GOODS_UNDERLYINGS]


def parse_covers(product_code: str, requested: list[str], *, field: str = "insurance") -> list[Cover]:
    """The covers asked for, each known and available for the product (duplicates once)."""
    product = CATALOGUE[product_code]
    chosen: list[Cover] = []
    for raw in requested:
        name = raw.strip()
        if name not in Cover.__members__.values():
            raise InsuranceCoverUnknown(field=field, cover=name, covers=", ".join(Cover))
        cover = Cover(name)
        if cover not in covers_of(product):
            raise InsuranceCoverNotOffered(field=field, cover=cover.value, product=product.code)
        if cover not in chosen:
            chosen.append(cover)
    return chosen


def insured_amount(cover: Cover, product: Product, principal: Money) -> tuple[Money, str]:
    """What is insured, and how it was found: credit cover insures the principal lent; cargo cover the
    goods behind it, valued as the principal ÷ the product's advance rate (the goods' value the
    advance was a share of)."""
    if cover is Cover.CREDIT:
        return principal.quantized(), "principal"
    goods = Money(principal.amount / product.advance_rate, principal.currency).quantized()
    return goods, f"principal / advance_rate {product.advance_rate}"


def platform_account(session: Session, code: str, currency: str, subject: str = "") -> uuid.UUID:
    platform = identity.organisations_of_kind(session, "platform")[0]
    return ledger.open_account(session, platform.id, code, currency, subject=subject).id


def posting(account_id: uuid.UUID, side: ledger.Side, amount: Money) -> ledger.Posting:
    return ledger.Posting(account_id, side, amount.amount, amount.currency)


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount, currency).quantized()
