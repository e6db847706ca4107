"""Risk: drift checks of the credit model (PSI of the score and of each characteristic against
the training population kept in the model card)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 15:28:37.986495
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('risk_model_drift_checks',
    sa.Column('model_id', sa.Uuid(), nullable=False),
    sa.Column('model_version', sa.String(length=32), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('score_psi', sa.Numeric(precision=12, scale=6), nullable=True),
    sa.Column('score', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('characteristics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['risk_models.id'], name=op.f('fk_risk_model_drift_checks_model_id_risk_models')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_model_drift_checks'))
    )
    op.create_index('ix_risk_model_drift_checks_version_checked', 'risk_model_drift_checks', ['model_version', 'checked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_risk_model_drift_checks_version_checked', table_name='risk_model_drift_checks')
    op.drop_table('risk_model_drift_checks')
