"""What every connector shares: decoding an uploaded file, reading delimited rows with their line
numbers, and turning bad fields into Problems that name the line and column.

Connectors are generators of ``TradeRecord | Problem``. They never raise for bad input: a
whole-file problem (wrong encoding, wrong delimiter, missing column, not JSON) is yielded as a
Problem and ends the stream; a bad row is yielded as a Problem and the next row is read, so the
uploader sees every error at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, BinaryIO, TypeVar

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.tradedata.records import Problem, TradeRecord

ConnectorOutput = Iterator[TradeRecord | Problem]
T = TypeVar("T")

SNIFF_BYTES = 64 * 1024
# csv's default limit is 128 KiB; a settlement line is a few hundred bytes, so anything longer is
# a file with an unbalanced quote, reported as such rather than swallowing the rest of the file.
csv.field_size_limit(64 * 1024)


class FieldInvalid(Exception):
    """Raised inside one row's mapping; the connector turns it into a Problem for that row."""

    def __init__(self, column: str, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.params = params

    def problem(self, line: int) -> Problem:
        return Problem(line, self.column, self.reason, self.params)


# --- decoding -------------------------------------------------------------------------------

def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 when the bytes read as Chinese, else
    Windows-1252 (what EU marketplaces' downloads use)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sniffed head is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("gb18030")
    except UnicodeDecodeError:
        return "cp1252"
    return "gb18030" if _looks_like_chinese(head) else "cp1252"


def _looks_like_chinese(data: bytes) -> bool:
    """GB18030 decodes nearly any bytes, so decoding proves nothing. Chinese text is mostly
    pairs of bytes both in 0xA1-0xFE (the GB2312 block); Windows-1252 accents are single high
    bytes usually followed by an ASCII letter."""
    chinese = other = 0
    index = 0
    while index < len(data) - 1:
        lead = data[index]
        if lead < 0x81:
            index += 1
            continue
        trail = data[index + 1]
        if 0xA1 <= lead <= 0xF7 and 0xA1 <= trail <= 0xFE:
            chinese += 1
        else:
            other += 1
        index += 2
    return chinese > 0 and chinese / (chinese + other) > 0.8


@dataclass(slots=True)
class DecodedText:
    text: io.TextIOBase
    encoding: str


def decode(source: BinaryIO, encoding: str | None = None) -> DecodedText:
    """Wrap a binary upload as text in its (detected) encoding, streaming."""
    buffered = source if isinstance(source, io.BufferedReader) else io.BufferedReader(
        _RawAdapter(source), buffer_size=SNIFF_BYTES)
    chosen = encoding or detect_encoding(buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES])
    if chosen == "utf-8" and buffered.peek(3)[:3] == codecs.BOM_UTF8:
        chosen = "utf-8-sig"
    return DecodedText(io.TextIOWrapper(buffered, encoding=chosen, errors="strict", newline=""), chosen)


class _RawAdapter(io.RawIOBase):
    """Lets BufferedReader (for peek) sit on any object with read()."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def json_or_delimited(source: BinaryIO, json: Callable[[BinaryIO], ConnectorOutput],
                      delimited: Callable[[BinaryIO], ConnectorOutput]) -> ConnectorOutput:
    """One format name for a vendor's API document and its spreadsheet export: the first
    non-blank byte (read without consuming the stream) tells them apart."""
    buffered = source if isinstance(source, io.BufferedReader) else io.BufferedReader(
        _RawAdapter(source), buffer_size=SNIFF_BYTES)
    head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES].lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    yield from (json if head[:1] in (b"{", b"[") else delimited)(buffered)


# --- delimited files ------------------------------------------------------------------------

def read_delimited(source: BinaryIO, *, delimiter: str, required: Iterable[str],
                   encoding: str | None = None, header_line: int = 1,
                   ) -> Iterator[tuple[int, dict[str, str]] | Problem]:
    """Rows of a delimited file as ``(line number, {column: text})``.

    Yields a Problem and stops when the header lacks a required column (naming the columns, and
    saying so when the file uses another delimiter), when the text is not in its encoding, or
    when the file ends inside a quoted field. Line numbers are physical lines in the file, so a
    seller can find them in a text editor. Leading lines before ``header_line`` are skipped.
    """
    lines = _NumberedLines(source, encoding)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        for _ in range(header_line - 1):
            next(reader, None)
        header = next(reader, None)
        if header is None:
            yield Problem(1, "file", N_("The file is empty."))
            return
        columns = [name.strip() for name in header]
        missing = [name for name in required if name not in columns]
        if missing:
            yield _header_problem(lines.line, columns, missing, delimiter)
            return
        width = len(columns)
        for fields in reader:
            line = lines.line
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != width:
                yield Problem(line, "file", N_("Expected {expected} columns but found {found}."),
                              {"expected": str(width), "found": str(len(fields))})
                continue
            yield line, dict(zip(columns, fields, strict=True))
    except UnicodeDecodeError:
        yield Problem(lines.line, "file", N_("The file is not valid {encoding} text here."),
                      {"encoding": lines.encoding})
    except csv.Error as exc:
        yield Problem(lines.line, "file", N_("The file is cut off or badly quoted: {detail}."),
                      {"detail": str(exc)})


def _header_problem(line: int, columns: list[str], missing: list[str], delimiter: str) -> Problem:
    if len(columns) == 1:
        for other, name in ((",", "comma"), (";", "semicolon"), ("\t", "tab")):
            if other != delimiter and other in columns[0]:
                expected = {"\t": "tab", ",": "comma", ";": "semicolon"}[delimiter]
                return Problem(line, "file", N_("The file is {found}-separated; this format is "
                                                 "{expected}-separated."),
                               {"found": name, "expected": expected})
    return Problem(line, missing[0], N_("Required columns are missing: {columns}."),
                   {"columns": ", ".join(missing)})


class _NumberedLines:
    """Physical lines for csv, decoded one at a time so a decoding error names its own line.
    Splitting bytes at LF before decoding is safe in every encoding accepted here: no UTF-8,
    Windows-1252 or GB18030 multi-byte character contains the byte 0x0A."""

    def __init__(self, source: BinaryIO, encoding: str | None) -> None:
        self._source = source if isinstance(source, io.BufferedReader) else io.BufferedReader(
            _RawAdapter(source), buffer_size=SNIFF_BYTES)
        self.encoding = encoding or detect_encoding(self._source.peek(SNIFF_BYTES)[:SNIFF_BYTES])
        self.line = 0

    def __iter__(self) -> _NumberedLines:
        return self

    def __next__(self) -> str:
        raw = self._source.readline()
        if not raw:
            raise StopIteration
        self.line += 1
        if self.line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        return raw.decode("utf-8" if self.encoding == "utf-8-sig" else self.encoding)


# --- JSON -----------------------------------------------------------------------------------

def load_json(source: BinaryIO) -> Any | Problem:
    """A JSON document (API responses and webhook bodies are pages, not streams), or the
    Problem that says where it is broken."""
    decoded = decode(source)
    try:
        return json.loads(decoded.text.read(), parse_float=Decimal)
    except UnicodeDecodeError:
        return Problem(1, "file", N_("The file is not valid {encoding} text here."),
                       {"encoding": decoded.encoding})
    except json.JSONDecodeError as exc:
        return Problem(exc.lineno, "file", N_("Not valid JSON ({detail}) at column {column}."),
                       {"detail": exc.msg, "column": str(exc.colno)})


# --- fields ---------------------------------------------------------------------------------

def required_text(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    text = "" if value is None else str(value).strip()
    if not text:
        raise FieldInvalid(column, N_("A value is required."))
    return text


def optional_text(row: dict[str, Any], column: str) -> str | None:
    # Called for nearly every field of every row of a million-line file: the empty and the
    # plain-string cases go first.
    value = row.get(column)
    if not value:
        return None
    text = value.strip() if type(value) is str else str(value).strip()
    return text or None


def decimal_value(text: Any, column: str, *, decimal_comma: bool = False) -> Decimal:
    """A number as written in the file. ``decimal_comma`` reads EU style ("1.234,56")."""
    if isinstance(text, Decimal | int) and not isinstance(text, bool):
        return Decimal(text)
    raw = str(text).strip()
    cleaned = raw.replace(".", "").replace(",", ".") if decimal_comma else raw.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldInvalid(column, N_("{value} is not a number."), value=raw) from None
    if not value.is_finite():
        raise FieldInvalid(column, N_("{value} is not a number."), value=raw)
    return value


def money_value(text: Any, currency: str, column: str, *, decimal_comma: bool = False) -> Money:
    try:
        return Money(decimal_value(text, column, decimal_comma=decimal_comma), currency)
    except ValidationFailed:
        raise FieldInvalid(column, N_("Unknown currency code {currency}."), currency=currency) from None


def integer_value(text: Any, column: str) -> int:
    value = decimal_value(text, column)
    if value != value.to_integral_value():
        raise FieldInvalid(column, N_("{value} is not a whole number."), value=str(text))
    return int(value)


def datetime_value(text: Any, column: str, formats: Iterable[str] = ()) -> datetime:
    """An instant, in UTC. ISO 8601 always works; ``formats`` adds vendor layouts (strptime).
    A time without a zone is taken as UTC, as the vendors' documents state for their files."""
    parsed = _instant(str(text).strip(), tuple(formats))
    if parsed is None:
        raise FieldInvalid(column, N_("{value} is not a date and time."), value=str(text))
    return parsed


@lru_cache(maxsize=4096)
def _instant(raw: str, formats: tuple[str, ...]) -> datetime | None:
    # Cached: the lines of one order share their time, and a million-line settlement file spends
    # more time in strptime than anywhere else. ISO first: the C parser is the fastest.
    if raw.endswith(" UTC"):
        raw = raw[:-4]
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        for pattern in formats:
            try:
                parsed = datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def date_value(text: Any, column: str, formats: Iterable[str] = ()) -> date:
    raw = str(text).strip()
    for pattern in formats:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise FieldInvalid(column, N_("{value} is not a date."), value=raw) from None


def mapped_rows(rows: Iterator[tuple[int, dict[str, str]] | Problem],
                mapper: Callable[[int, dict[str, str]], Iterable[TradeRecord]]) -> ConnectorOutput:
    """Apply a row mapper, turning FieldInvalid into a Problem for that row."""
    for item in rows:
        if isinstance(item, Problem):
            yield item
            continue
        line, row = item
        try:
            yield from mapper(line, row)
        except FieldInvalid as invalid:
            yield invalid.problem(line)
