"""Credit line fixtures: an accepted revolving offer on round terms and its line, on the loans'
frozen clock, and the row counts a refused draw must leave as they were."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.lending.lines import service as lines
from fourflow.lending.lines.models import CreditLine
from tests.lending.loans.conftest import CONTEXT, accepted_offer
from tests.lending.loans.conftest import clock as clock

PRODUCT = "revolving_credit_line"


def open_line(session: Session, seller: uuid.UUID, *, amount: str = "10000.00", annual_rate: str = "0.12",
              tenor_days: int = 180) -> CreditLine:
    """A line of ``amount`` on an accepted revolving offer (opened as the acceptance opens it)."""
    offer = accepted_offer(session, seller=seller, product=PRODUCT, amount=amount, annual_rate=annual_rate,
                           tenor_days=tenor_days)
    return lines.open_line(session, CONTEXT, offer)


def rows(session: Session) -> dict[str, int]:
    tables = ("lending_credit_lines", "lending_credit_line_draws", "lending_loans",
              "lending_loan_instalments",
              "lending_loan_conditions", "lending_loan_condition_evaluations", "lending_loan_disbursements",
              "ledger_entries", "ledger_postings", "audit_events")
    return {table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in tables}
