"""Trade data: a re-ingested row is compared with the stored one column by column, so the rows
no longer carry a digest of their content (computing it cost a bulk load more than comparing)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INGESTED_TABLES = ('trade_settlements', 'trade_settlement_lines', 'trade_orders', 'trade_order_lines',
                   'trade_tracking_events', 'trade_stock_snapshots', 'trade_stock_movements',
                   'trade_customs_declarations', 'trade_returns', 'trade_reviews')


def upgrade() -> None:
    for table in INGESTED_TABLES:
        op.drop_column(table, 'content_digest')


def downgrade() -> None:
    # The digest is recomputable only by the ingest that wrote it; an empty one makes the next
    # ingest of each row count it as changed, which is harmless.
    for table in INGESTED_TABLES:
        op.add_column(table, sa.Column('content_digest', sa.String(length=32), nullable=False,
                                       server_default=''))
