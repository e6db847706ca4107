"""SWIFT MT940 (customer statement) reader.

A file holds one or more statements, each a run of ``:tag:value`` fields ended by a line
holding only ``-``. Field values may continue on the following lines (which carry no tag).
Statements delivered inside SWIFT blocks (``{1:…}{2:…}{4:`` … ``-}``) are unwrapped first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from fourflow.ledger.statements.errors import malformed
from fourflow.ledger.statements.model import Direction, Statement, StatementBalance, StatementLine, signed

_TAG = re.compile(r":(?P<tag>\d{2}[A-Z]?|NS):(?P<value>.*)")
# Header/trailer blocks 1, 2, 3 and 5 (which may nest one level: {3:{108:…}}).
_SWIFT_BLOCK = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# 15d: digits with a mandatory decimal comma, at most 15 characters in all.
_AMOUNT = re.compile(r"\d{1,14},\d*")
_BALANCE = re.compile(r"(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>.*)")
# :61: 6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]. The amount group takes everything up to the
# transaction type so that a malformed amount is reported as such, not as a layout error.
_STATEMENT_LINE = re.compile(
    r"(?P<value_date>\d{6})(?P<entry_date>\d{4})?"
    r"(?P<mark>RC|RD|C|D)(?P<funds_code>[A-Z])?"
    r"(?P<amount>[^A-Z]*)"
    r"(?P<type>[NFS][A-Z0-9]{3})"
    r"(?P<reference>.*?)(?://(?P<bank_reference>.*))?"
)
# RC is the reversal of a credit, so money leaves the account; RD gives money back.
_DIRECTIONS: dict[str, Direction] = {"C": "credit", "D": "debit", "RC": "debit", "RD": "credit"}
_BALANCE_KINDS = {"60": "opening", "62": "closing", "64": "closing_available", "65": "forward_available"}
_NO_REFERENCE = "NONREF"
# German (DFÜ/DK) structured :86:: a 3-digit business transaction code, then ?NN subfields.
_STRUCTURED_INFO = re.compile(r"\d{3}\?\d{2}")
_SUBFIELD = re.compile(r"\?(\d{2})")


def parse_mt940(text: str | bytes) -> list[Statement]:
    """Every statement in an MT940 file, in file order."""
    lines = _LINE_BREAK.split(_unwrap_swift_blocks(_decode(text)))
    statements = [_StatementBuilder(fields).build() for fields in _statements(lines)]
    if not statements:
        raise malformed("line 1", "the file contains no MT940 statement")
    return statements


def _decode(text: str | bytes) -> str:
    if isinstance(text, str):
        return text.removeprefix("\ufeff")
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older bank systems still export ISO 8859-1; every byte is valid there.
        return text.decode("latin-1")


def _unwrap_swift_blocks(text: str) -> str:
    """The block-4 text of SWIFT-wrapped messages, with the line numbers left unchanged."""
    if "{4:" not in text:
        return text
    # Removed blocks keep their line breaks so errors still point at the right line.
    text = _SWIFT_BLOCK.sub(lambda match: "\n" * match.group(0).count("\n"), text)
    text = text.replace("{4:", "")
    return re.sub(r"^(\s*)-\}", r"\1-", text, flags=re.MULTILINE)


# --- fields -----------------------------------------------------------------------------


@dataclass
class _Field:
    tag: str
    line: int
    values: list[str] = field(default_factory=list)

    @property
    def first(self) -> str:
        return self.values[0].strip()

    def joined(self, values: list[str] | None = None) -> str:
        # SWIFT wraps field text at a fixed width, mid-word as often as not, so a line break
        # is no word boundary; trailing blanks are padding from fixed-width exports.
        return _normalise("".join(value.rstrip() for value in (self.values if values is None else values)))


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _statements(lines: list[str]) -> Iterator[list[_Field]]:
    """The fields of each statement, split at ``-`` lines."""
    fields: list[_Field] = []
    for number, line in enumerate(lines, start=1):
        if line.strip() == "-":
            if fields:
                yield fields
            fields = []
            continue
        if not line.strip():
            continue
        tag = _TAG.match(line)
        if tag is None:
            if not fields:
                raise malformed(f"line {number}", "text outside a :tag: field")
            fields[-1].values.append(line)
            continue
        # Some banks omit the "-" between statements; a second :20: then starts the next one.
        if tag["tag"] == "20" and any(existing.tag == "20" for existing in fields):
            yield fields
            fields = []
        fields.append(_Field(tag["tag"], number, [tag["value"]]))
    if fields:
        yield fields


# --- statement --------------------------------------------------------------------------


class _StatementBuilder:
    """Collects one statement's fields in order; :86: belongs to the :61: just before it."""

    def __init__(self, fields: list[_Field]) -> None:
        self._fields = fields
        self._statement_id: str | None = None
        self._account: str | None = None
        self._currency: str | None = None
        self._balances: list[StatementBalance] = []
        self._lines: list[StatementLine] = []
        self._previous_tag: str | None = None

    def build(self) -> Statement:
        for item in self._fields:
            self._add(item)
            self._previous_tag = item.tag
        first_line = f"line {self._fields[0].line}"
        if self._statement_id is None:
            raise malformed(first_line, "the statement has no :20: transaction reference")
        if self._account is None:
            raise malformed(first_line, "the statement has no :25: account identification")
        return Statement(
            statement_id=self._statement_id,
            account=self._account,
            currency=self._currency,
            opening_balance=next((b for b in self._balances if b.kind == "opening"), None),
            # A statement split over several messages has :62M: before the final :62F:.
            closing_balance=next((b for b in reversed(self._balances) if b.kind == "closing"), None),
            balances=tuple(self._balances),
            lines=tuple(self._lines),
            created_at=None,  # MT940 carries no creation time (that is MT942's :13D:)
        )

    def _add(self, item: _Field) -> None:
        kind = _BALANCE_KINDS.get(item.tag[:2])
        if item.tag == "20":
            self._statement_id = item.joined() or None
        elif item.tag == "25":
            self._account = item.joined() or None
        elif kind is not None:
            balance = _balance(item, kind)
            self._balances.append(balance)
            if kind == "opening" and self._currency is None:
                self._currency = balance.currency
        elif item.tag == "61":
            self._add_line(item)
        elif item.tag == "86" and self._previous_tag == "61":
            self._lines[-1] = _with_information(self._lines[-1], item.joined())
        # Anything else (:21:, :28C:, :86: about the whole statement, :NS: …) is not needed.

    def _add_line(self, item: _Field) -> None:
        if self._currency is None:
            raise malformed(f"line {item.line}", "a :61: statement line comes before the :60F: "
                            "opening balance that gives its currency")
        self._lines.append(_statement_line(item, self._currency, position=len(self._lines) + 1))


def _balance(item: _Field, kind: str) -> StatementBalance:
    match = _BALANCE.fullmatch(item.first)
    if match is None:
        raise malformed(f"line {item.line}", f":{item.tag}: balance is not C|D, YYMMDD date, "
                        f"currency and amount: '{item.first}'")
    amount = _amount(match["amount"], item.line)
    direction = _DIRECTIONS[match["mark"]]
    return StatementBalance(kind=kind, amount=signed(amount, direction), currency=match["currency"],
                            date=_yymmdd(match["date"], item.line))


def _statement_line(item: _Field, currency: str, position: int) -> StatementLine:
    match = _STATEMENT_LINE.fullmatch(item.first)
    if match is None:
        raise malformed(f"line {item.line}", ":61: is not YYMMDD[MMDD], C|D|RC|RD, amount, "
                        f"transaction type and reference: '{item.first}'")
    value_date = _yymmdd(match["value_date"], item.line)
    reference = match["reference"].strip()
    return StatementLine(
        booking_date=_entry_date(match["entry_date"], value_date, item.line),
        value_date=value_date,
        amount=_amount(match["amount"], item.line),
        currency=currency,
        direction=_DIRECTIONS[match["mark"]],
        reference=None if reference in ("", _NO_REFERENCE) else reference,
        bank_reference=(match["bank_reference"] or "").strip() or None,
        # Supplementary details (the line under :61:) until an :86: brings the full text.
        description=item.joined(item.values[1:]),
        counterparty_name=None,
        counterparty_account=None,
        transaction_code=match["type"],
        position=position,
    )


def _with_information(line: StatementLine, information: str) -> StatementLine:
    subfields = _subfields(information)
    return replace(
        line,
        description=information or line.description,
        counterparty_name=_normalise(subfields.get("32", "") + subfields.get("33", "")) or None,
        counterparty_account=_first(subfields.get("38"), subfields.get("31")),
    )


def _subfields(information: str) -> dict[str, str]:
    """``?NN`` subfields of a structured :86: (32/33 name, 38 IBAN, 31 account …); {} if free text."""
    if not _STRUCTURED_INFO.match(information):
        return {}
    parts = _SUBFIELD.split(information[3:])
    subfields: dict[str, str] = {}
    for code, value in zip(parts[1::2], parts[2::2], strict=True):
        subfields[code] = subfields.get(code, "") + value
    return subfields


def _first(*values: str | None) -> str | None:
    return next((value.strip() for value in values if value and value.strip()), None)


# --- values -----------------------------------------------------------------------------


def _amount(text: str, line: int) -> Decimal:
    if not text:
        raise malformed(f"line {line}", "the amount is missing")
    if not _AMOUNT.fullmatch(text) or len(text) > 15:
        raise malformed(f"line {line}", f"'{text}' is not an MT940 amount (digits with a decimal comma)")
    return Decimal(text.replace(",", "."))


def _yymmdd(text: str, line: int) -> date:
    try:
        # Two-digit years pivot like strptime's %y: 69-99 are 19xx, 00-68 are 20xx.
        return datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        raise malformed(f"line {line}", f"'{text}' is not a valid YYMMDD date") from None


def _entry_date(text: str | None, value_date: date, line: int) -> date:
    """The booking date: MMDD in the value date's year, or the value date when absent."""
    if text is None:
        return value_date
    month, day = int(text[:2]), int(text[2:])
    # Booking and value date can straddle New Year, in either order.
    year = value_date.year
    if month == 12 and value_date.month == 1:
        year -= 1
    elif month == 1 and value_date.month == 12:
        year += 1
    try:
        return date(year, month, day)
    except ValueError:
        raise malformed(f"line {line}", f"'{text}' is not a valid MMDD entry date") from None
