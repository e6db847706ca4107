import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.demo_data import DEMO_PASSWORD
from tests.helpers import count, sign_in


def _login_csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match is not None
    return match.group(1)


def _attempt(client: TestClient, email: str, password: str) -> int:
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": _login_csrf(client)},
                           follow_redirects=False)
    return response.status_code


@pytest.fixture
def frozen_clock() -> FrozenClock:
    clock = FrozenClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


def test_sign_in_sets_a_session_and_the_home_page_greets_the_user(client: TestClient, demo: Session) -> None:
    sign_in(client, "admin@fourflow.demo")
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Ada Administrator" in home.text
    assert demo.execute(text(
        "SELECT count(*) FROM user_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE u.email='admin@fourflow.demo'")).scalar_one() == 1
    me = client.get("/api/v1/me").json()
    assert (me["actor_type"], me["role"], me["organisation"]["slug"]) == ("user", "administrator", "fourflow")


def test_wrong_password_is_refused_with_a_localised_message(client: TestClient, demo: Session) -> None:
    response = client.post("/login", data={"email": "admin@fourflow.demo", "password": "nope",
                                           "csrf_token": _login_csrf(client)},
                           headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
    assert response.status_code == 401
    assert "邮箱或密码不正确。" in response.text
    assert "fourflow_session" not in response.cookies


def test_lockout_after_five_failures_then_release(client: TestClient, demo: Session,
                                                  frozen_clock: FrozenClock) -> None:
    for _ in range(4):
        assert _attempt(client, "finance@lumen.demo", "wrong-password") == 401
    locked_count = demo.execute(text(
        "SELECT failed_login_count FROM users WHERE email='finance@lumen.demo'")).scalar_one()
    assert locked_count == 4
    assert _attempt(client, "finance@lumen.demo", "wrong-password") == 401
    locked_until = demo.execute(text(
        "SELECT locked_until FROM users WHERE email='finance@lumen.demo'")).scalar_one()
    assert locked_until == datetime(2026, 11, 25, 9, 15, tzinfo=UTC)
    # Even the right password is refused while locked.
    response = client.post("/login", data={"email": "finance@lumen.demo", "password": DEMO_PASSWORD,
                                           "csrf_token": _login_csrf(client)},
                           headers={"Accept-Language": "en"}, follow_redirects=False)
    assert response.status_code == 401
    assert "locked until 2026-11-25 09:15 UTC" in response.text
    frozen_clock.advance(timedelta(minutes=16))
    assert _attempt(client, "finance@lumen.demo", DEMO_PASSWORD) == 303
    assert demo.execute(text(
        "SELECT count(*) FROM audit_events WHERE action='identity:user:locked_out'")).scalar_one() == 1


def test_login_without_the_csrf_cookie_is_refused(client: TestClient, demo: Session) -> None:
    sessions_before = count(demo, "user_sessions")
    response = client.post("/login", data={"email": "admin@fourflow.demo", "password": DEMO_PASSWORD,
                                           "csrf_token": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert count(demo, "user_sessions") == sessions_before


def test_cookie_authenticated_changes_need_the_csrf_token(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    organisations_before = count(demo, "organisations")
    payload = {"slug": "new-seller", "name": "New Seller", "kind": "seller", "country_code": "vn"}
    refused = client.post("/api/v1/organisations", json=payload)
    assert refused.status_code == 403
    assert refused.json()["error"] == "csrf_failed"
    assert count(demo, "organisations") == organisations_before
    accepted = client.post("/api/v1/organisations", json=payload, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201
    assert accepted.json()["country_code"] == "VN"
    assert count(demo, "organisations") == organisations_before + 1


def test_sign_out_revokes_the_session(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert demo.execute(text("SELECT count(*) FROM user_sessions WHERE revoked_at IS NOT NULL")
                        ).scalar_one() == 1
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_language_switch_is_saved_to_the_profile(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    response = client.post("/language", data={"language": "zh_Hans", "next": "/",
                                               "csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert demo.execute(text("SELECT preferred_language FROM users WHERE email='admin@fourflow.demo'")
                        ).scalar_one() == "zh_Hans"
    assert "欢迎" in client.get("/").text


def test_open_redirects_are_refused(client: TestClient, demo: Session) -> None:
    response = client.post("/login", data={"email": "admin@fourflow.demo", "password": DEMO_PASSWORD,
                                           "csrf_token": _login_csrf(client),
                                           "next": "https://evil.example/"},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_deactivated_users_lose_their_sessions_and_cannot_sign_in(client: TestClient, demo: Session) -> None:
    from fastapi.testclient import TestClient as Browser

    seller = Browser(client.app)
    sign_in(seller, "finance@silkroad.demo")
    assert seller.get("/api/v1/me").status_code == 200
    csrf = sign_in(client, "owner@silkroad.demo")
    user_id = demo.execute(text("SELECT id FROM users WHERE email='finance@silkroad.demo'")).scalar_one()
    response = client.post(f"/api/v1/users/{user_id}/deactivate", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert seller.get("/api/v1/me").status_code == 401
    assert _attempt(seller, "finance@silkroad.demo", DEMO_PASSWORD) == 401
    assert demo.execute(text("SELECT count(*) FROM audit_events WHERE action='identity:user:deactivated'")
                        ).scalar_one() == 1
    reactivated = client.post(f"/api/v1/users/{user_id}/activate", headers={"X-CSRF-Token": csrf})
    assert reactivated.json()["is_active"] is True
    assert _attempt(seller, "finance@silkroad.demo", DEMO_PASSWORD) == 303


def test_nobody_deactivates_themselves(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@silkroad.demo")
    me = client.get("/api/v1/me").json()
    response = client.post(f"/api/v1/users/{me['id']}/deactivate",
                           headers={"X-CSRF-Token": csrf, "Accept-Language": "en"})
    assert response.status_code == 409
    assert response.json()["error"] == "cannot_deactivate_self"
    assert demo.execute(text("SELECT is_active FROM users WHERE id = :i"), {"i": me["id"]}).scalar_one()
