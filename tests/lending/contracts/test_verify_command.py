"""`fourflow contracts verify FILE`: the report as JSON, exit 0 only when intact; with no
database it still checks integrity."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fourflow.cli import app
from fourflow.core.settings import get_settings
from fourflow.lending.contracts.service import pki
from tests.lending.contracts.conftest import flip_byte

runner = CliRunner()


@pytest.fixture
def database_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """The command reads the test database, where the test's own (uncommitted) keys are not
    visible: the platform CA is given as --trust-root instead."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def no_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def files(tmp_path: Path, session: Session, signed_contract: bytes) -> dict[str, Path]:
    paths = {"signed": tmp_path / "signed.pdf", "tampered": tmp_path / "tampered.pdf",
             "garbage": tmp_path / "garbage.pdf", "root": tmp_path / "root.pem"}
    paths["signed"].write_bytes(signed_contract)
    paths["tampered"].write_bytes(flip_byte(signed_contract, b"/Title ("))
    paths["garbage"].write_bytes(b"not a pdf")
    root_pem = pki.platform_root_certificate_pem(session)
    assert root_pem is not None
    paths["root"].write_text(root_pem)
    return paths


@pytest.mark.usefixtures("database_env")
def test_a_signed_contract_verifies_with_exit_code_0(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["contracts", "verify", str(files["signed"]),
                                 "--trust-root", str(files["root"])])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["intact"], report["trusted"]) == (True, True)
    signatures = [(s["field"], s["signer"], s["trusted"], s["timestamp_trusted"])
                  for s in report["signatures"]]
    assert signatures == [("Seller", "Li Wei", True, True),
                          ("Platform", "Fourflow Platform Contract Signing", True, True)]


@pytest.mark.usefixtures("database_env")
def test_tampered_and_garbage_files_exit_1(files: dict[str, Path]) -> None:
    tampered = runner.invoke(app, ["contracts", "verify", str(files["tampered"])])
    assert tampered.exit_code == 1
    assert json.loads(tampered.stdout)["error_code"] == "signature_broken"
    garbage = runner.invoke(app, ["contracts", "verify", str(files["garbage"])])
    assert garbage.exit_code == 1
    assert json.loads(garbage.stdout)["error"] == "This file is not a PDF that can be read."
    missing = runner.invoke(app, ["contracts", "verify", str(files["garbage"]) + ".absent"])
    assert missing.exit_code == 1
    assert "cannot read" in missing.stderr


@pytest.mark.usefixtures("no_database")
def test_without_a_database_integrity_is_still_checked(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["contracts", "verify", str(files["signed"])])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["intact"], report["trusted"]) == (True, False)
    assert "platform CA unavailable (OperationalError); checking integrity only" in result.stderr
