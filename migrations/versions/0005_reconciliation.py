"""Reconciliation: bank statement lines and their matches to ledger postings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bank_statement_lines',
    sa.Column('bank_account_id', sa.Uuid(), nullable=False),
    sa.Column('statement_id', sa.String(length=140), nullable=False),
    sa.Column('line_digest', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('amount', sa.Numeric(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=140), nullable=True),
    sa.Column('bank_reference', sa.String(length=140), nullable=True),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('counterparty_name', sa.String(length=200), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['bank_account_id'], ['ledger_accounts.id'], name=op.f('fk_bank_statement_lines_bank_account_id_ledger_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_lines')),
    sa.UniqueConstraint('line_digest', name=op.f('uq_bank_statement_lines_line_digest'))
    )
    op.create_index(op.f('ix_bank_statement_lines_bank_account_id'), 'bank_statement_lines', ['bank_account_id'], unique=False)
    op.create_table('reconciliation_matches',
    sa.Column('statement_line_id', sa.Uuid(), nullable=False),
    sa.Column('posting_id', sa.BigInteger(), nullable=False),
    sa.Column('matched_by', sa.String(length=16), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['posting_id'], ['ledger_postings.id'], name=op.f('fk_reconciliation_matches_posting_id_ledger_postings')),
    sa.ForeignKeyConstraint(['statement_line_id'], ['bank_statement_lines.id'], name=op.f('fk_reconciliation_matches_statement_line_id_bank_statement_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_matches')),
    sa.UniqueConstraint('posting_id', name=op.f('uq_reconciliation_matches_posting_id')),
    sa.UniqueConstraint('statement_line_id', name=op.f('uq_reconciliation_matches_statement_line_id'))
    )


def downgrade() -> None:
    op.drop_table('reconciliation_matches')
    op.drop_index(op.f('ix_bank_statement_lines_bank_account_id'), table_name='bank_statement_lines')
    op.drop_table('bank_statement_lines')
