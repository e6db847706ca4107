"""Ledger services: the journal (accounts, entries, holds, balances) and payments."""

from fourflow.ledger.chart import Side
from fourflow.ledger.service.journal import (
    Balance,
    EntryWithPostings,
    Invariants,
    Posting,
    RecordedEntry,
    Transfer,
    account_postings,
    balance,
    check_invariants,
    entry,
    get_account,
    list_accounts,
    open_account,
    post_pending,
    postings_with_entries,
    reverse,
    transfer,
    transfers,
    void_pending,
)

__all__ = [
    "Balance", "EntryWithPostings", "Invariants", "Posting", "RecordedEntry", "Side", "Transfer",
    "account_postings", "balance", "check_invariants", "entry", "get_account", "list_accounts",
    "open_account", "post_pending", "postings_with_entries",
    "reverse", "transfer", "transfers", "void_pending",
]
