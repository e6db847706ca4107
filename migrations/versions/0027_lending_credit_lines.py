"""Lending: revolving credit lines and their draws; a line's draws are many loans on one offer

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVOLVING = "product <> 'revolving_credit_line'"


def _id() -> sa.Column[object]:
    return sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    table = 'lending_credit_lines'
    op.create_table(table,
    sa.Column('offer_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('products_version', sa.String(length=32), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('limit_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('origination_fee_rate', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('draw_tenor_days', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('term_end_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    _id(),
    sa.CheckConstraint("status IN ('open', 'frozen', 'closed')", name=op.f(f'ck_{table}_status')),
    sa.CheckConstraint('limit_amount > 0', name=op.f(f'ck_{table}_limit_positive')),
    sa.CheckConstraint('annual_rate >= 0', name=op.f(f'ck_{table}_rate_not_negative')),
    sa.CheckConstraint('origination_fee_rate >= 0 AND origination_fee_rate < 1',
                       name=op.f(f'ck_{table}_fee_rate_range')),
    sa.CheckConstraint('draw_tenor_days > 0', name=op.f(f'ck_{table}_draw_tenor_positive')),
    sa.CheckConstraint('term_end_on > opened_on', name=op.f(f'ck_{table}_term_after_opening')),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)",
                       name=op.f(f'ck_{table}_closed_at_when_closed')),
    _fk(table, 'offer_id', 'lending_offers'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('offer_id', name=op.f(f'uq_{table}_offer_id'))
    )
    op.create_index('ix_lending_credit_lines_seller', table, ['seller_organisation_id', 'opened_at'],
                    unique=False)

    table = 'lending_credit_line_draws'
    op.create_table(table,
    sa.Column('line_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('origination_fee_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('requested_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'),
              nullable=False),
    _id(),
    sa.CheckConstraint('amount > 0', name=op.f(f'ck_{table}_amount_positive')),
    sa.CheckConstraint('origination_fee_amount >= 0 AND origination_fee_amount < amount',
                       name=op.f(f'ck_{table}_fee_below_amount')),
    _fk(table, 'line_id', 'lending_credit_lines'),
    _fk(table, 'seller_organisation_id', 'organisations'),
    _fk(table, 'loan_id', 'lending_loans'),
    _fk(table, 'requested_by_user_id', 'users'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('line_id', 'idempotency_key', name=op.f(f'uq_{table}_line_id_idempotency_key')),
    sa.UniqueConstraint('loan_id', name=op.f(f'uq_{table}_loan_id'))
    )
    op.create_index('ix_lending_credit_line_draws_line', table, ['line_id', 'created_at', 'recorded_at'],
                    unique=False)
    op.create_index('ix_lending_credit_line_draws_seller', table, ['seller_organisation_id'], unique=False)

    # A credit line's draws are loans on the line's offer: one loan per offer for every other product.
    op.drop_constraint('uq_lending_loans_offer_id', 'lending_loans', type_='unique')
    op.create_index('uq_lending_loans_offer_id', 'lending_loans', ['offer_id'], unique=True,
                    postgresql_where=sa.text(REVOLVING))
    op.create_index('ix_lending_loans_offer', 'lending_loans', ['offer_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lending_loans_offer', table_name='lending_loans')
    op.drop_index('uq_lending_loans_offer_id', table_name='lending_loans')
    op.create_unique_constraint('uq_lending_loans_offer_id', 'lending_loans', ['offer_id'])
    op.drop_index('ix_lending_credit_line_draws_seller', table_name='lending_credit_line_draws')
    op.drop_index('ix_lending_credit_line_draws_line', table_name='lending_credit_line_draws')
    op.drop_table('lending_credit_line_draws')
    op.drop_index('ix_lending_credit_lines_seller', table_name='lending_credit_lines')
    op.drop_table('lending_credit_lines')
