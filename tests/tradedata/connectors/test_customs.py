"""Customs export declarations: tests/fixtures/tradedata/customs/declarations.json follows our
published src/fourflow/tradedata/published_schemas/customs-declarations.schema.json (no authority or
broker publishes a JSON layout; the fields carry the WCO Data Model's declaration meanings)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fourflow.core.money import Money
from fourflow.tradedata.connectors.customs.declarations import (
    iso_countries,
    parse_customs_declarations,
)
from fourflow.tradedata.records import CustomsDeclaration, Problem
from fourflow.tradedata.simulation.writers.logistics import write_customs_json

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tradedata" / "customs"
SCHEMA = (Path(__file__).parents[3] / "src" / "fourflow" / "tradedata" / "published_schemas"
          / "customs-declarations.schema.json")


def _fixture() -> bytes:
    return (FIXTURES / "declarations.json").read_bytes()


def _parse(data: bytes) -> list[CustomsDeclaration | Problem]:
    return [item for item in parse_customs_declarations(io.BytesIO(data))
            if isinstance(item, CustomsDeclaration | Problem)]


def _with_first(**changes: Any) -> bytes:
    document = json.loads(_fixture())
    for name, value in changes.items():
        document["declarations"][0][name] = value
    return json.dumps(document).encode()


def _first_problem(**changes: Any) -> CustomsDeclaration | Problem:
    return _parse(_with_first(**changes))[0]


FIRST = CustomsDeclaration(
    declaration_id="531620240000123456",
    declared_at=datetime(2024, 1, 5, 2, 15, tzinfo=UTC),
    status="released",
    hs_code="9405210000",
    description="Electric desk lamps, wooden",
    quantity=Decimal(150),
    unit="PCE",
    declared_value=Money(Decimal("1875.00"), "USD"),
    origin_country="CN",
    destination_country="DE",
    port_of_loading="CNSZX",
    port_of_discharge="DEHAM",
    reference="PO-2024-0117",
    line=1,
)


def test_fixture_in_full() -> None:
    assert _parse(_fixture()) == [FIRST, CustomsDeclaration(
        declaration_id="531620240000123457",
        declared_at=datetime(2024, 1, 6, 8, 40, tzinfo=UTC),
        status="inspection",
        hs_code="854442",
        description="USB-C cables with connectors",
        quantity=Decimal("12.5"),
        unit="KGM",
        declared_value=Money(Decimal("640.8"), "USD"),
        origin_country="CN",
        destination_country="US",
        port_of_loading="CNNGB",
        port_of_discharge=None,
        reference=None,
        line=2,
    )]


def test_the_schema_names_every_field_and_status_the_parser_reads() -> None:
    schema = json.loads(SCHEMA.read_text())
    item = schema["properties"]["declarations"]["items"]
    assert set(json.loads(_fixture())["declarations"][0]) == set(item["properties"])
    assert item["properties"]["status"]["enum"] == [
        "submitted", "accepted", "inspection", "held", "released", "rejected"]


def test_iso_countries_are_alpha_2_without_regions() -> None:
    countries = iso_countries()
    assert {"CN", "DE", "US", "GB", "HK", "XK"} <= countries
    assert not {"EU", "UN", "ZZ", "QO", "EZ"} & countries


def test_truncated_file() -> None:
    # Cut 200 bytes in, inside the key "description" at line 8, column 7.
    assert _parse(_fixture()[:200]) == [Problem(
        8, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Unterminated string starting at", "column": "7"})]


def test_not_json_and_wrong_shape() -> None:
    assert _parse(b"declaration_id;hs_code\n1;940521\n") == [Problem(
        1, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Expecting value", "column": "1"})]
    assert _parse(b'{"entries": []}') == [Problem(
        1, "file", "This is not a customs declarations document: it needs a \"declarations\" "
                   "list.")]


def test_wrong_encoding() -> None:
    data = b'{"note": "' + b"a" * 70_000 + b'\xff", "declarations": []}'
    assert _parse(data) == [Problem(
        1, "file", "The file is not valid {encoding} text here.", {"encoding": "utf-8"})]


def test_missing_field() -> None:
    document = json.loads(_fixture())
    del document["declarations"][0]["hs_code"]
    assert _parse(json.dumps(document).encode())[0] == Problem(
        1, "hs_code", "A value is required.")


def test_bad_hs_codes() -> None:
    reason = "{value} is not an HS code (6 to 10 digits)."
    assert _first_problem(hs_code="9405.21") == Problem(1, "hs_code", reason, {"value": "9405.21"})
    assert _first_problem(hs_code="94052") == Problem(1, "hs_code", reason, {"value": "94052"})
    assert _first_problem(hs_code="94052100001") == Problem(
        1, "hs_code", reason, {"value": "94052100001"})


def test_bad_numbers() -> None:
    assert _first_problem(quantity="1,5x") == Problem(
        1, "quantity", "{value} is not a number.", {"value": "1,5x"})
    assert _first_problem(quantity=0) == Problem(
        1, "quantity", "{value} must be greater than zero.", {"value": "0"})
    assert _first_problem(declared_value="-10.00") == Problem(
        1, "declared_value", "{value} must be greater than zero.", {"value": "-10.00"})
    assert _first_problem(declared_value=[1]) == Problem(
        1, "declared_value", "{value} is not a number.", {"value": "[1]"})
    assert _first_problem(declared_value=None) == Problem(
        1, "declared_value", "A value is required.")
    assert _first_problem(currency="RMB") == Problem(
        1, "currency", "Unknown currency code {currency}.", {"currency": "RMB"})


def test_bad_date() -> None:
    assert _first_problem(declared_at="05/01/2024") == Problem(
        1, "declared_at", "{value} is not a date and time.", {"value": "05/01/2024"})


def test_bad_countries_and_ports() -> None:
    country = "{value} is not an ISO country code (two capital letters, e.g. CN)."
    assert _first_problem(origin_country="CHN") == Problem(
        1, "origin_country", country, {"value": "CHN"})
    assert _first_problem(destination_country="de") == Problem(
        1, "destination_country", country, {"value": "de"})
    assert _first_problem(destination_country="EU") == Problem(
        1, "destination_country", country, {"value": "EU"})
    assert _first_problem(port_of_loading="Shenzhen") == Problem(
        1, "port_of_loading", "{value} is not a UN/LOCODE port code (e.g. CNSZX).",
        {"value": "Shenzhen"})


def test_bad_status() -> None:
    assert _first_problem(status="cleared") == Problem(
        1, "status", "{value} is not a declaration status; use one of {allowed}.",
        {"value": "cleared",
         "allowed": "submitted, accepted, inspection, held, released, rejected"})


def test_bad_entries_do_not_stop_the_rest() -> None:
    document = json.loads(_fixture())
    document["declarations"].insert(0, "531620240000123455")
    document["declarations"].append(dict(document["declarations"][1]))
    parsed = _parse(json.dumps(document).encode())
    assert parsed == [
        Problem(1, "declarations", "A declaration must be an object."),
        replace(FIRST, line=2),
        replace(parsed[2], line=3),
        Problem(4, "declaration_id", "Declaration {value} appears more than once.",
                {"value": "531620240000123456"}),
    ]
    assert isinstance(parsed[2], CustomsDeclaration)


def test_writer_round_trips() -> None:
    declarations = _parse(_fixture())
    assert _parse(write_customs_json(
        [item for item in declarations if isinstance(item, CustomsDeclaration)]).encode()
    ) == declarations
