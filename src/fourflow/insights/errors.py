"""Insights errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import NotFound
from fourflow.core.i18n import N_


class ReminderNotFound(NotFound):
    code = "reminder_not_found"
    message = N_("No such reminder.")
