"""Ledger: accounts, journal entries, postings and holds, with the invariants in the database

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEDGER_INVARIANTS = """
-- A posting moves its account's running totals, under the account's row lock, and may not
-- take the available balance below the account's floor. Holds (pending postings) count
-- against the available balance, so concurrent holds can never overspend.
CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account ledger_accounts%ROWTYPE;
    available numeric;
BEGIN
    UPDATE ledger_accounts SET
        posted_debits = posted_debits
            + CASE WHEN NEW.phase = 'posted' AND NEW.amount > 0 THEN NEW.amount ELSE 0 END,
        posted_credits = posted_credits
            + CASE WHEN NEW.phase = 'posted' AND NEW.amount < 0 THEN -NEW.amount ELSE 0 END,
        pending_debits = pending_debits
            + CASE WHEN NEW.phase = 'pending' AND NEW.amount > 0 THEN NEW.amount
                   WHEN NEW.phase = 'release' AND NEW.amount > 0 THEN -NEW.amount ELSE 0 END,
        pending_credits = pending_credits
            + CASE WHEN NEW.phase = 'pending' AND NEW.amount < 0 THEN -NEW.amount
                   WHEN NEW.phase = 'release' AND NEW.amount < 0 THEN NEW.amount ELSE 0 END,
        posting_count = posting_count + 1
    WHERE id = NEW.account_id
    RETURNING * INTO account;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ledger account % does not exist', NEW.account_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF account.currency <> NEW.currency THEN
        RAISE EXCEPTION 'posting in % to account % kept in %', NEW.currency, account.id,
            account.currency USING ERRCODE = 'check_violation';
    END IF;
    IF account.pending_debits < 0 OR account.pending_credits < 0 THEN
        RAISE EXCEPTION 'release of more than is held on account %', account.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF account.normal_side = 'debit' THEN
        NEW.posted_balance_after := account.posted_debits - account.posted_credits;
        available := NEW.posted_balance_after - account.pending_credits;
    ELSE
        NEW.posted_balance_after := account.posted_credits - account.posted_debits;
        available := NEW.posted_balance_after - account.pending_debits;
    END IF;
    IF account.floor IS NOT NULL AND available < account.floor THEN
        RAISE EXCEPTION 'ledger floor: account % would have % available, below its floor %',
            account.id, available, account.floor
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_floor';
    END IF;
    NEW.account_sequence := account.posting_count;
    NEW.created_at := clock_timestamp();
    RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting();

-- Every entry has two or more postings and sums to zero per currency and phase, checked
-- at commit so the postings of one entry can be inserted one by one.
CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_postings bigint;
    v_unbalanced boolean;
BEGIN
    SELECT coalesce(sum(g.postings), 0), coalesce(bool_or(g.total <> 0), false)
    INTO v_postings, v_unbalanced
    FROM (SELECT count(*) AS postings, sum(amount) AS total FROM ledger_postings
          WHERE entry_id = NEW.entry_id GROUP BY currency, phase) AS g;
    IF v_postings < 2 THEN
        RAISE EXCEPTION 'ledger entry % has fewer than two postings', NEW.entry_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_balanced';
    END IF;
    IF v_unbalanced THEN
        RAISE EXCEPTION 'ledger entry % does not balance', NEW.entry_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_balanced';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

-- Entries and postings are append-only: corrections are reversing entries.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- A hold is resolved once: pending -> posted or voided, never back, never deleted.
CREATE FUNCTION ledger_hold_resolves_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.state <> 'pending' OR NEW.state = 'pending'
       OR NEW.entry_id <> OLD.entry_id THEN
        RAISE EXCEPTION 'hold % is already %', OLD.entry_id, OLD.state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_hold_resolves_once';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE OR DELETE ON ledger_holds
    FOR EACH ROW EXECUTE FUNCTION ledger_hold_resolves_once();

-- Account totals change only through postings (the trigger above), never by hand.
CREATE FUNCTION ledger_guard_account_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 AND (
        NEW.posted_debits IS DISTINCT FROM OLD.posted_debits
        OR NEW.posted_credits IS DISTINCT FROM OLD.posted_credits
        OR NEW.pending_debits IS DISTINCT FROM OLD.pending_debits
        OR NEW.pending_credits IS DISTINCT FROM OLD.pending_credits
        OR NEW.posting_count IS DISTINCT FROM OLD.posting_count
        OR NEW.currency IS DISTINCT FROM OLD.currency
        OR NEW.normal_side IS DISTINCT FROM OLD.normal_side) THEN
        RAISE EXCEPTION 'ledger account totals change only through postings'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_accounts_guard_totals BEFORE UPDATE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_guard_account_totals();

-- Record a journal entry in one round trip: the entry under its idempotency key (a repeat
-- returns the first entry, a different body under the same key is refused), its audit event,
-- its postings in one global lock order (by account, releases first), and the hold state.
-- Lock order everywhere: audit chain first, then account rows.
CREATE FUNCTION ledger_record_entry(
    p_entry_id uuid, p_idempotency_key text, p_request_digest text, p_kind text,
    p_description text, p_pending_entry_id uuid, p_reverses_entry_id uuid,
    p_effective_at timestamptz, p_actor_type text, p_actor_id uuid, p_details jsonb,
    p_accounts uuid[], p_phases text[], p_amounts numeric[], p_currencies text[],
    p_audit_chains smallint[], p_audit_event_id uuid, p_audit_organisation_id uuid,
    p_audit_action text, p_audit_after jsonb, p_audit_request_id text, p_audit_ip_address text,
    p_audit_content_digest text
) RETURNS TABLE (entry_id uuid, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_inserted uuid;
    v_existing_id uuid;
    v_existing_digest text;
BEGIN
    INSERT INTO ledger_entries (id, idempotency_key, request_digest, kind, description,
        pending_entry_id, reverses_entry_id, effective_at, actor_type, actor_id, details)
    VALUES (p_entry_id, p_idempotency_key, p_request_digest, p_kind, p_description,
        p_pending_entry_id, p_reverses_entry_id, p_effective_at, p_actor_type, p_actor_id,
        p_details)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_inserted;
    IF v_inserted IS NULL THEN
        SELECT e.id, e.request_digest INTO v_existing_id, v_existing_digest
        FROM ledger_entries e WHERE e.idempotency_key = p_idempotency_key;
        IF v_existing_digest <> p_request_digest THEN
            RAISE EXCEPTION 'ledger idempotency key % reused for a different request',
                p_idempotency_key
                USING ERRCODE = 'unique_violation', CONSTRAINT = 'ledger_idempotency_key_reused';
        END IF;
        RETURN QUERY SELECT v_existing_id, false;
        RETURN;
    END IF;
    PERFORM audit_append(p_audit_chains, p_audit_event_id, p_effective_at, p_actor_type,
        p_actor_id, p_audit_organisation_id, p_audit_action, 'ledger_entry', p_entry_id::text,
        NULL, p_audit_after, p_audit_request_id, p_audit_ip_address, p_audit_content_digest);
    INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase,
        account_sequence, posted_balance_after)
    SELECT p_entry_id, t.account, t.currency, t.amount, t.phase, 0, 0
    FROM unnest(p_accounts, p_phases, p_amounts, p_currencies) AS t(account, phase, amount, currency)
    ORDER BY t.account, CASE t.phase WHEN 'release' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END;
    IF p_kind = 'pending' THEN
        INSERT INTO ledger_holds (entry_id, state) VALUES (p_entry_id, 'pending');
    ELSIF p_pending_entry_id IS NOT NULL THEN
        UPDATE ledger_holds
        SET state = CASE p_kind WHEN 'post_pending' THEN 'posted' ELSE 'voided' END,
            resolved_by_entry_id = p_entry_id, resolved_at = p_effective_at
        WHERE ledger_holds.entry_id = p_pending_entry_id AND state = 'pending';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'hold % is not pending', p_pending_entry_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_hold_resolves_once';
        END IF;
    END IF;
    RETURN QUERY SELECT p_entry_id, true;
END;
$$;

-- Many entries in one call: each element of the JSON array carries the arguments of
-- ledger_record_entry by name. Saves a round trip and a statement per entry in batches.
CREATE FUNCTION ledger_record_entries(p_entries jsonb)
RETURNS TABLE (entry_id uuid, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
BEGIN
    FOR e IN SELECT value FROM jsonb_array_elements(p_entries) LOOP
        RETURN QUERY SELECT * FROM ledger_record_entry(
            (e->>'entry_id')::uuid, e->>'idempotency_key', e->>'request_digest', e->>'kind',
            e->>'description', (e->>'pending_entry_id')::uuid, (e->>'reverses_entry_id')::uuid,
            (e->>'effective_at')::timestamptz, e->>'actor_type', (e->>'actor_id')::uuid,
            CASE WHEN e->>'details' IS NULL THEN NULL ELSE (e->>'details')::jsonb END,
            ARRAY(SELECT jsonb_array_elements_text(e->'accounts'))::uuid[],
            ARRAY(SELECT jsonb_array_elements_text(e->'phases')),
            ARRAY(SELECT jsonb_array_elements_text(e->'amounts'))::numeric[],
            ARRAY(SELECT jsonb_array_elements_text(e->'currencies')),
            ARRAY(SELECT jsonb_array_elements_text(e->'audit_chains'))::smallint[],
            (e->>'audit_event_id')::uuid, (e->>'audit_organisation_id')::uuid,
            e->>'audit_action', (e->>'audit_after')::jsonb, e->>'audit_request_id',
            e->>'audit_ip_address', e->>'audit_content_digest');
    END LOOP;
END;
$$;
"""

DROP_LEDGER_INVARIANTS = """
DROP TRIGGER IF EXISTS ledger_accounts_guard_totals ON ledger_accounts;
DROP TRIGGER IF EXISTS ledger_holds_resolve_once ON ledger_holds;
DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON ledger_entries;
DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries;
DROP TRIGGER IF EXISTS ledger_postings_no_truncate ON ledger_postings;
DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings;
DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings;
DROP TRIGGER IF EXISTS ledger_postings_apply ON ledger_postings;
DROP FUNCTION IF EXISTS ledger_record_entries(jsonb);
DROP FUNCTION IF EXISTS ledger_record_entry(uuid, text, text, text, text, uuid, uuid, timestamptz,
    text, uuid, jsonb, uuid[], text[], numeric[], text[], smallint[], uuid, uuid, text, jsonb, text,
    text, text);
DROP FUNCTION IF EXISTS ledger_guard_account_totals(), ledger_hold_resolves_once(),
    ledger_refuse_change(), ledger_check_entry_balanced(), ledger_apply_posting();
"""


def upgrade() -> None:
    op.create_table('ledger_entries',
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('pending_entry_id', sa.Uuid(), nullable=True),
    sa.Column('reverses_entry_id', sa.Uuid(), nullable=True),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('actor_type', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("kind IN ('posted', 'pending', 'post_pending', 'void_pending', 'reversal')", name=op.f('ck_ledger_entries_kind')),
    sa.ForeignKeyConstraint(['pending_entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_pending_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_ledger_entries_idempotency_key'))
    )
    op.create_index('uq_ledger_entries_reverses_entry_id', 'ledger_entries', ['reverses_entry_id'],
                    unique=True, postgresql_where=sa.text('reverses_entry_id IS NOT NULL'))
    op.create_index('uq_ledger_entries_pending_entry_id', 'ledger_entries', ['pending_entry_id'],
                    unique=True, postgresql_where=sa.text('pending_entry_id IS NOT NULL'))
    op.create_table('ledger_accounts',
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('normal_side', sa.String(length=6), nullable=False),
    sa.Column('floor', sa.Numeric(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('posted_debits', sa.Numeric(), server_default='0', nullable=False),
    sa.Column('posted_credits', sa.Numeric(), server_default='0', nullable=False),
    sa.Column('pending_debits', sa.Numeric(), server_default='0', nullable=False),
    sa.Column('pending_credits', sa.Numeric(), server_default='0', nullable=False),
    sa.Column('posting_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("normal_side IN ('debit', 'credit')", name=op.f('ck_ledger_accounts_normal_side')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_ledger_accounts_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_accounts')),
    sa.UniqueConstraint('organisation_id', 'code', 'subject', 'currency', name=op.f('uq_ledger_accounts_organisation_id_code_subject_currency'))
    )
    op.create_index(op.f('ix_ledger_accounts_organisation_id'), 'ledger_accounts', ['organisation_id'], unique=False)
    op.create_table('ledger_holds',
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('resolved_by_entry_id', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'posted', 'voided')", name=op.f('ck_ledger_holds_state')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_holds_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['resolved_by_entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_holds_resolved_by_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_ledger_holds'))
    )
    op.create_table('ledger_postings',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.Numeric(), nullable=False),
    sa.Column('phase', sa.String(length=8), nullable=False),
    sa.Column('account_sequence', sa.BigInteger(), nullable=False),
    sa.Column('posted_balance_after', sa.Numeric(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.CheckConstraint("phase IN ('posted', 'pending', 'release')", name=op.f('ck_ledger_postings_phase')),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_ledger_postings_amount_not_zero')),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_postings_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_postings_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_postings')),
    sa.UniqueConstraint('account_id', 'account_sequence', name=op.f('uq_ledger_postings_account_id_account_sequence'))
    )
    op.create_index(op.f('ix_ledger_postings_entry_id'), 'ledger_postings', ['entry_id'], unique=False)
    op.execute(LEDGER_INVARIANTS)


def downgrade() -> None:
    op.execute(DROP_LEDGER_INVARIANTS)
    op.drop_index(op.f('ix_ledger_postings_entry_id'), table_name='ledger_postings')
    op.drop_table('ledger_postings')
    op.drop_table('ledger_holds')
    op.drop_index(op.f('ix_ledger_accounts_organisation_id'), table_name='ledger_accounts')
    op.drop_table('ledger_accounts')
    op.drop_table('ledger_entries')
