"""Lending: the daily advance of receivables financing (issue 7) — enrolments, advances, the orders
they were based on, the payouts that netted them; indexes to find an order's tracking events and
settlement lines

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(precision=20, scale=4), nullable=False)


def upgrade() -> None:
    table = 'lending_daily_advance_enrolments'
    op.create_table(table,
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('terms_version', sa.String(length=32), nullable=False),
    sa.Column('advance_share', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('fee_rate', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('netting_due_days', sa.Integer(), nullable=False),
    sa.Column('purchase_window_days', sa.Integer(), nullable=False),
    _money('cap_amount'),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('enrolled_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    _id(),
    sa.CheckConstraint("status IN ('enrolled', 'withdrawn')", name=op.f(f'ck_{table}_status')),
    sa.CheckConstraint('advance_share > 0 AND advance_share <= 1 AND fee_rate >= 0 AND fee_rate < 1 '
                       'AND cap_amount > 0', name=op.f(f'ck_{table}_terms')),
    sa.CheckConstraint("(status = 'withdrawn') = (withdrawn_at IS NOT NULL)",
                       name=op.f(f'ck_{table}_withdrawn_at_when_withdrawn')),
    _fk(table, 'seller_organisation_id', 'organisations'),
    _fk(table, 'loan_id', 'lending_loans'),
    _fk(table, 'enrolled_by_user_id', 'users'),
    _fk(table, 'withdrawn_by_user_id', 'users'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    )
    op.create_index('ix_lending_daily_advance_enrolments_one_enrolled', table, ['seller_organisation_id'],
                    unique=True, postgresql_where=sa.text("status = 'enrolled'"))

    table = 'lending_daily_advances'
    op.create_table(table,
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('funder_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('sales_on', sa.Date(), nullable=False),
    sa.Column('advanced_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('terms_version', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    _money('sales_amount'),
    _money('principal_amount'),
    _money('fee_amount'),
    _money('principal_repaid_amount'),
    _money('fee_repaid_amount'),
    sa.Column('orders_count', sa.Integer(), nullable=False),
    sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ledger_entry_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('netted_at', sa.DateTime(timezone=True), nullable=True),
    _id(),
    sa.CheckConstraint("status IN ('outstanding', 'partly_netted', 'netted')", name=op.f(f'ck_{table}_status')),
    sa.CheckConstraint('principal_amount > 0 AND fee_amount >= 0', name=op.f(f'ck_{table}_amounts')),
    sa.CheckConstraint('principal_repaid_amount >= 0 AND principal_repaid_amount <= principal_amount '
                       'AND fee_repaid_amount >= 0 AND fee_repaid_amount <= fee_amount',
                       name=op.f(f'ck_{table}_repaid_within')),
    _fk(table, 'enrolment_id', 'lending_daily_advance_enrolments'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    _fk(table, 'loan_id', 'lending_loans'),
    _fk(table, 'funder_organisation_id', 'organisations'),
    _fk(table, 'ledger_entry_id', 'ledger_entries'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('seller_organisation_id', 'sales_on', name=op.f(f'uq_{table}_seller_organisation_id_sales_on')),
    )
    op.create_index('ix_lending_daily_advances_seller_open', table,
                    ['seller_organisation_id', 'status', 'sales_on'], unique=False)

    table = 'lending_daily_advance_orders'
    op.create_table(table,
    sa.Column('advance_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('marketplace', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('trade_order_row_id', sa.Uuid(), nullable=False),
    _money('amount'),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    _fk(table, 'advance_id', 'lending_daily_advances'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('seller_organisation_id', 'marketplace', 'order_id',
                        name=op.f(f'uq_{table}_seller_organisation_id_marketplace_order_id')),
    )
    op.create_index('ix_lending_daily_advance_orders_advance', table, ['advance_id'], unique=False)

    table = 'lending_daily_advance_nettings'
    op.create_table(table,
    sa.Column('advance_id', sa.Uuid(), nullable=False),
    sa.Column('payout_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    _money('fee_amount'),
    _money('principal_amount'),
    sa.Column('netted_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    _fk(table, 'advance_id', 'lending_daily_advances'),
    _fk(table, 'payout_id', 'lending_payouts'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('advance_id', 'payout_id', name=op.f(f'uq_{table}_advance_id_payout_id')),
    )

    # An order's first carrier scan and its settlement lines, looked up by order each morning.
    op.create_index('ix_trade_tracking_events_seller_order', 'trade_tracking_events',
                    ['seller_organisation_id', 'order_id', 'event_at'], unique=False)
    op.create_index('ix_trade_settlement_lines_seller_order', 'trade_settlement_lines',
                    ['seller_organisation_id', 'order_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_trade_settlement_lines_seller_order', table_name='trade_settlement_lines')
    op.drop_index('ix_trade_tracking_events_seller_order', table_name='trade_tracking_events')
    op.drop_table('lending_daily_advance_nettings')
    op.drop_index('ix_lending_daily_advance_orders_advance', table_name='lending_daily_advance_orders')
    op.drop_table('lending_daily_advance_orders')
    op.drop_index('ix_lending_daily_advances_seller_open', table_name='lending_daily_advances')
    op.drop_table('lending_daily_advances')
    op.drop_index('ix_lending_daily_advance_enrolments_one_enrolled',
                  table_name='lending_daily_advance_enrolments')
    op.drop_table('lending_daily_advance_enrolments')
