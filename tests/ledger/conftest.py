from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.ledger.models import LedgerAccount


@dataclass
class Books:
    """A small chart for tests: a bank, two seller wallets and an income account, in USD."""

    session: Session
    bank: LedgerAccount
    wallet_a: LedgerAccount
    wallet_b: LedgerAccount
    income: LedgerAccount
    context: AuditContext

    def move(self, debit: uuid.UUID, credit: uuid.UUID, amount: str, *, key: str | None = None,
             pending: bool = False, currency: str = "USD") -> ledger.RecordedEntry:
        from decimal import Decimal

        return ledger.transfer(self.session, self.context, ledger.Transfer(
            idempotency_key=key or f"test-{uuid.uuid4()}", pending=pending, postings=(
                ledger.Posting(debit, ledger.Side.DEBIT, Decimal(amount), currency),
                ledger.Posting(credit, ledger.Side.CREDIT, Decimal(amount), currency))))

    def available(self, account: LedgerAccount) -> str:
        self.session.refresh(account)
        return str(ledger.balance(self.session, account).available)

    def posted(self, account: LedgerAccount) -> str:
        self.session.refresh(account)
        return str(ledger.balance(self.session, account).posted)


@pytest.fixture
def books(demo: Session) -> Books:
    platform = identity.organisation_by_slug(demo, "fourflow")
    lumen = identity.organisation_by_slug(demo, "lumen-electronics")
    silkroad = identity.organisation_by_slug(demo, "silkroad-home")
    assert platform is not None
    assert lumen is not None
    assert silkroad is not None
    return Books(
        session=demo,
        bank=ledger.open_account(demo, platform.id, "platform:bank", "USD", subject="test-bank"),
        wallet_a=ledger.open_account(demo, lumen.id, "seller:wallet", "USD", subject="test"),
        wallet_b=ledger.open_account(demo, silkroad.id, "seller:wallet", "USD", subject="test"),
        income=ledger.open_account(demo, platform.id, "platform:income:fees", "USD"),
        context=AuditContext.system(),
    )
