"""Ledger throughput: postings applied to their accounts set-wise, once per statement

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06

Until now every posting went through ``ledger_apply_posting``, a row trigger that updates its
account (running totals, floor) one posting at a time: a batch of 100 transfers updated the
same few account rows 200 times in one transaction, which also defeats HOT updates and bloats
the table. Now the recording functions lock the accounts (in id order), compute each posting's
account sequence and running balance in one statement, and insert the postings with those
values; a statement-level trigger over the inserted rows (a transition table) checks them
against the accounts and moves each account's totals once per statement. The database
enforces exactly what it enforced before, for any INSERT:

* a posting that supplies no running values (``account_sequence <= 0``, e.g. hand-written
  SQL) still goes through ``ledger_apply_posting`` row by row, as before;
* a posting that supplies them is accepted only if they are the account's next sequence
  numbers and the running balance after each posting, in the account's currency, without a
  release of more than is held and without the available balance going below the floor at
  any posting; otherwise the statement is refused. Rows with a sequence the account already
  reached were applied by the row trigger (any other such row collides with the unique
  (account_id, account_sequence) constraint at insert), so every posting is applied once.

Balanced entries: the recording functions mark their postings ``balanced_by_statement``, and
the same statement-level trigger checks those postings' entries (two or more postings, zero
per currency and phase) once per entry at the end of the inserting statement, instead of
the deferred constraint trigger doing it once per posting at commit. Unmarked postings (and
any posting the row trigger applied, which it unmarks) keep the deferred check. Marking a
posting by hand only moves its entry's check earlier, never skips it.

Append-only postings and entries, idempotency keys, holds resolved once and the audit event
per entry are unchanged.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LEDGER_THROUGHPUT = """
-- Room on each page for the new versions of hot account rows, so their updates stay HOT.
ALTER TABLE ledger_accounts SET (fillfactor = 50);

-- Whether the posting's entry was checked for balance by the statement that inserted it
-- (ledger_apply_postings) rather than at commit, posting by posting.
ALTER TABLE ledger_postings ADD COLUMN balanced_by_statement boolean NOT NULL DEFAULT false;

-- Hand-written postings (no running values supplied) keep the row-by-row path, and their
-- entries the check at commit.
DROP TRIGGER ledger_postings_apply ON ledger_postings;
CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings
    FOR EACH ROW WHEN (NEW.account_sequence <= 0) EXECUTE FUNCTION ledger_apply_posting();
DROP TRIGGER ledger_postings_balanced ON ledger_postings;
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NOT NEW.balanced_by_statement)
    EXECUTE FUNCTION ledger_check_entry_balanced();

-- Postings that carry their running values: checked against their accounts and applied to
-- them once per statement. Runs after the statement's row triggers.
CREATE FUNCTION ledger_apply_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v record;
    v_entry record;
BEGIN
    -- The accounts concerned, locked in the one global order (the recording functions hold
    -- these locks already; a hand-written INSERT takes them here).
    PERFORM 1 FROM ledger_accounts a
    WHERE a.id IN (SELECT n.account_id FROM ledger_new_postings n)
    ORDER BY a.id FOR NO KEY UPDATE;
    -- Apply the postings the row trigger did not (those beyond each account's count); in the
    -- same statement, find out whether any of them breaks a rule.
    WITH fresh AS (
        SELECT n.id, n.account_id, n.currency, n.amount, n.phase, n.account_sequence,
            n.posted_balance_after, a.currency AS account_currency, a.floor, a.normal_side,
            a.posting_count + row_number() OVER w AS expected_sequence,
            a.pending_debits + coalesce(sum(CASE WHEN n.phase = 'pending' THEN n.amount
                ELSE -n.amount END) FILTER (WHERE n.phase <> 'posted' AND n.amount > 0) OVER w,
                0) AS pending_debits_after,
            a.pending_credits + coalesce(sum(CASE WHEN n.phase = 'pending' THEN -n.amount
                ELSE n.amount END) FILTER (WHERE n.phase <> 'posted' AND n.amount < 0) OVER w,
                0) AS pending_credits_after,
            CASE WHEN a.normal_side = 'debit' THEN a.posted_debits - a.posted_credits
                 ELSE a.posted_credits - a.posted_debits END
            + coalesce(sum(CASE WHEN a.normal_side = 'debit' THEN n.amount ELSE -n.amount END)
                FILTER (WHERE n.phase = 'posted') OVER w, 0) AS posted_balance
        FROM ledger_new_postings n JOIN ledger_accounts a ON a.id = n.account_id
        WHERE n.account_sequence > a.posting_count
        WINDOW w AS (PARTITION BY n.account_id ORDER BY n.account_sequence
                     ROWS UNBOUNDED PRECEDING)
    ), checked AS (
        SELECT f.*, (f.currency <> f.account_currency
            OR f.pending_debits_after < 0 OR f.pending_credits_after < 0
            OR f.account_sequence <> f.expected_sequence
            OR f.posted_balance_after <> f.posted_balance
            OR (f.floor IS NOT NULL AND f.posted_balance - CASE WHEN f.normal_side = 'debit'
                THEN f.pending_credits_after ELSE f.pending_debits_after END < f.floor))
            AS broken
        FROM fresh f
    ), moves AS (
        SELECT c.account_id, max(c.account_sequence) AS last_sequence, bool_or(c.broken) AS broken,
            coalesce(sum(c.amount) FILTER (WHERE c.phase = 'posted' AND c.amount > 0), 0)
                AS posted_debits,
            coalesce(sum(-c.amount) FILTER (WHERE c.phase = 'posted' AND c.amount < 0), 0)
                AS posted_credits,
            coalesce(sum(CASE WHEN c.phase = 'pending' THEN c.amount ELSE -c.amount END)
                FILTER (WHERE c.phase <> 'posted' AND c.amount > 0), 0) AS pending_debits,
            coalesce(sum(CASE WHEN c.phase = 'pending' THEN -c.amount ELSE c.amount END)
                FILTER (WHERE c.phase <> 'posted' AND c.amount < 0), 0) AS pending_credits
        FROM checked c GROUP BY c.account_id
    ), applied AS (
        UPDATE ledger_accounts a SET
            posted_debits = a.posted_debits + m.posted_debits,
            posted_credits = a.posted_credits + m.posted_credits,
            pending_debits = a.pending_debits + m.pending_debits,
            pending_credits = a.pending_credits + m.pending_credits,
            posting_count = m.last_sequence
        FROM moves m WHERE a.id = m.account_id AND NOT m.broken
        RETURNING a.id)
    SELECT c.* INTO v FROM checked c WHERE c.broken ORDER BY c.id LIMIT 1;
    IF FOUND THEN
        IF v.currency <> v.account_currency THEN
            RAISE EXCEPTION 'posting in % to account % kept in %', v.currency, v.account_id,
                v.account_currency USING ERRCODE = 'check_violation';
        ELSIF v.pending_debits_after < 0 OR v.pending_credits_after < 0 THEN
            RAISE EXCEPTION 'release of more than is held on account %', v.account_id
                USING ERRCODE = 'check_violation';
        ELSIF v.account_sequence <> v.expected_sequence
                OR v.posted_balance_after <> v.posted_balance THEN
            RAISE EXCEPTION 'posting % does not continue the running totals of account %',
                v.id, v.account_id USING ERRCODE = 'check_violation';
        ELSE
            RAISE EXCEPTION 'ledger floor: account % would have % available, below its floor %',
                v.account_id, v.posted_balance - CASE WHEN v.normal_side = 'debit'
                    THEN v.pending_credits_after ELSE v.pending_debits_after END, v.floor
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_floor';
        END IF;
    END IF;
    -- The entries of postings marked balanced_by_statement: two or more postings, zero sum per
    -- currency and phase, counting every posting of the entry so far. (A posting the row
    -- trigger applied is never marked, so its entry is checked at commit as before.)
    SELECT g.entry_id, sum(g.postings) AS postings INTO v_entry
    FROM (SELECT p.entry_id, count(*) AS postings, sum(p.amount) AS total
          FROM ledger_postings p
          WHERE p.entry_id IN (SELECT n.entry_id FROM ledger_new_postings n
                               WHERE n.balanced_by_statement)
          GROUP BY p.entry_id, p.currency, p.phase) AS g
    GROUP BY g.entry_id
    HAVING sum(g.postings) < 2 OR bool_or(g.total <> 0)
    ORDER BY g.entry_id LIMIT 1;
    IF FOUND THEN
        IF v_entry.postings < 2 THEN
            RAISE EXCEPTION 'ledger entry % has fewer than two postings', v_entry.entry_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_balanced';
        END IF;
        RAISE EXCEPTION 'ledger entry % does not balance', v_entry.entry_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_balanced';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_postings_apply_set AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS ledger_new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_postings();

-- Insert postings with their running values: lock the accounts (in id order), then number
-- and total each account's postings in one statement. Postings go in in entry order, each
-- entry's by account, releases first (the order ledger_record_entry always used).
-- p_posting_entries gives, for each posting, the (1-based) position of its entry.
CREATE FUNCTION ledger_insert_postings(
    p_entry_ids uuid[], p_posting_entries integer[], p_accounts uuid[], p_phases text[],
    p_amounts numeric[], p_currencies text[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_locked integer;
    v_missing uuid;
BEGIN
    PERFORM 1 FROM ledger_accounts a WHERE a.id = ANY (p_accounts)
    ORDER BY a.id FOR NO KEY UPDATE;
    GET DIAGNOSTICS v_locked = ROW_COUNT;
    IF v_locked < coalesce(cardinality(p_accounts), 0) THEN
        IF v_locked < (SELECT count(DISTINCT t.account) FROM unnest(p_accounts) AS t(account))
        THEN
            SELECT t.account INTO v_missing FROM unnest(p_accounts) AS t(account)
            WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.account) LIMIT 1;
            RAISE EXCEPTION 'ledger account % does not exist', v_missing
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase,
        account_sequence, posted_balance_after, balanced_by_statement)
    SELECT p_entry_ids[m.entry], m.account, m.currency, m.amount, m.phase,
        a.posting_count + row_number() OVER w,
        CASE WHEN a.normal_side = 'debit' THEN a.posted_debits - a.posted_credits
             ELSE a.posted_credits - a.posted_debits END
        + coalesce(sum(CASE WHEN a.normal_side = 'debit' THEN m.amount ELSE -m.amount END)
            FILTER (WHERE m.phase = 'posted') OVER w, 0),
        true
    FROM (SELECT t.*, CASE t.phase WHEN 'release' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END
              AS phase_order
          FROM unnest(p_posting_entries, p_accounts, p_phases, p_amounts, p_currencies)
              WITH ORDINALITY AS t(entry, account, phase, amount, currency, position)) AS m
    JOIN ledger_accounts a ON a.id = m.account
    WINDOW w AS (PARTITION BY m.account ORDER BY m.entry, m.phase_order, m.position
                 ROWS UNBOUNDED PRECEDING)
    ORDER BY m.entry, m.account, m.phase_order, m.position;
END;
$$;
"""

# ledger_record_entry (0003) and ledger_record_transfers (0022), recording their postings
# through ledger_insert_postings instead of the row trigger.
_RECORD_ENTRY_POSTINGS_BEFORE = """    INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase,
        account_sequence, posted_balance_after)
    SELECT p_entry_id, t.account, t.currency, t.amount, t.phase, 0, 0
    FROM unnest(p_accounts, p_phases, p_amounts, p_currencies) AS t(account, phase, amount, currency)
    ORDER BY t.account, CASE t.phase WHEN 'release' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END;
"""
_RECORD_ENTRY_POSTINGS_AFTER = """    PERFORM ledger_insert_postings(ARRAY[p_entry_id],
        array_fill(1, ARRAY[cardinality(p_accounts)]), p_accounts, p_phases, p_amounts,
        p_currencies);
"""
_RECORD_TRANSFERS_POSTINGS_BEFORE = """    INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase,
        account_sequence, posted_balance_after)
    SELECT p_entry_ids[t.entry], t.account, t.currency, t.amount, t.phase, 0, 0
    FROM unnest(p_posting_entries, p_accounts, p_phases, p_amounts, p_currencies)
        AS t(entry, account, phase, amount, currency)
    WHERE p_entry_ids[t.entry] = ANY (v_created)
    ORDER BY t.entry, t.account,
        CASE t.phase WHEN 'release' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END;
"""
_RECORD_TRANSFERS_POSTINGS_AFTER = """    IF cardinality(v_created) = cardinality(p_entry_ids) THEN
        PERFORM ledger_insert_postings(p_entry_ids, p_posting_entries, p_accounts, p_phases,
            p_amounts, p_currencies);
    ELSE
        PERFORM ledger_insert_postings(p_entry_ids,
            ARRAY(SELECT t.entry FROM unnest(p_posting_entries) WITH ORDINALITY
                  AS t(entry, position)
                  WHERE p_entry_ids[t.entry] = ANY (v_created) ORDER BY t.position),
            ARRAY(SELECT t.account FROM unnest(p_posting_entries, p_accounts) WITH ORDINALITY
                  AS t(entry, account, position)
                  WHERE p_entry_ids[t.entry] = ANY (v_created) ORDER BY t.position),
            ARRAY(SELECT t.phase FROM unnest(p_posting_entries, p_phases) WITH ORDINALITY
                  AS t(entry, phase, position)
                  WHERE p_entry_ids[t.entry] = ANY (v_created) ORDER BY t.position),
            ARRAY(SELECT t.amount FROM unnest(p_posting_entries, p_amounts) WITH ORDINALITY
                  AS t(entry, amount, position)
                  WHERE p_entry_ids[t.entry] = ANY (v_created) ORDER BY t.position),
            ARRAY(SELECT t.currency FROM unnest(p_posting_entries, p_currencies)
                  WITH ORDINALITY AS t(entry, currency, position)
                  WHERE p_entry_ids[t.entry] = ANY (v_created) ORDER BY t.position));
    END IF;
"""

DROP_LEDGER_THROUGHPUT = """
DROP FUNCTION ledger_insert_postings(uuid[], integer[], uuid[], text[], numeric[], text[]);
DROP TRIGGER ledger_postings_balanced ON ledger_postings;
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
DROP TRIGGER ledger_postings_apply_set ON ledger_postings;
DROP FUNCTION ledger_apply_postings();
DROP TRIGGER ledger_postings_apply ON ledger_postings;
CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting();
ALTER TABLE ledger_accounts RESET (fillfactor);
ALTER TABLE ledger_postings DROP COLUMN balanced_by_statement;
"""


def _function(migration: str, constant: str, name: str) -> str:
    """The CREATE FUNCTION statement of ``name`` as an earlier migration wrote it."""
    path = Path(__file__).with_name(migration)
    spec = importlib.util.spec_from_file_location(f"_fourflow_migration_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source: str = getattr(module, constant)
    match = re.search(rf"CREATE FUNCTION {name}\(.*?\n\$\$;\n", source, re.DOTALL)
    assert match is not None, name
    return match.group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


_APPLY_POSTING_BEFORE = """    NEW.account_sequence := account.posting_count;
"""
_APPLY_POSTING_AFTER = """    NEW.account_sequence := account.posting_count;
    NEW.balanced_by_statement := false;
"""


def _apply_posting() -> str:
    return _function("0003_ledger.py", "LEDGER_INVARIANTS", "ledger_apply_posting")


def _record_functions() -> tuple[str, str]:
    return (_function("0003_ledger.py", "LEDGER_INVARIANTS", "ledger_record_entry"),
            _function("0022_shared_breakers_simulated_payouts_ledger_speed.py", "LEDGER_SPEED",
                      "ledger_record_transfers"))


def upgrade() -> None:
    op.execute(LEDGER_THROUGHPUT)
    apply_posting = _apply_posting()
    assert _APPLY_POSTING_BEFORE in apply_posting
    op.execute(apply_posting.replace(_APPLY_POSTING_BEFORE, _APPLY_POSTING_AFTER))
    record_entry, record_transfers = _record_functions()
    assert _RECORD_ENTRY_POSTINGS_BEFORE in record_entry
    assert _RECORD_TRANSFERS_POSTINGS_BEFORE in record_transfers
    op.execute(record_entry.replace(_RECORD_ENTRY_POSTINGS_BEFORE, _RECORD_ENTRY_POSTINGS_AFTER))
    op.execute(record_transfers.replace(_RECORD_TRANSFERS_POSTINGS_BEFORE,
                                        _RECORD_TRANSFERS_POSTINGS_AFTER))


def downgrade() -> None:
    record_entry, record_transfers = _record_functions()
    op.execute(record_entry)
    op.execute(record_transfers)
    op.execute(_apply_posting())
    op.execute(DROP_LEDGER_THROUGHPUT)
