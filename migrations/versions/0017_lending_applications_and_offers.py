"""Lending: financing applications (drafts, submissions with their credit decision, the manual
review) and the offers made on them

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lending_applications',
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('products_version', sa.String(length=32), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('tenor_days', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('payee', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submission_key', sa.String(length=100), nullable=True),
    sa.Column('decision_id', sa.Uuid(), nullable=True),
    sa.Column('decline_reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.Column('reviewed_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'in_review', 'offered', 'declined')", name=op.f('ck_lending_applications_status')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_lending_applications_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_lending_applications_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['risk_decisions.id'], name=op.f('fk_lending_applications_decision_id_risk_decisions')),
    sa.ForeignKeyConstraint(['reviewed_by_user_id'], ['users.id'], name=op.f('fk_lending_applications_reviewed_by_user_id_users')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_applications_seller_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_applications'))
    )
    op.create_index('ix_lending_applications_seller_created', 'lending_applications', ['seller_organisation_id', 'created_at'], unique=False)
    op.create_index('ix_lending_applications_status', 'lending_applications', ['status'], unique=False)
    op.create_table('lending_offers',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=False),
    sa.Column('products_version', sa.String(length=32), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tenor_days', sa.Integer(), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('annual_percentage_rate', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('origination_fee', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('repayment_method', sa.String(length=24), nullable=False),
    sa.Column('schedule', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'accepted', 'declined')", name=op.f('ck_lending_offers_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_lending_offers_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['lending_applications.id'], name=op.f('fk_lending_offers_application_id_lending_applications')),
    sa.ForeignKeyConstraint(['decision_id'], ['risk_decisions.id'], name=op.f('fk_lending_offers_decision_id_risk_decisions')),
    sa.ForeignKeyConstraint(['responded_by_user_id'], ['users.id'], name=op.f('fk_lending_offers_responded_by_user_id_users')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_offers_seller_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_offers')),
    sa.UniqueConstraint('application_id', name=op.f('uq_lending_offers_application_id'))
    )
    op.create_index('ix_lending_offers_seller_created', 'lending_offers', ['seller_organisation_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lending_offers_seller_created', table_name='lending_offers')
    op.drop_table('lending_offers')
    op.drop_index('ix_lending_applications_status', table_name='lending_applications')
    op.drop_index('ix_lending_applications_seller_created', table_name='lending_applications')
    op.drop_table('lending_applications')
