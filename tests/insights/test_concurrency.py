"""The daily reminders run started twice at once (two workers, a retry racing the first attempt), on a
committed database: each reminder is raised, audited and queued for mailing exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import load_demo_data
from fourflow.insights.tasks import remind_all
from tests.conftest import _worker_suffix, fresh_database
from tests.helpers import run_together
from tests.insights.conftest import trade_history

THREADS = 4


@pytest.fixture(scope="module")
def committed() -> Iterator[Database]:
    previous = set_clock(FrozenClock(datetime(2026, 11, 12, 9, 0, tzinfo=UTC)))
    url = fresh_database(f"fourflow_insights_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
        trade_history(session)
    yield database
    database.engine.dispose()
    set_clock(previous)


def test_concurrent_runs_raise_each_reminder_once(committed: Database) -> None:
    results, failures = run_together(lambda _index: remind_all(committed, date(2026, 11, 12)), THREADS)
    assert failures == []
    assert sum(int(str(result)) for result in results) == 2  # Black Friday and Christmas, once each
    with committed.unit_of_work() as session:
        def scalar(sql: str) -> int:
            return int(session.execute(text(sql)).scalar_one())

        assert scalar("SELECT count(*) FROM insight_reminders") == 2
        assert scalar("SELECT count(*) FROM audit_events WHERE action = 'insights:reminder:raised'") == 2
        assert scalar("SELECT count(*) FROM procrastinate_jobs "
                      "WHERE task_name = 'insights:send_reminder'") == 2
