"""Trade data the risk engine's related-party graph reads (F12): every seller's identifiers —
registry answers, bank accounts, devices — and the orders that may have been sold to a business.

These read across sellers on purpose (the graph looks for links *between* them), so they are
for system callers: the risk job and platform staff, never a seller's own request.

Buyers' personal data is decrypted here, inside the domain that holds the key, and only for the
orders asked for: by default those of business-to-business sales channels (Shopify's draft
orders are how a merchant invoices a wholesale customer), not every consumer's parcel. Each
seller whose buyers were read gets one audit event saying how many orders and why (ARCHITECTURE
rule 7: access to sensitive fields is audited).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.tradedata import repository
from fourflow.tradedata.records import BuyerPersonalData
from fourflow.tradedata.service import personal_data

# Sales channels on which a seller sells to businesses rather than consumers.
BUSINESS_SALES_CHANNELS: Final = frozenset({"draft_order"})


@dataclass(frozen=True, slots=True)
class RegistryIdentity:
    seller_organisation_id: uuid.UUID
    company_number: str
    legal_name: str
    registered_address: str
    phone: str | None
    email: str | None
    officers: tuple[dict[str, Any], ...]     # {"name", "role", ...} as the registry reported them


@dataclass(frozen=True, slots=True)
class SellerIdentifiers:
    """Every identifier the platform holds for its sellers."""

    registry_records: tuple[RegistryIdentity, ...]
    bank_accounts: tuple[tuple[uuid.UUID, str], ...]          # (seller, account number)
    devices: tuple[tuple[uuid.UUID, str, str], ...]           # (seller, fingerprint, IP address)


@dataclass(frozen=True, slots=True)
class BuyerOrder:
    """An order with its buyer's personal data decrypted."""

    seller_organisation_id: uuid.UUID
    marketplace: str
    order_id: str
    purchased_at: datetime
    status: str
    currency: str
    total: Decimal | None          # the order total, else the sum of its lines, else None
    buyer: BuyerPersonalData


def seller_identifiers(session: Session) -> SellerIdentifiers:
    return SellerIdentifiers(
        registry_records=tuple(
            RegistryIdentity(seller_organisation_id=seller, company_number=company_number,
                             legal_name=legal_name, registered_address=address, phone=phone, email=email,
                             officers=tuple(officers or ()))
            for seller, company_number, legal_name, address, phone, email, officers
            in repository.registry_identity_rows(session)),
        bank_accounts=tuple(repository.bank_account_number_rows(session)),
        devices=tuple(repository.device_sighting_rows(session)))


def buyer_orders(session: Session, context: audit.AuditContext, *, secret: str, purpose: str,
                 sales_channels: Collection[str] | None = BUSINESS_SALES_CHANNELS) -> list[BuyerOrder]:
    """Orders that carry buyer personal data, decrypted; only those of ``sales_channels``
    (every order when None). ``purpose`` is recorded in the audit event of each seller read."""
    channels = None if sales_channels is None else sorted(sales_channels)
    orders: list[BuyerOrder] = []
    read_per_seller: dict[uuid.UUID, int] = {}
    for (seller, marketplace, order_id, purchased_at, status, currency, total, line_items_total,
         stored) in repository.orders_with_buyer_data(session, channels):
        buyer = personal_data.decrypt(bytes(stored), secret=secret, seller_organisation_id=seller)
        read_per_seller[seller] = read_per_seller.get(seller, 0) + 1
        if buyer is None:
            continue
        orders.append(BuyerOrder(seller_organisation_id=seller, marketplace=marketplace, order_id=order_id,
                                 purchased_at=purchased_at, status=status, currency=currency,
                                 total=total if total is not None else line_items_total, buyer=buyer))
    for seller, count in read_per_seller.items():
        audit.record(session, context, "tradedata:buyer_personal_data:read", subject_type="organisation",
                     subject_id=seller, organisation_id=seller,
                     after={"orders": count, "purpose": purpose, "sales_channels": channels})
    return orders
