"""Errors raised while reading a bank statement file."""

from __future__ import annotations

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_


class StatementMalformed(ValidationFailed):
    """The file cannot be read as a statement.

    Raised as ``StatementMalformed(field="file", position=..., reason=...)``: ``position``
    says where (``line 12``, ``element Stmt[1]/Ntry[3]/Amt``) so the person who uploaded the
    file can find the spot or show it to their bank; ``reason`` is a short technical English
    description of what is wrong there.
    """

    code = "statement_malformed"
    message = N_("The bank statement is malformed at {position}: {reason}")


def malformed(position: str, reason: str) -> StatementMalformed:
    """The error for the uploaded file, in the one shape both parsers use."""
    return StatementMalformed(field="file", position=position, reason=reason)
