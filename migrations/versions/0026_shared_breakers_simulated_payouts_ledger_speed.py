"""Circuit breaker state shared by all processes; the payment simulators' memory of payouts

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('circuit_breakers',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=9), server_default='closed', nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trial_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_circuit_breakers'))
    )
    op.create_table('simulated_payouts',
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('channel_reference', sa.String(length=128), nullable=True),
    sa.Column('fee', sa.Numeric(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'idempotency_key', name=op.f('pk_simulated_payouts'))
    )


def downgrade() -> None:
    op.drop_table('simulated_payouts')
    op.drop_table('circuit_breakers')
