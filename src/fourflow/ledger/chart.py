"""The chart of accounts (MONEY-FLOWS.md): each account type's normal side and floor."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


@dataclass(frozen=True, slots=True)
class AccountType:
    code: str
    normal_side: Side
    # The lowest available balance allowed on the normal side; None means no floor.
    floor: Decimal | None
    description: str


_ZERO = Decimal(0)

ACCOUNT_TYPES: dict[str, AccountType] = {
    t.code: t for t in (
        AccountType("platform:bank", Side.DEBIT, _ZERO, "money the platform holds at a bank or PSP"),
        AccountType("platform:clearing", Side.DEBIT, None, "payments sent or received, not yet confirmed"),
        AccountType("seller:wallet", Side.CREDIT, _ZERO, "money the platform owes the seller"),
        AccountType("seller:collections", Side.CREDIT, _ZERO, "payouts received, not yet allocated"),
        AccountType("loan:principal", Side.DEBIT, _ZERO, "principal the seller owes"),
        AccountType("loan:interest", Side.DEBIT, _ZERO, "accrued, unpaid interest"),
        AccountType("loan:fees", Side.DEBIT, _ZERO, "charged, unpaid fees"),
        AccountType("funder:available", Side.CREDIT, _ZERO, "committed capital not yet lent"),
        AccountType("funder:deployed", Side.CREDIT, _ZERO, "capital out in loans"),
        AccountType("funder:income", Side.CREDIT, None, "the funder's share of interest"),
        AccountType("platform:income:interest", Side.CREDIT, None, "interest income"),
        AccountType("platform:income:fees", Side.CREDIT, None, "fee income"),
        AccountType("platform:income:fx", Side.CREDIT, None, "FX spread income"),
        AccountType("platform:income:commission", Side.CREDIT, None, "commission income"),
        AccountType("platform:income:recovery", Side.CREDIT, None, "money recovered on written-off loans"),
        AccountType("platform:expense:loan_loss", Side.DEBIT, None, "write-offs"),
        AccountType("platform:fx_position", Side.DEBIT, None, "the other side of conversions"),
        AccountType("platform:suspense", Side.DEBIT, None, "unidentified money awaiting allocation"),
        AccountType("insurer:payable", Side.CREDIT, None, "premiums owed to insurers"),
        AccountType("insurer:claims", Side.DEBIT, None, "claims due from insurers"),
    )
}
