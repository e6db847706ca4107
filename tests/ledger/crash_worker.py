"""A job worker process for the crash test, run as ``python -m tests.ledger.crash_worker``.

    crash_worker <database url> send_payment <payment id>   the job the payout request queued
    crash_worker <database url> resume                      a restarted worker's sweep

It runs the ledger's real job code with the worker's runtime (shared breakers, the simulated
banks' books in the database); the crash test sets FOURFLOW_PAUSE_AT to stop it mid-way.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta


def main() -> None:
    from fourflow.core.database import Database, make_engine
    from fourflow.core.jobs import JobRuntime, configure_job_runtime
    from fourflow.core.settings import Settings
    from fourflow.ledger import tasks

    url, command, *arguments = sys.argv[1:]
    database = Database(make_engine(url, pool_size=2))
    configure_job_runtime(JobRuntime(Settings.model_validate({
        "environment": "test", "security": {"secret_key": "crash-test-" + "x" * 40},
        "database": {"url": url}}), database))
    if command == "send_payment":
        tasks.send_payment(arguments[0])
    else:
        # Restarted: everything left half-way is taken up at once (the periodic sweep waits
        # UNFINISHED_AFTER first, so as not to double a live worker).
        resumed = tasks.resume_unfinished_payments(database, tasks.payment_router(database.engine),
                                                   unfinished_after=timedelta(0))
        print(json.dumps(resumed))
    database.engine.dispose()


if __name__ == "__main__":
    main()
