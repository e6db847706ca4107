"""The insights API and pages: a seller reads their own insights, deductions and reminders and marks
reminders read; another seller's reminder is not found and stays unread; staff name the seller."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock
from fourflow.insights import service
from tests.helpers import choose_language, sign_in
from tests.insights.conftest import disbursed_loan, trade_history

API = "/api/v1/insights"


def _owner(client: TestClient, email: str = "owner@lumen.demo") -> dict[str, str]:
    csrf = sign_in(client, email)
    choose_language(client, "en", csrf)
    return {"X-CSRF-Token": csrf}


def test_insights_and_deductions_through_the_api(client: TestClient, demo: Session,
                                                 clock: FrozenClock) -> None:
    trade_history(demo)
    loan = disbursed_loan(demo)
    demo.flush()
    headers = _owner(client)
    found = client.get(API, headers=headers)
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["version"], body["data_as_of"]) == ("insights@v1", "2026-09-30")
    assert body["cash_cycle"]["cash_conversion_cycle_days"] == "158.5"
    assert [(s["sku"], s["cover_days"], s["lead_time_days"]) for s in body["stock"]] == [
        ("LAMP-01", "50.0", 41), ("CABLE-01", "300.0", 41)]
    assert (body["sales_trend"]["change_percent"], body["sales_trend"]["direction"]) == ("10.0", "growing")
    assert [(r["peak"], r["order_by"], r["units"]) for r in body["restock"]][:2] == [
        ("black_friday", "2026-10-10", 16), ("christmas", "2026-10-14", 60)]
    assert body["restock"][1]["reason"].endswith("so order 60 units by 2026-10-14.")
    deductions = client.get(f"{API}/upcoming-deductions", headers=headers).json()
    assert [(p["expected_on"], p["amount"], p["deducted"]) for p in deductions["payouts"]] == [
        ("2026-10-28", "900.00", "900.00"), ("2026-11-11", "900.00", "900.00")]
    assert deductions["by_loan"] == {str(loan.id): "1800.00"}
    assert deductions["totals"] == [{"currency": "USD", "payouts": "1800.00", "deducted": "1800.00",
                                     "to_wallet": "0.00"}]
    refused = client.get(f"{API}/upcoming-deductions?days=0", headers=headers)
    assert refused.status_code == 422


def test_staff_name_the_seller(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    demo.flush()
    headers = _owner(client, "risk@fourflow.demo")
    missing = client.get(API, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (422, "seller_required")
    named = client.get(API, headers=headers, params={"seller_id": str(seller)})
    assert named.status_code == 200, named.text
    viewed = demo.execute(text("SELECT count(*) FROM audit_events WHERE action = 'insights:viewed'"))
    assert viewed.scalar_one() == 1


def test_reminders_list_and_mark_read(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    clock.set(datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    raised = service.remind_seller(demo, AuditContext.system(), seller, date(2026, 11, 12))
    demo.flush()
    assert len(raised) == 2  # Black Friday and Christmas
    other = TestClient(client.app, base_url="http://testserver")
    other_headers = _owner(other, "owner@silkroad.demo")
    target = raised[0].id
    refused = other.post(f"{API}/reminders/{target}/read", headers=other_headers)
    assert (refused.status_code, refused.json()["error"]) == (404, "reminder_not_found")
    assert other.get(f"{API}/reminders", headers=other_headers).json()["total"] == 0
    demo.refresh(raised[0])
    assert raised[0].read_at is None  # the refusal changed nothing

    headers = _owner(client)
    unread = client.get(f"{API}/reminders", headers=headers, params={"unread": "true"}).json()
    assert unread["total"] == 2
    assert {item["title"] for item in unread["items"]} == {
        "Order 16 units of LAMP-01 by 2026-10-10 for Black Friday to Cyber Monday",
        "Order 60 units of LAMP-01 by 2026-10-14 for Christmas"}
    first = client.post(f"{API}/reminders/{target}/read", headers=headers)
    assert first.status_code == 200, first.text
    again = client.post(f"{API}/reminders/{target}/read", headers=headers)
    assert again.json()["read_at"] == first.json()["read_at"]  # the first reading stays
    assert client.get(f"{API}/reminders", headers=headers, params={"unread": "true"}).json()["total"] == 1
    assert client.post(f"{API}/reminders/not-a-uuid/read", headers=headers).status_code == 422
    assert client.post(f"{API}/reminders/read-all", headers=headers).json() == {"marked_read": 1}
    assert service.unread_count(demo, seller) == 0
    reads = demo.execute(text("SELECT action FROM audit_events WHERE action IN "
                              "('insights:reminder:read', 'insights:reminders:read_all')")).scalars().all()
    assert sorted(reads) == ["insights:reminder:read", "insights:reminders:read_all"]


def test_the_pages(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    disbursed_loan(demo)
    clock.set(datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    raised = service.remind_seller(demo, AuditContext.system(), seller, date(2026, 11, 12))
    demo.flush()
    headers = _owner(client)
    page = client.get("/insights")
    assert page.status_code == 200
    assert "Order 60 units of LAMP-01 by 2026-10-14 for Christmas" in page.text
    assert "158.5" in page.text
    assert "Stock cover by SKU" in page.text
    bell = client.get("/insights/bell")
    assert 'class="bell-count">3<' in bell.text
    marked = client.post(f"/insights/reminders/{raised[0].id}/read",
                         headers={**headers, "HX-Request": "true"})
    assert marked.status_code == 200
    assert "Read" in marked.text
    assert 'class="bell-count">2<' in client.get("/insights/bell").text
    loans_page = client.get("/loans")
    assert "Upcoming deductions" in loans_page.text
    choose_language(client, "zh_Hans", headers["X-CSRF-Token"])
    chinese = client.get("/insights")
    assert "经营洞察" in chinese.text
    assert "请在 2026-10-14 前订购 60 件 LAMP-01，备战圣诞节" in chinese.text
    assert "即将扣款" in client.get("/loans").text


def test_empty_page_and_staff_refused(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    _owner(client, "owner@silkroad.demo")
    page = client.get("/insights")
    assert "No trade data yet" in page.text
    assert "No reminders" in page.text
    staff = TestClient(client.app, base_url="http://testserver")
    _owner(staff, "risk@fourflow.demo")
    assert staff.get("/insights").status_code == 404
