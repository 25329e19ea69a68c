"""The official-document page (GB/T 9704-2012) as a Word document, for editable copies.

A4; margins top 37 mm, left 28 mm; text block 156 × 225 mm; a document grid of 28 characters
× 22 lines (``w:docGrid type="linesAndChars"``) so Word and WPS lay the body as the PDFs do;
body 三号 (16 pt) 仿宋, title 二号 (22 pt) 小标宋, level-1 headings 黑体, level-2 楷体, level 3
仿宋; page numbers "— 1 —" in 四号 宋体 in the footer, one character in from the right on odd
pages and from the left on even ones. Font names are set for East Asian text (``w:eastAsia``)
and Latin text alike; a PC without a face gets the alternative named in the font table.

:class:`OfficialDocx` builds a document paragraph by paragraph; each document kind's module
(``agreement``, ``summary``, ``bulletin``) only says what goes in it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_TABLE_DIRECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm, Pt, RGBColor, Twips

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.section import Section
    from docx.styles.style import ParagraphStyle
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, LEFT_MM = 37, 28
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225
RIGHT_MM = PAGE_WIDTH_MM - LEFT_MM - TEXT_WIDTH_MM  # 26
BOTTOM_MM = PAGE_HEIGHT_MM - TOP_MM - TEXT_HEIGHT_MM  # 35
FOOTER_MM = 22  # page edge to the footer line: its top 7 mm under the text block (四号)
CHARS_PER_LINE, LINES_PER_PAGE = 28, 22
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, TABLE_PT, NOTE_PT = 16, 22, 14, 12, 10.5
IMPRINT_PT = 14  # 版记: 四号
THICK_RULE, THIN_RULE = 8, 6  # 版记's rules in eighths of a point: 0.35 mm, 0.26 mm

TWIPS_PER_MM = 1440 / 25.4
LINE_PITCH_TWIPS: Final = int(TEXT_HEIGHT_MM * TWIPS_PER_MM / LINES_PER_PAGE)  # 579 → 22 lines
CHAR_PITCH_PT: Final = TEXT_WIDTH_MM / 25.4 * 72 / CHARS_PER_LINE  # 15.79 pt
# w:charSpace: how far the character pitch differs from the body size, in 1/4096 pt (rounded
# down, so 28 pitches never exceed the text block's width)
CHAR_SPACE: Final = int((CHAR_PITCH_PT - BODY_PT) * 4096) - 1  # -849
GLYPH_SCALE: Final = 98  # per cent (w:w): a glyph narrower than a grid cell, see _setup_styles

# role → (font name, what Word/WPS substitutes on a PC without it)
FONTS: Final[dict[str, tuple[str, str]]] = {
    "title": ("方正小标宋简体", "宋体"),
    "body": ("仿宋_GB2312", "仿宋"),
    "heading1": ("黑体", "SimHei"),
    "heading2": ("楷体_GB2312", "楷体"),
    "song": ("宋体", "SimSun"),
}

RED, AMBER, GREEN = "B03A2E", "A86400", "1E7D32"
TABLE_HEAD_FILL = "EEF1F6"
TOTAL_FILL = "F7F7F7"

STYLE_TITLE, STYLE_BODY, STYLE_PLAIN = "公文标题", "公文正文", "公文无缩进"
STYLE_H1, STYLE_H2, STYLE_H3 = "Heading 1", "Heading 2", "Heading 3"
STYLE_SUB = "公文小标题"  # a 楷体 line that is not in the contents (a brand, a department's table)
STYLE_CELL, STYLE_NOTE = "表格文字", "公文附注"

Rows = Sequence[Sequence[str]]


# the order of children the schema requires (Word refuses a file that breaks it)
ORDER: Final[dict[str, tuple[str, ...]]] = {
    "w:pPr": (
        "pStyle",
        "keepNext",
        "keepLines",
        "pageBreakBefore",
        "framePr",
        "widowControl",
        "numPr",
        "suppressLineNumbers",
        "pBdr",
        "shd",
        "tabs",
        "suppressAutoHyphens",
        "kinsoku",
        "wordWrap",
        "overflowPunct",
        "topLinePunct",
        "autoSpaceDE",
        "autoSpaceDN",
        "bidi",
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    ),
    "w:sectPr": (
        "headerReference",
        "footerReference",
        "footnotePr",
        "endnotePr",
        "type",
        "pgSz",
        "pgMar",
        "paperSrc",
        "pgBorders",
        "lnNumType",
        "pgNumType",
        "cols",
        "formProt",
        "vAlign",
        "noEndnote",
        "titlePg",
        "textDirection",
        "bidi",
        "rtlGutter",
        "docGrid",
        "printerSettings",
        "sectPrChange",
    ),
    "w:trPr": (
        "cnfStyle",
        "divId",
        "gridBefore",
        "gridAfter",
        "wBefore",
        "wAfter",
        "cantSplit",
        "trHeight",
        "tblHeader",
        "tblCellSpacing",
        "jc",
        "hidden",
    ),
    "w:tcPr": (
        "cnfStyle",
        "tcW",
        "gridSpan",
        "hMerge",
        "vMerge",
        "tcBorders",
        "shd",
        "noWrap",
        "tcMar",
        "textDirection",
        "tcFitText",
        "vAlign",
        "hideMark",
    ),
    "w:tblPr": (
        "tblStyle",
        "tblpPr",
        "tblOverlap",
        "bidiVisual",
        "tblStyleRowBandSize",
        "tblStyleColBandSize",
        "tblW",
        "jc",
        "tblCellSpacing",
        "tblInd",
        "tblBorders",
        "shd",
        "tblLayout",
        "tblCellMar",
        "tblLook",
    ),
    "w:rPr": (
        "rStyle",
        "rFonts",
        "b",
        "bCs",
        "i",
        "iCs",
        "caps",
        "smallCaps",
        "strike",
        "dstrike",
        "outline",
        "shadow",
        "emboss",
        "imprint",
        "noProof",
        "snapToGrid",
        "vanish",
        "webHidden",
        "color",
        "spacing",
        "w",
        "kern",
        "position",
        "sz",
        "szCs",
        "highlight",
        "u",
        "effect",
        "bdr",
        "shd",
        "fitText",
        "vertAlign",
        "rtl",
        "cs",
        "em",
        "lang",
        "eastAsianLayout",
        "specVanish",
        "oMath",
    ),
    "w:settings": (
        "updateFields",
        "hdrShapeDefaults",
        "footnotePr",
        "endnotePr",
        "compat",
        "docVars",
        "rsids",
        "mathPr",
        "attachedSchema",
        "themeFontLang",
        "clrSchemeMapping",
        "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures",
        "forceUpgrade",
        "captions",
        "readModeInkLockDown",
        "smartTagType",
        "schemaLibrary",
        "shapeDefaults",
        "doNotEmbedSmartTags",
        "decimalSymbol",
        "listSeparator",
    ),
}


def _set(element: BaseOxmlElement, tag: str, **attributes: str) -> BaseOxmlElement:
    """The child ``tag`` of ``element`` (made when missing, in the place the schema wants it)
    with these w: attributes."""
    child = cast("BaseOxmlElement | None", element.find(qn(tag)))
    if child is None:
        child = OxmlElement(tag)
        order = ORDER.get(element.tag.replace(qn("w:x")[:-1], "w:"), ())
        name = tag.removeprefix("w:")
        later = order[order.index(name) + 1 :] if name in order else ()
        for sibling in element:
            if sibling.tag in {qn(f"w:{n}") for n in later}:
                sibling.addprevious(child)
                break
        else:
            element.append(child)
    for attribute, value in attributes.items():
        child.set(qn(f"w:{attribute}"), value)
    return child


def _instr(run: Any, text: str) -> None:
    """Put a field instruction ``text`` into ``run``."""
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = text
    run._r.append(instr)


def set_fonts(rpr_owner: BaseOxmlElement, role: str) -> None:
    """Name the role's face for East Asian and Latin text in a run's or style's properties
    (replacing any theme fonts, which would otherwise win)."""
    name = FONTS[role][0]
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        rpr.remove(fonts)
    fonts = OxmlElement("w:rFonts")
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), name)
    fonts.set(qn("w:hint"), "eastAsia")
    rpr.insert(0, fonts)


def east_asian_font(rpr_owner: BaseOxmlElement) -> str | None:
    """The East Asian font named in a run's or style's properties (None when not set)."""
    rpr = rpr_owner.find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


LATIN = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")  # digits, letters, ASCII signs


def add_text(paragraph: Paragraph, text: str) -> list[Run]:
    """Add ``text`` to ``paragraph`` as runs; runs of Latin letters and digits are kept off
    the character grid (else each takes whole cells: "2018 年"). The runs added."""
    runs: list[Run] = []
    position = 0
    for match in LATIN.finditer(text):
        if match.start() > position:
            runs.append(paragraph.add_run(text[position : match.start()]))
        run = paragraph.add_run(match.group())
        _set(run._r.get_or_add_rPr(), "w:snapToGrid", val="0")
        runs.append(run)
        position = match.end()
    if position < len(text) or not runs:
        runs.append(paragraph.add_run(text[position:]))
    return runs


def chars(n: float) -> Length:
    """``n`` characters of the grid as a length, 1 pt short: LibreOffice gives a first-line
    indent of exactly two cells a third cell (measured: 620 twips → 26 characters after it,
    631 → 25); Word and WPS take the indent in characters (``w:firstLineChars``)."""
    return Twips(max(int((n * CHAR_PITCH_PT - 1) * 20), 0))


def char_width(text: str) -> float:
    """Width of ``text`` in characters of the grid: CJK and full-width ones 1, others ½."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.5 for c in text)


class OfficialDocx:
    """A Word document on the official page, filled from the top down."""

    def __init__(self, title: str, author: str) -> None:
        self.doc: DocumentObject = Document()
        self.doc.core_properties.title = title
        self.doc.core_properties.author = author
        self.doc.core_properties.comments = "大帮教工作台生成的可编辑副本"
        self.doc.core_properties.language = "zh-CN"
        self._style_ids: dict[str, str] = {}
        self._entries: dict[Any, tuple[int, str]] = {}  # contents_entry: paragraph → entry
        self._setup_styles()
        self._setup_fonts_table()
        self.doc.settings.odd_and_even_pages_header_footer = True
        # a justified line ended by a line break is not stretched (Word, WPS and LibreOffice)
        compat = _set(self.doc.settings.element, "w:compat")
        if compat.find(qn("w:doNotExpandShiftReturn")) is None:
            compat.insert(0, OxmlElement("w:doNotExpandShiftReturn"))
        self._setup_section(self.doc.sections[0], numbered=True)

    # ------------------------------------------------------------ page and styles
    def _setup_section(self, section: Section, *, numbered: bool, restart: bool = False) -> None:
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.top_margin, section.left_margin = Mm(TOP_MM), Mm(LEFT_MM)
        section.right_margin, section.bottom_margin = Mm(RIGHT_MM), Mm(BOTTOM_MM)
        section.header_distance, section.footer_distance = Mm(15), Mm(FOOTER_MM)
        section.gutter = Emu(0)
        sect = section._sectPr
        _set(sect, "w:docGrid", type="linesAndChars", linePitch=str(LINE_PITCH_TWIPS),
             charSpace=str(CHAR_SPACE))  # fmt: skip
        if restart:
            _set(sect, "w:pgNumType", start="1")
        for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
            footer.is_linked_to_previous = True  # drop a footer copied from the section before
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            for run in list(paragraph.runs):
                run._r.getparent().remove(run._r)
            if numbered:
                self._page_number(paragraph, odd)

    def _page_number(self, paragraph: Paragraph, odd: bool) -> None:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        indent = Pt(PAGE_NUMBER_PT)  # one character in from the edge of the text block
        fmt = paragraph.paragraph_format
        fmt.right_indent, fmt.left_indent = (indent, None) if odd else (None, indent)
        _set(paragraph._p.get_or_add_pPr(), "w:snapToGrid", val="0")

        def run(text: str = "") -> BaseOxmlElement:
            r = paragraph.add_run(text)
            r.font.size = Pt(PAGE_NUMBER_PT)
            set_fonts(r._r, "song")
            return r._r

        run("— ")
        for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None),
                                  (None, None), ("end", None)):  # fmt: skip
            r = run("1" if kind is None and instruction is None else "")
            if kind is not None:
                _set(r, "w:fldChar", fldCharType=kind)
            elif instruction is not None:
                text = OxmlElement("w:instrText")
                text.set(qn("xml:space"), "preserve")
                text.text = instruction
                r.append(text)
        run(" —")

    def _style(self, name: str, role: str, size: float, base: str | None = STYLE_BODY,
               ) -> ParagraphStyle:  # fmt: skip
        from docx.enum.style import WD_STYLE_TYPE

        styles = self.doc.styles
        try:
            style = styles[name]
        except KeyError:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base is not None and name != base:
            style.base_style = styles[base]
        set_fonts(style.element, role)
        font = style.font
        font.size, font.bold, font.italic = Pt(size), False, False
        font.color.rgb = RGBColor(0, 0, 0)
        _set(style.element.get_or_add_rPr(), "w:lang", eastAsia="zh-CN")
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(0), Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        return cast("ParagraphStyle", style)

    def _setup_styles(self) -> None:
        normal = self._style("Normal", "body", BODY_PT, base=None)
        normal.paragraph_format.widow_control = True
        normal_ppr = normal.element.get_or_add_pPr()
        for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):  # no extra space between 2018 and 年
            _set(normal_ppr, tag, val="0")
        body = self._style(STYLE_BODY, "body", BODY_PT, base="Normal")
        body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        body.paragraph_format.first_line_indent = chars(2)
        _set(body.element.get_or_add_pPr(), "w:ind", firstLineChars="200")
        self._style(
            STYLE_PLAIN, "body", BODY_PT, base="Normal"
        ).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        title = self._style(STYLE_TITLE, "title", TITLE_PT, base="Normal")
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.keep_with_next = True
        title.paragraph_format.space_after = Pt(BODY_PT)
        _set(title.element.get_or_add_pPr(), "w:snapToGrid", val="0")  # else two cells a glyph
        for name, role in ((STYLE_H1, "heading1"), (STYLE_H2, "heading2"), (STYLE_H3, "body"),
                           (STYLE_SUB, "heading2")):  # fmt: skip
            style = self._style(name, role, BODY_PT, base=STYLE_BODY)
            style.paragraph_format.keep_with_next = True
            style.paragraph_format.keep_together = True
            style.next_paragraph_style = self.doc.styles[STYLE_BODY]
        cell = self._style(STYLE_CELL, "body", TABLE_PT, base="Normal")
        cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.paragraph_format.line_spacing = Pt(TABLE_PT * 4 / 3)
        cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        _set(cell.element.get_or_add_pPr(), "w:snapToGrid", val="0")
        note = self._style(STYLE_NOTE, "song", NOTE_PT, base="Normal")
        _set(note.element.get_or_add_pPr(), "w:snapToGrid", val="0")
        # the document defaults: Chinese, with the body face (no theme fonts)
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            run_defaults = defaults.find(qn("w:rPrDefault"))
            if run_defaults is not None:
                run_defaults.getparent().remove(run_defaults)
        holder = OxmlElement("w:rPrDefault")
        inner = OxmlElement("w:rPr")
        holder.append(inner)
        if defaults is None:
            defaults = OxmlElement("w:docDefaults")
            self.doc.styles.element.insert(0, defaults)
        defaults.insert(0, holder)
        fonts = OxmlElement("w:rFonts")
        for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{slot}"), FONTS["body"][0])
        inner.append(fonts)
        # glyphs at 98 % width: Word and WPS put each character in its grid cell anyway;
        # LibreOffice gives a character wider than a cell (16 pt > 15.79 pt) two cells
        _set(inner, "w:w", val=str(GLYPH_SCALE))
        _set(inner, "w:sz", val=str(BODY_PT * 2))
        _set(inner, "w:szCs", val=str(BODY_PT * 2))
        _set(inner, "w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")

    def _setup_fonts_table(self) -> None:
        """Each face in the font table, with the face Word/WPS takes where it is missing."""
        for rel in self.doc.part.rels.values():
            if rel.reltype.endswith("/fontTable"):
                from docx.oxml.parser import parse_xml

                table_part = rel.target_part
                root = parse_xml(table_part.blob)
                for name, alternative in FONTS.values():
                    font = OxmlElement("w:font")
                    font.set(qn("w:name"), name)
                    _set(font, "w:altName", val=alternative)
                    _set(font, "w:charset", val="86")  # GB2312
                    _set(font, "w:family", val="auto")
                    _set(font, "w:pitch", val="variable")
                    root.append(font)
                from docx.opc.oxml import serialize_part_xml

                table_part._blob = serialize_part_xml(root)

    # ------------------------------------------------------------ paragraphs
    def apply_style(self, paragraph: Paragraph, name: str) -> None:
        """Give ``paragraph`` the style ``name`` (its id looked up once: python-docx looks it
        up among every style on each assignment, 2 ms a table cell)."""
        if name not in self._style_ids:
            self._style_ids[name] = self.doc.styles[name].style_id
        paragraph._p.style = self._style_ids[name]

    def paragraph(self, text: str, style: str = STYLE_BODY) -> Paragraph:
        """A paragraph of ``text`` in ``style`` (line breaks kept)."""
        paragraph = self.doc.add_paragraph()
        self.apply_style(paragraph, style)
        lines = text.split("\n")
        for n, line in enumerate(lines):
            runs = add_text(paragraph, line)
            if n < len(lines) - 1:
                runs[-1].add_break()
        return paragraph

    def title(self, text: str) -> Paragraph:
        """The document's title (二号 小标宋, centred)."""
        return self.paragraph(text, STYLE_TITLE)

    def body(self, text: str) -> Paragraph:
        """A body paragraph (first line indented two characters)."""
        return self.paragraph(text, STYLE_BODY)

    def plain(self, text: str) -> Paragraph:
        """A body-size paragraph without indent."""
        return self.paragraph(text, STYLE_PLAIN)

    def centred(self, text: str, size: float = BODY_PT) -> Paragraph:
        """A centred line, e.g. the period under a title."""
        paragraph = self.paragraph(text, STYLE_PLAIN)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if size != BODY_PT:  # off the grid: its cells are for body-size characters
            _set(paragraph._p.get_or_add_pPr(), "w:snapToGrid", val="0")
            for run in paragraph.runs:
                run.font.size = Pt(size)
        return paragraph

    def heading(self, text: str, level: int = 1) -> Paragraph:
        """A heading: level 1 黑体 "一、", 2 楷体 "（一）", 3 仿宋 "1．" (in the contents)."""
        return self.paragraph(text, {1: STYLE_H1, 2: STYLE_H2, 3: STYLE_H3}[level])

    def subheading(self, text: str) -> Paragraph:
        """A 楷体 line that heads what follows but is not in the contents."""
        return self.paragraph(text, STYLE_SUB)

    def note(self, text: str, size: float = NOTE_PT) -> Paragraph:
        """Small print (宋体), e.g. a table's legend."""
        paragraph = self.paragraph(text, STYLE_NOTE)
        if size != NOTE_PT:
            for run in paragraph.runs:
                run.font.size = Pt(size)
        return paragraph

    def draft_mark(self, text: str = "草稿（未印发）") -> None:
        """Mark every page's header (odd and even) as a draft, in grey."""
        for section in self.doc.sections:
            for header in (section.header, section.even_page_header):
                header.is_linked_to_previous = False
                paragraph = header.paragraphs[0]
                paragraph.text = ""
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run = paragraph.add_run(text)
                run.font.size = Pt(NOTE_PT)
                run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
                set_fonts(run._r, "heading1")

    def coloured(self, paragraph: Paragraph, colour: str) -> Paragraph:
        """Every run of ``paragraph`` in ``colour`` (hex RGB)."""
        for run in paragraph.runs:
            run.font.color.rgb = RGBColor.from_string(colour)
        return paragraph

    def blank(self, lines: int = 1) -> None:
        """Empty body lines."""
        for _ in range(lines):
            self.paragraph("", STYLE_PLAIN)

    def page_break(self) -> None:
        """Continue on a new page."""
        self.paragraph("", STYLE_PLAIN).add_run().add_break(WD_BREAK.PAGE)

    def new_section(self, *, numbered: bool = True, restart: bool = True) -> None:
        """A new section on a new page; ``restart`` numbers its first page 1."""
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._setup_section(section, numbered=numbered, restart=restart)

    def unnumbered_first_section(self) -> None:
        """No page numbers on the first section's pages (a cover and contents)."""
        self._setup_section(self.doc.sections[0], numbered=False)

    def closing(self, issuer: str, date_text: str, *, seal: bool = False) -> None:
        """落款 (GB/T 9704 7.3.5): the date ends four characters from the right edge of the
        text block; the issuer is centred over it (moved left only as far as a long name
        needs); ``seal`` leaves room for the seal. Kept on one page with the paragraph before."""
        if self.doc.paragraphs:
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        self.blank(2 if seal else 1)
        for paragraph in self.doc.paragraphs[-(2 if seal else 1) :]:
            paragraph.paragraph_format.keep_with_next = True
        date_right = 4.0  # characters from the right edge
        offset = date_right + (char_width(date_text) - char_width(issuer)) / 2
        for text, right, keep in ((issuer, max(offset, 0.0), True), (date_text, date_right, False)):
            paragraph = self.paragraph(text, STYLE_PLAIN)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = chars(right)
            _set(paragraph._p.get_or_add_pPr(), "w:ind", rightChars=str(round(right * 100)))
            paragraph.paragraph_format.keep_with_next = keep

    # ------------------------------------------------------------ tables and pictures
    def imprint(self, copy_line: str, printed_by: str, printed_on: str) -> Table:
        """版记 (GB/T 9704 7.4) after the 落款, in 四号 body face: a thick rule, 抄送 (continued
        lines under the first name, "" for none), a thin rule, 印发机关 left and 印发日期 right
        (each one character in), a thick rule — a two-column table with only those rules."""
        size = IMPRINT_PT
        rows = ([copy_line] if copy_line else []) + [printed_by]
        table = self.doc.add_table(rows=len(rows), cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        tbl_pr = table._tbl.tblPr
        _set(tbl_pr, "w:tblW", w=str(round(TEXT_WIDTH_MM * TWIPS_PER_MM)), type="dxa")
        # floating at the foot of the text block, as GB/T 9704 places it on the last page
        _set(tbl_pr, "w:tblpPr", leftFromText="0", rightFromText="0", topFromText="0",
             bottomFromText="0", vertAnchor="margin", horzAnchor="margin", tblpXSpec="center",
             tblpYSpec="bottom")  # fmt: skip
        _set(tbl_pr, "w:tblOverlap", val="never")
        borders = _set(tbl_pr, "w:tblBorders")
        for side, width in (("top", THICK_RULE), ("left", 0), ("bottom", THICK_RULE),
                            ("right", 0), ("insideH", THIN_RULE), ("insideV", 0)):  # fmt: skip
            _set(borders, f"w:{side}", val="single" if width else "nil", sz=str(width),
                 space="0", color="000000")  # fmt: skip
        margins = _set(tbl_pr, "w:tblCellMar")
        for side in ("left", "right"):
            _set(margins, f"w:{side}", w="0", type="dxa")
        widths = (TEXT_WIDTH_MM * 0.6, TEXT_WIDTH_MM * 0.4)
        for n, column_mm in enumerate(widths):
            table.columns[n].width = Mm(column_mm)
        if copy_line:
            merged = table.cell(0, 0).merge(table.cell(0, 1))
            self._imprint_line(merged.paragraphs[0], copy_line, left=Pt(4 * size),
                               first=Pt(-3 * size), right=Pt(size))  # fmt: skip
        cells = table.rows[-1].cells
        self._imprint_line(cells[0].paragraphs[0], printed_by, left=Pt(size))
        self._imprint_line(cells[1].paragraphs[0], printed_on, right=Pt(size))
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for row in table.rows:
            trpr = row._tr.get_or_add_trPr()
            _set(trpr, "w:cantSplit")
            _set(trpr, "w:trHeight", val=str(LINE_PITCH_TWIPS), hRule="atLeast")
            for cell in row.cells:
                from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        end = self.doc.add_paragraph()  # Word ends a body with a paragraph: a 1 pt one
        _set(end._p.get_or_add_pPr(), "w:snapToGrid", val="0")
        end.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        end.paragraph_format.line_spacing = Pt(1)
        end.add_run("").font.size = Pt(1)
        return cast("Table", table)

    def _imprint_line(self, paragraph: Paragraph, text: str, *, left: Length | None = None,
                      first: Length | None = None, right: Length | None = None) -> None:  # fmt: skip
        self.apply_style(paragraph, STYLE_PLAIN)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _set(paragraph._p.get_or_add_pPr(), "w:snapToGrid", val="0")  # 14 pt, off the grid
        fmt = paragraph.paragraph_format
        fmt.left_indent, fmt.first_line_indent, fmt.right_indent = left, first, right
        for run in add_text(paragraph, text):
            run.font.size = Pt(IMPRINT_PT)

    def table(
        self,
        rows: Rows,
        widths_mm: Sequence[float],
        *,
        left: tuple[int, ...] = (0,),
        colours: dict[tuple[int, int], str] | None = None,
        merges: Sequence[tuple[int, int, int, int]] = (),
        total_row: bool = False,
    ) -> Table:
        """A ruled table whose first row is a shaded header repeated on each page. Cells are
        centred except the ``left`` columns; ``colours`` colours cells' text by (row, column);
        ``merges`` joins (row, column)–(row, column) ranges; ``total_row`` shades the last row."""
        table = self.doc.add_table(rows=len(rows), cols=len(widths_mm))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.table_direction = WD_TABLE_DIRECTION.LTR
        table.autofit = False
        _set(table._tbl.tblPr, "w:tblW", w=str(round(sum(widths_mm) * TWIPS_PER_MM)), type="dxa")
        margins = _set(table._tbl.tblPr, "w:tblCellMar")
        for side in ("left", "right"):  # 1 mm: a 12 mm column holds 序号
            _set(margins, f"w:{side}", w=str(round(TWIPS_PER_MM)), type="dxa")
        for n, width in enumerate(widths_mm):
            table.columns[n].width = Mm(width)
        for r, row in enumerate(rows):
            cells = table.rows[r].cells
            for c, value in enumerate(row):
                cell = cells[c]
                cell.width = Mm(widths_mm[c])
                self._fill_cell(cell, value, head=r == 0, left=c in left and r > 0)
                colour = (colours or {}).get((r, c))
                if colour:
                    for paragraph in cell.paragraphs:
                        self.coloured(paragraph, colour)
                if r == 0 or (total_row and r == len(rows) - 1):
                    _set(cell._tc.get_or_add_tcPr(), "w:shd", val="clear", color="auto",
                         fill=TABLE_HEAD_FILL if r == 0 else TOTAL_FILL)  # fmt: skip
        header = table.rows[0]._tr.get_or_add_trPr()
        _set(header, "w:tblHeader")
        for r, row in enumerate(table.rows):
            trpr = row._tr.get_or_add_trPr()
            _set(trpr, "w:cantSplit")
            if r:
                _set(trpr, "w:trHeight", val=str(round(8 * TWIPS_PER_MM)), hRule="atLeast")
        for r0, c0, r1, c1 in merges:
            keep = table.cell(r0, c0).text
            merged = table.cell(r0, c0).merge(table.cell(r1, c1))
            for paragraph in merged.paragraphs[1:]:
                paragraph._p.getparent().remove(paragraph._p)
            if merged.paragraphs and merged.paragraphs[0].text != keep:
                for run in merged.paragraphs[0].runs[1:]:
                    run._r.getparent().remove(run._r)
        self._after_table()
        return cast("Table", table)

    def _fill_cell(self, cell: _Cell, value: str, *, head: bool, left: bool) -> None:
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        self.apply_style(paragraph, STYLE_CELL)
        if left:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        lines = str(value).split("\n")
        for n, line in enumerate(lines):
            runs = add_text(paragraph, line)
            for run in runs if head else ():
                set_fonts(run._r, "heading1")
            if n < len(lines) - 1:
                runs[-1].add_break()

    def _after_table(self) -> None:
        """Word needs a paragraph between two tables; a small one keeps the rhythm."""
        paragraph = self.doc.add_paragraph()
        self.apply_style(paragraph, STYLE_NOTE)
        paragraph.paragraph_format.space_after = Pt(0)

    def pictures(self, items: Sequence[tuple[tuple[bytes, int, int] | None, str]],
                 width_mm: float = 72, height_mm: float = 74) -> None:  # fmt: skip
        """Pictures two across, each scaled into its box with its caption under it: each item
        is (JPEG bytes, width, height in pixels) and a caption; None (unreadable) says so."""
        for start in range(0, len(items), 2):
            pair = items[start : start + 2]
            table = self.doc.add_table(rows=1, cols=2)
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            table.autofit = False  # two equal columns, whatever the pictures' shapes
            for column in table.columns:
                column.width = Mm(TEXT_WIDTH_MM / 2)
            for c, (made, caption) in enumerate(pair):
                cell = table.rows[0].cells[c]
                cell.width = Mm(TEXT_WIDTH_MM / 2)
                picture = cell.paragraphs[0]
                self.apply_style(picture, STYLE_CELL)
                picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if made is None:
                    picture.add_run("（照片文件无法读取）")
                else:
                    data, w, h = made
                    scale = min(width_mm / w, height_mm / h)
                    picture.add_run().add_picture(io.BytesIO(data), width=Mm(w * scale),
                                                  height=Mm(h * scale))  # fmt: skip
                label = cell.add_paragraph(caption)
                self.apply_style(label, STYLE_CELL)
                label.paragraph_format.space_after = Pt(6)
            _set(table.rows[0]._tr.get_or_add_trPr(), "w:cantSplit")
        self._after_table()

    def contents(self, hint: str | None = None) -> None:
        """A contents field (headings 1–2 and the entries of :meth:`contents_entry`) that Word
        and WPS fill in with page numbers when the file is opened (the file asks them to update
        fields). Until then it lists the entries, without page numbers, then ``hint`` if any."""
        paragraph = self.paragraph("", STYLE_PLAIN)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT  # justified lines would be stretched
        for kind, text in (("begin", None), ("instr", ' TOC \\o "1-2" \\f \\h \\z \\u '),
                           ("separate", None), ("text", ""), ("end", None)):  # fmt: skip
            run = paragraph.add_run("")
            if kind == "instr":
                _instr(run, text or "")
            elif kind == "text":
                self._contents = run
            else:
                _set(run._r, "w:fldChar", fldCharType=kind)
        if hint:
            self.note(hint)
        _set(self.doc.settings.element, "w:updateFields", val="true")

    def contents_entry(self, paragraph: Paragraph, text: str, level: int = 1) -> None:
        """List ``paragraph`` in the contents as ``text`` (a TC field, never printed), e.g. a
        附件 page whose label is not a heading."""
        for kind, instr in (("begin", None), ("instr", f' TC "{text}" \\l {level} '),
                            ("end", None)):  # fmt: skip
            run = paragraph.add_run("")
            if instr:
                _instr(run, instr)
            else:
                _set(run._r, "w:fldChar", fldCharType=kind)
        self._entries[paragraph._p] = (level, text)

    def _fill_contents(self) -> None:
        """The contents field's text: every level-1 and level-2 heading and every entry of
        :meth:`contents_entry`, one a line, in the document's order."""
        run = getattr(self, "_contents", None)
        if run is None:
            return
        lines = []
        for p in self.doc.paragraphs:
            style = p.style.name if p.style is not None else ""
            entry = self._entries.get(p._p)
            if entry is not None:
                lines.append(("" if entry[0] == 1 else "　　") + entry[1])
            elif style in (STYLE_H1, STYLE_H2):
                lines.append(("" if style == STYLE_H1 else "　　") + p.text)
        for n, line in enumerate(lines):
            run.add_text(line)
            if n < len(lines) - 1:
                run.add_break()

    # ------------------------------------------------------------ output
    def to_bytes(self) -> bytes:
        """The .docx file's bytes."""
        self._fill_contents()
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
