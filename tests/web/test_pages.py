"""Form pages: errors shown by field in the user's language, refused forms store nothing."""

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.settings import Settings
from tests.conftest import shared_data
from tests.helpers import choose_language, count, organisation_id, sign_in


def test_new_organisation_form_shows_field_errors_and_stores_nothing(client: TestClient,
                                                                      demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    choose_language(client, "zh_Hans", csrf)
    events = count(demo, "audit_events")
    response = client.post("/organisations/new", data={
        "csrf_token": csrf, "name": "", "slug": "Bad Slug!", "kind": "seller", "country_code": "C1"})
    assert response.status_code == 422
    assert 'id="name-error">此项为必填项。' in response.text
    assert 'id="slug-error">该值无效。' in response.text
    assert 'id="country-error">该值无效。' in response.text
    assert count(demo, "organisations") == 8
    taken = client.post("/organisations/new", data={
        "csrf_token": csrf, "name": "Copy", "slug": "bright-toys", "kind": "seller", "country_code": "CN"})
    assert taken.status_code == 422
    assert "简称 bright-toys 已被其他机构使用。" in taken.text
    assert (count(demo, "organisations"), count(demo, "audit_events")) == (8, events)


def test_new_organisation_form_creates_and_redirects(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    response = client.post("/organisations/new", data={
        "csrf_token": csrf, "name": "Ningbo Harbour Supplies", "slug": "ningbo-supplies",
        "kind": "supplier", "country_code": "cn"}, follow_redirects=False)
    assert response.status_code == 303
    created = demo.execute(text(
        "SELECT id, kind, country_code FROM organisations WHERE slug='ningbo-supplies'")).one()
    assert (created.kind, created.country_code) == ("supplier", "CN")
    assert response.headers["location"] == f"/organisations/{created.id}"


def test_forms_without_the_csrf_token_are_refused(client: TestClient, demo: Session) -> None:
    sign_in(client, "admin@fourflow.demo")
    response = client.post("/organisations/new", data={
        "name": "X", "slug": "x-org", "kind": "seller", "country_code": "CN"},
        headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert count(demo, "organisations") == 8


def test_invitation_form_errors_keep_the_values(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    choose_language(client, "en", csrf)
    lumen = organisation_id(demo, "lumen-electronics")
    response = client.post(f"/organisations/{lumen}/invitations", data={
        "csrf_token": csrf, "email": "finance@lumen.demo", "role": "seller_finance", "language": "en"})
    assert response.status_code == 409
    assert "A user with the e-mail address finance@lumen.demo already exists." in response.text
    assert 'value="finance@lumen.demo"' in response.text
    assert count(demo, "invitations") == 0
    sent = client.post(f"/organisations/{lumen}/invitations", data={
        "csrf_token": csrf, "email": "warehouse.lead@lumen.demo", "role": "seller_finance",
        "language": "zh_Hans"})
    assert sent.status_code == 200
    assert "Invitation sent to warehouse.lead@lumen.demo." in sent.text
    assert count(demo, "invitations") == 1


def test_developer_page_shows_a_new_secret_once(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    choose_language(client, "en", csrf)
    response = client.post("/developer/clients", data={
        "csrf_token": csrf, "name": "ERP sync", "scopes": ["profile:read", "organisation:read"]})
    assert response.status_code == 200
    secret = re.search(r'<code class="secret">([^<]+)</code>', response.text)
    assert secret is not None
    listing = client.get("/developer")
    assert "ERP sync" in listing.text
    assert secret.group(1) not in listing.text
    empty = client.post("/developer/clients", data={"csrf_token": csrf, "name": "No scopes"})
    assert empty.status_code == 422
    assert "Choose at least one." in empty.text
    assert demo.execute(text("SELECT count(*) FROM api_clients WHERE name='No scopes'")).scalar_one() == 0


def test_staff_pages_are_forbidden_to_sellers(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    choose_language(client, "en", csrf)
    for path in ("/organisations", "/audit", "/developer", "/organisations/new"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have permission to do this." in response.text


def test_mailbox_exists_only_in_development(client: TestClient, demo: Session, settings: Settings) -> None:
    assert client.get("/mailbox", headers={"Accept": "text/html"}).status_code == 404
    settings.environment = "development"
    assert client.get("/mailbox").status_code == 200


def test_anonymous_pages_redirect_to_sign_in(client: TestClient) -> None:
    response = client.get("/organisations", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/organisations"


def test_funds_page_shows_the_sellers_balances_and_movements(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    choose_language(client, "en", csrf)
    page = client.get("/funds")
    assert page.status_code == 200
    assert "18,450.00" in page.text
    assert "Wallet" in page.text
    assert "Payouts being allocated" in page.text
    choose_language(client, "zh_Hans", csrf)
    chinese = client.get("/funds")
    assert "钱包" in chinese.text
    assert "资金流水" in chinese.text


def test_operations_reconcile_a_statement_through_the_pages(client: TestClient, demo: Session) -> None:
    from fourflow.ledger import service as ledger

    platform = demo.execute(text("SELECT id FROM organisations WHERE slug='fourflow'")).scalar_one()
    bank = ledger.open_account(demo, platform, "platform:bank", "EUR", subject="page-test")
    suspense = ledger.open_account(demo, platform, "platform:suspense", "EUR")
    ledger.transfer(demo, AuditContext.system(), ledger.Transfer(
        "page-recon-1", description="Funding", postings=(
        ledger.Posting(bank.id, ledger.Side.DEBIT, Decimal("8.85"), "EUR"),
        ledger.Posting(suspense.id, ledger.Side.CREDIT, Decimal("8.85"), "EUR"))))
    csrf = sign_in(client, "operations@fourflow.demo")
    choose_language(client, "en", csrf)
    overview = client.get("/operations")
    assert overview.status_code == 200
    assert "lotus-pay" in overview.text
    assert "Closed (healthy)" in overview.text
    content = shared_data("payments/camt_genkgo_camt053.v2.minimal.xml").read_bytes()
    uploaded = client.post(f"/operations/reconciliation/{bank.id}/statements",
                           data={"csrf_token": csrf}, files={"file": ("camt.xml", content)})
    assert uploaded.status_code == 200
    assert "1 lines read, 1 new, 0 matched automatically, 1 left to match." in uploaded.text
    line_id = re.search(r'name="statement_line_id" value="([^"]+)"', uploaded.text)
    posting_id = re.search(r'<option value="(\d+)">', uploaded.text)
    assert line_id is not None
    assert posting_id is not None
    matched = client.post(f"/operations/reconciliation/{bank.id}/matches", data={
        "csrf_token": csrf, "statement_line_id": line_id.group(1), "posting_id": posting_id.group(1)},
        follow_redirects=True)
    assert "No breaks: every imported line is matched." in matched.text


def test_sellers_do_not_see_operations(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    choose_language(client, "en", csrf)
    assert client.get("/operations").status_code == 403


def test_seller_pays_a_supplier_and_converts_from_the_funds_page(client: TestClient, demo: Session) -> None:
    from fourflow.demo_data import demo_ecb_file
    from fourflow.tradedata import service as tradedata

    tradedata.ingest_ecb_rates(demo, demo_ecb_file())
    csrf = sign_in(client, "finance@lumen.demo")
    choose_language(client, "en", csrf)
    page = client.get("/funds")
    wallet = re.search(r'<option value="([^"]+)">Wallet · USD</option>', page.text)
    assert wallet is not None
    assert "USD/EUR" in page.text  # forward quotes for the currencies the seller holds
    paid = client.post("/funds/payouts", data={
        "csrf_token": csrf, "source_account_id": wallet.group(1), "amount": "1,200.00",
        "beneficiary_name": "Dongguan Moulds", "beneficiary_account": "CN001122",
        "beneficiary_country": "cn", "reference": "PO-77", "idempotency_key": "web-payout-1"})
    assert paid.status_code == 200
    assert "Payout of 1,200.00 requested" in paid.text
    assert "Your payouts" in paid.text
    assert "In progress" in paid.text
    assert demo.execute(text("SELECT state, amount FROM payments")).one() == ("requested", Decimal("1200.00"))
    too_much = client.post("/funds/conversions", data={
        "csrf_token": csrf, "source_account_id": wallet.group(1), "amount": "99999.00",
        "target_currency": "EUR", "idempotency_key": "web-fx-1"})
    assert too_much.status_code == 422
    assert "is not enough for this transfer" in too_much.text
    converted = client.post("/funds/conversions", data={
        "csrf_token": csrf, "source_account_id": wallet.group(1), "amount": "500.00",
        "target_currency": "EUR", "idempotency_key": "web-fx-2"})
    assert "Converted 500.00." in converted.text
    assert "EUR" in converted.text
