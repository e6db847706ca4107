from fastapi.testclient import TestClient


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_database_and_migrations(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": True, "migrations_current": True}


def test_login_page_answers(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert "<form" in response.text
    assert response.headers["content-type"].startswith("text/html")
