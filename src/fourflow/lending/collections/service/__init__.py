"""Collections (F23): days past due and buckets (``delinquency``, pure), the versioned strategy
(``strategy``), the daily collection actions and reminders (``actions``), write-off and recovery
(``write_off``, MONEY-FLOWS event 10)."""

from fourflow.lending.collections.service.actions import (
    LOCK_STOCK_TASK,
    SEND_REMINDER_TASK,
    LoanDelinquency,
    collect_loan,
    delinquency_of,
    list_actions,
    loan_delinquency,
    render_reasons,
    send_reminder,
)
from fourflow.lending.collections.service.delinquency import (
    BUCKET_LABELS,
    Bucket,
    Delinquency,
    Due,
    bucket_of,
    delinquency,
)
from fourflow.lending.collections.service.stock import (
    loans_with_locked_stock,
    lock_pledged_stock,
    locked_units,
    release_if_repaid,
    release_stock,
    stock_events,
)
from fourflow.lending.collections.service.strategy import (
    ACTION_LABELS,
    COLLECTIONS_V1,
    CURRENT_STRATEGY,
    Action,
    Rule,
    Strategy,
    Willingness,
)
from fourflow.lending.collections.service.write_off import (
    MINIMUM_DAYS_PAST_DUE,
    RecoveryRecorded,
    record_recovery,
    recoveries,
    write_off,
    write_off_of,
)

__all__ = [
    "ACTION_LABELS",
    "BUCKET_LABELS",
    "COLLECTIONS_V1",
    "CURRENT_STRATEGY",
    "LOCK_STOCK_TASK",
    "MINIMUM_DAYS_PAST_DUE",
    "SEND_REMINDER_TASK",
    "Action",
    "Bucket",
    "Delinquency",
    "Due",
    "LoanDelinquency",
    "RecoveryRecorded",
    "Rule",
    "Strategy",
    "Willingness",
    "bucket_of",
    "collect_loan",
    "delinquency",
    "delinquency_of",
    "list_actions",
    "loan_delinquency",
    "loans_with_locked_stock",
    "lock_pledged_stock",
    "locked_units",
    "record_recovery",
    "recoveries",
    "release_if_repaid",
    "release_stock",
    "render_reasons",
    "send_reminder",
    "stock_events",
    "write_off",
    "write_off_of",
]
