from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers import bearer_token, count, sign_in


def _account(session: Session, slug: str, code: str) -> str:
    return str(session.execute(text(
        "SELECT a.id FROM ledger_accounts a JOIN organisations o ON o.id = a.organisation_id "
        "WHERE o.slug = :slug AND a.code = :code"), {"slug": slug, "code": code}).scalar_one())


def test_operations_post_a_transfer_and_the_seller_sees_the_balance(client: TestClient,
                                                                    demo: Session) -> None:
    csrf = sign_in(client, "operations@fourflow.demo")
    lumen_wallet = _account(demo, "lumen-electronics", "seller:wallet")
    silkroad_wallet = _account(demo, "silkroad-home", "seller:wallet")
    body = {"idempotency_key": "api-transfer-0001", "description": "Refund of a duplicate fee",
            "postings": [
                {"account_id": lumen_wallet, "side": "debit", "amount": "120.50", "currency": "USD"},
                {"account_id": silkroad_wallet, "side": "credit", "amount": "120.50", "currency": "usd"}]}
    response = client.post("/api/v1/ledger/transfers", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    entry = response.json()
    assert (entry["kind"], len(entry["postings"])) == ("posted", 2)
    again = client.post("/api/v1/ledger/transfers", json=body, headers={"X-CSRF-Token": csrf})
    assert again.json()["id"] == entry["id"]
    assert count(demo, "ledger_entries") == 10
    client.cookies.clear()
    token = bearer_token(client, "demo-lumen", scope="ledger:read")
    balance = client.get(f"/api/v1/ledger/accounts/{lumen_wallet}/balance",
                         headers={"Authorization": f"Bearer {token}"})
    assert balance.status_code == 200
    assert balance.json()["posted"] == "18329.50"
    assert Decimal(balance.json()["available"]) == Decimal("18450.00") - Decimal("120.50")
    entries = client.get(f"/api/v1/ledger/accounts/{lumen_wallet}/entries",
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert [item["amount"] for item in entries["items"]] == ["120.50", "-18450.00"]
    other = client.get(f"/api/v1/ledger/accounts/{silkroad_wallet}/balance",
                       headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 404


def test_sellers_cannot_move_money(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    wallet = _account(demo, "lumen-electronics", "seller:wallet")
    response = client.post("/api/v1/ledger/transfers", headers={"X-CSRF-Token": csrf}, json={
        "idempotency_key": "seller-tries-0001", "postings": [
            {"account_id": wallet, "side": "credit", "amount": "1000000.00", "currency": "USD"},
            {"account_id": wallet, "side": "debit", "amount": "1000000.00", "currency": "USD"}]})
    assert response.status_code == 403
    assert count(demo, "ledger_entries") == 9


def test_bad_transfers_over_the_api_name_the_field(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "operations@fourflow.demo")
    wallet = _account(demo, "bright-toys", "seller:wallet")
    collections = _account(demo, "bright-toys", "seller:collections")
    cases = [
        ([("debit", wallet, "5000.00"), ("credit", collections, "5000.00")], 409, "insufficient_funds"),
        ([("debit", collections, "1.001"), ("credit", wallet, "1.001")], 422, "amount_too_precise"),
        ([("debit", collections, "2.00"), ("credit", wallet, "1.00")], 422, "entry_unbalanced"),
    ]
    for index, (postings, status, code) in enumerate(cases):
        response = client.post("/api/v1/ledger/transfers", headers={"X-CSRF-Token": csrf}, json={
            "idempotency_key": f"bad-api-{index:04d}", "postings": [
                {"account_id": account, "side": side, "amount": amount, "currency": "USD"}
                for side, account, amount in postings]})
        assert (response.status_code, response.json()["error"]) == (status, code), response.text
    float_amount = client.post("/api/v1/ledger/transfers", headers={"X-CSRF-Token": csrf}, json={
        "idempotency_key": "bad-api-float", "postings": [
            {"account_id": wallet, "side": "debit", "amount": 0.1, "currency": "USD"},
            {"account_id": collections, "side": "credit", "amount": 0.1, "currency": "USD"}]})
    assert float_amount.status_code == 422
    assert count(demo, "ledger_entries") == 9
