"""The procrastinate job queue, in the same database so jobs commit with their cause.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

The schema is procrastinate's own ``schema.sql`` for the locked version (3.x). When the
lock moves to a release with new procrastinate migrations, add them as new revisions
here, in procrastinate's order.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from procrastinate.schema import SchemaManager

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Straight to psycopg without parameters: the file has % signs that are not placeholders.
    driver_connection = op.get_bind().connection.driver_connection
    assert driver_connection is not None
    driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
               "procrastinate_jobs, procrastinate_workers CASCADE")
