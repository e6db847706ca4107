"""The contract PDF (reportlab): title, parties, key terms, schedule, APR disclosure, clauses and a
last page with the two signature boxes, every text in the seller's language first and the other
language beneath it.

The output is deterministic (reportlab's invariant mode: fixed dates and document id), so the
same terms always give the same bytes and the same digest. Chinese is set in the Adobe CID font
STSong-Light, which reportlab ships without a font file; any text that Latin-1 Helvetica cannot
show (a Chinese company name, say) is set in it too.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from fourflow.core.i18n import Language, translate
from fourflow.core.money import Money
from fourflow.lending.contracts.service import texts
from fourflow.lending.contracts.service.terms import ContractTerms
from fourflow.risk.service import decisions

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD_FONT = "Helvetica-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
# The signature boxes on the last page, (left, bottom, right, top) in PDF points: signing puts
# each signature's visible field exactly here.
SIGNATURE_BOX_BOTTOM = 440.0
SIGNATURE_BOX_TOP = 520.0
SELLER_SIGNATURE_BOX = (MARGIN, SIGNATURE_BOX_BOTTOM, PAGE_WIDTH / 2 - 6 * mm, SIGNATURE_BOX_TOP)
PLATFORM_SIGNATURE_BOX = (PAGE_WIDTH / 2 + 6 * mm, SIGNATURE_BOX_BOTTOM, PAGE_WIDTH - MARGIN,
                          SIGNATURE_BOX_TOP)
SECONDARY_COLOUR = "#5f6b76"
LINE_COLOUR = colors.HexColor("#c3ccd6")


def _register_cjk_font() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def font_for(text: str, *, bold: bool = False) -> str:
    """Helvetica when the text fits its Latin-1 encoding, the CJK font otherwise."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return CJK_FONT
    return LATIN_BOLD_FONT if bold else LATIN_FONT


def _wrapping(style: ParagraphStyle, *texts: str) -> ParagraphStyle:
    """Chinese has no spaces to break lines at: text set in the CJK font wraps between characters
    (keeping Latin words whole)."""
    if all(font_for(text) != CJK_FONT for text in texts):
        return style
    return ParagraphStyle(f"{style.name}-cjk", parent=style, wordWrap="CJK")


def _span(text: str, *, bold: bool = False, size: float | None = None, colour: str | None = None) -> str:
    attributes = f'name="{font_for(text, bold=bold)}"'
    if size is not None:
        attributes += f' size="{size}"'
    if colour is not None:
        attributes += f' color="{colour}"'
    return f"<font {attributes}>{escape(text)}</font>"


def money_text(money: Money) -> str:
    return f"{money.currency} {money.quantized().amount:,}"


def percent_text(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.01')):,} %"


class _Writer:
    """Builds the story for one contract: every label in both languages, primary first."""

    def __init__(self, terms: ContractTerms) -> None:
        self.terms = terms
        self.primary: Language = terms.language
        self.secondary: Language = "en" if terms.language == "zh_Hans" else "zh_Hans"
        self.body = ParagraphStyle("body", fontName=LATIN_FONT, fontSize=9.5, leading=13)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=10,
                                    textColor=colors.HexColor(SECONDARY_COLOUR))
        self.heading = ParagraphStyle("heading", parent=self.body, fontSize=12, leading=16,
                                      spaceBefore=10, spaceAfter=4)
        self.title = ParagraphStyle("title", parent=self.body, fontSize=18, leading=23)
        self.secondary_style = ParagraphStyle("secondary", parent=self.small, spaceAfter=4)
        self.clause = ParagraphStyle("clause", parent=self.body, spaceBefore=4)

    def both(self, message: str, **params: Any) -> tuple[str, str | None]:
        """The text in the primary language, and in the secondary one unless it reads the same."""
        first = translate(message, self.primary, **params)
        second = translate(message, self.secondary, **params)
        return first, (second if second != first else None)

    def label(self, message: str, **params: Any) -> Paragraph:
        """A label cell: the primary text, the secondary one small beneath."""
        first, second = self.both(message, **params)
        markup = _span(first, bold=True)
        if second is not None:
            markup += f"<br/>{_span(second, size=7, colour=SECONDARY_COLOUR)}"
        return Paragraph(markup, _wrapping(self.body, first, second or ""))

    def value(self, text: str, *, align_right: bool = False) -> Paragraph:
        style = ParagraphStyle("value", parent=self.body, alignment=2 if align_right else 0)
        return Paragraph(_span(text).replace("\n", "<br/>"), _wrapping(style, text))

    def paragraphs(self, message: str, style: ParagraphStyle | None = None, **params: Any
                   ) -> list[Paragraph]:
        first, second = self.both(message, **params)
        main = style or self.body
        shown = [Paragraph(_span(first, bold=main is self.heading), _wrapping(main, first))]
        if second is not None:
            shown.append(Paragraph(_span(second), _wrapping(self.secondary_style, second)))
        return shown

    def story(self) -> list[Any]:
        terms = self.terms
        story: list[Any] = [
            *self.paragraphs(texts.TITLE, self.title),
            *self.paragraphs(texts.CONTRACT_NUMBER, number=terms.contract_number),
            *self.paragraphs(texts.PARTIES, self.heading),
            self._table([
                [self.label(texts.LENDER), self.value(terms.lender_name)],
                [self.label(texts.BORROWER), self.value(terms.seller_legal_name)],
                [self.label(texts.REGISTERED_ADDRESS), self.value(terms.seller_address)],
                [self.label(texts.REGISTRATION_NUMBER), self.value(terms.seller_registration_number)],
            ], widths=(0.32, 0.68)),
            *self.paragraphs(texts.KEY_TERMS, self.heading),
            self._table(self._key_terms(), widths=(0.32, 0.68)),
            *self.paragraphs(texts.SCHEDULE, self.heading),
            self._schedule(),
            *self.paragraphs(texts.COST_OF_CREDIT, self.heading),
            *self.paragraphs(texts.APR_DISCLOSURE, apr=percent_text(terms.annual_percentage_rate),
                             rate=percent_text(terms.annual_interest_rate),
                             fees=money_text(terms.total_fees), cost=money_text(terms.total_cost_of_credit),
                             principal=money_text(terms.principal), days=terms.term_days),
            *self.paragraphs(texts.CONDITIONS, self.heading),
        ]
        for clause in texts.CLAUSES:
            story += self.paragraphs(clause, self.clause)
        story += [NextPageTemplate("signatures"), PageBreak(),
                  *self.paragraphs(texts.SIGNATURES, self.heading), Spacer(1, 4),
                  *self.paragraphs(texts.SIGNATURES_NOTE)]
        return story

    def _product(self) -> str:
        label = decisions.PRODUCT_LABELS.get(self.terms.product)
        return translate(label, self.primary) if label else self.terms.product

    def _key_terms(self) -> list[list[Paragraph]]:
        terms = self.terms
        fees = "\n".join(f"{fee.description}: {money_text(fee.amount)}" for fee in terms.fees)
        rows: list[tuple[str, str]] = [
            (texts.PRODUCT, self._product()),
            (texts.PRINCIPAL, money_text(terms.principal)),
            (texts.CURRENCY, terms.currency),
            (texts.ANNUAL_INTEREST_RATE, percent_text(terms.annual_interest_rate)),
            (texts.ANNUAL_PERCENTAGE_RATE, percent_text(terms.annual_percentage_rate)),
            (texts.FEES, fees or translate(texts.NO_FEES, self.primary)),
            *([(texts.INSURANCE, "\n".join([*(f"{cover.description}: {money_text(cover.amount)}"
                                               for cover in terms.insurance),
                                             translate(texts.INSURANCE_NOTE, self.primary)]))]
              if terms.insurance else []),
            (texts.TERM, translate(texts.TERM_DAYS, self.primary, days=terms.term_days)),
            (texts.DISBURSEMENT_DATE, terms.disbursement_date.isoformat()),
            (texts.MATURITY_DATE, terms.maturity_date.isoformat()),
            (texts.TOTAL_INTEREST, money_text(terms.total_interest)),
            (texts.TOTAL_FEES, money_text(terms.total_fees)),
            (texts.TOTAL_INSTALMENTS, money_text(terms.total_instalments)),
            (texts.REPAYMENT_METHOD, terms.repayment_method),
            (texts.USE_OF_FUNDS, terms.use_of_funds),
            (texts.GOVERNING_LAW, terms.governing_law),
        ]
        return [[self.label(message), self.value(text)] for message, text in rows]

    def _schedule(self) -> Table:
        terms = self.terms
        header = [self.label(texts.INSTALMENT_NUMBER), self.label(texts.DUE_DATE),
                  self.label(texts.PRINCIPAL), self.label(texts.INTEREST), self.label(texts.INSTALMENT)]
        rows: list[list[Paragraph]] = [header]
        for number, row in enumerate(terms.schedule, start=1):
            rows.append([self.value(str(number)), self.value(row.due_date.isoformat()),
                         self.value(money_text(row.principal), align_right=True),
                         self.value(money_text(row.interest), align_right=True),
                         self.value(money_text(row.total), align_right=True)])
        principal = Money(sum((row.principal.amount for row in terms.schedule), Decimal(0)), terms.currency)
        rows.append([self.label(texts.TOTAL), self.value(""),
                     self.value(money_text(principal), align_right=True),
                     self.value(money_text(terms.total_interest), align_right=True),
                     self.value(money_text(terms.total_instalments), align_right=True)])
        return self._table(rows, widths=(0.1, 0.2, 0.24, 0.22, 0.24), header=True)

    @staticmethod
    def _table(rows: list[list[Paragraph]], *, widths: tuple[float, ...], header: bool = False) -> Table:
        usable = PAGE_WIDTH - 2 * MARGIN
        table = Table(rows, colWidths=[usable * share for share in widths], repeatRows=1 if header else 0)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE_COLOUR),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if header:
            commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")))
        table.setStyle(TableStyle(commands))
        return table

    def draw_footer(self, canvas: Any, document: Any) -> None:
        first, second = self.both(texts.PAGE, page=document.page)
        canvas.saveState()
        canvas.setFillColor(colors.HexColor(SECONDARY_COLOUR))
        canvas.setFont(font_for(self.terms.contract_number), 7.5)
        canvas.drawString(MARGIN, 10 * mm, self.terms.contract_number)
        footer = first if second is None else f"{first} / {second}"
        canvas.setFont(font_for(footer), 7.5)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 10 * mm, footer)
        canvas.restoreState()

    def draw_signature_blocks(self, canvas: Any, document: Any) -> None:
        self.draw_footer(canvas, document)
        blocks = ((texts.FOR_BORROWER, self.terms.seller_legal_name, SELLER_SIGNATURE_BOX),
                  (texts.FOR_LENDER, self.terms.lender_name, PLATFORM_SIGNATURE_BOX))
        canvas.saveState()
        for message, party, (left, bottom, right, top) in blocks:
            first, second = self.both(message)
            lines = [(first, 10, colors.black), (second or "", 8, colors.HexColor(SECONDARY_COLOUR)),
                     (party, 9, colors.black)]
            y = top + 40
            for text, size, colour in lines:
                canvas.setFillColor(colour)
                canvas.setFont(font_for(text), size)
                canvas.drawString(left, y, text)
                y -= size + 4
            canvas.setStrokeColor(LINE_COLOUR)
            canvas.rect(left, bottom, right - left, top - bottom, stroke=1, fill=0)
            note = " / ".join(text for text in self.both(texts.SIGNATURE_FIELD_NOTE) if text)
            canvas.setFillColor(colors.HexColor(SECONDARY_COLOUR))
            canvas.setFont(font_for(note), 7)
            canvas.drawString(left, bottom - 11, note)
        canvas.restoreState()


def render_contract(terms: ContractTerms) -> bytes:
    """The unsigned contract PDF; the same terms always give the same bytes."""
    _register_cjk_font()
    writer = _Writer(terms)
    buffer = io.BytesIO()
    title = f"{translate(texts.TITLE, terms.language)} {terms.contract_number}"
    document = BaseDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                               topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm, invariant=1,
                               title=title, author=terms.lender_name, subject=terms.contract_number,
                               creator="Fourflow", lang="zh-Hans" if terms.language == "zh_Hans" else "en")
    body = Frame(MARGIN, MARGIN + 6 * mm, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN - 6 * mm,
                 id="body")
    signatures_top = SIGNATURE_BOX_TOP + 70
    above_signatures = Frame(MARGIN, signatures_top, PAGE_WIDTH - 2 * MARGIN,
                             PAGE_HEIGHT - MARGIN - signatures_top, id="above-signatures")
    document.addPageTemplates([
        PageTemplate(id="body", frames=[body], onPage=writer.draw_footer),
        PageTemplate(id="signatures", frames=[above_signatures], onPage=writer.draw_signature_blocks),
    ])
    document.build(writer.story())
    return buffer.getvalue()
