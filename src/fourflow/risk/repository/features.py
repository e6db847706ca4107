"""Queries of stored feature snapshots: one row per seller, feature date and features version."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Date, String, Uuid, bindparam, select
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import Session

from fourflow.risk.models import FeatureSnapshot


def upsert_snapshot(session: Session, *, seller_organisation_id: uuid.UUID, as_of: date, version: str,
                    features: dict[str, Any], lineage: dict[str, Any], computed_at: datetime) -> uuid.UUID:
    """Insert the snapshot, or replace the one stored for the same seller, date and version
    (recomputing after a correction of the data overwrites; it never adds a second row)."""
    statement = insert(FeatureSnapshot).values(
        id=uuid.uuid4(), seller_organisation_id=seller_organisation_id, as_of=as_of, version=version,
        features=features, lineage=lineage, computed_at=computed_at)
    snapshot_id = session.execute(statement.on_conflict_do_update(
        index_elements=["seller_organisation_id", "as_of", "version"],
        set_={"features": statement.excluded.features, "lineage": statement.excluded.lineage,
              "computed_at": statement.excluded.computed_at})
        .returning(FeatureSnapshot.id)).scalar_one()
    return snapshot_id


def latest_snapshot(session: Session, seller_organisation_id: uuid.UUID, version: str,
                    on_or_before: date | None = None) -> FeatureSnapshot | None:
    statement = select(FeatureSnapshot).where(
        FeatureSnapshot.seller_organisation_id == seller_organisation_id, FeatureSnapshot.version == version)
    if on_or_before is not None:
        statement = statement.where(FeatureSnapshot.as_of <= on_or_before)
    # populate_existing: an upsert in this session may have changed a row loaded before.
    return session.execute(statement.order_by(FeatureSnapshot.as_of.desc()).limit(1)
                           .execution_options(populate_existing=True)).scalar_one_or_none()


SNAPSHOT_SELLER, SNAPSHOT_DAY, SNAPSHOT_VERSION = "snapshot_seller", "snapshot_day", "snapshot_version"


@cache
def day_snapshot_columns() -> tuple[ColumnElement[Any], ...]:
    """``day_features``, ``day_lineage`` and ``day_computed_at`` of the seller's snapshot of one
    day and version (NULL when none is stored), as labelled scalar subqueries for the decision's
    one query; the parameters are named by SNAPSHOT_SELLER, SNAPSHOT_DAY and SNAPSHOT_VERSION."""
    def column(attribute: Any) -> ColumnElement[Any]:
        return (select(attribute).where(
            FeatureSnapshot.seller_organisation_id == bindparam(SNAPSHOT_SELLER, type_=Uuid()),
            FeatureSnapshot.as_of == bindparam(SNAPSHOT_DAY, type_=Date()),
            FeatureSnapshot.version == bindparam(SNAPSHOT_VERSION, type_=String()))
            .correlate(None).scalar_subquery())

    return (column(FeatureSnapshot.features).label("day_features"),
            column(FeatureSnapshot.lineage).label("day_lineage"),
            column(FeatureSnapshot.computed_at).label("day_computed_at"))


def newest_snapshot_per_seller(session: Session, version: str) -> dict[uuid.UUID, FeatureSnapshot]:
    """Every seller's newest snapshot of ``version`` (one query, for the risk overview)."""
    statement = (select(FeatureSnapshot).where(FeatureSnapshot.version == version)
                 .order_by(FeatureSnapshot.seller_organisation_id, FeatureSnapshot.as_of.desc())
                 .ext(distinct_on(FeatureSnapshot.seller_organisation_id)))
    return {snapshot.seller_organisation_id: snapshot for snapshot in session.execute(statement).scalars()}


def snapshot_history(session: Session, seller_organisation_id: uuid.UUID, version: str,
                     limit: int) -> list[FeatureSnapshot]:
    """The seller's newest ``limit`` snapshots of ``version``, oldest first."""
    newest = list(session.execute(select(FeatureSnapshot).where(
        FeatureSnapshot.seller_organisation_id == seller_organisation_id, FeatureSnapshot.version == version)
        .order_by(FeatureSnapshot.as_of.desc()).limit(limit)).scalars())
    return newest[::-1]
