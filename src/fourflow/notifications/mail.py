"""The mail port and its adapters.

``MailboxTransport`` keeps messages in the database only (the development mailbox page
shows them); ``SmtpTransport`` hands them to an SMTP server.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

from fourflow.core.settings import MailSettings


class OutgoingMail(Protocol):
    recipient: str
    subject: str
    body_text: str


class MailTransport(Protocol):
    name: str

    def deliver(self, message: OutgoingMail) -> None: ...


class MailboxTransport:
    name = "mailbox"

    def deliver(self, message: OutgoingMail) -> None:
        # The stored row is the delivery: nothing leaves the machine in development.
        return None


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings: MailSettings, timeout_seconds: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout_seconds

    def deliver(self, message: OutgoingMail) -> None:
        email = EmailMessage()
        email["From"] = self._settings.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email.set_content(message.body_text)
        with smtplib.SMTP(self._settings.smtp_host, self._settings.smtp_port,
                          timeout=self._timeout) as client:
            if self._settings.smtp_username and self._settings.smtp_password:
                client.starttls()
                client.login(self._settings.smtp_username,
                             self._settings.smtp_password.get_secret_value())
            client.send_message(email)


def transport_for(settings: MailSettings) -> MailTransport:
    if settings.backend == "smtp":
        return SmtpTransport(settings)
    return MailboxTransport()
