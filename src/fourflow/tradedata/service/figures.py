"""Derived figures with lineage (F8): every figure later features use (monthly net sales, fees,
refund rate …) is computed by a named, versioned transformation from stored rows, and can be
explained back to the batches and rows it came from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.errors import NotFound
from fourflow.core.i18n import N_
from fourflow.core.pagination import Page, PageRequest
from fourflow.tradedata import repository
from fourflow.tradedata.models import DerivedFigure, IngestBatch, SettlementLine


class FigureNotFound(NotFound):
    code = "figure_not_found"
    message = N_("No such figure.")


@dataclass(frozen=True, slots=True)
class Transformation:
    """One monthly figure from settlement lines. Bump ``version`` whenever the rule changes, so
    a stored figure always says which rule made it."""

    name: str
    version: int
    label: str                 # N_-marked
    kinds: tuple[str, ...]     # settlement line kinds it reads
    value_sql: str             # aggregate over the month's rows of those kinds
    description: str           # the rule in words, N_-marked (shown with the lineage)


TRANSFORMATIONS = {transformation.name: transformation for transformation in (
    Transformation("monthly_net_sales", 1, N_("Net sales"), ("sale", "promotion", "refund"),
                   "sum(amount)",
                   N_("Item prices, seller-funded promotions and refunds posted in the month, summed.")),
    Transformation("monthly_fees", 1, N_("Marketplace fees"), ("fee",), "-sum(amount)",
                   N_("Marketplace, payment and fulfilment fees posted in the month, as a cost.")),
    Transformation("monthly_refund_rate", 1, N_("Refund rate"), ("sale", "refund"),
                   "CASE WHEN coalesce(sum(amount) FILTER (WHERE kind = 'sale'), 0) = 0 THEN 0 "
                   "ELSE round(-coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0) "
                   "/ sum(amount) FILTER (WHERE kind = 'sale'), 6) END",
                   N_("Refunds divided by item sales posted in the month.")),
)}


def recompute(session: Session, seller_organisation_id: uuid.UUID) -> int:
    """Recompute every figure of a seller from what is stored now; returns the figures written."""
    now = get_clock().now()
    return sum(repository.recompute_settlement_figure(
        session, seller_organisation_id=seller_organisation_id, name=transformation.name,
        transformation=f"{transformation.name}@v{transformation.version}", version=transformation.version,
        kinds=transformation.kinds, value_sql=transformation.value_sql, computed_at=now)
        for transformation in TRANSFORMATIONS.values())


def list_figures(session: Session, seller_organisation_id: uuid.UUID | None, name: str | None,
                 request: PageRequest) -> Page[DerivedFigure]:
    return repository.list_figures(session, seller_organisation_id, name, request)


@dataclass(frozen=True, slots=True)
class Lineage:
    figure: DerivedFigure
    transformation: Transformation
    batches: list[tuple[IngestBatch, int]]   # each source batch and how many of its rows count
    rows: Page[SettlementLine]


def lineage(session: Session, figure_id: uuid.UUID, seller_organisation_id: uuid.UUID | None,
            request: PageRequest) -> Lineage:
    figure = repository.get_figure(session, figure_id, seller_organisation_id)
    if figure is None:
        raise FigureNotFound()
    return Lineage(figure, TRANSFORMATIONS[figure.name], repository.figure_batches(session, figure.id),
                   repository.figure_source_lines(session, figure.id, request))
