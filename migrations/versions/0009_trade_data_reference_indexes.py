"""Trade data: index orders by seller and order id, settlement lines by seller and settlement

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_trade_settlement_lines_settlement', table_name='trade_settlement_lines')
    op.create_index('ix_trade_settlement_lines_seller_settlement', 'trade_settlement_lines',
                    ['seller_organisation_id', 'settlement_id'])
    op.create_index('ix_trade_orders_seller_order', 'trade_orders', ['seller_organisation_id', 'order_id'])


def downgrade() -> None:
    op.drop_index('ix_trade_orders_seller_order', table_name='trade_orders')
    op.drop_index('ix_trade_settlement_lines_seller_settlement', table_name='trade_settlement_lines')
    op.create_index('ix_trade_settlement_lines_settlement', 'trade_settlement_lines',
                    ['seller_organisation_id', 'marketplace', 'settlement_id'])
