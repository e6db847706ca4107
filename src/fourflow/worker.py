"""The job worker: procrastinate over the same PostgreSQL database as the app."""

from __future__ import annotations

from functools import cache

import procrastinate

from fourflow.core.database import Database, libpq_url
from fourflow.core.jobs import JobRuntime, configure_job_runtime
from fourflow.core.settings import Settings
from fourflow.identity.tasks import blueprint as identity_tasks
from fourflow.insights.tasks import blueprint as insights_tasks
from fourflow.ledger.tasks import blueprint as ledger_tasks
from fourflow.lending.collections.tasks import blueprint as collections_tasks
from fourflow.lending.contracts.tasks import blueprint as contract_tasks
from fourflow.lending.insurance.tasks import blueprint as insurance_tasks
from fourflow.lending.loans.tasks import blueprint as lending_tasks
from fourflow.risk.tasks import blueprint as risk_tasks
from fourflow.tradedata.tasks import blueprint as tradedata_tasks


def build_job_app(database_url: str) -> procrastinate.App:
    return _tasks().with_connector(procrastinate.PsycopgConnector(conninfo=libpq_url(database_url)))


@cache
def _tasks() -> procrastinate.App:
    """Every domain's tasks, taken once per process: taking a blueprint renames its tasks in place
    ("<domain>:<task>"), so a second app built from the blueprints would name them
    "<domain>:<domain>:<task>" and find none of the jobs enqueued (a test run, or a process that
    runs the worker twice, builds more than one app)."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector())
    # Task names are "<domain>:<task>", as used by fourflow.core.jobs.enqueue.
    app.add_tasks_from(identity_tasks, namespace="identity")
    app.add_tasks_from(ledger_tasks, namespace="ledger")
    app.add_tasks_from(tradedata_tasks, namespace="tradedata")
    app.add_tasks_from(risk_tasks, namespace="risk")
    app.add_tasks_from(lending_tasks, namespace="lending")
    app.add_tasks_from(contract_tasks, namespace="contracts")
    app.add_tasks_from(collections_tasks, namespace="lending")
    app.add_tasks_from(insurance_tasks, namespace="lending")
    app.add_tasks_from(insights_tasks, namespace="insights")
    return app


def run_worker(settings: Settings, database: Database, database_url: str, *,
               wait: bool = True) -> None:
    configure_job_runtime(JobRuntime(settings, database))
    # The connector is swapped on the tasks' own app rather than on a copy (build_job_app):
    # the periodic deferrer defers through each task's app, and a copy's connector is never
    # opened there, so the first periodic task that fell due stopped the worker (AppNotOpen).
    connector = procrastinate.PsycopgConnector(conninfo=libpq_url(database_url))
    with _tasks().replace_connector(connector) as app:
        app.run_worker(queues=None, wait=wait, install_signal_handlers=wait)
