"""Lending: insurance quotes on offers, policies on loans and claims under them (F27)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    table = 'lending_insurance_quotes'
    op.create_table(table,
    sa.Column('offer_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('cover', sa.String(length=16), nullable=False),
    sa.Column('insurer', sa.String(length=64), nullable=False),
    sa.Column('insurer_reference', sa.String(length=100), nullable=False),
    sa.Column('pricing_version', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('insured_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('cover_days', sa.Integer(), nullable=False),
    sa.Column('premium_rate', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('premium_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('indemnity_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('chosen_by_user_id', sa.Uuid(), nullable=True),
    _id(),
    sa.CheckConstraint("cover IN ('cargo', 'credit')", name=op.f(f'ck_{table}_cover')),
    sa.CheckConstraint("status IN ('quoted', 'chosen')", name=op.f(f'ck_{table}_status')),
    sa.CheckConstraint('premium_amount > 0 AND insured_amount > 0', name=op.f(f'ck_{table}_amounts_positive')),
    _fk(table, 'offer_id', 'lending_offers'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    _fk(table, 'chosen_by_user_id', 'users'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('offer_id', 'cover', name=op.f(f'uq_{table}_offer_id_cover'))
    )
    op.create_index('ix_lending_insurance_quotes_seller', table, ['seller_organisation_id'], unique=False)

    table = 'lending_insurance_policies'
    op.create_table(table,
    sa.Column('quote_id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('cover', sa.String(length=16), nullable=False),
    sa.Column('insurer', sa.String(length=64), nullable=False),
    sa.Column('insurer_reference', sa.String(length=100), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('insured_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('premium_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('indemnity_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('premium_remitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('bound_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint("status IN ('pending', 'active', 'lapsed')", name=op.f(f'ck_{table}_status')),
    _fk(table, 'quote_id', 'lending_insurance_quotes'),
    _fk(table, 'loan_id', 'lending_loans'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('quote_id', name=op.f(f'uq_{table}_quote_id')),
    sa.UniqueConstraint('loan_id', 'cover', name=op.f(f'uq_{table}_loan_id_cover'))
    )
    op.create_index('ix_lending_insurance_policies_seller', table, ['seller_organisation_id'], unique=False)
    op.create_index('ix_lending_insurance_policies_status', table, ['status'], unique=False)

    table = 'lending_insurance_claims'
    op.create_table(table,
    sa.Column('policy_id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('insurer_reference', sa.String(length=100), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('loss_on', sa.Date(), nullable=False),
    sa.Column('loss_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('approved_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_reason', sa.String(length=64), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('payment_reference', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint("status IN ('approved', 'declined', 'paid')", name=op.f(f'ck_{table}_status')),
    sa.CheckConstraint('loss_amount > 0 AND approved_amount >= 0', name=op.f(f'ck_{table}_amounts')),
    _fk(table, 'policy_id', 'lending_insurance_policies'),
    _fk(table, 'loan_id', 'lending_loans'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('policy_id', 'reason', name=op.f(f'uq_{table}_policy_id_reason'))
    )
    op.create_index('ix_lending_insurance_claims_status', table, ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lending_insurance_claims_status', table_name='lending_insurance_claims')
    op.drop_table('lending_insurance_claims')
    op.drop_index('ix_lending_insurance_policies_status', table_name='lending_insurance_policies')
    op.drop_index('ix_lending_insurance_policies_seller', table_name='lending_insurance_policies')
    op.drop_table('lending_insurance_policies')
    op.drop_index('ix_lending_insurance_quotes_seller', table_name='lending_insurance_quotes')
    op.drop_table('lending_insurance_quotes')
