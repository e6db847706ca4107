"""ISO 20022 camt.053 (bank-to-customer statement) reader.

Elements are matched by local name, so every published version (camt.053.001.02 to .08)
and banks' own namespace variants read the same. Only the elements reconciliation needs are
read; anything else in the file is ignored.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO
from xml.parsers.expat import errors as expat_errors

from fourflow.ledger.statements.errors import malformed
from fourflow.ledger.statements.model import (
    Direction,
    Statement,
    StatementBalance,
    StatementLine,
    signed,
)

_CHUNK_BYTES = 64 * 1024
# camt amounts are unsigned decimals with a point (the sign is CdtDbtInd); refusing anything
# else also keeps "NaN", "1E5" and "-3" out, which Decimal() would otherwise accept.
_AMOUNT = re.compile(r"\d{1,18}(?:\.\d{1,5})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
# xs:date may carry a zone suffix; the calendar day is what the bank booked on.
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_DIRECTIONS: dict[str, Direction] = {"CRDT": "credit", "DBIT": "debit"}
# Some banks report the opening balance as "previously closed booked" instead of OPBD.
_OPENING_KINDS = ("OPBD", "PRCD")
_CLOSING_KIND = "CLBD"
_NOT_PROVIDED = "NOTPROVIDED"


def parse_camt053(source: bytes | BinaryIO) -> list[Statement]:
    """Every statement (``Stmt``) of a camt.053 message, in file order."""
    document = _parse_xml(source)
    message = _child(document, "BkToCstmrStmt")
    if _local(document.tag) != "Document" or message is None:
        raise malformed(f"element {_local(document.tag)}", "this is not a camt.053 document "
                        "(expected Document/BkToCstmrStmt)")
    created_at = _datetime(message, "GrpHdr/CreDtTm", "GrpHdr")
    return [_statement(element, f"Stmt[{index}]", created_at)
            for index, element in enumerate(_children(message, "Stmt"), start=1)]


# --- XML --------------------------------------------------------------------------------


class _RefusingTreeBuilder(ET.TreeBuilder):
    """Builds the tree but stops at a DOCTYPE.

    Statements never need one, and a DOCTYPE is how entity expansion attacks (billion laughs,
    external entities) get in. expat calls this at the start of the declaration, before any
    entity in it is defined.
    """

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise malformed(f"<!DOCTYPE {name}>", "DOCTYPE and ENTITY declarations are not accepted")


def _parse_xml(source: bytes | BinaryIO) -> ET.Element:
    # S314: the DOCTYPE refusal above is the protection defusedxml would add (expat itself
    # resolves no external entities), so the standard parser is safe here.
    parser: ET.XMLParser[ET.Element] = ET.XMLParser(target=_RefusingTreeBuilder())  # noqa: S314
    try:
        # Fed in chunks so a refused DOCTYPE stops the work early even in a large upload.
        for chunk in _chunks(source):
            parser.feed(chunk)
        return parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        reason = expat_errors.messages.get(exc.code, "syntax error")
        raise malformed(f"line {line}, column {column}", f"not well-formed XML ({reason})") from exc


def _chunks(source: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(source, bytes):
        for start in range(0, len(source), _CHUNK_BYTES):
            yield source[start:start + _CHUNK_BYTES]
        return
    while chunk := source.read(_CHUNK_BYTES):
        yield chunk


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: ET.Element | None, path: str) -> ET.Element | None:
    """The first element along a ``/``-separated path of local names, or None."""
    for name in path.split("/"):
        if element is None:
            return None
        element = next((child for child in element if _local(child.tag) == name), None)
    return element


def _text(element: ET.Element | None, path: str) -> str | None:
    """The whitespace-normalised text at ``path``; None when absent or empty."""
    found = _child(element, path)
    if found is None or found.text is None:
        return None
    return _normalise(found.text) or None


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value), None)


# --- values -----------------------------------------------------------------------------


def _amount(parent: ET.Element, where: str) -> tuple[Decimal, str]:
    element = _child(parent, "Amt")
    if element is None:
        raise malformed(f"element {where}/Amt", "the amount is missing")
    text = (element.text or "").strip()
    if not _AMOUNT.fullmatch(text):
        raise malformed(f"element {where}/Amt", f"'{text}' is not a decimal amount")
    currency = (element.get("Ccy") or "").strip()
    if not _CURRENCY.fullmatch(currency):
        raise malformed(f"element {where}/Amt", f"'{currency}' is not an ISO 4217 currency code (Ccy)")
    return Decimal(text), currency


def _direction(parent: ET.Element, where: str) -> Direction:
    indicator = _text(parent, "CdtDbtInd")
    if indicator is None:
        raise malformed(f"element {where}/CdtDbtInd", "the credit/debit indicator is missing")
    if indicator not in _DIRECTIONS:
        raise malformed(f"element {where}/CdtDbtInd", f"'{indicator}' is neither CRDT nor DBIT")
    return _DIRECTIONS[indicator]


def _date(parent: ET.Element, path: str, where: str) -> date | None:
    """A ``DateAndDateTimeChoice`` (``Dt`` or ``DtTm``) under ``path``; None when absent."""
    choice = _child(parent, path)
    if choice is None:
        return None
    day = _text(choice, "Dt")
    if day is not None:
        return _iso_date(day, f"{where}/{path}/Dt")
    moment = _datetime(choice, "DtTm", f"{where}/{path}")
    # The booking day as the bank states it, in its own time zone: no conversion to UTC.
    return moment.date() if moment else None


def _iso_date(text: str, where: str) -> date:
    match = _DATE.fullmatch(text)
    try:
        if match:
            return date.fromisoformat(match.group(1))
    except ValueError:
        pass  # a well-shaped but impossible day such as 2014-02-30
    raise malformed(f"element {where}", f"'{text}' is not a valid date")


def _datetime(parent: ET.Element, path: str, where: str) -> datetime | None:
    text = _text(parent, path)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise malformed(f"element {where}/{path.rpartition('/')[2]}",
                        f"'{text}' is not a valid date and time") from None


def _required_text(parent: ET.Element, path: str, where: str, what: str) -> str:
    text = _text(parent, path)
    if text is None:
        raise malformed(f"element {where}/{path}", f"the {what} is missing")
    return text


# --- statement --------------------------------------------------------------------------


def _statement(element: ET.Element, where: str, message_created_at: datetime | None) -> Statement:
    account = _child(element, "Acct")
    account_id = _first(_text(account, "Id/IBAN"), _text(account, "Id/Othr/Id"))
    if account_id is None:
        raise malformed(f"element {where}/Acct/Id", "the account has neither an IBAN nor another id")
    balances = tuple(_balance(balance, f"{where}/Bal[{index}]")
                     for index, balance in enumerate(_children(element, "Bal"), start=1))
    return Statement(
        statement_id=_required_text(element, "Id", where, "statement id"),
        account=account_id,
        currency=_text(account, "Ccy"),
        opening_balance=next((b for kind in _OPENING_KINDS for b in balances if b.kind == kind), None),
        closing_balance=next((b for b in balances if b.kind == _CLOSING_KIND), None),
        balances=balances,
        lines=tuple(_line(entry, f"{where}/Ntry[{index}]", index)
                    for index, entry in enumerate(_children(element, "Ntry"), start=1)),
        # The statement's own creation time is mandatory in the schema; the message header's
        # is the fallback for banks that leave it out.
        created_at=_datetime(element, "CreDtTm", where) or message_created_at,
    )


def _balance(element: ET.Element, where: str) -> StatementBalance:
    kind = _first(_text(element, "Tp/CdOrPrtry/Cd"), _text(element, "Tp/CdOrPrtry/Prtry"))
    if kind is None:
        raise malformed(f"element {where}/Tp", "the balance type is missing")
    amount, currency = _amount(element, where)
    day = _date(element, "Dt", where)
    if day is None:
        raise malformed(f"element {where}/Dt", "the balance date is missing")
    return StatementBalance(kind=kind, amount=signed(amount, _direction(element, where)),
                            currency=currency, date=day)


# --- entries ----------------------------------------------------------------------------


def _line(entry: ET.Element, where: str, position: int) -> StatementLine:
    amount, currency = _amount(entry, where)
    direction = _direction(entry, where)
    value_date = _date(entry, "ValDt", where)
    # Pending entries may come without a booking date; the value date is then the closest
    # day the bank itself states.
    booking_date = _date(entry, "BookgDt", where) or value_date
    if booking_date is None:
        raise malformed(f"element {where}/BookgDt", "the booking date is missing")
    details = [detail for entry_details in _children(entry, "NtryDtls")
               for detail in _children(entry_details, "TxDtls")]
    # Counterparty: who paid us on a credit, whom we paid on a debit.
    party, party_account = ("Dbtr", "DbtrAcct") if direction == "credit" else ("Cdtr", "CdtrAcct")
    return StatementLine(
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        currency=currency,
        direction=direction,
        reference=_common(_end_to_end_id(detail) for detail in details),
        bank_reference=_first(_text(entry, "AcctSvcrRef"),
                              _common(_text(detail, "Refs/AcctSvcrRef") for detail in details)),
        description=_description(entry, details),
        counterparty_name=_common(_party_name(detail, party) for detail in details),
        counterparty_account=_common(_account_id(_child(detail, f"RltdPties/{party_account}"))
                                     for detail in details),
        transaction_code=_first(_bank_transaction_code(_child(entry, "BkTxCd")),
                                _common(_bank_transaction_code(_child(detail, "BkTxCd"))
                                        for detail in details)),
        position=position,
    )


def _common(values: Iterable[str | None]) -> str | None:
    """The one value all transactions of an entry agree on, else None.

    A batch booking (one entry, many transactions) has no single counterparty or
    reference; naming the first would be wrong for the rest.
    """
    distinct = {value for value in values if value}
    return distinct.pop() if len(distinct) == 1 else None


def _end_to_end_id(detail: ET.Element) -> str | None:
    reference = _text(detail, "Refs/EndToEndId")
    # NOTPROVIDED is the scheme's placeholder for "the payer gave none".
    return None if reference == _NOT_PROVIDED else reference


def _party_name(detail: ET.Element, party: str) -> str | None:
    # Up to version .07 the name sits directly under Dbtr/Cdtr; from .08 under Dbtr/Pty.
    return _first(_text(detail, f"RltdPties/{party}/Nm"), _text(detail, f"RltdPties/{party}/Pty/Nm"))


def _account_id(account: ET.Element | None) -> str | None:
    return _first(_text(account, "Id/IBAN"), _text(account, "Id/Othr/Id"))


def _bank_transaction_code(code: ET.Element | None) -> str | None:
    """The ISO code as ``Domain/Family/SubFamily`` (e.g. PMNT/RCDT/ESCT), else the bank's own."""
    domain = _text(code, "Domn/Cd")
    if domain is not None:
        parts = (domain, _text(code, "Domn/Fmly/Cd"), _text(code, "Domn/Fmly/SubFmlyCd"))
        return "/".join(part for part in parts if part)
    return _text(code, "Prtry/Cd")


def _description(entry: ET.Element, details: list[ET.Element]) -> str:
    """Free-text remittance information, else structured creditor references, else the bank's note."""
    unstructured = [text for detail in details for remittance in _children(detail, "RmtInf")
                    for element in _children(remittance, "Ustrd") if (text := element.text)]
    if unstructured:
        return _normalise(" ".join(unstructured))
    # A payer quoting only a structured creditor reference (SCOR, RF…) still tells us what
    # they pay for; it is the text to match invoices against.
    creditor_references = [text for detail in details for remittance in _children(detail, "RmtInf")
                           for structured in _children(remittance, "Strd")
                           if (text := _text(structured, "CdtrRefInf/Ref"))]
    if creditor_references:
        return " ".join(creditor_references)
    return _text(entry, "AddtlNtryInf") or ""
