"""A printable A4 sheet in one language: title, labelled facts, tables and totals, shaped by HarfBuzz.

fpdf2 with `set_text_shaping(True)` runs uharfbuzz over every line, so Devanagari's reordered vowel signs and
conjuncts (कि, क्ष, श्री) come out as the font's own ligature glyphs; without shaping they print as broken
letters. Everything a reader sees is passed in already translated: this module knows layout, not words.
"""

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from kisaan_app.services.documents import fonts

Align = str  # "LEFT" | "RIGHT" | "CENTER"


class _Page(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


class Sheet:
    """One document being written. Build it top to bottom, then call `pdf_bytes()`."""

    def __init__(self, language: str, title: str, footer: str, *, generated_at: datetime) -> None:
        pdf = _Page(format="A4")
        pdf.set_creation_date(generated_at)  # the same data make the same file (no wall-clock in the bytes)
        pdf.set_title(title)
        pdf.set_creator("Kisaansay")
        pdf.set_lang(language)
        families = []
        for script in fonts.order_for(language):
            family = fonts.SCRIPT_FONTS[script].family
            pdf.add_font(family, "", str(fonts.font_file(script)))
            pdf.add_font(family, "B", str(fonts.font_file(script, bold=True)))
            families.append(family)
        self.family = families[0]
        pdf.set_font(self.family, size=10)
        pdf.set_fallback_fonts(families[1:])
        pdf.set_text_shaping(True)
        pdf.footer_text = footer
        pdf.set_auto_page_break(True, margin=16)
        pdf.add_page()
        self.pdf = pdf
        pdf.set_font(self.family, "B", 16)
        pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(self.family, "", 10)

    def facts(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label: value lines (who, which period, which receipt)."""
        pdf = self.pdf
        for label, value in pairs:
            pdf.set_font(self.family, "B", 10)
            pdf.cell(48, 6, label)
            pdf.set_font(self.family, "", 10)
            pdf.multi_cell(0, 6, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        pdf.ln(2)
        pdf.set_font(self.family, "B", 12)
        pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(self.family, "", 10)

    def note(self, text: str) -> None:
        self.pdf.set_text_color(90)
        self.pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_text_color(0)
        self.pdf.ln(1)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[int],
        aligns: Sequence[Align],
        *,
        empty: str = "",
    ) -> None:
        """A table whose header repeats on every page it spans; `empty` is said instead of a header-only table."""
        if not rows:
            self.note(empty)
            return
        pdf = self.pdf
        pdf.set_font(self.family, "", 9)
        with pdf.table(
            col_widths=tuple(widths),
            text_align=tuple(aligns),
            line_height=5.5,
            headings_style=FontFace(emphasis="BOLD", fill_color=(232, 240, 232)),
            first_row_as_headings=True,
        ) as table:
            head = table.row()
            for text in headers:
                head.cell(text)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(text)
        pdf.set_font(self.family, "", 10)
        pdf.ln(2)

    def totals(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Right-aligned sums, the last one bold (the figure a reader looks for)."""
        pdf = self.pdf
        for index, (label, value) in enumerate(pairs):
            last = index == len(pairs) - 1
            pdf.set_font(self.family, "B" if last else "", 11 if last else 10)
            pdf.cell(120, 7, label, align="R")
            pdf.cell(0, 7, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(self.family, "", 10)
        pdf.ln(2)

    def pdf_bytes(self) -> bytes:
        return bytes(self.pdf.output())
