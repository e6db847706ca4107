"""Payments: payouts through channels, from request to settlement

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payments',
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('source_account_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.Numeric(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('beneficiary_name', sa.String(length=200), nullable=False),
    sa.Column('beneficiary_account', sa.String(length=64), nullable=False),
    sa.Column('beneficiary_country', sa.String(length=2), nullable=False),
    sa.Column('reference', sa.String(length=140), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('channel_reference', sa.String(length=128), nullable=True),
    sa.Column('fee', sa.Numeric(), nullable=True),
    sa.Column('hold_entry_id', sa.Uuid(), nullable=True),
    sa.Column('attempts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('requested', 'sending', 'sent', 'unknown', 'settled', 'failed')", name=op.f('ck_payments_state')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['hold_entry_id'], ['ledger_entries.id'], name=op.f('fk_payments_hold_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_payments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['source_account_id'], ['ledger_accounts.id'], name=op.f('fk_payments_source_account_id_ledger_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key'))
    )
    op.create_index(op.f('ix_payments_organisation_id'), 'payments', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_payments_state'), 'payments', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_payments_state'), table_name='payments')
    op.drop_index(op.f('ix_payments_organisation_id'), table_name='payments')
    op.drop_table('payments')
