"""A printable A4 sheet in one language: title, labelled facts, tables and totals, shaped by HarfBuzz.

fpdf2 with `set_text_shaping(True)` runs uharfbuzz over every line, so Devanagari's reordered vowel signs and
conjuncts (कि, क्ष, श्री) come out as the font's own ligature glyphs; without shaping they print as broken
letters. Everything a reader sees is passed in already translated: this module knows layout, not words.
"""

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

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
            families.append(family)
        # Bold only where the document's own font has a bold face (Lohit has none): parsing a font file is most
        # of a short document's cost, so no font is loaded twice to fake one.
        main = fonts.order_for(language)[0]
        self.bold = "B" if fonts.has_bold(main) else ""
        if self.bold:
            pdf.add_font(families[0], "B", str(fonts.font_file(main, bold=True)))
        self.family = families[0]
        pdf.set_font(self.family, size=10)
        pdf.set_fallback_fonts(families[1:])
        pdf.set_text_shaping(True)
        self.shaping = True
        pdf.footer_text = footer
        pdf.set_auto_page_break(True, margin=16)
        pdf.add_page()
        self.pdf = pdf
        pdf.set_font(self.family, self.bold, 16)
        pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(self.family, "", 10)

    def facts(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label: value lines (who, which period, which receipt)."""
        pdf = self.pdf
        for label, value in pairs:
            pdf.set_font(self.family, self.bold, 10)
            pdf.cell(48, 6, label)
            pdf.set_font(self.family, "", 10)
            pdf.multi_cell(0, 6, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        pdf.ln(2)
        pdf.set_font(self.family, self.bold, 12)
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
        """A table whose header repeats on every page it spans; `empty` is said instead of a header-only table.

        One line per row, drawn cell by cell: fpdf2's own table() wraps every cell and shapes each word while
        measuring, ~10x slower on a year's statement; a cell too long for its column ends in "…" instead."""
        if not rows:
            self.note(empty)
            return
        pdf = self.pdf
        scale = (pdf.w - pdf.l_margin - pdf.r_margin) / sum(widths)
        sized = [w * scale for w in widths]
        line = 6.0

        def header() -> None:
            pdf.set_font(self.family, self.bold, 8.5)
            pdf.set_fill_color(232, 240, 232)
            for text, width, align in zip(headers, sized, aligns, strict=True):
                self._shape_for(text)
                pdf.cell(width, line, self._fit(text, width), border=1, align=align[0], fill=True)
            pdf.ln(line)
            pdf.set_font(self.family, "", 8.5)

        header()
        for values in rows:
            if pdf.will_page_break(line):
                pdf.add_page()
                header()
            for text, width, align in zip(values, sized, aligns, strict=True):
                self._shape_for(text)
                pdf.cell(width, line, self._fit(text, width), border=1, align=align[0])
            pdf.ln(line)
        pdf.set_font(self.family, "", 10)
        self._shape_for("")
        pdf.ln(2)

    def _shape_for(self, text: str) -> None:
        """Shape only text that needs it: dates, numbers, ids and rupees in table cells look the same unshaped, and
        HarfBuzz per cell is most of a long statement's time (bench/documents.py). Scripts from Devanagari
        (U+0900) to Sinhala (U+0DFF) reorder and join, so any letter from them turns shaping on."""
        wanted = not text.isascii() and any(0x0900 <= ord(c) <= 0x0DFF for c in text)
        if text == "":
            wanted = True  # back to the default for everything after the table
        if wanted != self.shaping:
            self.pdf.set_text_shaping(wanted)
            self.shaping = wanted

    def _fit(self, text: str, width: float) -> str:
        room = width - 2 * self.pdf.c_margin
        if self.pdf.get_string_width(text) <= room:
            return text
        while text and self.pdf.get_string_width(text + "…") > room:
            text = text[:-1]
        return text + "…"

    def totals(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Right-aligned sums, the last one bold (the figure a reader looks for)."""
        pdf = self.pdf
        for index, (label, value) in enumerate(pairs):
            last = index == len(pairs) - 1
            pdf.set_font(self.family, self.bold if last else "", 11 if last else 10)
            pdf.cell(120, 7, label, align="R")
            pdf.cell(0, 7, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(self.family, "", 10)
        pdf.ln(2)

    def pdf_bytes(self) -> bytes:
        return bytes(self.pdf.output())
