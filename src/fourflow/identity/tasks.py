"""Identity jobs, run by the worker after the enqueuing transaction commits."""

from __future__ import annotations

import uuid

from procrastinate import Blueprint

from fourflow.core.jobs import job_runtime
from fourflow.identity import service
from fourflow.notifications.mail import transport_for

blueprint = Blueprint()


@blueprint.task(name="send_invitation_email", retry=5)
def send_invitation_email(invitation_id: str) -> None:
    runtime = job_runtime()
    with runtime.database.unit_of_work() as session:
        service.send_invitation_email(session, runtime.settings,
                                      transport_for(runtime.settings.mail),
                                      uuid.UUID(invitation_id))
