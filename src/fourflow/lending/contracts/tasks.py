"""Contract jobs, run by the worker after the enqueuing transaction commits."""

from __future__ import annotations

import uuid

from procrastinate import Blueprint

from fourflow.core.jobs import job_runtime
from fourflow.lending.contracts.service import contracts
from fourflow.notifications.mail import transport_for

blueprint = Blueprint()


@blueprint.task(name="send_signing_code", retry=5)
def send_signing_code(code_id: str) -> None:
    runtime = job_runtime()
    with runtime.database.unit_of_work() as session:
        contracts.send_signing_code_email(session, transport_for(runtime.settings.mail), uuid.UUID(code_id),
                                          secret=runtime.settings.security.secret_key.get_secret_value())
