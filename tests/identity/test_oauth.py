from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.demo_data import DEMO_CLIENT_SECRET
from tests.helpers import bearer_token, count, sign_in


def test_client_credentials_token_and_me(client: TestClient, demo: Session) -> None:
    response = client.post("/api/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "demo-lumen",
        "client_secret": DEMO_CLIENT_SECRET, "scope": "profile:read"})
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 900, "profile:read")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["organisation"]["slug"] == "lumen-electronics"
    assert me.json()["scopes"] == ["profile:read"]


def test_http_basic_client_authentication(client: TestClient, demo: Session) -> None:
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("demo-silkroad", DEMO_CLIENT_SECRET))
    assert response.status_code == 200
    assert response.json()["scope"] == (
        "ledger:read organisation:read organisation:users:read profile:read risk:decide tradedata:read "
        "tradedata:write")


@pytest.mark.parametrize(("form", "status", "code"), [
    ({"grant_type": "client_credentials", "client_id": "demo-lumen", "client_secret": "wrong"}, 401,
     "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}, 401,
     "invalid_client"),
    ({"grant_type": "password", "client_id": "demo-lumen", "client_secret": DEMO_CLIENT_SECRET}, 400,
     "unsupported_grant_type"),
    ({"grant_type": "client_credentials", "client_id": "demo-lumen", "client_secret": DEMO_CLIENT_SECRET,
      "scope": "platform:audit:read"}, 400, "invalid_scope"),
])
def test_bad_token_requests(client: TestClient, demo: Session, form: dict[str, str], status: int,
                            code: str) -> None:
    events_before = count(demo, "audit_events")
    response = client.post("/api/v1/oauth/token", data=form)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert count(demo, "audit_events") == events_before


def test_missing_scope_is_forbidden_with_the_scope_named(client: TestClient, demo: Session) -> None:
    token = bearer_token(client, "demo-lumen", scope="profile:read")
    lumen = demo.execute(text("SELECT id FROM organisations WHERE slug='lumen-electronics'")).scalar_one()
    response = client.get(f"/api/v1/organisations/{lumen}/users",
                          headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"})
    assert response.status_code == 403
    assert response.json() == {"error": "insufficient_scope",
                               "detail": "访问令牌缺少权限范围 organisation:users:read。"}


def test_expired_token_is_rejected(client: TestClient, demo: Session) -> None:
    clock = FrozenClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    previous = set_clock(clock)
    try:
        token = bearer_token(client, "demo-lumen")
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        clock.advance(timedelta(seconds=901))
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert response.headers["www-authenticate"] == "Bearer"
    finally:
        set_clock(previous)


def test_tampered_and_malformed_tokens_are_rejected(client: TestClient, demo: Session) -> None:
    token = bearer_token(client, "demo-lumen")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for header in (f"Bearer {forged}", "Bearer not-a-jwt", "Basic abc", "Bearer "):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"] == "invalid_token"


def test_revoking_a_client_stops_its_tokens_at_once(client: TestClient, demo: Session) -> None:
    token = bearer_token(client, "demo-lumen")
    csrf = sign_in(client, "owner@lumen.demo")
    client_row = demo.execute(text("SELECT id FROM api_clients WHERE client_id='demo-lumen'")).scalar_one()
    revoked = client.post(f"/api/v1/api-clients/{client_row}/revoke", headers={"X-CSRF-Token": csrf})
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    client.cookies.clear()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_created_client_secret_is_stored_only_as_a_digest(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "dev@pacificbridge.demo")
    organisation = demo.execute(text("SELECT id FROM organisations WHERE slug='pacific-bridge'")).scalar_one()
    response = client.post(f"/api/v1/organisations/{organisation}/api-clients",
                           headers={"X-CSRF-Token": csrf},
                           json={"name": "Tracking push", "scopes": ["profile:read"]})
    assert response.status_code == 201
    created = response.json()
    stored = demo.execute(text("SELECT secret_digest, scopes FROM api_clients WHERE client_id=:c"),
                          {"c": created["client_id"]}).one()
    assert created["client_secret"] not in stored.secret_digest
    assert len(stored.secret_digest) == 64
    assert stored.scopes == ["profile:read"]
    client.cookies.clear()
    token = bearer_token(client, created["client_id"], created["client_secret"])
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["organisation"]["slug"] == "pacific-bridge"
