"""Imports every domain's models so Base.metadata knows all tables (Alembic, tests)."""

from __future__ import annotations


def import_all_models() -> None:
    import fourflow.audit.models
    import fourflow.core.breakers
    import fourflow.identity.models
    import fourflow.insights.models
    import fourflow.ledger.models
    import fourflow.lending.applications.models
    import fourflow.lending.collections.models
    import fourflow.lending.contracts.models
    import fourflow.lending.insurance.models
    import fourflow.lending.lines.models
    import fourflow.lending.loans.models
    import fourflow.notifications.models
    import fourflow.risk.models
    import fourflow.tradedata.models  # noqa: F401
