"""Trade data: each ingested row refers to its batch by (batch, seller) — one foreign key instead of
two, and the database now also guarantees a row's seller is its batch's seller; time-ordered ids
on PostgreSQL 18+ so bulk loads append to the primary-key index instead of writing all over it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INGESTED_TABLES = ('trade_settlements', 'trade_settlement_lines', 'trade_orders', 'trade_order_lines',
                   'trade_tracking_events', 'trade_stock_snapshots', 'trade_stock_movements',
                   'trade_customs_declarations', 'trade_returns', 'trade_reviews')


def upgrade() -> None:
    op.create_unique_constraint('uq_trade_ingest_batches_id_seller_organisation_id', 'trade_ingest_batches',
                                ['id', 'seller_organisation_id'])
    bind = op.get_bind()
    time_ordered = bind.dialect.server_version_info >= (18,)
    inspector = sa.inspect(bind)
    for table in INGESTED_TABLES:
        # By what they refer to: the longer names were shortened by PostgreSQL when created.
        for foreign_key in inspector.get_foreign_keys(table):
            if foreign_key['referred_table'] in ('organisations', 'trade_ingest_batches'):
                op.drop_constraint(foreign_key['name'], table, type_='foreignkey')
        op.create_foreign_key(f'fk_{table}_batch_id_trade_ingest_batches', table,
                              'trade_ingest_batches', ['batch_id', 'seller_organisation_id'],
                              ['id', 'seller_organisation_id'])
        if time_ordered:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN id SET DEFAULT uuidv7()')


def downgrade() -> None:
    for table in INGESTED_TABLES:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN id SET DEFAULT gen_random_uuid()')
        op.drop_constraint(f'fk_{table}_batch_id_trade_ingest_batches', table,
                           type_='foreignkey')
        op.create_foreign_key(f'fk_{table}_seller_organisation_id_organisations'[:63], table,
                              'organisations', ['seller_organisation_id'], ['id'])
        op.create_foreign_key(f'fk_{table}_batch_id_trade_ingest_batches', table, 'trade_ingest_batches',
                              ['batch_id'], ['id'])
    op.drop_constraint('uq_trade_ingest_batches_id_seller_organisation_id', 'trade_ingest_batches',
                       type_='unique')
