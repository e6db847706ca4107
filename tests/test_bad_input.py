"""Malformed JSON, oversize bodies, wrong types: a clear localised error, nothing stored."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.helpers import count, organisation_id, sign_in


def _lumen(session: Session) -> str:
    return organisation_id(session, "lumen-electronics")


def test_malformed_json_is_a_localised_422(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    response = client.post(f"/api/v1/organisations/{_lumen(demo)}/invitations",
                           content=b'{"email": "a@b.c", "role": ',
                           headers={"X-CSRF-Token": csrf, "Content-Type": "application/json",
                                    "Accept-Language": "zh-CN"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert body["detail"][0]["message"] == "请求内容不是有效的 JSON。"
    assert count(demo, "invitations") == 0


def test_wrong_types_name_the_field(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    response = client.post("/api/v1/organisations", headers={"X-CSRF-Token": csrf, "Accept-Language": "en"},
                           json={"slug": 12, "name": "", "kind": "bank", "country_code": "CHN"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "slug", "message": "Enter text here."},
        {"field": "name", "message": "This value is too short."},
        {"field": "kind", "message": "Choose one of the allowed values."},
        {"field": "country_code", "message": "This value is too long."},
    ]
    assert count(demo, "organisations") == 8


def test_oversize_bodies_are_refused_before_reading(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    client.cookies.delete("fourflow_language")  # answer in the language of Accept-Language
    payload = b'{"slug": "big", "name": "' + b"x" * 1_100_000 + b'", "kind": "seller", "country_code": "CN"}'
    response = client.post("/api/v1/organisations", content=payload,
                           headers={"X-CSRF-Token": csrf, "Content-Type": "application/json",
                                    "Accept-Language": "zh-CN"})
    assert response.status_code == 413
    assert response.json() == {"error": "request_too_large", "detail": "请求内容超过 1048576 字节。"}
    assert count(demo, "organisations") == 8


def test_oversize_chunked_bodies_are_refused_while_streaming(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")

    def chunks():  # no Content-Length: the limit is enforced as the body arrives
        yield b'{"slug": "big", "name": "'
        for _ in range(40):
            yield b"y" * 30_000
        yield b'", "kind": "seller", "country_code": "CN"}'

    response = client.post("/api/v1/organisations", content=chunks(),
                           headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "request_too_large"
    assert count(demo, "organisations") == 8


def test_unknown_route_and_method(client: TestClient) -> None:
    assert client.get("/api/v1/nothing-here").json() == {"error": "not_found", "detail": "Not found."}
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_unauthenticated_api_call_is_401_in_chinese(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 401
    assert response.json() == {"error": "authentication_required", "detail": "请先登录。"}


def test_responses_carry_request_id_and_security_headers(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["x-request-id"] != "bad id!"
