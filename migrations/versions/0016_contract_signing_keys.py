"""Contracts: the platform's signing keys (root CA, platform signing certificate, timestamping
authority), private keys sealed with AES-GCM

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lending_platform_keys',
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('serial_number', sa.String(length=40), nullable=False),
    sa.Column('key_algorithm', sa.String(length=16), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('sealed_private_key', sa.LargeBinary(), nullable=False),
    sa.Column('not_valid_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('not_valid_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("purpose IN ('root_ca', 'platform_signing', 'timestamping')", name=op.f('ck_lending_platform_keys_purpose')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_platform_keys')),
    sa.UniqueConstraint('purpose', name=op.f('uq_lending_platform_keys_purpose'))
    )


def downgrade() -> None:
    op.drop_table('lending_platform_keys')
