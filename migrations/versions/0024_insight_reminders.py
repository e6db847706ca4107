"""Insights: reminders for sellers (repayment due, restock before a peak), e-mailed once, read in-app

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('insight_reminders',
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('reminder_key', sa.String(length=240), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=True),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('act_by', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=600), nullable=False),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("kind IN ('repayment_due', 'restock_before_peak')",
                       name=op.f('ck_insight_reminders_kind')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'],
                            name=op.f('fk_insight_reminders_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['read_by_user_id'], ['users.id'],
                            name=op.f('fk_insight_reminders_read_by_user_id_users')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'],
                            name=op.f('fk_insight_reminders_seller_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_reminders')),
    sa.UniqueConstraint('seller_organisation_id', 'reminder_key',
                        name=op.f('uq_insight_reminders_seller_organisation_id_reminder_key'))
    )
    op.create_index('ix_insight_reminders_seller_created', 'insight_reminders',
                    ['seller_organisation_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_insight_reminders_seller_created', table_name='insight_reminders')
    op.drop_table('insight_reminders')
