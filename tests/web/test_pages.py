"""Form pages: errors shown by field in the user's language, refused forms store nothing."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.settings import Settings
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
