"""Contract fixtures: sample terms, the platform PKI in the test's transaction, a signed contract."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, get_clock, set_clock
from fourflow.core.i18n import Language
from fourflow.core.money import Money
from fourflow.lending.contracts.service import pki, signing
from fourflow.lending.contracts.service.document import render_contract
from fourflow.lending.contracts.service.terms import ContractFee, ContractTerms, ScheduleRow
from tests.conftest import TEST_SECRET_KEY

LUMEN_ID = uuid.UUID("0b6f1c7e-2a51-4c0e-9d3a-4f7a5d1e2c01")
LI_WEI_ID = uuid.UUID("5c2d8a90-6b1f-4e3a-8c7d-1a2b3c4d5e6f")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def sample_terms(language: Language = "en", seller: str = "Shenzhen Lumen Electronics Co., Ltd."
                 ) -> ContractTerms:
    return ContractTerms(
        contract_number="FF-2026-000123", language=language, seller_legal_name=seller,
        seller_address="Room 1801, Tower A, 88 Keyuan Road, Nanshan, Shenzhen 518057, China",
        seller_registration_number="91440300MA5G123456", lender_name="Fourflow Platform Ltd.",
        product="order_financing", principal=usd("25000.00"), annual_interest_rate=Decimal("0.1200"),
        annual_percentage_rate=Decimal("0.1452"), fees=(ContractFee("Arrangement fee", usd("250.00")),),
        term_days=90, disbursement_date=date(2026, 12, 1),
        schedule=(ScheduleRow(date(2026, 12, 31), usd("8333.33"), usd("246.58"), usd("8579.91")),
                  ScheduleRow(date(2027, 1, 30), usd("8333.33"), usd("164.38"), usd("8497.71")),
                  ScheduleRow(date(2027, 3, 1), usd("8333.34"), usd("82.19"), usd("8415.53"))),
        repayment_method="Swept from Amazon payouts to the Fourflow collection account",
        use_of_funds="Purchase of inventory for purchase order PO-2026-0412 only",
        governing_law="Laws of the Hong Kong Special Administrative Region")


def signatory(verified_minutes_ago: int = 2) -> signing.SellerSignatory:
    return signing.SellerSignatory(
        organisation_id=LUMEN_ID, organisation_name="Shenzhen Lumen Electronics Co., Ltd.", user_id=LI_WEI_ID,
        user_email="owner@lumen.demo", user_display_name="Li Wei", session_id="session-7f3a",
        one_time_code_verified_at=get_clock().now() - timedelta(minutes=verified_minutes_ago))


@pytest.fixture
def platform_pki(session: Session) -> list[str]:
    return pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY)


@pytest.fixture
def seller_signed(session: Session, platform_pki: list[str]) -> signing.SignedContract:
    return signing.sign_as_seller(session, AuditContext.system(), render_contract(sample_terms()),
                                  contract_number="FF-2026-000123", signatory=signatory(),
                                  secret=TEST_SECRET_KEY)


@pytest.fixture
def signed_contract(session: Session, seller_signed: signing.SignedContract) -> bytes:
    """Signed by the seller, then by the platform."""
    return signing.sign_as_platform(session, AuditContext.system(), seller_signed.pdf,
                                    contract_number="FF-2026-000123", secret=TEST_SECRET_KEY,
                                    seller_organisation_id=LUMEN_ID).pdf


def flip_byte(pdf: bytes, marker: bytes) -> bytes:
    """The file with one bit of the byte after ``marker`` flipped (inside the signed range)."""
    position = pdf.index(marker) + len(marker)
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


@pytest.fixture
def offer_world(demo: Session) -> Iterator[Session]:
    """The applications' simulated world on its frozen day, with the platform PKI."""
    from tests.lending.applications.conftest import NOW, prepare_world

    previous = set_clock(FrozenClock(NOW))
    prepare_world(demo)
    pki.ensure_platform_pki(demo, secret=TEST_SECRET_KEY)
    demo.flush()
    yield demo
    set_clock(previous)
