"""Lending: disbursement conditions (F21) and their evaluations; disbursements, to the wallet or to a
supplier through the payment router (a loan is ``disbursing`` while the router has it)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False)


def upgrade() -> None:
    op.drop_constraint(op.f('ck_lending_loans_status'), 'lending_loans', type_='check')
    op.create_check_constraint(
        'status', 'lending_loans',
        "status IN ('awaiting_disbursement', 'disbursing', 'active', 'closed', 'written_off')")
    op.add_column('lending_loans', sa.Column('disbursement_method', sa.String(length=16),
                                             server_default='wallet', nullable=False))
    op.add_column('lending_loans', sa.Column('supplier_name', sa.String(length=200), nullable=True))
    op.add_column('lending_loans', sa.Column('supplier_account', sa.String(length=64), nullable=True))
    op.add_column('lending_loans', sa.Column('supplier_country', sa.String(length=2), nullable=True))
    op.create_check_constraint('disbursement_method', 'lending_loans',
                               "disbursement_method IN ('wallet', 'supplier')")
    op.create_check_constraint(
        'supplier_named', 'lending_loans',
        "disbursement_method = 'wallet' OR (supplier_name IS NOT NULL AND "
        "supplier_account IS NOT NULL AND supplier_country IS NOT NULL)")
    op.create_table('lending_loan_conditions',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rules_version', sa.String(length=40), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_evaluated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _id(),
    sa.CheckConstraint("status IN ('unmet', 'met')", name=op.f('ck_lending_loan_conditions_status')),
    sa.CheckConstraint("(status = 'met') = (met_at IS NOT NULL)",
                       name=op.f('ck_lending_loan_conditions_met_at_when_met')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'],
                            name=op.f('fk_lending_loan_conditions_loan_id_lending_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_conditions')),
    sa.UniqueConstraint('loan_id', 'kind', name=op.f('uq_lending_loan_conditions_loan_id_kind'))
    )
    op.create_table('lending_loan_condition_evaluations',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('rules_version', sa.String(length=40), nullable=False),
    sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'),
              nullable=False),
    _id(),
    sa.CheckConstraint("result IN ('unmet', 'met')",
                       name=op.f('ck_lending_loan_condition_evaluations_result')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'],
                            name=op.f('fk_lending_loan_condition_evaluations_loan_id_lending_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_condition_evaluations'))
    )
    op.create_index('ix_lending_loan_condition_evaluations_loan', 'lending_loan_condition_evaluations',
                    ['loan_id', 'evaluated_at', 'recorded_at'], unique=False)
    op.create_table('lending_loan_disbursements',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('payment_id', sa.Uuid(), nullable=True),
    sa.Column('fee_hold_entry_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('triggered_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    _id(),
    sa.CheckConstraint("method IN ('wallet', 'supplier')", name=op.f('ck_lending_loan_disbursements_method')),
    sa.CheckConstraint("status IN ('pending', 'completed', 'failed')",
                       name=op.f('ck_lending_loan_disbursements_status')),
    sa.ForeignKeyConstraint(['fee_hold_entry_id'], ['ledger_entries.id'],
                            name=op.f('fk_lending_loan_disbursements_fee_hold_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'],
                            name=op.f('fk_lending_loan_disbursements_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'],
                            name=op.f('fk_lending_loan_disbursements_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_disbursements')),
    sa.UniqueConstraint('loan_id', 'attempt', name=op.f('uq_lending_loan_disbursements_loan_id_attempt'))
    )
    op.create_index('ix_lending_loan_disbursements_one_open', 'lending_loan_disbursements', ['loan_id'],
                    unique=True, postgresql_where="status IN ('pending', 'completed')")


def downgrade() -> None:
    op.drop_index('ix_lending_loan_disbursements_one_open', table_name='lending_loan_disbursements',
                  postgresql_where="status IN ('pending', 'completed')")
    op.drop_table('lending_loan_disbursements')
    op.drop_index('ix_lending_loan_condition_evaluations_loan',
                  table_name='lending_loan_condition_evaluations')
    op.drop_table('lending_loan_condition_evaluations')
    op.drop_table('lending_loan_conditions')
    op.drop_constraint(op.f('ck_lending_loans_supplier_named'), 'lending_loans', type_='check')
    op.drop_constraint(op.f('ck_lending_loans_disbursement_method'), 'lending_loans', type_='check')
    op.drop_column('lending_loans', 'supplier_country')
    op.drop_column('lending_loans', 'supplier_account')
    op.drop_column('lending_loans', 'supplier_name')
    op.drop_column('lending_loans', 'disbursement_method')
    op.drop_constraint(op.f('ck_lending_loans_status'), 'lending_loans', type_='check')
    op.create_check_constraint('status', 'lending_loans',
                               "status IN ('awaiting_disbursement', 'active', 'closed', 'written_off')")
