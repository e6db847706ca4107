"""Lending: collection actions, loan write-offs and recoveries; a loan may be written off

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False)


def upgrade() -> None:
    op.drop_constraint(op.f('ck_lending_loans_status'), 'lending_loans', type_='check')
    op.create_check_constraint(
        'status', 'lending_loans',
        "status IN ('awaiting_disbursement', 'active', 'closed', 'written_off')")
    op.create_table('lending_collection_actions',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('action_on', sa.Date(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('bucket', sa.String(length=8), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('overdue_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('willingness', sa.String(length=16), nullable=False),
    sa.Column('strategy_version', sa.String(length=32), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint("action IN ('reminder', 'call_task', 'formal_notice', 'stock_lock', 'legal', "
                       "'asset_disposal')", name=op.f('ck_lending_collection_actions_action')),
    sa.CheckConstraint('days_past_due > 0', name=op.f('ck_lending_collection_actions_days_past_due_positive')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_collection_actions_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_collection_actions_seller_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_collection_actions')),
    sa.UniqueConstraint('loan_id', 'action_on', 'action', name=op.f('uq_lending_collection_actions_loan_id_action_on_action'))
    )
    op.create_index('ix_lending_collection_actions_seller_on', 'lending_collection_actions',
                    ['seller_organisation_id', 'action_on'], unique=False)
    op.create_table('lending_loan_write_offs',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('written_off_on', sa.Date(), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('principal_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('interest_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('fees_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('funder_loss_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('written_off_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_loan_write_offs_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_loan_write_offs_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['written_off_by_user_id'], ['users.id'], name=op.f('fk_lending_loan_write_offs_written_off_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_write_offs')),
    sa.UniqueConstraint('loan_id', name=op.f('uq_lending_loan_write_offs_loan_id'))
    )
    op.create_table('lending_loan_recoveries',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint('amount > 0', name=op.f('ck_lending_loan_recoveries_amount_positive')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_loan_recoveries_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_loan_recoveries_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['users.id'], name=op.f('fk_lending_loan_recoveries_recorded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_recoveries')),
    sa.UniqueConstraint('loan_id', 'reference', name=op.f('uq_lending_loan_recoveries_loan_id_reference'))
    )
    op.create_table('lending_stock_lock_events',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('warehouse', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('requested_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint("kind IN ('lock', 'release')", name=op.f('ck_lending_stock_lock_events_kind')),
    sa.CheckConstraint('units > 0', name=op.f('ck_lending_stock_lock_events_units_positive')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_stock_lock_events_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_stock_lock_events_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['users.id'], name=op.f('fk_lending_stock_lock_events_requested_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_stock_lock_events')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_lending_stock_lock_events_idempotency_key'))
    )
    op.create_index('ix_lending_stock_lock_events_loan', 'lending_stock_lock_events', ['loan_id'], unique=False)
    op.create_table('lending_monitoring_alerts',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('monitoring_version', sa.String(length=32), nullable=False),
    sa.Column('findings', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('proposed_action', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name=op.f('ck_lending_monitoring_alerts_status')),
    sa.CheckConstraint("proposed_action IN ('limit_freeze', 'drawdown_hold', 'early_recall')", name=op.f('ck_lending_monitoring_alerts_proposed_action')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_monitoring_alerts_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_monitoring_alerts_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_lending_monitoring_alerts_decided_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_monitoring_alerts')),
    sa.UniqueConstraint('loan_id', 'raised_on', name=op.f('uq_lending_monitoring_alerts_loan_id_raised_on'))
    )
    op.create_index('ix_lending_monitoring_alerts_status', 'lending_monitoring_alerts', ['status', 'raised_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lending_monitoring_alerts_status', table_name='lending_monitoring_alerts')
    op.drop_table('lending_monitoring_alerts')
    op.drop_index('ix_lending_stock_lock_events_loan', table_name='lending_stock_lock_events')
    op.drop_table('lending_stock_lock_events')
    op.drop_table('lending_loan_recoveries')
    op.drop_table('lending_loan_write_offs')
    op.drop_index('ix_lending_collection_actions_seller_on', table_name='lending_collection_actions')
    op.drop_table('lending_collection_actions')
    op.drop_constraint(op.f('ck_lending_loans_status'), 'lending_loans', type_='check')
    op.create_check_constraint('status', 'lending_loans',
                               "status IN ('awaiting_disbursement', 'active', 'closed')")
