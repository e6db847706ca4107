"""Lending servicing: the funder's share of interest on loans, controls risk officers put on sellers,
and early recalls of loans (post-loan monitoring actions carried out)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False)


def upgrade() -> None:
    # Loans booked before the split credited all interest to the platform; from here on they follow
    # interest-split@v1 too (what they credited before stays where it is: the funder's share of it is 0).
    op.add_column('lending_loans', sa.Column('interest_split_version', sa.String(length=32),
                                             server_default='interest-split@v1', nullable=False))
    op.add_column('lending_loans', sa.Column('funder_interest_share', sa.Numeric(precision=10, scale=6),
                                             server_default='0.8', nullable=False))
    op.add_column('lending_loans', sa.Column('funder_interest_amount', sa.Numeric(precision=20, scale=4),
                                             server_default='0', nullable=False))
    op.create_table('risk_seller_controls',
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('control', sa.String(length=24), nullable=False),
    sa.Column('source_reference', sa.String(length=200), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('imposed_reason', sa.String(length=500), nullable=False),
    sa.Column('imposed_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('imposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('release_reason', sa.String(length=500), nullable=True),
    _id(),
    sa.CheckConstraint("control IN ('limit_freeze', 'drawdown_hold')", name=op.f('ck_risk_seller_controls_control')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_risk_seller_controls_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['imposed_by_user_id'], ['users.id'], name=op.f('fk_risk_seller_controls_imposed_by_user_id_users')),
    sa.ForeignKeyConstraint(['released_by_user_id'], ['users.id'], name=op.f('fk_risk_seller_controls_released_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_seller_controls')),
    sa.UniqueConstraint('source_reference', 'control', name=op.f('uq_risk_seller_controls_source_reference_control'))
    )
    op.create_index('ix_risk_seller_controls_standing', 'risk_seller_controls', ['seller_organisation_id'],
                    unique=False, postgresql_where=sa.text('released_at IS NULL'))
    op.create_table('lending_loan_recalls',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('recalled_on', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('principal_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('interest_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('fees_amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('previous_maturity_on', sa.Date(), nullable=False),
    sa.Column('previous_instalments', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('recalled_reason', sa.String(length=500), nullable=False),
    sa.Column('recalled_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lift_reason', sa.String(length=500), nullable=True),
    _id(),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loans.id'], name=op.f('fk_lending_loan_recalls_loan_id_lending_loans')),
    sa.ForeignKeyConstraint(['alert_id'], ['lending_monitoring_alerts.id'], name=op.f('fk_lending_loan_recalls_alert_id_lending_monitoring_alerts')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_loan_recalls_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['recalled_by_user_id'], ['users.id'], name=op.f('fk_lending_loan_recalls_recalled_by_user_id_users')),
    sa.ForeignKeyConstraint(['lifted_by_user_id'], ['users.id'], name=op.f('fk_lending_loan_recalls_lifted_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_loan_recalls')),
    sa.UniqueConstraint('alert_id', name=op.f('uq_lending_loan_recalls_alert_id'))
    )
    op.create_index('uq_lending_loan_recalls_standing', 'lending_loan_recalls', ['loan_id'], unique=True,
                    postgresql_where=sa.text('lifted_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_lending_loan_recalls_standing', table_name='lending_loan_recalls',
                  postgresql_where=sa.text('lifted_at IS NULL'))
    op.drop_table('lending_loan_recalls')
    op.drop_index('ix_risk_seller_controls_standing', table_name='risk_seller_controls',
                  postgresql_where=sa.text('released_at IS NULL'))
    op.drop_table('risk_seller_controls')
    op.drop_column('lending_loans', 'funder_interest_amount')
    op.drop_column('lending_loans', 'funder_interest_share')
    op.drop_column('lending_loans', 'interest_split_version')
