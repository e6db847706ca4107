"""The ECB's euro foreign exchange reference rates (eurofxref XML: daily, 90-day and
historical files share one layout: Cube[time] > Cube[currency, rate], quoted per 1 EUR)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_
from fourflow.tradedata.records import FxRate, Problem, TradeRecord


class RatesFileMalformed(ValidationFailed):
    code = "rates_file_malformed"
    message = N_("The rates file is malformed at {position}: {reason}")


@dataclass(frozen=True, slots=True)
class ReferenceRate:
    rate_date: date
    currency: str
    # Units of ``currency`` for one euro.
    rate: Decimal


def parse_ecb_rates(source: bytes | BinaryIO) -> Iterator[ReferenceRate]:
    """Stream the rates in file order; large historical files are never held whole."""
    stream = _GuardedReader(io.BytesIO(source) if isinstance(source, bytes) else source)
    current: date | None = None
    try:
        for event, element in ET.iterparse(stream, events=("start", "end")):  # noqa: S314
            if event != "start" or not element.tag.endswith("Cube"):
                continue
            if "time" in element.attrib:
                current = _date(element.attrib["time"])
            elif "currency" in element.attrib:
                if current is None:
                    raise RatesFileMalformed(field="file", position=element.attrib["currency"],
                                             reason="a rate outside a dated Cube")
                yield ReferenceRate(current, element.attrib["currency"],
                                    _rate(element.attrib.get("rate", ""), current,
                                          element.attrib["currency"]))
    except ET.ParseError as exc:
        line, column = exc.position
        raise RatesFileMalformed(field="file", position=f"line {line}, column {column}",
                                 reason="not well-formed XML") from exc


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RatesFileMalformed(field="file", position=text, reason="not a date") from exc


def _rate(text: str, on: date, currency: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise RatesFileMalformed(field="file", position=f"{on} {currency}",
                                 reason=f"{text!r} is not a rate") from exc
    if not value.is_finite() or value <= 0:
        raise RatesFileMalformed(field="file", position=f"{on} {currency}",
                                 reason=f"{text!r} is not a positive rate")
    return value


class _GuardedReader:
    """Passes the file through, refusing a DOCTYPE (how entity expansion gets in) at the
    start; the rates files never carry one."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._checked = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if not self._checked:
            self._checked = True
            head = chunk[:4096].upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise RatesFileMalformed(field="file", position="<!DOCTYPE>",
                                         reason="DOCTYPE and ENTITY declarations are not accepted")
        return chunk


def parse_ecb_fx(source: BinaryIO) -> Iterator[TradeRecord | Problem]:
    """The rates as canonical records for the ingest pipeline; a malformed file is one Problem."""
    try:
        for index, rate in enumerate(parse_ecb_rates(source), start=1):
            yield FxRate(rate.rate_date, "EUR", rate.currency, rate.rate, index)
    except RatesFileMalformed as malformed:
        params = {key: str(value) for key, value in malformed.params.items()}
        yield Problem(1, "file", malformed.message, params)
