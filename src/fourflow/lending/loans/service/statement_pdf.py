"""The loan statement as a PDF (reportlab, as the contracts are): the loan's facts and every posting
with its running balance, in the reader's language. Chinese is set in reportlab's built-in CID font
STSong-Light; the output is deterministic (invariant mode) for the same lines."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from fourflow.core.i18n import N_, Language, translate
from fourflow.lending.loans.models import Loan
from fourflow.lending.loans.service.statements import StatementLine

CJK_FONT = "STSong-Light"
COLUMNS = (N_("Date (UTC)"), N_("Description"), N_("Account"), N_("Debit"), N_("Credit"), N_("Balance"))
ACCOUNTS = {"loan:principal": N_("Principal"), "loan:interest": N_("Interest"), "loan:fees": N_("Fees")}


def _font(language: Language, seller_name: str) -> str:
    try:
        seller_name.encode("cp1252")
    except UnicodeEncodeError:
        latin = False
    else:
        latin = True
    if language == "zh_Hans" or not latin:
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT
    return "Helvetica"


def _description(line: StatementLine, language: Language) -> str:
    text = translate(line.message, language, **dict(line.params)) if line.message else line.description
    return escape(text)


def statement_pdf(loan: Loan, lines: Sequence[StatementLine], language: Language, seller_name: str) -> bytes:
    font = _font(language, seller_name)
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19, spaceAfter=6)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")

    def text(message: str, **params: object) -> str:
        return escape(translate(message, language, **params))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                                 topMargin=16 * mm, bottomMargin=16 * mm, invariant=1,
                                 title=translate(N_("Loan statement"), language))
    rows: list[list[object]] = [[Paragraph(text(column), body) for column in COLUMNS]]
    for line in lines:
        rows.append([line.posted_at.strftime("%Y-%m-%d %H:%M"), Paragraph(_description(line, language), body),
                     text(ACCOUNTS.get(line.account, line.account)), f"{line.debit:,.2f}",
                     f"{line.credit:,.2f}", f"{line.balance:,.2f}"])
    table = Table(rows, colWidths=[28 * mm, 58 * mm, 20 * mm, 24 * mm, 24 * mm, 24 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("ALIGN", (3, 0), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c3ccd6")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor("#5f6b76"))]))
    facts = text(N_("{seller} · principal {amount} {currency} · {start} – {end}"), seller=seller_name,
                 amount=f"{loan.principal_amount:,.2f}", currency=loan.currency,
                 start=loan.start_on.isoformat(), end=loan.maturity_on.isoformat())
    document.build([Paragraph(text(N_("Loan statement")), title), Paragraph(facts, body),
                    Paragraph(text(N_("Loan {id}; amounts in {currency}."), id=str(loan.id),
                                   currency=loan.currency), body),
                    Spacer(1, 6 * mm), table])
    return buffer.getvalue()
