"""The reports as Word documents in the form of a Chinese official document (公文).

``report.docx`` beside each township's ``report.html`` and ``county.docx``
beside ``index.html``: the leader's brief that offices forward and paste
from, typeset after GB/T 9704-2012 (党政机关公文格式) through named Word
styles, so an office can restyle the whole document by editing a style:

* A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right;
* ``Title``: 方正小标宋简体 (Word falls back to 宋体) 二号 (22 pt), centred;
* ``Heading 1`` ("一、基本情况"): 黑体 三号 (16 pt); ``Heading 2`` ("（一）…"):
  楷体_GB2312 (fallback 楷体) 三号; ``Heading 3`` ("1．…"): 仿宋 三号 bold;
  Heading 4-9 black in our fonts (never the template's blue theme);
* ``Normal``: 仿宋_GB2312 (fallback 仿宋) 三号, first line indented two
  characters, exact line spacing of 28.95 pt (22 lines on the page);
  ``落款`` right-aligned (the office and the 成文日期), ``附件标识`` (黑体, flush left);
* ``List Number``: a "1．" list, for an office's own additions;
* tables in ``Table Grid`` with ``表格文字`` / ``表格数字`` / ``表格表头``
  (宋体 五号, numbers right-aligned, headers broken between words only, the
  header row repeated on every page, no row split across pages);
* charts at most 95 mm tall, each with its caption below it (``图题``) on the same page;
* the theme's East Asian language zh-CN, the office as author, our own
  extended properties (no trace of the template's);
* page numbers "— 1 —" in the footer (a PAGE field; odd pages right, even
  pages left, each one character in).

Every style sets its East Asian font (``w:eastAsia``) as well as the Latin
one. The words come from :mod:`fupin.report.narrative`, :mod:`fupin.report.headline` and
:mod:`fupin.report.tables` and the pictures from :mod:`fupin.report.charts` (300 dpi, the
width of the text), the same functions the HTML report uses, so the two never
disagree; the 汇报's frame (title, lead-in, 一是…, measures, closing, 落款,
成文日期) comes from :mod:`fupin.report.brief`. Only counts and village names appear:
no household rows, no household or other ID codes, no personal data, and
nothing technical (no file name, checksum or version).

In JupyterLab, one call writes a township's document::

    import fupin
    from fupin.report.word import write_township_docx
    town = fupin.load("data/sample").township("990101001")
    write_township_docx(fupin.analyse(town, year=2018).metrics, "城关镇.docx")
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt, RGBColor, Twips

from fupin.core.config import DOCX_PICTURE_DPI, docx_picture
from fupin.core.text import without_controls

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.styles.style import BaseStyle
    from matplotlib.figure import Figure

Metrics = Mapping[str, Any]

#: Page (GB/T 9704-2012 5.2): A4 and its margins.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
#: Footer distance from the page's bottom edge: the page number sits about 7 mm below the text.
FOOTER_DISTANCE = Mm(22)
#: Body line pitch: 225 mm of text height / 22 lines = 28.95 pt (579 twips).
LINE_PITCH = Twips(579)
#: Pictures are rendered at this resolution and set at :data:`PICTURE_SCALE` times their size.
PICTURE_DPI = DOCX_PICTURE_DPI
#: A chart is set at this many times its own size (at most the text width): its 10-point text
#: prints at 12 points (小四), and a 4.4-inch chart is 134 mm wide on the 156-mm text.
PICTURE_SCALE = 1.2

#: Font per role; Word uses the fallback (``altName`` in the font table) where the first is missing.
FONTS: dict[str, tuple[str, str]] = {
    "title": ("方正小标宋简体", "宋体"),
    "heading": ("黑体", "SimHei"),
    "body": ("仿宋_GB2312", "仿宋"),
    "kai": ("楷体_GB2312", "楷体"),
    "table": ("宋体", "SimSun"),
}

#: Custom style names (the built-in ones keep their Word names: Normal, Title, Heading 1, List Number, Caption).
TABLE_TEXT, TABLE_NUMBER, TABLE_HEADER = "表格文字", "表格数字", "表格表头"
PICTURE, PAGE_ODD, PAGE_EVEN = "公文图片", "页码（单页）", "页码（双页）"
#: The 落款 and 成文日期 (right-aligned), the 附件 label (黑体, flush left) and a figure's caption below it.
SIGNATURE, ATTACHMENT, FIGURE_CAPTION = "落款", "附件标识", "图题"

_NUMBER = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$|^—$|^[\d,]+户[\d,]+人$")
_ID_LIST = re.compile(r"[：:][户村].*$")  # "…：户9901…、…" in a consistency warning


# ---------------------------------------------------------------- styles


def _set_fonts(style: "BaseStyle", name: str) -> None:
    """Latin and East Asian font of a style (theme fonts removed, so these win)."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _set_indent_chars(style: "BaseStyle", chars: int, size: Pt) -> None:
    """First-line indent in characters (``w:firstLineChars``), with its length for other readers."""
    style.paragraph_format.first_line_indent = Pt(size.pt * chars) if chars else Pt(0)
    ind = style.element.get_or_add_pPr().find(qn("w:ind"))
    ind.set(qn("w:firstLineChars"), str(100 * chars))


def _paragraph_style(doc: "DocumentObject", name: str, font: str, size: float, *, bold: bool = False,
                     align: WD_ALIGN_PARAGRAPH | None = None, indent_chars: int = 0,
                     exact: Twips | None = None) -> "BaseStyle":
    """A paragraph style (built-in when `name` exists, else a new one based on Normal)."""
    styles = doc.styles
    if name in [s.name for s in styles]:
        style = styles[name]
    else:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.quick_style = True
    _set_fonts(style, FONTS[font][0])
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    if exact is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = exact
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if align is not None:
        pf.alignment = align
    _set_indent_chars(style, indent_chars, Pt(size))
    return style


def _east_asian_defaults(doc: "DocumentObject") -> None:
    """Document defaults: the body font, Chinese language, no theme fonts or spacing."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONTS["body"][0])
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")


def _font_fallbacks(doc: "DocumentObject") -> None:
    """Declare each Chinese font with its fallback (``w:altName``) in the font table."""
    from lxml import etree

    part = next(rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    for name, fallback in FONTS.values():
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): fallback})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})  # GB2312
        etree.SubElement(font, qn("w:family"), {qn("w:val"): "auto"})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _numbering(doc: "DocumentObject") -> int:
    """A one-level list "1．" indented like body text; returns its numId."""
    numbering = doc.part.numbering_part.element
    abstract_id = 1 + max(int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum")))
    num_id = 1 + max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num")))
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(abstract_id))
    multi = OxmlElement("w:multiLevelType")
    multi.set(qn("w:val"), "singleLevel")
    abstract.append(multi)
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), "0")
    for tag, value in (("w:start", "1"), ("w:numFmt", "decimal"),
                       ("w:suff", "nothing"), ("w:lvlText", "%1．"), ("w:lvlJc", "left")):
        child = OxmlElement(tag)
        child.set(qn("w:val"), value)
        lvl.append(child)
    ppr = OxmlElement("w:pPr")
    ind = OxmlElement("w:ind")
    for attr, value in (("w:left", "0"), ("w:firstLine", "640"), ("w:firstLineChars", "200")):
        ind.set(qn(attr), value)
    ppr.append(ind)
    lvl.append(ppr)
    abstract.append(lvl)
    numbering.findall(qn("w:num"))[0].addprevious(abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(num_id))
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), str(abstract_id))
    num.append(ref)
    numbering.append(num)
    return num_id


def _styles(doc: "DocumentObject") -> None:
    """Every style the documents use, after GB/T 9704-2012."""
    _east_asian_defaults(doc)
    _font_fallbacks(doc)
    normal = _paragraph_style(doc, "Normal", "body", 16, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars=2,
                              exact=LINE_PITCH)
    normal.paragraph_format.widow_control = True
    title = _paragraph_style(doc, "Title", "title", 22, align=WD_ALIGN_PARAGRAPH.CENTER, exact=Pt(36))
    title.paragraph_format.space_after = LINE_PITCH
    ppr = title.element.get_or_add_pPr()
    for tag in ("w:pBdr", "w:contextualSpacing"):
        for found in ppr.findall(qn(tag)):
            ppr.remove(found)
    rpr = title.element.get_or_add_rPr()
    for tag in ("w:spacing", "w:kern"):
        for found in rpr.findall(qn(tag)):
            rpr.remove(found)
    heading = _paragraph_style(doc, "Heading 1", "heading", 16, indent_chars=2, exact=LINE_PITCH)
    heading.paragraph_format.keep_with_next = True
    heading.font.bold = False
    for bold_cs in heading.element.get_or_add_rPr().findall(qn("w:bCs")):
        bold_cs.set(qn("w:val"), "0")
    for level in range(4, 10):  # unused, but never the template's blue theme headings
        _paragraph_style(doc, f"Heading {level}", "body", 16, indent_chars=2, exact=LINE_PITCH).font.italic = False
    for name, font, bold in (("Heading 2", "kai", False), ("Heading 3", "body", True)):
        sub = _paragraph_style(doc, name, font, 16, bold=bold, indent_chars=2, exact=LINE_PITCH)
        sub.paragraph_format.keep_with_next = True
        sub.font.italic = False
        for bold_cs in sub.element.get_or_add_rPr().findall(qn("w:bCs")):
            bold_cs.set(qn("w:val"), "1" if bold else "0")
    _paragraph_style(doc, SIGNATURE, "body", 16, align=WD_ALIGN_PARAGRAPH.RIGHT, exact=LINE_PITCH)
    attachment = _paragraph_style(doc, ATTACHMENT, "heading", 16, exact=LINE_PITCH)
    attachment.paragraph_format.keep_with_next = True
    _paragraph_style(doc, FIGURE_CAPTION, "heading", 14, align=WD_ALIGN_PARAGRAPH.CENTER, exact=LINE_PITCH)
    listed = _paragraph_style(doc, "List Number", "body", 16, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars=2,
                              exact=LINE_PITCH)
    num_pr = listed.element.get_or_add_pPr().find(qn("w:numPr"))
    num_pr.find(qn("w:numId")).set(qn("w:val"), str(_numbering(doc)))
    caption = _paragraph_style(doc, "Caption", "heading", 14, align=WD_ALIGN_PARAGRAPH.CENTER, exact=LINE_PITCH)
    caption.paragraph_format.keep_with_next = True
    grid = doc.styles["Table Grid"].element.find(qn("w:tblPr")).find(qn("w:tblCellMar"))
    for side in ("w:left", "w:right"):
        grid.find(qn(side)).set(qn("w:w"), str(CELL_MARGIN.twips))
    _paragraph_style(doc, TABLE_TEXT, "table", TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, exact=TABLE_PITCH)
    _paragraph_style(doc, TABLE_NUMBER, "table", TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, exact=TABLE_PITCH)
    _paragraph_style(doc, TABLE_HEADER, "heading", TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, exact=TABLE_PITCH)
    _paragraph_style(doc, PICTURE, "body", 16, align=WD_ALIGN_PARAGRAPH.CENTER)  # single spacing: no clipping
    odd = _paragraph_style(doc, PAGE_ODD, "table", 14, align=WD_ALIGN_PARAGRAPH.RIGHT)
    odd.paragraph_format.right_indent = Pt(14)
    even = _paragraph_style(doc, PAGE_EVEN, "table", 14, align=WD_ALIGN_PARAGRAPH.LEFT)
    even.paragraph_format.left_indent = Pt(14)


# ---------------------------------------------------------------- page


def _page_field(paragraph) -> None:
    """"— N —" with N a PAGE field."""
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text
    paragraph.add_run(" —")


def _chinese_theme_language(doc: "DocumentObject") -> None:
    """The theme's East Asian language (``w:themeFontLang``) Chinese, not the template's ja-JP."""
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        doc.settings.element.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def new_document(title: str, author: str = "") -> "DocumentObject":
    """An empty document with the 公文 page, styles and page numbers, and its title.

    `author` (the 落款's office) is the document's author in its properties.

    >>> doc = new_document("城关镇2018年脱贫攻坚情况报告")
    >>> doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia"))
    '仿宋_GB2312'
    """
    title = without_controls(title)
    doc = Document()
    _styles(doc)
    _chinese_theme_language(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.footer_distance = FOOTER_DISTANCE
    for footer, style in ((section.footer, PAGE_ODD), (section.even_page_footer, PAGE_EVEN)):
        paragraph = footer.paragraphs[0]
        paragraph.style = doc.styles[style]
        _page_field(paragraph)
    props = doc.core_properties
    author = without_controls(author)
    props.title, props.author, props.last_modified_by, props.comments = title, author, author, ""
    props.subject, props.keywords, props.category = "", "", ""
    props.created = props.modified = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    doc.add_paragraph(title, style="Title")
    return doc


def text_width(doc: "DocumentObject") -> int:
    """The width of the text column (EMU)."""
    section = doc.sections[0]
    return section.page_width - section.left_margin - section.right_margin


# ---------------------------------------------------------------- content


def add_heading(doc: "DocumentObject", text: str) -> None:
    """A level-1 heading ("一、基本情况") in style ``Heading 1``."""
    doc.add_paragraph(without_controls(text), style="Heading 1")


def add_subheading(doc: "DocumentObject", text: str) -> None:
    """A level-2 heading ("（一）发展壮大村集体经济") in style ``Heading 2`` (楷体)."""
    doc.add_paragraph(without_controls(text), style="Heading 2")


def add_signature(doc: "DocumentObject", office: str, date: str) -> None:
    """The 落款 and the 成文日期 below the text, after an empty line (GB/T 9704-2012 7.3.5.1):
    the date right-aligned four characters in, the office centred above it."""
    office, date = without_controls(office), without_controls(date)
    doc.add_paragraph()
    date_indent = 4
    office_indent = max(0.0, date_indent + (_display_width(date) - _display_width(office)) / 2)
    for text, chars in ((office, office_indent), (date, date_indent)):
        paragraph = doc.add_paragraph(text, style=SIGNATURE)
        paragraph.paragraph_format.right_indent = Pt(16 * chars)
        paragraph.paragraph_format.keep_with_next = text == office


def add_attachment(doc: "DocumentObject", title: str) -> None:
    """The 附件 after the signature, on a new page: the label 附件 (黑体, flush left) and its title."""
    label = doc.add_paragraph("附件", style=ATTACHMENT)
    label.paragraph_format.page_break_before = True
    doc.add_paragraph(without_controls(title), style="Title")


#: An amount of yuan written with thousands separators, alone or as a range ("3,500元", "5,249.99元",
#: "3,500—4,000元", "1,234万元").
_GROUPED_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?=(?:[—–~～-]\d[\d,]*(?:\.\d+)?)?万?元)")


def gongwen_amounts(text: str) -> str:
    """`text` with its amounts of yuan written without thousands separators, as a 公文 writes them
    (3500元, 31.37万元); counts of people and households keep theirs.

    >>> gongwen_amounts("贫困线3,500元/人·年；3,500—4,000元的252户；人均5,249.99元；共1,872人；31.37万元")
    '贫困线3500元/人·年；3500—4000元的252户；人均5249.99元；共1,872人；31.37万元'
    """
    return _GROUPED_AMOUNT.sub(lambda found: found.group().replace(",", ""), text)


def add_paragraph(doc: "DocumentObject", text: str) -> None:
    """A body paragraph (style ``Normal``), its amounts as :func:`gongwen_amounts` writes them; nothing for empty text."""
    if text:
        doc.add_paragraph(gongwen_amounts(without_controls(text)))


#: A chart is at most this tall on the page, so that two charts and their captions share a page
#: (the text is 225 mm high) and a chart after a table or a paragraph finds room below it ...
PICTURE_MAX_HEIGHT = Mm(95)
#: ... but it is never set smaller than this share of the text width (its labels stay legible).
PICTURE_MIN_SCALE = 0.7


def picture_width(doc: "DocumentObject", png: bytes) -> int:
    """The width (EMU) of a chart: :data:`PICTURE_SCALE` times its own (its pixels at its dpi, by
    default :data:`PICTURE_DPI`), at most the text width, narrowed while the chart would be taller
    than :data:`PICTURE_MAX_HEIGHT`, down to :data:`PICTURE_MIN_SCALE` of the text width."""
    from PIL import Image

    full = text_width(doc)
    with Image.open(io.BytesIO(png)) as image:
        dpi = float((image.info.get("dpi") or (PICTURE_DPI,))[0]) or PICTURE_DPI
        width = min(full, int(Inches(image.width / dpi * PICTURE_SCALE)))
        height = width * image.height / image.width
    if height <= PICTURE_MAX_HEIGHT:
        return width
    return int(min(width, max(width * PICTURE_MAX_HEIGHT / height, full * PICTURE_MIN_SCALE)))


def add_png(doc: "DocumentObject", png: bytes, caption: str = "") -> None:
    """A picture (PNG bytes, 300 dpi) a little larger than its own size, at most as wide as the text,
    narrower when it is tall (:func:`picture_width`), centred (style ``公文图片``), with its caption
    below it (style ``图题``) kept on the same page."""
    picture = doc.add_paragraph(style=PICTURE)
    picture.add_run().add_picture(io.BytesIO(png), width=picture_width(doc, png))
    if caption:
        picture.paragraph_format.keep_with_next = True
        doc.add_paragraph(without_controls(caption), style=FIGURE_CAPTION)


def _chart_function(chart: str) -> Callable[..., "Figure"]:
    """The :mod:`fupin.report.charts` function named `chart`, with the report style applied.

    The documents name their charts and import :mod:`fupin.report.charts` (and with it
    matplotlib) only to draw one: a ``fupin run`` worker, whose notebook left
    every picture, never does.

    >>> _chart_function("income_band_chart").__name__
    'income_band_chart'
    """
    from fupin.report import charts as plots
    from fupin.report.style import use_report_style

    build = getattr(plots, chart, None)
    if not (callable(build) and chart.endswith("_chart")):
        raise ValueError(f"not a chart function's name: {chart!r}")
    use_report_style()
    return build


def add_chart(doc: "DocumentObject", pictures: str | Path | None, chart: str,
              args: Callable[[], tuple[Any, ...]], caption: str = "") -> None:
    """The chart ``build(*args())``, `build` the :mod:`fupin.report.charts` function named `chart`, as
    :func:`_add_rendered` adds it, taken from the run's ``pictures`` folder when the notebook left it
    there (:func:`fupin.core.config.docx_picture`: the same chart, from the same metrics, at 300 dpi),
    else drawn here (:func:`_chart_function`; `args` is called only then)."""
    path = docx_picture(pictures, chart) if pictures else None
    left = path is not None and path.is_file() and not path.is_symlink()
    _add_rendered(doc, {chart: path.read_bytes()} if left else None, chart, args, caption)


def _display_width(text: str) -> float:
    """Width of text in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.65 for ch in text)


#: Font size of tables (五号, so that a township's twenty villages and their nine columns fit one page
#: unbroken); the cell margin on each side (Table Grid), and both with some slack, in ems.
TABLE_SIZE = 10.5
TABLE_EM, CELL_MARGIN, CELL_PADDING = Pt(TABLE_SIZE), Twips(57), 0.8
#: The tables' exact line pitch, as Word sets 五号 in a table (a fallback font with tall line metrics takes no more).
TABLE_PITCH = Pt(13.5)

#: Where a long header breaks: before these endings, or after these beginnings (a header of at
#: most this many ems stays on one line).
HEADER_ENDINGS, HEADER_BEGINNINGS, HEADER_ONE_LINE = ("发生率", "人口", "收入"), ("预计",), 4.0


def header_lines(text: str) -> list[str]:
    """A table header on one line, or on two broken between words: before 发生率/人口/收入,
    after 预计 or after the year, never inside a word ("户籍/人口", not "户籍人/口").

    >>> [header_lines(h) for h in ("贫困村", "户籍人口", "2019年预计发生率", "拟脱贫户", "未脱贫人口")]
    [['贫困村'], ['户籍人口'], ['2019年预计', '发生率'], ['拟脱贫户'], ['未脱贫', '人口']]
    """
    if _display_width(text) <= HEADER_ONE_LINE:
        return [text]
    for ending in HEADER_ENDINGS:
        if text.endswith(ending) and len(text) > len(ending) + 1:
            return [text[: -len(ending)], ending]
    for beginning in HEADER_BEGINNINGS:
        if text.startswith(beginning):
            return [beginning, text[len(beginning):]]
    year = re.match(r"^\d{4}年", text)
    if year and year.end() < len(text):
        return [text[: year.end()], text[year.end():]]
    half = (len(text) + 1) // 2
    return [text[:half], text[half:]]


def column_widths(header: Sequence[str], cells: Sequence[Sequence[str]], numbers: Sequence[bool],
                  total: int) -> list[int]:
    """Column widths (EMU) summing to `total`.

    A column wants its widest cell, and its header as :func:`header_lines` breaks it.
    When everything fits, all columns grow in proportion. Otherwise number
    columns keep their width (numbers never wrap), text columns that want
    less than an equal share of the rest keep theirs too, and the longest
    texts share what is left in proportion (each at least four characters).
    """
    em = total / TABLE_EM  # the text width in ems

    def want(i: int) -> float:
        head = max(_display_width(line) for line in header_lines(str(header[i])))
        return max(head, *(_display_width(row[i]) for row in cells), 2.0) + CELL_PADDING

    wants = [want(i) for i in range(len(header))]
    if sum(wants) <= em:
        return [int(total * w / sum(wants)) for w in wants]
    ems = list(wants)
    text = [i for i, num in enumerate(numbers) if not num]
    budget = em - sum(w for w, num in zip(wants, numbers) if num)
    floor = {i: min(wants[i], 4 + CELL_PADDING) for i in text}
    if not text or budget < sum(floor.values()):
        return [int(total * w / sum(wants)) for w in wants]
    while text:
        fair = budget / len(text)
        whole = [i for i in text if wants[i] <= fair]
        if not whole:
            shares = {i: max(floor[i], budget * wants[i] / sum(wants[j] for j in text)) for i in text}
            scale = budget / sum(shares.values())
            for i, v in shares.items():
                ems[i] = v * scale
            break
        budget -= sum(wants[i] for i in whole)
        text = [i for i in text if i not in whole]
    return [int(TABLE_EM * e) for e in ems]


def _amount_cell(text: str, in_yuan: bool) -> str:
    """A table cell's text: a number in a column of yuan without thousands separators, other amounts
    as :func:`gongwen_amounts` writes them."""
    if in_yuan and _NUMBER.match(text):
        return text.replace(",", "")
    return gongwen_amounts(text)


def add_table(doc: "DocumentObject", header: Sequence[str], rows: Sequence[Sequence[object]],
              caption: str = "", numbers: Sequence[bool] | None = None) -> None:
    """A plain grid table (``Table Grid``) with a caption above it.

    Columns whose cells are all numbers ("1,234", "3.23%", "—") are
    right-aligned (``表格数字``), others left (``表格文字``); the header row
    (``表格表头``) repeats on every page. Column widths follow their contents
    and fill the text width. Amounts are written as :func:`gongwen_amounts` writes them, and so is
    every number of a column whose header names 元 ("人均纯收入（元）": 5249.99).
    """
    header = [without_controls(str(h)) for h in header]
    yuan = ["元" in h for h in header]
    cells = [[("—" if v is None else _amount_cell(without_controls(str(v)), i < len(yuan) and yuan[i]))
              for i, v in enumerate(row)] for row in rows]
    if numbers is None:
        numbers = [bool(cells) and all(_NUMBER.match(row[i]) for row in cells) for i in range(len(header))]
    if caption:
        doc.add_paragraph(without_controls(caption), style="Caption")
    table = doc.add_table(rows=1 + len(cells), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = column_widths(header, cells, numbers, text_width(doc))
    # Each style's id looked up once: python-docx's ``paragraph.style = ...`` looks it up (and scans
    # every style for the default one) per cell; the same ``w:pStyle`` is written either way.
    style_ids = {name: doc.part.get_style_id(doc.styles[name], WD_STYLE_TYPE.PARAGRAPH)
                 for name in (TABLE_HEADER, TABLE_NUMBER, TABLE_TEXT)}
    head = table.rows[0]
    head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for row in table.rows:  # a row never splits across two pages
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for row, values, style_of in ((head, [str(h) for h in header], lambda i: TABLE_HEADER),
                                  *((table.rows[k + 1], cells[k], lambda i: TABLE_NUMBER if numbers[i] else TABLE_TEXT)
                                    for k in range(len(cells)))):
        for i, (cell, value) in enumerate(zip(row.cells, values)):
            cell.width = widths[i]
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style_ids[style_of(i)]
            if row is head:  # broken between words only (header_lines)
                first, *rest = header_lines(value)
                run = paragraph.add_run(first)
                for line in rest:
                    run.add_break()
                    run.add_text(line)
            else:
                paragraph.add_run(value)
    for i, column in enumerate(table.columns):
        column.width = widths[i]
    tbl_width = table._tbl.tblPr.find(qn("w:tblW"))  # the full text width, not "auto"
    tbl_width.set(qn("w:type"), "dxa")
    tbl_width.set(qn("w:w"), str(sum(widths) // 635))  # EMU -> twips


def leader_problems(metrics: Metrics) -> list[str]:
    """The 存在问题 as 一是…二是… (:func:`fupin.report.brief.problem_points`) without lists of household or village codes.

    A consistency warning without our wording ends with the codes it concerns
    ("…：户9901…、…"); a leaders' document keeps the count and the finding only.

    >>> leader_problems({"township_id": "1", "township_name": "河口乡",
    ...                  "warnings": [{"message": "2户（5人）未脱贫，且没有帮扶责任人：户0001、0002"}]})
    ['一是2户（5人）未脱贫，且没有帮扶责任人。']
    >>> leader_problems({"township_id": "1", "township_name": "河口乡", "year": 2018,
    ...                  "warnings": [{"code": "no_cadre", "count": 2, "message": "…：户0001、0002"}]})
    ['一是帮扶责任未全覆盖。2户未脱贫户没有帮扶责任人。']
    """
    from fupin.report import brief

    out = []
    for item in brief.problem_points(metrics):
        cut = _ID_LIST.sub("", item)
        out.append(cut if cut == item else cut.rstrip("。；，") + "。")
    return out


def _add_notes(doc: "DocumentObject", rows: Sequence[tuple[str, str]]) -> None:
    add_table(doc, ["项目", "说明"], rows, numbers=[False, False])


def _add_report_body(doc: "DocumentObject", m: Metrics, overview: Sequence[str], office: str | None,
                     day: dt.date | None) -> None:
    """The 汇报 of :mod:`fupin.report.brief` after the title: lead-in, 一、基本情况 (the `overview` paragraphs),
    二、存在的主要问题 (一是…), 三、下一步工作打算 (（一）…), the closing, the 落款 and the 成文日期."""
    from fupin.report import brief

    basic, problems_heading, measures_heading = brief.SECTIONS
    add_paragraph(doc, brief.lead_in(m))
    add_heading(doc, basic)
    for text in overview:
        add_paragraph(doc, text)
    add_heading(doc, problems_heading)
    add_paragraph(doc, brief.problems_intro(m))
    for point in leader_problems(m):
        add_paragraph(doc, point)
    add_heading(doc, measures_heading)
    measures = brief.measures(m)
    if not measures:
        add_paragraph(doc, brief.no_measures(m))
    for heading, (_, text) in zip(brief.measure_headings(m), measures):
        add_subheading(doc, heading)
        add_paragraph(doc, text)
    add_paragraph(doc, brief.closing(m))
    add_signature(doc, brief.office(m, office), brief.date_text(brief.run_date(day)))


# ---------------------------------------------------------------- the two documents

#: Columns of the HTML's village table that the page has no room for (their findings are in 存在问题).
OUTLOOK_LEFT_OUT = ("村集体经济", "产业帮扶")
#: The charts :func:`township_document` shows (the :mod:`fupin.report.charts` functions' names, in order), taken
#: from the run's pictures folder when the notebook left them there.
TOWNSHIP_CHARTS = ("exits_by_village_chart", "income_band_chart", "incidence_trend_chart")
#: The sections of the 附件, in the HTML report's order (numbered （一）… by :func:`section_heading`; the
#: registry's before 数据说明 when the data holds it).
ATTACHMENT_SECTIONS = ("脱贫退出预测", "收入分组与贫困发生率", "数据说明")
#: The 附件's section of the monitoring registry (before 数据说明, only when the data holds the registry) and its
#: chart; a township's table by village (:func:`fupin.report.tables.registry_by_village`, nine columns, too
#: wide for the page unbroken) as two tables of these columns, each with its caption; the county's caption.
REGISTRY_SECTION, REGISTRY_CHART = "防返贫监测", "registry_trend_chart"
REGISTRY_VILLAGE_TABLES = (
    ("监测对象分村分类别统计（年底风险未消除的户）", ("村", "监测对象", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户")),
    ("各村监测对象识别、风险消除与应纳未纳", ("村", "年内新识别", "年内风险消除", "预计消除风险", "应纳未纳")),
)
REGISTRY_COUNTY_CAPTION = "各乡镇防返贫监测情况（按可能应纳未纳的户数排列）"
REGISTRY_CHART_CAPTION = "监测对象变化"
#: The 附件's section numbers.
SECTION_NUMBERS = "一二三四五六七八九十"


def township_charts(metrics: Metrics) -> tuple[str, ...]:
    """The charts of a township's document: :data:`TOWNSHIP_CHARTS`, and the registry's trend when the
    data holds the registry (the notebook leaves each of them in its pictures folder).

    >>> township_charts({"registry": None}) == TOWNSHIP_CHARTS
    True
    >>> township_charts({"registry": {"trend": []}})[-1]
    'registry_trend_chart'
    """
    return TOWNSHIP_CHARTS + ((REGISTRY_CHART,) if metrics.get("registry") is not None else ())


def section_heading(number: int, title: str) -> str:
    """The 附件's section heading "（N）…", N from 1.

    >>> section_heading(3, "防返贫监测")
    '（三）防返贫监测'
    """
    return f"（{SECTION_NUMBERS[number - 1]}）{title}"


def _add_registry(doc: "DocumentObject", m: Metrics, number: int,
                  registry_tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]], table_number: int,
                  chart: Callable[[str], None], chart_number: int) -> int:
    """The 附件's section （`number`）防返贫监测 when the data holds the registry: the paragraph of
    :func:`fupin.report.narrative.registry_summary`, the `registry_tables` (caption, header, rows; those
    without rows left out), numbered from 表`table_number`, and the trend chart that ``chart(caption)`` adds.
    Returns the next section's number."""
    from fupin.report import narrative

    if m.get("registry") is None:
        return number
    add_subheading(doc, section_heading(number, narrative.monitoring_title(m)))
    add_paragraph(doc, narrative.registry_summary(m))
    for caption, header, rows in [t for t in registry_tables if t[2]]:
        add_table(doc, list(header), rows, caption=f"表{table_number}　{caption}")
        table_number += 1
    chart(f"图{chart_number}　{REGISTRY_CHART_CAPTION}")
    return number + 1


def township_document(metrics: Metrics, pictures: str | Path | None = None, *, office: str | None = None,
                      day: dt.date | None = None) -> "DocumentObject":
    """A township's 汇报 as a Word document, from its metrics dict (metrics.json).

    `pictures` is the ``output_dir`` the report notebook ran with: the charts it
    left there for this document (:func:`add_chart`) are taken, the others drawn.
    `office` is the 落款 (default {乡镇}人民政府) and `day` the 成文日期 (default today).

    The title 关于…的汇报 and the words of :mod:`fupin.report.brief`: the lead-in;
    一、基本情况 (:func:`fupin.report.narrative.basic_situation`); 二、存在的主要问题
    (一是…二是…); 三、下一步工作打算 (（一）（二）…); the closing, the 落款 and the
    成文日期. Then, on a new page, the 附件 in the HTML report's order:
    （一）脱贫退出预测 (:func:`~fupin.report.narrative.exit_outlook`, the villages table of
    :func:`fupin.report.tables.villages_outlook` without the columns of
    :data:`OUTLOOK_LEFT_OUT`, the exits-by-village chart); （二）收入分组与贫困发生率
    (:func:`fupin.report.brief.trend_summary` and two charts); when the data holds the monitoring registry,
    （三）防返贫监测 (:func:`~fupin.report.narrative.registry_summary`, :func:`fupin.report.tables.registry_by_village`
    as the two tables of :data:`REGISTRY_VILLAGE_TABLES`, the registry's trend chart); then 数据说明 (:func:`fupin.report.brief.data_notes`).
    """
    from fupin.report import brief, narrative, national, tables

    m = dict(metrics)
    exits, bands, trend = TOWNSHIP_CHARTS
    doc = new_document(brief.title(m), author=brief.office(m, office))
    _add_report_body(doc, m, [narrative.basic_situation(m)], office, day)
    add_attachment(doc, f"{narrative.area_name(m)}{m.get('year')}年脱贫攻坚主要数据")
    outlook_heading, trend_heading, notes_heading = ATTACHMENT_SECTIONS
    add_subheading(doc, section_heading(1, outlook_heading))
    add_paragraph(doc, narrative.exit_outlook(m))
    outlook = tables.villages_outlook(m)
    outlook = outlook[[c for c in outlook.columns if not c.startswith(OUTLOOK_LEFT_OUT)]]
    if not outlook.empty:
        add_table(doc, list(outlook.columns), outlook.itertuples(index=False, name=None),
                  caption="表1　各村脱贫情况与预测")
    add_chart(doc, pictures, exits, lambda: (m,), caption="图1　各村未脱贫人口及拟脱贫人口")
    add_subheading(doc, section_heading(2, trend_heading))
    add_paragraph(doc, brief.trend_summary(m))
    add_chart(doc, pictures, bands, lambda: (m,), caption="图2　收入分组")
    add_chart(doc, pictures, trend, lambda: (m, national.national_series()), caption="图3　贫困发生率趋势")
    registry = tables.registry_by_village(m)
    parts = [(caption, list(columns), list(registry[list(columns)].itertuples(index=False, name=None))
              if not registry.empty else []) for caption, columns in REGISTRY_VILLAGE_TABLES]
    notes_number = _add_registry(
        doc, m, 3, parts, 2 if not outlook.empty else 1,
        lambda caption: add_chart(doc, pictures, REGISTRY_CHART, lambda: (m,), caption=caption), 4)
    add_subheading(doc, section_heading(notes_number, notes_heading))
    _add_notes(doc, brief.data_notes(m, day=day))
    return doc


#: The columns of the county page's township table that the county document shows (the
#: villages to exit are named in the paragraph above it; six columns fit the page unbroken).
COUNTY_COLUMNS = ("乡镇", "建档立卡", "未脱贫", "贫困发生率", "拟脱贫", "预计发生率")


def _county_summary_charts(summary: Metrics) -> list[tuple[str, Callable[[], tuple[Any, ...]]]]:
    """The county document's charts of the county's own figures (收入分组与贫困发生率), in order:
    each :mod:`fupin.report.charts` function's name with a function giving its arguments."""
    from fupin.report import national

    registry = [(REGISTRY_CHART, lambda: (summary,))] if summary.get("registry") is not None else []
    return [("income_band_chart", lambda: (summary,)),
            ("incidence_trend_chart", lambda: (summary, national.national_series())), *registry]


def county_charts(summary: Metrics) -> dict[str, bytes]:
    """The county document's charts that depend on the county's figures alone, as
    :func:`_render` renders them (300 dpi PNG bytes), by :mod:`fupin.report.charts` function name.

    :func:`fupin.batch.county_page.prepare_county_page` draws them while the
    townships run and hands them to :func:`county_document`.

    >>> import fupin
    >>> from fupin.core.config import SAMPLE_DIR
    >>> charts = county_charts(fupin.analyse(fupin.load(SAMPLE_DIR), year=2018).metrics)
    >>> {name: png[1:4] for name, png in sorted(charts.items())}  # PNG files
    {'incidence_trend_chart': b'PNG', 'income_band_chart': b'PNG'}
    """
    return {chart: _render(chart, args) for chart, args in _county_summary_charts(dict(summary))}


def _render(chart: str, args: Callable[[], tuple[Any, ...]]) -> bytes:
    """The chart of the :mod:`fupin.report.charts` function named `chart`, given ``args()``, drawn and
    rendered as a 300 dpi PNG (:func:`add_png` adds it as wide as the text); the figure is released."""
    from fupin.report.show import figure_png

    fig = _chart_function(chart)(*args())
    png = figure_png(fig, dpi=PICTURE_DPI)
    fig.clf()
    return png


def _add_rendered(doc: "DocumentObject", charts: Mapping[str, bytes] | None, chart: str,
                  args: Callable[[], tuple[Any, ...]], caption: str = "") -> None:
    """The chart of the :mod:`fupin.report.charts` function named `chart`, given ``args()``, as a picture
    as wide as the text (:func:`add_png`), taken from `charts` (PNG bytes by function name) when it was
    rendered already, else drawn here."""
    png = charts.get(chart) if charts else None
    add_png(doc, png if png is not None else _render(chart, args), caption)


def county_document(title: str, summary: Metrics, townships: Sequence[Metrics],
                    failed: Sequence[str] = (), sources: Sequence[str] = (),
                    charts: Mapping[str, bytes] | None = None, *, office: str | None = None,
                    day: dt.date | None = None) -> "DocumentObject":
    """The county's 汇报 as a Word document, in the township document's form.

    `summary` is the county's metrics (summary.json), `townships` the
    metrics.json of every township done, `failed` the names of townships
    whose report failed; `sources` (the input files' names) stay out of a
    leader's document: the folder's run record names them. The title is
    :func:`fupin.report.brief.title` (`title`, the county page's, is the document's
    file title). 一、基本情况; 二、存在的主要问题; 三、下一步工作打算; the 落款
    (default {县}扶贫开发领导小组办公室) and 成文日期; then the 附件: （一）各乡镇
    脱贫退出情况 (the county page's township table, its chart); （二）收入分组与
    贫困发生率; with the monitoring registry, （三）防返贫监测 (the county page's
    paragraph, its townships ranked by 应纳未纳, the registry's trend chart); then
    数据说明. `charts` are charts rendered already for these
    metrics, as :func:`_render` renders them, by :mod:`fupin.report.charts` function
    name (:func:`county_charts`, and ``county_overview_chart``): those are
    taken, the others drawn here.
    """
    from fupin.report import brief, narrative
    from fupin.report.county_table import HEADERS, REGISTRY_HEADERS, registry_rows, total_row, township_row

    s = dict(summary)
    office = office or f"{narrative.area_name(s)}扶贫开发领导小组办公室"
    doc = new_document(brief.title(s), author=office)
    doc.core_properties.title = without_controls(title)
    failed_note = [f"以下乡镇的报告未能生成，其数字未列入本汇报：{'、'.join(failed)}。"] if failed else []
    _add_report_body(doc, s, [narrative.basic_situation(s), *failed_note], office, day)
    add_attachment(doc, f"{narrative.area_name(s)}{s.get('year')}年脱贫攻坚主要数据")
    add_subheading(doc, section_heading(1, "各乡镇脱贫退出情况"))
    add_paragraph(doc, narrative.exit_outlook(s))
    if townships:  # the chart right below the text, the table after it: neither leaves half a page blank
        _add_rendered(doc, charts, "county_overview_chart", lambda: ([dict(t) for t in townships],),
                      caption="图1　各乡镇脱贫情况")
    keep = [HEADERS.index(c) for c in COUNTY_COLUMNS]
    rows = [[township_row(dict(t))[i]["label"] for i in keep]
            for t in sorted(townships, key=lambda t: str(t.get("township_id")))]
    if rows:
        rows.append([total_row(s)[i]["label"] for i in keep])
        add_table(doc, list(COUNTY_COLUMNS), rows, caption="表1　各乡镇脱贫情况与预测")
    add_subheading(doc, section_heading(2, "收入分组与贫困发生率"))
    add_paragraph(doc, brief.trend_summary(s))
    for (chart, args), caption in zip(_county_summary_charts(s), ("图2　收入分组", "图3　贫困发生率趋势")):
        _add_rendered(doc, charts, chart, args, caption)
    registry = [[c["label"] for c in row] for row in registry_rows([dict(t) for t in townships])]
    notes_number = _add_registry(
        doc, s, 3, [(REGISTRY_COUNTY_CAPTION, REGISTRY_HEADERS, registry)], 2 if rows else 1,
        lambda caption: _add_rendered(doc, charts, REGISTRY_CHART, lambda: (s,), caption), 4)
    add_subheading(doc, section_heading(notes_number, "数据说明"))
    _add_notes(doc, brief.data_notes(s, day=day))
    return doc


#: The package's extended properties: ours, not the template's ("Microsoft Macintosh Word", Normal.dotm).
APP_PROPERTIES = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>fupin</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
    b"<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    b"</Properties>"
)
#: The template's thumbnail (a picture of python-docx's own template), left out of every document.
THUMBNAIL = "docProps/thumbnail.jpeg"


def _own_package(data: bytes) -> bytes:
    """The saved package with our extended properties and without the template's thumbnail
    (a plain rewrite of the zip: python-docx has no public way to set either)."""
    from lxml import etree

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == THUMBNAIL:
                continue
            blob = src.read(info)
            if info.filename == "docProps/app.xml":
                blob = APP_PROPERTIES
            elif info.filename == "_rels/.rels":
                root = etree.fromstring(blob)
                for rel in [r for r in root if r.get("Target") == THUMBNAIL]:
                    root.remove(rel)
                blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), blob,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def document_bytes(doc: "DocumentObject") -> bytes:
    """The .docx file's bytes (for an atomic write), with our own package properties (:func:`_own_package`)."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return _own_package(buffer.getvalue())


def write_township_docx(metrics: Metrics | str | Path, path: str | Path) -> Path:
    """Write a township's report as a Word document (公文格式) to `path`, atomically.

    `metrics` is the dict of :attr:`fupin.figures.analysis.Analysis.metrics` or the path of
    a report folder's ``metrics.json``. Returns the path written.

    >>> import tempfile
    >>> import fupin
    >>> from fupin.core.config import SAMPLE_DIR
    >>> town = fupin.load(SAMPLE_DIR).township("990101001")
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_township_docx(fupin.analyse(town, year=2018).metrics, folder / "城关镇.docx").name
    '城关镇.docx'
    >>> import shutil; shutil.rmtree(folder)
    """
    from fupin.core.files import atomic_write_bytes

    if isinstance(metrics, (str, Path)):
        with open(metrics, encoding="utf-8") as handle:
            metrics = json.load(handle)
    return atomic_write_bytes(Path(path), document_bytes(township_document(metrics)))
