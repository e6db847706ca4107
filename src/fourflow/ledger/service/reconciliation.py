"""Reconciliation of the platform's bank accounts against the banks' statements
(ISO 20022 camt.053 or SWIFT MT940): import lines once, match them automatically where the
evidence is unambiguous, and leave the rest as breaks for operations to match by hand.
Every match is audited."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.ledger import repository
from fourflow.ledger.errors import (
    AccountNotFound,
    MatchNotPossible,
    NotABankAccount,
    StatementCurrencyMismatch,
)
from fourflow.ledger.models import (
    BankStatementLine,
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
    ReconciliationMatch,
)
from fourflow.ledger.service.journal import balance
from fourflow.ledger.statements import Statement, parse_camt053, parse_mt940

# A booking may reach the bank statement a few days after the ledger recorded it.
DATE_WINDOW = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class ImportResult:
    statements: int
    lines: int
    inserted: int
    duplicates: int
    matched: int
    breaks: int


def parse_statement_file(content: bytes) -> list[Statement]:
    """camt.053 when the file is XML, MT940 otherwise."""
    head = content.lstrip()[:5]
    if head.startswith(b"<") or head.startswith(b"\xef\xbb\xbf<"):
        return parse_camt053(content)
    return parse_mt940(content)


def _bank_account(session: Session, account_id: uuid.UUID) -> LedgerAccount:
    account = repository.account_by_id(session, account_id)
    if account is None:
        raise AccountNotFound(field="bank_account_id")
    if account.code != "platform:bank":
        raise NotABankAccount(field="bank_account_id")
    return account


def import_statement(session: Session, context: audit.AuditContext, bank_account_id: uuid.UUID,
                     content: bytes) -> ImportResult:
    """Store the statement's lines (a re-import stores nothing twice), then auto-match."""
    account = _bank_account(session, bank_account_id)
    statements = parse_statement_file(content)
    rows = []
    for statement in statements:
        for line in statement.lines:
            if line.currency != account.currency:
                raise StatementCurrencyMismatch(field="file", position=line.position,
                                                statement=statement.statement_id,
                                                currency=line.currency,
                                                account_currency=account.currency)
            identity = "|".join(str(part) for part in (
                account.id, statement.account, statement.statement_id, line.position,
                line.booking_date, line.signed_amount, line.bank_reference, line.reference))
            rows.append({
                "id": uuid.uuid4(), "bank_account_id": account.id,
                "statement_id": statement.statement_id[:140],
                "line_digest": hashlib.sha256(identity.encode()).hexdigest(),
                "position": line.position,
                "booking_date": line.booking_date, "value_date": line.value_date,
                "amount": line.signed_amount, "currency": line.currency,
                "reference": (line.reference or None) and line.reference[:140],
                "bank_reference": (line.bank_reference or None) and line.bank_reference[:140],
                "description": line.description[:2000],
                "counterparty_name": (line.counterparty_name or None) and line.counterparty_name[:200],
            })
    inserted = repository.insert_statement_lines(session, rows)
    audit.record(session, context, "ledger:statement:imported", subject_type="ledger_account",
                 subject_id=account.id, after={"statements": [s.statement_id for s in statements],
                                               "lines": len(rows), "inserted": inserted})
    matched = auto_match(session, context, account.id)
    breaks = len(repository.unmatched_lines(session, account.id))
    return ImportResult(len(statements), len(rows), inserted, len(rows) - inserted, matched, breaks)


def auto_match(session: Session, context: audit.AuditContext, bank_account_id: uuid.UUID) -> int:
    """Match where the evidence is unambiguous. The bank account is debit-normal, so a
    debit posting (positive) is money in, which the bank reports as a credit (positive
    signed amount): equal amounts mean the same movement. First by reference (the statement names the
    entry's idempotency key or its description carries the bank's reference) and equal
    amount; then by equal amount within the date window when exactly one line and one
    posting qualify. Returns how many were matched."""
    lines = repository.unmatched_lines(session, bank_account_id)
    postings = repository.unmatched_postings(session, bank_account_id)
    taken_lines: set[uuid.UUID] = set()
    taken_postings: set[int] = set()
    matched = 0
    for line in lines:
        for posting, entry in postings:
            if posting.id in taken_postings or posting.amount != line.amount:
                continue
            if _references_agree(line, entry):
                _record_match(session, context, line, posting, "automatic", "reference")
                taken_lines.add(line.id)
                taken_postings.add(posting.id)
                matched += 1
                break
    candidates: dict[uuid.UUID, list[LedgerPosting]] = defaultdict(list)
    claimants: dict[int, list[BankStatementLine]] = defaultdict(list)
    for line in lines:
        if line.id in taken_lines:
            continue
        for posting, entry in postings:
            if posting.id in taken_postings or posting.amount != line.amount:
                continue
            if abs(entry.effective_at.date() - line.booking_date) <= DATE_WINDOW:
                candidates[line.id].append(posting)
                claimants[posting.id].append(line)
    for line in lines:
        options = candidates.get(line.id, [])
        if len(options) == 1 and len(claimants[options[0].id]) == 1:
            _record_match(session, context, line, options[0], "automatic", "amount_and_date")
            matched += 1
    return matched


def _references_agree(line: BankStatementLine, entry: LedgerEntry) -> bool:
    keys = {value for value in (line.reference, line.bank_reference) if value}
    if entry.idempotency_key in keys:
        return True
    return any(key and key in entry.description for key in keys if len(key) >= 6)


def _record_match(session: Session, context: audit.AuditContext, line: BankStatementLine,
                  posting: LedgerPosting, by: str, rule: str) -> None:
    repository.add_match(session, ReconciliationMatch(
        statement_line_id=line.id, posting_id=posting.id, matched_by=by, rule=rule,
        actor_id=context.actor_id))
    audit.record(session, context, "ledger:reconciliation:matched", subject_type="statement_line",
                 subject_id=line.id, after={"posting_id": posting.id, "rule": rule,
                                            "amount": str(line.amount), "by": by})


def match_manually(session: Session, context: audit.AuditContext, line_id: uuid.UUID,
                   posting_id: int) -> None:
    """Operations pair a break with the posting it confirms; refused unless both are
    unmatched, on the same account and for the same amount."""
    line = repository.statement_line(session, line_id)
    found = repository.posting_with_entry(session, posting_id)
    if line is None or found is None:
        raise MatchNotPossible(reason="not found")
    posting, _entry = found
    if posting.account_id != line.bank_account_id:
        raise MatchNotPossible(reason="different accounts")
    if posting.amount != line.amount:
        raise MatchNotPossible(reason=f"amounts differ ({line.amount} / {posting.amount})")
    if repository.is_matched(session, line_id=line.id) or repository.is_matched(
            session, posting_id=posting.id):
        raise MatchNotPossible(reason="already matched")
    _record_match(session, context, line, posting, "manual", "manual")


@dataclass(frozen=True, slots=True)
class Breaks:
    lines: list[BankStatementLine]
    postings: list[tuple[LedgerPosting, LedgerEntry]]


def breaks(session: Session, bank_account_id: uuid.UUID) -> Breaks:
    account = _bank_account(session, bank_account_id)
    return Breaks(repository.unmatched_lines(session, account.id),
                  repository.unmatched_postings(session, account.id))


@dataclass(frozen=True, slots=True)
class BankAccountOverview:
    account: LedgerAccount
    posted: Decimal
    open_lines: int


def bank_accounts_overview(session: Session) -> list[BankAccountOverview]:
    counts = repository.unmatched_line_counts(session)
    return [BankAccountOverview(account, balance(session, account).posted, counts.get(account.id, 0))
            for account in repository.platform_bank_accounts(session)]
