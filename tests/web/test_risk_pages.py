"""The risk console: risk staff see every seller's grade and a seller's profile (score history,
reasons, related parties, decisions); sellers can't open it."""

from __future__ import annotations

import copy
import html
import json
import re
import uuid
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fourflow.risk import rules
from fourflow.risk.models import RiskAlert
from fourflow.risk.service import anomalies
from fourflow.risk.service.sellers import seller_facts
from fourflow.risk.service.setup import prepare_risk_engine_for_world
from fourflow.tradedata.service import profiles
from fourflow.tradedata.simulation.loader import load_world
from tests.conftest import TEST_SECRET_KEY
from tests.helpers import choose_language, count, organisation_id, sign_in

END = date(2026, 10, 1)


def _world(demo: Session) -> list[str]:
    truth = load_world(demo, sellers=12, months=14, seed=5, end_month=END, secret=TEST_SECRET_KEY)
    prepare_risk_engine_for_world(demo, truth, secret=TEST_SECRET_KEY, version="pd-web-test")
    return list(truth.fraud_rings[0].sellers)


def test_risk_console_and_a_sellers_profile(client: TestClient, demo: Session) -> None:
    in_rings = _world(demo)
    csrf = sign_in(client, "risk@fourflow.demo")
    choose_language(client, "en", csrf)
    console = client.get("/risk")
    assert console.status_code == 200
    assert 'aria-current="page">Risk</a>' in console.text
    assert len(re.findall(r'<a href="/risk/sellers/', console.text)) == 12
    assert len(re.findall(r'class="badge grade grade-[a-e]"', console.text)) == 12

    member = organisation_id(demo, in_rings[0])
    profile = client.get(f"/risk/sellers/{member}")
    assert profile.status_code == 200
    assert "Score history" in profile.text
    assert "What lowers the score" in profile.text
    assert "Fraud ring" in profile.text
    found = re.search(r"data-network='([^']*)'", profile.text)
    assert found is not None
    network = json.loads(html.unescape(found.group(1)))
    # The ring's other members are drawn next to the seller.
    assert {f"seller:{slug}" for slug in in_rings} <= {node["id"] for node in network["nodes"]}

    choose_language(client, "zh_Hans", csrf)
    chinese = client.get(f"/risk/sellers/{member}")
    assert "评分历史" in chinese.text


def test_sellers_cannot_open_the_risk_console(client: TestClient, demo: Session) -> None:
    sign_in(client, "finance@lumen.demo")
    assert client.get("/risk").status_code == 403
    assert client.get(f"/risk/sellers/{organisation_id(demo, 'lumen-electronics')}").status_code == 403


def test_the_most_unusual_sellers_are_anomaly_alerts(demo: Session) -> None:
    _world(demo)
    # prepare_risk_engine raised them already: running again adds none for the same sellers.
    assert anomalies.raise_anomaly_alerts(demo) == []
    flagged = demo.execute(select(RiskAlert).where(RiskAlert.kind == "anomaly")).scalars().all()
    assert len(flagged) == 1  # 5 % of 12 sellers, rounded up by the forest
    contributions = flagged[0].details["contributions"]
    assert len(contributions) == 3
    assert {"feature", "value"} <= set(contributions[0])


def test_a_rule_set_version_is_proposed_read_as_a_diff_and_activated(client: TestClient,
                                                                       demo: Session) -> None:
    csrf = sign_in(client, "risk@fourflow.demo")
    choose_language(client, "en", csrf)
    listing = client.get("/risk/rules")
    assert listing.status_code == 200
    assert 'href="/risk/rules/hard_lines/1"' in listing.text
    document = copy.deepcopy(rules.default_rule_set(rules.HARD_LINES).document)
    table = next(node for node in document["nodes"] if node["type"] == "decisionTableNode")
    short = next(rule for rule in table["content"]["rules"] if rule["_id"] == "hl-history-short")
    short["in-history"] = "< 9"
    proposed = client.post("/api/v1/risk/rule-sets/hard_lines/versions", headers={"X-CSRF-Token": csrf},
                           json={"document": document, "note": "nine months"})
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["version"] == 2
    page = client.get("/risk/rules/hard_lines/2")
    assert page.status_code == 200
    assert "<code>history_months</code>: <code>[3..6)</code> → <code>&lt; 9</code>" in page.text
    activated = client.post("/risk/rules/hard_lines/2/activate", data={"csrf_token": csrf},
                            follow_redirects=False)
    assert activated.status_code == 303
    assert [(item["version"], item["status"]) for item in client.get(
        "/api/v1/risk/rule-sets?name=hard_lines").json()] == [(2, "active"), (1, "retired")]
    broken = client.post("/api/v1/risk/rule-sets/hard_lines/versions", headers={"X-CSRF-Token": csrf},
                         json={"document": {"nodes": [], "edges": []}})
    assert broken.status_code == 422
    assert len(client.get("/api/v1/risk/rule-sets?name=hard_lines").json()) == 2


def test_a_sellers_sign_in_leaves_its_device_for_the_fraud_checks(client: TestClient, demo: Session) -> None:
    seller = uuid.UUID(organisation_id(demo, "lumen-electronics"))
    before = count(demo, "trade_seller_devices")
    sign_in(client, "finance@lumen.demo")
    devices = profiles.devices(demo, seller)
    assert count(demo, "trade_seller_devices") == before + 1
    assert [(device.ip_address, device.user_agent) for device in devices] == [("testclient", "testclient")]
    facts = seller_facts(demo, seller)
    assert facts.history["new_device"] is True  # first seen just now: a drawdown would be reviewed
    client.cookies.clear()
    sign_in(client, "risk@fourflow.demo")  # staff sign-ins are not a seller's devices
    assert count(demo, "trade_seller_devices") == before + 1
