"""Trade data: when the seller gave the platform each bank account (a new payout account before a
drawdown is a fraud signal)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('trade_seller_bank_accounts', sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE trade_seller_bank_accounts SET registered_at = created_at')
    op.alter_column('trade_seller_bank_accounts', 'registered_at', nullable=False, server_default=sa.func.now())


def downgrade() -> None:
    op.drop_column('trade_seller_bank_accounts', 'registered_at')
