"""Lending: loans booked from accepted offers, their planned instalments, the payouts applied to
sellers' loans and the repayments they made

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False)


def upgrade() -> None:
    op.create_table('lending_loans',
    sa.Column('offer_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('funder_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('products_version', sa.String(length=32), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('principal_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('day_count_convention', sa.String(length=16), nullable=False),
    sa.Column('origination_fee_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('tenor_days', sa.Integer(), nullable=False),
    sa.Column('repayment_method', sa.String(length=24), nullable=False),
    sa.Column('repayment_period_days', sa.Integer(), nullable=True),
    sa.Column('remittance_rate', sa.Numeric(precision=10, scale=6), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('booking_key', sa.String(length=100), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('maturity_on', sa.Date(), nullable=False),
    sa.Column('interest_accrued_until', sa.Date(), nullable=True),
    sa.Column('accrual_numerator', sa.Numeric(precision=40, scale=14), nullable=False),
    sa.Column('interest_accrued_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('booked_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('disbursed_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disbursed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint("status IN ('awaiting_disbursement', 'active', 'closed')", name=op.f('ck_lending_loans_status')),
    sa.CheckConstraint('principal_amount > 0', name=op.f('ck_lending_loans_principal_positive')),
    sa.CheckConstraint('origination_fee_amount >= 0 AND origination_fee_amount < principal_amount', name=op.f('ck_lending_loans_fee_below_principal')),
    sa.ForeignKeyConstraint(['offer_id'], ['lending_offers.id'], name=op.f('fk_lending_loans_offer_id_lending_offers')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_loans_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['funder_organisation_id'], ['organisations.id'], name=op.f('fk_lending_loans_funder_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['booked_by_user_id'], ['users.id'], name=op.f('fk_lending_loans_booked_by_user_id_users')),
    sa.ForeignKeyConstraint(['disbursed_by_user_id'], ['users.id'], name=op.f('fk_lending_loans_disbursed_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loans')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_lending_loans_offer_id'))
    )
    op.create_index('ix_lending_loans_seller_booked', 'lending_loans', ['seller_organisation_id', 'booked_at'], unique=False)
    op.create_index('ix_lending_loans_status', 'lending_loans', ['status'], unique=False)
    op.create_table('lending_loan_instalments',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('principal_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('interest_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('fees_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    _id(),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_loan_instalments_loan_id_lending_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_instalments')),
    sa.UniqueConstraint('loan_id', 'number', name=op.f('uq_lending_loan_instalments_loan_id_number'))
    )
    op.create_table('lending_payouts',
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('released_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint('amount > 0', name=op.f('ck_lending_payouts_amount_positive')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_payouts_seller_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_payouts')),
    sa.UniqueConstraint('seller_organisation_id', 'reference', name=op.f('uq_lending_payouts_seller_organisation_id_reference'))
    )
    op.create_table('lending_loan_repayments',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('payout_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('fees_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('interest_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('principal_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_loan_repayments_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['payout_id'], ['lending_payouts.id'], name=op.f('fk_lending_loan_repayments_payout_id_lending_payouts')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_loan_repayments_seller_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_repayments')),
    sa.UniqueConstraint('loan_id', 'payout_id', name=op.f('uq_lending_loan_repayments_loan_id_payout_id'))
    )
    op.create_index('ix_lending_loan_repayments_seller', 'lending_loan_repayments', ['seller_organisation_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lending_loan_repayments_seller', table_name='lending_loan_repayments')
    op.drop_table('lending_loan_repayments')
    op.drop_table('lending_payouts')
    op.drop_table('lending_loan_instalments')
    op.drop_index('ix_lending_loans_status', table_name='lending_loans')
    op.drop_index('ix_lending_loans_seller_booked', table_name='lending_loans')
    op.drop_table('lending_loans')
