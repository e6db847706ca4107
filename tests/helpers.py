"""Small helpers for tests: sign in, get a bearer token, count rows, run threads together."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.demo_data import DEMO_CLIENT_SECRET, DEMO_PASSWORD


def sign_in(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = client.get("/login")
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert login_csrf is not None
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": login_csrf.group(1), "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    home = client.get("/")
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', home.text)
    assert token is not None
    return token.group(1)


def choose_language(client: TestClient, language: str, csrf: str) -> None:
    """Switch language the way the page does (it also saves the user's preference)."""
    response = client.post("/language", data={"language": language, "next": "/", "csrf_token": csrf},
                           follow_redirects=False)
    assert response.status_code == 303


def bearer_token(client: TestClient, client_id: str, secret: str = DEMO_CLIENT_SECRET,
                 scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope:
        data["scope"] = scope
    response = client.post("/api/v1/oauth/token", data=data)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def organisation_id(session: Session, slug: str) -> str:
    return str(session.execute(text("SELECT id FROM organisations WHERE slug = :slug"),
                               {"slug": slug}).scalar_one())


def count(session: Session, table: str) -> int:
    return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def run_together(target: Callable[[int], object], count: int,
                 timeout: float = 120) -> tuple[list[object], list[BaseException]]:
    """``target(0)`` … ``target(count - 1)`` in as many threads, released at once by a barrier (the
    concurrency tests' race); what they returned and what they raised."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    failures: list[BaseException] = []

    def runner(index: int) -> None:
        barrier.wait()
        try:
            results.append(target(index))
        except BaseException as error:  # noqa: BLE001 - collected and asserted on
            failures.append(error)

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, failures
