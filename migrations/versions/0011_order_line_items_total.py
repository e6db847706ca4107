"""Trade data: orders keep what the vendor says their lines come to, for the accuracy check

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('trade_orders', sa.Column('line_items_total', sa.Numeric(precision=20, scale=4), nullable=True))


def downgrade() -> None:
    op.drop_column('trade_orders', 'line_items_total')
