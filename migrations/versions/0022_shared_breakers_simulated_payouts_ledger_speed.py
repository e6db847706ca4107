"""Circuit breaker state shared by all processes; the payment simulators' memory of payouts;
ledger throughput: batches recorded set-wise, the account guard decided without a function call

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LEDGER_SPEED = """
-- The guard on account totals (migration 0003) called a PL/pgSQL function on every account
-- update, i.e. on every posting. The same rule as a WHEN condition is evaluated inline, and
-- the function runs only to refuse. pg_trigger_depth() is 1 inside ledger_apply_posting (the
-- only legitimate writer of totals) and 0 for a hand-written UPDATE.
DROP TRIGGER ledger_accounts_guard_totals ON ledger_accounts;
CREATE TRIGGER ledger_accounts_guard_totals BEFORE UPDATE ON ledger_accounts
    FOR EACH ROW WHEN (pg_trigger_depth() < 1 AND (
        NEW.posted_debits IS DISTINCT FROM OLD.posted_debits
        OR NEW.posted_credits IS DISTINCT FROM OLD.posted_credits
        OR NEW.pending_debits IS DISTINCT FROM OLD.pending_debits
        OR NEW.pending_credits IS DISTINCT FROM OLD.pending_credits
        OR NEW.posting_count IS DISTINCT FROM OLD.posting_count
        OR NEW.currency IS DISTINCT FROM OLD.currency
        OR NEW.normal_side IS DISTINCT FROM OLD.normal_side))
    EXECUTE FUNCTION ledger_guard_account_totals();

-- Many audit events on the transaction's chain in one statement: the chain is taken as
-- audit_append takes it (one per transaction, the first free one in the caller's random
-- order), its head read once, and the events linked in order.
CREATE FUNCTION audit_append_many(
    p_chains smallint[], p_event_ids uuid[], p_occurred_at timestamptz[], p_actor_type text,
    p_actor_id uuid, p_organisation_id uuid, p_actions text[], p_subject_type text,
    p_subject_ids text[], p_afters jsonb[], p_request_id text, p_ip_address text,
    p_content_digests text[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_chain smallint := nullif(current_setting('fourflow.audit_chain', true), '')::smallint;
    v_position bigint;
    v_previous text;
    v_positions bigint[] := '{}';
    v_previous_hashes text[] := '{}';
    v_hashes text[] := '{}';
BEGIN
    IF coalesce(cardinality(p_event_ids), 0) = 0 THEN
        RETURN;
    END IF;
    IF v_chain IS NULL THEN
        SELECT t.candidate INTO v_chain
        FROM unnest(p_chains) WITH ORDINALITY AS t(candidate, preference)
        WHERE pg_try_advisory_xact_lock(1178682692, t.candidate)
        ORDER BY t.preference LIMIT 1;
        IF v_chain IS NULL THEN
            v_chain := p_chains[1];
            PERFORM pg_advisory_xact_lock(1178682692, v_chain);
        END IF;
        PERFORM set_config('fourflow.audit_chain', v_chain::text, true);
    END IF;
    SELECT e.chain_position, e.event_hash INTO v_position, v_previous
    FROM audit_events e WHERE e.chain = v_chain ORDER BY e.chain_position DESC LIMIT 1;
    v_position := coalesce(v_position, 0);
    v_previous := coalesce(v_previous, repeat('0', 64));
    FOR i IN 1 .. cardinality(p_event_ids) LOOP
        v_position := v_position + 1;
        v_positions := v_positions || v_position;
        v_previous_hashes := v_previous_hashes || v_previous;
        v_previous := encode(sha256(convert_to(
            v_chain::text || '|' || v_position::text || '|' || v_previous || '|'
            || p_content_digests[i], 'UTF8')), 'hex');
        v_hashes := v_hashes || v_previous;
    END LOOP;
    INSERT INTO audit_events (chain, chain_position, event_id, occurred_at, actor_type, actor_id,
        organisation_id, action, subject_type, subject_id, before, after, request_id,
        ip_address, previous_hash, event_hash)
    SELECT v_chain, t.chain_position, t.event_id, t.occurred_at, p_actor_type, p_actor_id,
        p_organisation_id, t.action, p_subject_type, t.subject_id, NULL, t.after, p_request_id,
        p_ip_address, t.previous_hash, t.event_hash
    FROM unnest(v_positions, p_event_ids, p_occurred_at, p_actions, p_subject_ids, p_afters,
                v_previous_hashes, v_hashes)
        AS t(chain_position, event_id, occurred_at, action, subject_id, after, previous_hash,
             event_hash)
    ORDER BY t.chain_position;
END;
$$;

-- A batch of transfers (posted or pending) in a handful of statements instead of one
-- function call per entry: entries under their idempotency keys (a repeat returns the first
-- entry, a different body under a used key is refused), one audit event per new entry, and
-- the postings in entry order, each entry's by account as ledger_record_entry orders them.
-- Every posting still goes through ledger_apply_posting (running totals, floors) and the
-- deferred balance check, exactly as when entries are recorded one by one.
-- p_posting_entries gives, for each posting, the (1-based) position of its entry.
CREATE FUNCTION ledger_record_transfers(
    p_entry_ids uuid[], p_keys text[], p_digests text[], p_kinds text[], p_descriptions text[],
    p_effective_at timestamptz[], p_actor_type text, p_actor_id uuid,
    p_posting_entries integer[], p_accounts uuid[], p_phases text[], p_amounts numeric[],
    p_currencies text[],
    p_audit_chains smallint[], p_audit_event_ids uuid[], p_audit_organisation_id uuid,
    p_audit_actions text[], p_audit_afters jsonb[], p_audit_request_id text,
    p_audit_ip_address text, p_audit_content_digests text[]
) RETURNS TABLE (entry_id uuid, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_created uuid[];
    v_reused text;
BEGIN
    WITH inserted AS (
        INSERT INTO ledger_entries (id, idempotency_key, request_digest, kind, description,
            effective_at, actor_type, actor_id)
        SELECT t.id, t.key, t.digest, t.kind, t.description, t.effective_at, p_actor_type,
            p_actor_id
        FROM unnest(p_entry_ids, p_keys, p_digests, p_kinds, p_descriptions, p_effective_at)
            WITH ORDINALITY AS t(id, key, digest, kind, description, effective_at, position)
        ORDER BY t.position
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING ledger_entries.id)
    SELECT coalesce(array_agg(inserted.id), '{}') INTO v_created FROM inserted;
    IF cardinality(v_created) < cardinality(p_entry_ids) THEN
        SELECT t.key INTO v_reused
        FROM unnest(p_entry_ids, p_keys, p_digests) AS t(id, key, digest)
        JOIN ledger_entries e ON e.idempotency_key = t.key
        WHERE t.id <> ALL (v_created) AND e.request_digest <> t.digest
        LIMIT 1;
        IF v_reused IS NOT NULL THEN
            RAISE EXCEPTION 'ledger idempotency key % reused for a different request', v_reused
                USING ERRCODE = 'unique_violation', CONSTRAINT = 'ledger_idempotency_key_reused';
        END IF;
    END IF;
    IF cardinality(v_created) = cardinality(p_entry_ids) THEN
        -- The usual case, every entry new: the arrays go as they are.
        PERFORM audit_append_many(p_audit_chains, p_audit_event_ids, p_effective_at,
            p_actor_type, p_actor_id, p_audit_organisation_id, p_audit_actions, 'ledger_entry',
            p_entry_ids::text[], p_audit_afters, p_audit_request_id, p_audit_ip_address,
            p_audit_content_digests);
    ELSE
        PERFORM audit_append_many(p_audit_chains,
            ARRAY(SELECT t.event_id FROM unnest(p_entry_ids, p_audit_event_ids) WITH ORDINALITY
                  AS t(id, event_id, position) WHERE t.id = ANY (v_created) ORDER BY t.position),
            ARRAY(SELECT t.at FROM unnest(p_entry_ids, p_effective_at) WITH ORDINALITY
                  AS t(id, at, position) WHERE t.id = ANY (v_created) ORDER BY t.position),
            p_actor_type, p_actor_id, p_audit_organisation_id,
            ARRAY(SELECT t.action FROM unnest(p_entry_ids, p_audit_actions) WITH ORDINALITY
                  AS t(id, action, position) WHERE t.id = ANY (v_created) ORDER BY t.position),
            'ledger_entry',
            ARRAY(SELECT t.id::text FROM unnest(p_entry_ids) WITH ORDINALITY
                  AS t(id, position) WHERE t.id = ANY (v_created) ORDER BY t.position),
            ARRAY(SELECT t.after FROM unnest(p_entry_ids, p_audit_afters) WITH ORDINALITY
                  AS t(id, after, position) WHERE t.id = ANY (v_created) ORDER BY t.position),
            p_audit_request_id, p_audit_ip_address,
            ARRAY(SELECT t.digest FROM unnest(p_entry_ids, p_audit_content_digests)
                  WITH ORDINALITY AS t(id, digest, position)
                  WHERE t.id = ANY (v_created) ORDER BY t.position));
    END IF;
    INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase,
        account_sequence, posted_balance_after)
    SELECT p_entry_ids[t.entry], t.account, t.currency, t.amount, t.phase, 0, 0
    FROM unnest(p_posting_entries, p_accounts, p_phases, p_amounts, p_currencies)
        AS t(entry, account, phase, amount, currency)
    WHERE p_entry_ids[t.entry] = ANY (v_created)
    ORDER BY t.entry, t.account,
        CASE t.phase WHEN 'release' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END;
    INSERT INTO ledger_holds (entry_id, state)
    SELECT t.id, 'pending' FROM unnest(p_entry_ids, p_kinds) AS t(id, kind)
    WHERE t.kind = 'pending' AND t.id = ANY (v_created);
    RETURN QUERY
    SELECT CASE WHEN t.id = ANY (v_created) THEN t.id
                ELSE (SELECT e.id FROM ledger_entries e WHERE e.idempotency_key = t.key) END,
           t.id = ANY (v_created)
    FROM unnest(p_entry_ids, p_keys) WITH ORDINALITY AS t(id, key, position)
    ORDER BY t.position;
END;
$$;

-- The same, with the batch as two JSON documents: a client encodes one JSON text far faster
-- than many typed arrays, and the server unpacks each document in a single pass.
--   p_entries:  [{"id", "key", "digest", "kind", "description", "effective_at", "event_id",
--                 "action", "after" (JSON text), "content_digest"}, ...] in batch order
--   p_postings: [[entry position (1-based), account, phase, signed amount, currency], ...]
CREATE FUNCTION ledger_record_transfers_json(
    p_entries jsonb, p_postings jsonb, p_actor_type text, p_actor_id uuid,
    p_audit_chains smallint[], p_audit_organisation_id uuid, p_audit_request_id text,
    p_audit_ip_address text
) RETURNS TABLE (entry_id uuid, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    e record;
    p record;
BEGIN
    SELECT array_agg(t.id ORDER BY t.position) AS ids, array_agg(t.key ORDER BY t.position) AS keys,
        array_agg(t.digest ORDER BY t.position) AS digests,
        array_agg(t.kind ORDER BY t.position) AS kinds,
        array_agg(t.description ORDER BY t.position) AS descriptions,
        array_agg(t.effective_at ORDER BY t.position) AS effective_at,
        array_agg(t.event_id ORDER BY t.position) AS event_ids,
        array_agg(t.action ORDER BY t.position) AS actions,
        array_agg(t.after::jsonb ORDER BY t.position) AS afters,
        array_agg(t.content_digest ORDER BY t.position) AS content_digests
    INTO e
    FROM ROWS FROM (jsonb_to_recordset(p_entries) AS (id uuid, key text, digest text, kind text,
        description text, effective_at timestamptz, event_id uuid, action text, after text,
        content_digest text)) WITH ORDINALITY
        AS t(id, key, digest, kind, description, effective_at, event_id, action, after,
             content_digest, position);
    SELECT array_agg((t.value->>0)::integer ORDER BY t.position) AS entries,
        array_agg((t.value->>1)::uuid ORDER BY t.position) AS accounts,
        array_agg(t.value->>2 ORDER BY t.position) AS phases,
        array_agg((t.value->>3)::numeric ORDER BY t.position) AS amounts,
        array_agg(t.value->>4 ORDER BY t.position) AS currencies
    INTO p
    FROM jsonb_array_elements(p_postings) WITH ORDINALITY AS t(value, position);
    RETURN QUERY SELECT * FROM ledger_record_transfers(e.ids, e.keys, e.digests, e.kinds,
        e.descriptions, e.effective_at, p_actor_type, p_actor_id, p.entries, p.accounts,
        p.phases, p.amounts, p.currencies, p_audit_chains, e.event_ids, p_audit_organisation_id,
        e.actions, e.afters, p_audit_request_id, p_audit_ip_address, e.content_digests);
END;
$$;
"""

DROP_LEDGER_SPEED = """
DROP FUNCTION IF EXISTS ledger_record_transfers_json(jsonb, jsonb, text, uuid, smallint[], uuid,
    text, text);
DROP FUNCTION IF EXISTS ledger_record_transfers(uuid[], text[], text[], text[], text[],
    timestamptz[], text, uuid, integer[], uuid[], text[], numeric[], text[], smallint[], uuid[],
    uuid, text[], jsonb[], text, text, text[]);
DROP FUNCTION IF EXISTS audit_append_many(smallint[], uuid[], timestamptz[], text, uuid, uuid,
    text[], text, text[], jsonb[], text, text, text[]);
DROP TRIGGER ledger_accounts_guard_totals ON ledger_accounts;
CREATE TRIGGER ledger_accounts_guard_totals BEFORE UPDATE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_guard_account_totals();
"""


def upgrade() -> None:
    op.create_table('circuit_breakers',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=9), server_default='closed', nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trial_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_circuit_breakers'))
    )
    op.create_table('simulated_payouts',
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('channel_reference', sa.String(length=128), nullable=True),
    sa.Column('fee', sa.Numeric(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'idempotency_key', name=op.f('pk_simulated_payouts'))
    )
    op.execute(LEDGER_SPEED)


def downgrade() -> None:
    op.execute(DROP_LEDGER_SPEED)
    op.drop_table('simulated_payouts')
    op.drop_table('circuit_breakers')
