"""Buyers' personal data (F8 classification): which fields are personal, how they are stored
(AES-256-GCM, the key derived from the platform secret, the seller bound in as associated data so
a ciphertext moved to another seller's row won't open) and how they are masked for roles that
don't need them."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Final

from fourflow.core.security import seal, unseal
from fourflow.tradedata.records import BuyerPersonalData

# Classification of the canonical model: table.column → the personal fields it holds. Anything
# not listed here is business data. Rows from files keep no other copy of these fields.
PERSONAL_DATA_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "trade_orders.buyer_personal_data": ("name", "email", "phone", "address"),
}
PURPOSE = b"fourflow personal data v1"


def encrypt(buyer: BuyerPersonalData | None, *, secret: str,
            seller_organisation_id: uuid.UUID) -> bytes | None:
    if buyer is None or not any(asdict(buyer).values()):
        return None
    plaintext = json.dumps(asdict(buyer), ensure_ascii=False).encode()
    return seal(plaintext, secret=secret, purpose=PURPOSE, associated_data=seller_organisation_id.bytes)


def decrypt(stored: bytes | None, *, secret: str,
            seller_organisation_id: uuid.UUID) -> BuyerPersonalData | None:
    if stored is None:
        return None
    plaintext = unseal(stored, secret=secret, purpose=PURPOSE, associated_data=seller_organisation_id.bytes)
    return BuyerPersonalData(**json.loads(plaintext))


def masked(buyer: BuyerPersonalData | None) -> BuyerPersonalData | None:
    """Enough to recognise a buyer you already know, not enough to contact or find one."""
    if buyer is None:
        return None
    return BuyerPersonalData(
        name=_mask_words(buyer.name),
        email=_mask_email(buyer.email),
        phone=None if buyer.phone is None else "•••• " + buyer.phone[-2:],
        address=None if buyer.address is None else "•••",
    )


def _mask_words(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(word[:1] + "•" * max(len(word) - 1, 1) for word in text.split())


def _mask_email(email: str | None) -> str | None:
    if email is None or "@" not in email:
        return None if email is None else "•••"
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••@{domain}"
