"""The ledger's rules: balanced, idempotent transfers, holds resolved once, reversals,
balances. The database enforces the same invariants again (migration 0003); the checks
here exist to give a clear, localised error before anything is written."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import DatabaseError
from psycopg import errors as database_errors
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.money import minor_units, validate_currency
from fourflow.core.pagination import Page, PageRequest
from fourflow.ledger import repository
from fourflow.ledger.chart import ACCOUNT_TYPES, Side
from fourflow.ledger.errors import (
    AccountNotFound,
    AccountTypeUnknown,
    AmountNotPositive,
    AmountTooPrecise,
    CurrencyMismatch,
    EntryAlreadyReversed,
    EntryNotFound,
    EntryTooSmall,
    EntryUnbalanced,
    FloorBreached,
    HoldAlreadyResolved,
    HoldAmountExceeded,
    HoldNotFound,
    IdempotencyKeyReused,
)
from fourflow.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting


@dataclass(frozen=True, slots=True)
class Posting:
    account_id: uuid.UUID
    side: Side
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Transfer:
    idempotency_key: str
    postings: tuple[Posting, ...]
    description: str = ""
    pending: bool = False


@dataclass(frozen=True, slots=True)
class RecordedEntry:
    entry_id: uuid.UUID
    # False when the idempotency key had been used already and the first entry came back.
    created: bool


@dataclass(frozen=True, slots=True)
class EntryWithPostings:
    entry: LedgerEntry
    postings: list[LedgerPosting]


@dataclass(frozen=True, slots=True)
class Balance:
    account_id: uuid.UUID
    currency: str
    as_of: datetime | None
    posted: Decimal
    pending_debits: Decimal
    pending_credits: Decimal
    available: Decimal


# Accounts ---------------------------------------------------------------------------------

def open_account(session: Session, organisation_id: uuid.UUID, code: str, currency: str, *,
                 subject: str = "", name: str | None = None) -> LedgerAccount:
    """The account for (organisation, type, subject, currency), created on first use."""
    account_type = ACCOUNT_TYPES.get(code)
    if account_type is None:
        raise AccountTypeUnknown(field="code", code=code)
    validate_currency(currency)
    existing = repository.account_by_key(session, organisation_id, code, subject, currency)
    if existing is not None:
        return existing
    repository.insert_account_if_missing(session, {
        "id": uuid.uuid4(), "organisation_id": organisation_id, "code": code, "subject": subject,
        "currency": currency, "normal_side": account_type.normal_side.value,
        "floor": account_type.floor,
        "name": name or f"{code} {subject} {currency}".replace("  ", " ")})
    created = repository.account_by_key(session, organisation_id, code, subject, currency)
    assert created is not None
    return created


def get_account(session: Session, account_id: uuid.UUID,
                visible_to_organisation: uuid.UUID | None) -> LedgerAccount:
    """``visible_to_organisation`` None means across organisations (platform staff)."""
    account = repository.account_by_id(session, account_id)
    if account is None or (visible_to_organisation is not None
                           and account.organisation_id != visible_to_organisation):
        raise AccountNotFound()
    return account


def list_accounts(session: Session, organisation_id: uuid.UUID | None,
                  request: PageRequest) -> Page[LedgerAccount]:
    return repository.accounts_page(session, organisation_id, request)


# Transfers --------------------------------------------------------------------------------

def _digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def _signed(posting: Posting) -> Decimal:
    return posting.amount if posting.side is Side.DEBIT else -posting.amount


def _validate(transfer: Transfer) -> None:
    """Everything that can be checked without the database; accounts, currencies of
    accounts and floors are checked by the database in the same round trip as the write."""
    if len(transfer.postings) < 2:
        raise EntryTooSmall(field="postings")
    for index, posting in enumerate(transfer.postings):
        validate_currency(posting.currency)
        if posting.amount <= 0:
            raise AmountNotPositive(field=f"postings.{index}.amount", index=index)
        digits = minor_units(posting.currency)
        if posting.amount != posting.amount.quantize(Decimal(1).scaleb(-digits)):
            raise AmountTooPrecise(field=f"postings.{index}.amount", index=index,
                                   currency=posting.currency, digits=digits,
                                   amount=str(posting.amount))
    debits: dict[str, Decimal] = defaultdict(Decimal)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    for posting in transfer.postings:
        (debits if posting.side is Side.DEBIT else credits)[posting.currency] += posting.amount
    for currency in sorted(set(debits) | set(credits)):
        if debits[currency] != credits[currency]:
            raise EntryUnbalanced(field="postings", currency=currency,
                                  debits=str(debits[currency]), credits=str(credits[currency]))


Row = tuple[uuid.UUID, str, Decimal, str]  # account, phase, signed amount, currency


def _parameters(context: audit.AuditContext, *, key: str, digest: str, kind: str,
                rows: list[Row], description: str = "", details: dict[str, Any] | None = None,
                pending_entry_id: uuid.UUID | None = None,
                reverses_entry_id: uuid.UUID | None = None,
                in_batch: bool = False) -> dict[str, Any]:
    """The arguments of ``ledger_record_entry`` for one entry and its audit event (in a
    batch, the chain preference is the batch's own, so none is drawn per entry)."""
    entry_id = uuid.uuid4()
    event = audit.prepare(context, f"ledger:entry:{kind}", subject_type="ledger_entry",
                          subject_id=entry_id, json_native=True, after={
                              "idempotency_key": key, "postings": [
                                  [str(account), phase, str(amount), currency]
                                  for account, phase, amount, currency in rows]})
    return {
            "entry_id": entry_id, "idempotency_key": key, "request_digest": digest, "kind": kind,
            "description": description, "pending_entry_id": pending_entry_id,
            "reverses_entry_id": reverses_entry_id, "effective_at": event.occurred_at,
            "actor_type": context.actor_type, "actor_id": context.actor_id,
            "details": None if details is None else json.dumps(details, default=str),
            "accounts": [row[0] for row in rows], "phases": [row[1] for row in rows],
            "amounts": [row[2] for row in rows], "currencies": [row[3] for row in rows],
            "audit_chains": None if in_batch else audit.chain_preference(),
            "audit_event_id": event.event_id,
            "audit_organisation_id": event.organisation_id, "audit_action": event.action,
            "audit_after": json.dumps(event.after), "audit_request_id": event.request_id,
            "audit_ip_address": event.ip_address, "audit_content_digest": event.content_digest,
    }


def _record(session: Session, context: audit.AuditContext, *, key: str, digest: str, kind: str,
            rows: list[Row], description: str = "", details: dict[str, Any] | None = None,
            pending_entry_id: uuid.UUID | None = None,
            reverses_entry_id: uuid.UUID | None = None) -> RecordedEntry:
    parameters = _parameters(context, key=key, digest=digest, kind=kind, rows=rows,
                             description=description, details=details,
                             pending_entry_id=pending_entry_id, reverses_entry_id=reverses_entry_id)
    try:
        found_id, created = repository.record_entry(session, parameters)
    except (DBAPIError, DatabaseError) as error:
        raise _translated(error, key, rows) from error
    return RecordedEntry(found_id, created)


def _translated(error: DBAPIError | DatabaseError, key: str, rows: list[Row]) -> Exception:
    """The database's refusals as the ledger's own errors, naming the posting concerned."""
    original = error.orig if isinstance(error, DBAPIError) else error
    diagnostics = getattr(original, "diag", None)
    constraint = getattr(diagnostics, "constraint_name", None)
    message = str(getattr(diagnostics, "message_primary", "") or "")

    def index_of(account: str) -> int:
        return next((i for i, row in enumerate(rows) if str(row[0]) == account), 0)

    words = message.split()
    if constraint == "ledger_account_floor":
        return FloorBreached(account=words[3] if len(words) > 3 else "?")
    if constraint == "ledger_idempotency_key_reused":
        return IdempotencyKeyReused(field="idempotency_key", key=key)
    if constraint == "ledger_hold_resolves_once":
        return HoldAlreadyResolved(state="resolved")
    if isinstance(original, database_errors.ForeignKeyViolation) and message.startswith(
            "ledger account"):
        return AccountNotFound(field=f"postings.{index_of(words[2])}.account_id")
    if isinstance(original, database_errors.CheckViolation) and " kept in " in message:
        # "posting in EUR to account <id> kept in USD"
        index = index_of(words[5])
        return CurrencyMismatch(field=f"postings.{index}.currency", index=index,
                                currency=words[2], account_currency=words[-1])
    return error


def _transfer_parameters(context: audit.AuditContext, request: Transfer,
                         details: dict[str, Any] | None = None, *,
                         in_batch: bool = False) -> tuple[dict[str, Any], list[Row]]:
    _validate(request)
    phase = "pending" if request.pending else "posted"
    document = {"kind": phase, "description": request.description,
                "postings": [[str(p.account_id), p.side.value, str(p.amount), p.currency]
                             for p in request.postings]}
    rows = [(p.account_id, phase, _signed(p), p.currency) for p in request.postings]
    return _parameters(context, key=request.idempotency_key, digest=_digest(document), kind=phase,
                       rows=rows, description=request.description, details=details,
                       in_batch=in_batch), rows


def transfer(session: Session, context: audit.AuditContext, request: Transfer, *,
             details: dict[str, Any] | None = None) -> RecordedEntry:
    """Post (or hold, when ``pending``) a balanced set of postings, exactly once per key.
    One round trip to the database."""
    parameters, rows = _transfer_parameters(context, request, details)
    try:
        found_id, created = repository.record_entry(session, parameters)
    except (DBAPIError, DatabaseError) as error:
        raise _translated(error, request.idempotency_key, rows) from error
    return RecordedEntry(found_id, created)


def transfers(session: Session, context: audit.AuditContext,
              requests: list[Transfer]) -> list[RecordedEntry]:
    """Many transfers in one transaction, all or nothing, recorded by the database in one
    call. The audit chain is taken first, then every account involved is locked up front in
    one fixed order, so concurrent batches queue instead of deadlocking."""
    prepared = [_transfer_parameters(context, request, in_batch=True) for request in requests]
    account_ids = sorted({p.account_id for request in requests for p in request.postings})
    audit.record(session, context, "ledger:batch:started", subject_type="ledger_batch",
                 after={"transfers": len(requests)})
    repository.lock_accounts(session, account_ids)
    if not prepared:
        return []
    entries = [parameters for parameters, _rows in prepared]
    postings = [(position, row) for position, (_p, rows) in enumerate(prepared, start=1)
                for row in rows]
    try:
        results = repository.record_transfers(session, {
            # All strings, so the C encoder does the whole document in one go.
            "entries": json.dumps([{
                "id": str(e["entry_id"]), "key": e["idempotency_key"],
                "digest": e["request_digest"], "kind": e["kind"],
                "description": e["description"], "effective_at": e["effective_at"].isoformat(),
                "event_id": str(e["audit_event_id"]), "action": e["audit_action"],
                "after": e["audit_after"], "content_digest": e["audit_content_digest"],
            } for e in entries]),
            "postings": json.dumps([[position, str(row[0]), row[1], str(row[2]), row[3]]
                                    for position, row in postings]),
            "actor_type": context.actor_type, "actor_id": context.actor_id,
            "audit_chains": audit.chain_preference(),
            "audit_organisation_id": entries[0]["audit_organisation_id"],
            "audit_request_id": context.request_id, "audit_ip_address": context.ip_address,
        })
    except (DBAPIError, DatabaseError) as error:
        raise _translated(error, "", [row for _position, row in postings]) from error
    return [RecordedEntry(entry_id, created) for entry_id, created in results]


def _held_postings(session: Session, hold_entry_id: uuid.UUID) -> list[LedgerPosting]:
    hold = repository.hold(session, hold_entry_id)
    if hold is None:
        raise HoldNotFound()
    if hold.state != "pending":
        raise HoldAlreadyResolved(state=hold.state)
    return [p for p in repository.postings_of(session, hold_entry_id) if p.phase == "pending"]


def post_pending(session: Session, context: audit.AuditContext, hold_entry_id: uuid.UUID, *,
                 idempotency_key: str, amount: Decimal | None = None) -> RecordedEntry:
    """Turn a hold into a posted transfer, for all of it or (two-posting holds) part of it;
    the rest is released. Once only: the database refuses a second resolution."""
    digest = _digest({"kind": "post_pending", "hold": str(hold_entry_id),
                      "amount": None if amount is None else str(amount)})
    earlier = repository.entry_by_idempotency_key(session, idempotency_key)
    if earlier is not None:
        return _replayed(earlier, idempotency_key, digest)
    held = _held_postings(session, hold_entry_id)
    rows: list[Row] = [(p.account_id, "release", p.amount, p.currency) for p in held]
    if amount is None:
        rows += [(p.account_id, "posted", p.amount, p.currency) for p in held]
    else:
        full = max(p.amount for p in held)
        currency = held[0].currency
        if (amount <= 0 or amount > full or len(held) != 2
                or amount != amount.quantize(Decimal(1).scaleb(-minor_units(currency)))):
            raise HoldAmountExceeded(field="amount", held=str(_money(full, currency)),
                                     amount=str(amount))
        rows += [(p.account_id, "posted", amount if p.amount > 0 else -amount, p.currency)
                 for p in held]
    return _record(session, context, key=idempotency_key, digest=digest, kind="post_pending",
                   rows=rows, pending_entry_id=hold_entry_id)


def void_pending(session: Session, context: audit.AuditContext, hold_entry_id: uuid.UUID, *,
                 idempotency_key: str) -> RecordedEntry:
    """Release a hold entirely. Once only."""
    digest = _digest({"kind": "void_pending", "hold": str(hold_entry_id)})
    earlier = repository.entry_by_idempotency_key(session, idempotency_key)
    if earlier is not None:
        return _replayed(earlier, idempotency_key, digest)
    held = _held_postings(session, hold_entry_id)
    return _record(session, context, key=idempotency_key, digest=digest, kind="void_pending",
                   rows=[(p.account_id, "release", p.amount, p.currency) for p in held],
                   pending_entry_id=hold_entry_id)


def _replayed(earlier: LedgerEntry, key: str, digest: str) -> RecordedEntry:
    if earlier.request_digest != digest:
        raise IdempotencyKeyReused(field="idempotency_key", key=key)
    return RecordedEntry(earlier.id, created=False)


def reverse(session: Session, context: audit.AuditContext, entry_id: uuid.UUID, *,
            idempotency_key: str, description: str = "") -> RecordedEntry:
    """Correct a posted entry by a new entry with every posted amount negated."""
    digest = _digest({"kind": "reversal", "entry": str(entry_id), "description": description})
    earlier = repository.entry_by_idempotency_key(session, idempotency_key)
    if earlier is not None:
        return _replayed(earlier, idempotency_key, digest)
    original = repository.entry_by_id(session, entry_id)
    if original is None or original.kind not in ("posted", "post_pending", "reversal"):
        raise EntryNotFound()
    if repository.entry_is_reversed(session, entry_id):
        raise EntryAlreadyReversed()
    rows: list[Row] = [(p.account_id, "posted", -p.amount, p.currency)
                       for p in repository.postings_of(session, entry_id) if p.phase == "posted"]
    return _record(session, context, key=idempotency_key, digest=digest, kind="reversal",
                   rows=rows, description=description, reverses_entry_id=entry_id)


# Reads ------------------------------------------------------------------------------------

def balance(session: Session, account: LedgerAccount, as_of: datetime | None = None) -> Balance:
    """Current balances from the running totals (O(1)); as of a time from the postings."""
    debit_normal = account.normal_side == Side.DEBIT.value
    if as_of is None:
        posted = (account.posted_debits - account.posted_credits if debit_normal
                  else account.posted_credits - account.posted_debits)
        pending_debits, pending_credits = account.pending_debits, account.pending_credits
    else:
        posted = repository.posted_balance_as_of(session, account.id, as_of)
        pending_debits, pending_credits = repository.pending_totals_as_of(session, account.id, as_of)
    available = posted - (pending_credits if debit_normal else pending_debits)
    return Balance(account.id, account.currency, as_of, _money(posted, account.currency),
                   _money(pending_debits, account.currency), _money(pending_credits, account.currency),
                   _money(available, account.currency))


def _money(amount: Decimal, currency: str) -> Decimal:
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)))


def account_postings(session: Session, account: LedgerAccount,
                     request: PageRequest) -> Page[LedgerPosting]:
    return repository.postings_page(session, account.id, request)


def postings_with_entries(session: Session, account_ids: list[uuid.UUID]
                          ) -> list[tuple[LedgerPosting, LedgerEntry]]:
    """Every posted movement of these accounts with its entry (date, description), oldest first."""
    return repository.postings_with_entries(session, account_ids)


def entry(session: Session, entry_id: uuid.UUID) -> EntryWithPostings:
    found = repository.entry_by_id(session, entry_id)
    if found is None:
        raise EntryNotFound()
    return EntryWithPostings(found, repository.postings_of(session, entry_id))


@dataclass(frozen=True, slots=True)
class Invariants:
    unbalanced_currencies: dict[tuple[str, str], Decimal]
    accounts_out_of_step: list[uuid.UUID]

    @property
    def hold(self) -> bool:
        return not self.unbalanced_currencies and not self.accounts_out_of_step


def check_invariants(session: Session) -> Invariants:
    """Postings sum to zero per currency and phase; every running total equals its postings."""
    totals = {key: total for key, total in repository.totals_by_currency(session).items()
              if total != 0}
    return Invariants(totals, repository.accounts_out_of_step(session))
