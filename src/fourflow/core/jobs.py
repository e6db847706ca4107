"""Enqueue background jobs inside the caller's transaction.

procrastinate keeps its queue in PostgreSQL, so a job row inserted through the same
session commits or rolls back with the change that caused it: no lost or phantom side
effects. The worker (``fourflow worker``) runs the tasks registered under these names.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.database import Database
from fourflow.core.settings import Settings

_DEFER_JOB = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task_name, :priority, :lock, "
    ":queueing_lock, CAST(:args AS jsonb), "
    "now() + make_interval(secs => CAST(:delay AS double precision)))"
    "::procrastinate_job_to_defer_v1])"
)

_OPEN_JOB_WITH_QUEUEING_LOCK = text(
    "SELECT 1 FROM procrastinate_jobs WHERE queueing_lock = :queueing_lock AND status = 'todo'"
)


def enqueue(session: Session, task_name: str, arguments: dict[str, Any], *,
            queue: str = "default", lock: str | None = None,
            queueing_lock: str | None = None, priority: int = 0, delay_seconds: int = 0) -> None:
    """Defer ``task_name`` with JSON ``arguments``; runs only if the transaction commits.

    ``queueing_lock`` keeps at most one waiting job per key, so repeating the same
    request does not queue the same work twice.
    """
    if queueing_lock is not None and session.execute(
        _OPEN_JOB_WITH_QUEUEING_LOCK, {"queueing_lock": queueing_lock}
    ).first():
        return
    session.execute(_DEFER_JOB, {
        "queue": queue, "task_name": task_name, "priority": priority, "lock": lock,
        "queueing_lock": queueing_lock, "args": json.dumps(arguments), "delay": delay_seconds,
    })


class JobRuntime:
    """What a running job needs: the settings and the database it opens sessions on."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database


_runtime: JobRuntime | None = None


def configure_job_runtime(runtime: JobRuntime) -> None:
    global _runtime
    _runtime = runtime


def job_runtime() -> JobRuntime:
    if _runtime is None:
        raise RuntimeError("the job runtime is not configured; start jobs with `fourflow worker`")
    return _runtime
