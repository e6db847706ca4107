"""Export customs declarations as JSON.

No customs authority or broker publishes a JSON layout for declarations (the WCO Data Model is
a data dictionary with XML/EDI bindings), so the layout is ours, written down as
published_schemas/customs-declarations.schema.json and followed here field by field:
``{"declarations": [{"declaration_id", "declared_at", "status", "hs_code", "description",
"quantity", "unit", "declared_value", "currency", "origin_country", "destination_country",
"port_of_loading", "port_of_discharge", "reference"}]}``.
``line`` is the 1-based index of the declaration in ``declarations``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any, BinaryIO

from babel import Locale

from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.tradedata.connectors.base import (
    ConnectorOutput,
    FieldInvalid,
    datetime_value,
    decimal_value,
    load_json,
    money_value,
    optional_text,
    required_text,
)
from fourflow.tradedata.records import CustomsDeclaration, Problem

DECLARATION_STATUSES = ("submitted", "accepted", "inspection", "held", "released", "rejected")
HS_CODE = re.compile(r"[0-9]{6,10}")
UN_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
# CLDR territories that are not ISO 3166-1 countries (regions, unions, private-use codes);
# XK (Kosovo) stays: customs systems use it.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN",
                            "XA", "XB", "ZZ"})


def parse_customs_declarations(source: BinaryIO) -> ConnectorOutput:
    document = load_json(source)
    if isinstance(document, Problem):
        yield document
        return
    if not isinstance(document, dict) or not isinstance(document.get("declarations"), list):
        yield Problem(1, "file", N_("This is not a customs declarations document: it needs a "
                                    "\"declarations\" list."))
        return
    seen: set[str] = set()
    for line, entry in enumerate(document["declarations"], start=1):
        try:
            declaration = _declaration(entry, line)
        except FieldInvalid as invalid:
            yield invalid.problem(line)
            continue
        if declaration.declaration_id in seen:
            yield Problem(line, "declaration_id", N_("Declaration {value} appears more than once."),
                          {"value": declaration.declaration_id})
            continue
        seen.add(declaration.declaration_id)
        yield declaration


def _declaration(entry: Any, line: int) -> CustomsDeclaration:
    if not isinstance(entry, dict):
        raise FieldInvalid("declarations", N_("A declaration must be an object."))
    return CustomsDeclaration(
        declaration_id=required_text(entry, "declaration_id"),
        declared_at=datetime_value(required_text(entry, "declared_at"), "declared_at"),
        status=_status(entry),
        hs_code=_hs_code(entry),
        description=optional_text(entry, "description"),
        quantity=_positive(entry, "quantity"),
        unit=optional_text(entry, "unit"),
        declared_value=_declared_value(entry),
        origin_country=_country(entry, "origin_country"),
        destination_country=_country(entry, "destination_country"),
        port_of_loading=_port(entry, "port_of_loading"),
        port_of_discharge=_port(entry, "port_of_discharge"),
        reference=optional_text(entry, "reference"),
        line=line,
    )


def _status(entry: dict[str, Any]) -> str:
    status = required_text(entry, "status")
    if status not in DECLARATION_STATUSES:
        raise FieldInvalid("status", N_("{value} is not a declaration status; use one of "
                                        "{allowed}."),
                           value=status, allowed=", ".join(DECLARATION_STATUSES))
    return status


def _hs_code(entry: dict[str, Any]) -> str:
    code = required_text(entry, "hs_code")
    if not HS_CODE.fullmatch(code):
        raise FieldInvalid("hs_code", N_("{value} is not an HS code (6 to 10 digits)."), value=code)
    return code


def _number_text(entry: dict[str, Any], column: str) -> Any:
    raw = entry.get(column)
    if isinstance(raw, bool | list | dict):
        raise FieldInvalid(column, N_("{value} is not a number."), value=str(raw))
    return raw if isinstance(raw, Decimal | int) else required_text(entry, column)


def _positive(entry: dict[str, Any], column: str) -> Decimal:
    value = decimal_value(_number_text(entry, column), column)
    if value <= 0:
        raise FieldInvalid(column, N_("{value} must be greater than zero."), value=str(value))
    return value


def _declared_value(entry: dict[str, Any]) -> Money:
    amount = _positive(entry, "declared_value")
    return money_value(amount, required_text(entry, "currency"), "currency")


def _country(entry: dict[str, Any], column: str) -> str:
    code = required_text(entry, column)
    if code not in iso_countries():
        raise FieldInvalid(column, N_("{value} is not an ISO country code (two capital "
                                      "letters, e.g. CN)."), value=code)
    return code


def _port(entry: dict[str, Any], column: str) -> str | None:
    code = optional_text(entry, column)
    if code is not None and not UN_LOCODE.fullmatch(code):
        raise FieldInvalid(column, N_("{value} is not a UN/LOCODE port code (e.g. CNSZX)."),
                           value=code)
    return code


@lru_cache(maxsize=1)
def iso_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from the CLDR territory list Babel ships."""
    territories = Locale("en").territories
    return frozenset(code for code in territories if isinstance(code, str)
                     and len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)
