"""Bank statement parsers: camt.053 and MT940, against public samples and hand-made edge cases.

The public samples are read in place from the shared data folder (never copied here); the
camt.053 expectations come from the genkgo/camt library's own dump of the same file.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fourflow.core.errors import ValidationFailed
from fourflow.core.money import minor_units
from fourflow.ledger.statements import (
    Statement,
    StatementLine,
    StatementMalformed,
    parse_camt053,
    parse_mt940,
)

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path}: shared/data is absent (it ships only with the development checkout)")
    return path


def malformed_message(position: str, reason: str) -> str:
    return f"The bank statement is malformed at {position}: {reason}"


def assert_malformed(error: StatementMalformed, position: str, reason: str) -> None:
    assert error.code == "statement_malformed"
    assert error.field == "file"
    assert error.params == {"position": position, "reason": reason}
    assert error.localised("en") == malformed_message(position, reason)


# --- camt.053: the genkgo sample --------------------------------------------------------

CAMT_SAMPLE = "payments/camt_genkgo_camt053.v2.minimal.xml"
CAMT_EXPECTED = "payments/camt_genkgo_camt053.v2.minimal.expected.json"
# genkgo's balance type names for the ISO balance codes.
GENKGO_BALANCE_KINDS = {"opening": "OPBD", "closing": "CLBD", "opening_available": "OPAV",
                        "closing_available": "CLAV"}
GENKGO_DIRECTIONS = {"CRDT": "credit", "DBIT": "debit"}


def genkgo_money(money: dict[str, Any]) -> tuple[Decimal, str]:
    """genkgo (moneyphp) amounts are strings of minor units: "885" EUR is 8.85."""
    currency = money["getCurrency"]["getCode"]
    return Decimal(money["getAmount"]).scaleb(-minor_units(currency)), currency


def genkgo_date(value: dict[str, Any]) -> date:
    return datetime.fromisoformat(value["0"]).date()


@pytest.fixture(scope="module")
def camt_expected() -> dict[str, Any]:
    expected: dict[str, Any] = json.loads(shared_file(CAMT_EXPECTED).read_text(encoding="utf-8"))
    return expected


@pytest.fixture(scope="module")
def camt_statements() -> list[Statement]:
    with shared_file(CAMT_SAMPLE).open("rb") as handle:  # a stream, as an upload arrives
        return parse_camt053(handle)


def test_camt_sample_reads_the_same_from_bytes_and_from_a_stream(camt_statements: list[Statement]) -> None:
    assert parse_camt053(shared_file(CAMT_SAMPLE).read_bytes()) == camt_statements


def test_camt_sample_statement_matches_genkgo(camt_statements: list[Statement],
                                             camt_expected: dict[str, Any]) -> None:
    record = camt_expected["getEntries"][0]["getRecord"]
    assert len(camt_statements) == len(camt_expected["getRecords"]) == 1
    statement = camt_statements[0]
    assert statement.statement_id == record["getId"] == "253EURNL26VAYB8060476890"
    assert statement.account == record["getAccount"]["getIban"]["getIban"] == "NL26VAYB8060476890"
    assert statement.currency == "EUR"
    assert statement.created_at == datetime.fromisoformat(record["getCreatedOn"]["0"])
    assert statement.created_at is not None
    assert statement.created_at.utcoffset() is not None


def test_camt_sample_balances_match_genkgo(camt_statements: list[Statement],
                                          camt_expected: dict[str, Any]) -> None:
    statement = camt_statements[0]
    expected = [(GENKGO_BALANCE_KINDS[balance["getType"]], *genkgo_money(balance["getAmount"]),
                 genkgo_date(balance["getDate"]))
                for balance in camt_expected["getEntries"][0]["getRecord"]["getBalances"]]
    assert [(b.kind, b.amount, b.currency, b.date) for b in statement.balances] == expected
    assert statement.opening_balance == statement.balances[0]
    assert statement.opening_balance.amount == Decimal("18.15")
    assert statement.closing_balance == statement.balances[1]
    # Debit balances are negative; the sample's odd currencies are reported as the bank sent them.
    closing = statement.closing_balance
    assert (closing.amount, closing.currency) == (Decimal("-27.00"), "SEK")


def test_camt_sample_entries_match_genkgo(camt_statements: list[Statement],
                                         camt_expected: dict[str, Any]) -> None:
    lines = camt_statements[0].lines
    assert len(lines) == len(camt_expected["getEntries"]) == 1
    for entry in camt_expected["getEntries"]:
        line = lines[entry["getIndex"]]
        detail = entry["getTransactionDetail"]
        direction = GENKGO_DIRECTIONS[entry["getCreditDebitIndicator"]]
        counterparty_class = "Debtor" if direction == "credit" else "Creditor"
        counterparty = next(party for party in detail["getRelatedParties"]
                            if party["getRelatedPartyType"]["__CLASS__"].endswith(f"\\{counterparty_class}"))
        assert line.position == entry["getIndex"] + 1
        assert (line.amount, line.currency) == genkgo_money(entry["getAmount"])
        assert line.direction == direction
        assert line.booking_date == genkgo_date(entry["getBookingDate"])
        assert line.value_date == genkgo_date(entry["getValueDate"])
        assert line.bank_reference == entry["getAccountServicerReference"]
        assert line.reference == detail["getReference"]["getEndToEndId"]
        assert line.counterparty_name == counterparty["getRelatedPartyType"]["getName"]
        assert line.counterparty_account == counterparty["getAccount"]["getIban"]["getIban"]
        assert line.description == detail["getRemittanceInformation"]["getMessage"]
        assert line.transaction_code == entry["getBankTransactionCode"]["getProprietary"]["getCode"]
    # The same, spelled out, so a change in how the expectations are read cannot hide a regression.
    assert lines[0] == StatementLine(
        booking_date=date(2014, 12, 31), value_date=date(2015, 1, 2), amount=Decimal("8.85"),
        currency="EUR", direction="credit", reference=None, bank_reference=None,
        description="4654654654654654", counterparty_name="NAME NAME",
        counterparty_account="NL56AGDH9619008421", transaction_code="544", position=1)
    assert lines[0].signed_amount == Decimal("8.85")


# --- camt.053: other versions and entry shapes ------------------------------------------


def camt(entries: str, *, namespace: str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
         balances: str = "", account: str = "<IBAN>DE89370400440532013000</IBAN>") -> bytes:
    """A small camt.053 document around the given Ntry (and Bal) elements."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-03-01T06:00:00Z</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S-1</Id>
      <Acct><Id>{account}</Id><Ccy>EUR</Ccy></Acct>
      {balances}
      {entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


def test_camt_v08_debit_names_the_creditor_and_reads_iso_codes() -> None:
    entry = """<Ntry>
      <NtryRef>1</NtryRef>
      <Amt Ccy="EUR">1250.5</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
      <BookgDt><DtTm>2024-02-29T23:30:00+01:00</DtTm></BookgDt><ValDt><Dt>2024-03-01</Dt></ValDt>
      <AcctSvcrRef>BANK-REF-9</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>INV-2024-017</EndToEndId></Refs>
        <RltdPties>
          <Dbtr><Pty><Nm>Our Shop GmbH</Nm></Pty></Dbtr>
          <Cdtr><Pty><Nm>  Shenzhen   Supplier Ltd </Nm></Pty></Cdtr>
          <CdtrAcct><Id><Othr><Id>6228480402564890018</Id></Othr></Id></CdtrAcct>
        </RltdPties>
        <RmtInf><Ustrd>Invoice 17</Ustrd><Ustrd>  order   88 </Ustrd></RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>"""
    balances = """<Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0</Amt>
      <CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2024-02-29</Dt></Dt></Bal>"""
    [statement] = parse_camt053(camt(entry, balances=balances,
                                     account="<Othr><Id>0532013000</Id></Othr>"))
    assert statement.account == "0532013000"
    assert statement.created_at == datetime.fromisoformat("2024-03-01T06:00:00+00:00")
    # PRCD stands in for a missing OPBD; a zero debit balance is plain zero, not -0.
    assert statement.opening_balance is not None
    assert (statement.opening_balance.kind, str(statement.opening_balance.amount)) == ("PRCD", "0")
    assert statement.closing_balance is None
    [line] = statement.lines
    assert line == StatementLine(
        booking_date=date(2024, 2, 29), value_date=date(2024, 3, 1), amount=Decimal("1250.5"),
        currency="EUR", direction="debit", reference="INV-2024-017", bank_reference="BANK-REF-9",
        description="Invoice 17 order 88", counterparty_name="Shenzhen Supplier Ltd",
        counterparty_account="6228480402564890018", transaction_code="PMNT/ICDT/ESCT", position=1)
    assert line.signed_amount == Decimal("-1250.5")


def test_camt_batch_entry_keeps_only_what_all_transactions_share() -> None:
    def transaction(name: str, end_to_end: str) -> str:
        return f"""<TxDtls><Refs><EndToEndId>{end_to_end}</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>GB33BUKB20201555555555</IBAN></Id></DbtrAcct></RltdPties></TxDtls>"""

    entries = f"""<Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <BookgDt><Dt>2024-03-01</Dt></BookgDt>
      <NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
        {transaction("Alice", "NOTPROVIDED")}{transaction("Bob", "NOTPROVIDED")}</NtryDtls>
      <AddtlNtryInf>SEPA batch credit</AddtlNtryInf></Ntry>
      <Ntry><Amt Ccy="EUR">5</Amt><CdtDbtInd>CRDT</CdtDbtInd><ValDt><Dt>2024-03-02</Dt></ValDt></Ntry>"""
    [statement] = parse_camt053(camt(entries, namespace="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"))
    batch, pending = statement.lines
    assert batch.counterparty_name is None  # Alice and Bob: no single counterparty
    assert batch.counterparty_account == "GB33BUKB20201555555555"  # same account for both
    assert batch.reference is None  # NOTPROVIDED is no reference
    assert batch.description == "SEPA batch credit"
    assert batch.value_date is None
    # Without a booking date the value date stands in.
    assert (pending.booking_date, pending.value_date, pending.position) == (
        date(2024, 3, 2), date(2024, 3, 2), 2)
    assert pending.description == ""


def test_camt_without_statements_is_an_empty_list() -> None:
    assert parse_camt053(camt("").replace(b"<Stmt>", b"<Ignored>").replace(b"</Stmt>", b"</Ignored>")) == []


# --- camt.053: malformed input ----------------------------------------------------------

VALID_ENTRY = """<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
  <BookgDt><Dt>2024-03-01</Dt></BookgDt></Ntry>"""


def camt_error(data: bytes) -> StatementMalformed:
    with pytest.raises(StatementMalformed) as caught:
        parse_camt053(data)
    return caught.value


def test_camt_truncated_xml_names_the_line_and_column() -> None:
    document = camt(VALID_ENTRY)
    error = camt_error(document[: document.index(b"<BookgDt>")])
    # The document stops on line 10, after the two spaces that indent <BookgDt>.
    assert_malformed(error, "line 10, column 2", "not well-formed XML (no element found)")
    assert isinstance(error, ValidationFailed)
    assert error.http_status == 422


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7 not xml", b":20:MT940\n:25:X\n-"])
def test_camt_non_xml_is_malformed(data: bytes) -> None:
    error = camt_error(data)
    assert error.params["position"].startswith("line 1, column ")
    assert error.params["reason"].startswith("not well-formed XML")


def test_camt_entry_without_amount_names_the_entry() -> None:
    entries = VALID_ENTRY + VALID_ENTRY.replace('<Amt Ccy="EUR">1.00</Amt>', "")
    assert_malformed(camt_error(camt(entries)), "element Stmt[1]/Ntry[2]/Amt", "the amount is missing")


@pytest.mark.parametrize(("old", "new", "position", "reason"), [
    ("<CdtDbtInd>CRDT</CdtDbtInd>", "", "element Stmt[1]/Ntry[1]/CdtDbtInd",
     "the credit/debit indicator is missing"),
    ("CRDT", "CREDIT", "element Stmt[1]/Ntry[1]/CdtDbtInd", "'CREDIT' is neither CRDT nor DBIT"),
    ("1.00", "1,00", "element Stmt[1]/Ntry[1]/Amt", "'1,00' is not a decimal amount"),
    ("1.00", "-1.00", "element Stmt[1]/Ntry[1]/Amt", "'-1.00' is not a decimal amount"),
    ("1.00", "NaN", "element Stmt[1]/Ntry[1]/Amt", "'NaN' is not a decimal amount"),
    ('Ccy="EUR"', 'Ccy="euro"', "element Stmt[1]/Ntry[1]/Amt",
     "'euro' is not an ISO 4217 currency code (Ccy)"),
    ("2024-03-01", "2024-02-30", "element Stmt[1]/Ntry[1]/BookgDt/Dt", "'2024-02-30' is not a valid date"),
    ("2024-03-01", "01.03.2024", "element Stmt[1]/Ntry[1]/BookgDt/Dt", "'01.03.2024' is not a valid date"),
    ("<BookgDt><Dt>2024-03-01</Dt></BookgDt>", "", "element Stmt[1]/Ntry[1]/BookgDt",
     "the booking date is missing"),
])
def test_camt_bad_entry_values_name_the_element(old: str, new: str, position: str, reason: str) -> None:
    assert_malformed(camt_error(camt(VALID_ENTRY.replace(old, new))), position, reason)


def test_camt_statement_without_account_is_malformed() -> None:
    assert_malformed(camt_error(camt(VALID_ENTRY, account="")), "element Stmt[1]/Acct/Id",
                     "the account has neither an IBAN nor another id")


def test_camt_other_iso_message_is_refused() -> None:
    pain = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>'
    assert_malformed(camt_error(pain), "element Document",
                     "this is not a camt.053 document (expected Document/BkToCstmrStmt)")


@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    '<!DOCTYPE lolz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE lolz SYSTEM "http://attacker.example/evil.dtd">',
])
def test_camt_doctype_and_entities_are_refused(prolog: str) -> None:
    document = camt(VALID_ENTRY).replace(b"<Document", prolog.encode() + b"\n<Document", 1)
    assert_malformed(camt_error(document), "<!DOCTYPE lolz>",
                     "DOCTYPE and ENTITY declarations are not accepted")


def test_camt_doctype_is_refused_in_utf16_too() -> None:
    document = camt(VALID_ENTRY).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    document = document.replace("<Document", '<!DOCTYPE d [<!ENTITY x "y">]><Document', 1)
    assert camt_error(document.encode("utf-16")).params["position"] == "<!DOCTYPE d>"


# --- MT940: the cmxl sample -------------------------------------------------------------

MT940_SAMPLE = "payments/mt940_cmxl_example.sta"


@pytest.fixture(scope="module")
def mt940_statements() -> list[Statement]:
    return parse_mt940(shared_file(MT940_SAMPLE).read_bytes())


def test_mt940_sample_reads_the_same_from_text(mt940_statements: list[Statement]) -> None:
    assert parse_mt940(shared_file(MT940_SAMPLE).read_text(encoding="utf-8")) == mt940_statements


def test_mt940_sample_statements(mt940_statements: list[Statement]) -> None:
    summary = [(s.statement_id, s.account, s.currency, len(s.lines), s.created_at) for s in mt940_statements]
    assert summary == [
        ("131110", "45050050/76198810", "DEM", 11, None),
        ("1234567", "10020030/1234567", "EUR", 2, None),
        ("TELEWIZORY S.A.", "BPHKPLPK/320000546101", "PLN", 3, None),
    ]


def test_mt940_sample_balances(mt940_statements: list[Statement]) -> None:
    def balance(statement: Statement) -> list[tuple[str, Decimal, str, date] | None]:
        return [(b.kind, b.amount, b.currency, b.date) if b else None
                for b in (statement.opening_balance, statement.closing_balance)]

    assert [balance(s) for s in mt940_statements] == [
        [("opening", Decimal("84349.74"), "DEM", date(2013, 10, 16)),
         ("closing", Decimal("84437.04"), "DEM", date(2013, 10, 17))],
        [("opening", Decimal("2187.95"), "EUR", date(2002, 11, 1)),
         ("closing", Decimal("4387.95"), "EUR", date(2002, 11, 30))],
        # The sample's closing date really is 2002-03-25, before its opening date.
        [("opening", Decimal("40000.00"), "PLN", date(2003, 10, 2)),
         ("closing", Decimal("50040.00"), "PLN", date(2002, 3, 25))],
    ]
    assert all(s.balances == (s.opening_balance, s.closing_balance) for s in mt940_statements)


def test_mt940_sample_lines_add_up_to_the_closing_balance(mt940_statements: list[Statement]) -> None:
    # Checked by hand: all three statements of the sample balance.
    reconciled = []
    for statement in mt940_statements:
        assert statement.opening_balance is not None
        assert statement.closing_balance is not None
        total = statement.opening_balance.amount + sum(line.signed_amount for line in statement.lines)
        reconciled.append(total == statement.closing_balance.amount)
    assert reconciled == [True, True, True]


def test_mt940_sample_lines_of_the_first_statement(mt940_statements: list[Statement]) -> None:
    lines = mt940_statements[0].lines
    assert [line.position for line in lines] == list(range(1, 12))
    assert lines[0] == StatementLine(
        booking_date=date(2013, 10, 17), value_date=date(2013, 10, 17), amount=Decimal("6800"),
        currency="DEM", direction="debit", reference="16703074", bank_reference=None,
        description="999PN5477SCHECK-NR. 0000016703074", counterparty_name=None,
        counterparty_account=None, transaction_code="NCHK", position=1)
    assert (lines[1].amount, lines[1].direction, lines[1].reference) == (Decimal("620.30"), "debit", "N")
    assert (lines[3].amount, lines[3].direction, lines[3].booking_date) == (
        Decimal("14220"), "debit", date(2013, 10, 15))
    assert (lines[8].amount, lines[8].direction, lines[8].booking_date, lines[8].transaction_code) == (
        Decimal("3656.74"), "credit", date(2013, 10, 18), "NMSC")
    assert (lines[10].signed_amount, lines[10].booking_date) == (Decimal("-5862.14"), date(2013, 10, 27))


def test_mt940_sample_structured_details_of_the_second_statement(mt940_statements: list[Statement]) -> None:
    rent, salary = mt940_statements[1].lines
    # "DR800," is a debit with funds code R; the entry date 1102 is a day after the value date.
    assert rent == StatementLine(
        booking_date=date(2002, 11, 2), value_date=date(2002, 11, 1), amount=Decimal("800"),
        currency="EUR", direction="debit", reference=None, bank_reference="55555",
        description="008?00DAUERAUFTRAG?100599?20Miete November?3010020030?31234567?32MUELLER?34339",
        counterparty_name="MUELLER", counterparty_account="234567", transaction_code="NSTO", position=1)
    assert (salary.signed_amount, salary.booking_date, salary.counterparty_account) == (
        Decimal("3000"), date(2002, 11, 2), "0847564700")
    # :86: continues over five lines; wrapped text joins without invented spaces.
    assert "?20Gehalt Oktober?21FirmaMustermannGmbH?30" in salary.description


def test_mt940_sample_lines_of_the_third_statement(mt940_statements: list[Statement]) -> None:
    card, transfer, interest = mt940_statements[2].lines
    assert (card.amount, card.direction, card.reference, card.bank_reference, card.transaction_code) == (
        Decimal("20000.00"), "credit", None, "8327000090031789", "FMSC")
    assert card.counterparty_name == "HUTA SZKLA TOPIC ULPRZEMYSLOWA 67 32-669 WROCLAW"
    assert card.counterparty_account == "PL08106000760000777777777777"  # IBAN wrapped over two lines
    assert card.description.startswith("020?00Wyplata-(dysp/przel)?20")
    assert (transfer.signed_amount, transfer.reference, transfer.bank_reference) == (
        Decimal("-10000.00"), "REF 25611247", "8327000090031790")
    assert (interest.amount, interest.direction, interest.booking_date, interest.position) == (
        Decimal("40.00"), "credit", date(2003, 10, 20), 3)
    assert interest.description == "844?00Uznanie kwotą odsetek?20Odsetki od lokaty nr 101000?21022086"


# --- MT940: other shapes ----------------------------------------------------------------


def mt940(*lines: str) -> str:
    return "\r\n".join(lines)


OPENING = ":60F:C231229EUR1000,00"


def test_mt940_reversals_year_end_and_supplementary_details() -> None:
    [statement] = parse_mt940(mt940(
        ":20:STMT-1", ":25:DE89370400440532013000", ":28C:1/1", OPENING,
        ":61:2312290102RC100,NTRFREF-A//B-1", "Card refund reversed",
        ":61:2401021231RD25,5NCHKNONREF",
        ":86:Free text that was wrapped at sixty-five characters and so con", "tinues here",
        ":62F:C240102EUR925,50", ":64:C240102EUR900,", ":65:D240103EUR12,",
        ":86:Statement-level information, not about any line", "-"))
    refund, cheque = statement.lines
    # RC reverses a credit (money out); RD reverses a debit (money back in).
    assert (refund.direction, refund.signed_amount, refund.reference, refund.bank_reference) == (
        "debit", Decimal("-100"), "REF-A", "B-1")
    assert refund.description == "Card refund reversed"  # no :86:, so the supplementary details
    assert (refund.booking_date, refund.value_date) == (date(2024, 1, 2), date(2023, 12, 29))
    assert (cheque.direction, cheque.signed_amount) == ("credit", Decimal("25.5"))
    assert (cheque.booking_date, cheque.value_date) == (date(2023, 12, 31), date(2024, 1, 2))
    assert cheque.description == "Free text that was wrapped at sixty-five characters and so continues here"
    assert [(b.kind, b.amount) for b in statement.balances] == [
        ("opening", Decimal("1000.00")), ("closing", Decimal("925.50")),
        ("closing_available", Decimal("900")), ("forward_available", Decimal("-12"))]


def test_mt940_swift_block_wrapper_and_missing_separator() -> None:
    text = mt940(
        "{1:F01BANKDEFFAXXX0000000000}{2:O9401200240102BANKDEFFAXXX00000000002401021200N}{3:{108:ABC}}{4:",
        ":20:FIRST", ":25:ACC-1", OPENING, ":61:231229C1,NMSCNONREF", ":62F:C231229EUR1001,",
        ":20:SECOND", ":25:ACC-1", OPENING, ":62F:C231229EUR1000,", "-}{5:{CHK:123456789ABC}}")
    first, second = parse_mt940(text)
    assert (first.statement_id, len(first.lines), second.statement_id, len(second.lines)) == (
        "FIRST", 1, "SECOND", 0)


def test_mt940_latin1_bytes_are_decoded() -> None:
    text = mt940(":20:X", ":25:Y", OPENING, ":61:231229D1,NMSCNONREF", ":86:Gebühr März", "-")
    assert parse_mt940(text.encode("latin-1"))[0].lines[0].description == "Gebühr März"


# --- MT940: malformed input -------------------------------------------------------------


def mt940_error(text: str | bytes) -> StatementMalformed:
    with pytest.raises(StatementMalformed) as caught:
        parse_mt940(text)
    return caught.value


def test_mt940_bad_amount_names_the_line() -> None:
    error = mt940_error(mt940(":20:X", ":25:Y", OPENING, ":61:231229C1,NMSC",
                              ":61:231229D12.50NTRFNONREF", "-"))
    assert_malformed(error, "line 5", "'12.50' is not an MT940 amount (digits with a decimal comma)")
    assert error.localised("en") == ("The bank statement is malformed at line 5: "
                                     "'12.50' is not an MT940 amount (digits with a decimal comma)")


@pytest.mark.parametrize(("lines", "position", "reason"), [
    ((":20:X", ":25:Y", OPENING, ":61:231229DNTRFNONREF"), "line 4", "the amount is missing"),
    ((":20:X", ":25:Y", OPENING, ":61:231229D1,234,5NTRF"), "line 4",
     "'1,234,5' is not an MT940 amount (digits with a decimal comma)"),
    ((":20:X", ":25:Y", OPENING, ":61:231329D1,NTRF"), "line 4", "'231329' is not a valid YYMMDD date"),
    ((":20:X", ":25:Y", OPENING, ":61:2312291341D1,NTRF"), "line 4", "'1341' is not a valid MMDD entry date"),
    ((":20:X", ":25:Y", OPENING, ":61:231229X1,NTRF"), "line 4",
     ":61: is not YYMMDD[MMDD], C|D|RC|RD, amount, transaction type and reference: '231229X1,NTRF'"),
    ((":20:X", ":25:Y", ":61:231229D1,NTRF"), "line 3",
     "a :61: statement line comes before the :60F: opening balance that gives its currency"),
    ((":20:X", ":25:Y", ":60F:C231229EU1,"), "line 3",
     ":60F: balance is not C|D, YYMMDD date, currency and amount: 'C231229EU1,'"),
    ((":20:X", ":25:Y", ":60F:C231229EUR1.00"), "line 3",
     "'1.00' is not an MT940 amount (digits with a decimal comma)"),
    (("", ":25:Y", OPENING), "line 2", "the statement has no :20: transaction reference"),
    ((":20:X", OPENING), "line 1", "the statement has no :25: account identification"),
    (("Kontoauszug", ":20:X"), "line 1", "text outside a :tag: field"),
    (("", " ", "-"), "line 1", "the file contains no MT940 statement"),
])
def test_mt940_malformed_input_names_the_line(lines: tuple[str, ...], position: str, reason: str) -> None:
    assert_malformed(mt940_error(mt940(*lines)), position, reason)


def test_mt940_error_lines_count_through_a_swift_wrapper() -> None:
    text = mt940("{1:F01BANKDEFFAXXX0000000000}{2:O940}{4:", ":20:X", ":25:Y", OPENING,
                 ":61:231229C1;5NMSC", "-}")
    assert_malformed(mt940_error(text.encode()), "line 5",
                     "'1;5' is not an MT940 amount (digits with a decimal comma)")
