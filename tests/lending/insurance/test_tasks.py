"""The insurance jobs' bodies: each item in its own transaction, safe to run again, an insurer that is
down leaving the work for the next run."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.database import Database
from fourflow.lending.collections import service as collections
from fourflow.lending.insurance import service as insurance
from fourflow.lending.insurance.insurer.simulator import SimulatedInsurer
from fourflow.lending.insurance.tasks import bind_pending, remit_premiums, settle_claims
from tests.lending import conditions_helpers
from tests.lending.insurance.conftest import open_offer
from tests.lending.loans.conftest import CONTEXT, seller_id


def test_binding_remitting_and_settling_jobs_do_each_thing_once(
        database: Database, demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), ["credit"], accepted_by_user_id=None)
    loan = conditions_helpers.book(demo, offer_id, "jobs-1")
    simulator.unreachable = True
    conditions_helpers.meet_conditions(demo, loan)
    demo.flush()
    assert (bind_pending(database), remit_premiums(database)) == (0, 0)  # insurer down: left for later
    simulator.unreachable = False
    assert (bind_pending(database), bind_pending(database)) == (1, 0)
    assert (remit_premiums(database), remit_premiums(database)) == (1, 0)

    clock.set(datetime(2027, 2, 13, 12, tzinfo=UTC))
    collections.write_off(demo, CONTEXT, loan.id, "Seller unreachable")
    demo.flush()
    assert settle_claims(database) == 0  # approved; the insurer pays 14 days after filing
    clock.set(datetime(2027, 2, 27, 12, tzinfo=UTC))
    assert (settle_claims(database), settle_claims(database)) == (1, 0)
    (cover,) = insurance.covers_of_loans(demo, [loan.id])[loan.id]
    assert [(claim.status, claim.paid_on) for claim in cover.claims] == [("paid", date(2027, 2, 27))]
