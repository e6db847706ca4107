"""The end-to-end journeys run on the applications tests' world: the demo world's organisations and
funder capital, the simulated sellers' trade data, a credit model, the policy rules and the platform
PKI, on a frozen clock (15 October 2026, noon UTC)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.lending.contracts.service import pki
from tests.conftest import TEST_SECRET_KEY
from tests.lending.applications.conftest import NOW, prepare_world


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


@pytest.fixture
def world(demo: Session, clock: FrozenClock) -> Session:
    prepare_world(demo)
    pki.ensure_platform_pki(demo, secret=TEST_SECRET_KEY)
    demo.flush()
    return demo
