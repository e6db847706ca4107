"""Reminders: raised once per key by the daily job (twice run, once raised and once mailed), in each
contact's language, in-app until read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.database import Database
from fourflow.insights import service
from fourflow.insights.tasks import remind_all
from fourflow.notifications.mail import MailboxTransport
from tests.helpers import count
from tests.insights.conftest import disbursed_loan, trade_history

DUE_SOON = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)  # the bullet's 14 Nov due date is 2 days away


def _reminders(session: Session) -> list[tuple[str, str, date]]:
    return [tuple(row) for row in session.execute(text(  # type: ignore[misc]
        "SELECT kind, reminder_key, act_by FROM insight_reminders ORDER BY act_by, reminder_key")).all()]


def test_the_daily_job_raises_each_reminder_once(database: Database, demo: Session,
                                                 clock: FrozenClock) -> None:
    seller = trade_history(demo)
    loan = disbursed_loan(demo)
    demo.flush()
    clock.set(DUE_SOON)
    jobs_before = count(demo, "procrastinate_jobs")
    # Restock: Black Friday (order by 10 Oct) and Christmas (14 Oct) are late but still ahead;
    # Valentine's (order by 21 Dec) is 39 days away, past the 30-day window. Repayment: 14 Nov.
    assert remind_all(database, date(2026, 11, 12)) == 3
    assert remind_all(database, date(2026, 11, 12)) == 0
    assert _reminders(demo) == [
        ("restock_before_peak", "restock_before_peak:LAMP-01:black_friday:2026", date(2026, 10, 10)),
        ("restock_before_peak", "restock_before_peak:LAMP-01:christmas:2026", date(2026, 10, 14)),
        ("repayment_due", f"repayment_due:{loan.id}:2026-11-14", date(2026, 11, 14)),
    ]
    assert count(demo, "procrastinate_jobs") - jobs_before == 3  # one mail job each
    assert service.unread_count(demo, seller) == 3
    events = demo.execute(text("SELECT count(*) FROM audit_events WHERE action = 'insights:reminder:raised'"))
    assert events.scalar_one() == 3


def test_nothing_due_nothing_raised(database: Database, demo: Session, clock: FrozenClock) -> None:
    disbursed_loan(demo)  # no trade data; the repayment is 30 days away
    demo.flush()
    assert remind_all(database, date(2026, 10, 15)) == 0
    assert count(demo, "insight_reminders") == 0


def test_the_mail_goes_once_in_each_contacts_language(demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    disbursed_loan(demo)
    demo.execute(text("UPDATE users SET preferred_language = 'en' WHERE email = 'finance@lumen.demo'"))
    clock.set(DUE_SOON)
    raised = service.remind_seller(demo, service_context(), seller, date(2026, 11, 12))
    repayment = next(row for row in raised if row.kind == "repayment_due")
    transport = MailboxTransport()
    assert service.send_reminder(demo, transport, repayment.id) == 2
    assert service.send_reminder(demo, transport, repayment.id) == 2  # found sent: nothing new
    mails = demo.execute(text("SELECT recipient, language, subject, body_text FROM mail_messages "
                              "WHERE idempotency_key LIKE 'insights:reminder:%' ORDER BY recipient")).all()
    assert [(m[0], m[1], m[2]) for m in mails] == [
        ("finance@lumen.demo", "en", "10098.63 USD due on 2026-11-14 on your loan"),
        ("owner@lumen.demo", "zh_Hans", "您的贷款将于 2026-11-14 到期应还 10098.63 USD"),
    ]
    # No payout is expected between 12 and 14 November (the next one is due on 25 November).
    assert "repay about 0.00 USD of it automatically" in mails[0][3]
    assert "约 0.00 USD" in mails[1][3]
    assert repayment.emailed_at is not None


def test_restock_reminder_text(demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    clock.set(DUE_SOON)
    raised = service.remind_seller(demo, service_context(), seller, date(2026, 11, 12))
    christmas = next(row for row in raised if row.reminder_key.endswith("christmas:2026"))
    title, body = service.texts(christmas, "en")
    assert title == "Order 60 units of LAMP-01 by 2026-10-14 for Christmas"
    assert body == ("LAMP-01: at 2.00 units a day you will have about 0 units when Christmas starts on "
                    "2026-12-01; the season sells about 1.5× a normal day, 60 units over 20 days. Your "
                    "shipments take 41 days to arrive, so order 60 units by 2026-10-14.")
    assert service.texts(christmas, "zh_Hans")[0] == "请在 2026-10-14 前订购 60 件 LAMP-01，备战圣诞节"
    assert christmas.inputs["velocity_window_days"] == 30
    assert christmas.version == "insights@v1"


def service_context():  # type: ignore[no-untyped-def]
    from fourflow.audit.service import AuditContext
    return AuditContext.system()
