"""The reports as Word documents in the form of a Chinese official document (公文).

``report.docx`` beside each township's ``report.html`` and ``county.docx``
beside ``index.html``: the leader's brief that offices forward and paste
from, typeset after GB/T 9704-2012 (党政机关公文格式) through named Word
styles, so an office can restyle the whole document by editing a style:

* A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right;
* ``Title``: 方正小标宋简体 (Word falls back to 宋体) 二号 (22 pt), centred;
* ``Heading 1`` ("一、基本情况"): 黑体 三号 (16 pt);
* ``Normal``: 仿宋_GB2312 (fallback 仿宋) 三号, first line indented two
  characters, exact line spacing of 28.95 pt (22 lines on the page);
* ``List Number``: the numbered 存在问题;
* tables in ``Table Grid`` with ``表格文字`` / ``表格数字`` / ``表格表头``
  (宋体 小四, numbers right-aligned);
* page numbers "— 1 —" in the footer (a PAGE field; odd pages right, even
  pages left, each one character in).

Every style sets its East Asian font (``w:eastAsia``) as well as the Latin
one. The words come from :mod:`fupin.report.narrative`, :mod:`fupin.report.headline` and
:mod:`fupin.report.tables` and the pictures from :mod:`fupin.report.charts` (300 dpi, the
width of the text), the same functions the HTML report uses, so the two never
disagree. Only counts and village names appear: no household rows, no
household or other ID codes, no personal data.

In JupyterLab, one call writes a township's document::

    import fupin
    from fupin.report.word import write_township_docx
    town = fupin.load("data/sample").township("990101001")
    write_township_docx(fupin.township_metrics(town, 2018), "城关镇.docx")
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

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
#: Pictures are rendered at this resolution and scaled to the text width.
PICTURE_DPI = DOCX_PICTURE_DPI

#: Font per role; Word uses the fallback (``altName`` in the font table) where the first is missing.
FONTS: dict[str, tuple[str, str]] = {
    "title": ("方正小标宋简体", "宋体"),
    "heading": ("黑体", "SimHei"),
    "body": ("仿宋_GB2312", "仿宋"),
    "table": ("宋体", "SimSun"),
}

#: Custom style names (the built-in ones keep their Word names: Normal, Title, Heading 1, List Number, Caption).
TABLE_TEXT, TABLE_NUMBER, TABLE_HEADER = "表格文字", "表格数字", "表格表头"
PICTURE, PAGE_ODD, PAGE_EVEN = "公文图片", "页码（单页）", "页码（双页）"

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
    listed = _paragraph_style(doc, "List Number", "body", 16, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars=2,
                              exact=LINE_PITCH)
    num_pr = listed.element.get_or_add_pPr().find(qn("w:numPr"))
    num_pr.find(qn("w:numId")).set(qn("w:val"), str(_numbering(doc)))
    caption = _paragraph_style(doc, "Caption", "heading", 14, align=WD_ALIGN_PARAGRAPH.CENTER, exact=LINE_PITCH)
    caption.paragraph_format.keep_with_next = True
    grid = doc.styles["Table Grid"].element.find(qn("w:tblPr")).find(qn("w:tblCellMar"))
    for side in ("w:left", "w:right"):
        grid.find(qn(side)).set(qn("w:w"), str(CELL_MARGIN.twips))
    _paragraph_style(doc, TABLE_TEXT, "table", 12, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph_style(doc, TABLE_NUMBER, "table", 12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph_style(doc, TABLE_HEADER, "heading", 12, align=WD_ALIGN_PARAGRAPH.CENTER)
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


def new_document(title: str) -> "DocumentObject":
    """An empty document with the 公文 page, styles and page numbers, and its title.

    >>> doc = new_document("城关镇2018年脱贫攻坚情况报告")
    >>> doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia"))
    '仿宋_GB2312'
    """
    title = without_controls(title)
    doc = Document()
    _styles(doc)
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
    props.title, props.author, props.last_modified_by, props.comments = title, "fupin", "fupin", ""
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


def add_paragraph(doc: "DocumentObject", text: str) -> None:
    """A body paragraph (style ``Normal``); nothing for empty text."""
    if text:
        doc.add_paragraph(without_controls(text))


def add_numbered(doc: "DocumentObject", items: Sequence[str], empty: str = "未发现问题。") -> None:
    """A numbered list (style ``List Number``), or ``empty`` as a paragraph."""
    if not items:
        doc.add_paragraph(empty)
    for item in items:
        doc.add_paragraph(without_controls(item), style="List Number")


def add_png(doc: "DocumentObject", png: bytes) -> None:
    """A picture (PNG bytes, 300 dpi) as wide as the text (style ``公文图片``)."""
    doc.add_paragraph(style=PICTURE).add_run().add_picture(io.BytesIO(png), width=text_width(doc))


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
              args: Callable[[], tuple[Any, ...]]) -> None:
    """The chart ``build(*args())``, `build` the :mod:`fupin.report.charts` function named `chart`, as
    :func:`_add_rendered` adds it, taken from the run's ``pictures`` folder when the notebook left it
    there (:func:`fupin.core.config.docx_picture`: the same chart, from the same metrics, at 300 dpi),
    else drawn here (:func:`_chart_function`; `args` is called only then)."""
    path = docx_picture(pictures, chart) if pictures else None
    left = path is not None and path.is_file() and not path.is_symlink()
    _add_rendered(doc, {chart: path.read_bytes()} if left else None, chart, args)


def _display_width(text: str) -> float:
    """Width of text in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.65 for ch in text)


#: Font size of tables (小四); the cell margin on each side (Table Grid), and both with some slack, in ems.
TABLE_EM, CELL_MARGIN, CELL_PADDING = Pt(12), Twips(57), 0.8


def column_widths(header: Sequence[str], cells: Sequence[Sequence[str]], numbers: Sequence[bool],
                  total: int) -> list[int]:
    """Column widths (EMU) summing to `total`.

    A column wants its widest cell, and its header on at most two lines.
    When everything fits, all columns grow in proportion. Otherwise number
    columns keep their width (numbers never wrap), text columns that want
    less than an equal share of the rest keep theirs too, and the longest
    texts share what is left in proportion (each at least four characters).
    """
    em = total / TABLE_EM  # the text width in ems

    def want(i: int) -> float:
        head = math.ceil(_display_width(str(header[i])) / 2)
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


def add_table(doc: "DocumentObject", header: Sequence[str], rows: Sequence[Sequence[object]],
              caption: str = "", numbers: Sequence[bool] | None = None) -> None:
    """A plain grid table (``Table Grid``) with a caption above it.

    Columns whose cells are all numbers ("1,234", "3.23%", "—") are
    right-aligned (``表格数字``), others left (``表格文字``); the header row
    (``表格表头``) repeats on every page. Column widths follow their contents
    and fill the text width.
    """
    cells = [[("—" if v is None else without_controls(str(v))) for v in row] for row in rows]
    header = [without_controls(str(h)) for h in header]
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
    trpr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    trpr.append(repeat)
    for row, values, style_of in ((head, [str(h) for h in header], lambda i: TABLE_HEADER),
                                  *((table.rows[k + 1], cells[k], lambda i: TABLE_NUMBER if numbers[i] else TABLE_TEXT)
                                    for k in range(len(cells)))):
        for i, (cell, value) in enumerate(zip(row.cells, values)):
            cell.width = widths[i]
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style_ids[style_of(i)]
            paragraph.add_run(value)
    for i, column in enumerate(table.columns):
        column.width = widths[i]
    tbl_width = table._tbl.tblPr.find(qn("w:tblW"))  # the full text width, not "auto"
    tbl_width.set(qn("w:type"), "dxa")
    tbl_width.set(qn("w:w"), str(sum(widths) // 635))  # EMU -> twips


def leader_problems(metrics: Metrics) -> list[str]:
    """:func:`fupin.report.narrative.problems` without the lists of household or village codes.

    A consistency warning ends with the codes it concerns ("…：户9901…、…");
    a leaders' document keeps the count and the finding only.

    >>> leader_problems({"township_id": "1", "township_name": "河口乡",
    ...                  "warnings": [{"message": "2户（5人）未脱贫，且没有帮扶责任人：户0001、0002"}]})
    ['2户（5人）未脱贫，且没有帮扶责任人。']
    >>> leader_problems({"township_id": "1", "township_name": "河口乡", "year": 2018,
    ...                  "warnings": [{"code": "no_cadre", "count": 2, "message": "…：户0001、0002"}]})
    ['2户未脱贫户没有帮扶责任人。下一步：为这些户落实帮扶责任人。']
    """
    from fupin.report import narrative

    out = []
    for item in narrative.problems(metrics):
        cut = _ID_LIST.sub("", item)
        out.append(cut if cut == item else cut.rstrip("。；，") + "。")
    return out


def data_notes(metrics: Metrics, *, national: bool = True, sources: Sequence[str] = ()) -> list[tuple[str, str]]:
    """数据说明: the figures' definitions and parameters, the code version and the time."""
    from fupin.core import formats
    from fupin.report import style
    from fupin.report.tables import code_version

    p = metrics.get("parameters") or {}
    year, target = metrics.get("year"), metrics.get("target_year")
    rows = [
        ("统计口径", f"建档立卡数据，按{year}年底状态统计，预测{target}年"),
        ("贫困线", f"人均纯收入{formats.fmt_yuan(p.get('poverty_line'))}/人·年"),
        *([("各年贫困线", f"{style.fmt_parameter('poverty_lines', p['poverty_lines'])}（元/人·年）："
                        "已脱贫户按脱贫当年的贫困线核查")] if p.get("poverty_lines") else []),
        ("收入分组", "、".join(style.band_label(b) for b in metrics.get("income_bands") or []) or "—"),
        ("收入年增长率", formats.fmt_pct_short(p.get("growth"))),
        ("贫困发生率", f"未脱贫人口÷户籍人口（{formats.fmt_people(metrics.get('population'))}）"),
        ("贫困户退出", "预计人均纯收入不低于贫困线，且“两不愁三保障”及饮水安全均有保障"),
        ("贫困村出列", f"贫困发生率降到{formats.fmt_pct_short(p.get('village_threshold'))}以下，"
                      "且村级活动场所、道路达标"),
    ]
    if national:
        rows.append(("全国参考", "全国农村贫困发生率（国家统计局，2010年标准）"))
    if sources:
        rows.append(("数据文件", "、".join(sources)))
    rows += [("生成", f"{code_version()}，{dt.datetime.now().astimezone():%Y-%m-%d %H:%M}")]
    return rows


def _add_notes(doc: "DocumentObject", rows: Sequence[tuple[str, str]]) -> None:
    add_table(doc, ["项目", "说明"], rows, numbers=[False, False])


# ---------------------------------------------------------------- the two documents

#: Columns of the HTML's village table that the page has no room for (their findings are in 存在问题).
OUTLOOK_LEFT_OUT = ("村集体经济", "产业帮扶")
#: The charts :func:`township_document` shows (the :mod:`fupin.report.charts` functions' names, in order), taken
#: from the run's pictures folder when the notebook left them there.
TOWNSHIP_CHARTS = ("exits_by_village_chart", "income_band_chart", "incidence_trend_chart")


def township_document(metrics: Metrics, pictures: str | Path | None = None) -> "DocumentObject":
    """A township's report as a Word document, from its metrics dict (metrics.json).

    `pictures` is the ``output_dir`` the report notebook ran with: the charts it
    left there for this document (:func:`add_chart`) are taken, the others drawn.

    Title (:func:`fupin.report.headline.title`); 一、基本情况
    (:func:`fupin.report.narrative.basic_situation`); 二、脱贫退出预测
    (:func:`~fupin.report.narrative.exit_outlook`, the villages table of
    :func:`fupin.report.tables.villages_outlook` without the columns of
    :data:`OUTLOOK_LEFT_OUT`, the exits-by-village chart); 三、收入
    分组与贫困发生率 (the income-band and incidence-trend charts); 四、存在问题
    (numbered); 五、数据说明 (a short table).
    """
    from fupin.report import headline, narrative, national as reference, tables

    m = dict(metrics)
    exits, bands, trend = TOWNSHIP_CHARTS
    doc = new_document(headline.title(m))
    add_heading(doc, "一、基本情况")
    add_paragraph(doc, narrative.basic_situation(m))
    add_heading(doc, "二、脱贫退出预测")
    add_paragraph(doc, narrative.exit_outlook(m))
    outlook = tables.villages_outlook(m)
    outlook = outlook[[c for c in outlook.columns if not c.startswith(OUTLOOK_LEFT_OUT)]]
    if not outlook.empty:
        add_table(doc, list(outlook.columns), outlook.itertuples(index=False, name=None),
                  caption="表1　各村脱贫情况与预测")
    add_chart(doc, pictures, exits, lambda: (m,))
    add_heading(doc, "三、收入分组与贫困发生率")
    add_chart(doc, pictures, bands, lambda: (m,))
    add_chart(doc, pictures, trend, lambda: (m, reference.national_series()))
    add_heading(doc, "四、存在问题")
    add_numbered(doc, leader_problems(m))
    add_heading(doc, "五、数据说明")
    _add_notes(doc, data_notes(m))
    return doc


#: The columns of the county page's township table that the county document shows (the
#: villages to exit are named in the paragraph above it; six columns fit the page unbroken).
COUNTY_COLUMNS = ("乡镇", "建档立卡", "未脱贫", "贫困发生率", "预计脱贫", "预计发生率")


def _county_summary_charts(summary: Metrics) -> list[tuple[str, Callable[[], tuple[Any, ...]]]]:
    """The county document's charts of the county's own figures (三、收入分组与贫困发生率), in order:
    each :mod:`fupin.report.charts` function's name with a function giving its arguments."""
    from fupin.report import national as reference

    return [("income_band_chart", lambda: (summary,)),
            ("incidence_trend_chart", lambda: (summary, reference.national_series()))]


def county_charts(summary: Metrics) -> dict[str, bytes]:
    """The county document's charts that depend on the county's figures alone, as
    :func:`_render` renders them (300 dpi PNG bytes), by :mod:`fupin.report.charts` function name.

    :func:`fupin.batch.county_page.prepare_county_page` draws them while the
    townships run and hands them to :func:`county_document`.

    >>> import fupin
    >>> from fupin.core.config import SAMPLE_DIR
    >>> charts = county_charts(fupin.township_metrics(fupin.load(SAMPLE_DIR), 2018))
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
                  args: Callable[[], tuple[Any, ...]]) -> None:
    """The chart of the :mod:`fupin.report.charts` function named `chart`, given ``args()``, as a picture
    as wide as the text (:func:`add_png`), taken from `charts` (PNG bytes by function name) when it was
    rendered already, else drawn here."""
    png = charts.get(chart) if charts else None
    add_png(doc, png if png is not None else _render(chart, args))


def county_document(title: str, summary: Metrics, townships: Sequence[Metrics],
                    failed: Sequence[str] = (), sources: Sequence[str] = (),
                    charts: Mapping[str, bytes] | None = None) -> "DocumentObject":
    """The county page as a Word document.

    `summary` is the county's metrics (summary.json), `townships` the
    metrics.json of every township done, `failed` the names of townships
    whose report failed, `sources` the input files' names. Sections: 一、基本
    情况; 二、各乡镇脱贫退出情况 (the county page's township table, its chart);
    三、收入分组与贫困发生率; 四、存在问题; 五、数据说明. `charts` are
    charts rendered already for these metrics, as :func:`_render` renders
    them, by :mod:`fupin.report.charts` function name (:func:`county_charts`, and
    ``county_overview_chart``): those are taken, the others drawn here.
    """
    from fupin.report import narrative
    from fupin.report.county_table import HEADERS, township_row

    s = dict(summary)
    doc = new_document(title)
    add_heading(doc, "一、基本情况")
    add_paragraph(doc, narrative.basic_situation(s))
    add_heading(doc, "二、各乡镇脱贫退出情况")
    add_paragraph(doc, narrative.exit_outlook(s))
    keep = [HEADERS.index(c) for c in COUNTY_COLUMNS]
    rows = [[township_row(dict(t))[i]["label"] for i in keep]
            for t in sorted(townships, key=lambda t: str(t.get("township_id")))]
    if rows:
        add_table(doc, list(COUNTY_COLUMNS), rows, caption="表1　各乡镇脱贫情况与预测")
    if failed:
        add_paragraph(doc, f"以下乡镇的报告未能生成，其数字未列入上表：{'、'.join(failed)}。")
    if townships:
        _add_rendered(doc, charts, "county_overview_chart", lambda: ([dict(t) for t in townships],))
    add_heading(doc, "三、收入分组与贫困发生率")
    for chart, args in _county_summary_charts(s):
        _add_rendered(doc, charts, chart, args)
    add_heading(doc, f"四、{narrative.whole_area(s)}存在问题")
    add_numbered(doc, leader_problems(s))
    add_heading(doc, "五、数据说明")
    _add_notes(doc, data_notes(s, sources=sources))
    return doc


def document_bytes(doc: "DocumentObject") -> bytes:
    """The .docx file's bytes (for an atomic write)."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def write_township_docx(metrics: Metrics | str | Path, path: str | Path) -> Path:
    """Write a township's report as a Word document (公文格式) to `path`, atomically.

    `metrics` is the dict of :func:`fupin.township_metrics` or the path of
    a report folder's ``metrics.json``. Returns the path written.

    >>> import tempfile
    >>> import fupin
    >>> from fupin.core.config import SAMPLE_DIR
    >>> town = fupin.load(SAMPLE_DIR).township("990101001")
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_township_docx(fupin.township_metrics(town, 2018), folder / "城关镇.docx").name
    '城关镇.docx'
    >>> import shutil; shutil.rmtree(folder)
    """
    from fupin.core.files import atomic_write_bytes

    if isinstance(metrics, (str, Path)):
        with open(metrics, encoding="utf-8") as handle:
            metrics = json.load(handle)
    return atomic_write_bytes(Path(path), document_bytes(township_document(metrics)))
