"""The credit-model page of the risk console: the registry, the latest drift check with the
characteristics that moved most first, the score PSI chart, running a check, and empty states."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.risk.service import monitoring
from tests.helpers import choose_language, count, sign_in
from tests.risk.drift_helpers import add_sellers_with_snapshots, register_drift_model

SHIFTED = {"high_short": 20, "high_long": 10, "low_long": 6, "low_no_tenure": 4}


def _chart(page: str, attribute: str) -> object:
    found = re.search(rf"data-{attribute}='([^']*)'", page)
    assert found is not None
    return json.loads(html.unescape(found.group(1)))


def test_registry_latest_check_and_chart(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "risk@fourflow.demo")
    choose_language(client, "en", csrf)
    console = client.get("/risk")
    assert '<a class="button" href="/risk/models">Credit models</a>' in console.text
    empty = client.get("/risk/models")
    assert empty.status_code == 200
    assert "No credit model yet" in empty.text
    assert "Check drift now" not in empty.text

    register_drift_model(demo, "pd-page-old", with_reference=False)
    register_drift_model(demo, "pd-page-1")
    add_sellers_with_snapshots(demo, SHIFTED, as_of=get_clock().now().date())
    before = client.get("/risk/models")
    assert "No drift check of version pd-page-1 yet; one runs every day." in before.text
    assert "No check with enough sellers yet." in before.text

    ran = client.post("/risk/models/drift-checks", data={"csrf_token": csrf}, follow_redirects=False)
    assert (ran.status_code, ran.headers["location"]) == (303, "/risk/models")
    assert count(demo, "risk_model_drift_checks") == 1
    page = client.get("/risk/models")
    assert page.status_code == 200
    assert 'aria-current="page">Risk</a>' in page.text
    # Registry: newest first, the active one marked, the card's figures.
    rows = re.findall(r'<td class="code">(pd-page-[a-z0-9]+)</td>\s*'
                      r'<td><span class="badge ([a-z]*)">(\w+)</span>', page.text)
    assert rows == [("pd-page-1", "", "Active"), ("pd-page-old", "muted", "Retired")]
    assert page.text.count("2025-11-01 – 2026-05-31") == 2
    assert ('<td class="number">0.8123</td>\n      <td class="number">0.4567</td>\n      '
            '<td class="number">0.6246</td>\n      <td class="number">0.1034</td>\n      '
            '<td class="number">0.0123</td>') in page.text
    # The latest check: drifted, its PSI, the characteristics that moved most first.
    assert '<strong class="figure"><span class="badge error">Drifted</span></strong>' in page.text
    assert '<strong class="figure">0.3466</strong>' in page.text
    assert '<strong class="figure">40</strong>' in page.text
    characteristics = re.findall(r'<tr><td class="code">(\w+)</td>\s*<td class="number">([0-9.]+)</td>\s*'
                                 r'<td><span class="badge (\w*)">(\w+)</span></td>', page.text)
    assert characteristics == [("tenure_months", "0.7124", "error", "Drifted"),
                               ("refund_rate", "0.2747", "error", "Drifted")]
    assert "<code>missing</code> 0 % → 10 %" in page.text
    assert '<td class="code">(-inf, 565)</td>\n      <td class="number">25.0 %</td>\n      ' \
           '<td class="number">50.0 %</td>' in page.text
    # Phones: every table scrolls sideways inside its wrapper.
    assert page.text.count('<div class="table-wrap">') == page.text.count('<table class="table">') == 3
    labels = _chart(page.text, "labels")
    series = _chart(page.text, "series")
    assert isinstance(labels, list)
    assert len(labels) == 1
    assert series == [{"name": "Score PSI", "type": "line", "values": [0.346574]},
                      {"name": "Watch from", "type": "line", "values": [0.1]},
                      {"name": "Drifted from", "type": "line", "values": [0.25]}]
    assert "Check drift now" in page.text

    # The old version active again: a check is refused on the page, with the reason.
    demo.execute(text("UPDATE risk_models SET status = 'retired'"))
    demo.execute(text("UPDATE risk_models SET status = 'active' WHERE version = 'pd-page-old'"))
    refused = client.post("/risk/models/drift-checks", data={"csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 409
    assert ("Credit model version pd-page-old has no drift reference; retrain it to monitor drift."
            in refused.text)
    assert count(demo, "risk_model_drift_checks") == 1


def test_too_few_sellers_and_readers_without_the_button(client: TestClient, demo: Session) -> None:
    register_drift_model(demo, "pd-page-2")
    add_sellers_with_snapshots(demo, {"high_short": 3}, as_of=get_clock().now().date())
    monitoring.check_drift(demo, AuditContext.system(), as_of=get_clock().now().date())
    csrf = sign_in(client, "auditor@fourflow.demo")
    choose_language(client, "en", csrf)
    page = client.get("/risk/models")
    assert page.status_code == 200
    assert '<span class="badge muted">Too few sellers</span>' in page.text
    assert "Too few sellers to measure drift: 3 of the 30 needed." in page.text
    assert "No check with enough sellers yet." in page.text
    assert "Check drift now" not in page.text  # reading risk is not managing it
    assert client.post("/risk/models/drift-checks", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 403


def test_sellers_cannot_open_the_model_page(client: TestClient, demo: Session) -> None:
    sign_in(client, "finance@lumen.demo")
    assert client.get("/risk/models").status_code == 403
