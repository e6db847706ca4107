"""Anyone may verify a contract: the public page and the API, without signing in."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from tests.lending.contracts.conftest import flip_byte

PDF = "application/pdf"


def test_the_page_is_public_and_shows_the_form(client: TestClient) -> None:
    page = client.get("/contracts/verify")
    assert page.status_code == 200
    assert "<h1>Verify a contract</h1>" in page.text
    assert ('<input id="contract-file" name="file" type="file" accept="application/pdf,.pdf" required>'
            in page.text)
    assert "PDF files up to 20 MB." in page.text


def test_posting_a_signed_contract_shows_both_signatures_intact_and_trusted(client: TestClient,
                                                                            signed_contract: bytes) -> None:
    page = client.post("/contracts/verify", files={"file": ("FF-2026-000123.pdf", signed_contract, PDF)})
    assert page.status_code == 200
    assert ('<p class="notice success" role="status" id="verdict">Intact: the file is exactly as it was '
            'signed.</p>') in page.text
    assert '<span class="badge" data-field="trusted">Fourflow platform CA</span>' in page.text
    assert hashlib.sha256(signed_contract).hexdigest() in page.text
    assert 'data-signature="Seller"' in page.text
    assert 'data-signature="Platform"' in page.text
    assert "Li Wei<br><span class=\"muted\">Shenzhen Lumen Electronics Co., Ltd.</span>" in page.text


def test_a_tampered_file_or_garbage_is_reported_on_the_page(client: TestClient,
                                                            signed_contract: bytes) -> None:
    tampered = client.post("/contracts/verify",
                           files={"file": ("x.pdf", flip_byte(signed_contract, b"/Title ("), PDF)})
    assert tampered.status_code == 200
    assert ('id="verdict">Not intact. A signature does not match the signed bytes: the file was altered '
            'after signing.</p>') in tampered.text
    garbage = client.post("/contracts/verify", files={"file": ("notes.pdf", b"hello", PDF)})
    assert 'id="verdict">Not intact. This file is not a PDF that can be read.</p>' in garbage.text


def test_posting_without_a_file_asks_for_one(client: TestClient) -> None:
    page = client.post("/contracts/verify", data={})
    assert page.status_code == 422
    assert ('<p class="notice error" role="alert" id="verify-error">Choose a PDF file to verify.</p>'
            in page.text)


def test_the_api_answers_the_report_as_json(client: TestClient, signed_contract: bytes) -> None:
    response = client.post("/api/v1/contracts/verify", files={"file": ("c.pdf", signed_contract, PDF)})
    assert response.status_code == 200
    report = response.json()
    assert (report["intact"], report["trusted"], report["error"]) == (True, True, None)
    assert report["document_sha256"] == hashlib.sha256(signed_contract).hexdigest()
    assert [(s["field"], s["signer"], s["intact"], s["trusted"], s["timestamp_trusted"], s["coverage"])
            for s in report["signatures"]] == [
        ("Seller", "Li Wei", True, True, True, "entire_revision"),
        ("Platform", "Fourflow Platform Contract Signing", True, True, True, "entire_file")]
    broken = client.post("/api/v1/contracts/verify", files={"file": ("c.pdf", b"%PDF-", PDF)}).json()
    assert (broken["intact"], broken["error_code"], broken["signatures"]) == (False, "not_a_pdf", [])


def test_the_api_refuses_files_over_20_megabytes(client: TestClient) -> None:
    response = client.post("/api/v1/contracts/verify",
                           files={"file": ("big.pdf", b"0" * (20 * 1_048_576 + 1), PDF)})
    assert response.status_code == 413
    assert response.json() == {"error": "contract_file_too_large",
                               "detail": "The file is larger than 20 MB; a contract is much smaller."}
