"""Trade-data pages: the overview (empty state, KPIs, charts' data), the upload page and its
endpoint (summary or localised problems, whole page or the fragment upload.js swaps in), the
seller picker for staff."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.helpers import choose_language, count, organisation_id, sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tradedata"


def _settlement() -> bytes:
    return (FIXTURES / "amazon" / "settlement_v2_us.txt").read_bytes()


def test_a_seller_without_data_sees_the_empty_state_with_a_way_to_upload(client: TestClient,
                                                                        demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    choose_language(client, "en", csrf)
    page = client.get("/trade-data")
    assert page.status_code == 200
    assert "No trade data yet" in page.text
    assert 'href="/trade-data/uploads"' in page.text
    assert 'aria-current="page">Trade data</a>' in page.text
    assert 'id="seller-picker"' not in page.text  # a seller sees only their own


def test_upload_page_lists_the_formats_and_stores_a_file(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    choose_language(client, "en", csrf)
    page = client.get("/trade-data/uploads")
    assert page.status_code == 200
    assert '<option value="amazon-settlement" data-extensions=".txt,.tsv"' in page.text
    assert "Amazon settlement report (flat file, V2 or older layout)" in page.text
    assert 'src="/static/upload.js"' in page.text
    assert "No uploads yet." in page.text

    stored = client.post("/trade-data/uploads", data={"csrf_token": csrf, "format": "amazon-settlement"},
                         files={"file": ("settlement.txt", _settlement(), "text/plain")})
    assert stored.status_code == 200, stored.text
    assert "File stored" in stored.text
    assert re.search(r'data-field="rows">\d+<', stored.text)
    assert '<td class="filename">settlement.txt' in stored.text  # in the recent uploads
    assert count(demo, "trade_ingest_batches") == 1

    # The same file through upload.js's request: only the outcome fragment, all duplicates now.
    again = client.post("/trade-data/uploads", headers={"X-CSRF-Token": csrf,
                                                         "X-Fourflow-Fragment": "upload-outcome"},
                        data={"format": "amazon-settlement"},
                        files={"file": ("settlement.txt", _settlement(), "text/plain")})
    assert again.status_code == 200
    assert again.headers["X-Fourflow-Fragment"] == "upload-outcome"
    assert "<html" not in again.text
    assert 'data-field="inserted">0<' in again.text
    assert 'data-field="updated">0<' in again.text

    # The file is from March 2021: the page points there rather than claiming there is no data.
    recent = client.get("/trade-data")
    assert "The newest trade data is from 2021-03-17." in recent.text
    assert 'href="/trade-data?until=2021-03"' in recent.text
    overview = client.get("/trade-data?until=2021-03")
    assert "Sales in 2021-03" in overview.text
    assert 'data-chart="series"' in overview.text
    money = re.search(r"data-series='([^']+)' data-unit=\"USD\"", overview.text)
    assert money is not None
    series = json.loads(money.group(1).replace("&#34;", '"'))
    assert [item["name"] for item in series] == ["Sales", "Refunds", "Fees", "Payouts"]


def test_a_bad_file_shows_its_problems_in_the_users_language(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    choose_language(client, "zh_Hans", csrf)
    broken = _settlement().replace(b"\t59.98\t", b"\tfifty\t")
    response = client.post("/trade-data/uploads", headers={"X-CSRF-Token": csrf,
                                                            "X-Fourflow-Fragment": "upload-outcome"},
                           data={"format": "amazon-settlement"},
                           files={"file": ("broken.txt", broken, "text/plain")})
    assert response.status_code == 422
    assert 'class="card upload-problems"' in response.text
    rows = re.findall(r'<tr><td class="number">(\d+)</td><td><code>([^<]+)</code></td><td>([^<]+)</td></tr>',
                      response.text)
    assert rows
    assert rows[0][:2] == ("3", "amount")
    assert "Nothing was stored" not in response.text  # the message is in Chinese
    assert count(demo, "trade_ingest_batches") == 0

    missing = client.post("/trade-data/uploads", data={"csrf_token": csrf, "format": "amazon-settlement"})
    assert missing.status_code == 422
    assert 'class="card upload-problems"' in missing.text


def test_staff_pick_a_seller_and_upload_on_their_behalf(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    choose_language(client, "en", csrf)
    lumen = organisation_id(demo, "lumen-electronics")
    page = client.get("/trade-data")
    assert page.status_code == 200
    assert 'id="seller-picker"' in page.text
    assert "Choose a seller to see their trade data." in page.text
    assert "Lumen" in page.text
    uploads = client.get("/trade-data/uploads")
    assert 'id="upload-form"' not in uploads.text  # no seller picked yet: nothing to upload for
    stored = client.post("/trade-data/uploads", data={"csrf_token": csrf, "format": "amazon-settlement",
                                                      "seller_id": lumen},
                         files={"file": ("settlement.txt", _settlement(), "text/plain")})
    assert "File stored" in stored.text
    assert f'name="seller_id" value="{lumen}"' in stored.text
    chosen = client.get(f"/trade-data?seller_id={lumen}&until=2021-03")
    assert chosen.status_code == 200
    assert f'<option value="{lumen}" selected>' in chosen.text
    assert "Sales in " in chosen.text


def test_a_seller_cannot_open_another_sellers_trade_data(client: TestClient, demo: Session) -> None:
    sign_in(client, "finance@lumen.demo")
    other = organisation_id(demo, "silkroad-home")
    assert client.get(f"/trade-data?seller_id={other}").status_code == 403
