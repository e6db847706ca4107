"""Lending: the contracts made from accepted offers (current PDF and the SHA-256 of each version,
signers and times), the one-time codes sellers sign them with, and the sequence that numbers them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Contract numbers FF-<year>-<six digits>: the digits from this sequence, never reused.
    op.execute("CREATE SEQUENCE lending_contract_numbers")
    op.create_table('lending_contracts',
    sa.Column('contract_number', sa.String(length=32), nullable=False),
    sa.Column('offer_id', sa.Uuid(), nullable=False),
    sa.Column('seller_organisation_id', sa.Uuid(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('unsigned_sha256', sa.String(length=64), nullable=False),
    sa.Column('seller_signed_sha256', sa.String(length=64), nullable=True),
    sa.Column('signed_sha256', sa.String(length=64), nullable=True),
    sa.Column('seller_signer_name', sa.String(length=200), nullable=True),
    sa.Column('seller_signer_user_id', sa.Uuid(), nullable=True),
    sa.Column('seller_certificate_serial', sa.String(length=40), nullable=True),
    sa.Column('seller_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('platform_signer_name', sa.String(length=200), nullable=True),
    sa.Column('platform_certificate_serial', sa.String(length=40), nullable=True),
    sa.Column('platform_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("language IN ('en', 'zh_Hans')", name=op.f('ck_lending_contracts_language')),
    sa.CheckConstraint("status IN ('awaiting_seller_signature', 'awaiting_platform_signature', 'signed')", name=op.f('ck_lending_contracts_status')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_lending_contracts_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['offer_id'], ['lending_offers.id'], name=op.f('fk_lending_contracts_offer_id_lending_offers')),
    sa.ForeignKeyConstraint(['seller_organisation_id'], ['organisations.id'], name=op.f('fk_lending_contracts_seller_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['seller_signer_user_id'], ['users.id'], name=op.f('fk_lending_contracts_seller_signer_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_contracts')),
    sa.UniqueConstraint('contract_number', name=op.f('uq_lending_contracts_contract_number')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_lending_contracts_offer_id'))
    )
    op.create_index('ix_lending_contracts_seller_created', 'lending_contracts', ['seller_organisation_id', 'created_at'], unique=False)
    op.create_table('lending_contract_signing_codes',
    sa.Column('contract_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['lending_contracts.id'], name=op.f('fk_lending_contract_signing_codes_contract_id_lending_contracts')),
    sa.ForeignKeyConstraint(['session_id'], ['user_sessions.id'], name=op.f('fk_lending_contract_signing_codes_session_id_user_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lending_contract_signing_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_contract_signing_codes'))
    )
    op.create_index('ix_lending_contract_signing_codes_contract', 'lending_contract_signing_codes', ['contract_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lending_contract_signing_codes_contract', table_name='lending_contract_signing_codes')
    op.drop_table('lending_contract_signing_codes')
    op.drop_index('ix_lending_contracts_seller_created', table_name='lending_contracts')
    op.drop_table('lending_contracts')
    op.execute("DROP SEQUENCE lending_contract_numbers")
