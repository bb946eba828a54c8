"""The Word documents (report.docx, county.docx): content, 公文 styles, privacy, LibreOffice.

Fast tests build the documents from the library's metrics of the hand-made
township of depth_fixtures; the slow ones open what the real ``fupin run``
wrote for the sample county (the session's ``sample_batch``) and convert
both documents to PDF with LibreOffice when it is installed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import datetime as dt

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from PIL import Image

import fupin
from depth_fixtures import Y, Z, county
from fupin.report import brief, narrative, tables
from fupin.core.config import REFERENCE_TOWNSHIP_ID
from fupin.report.county_table import township_row
from fupin.report.word import (
    COUNTY_COLUMNS, add_paragraph, add_table, column_widths, county_document, document_bytes, leader_problems,
    gongwen_amounts, new_document, township_document, write_township_docx,
)

NAMES = ("王小明", "李四", "张三丰", "欧阳小明")  # head names in depth_fixtures
HEADINGS = ["一、基本情况", "二、存在的主要问题", "三、下一步工作打算"]
ATTACHMENT = ["（一）脱贫退出预测", "（二）收入分组与贫困发生率", "（三）数据说明"]
DAY = dt.date(2019, 1, 15)


# ---------------------------------------------------------------- helpers


def reopen(document) -> docx.document.Document:
    """Save and open again, as a reader of the file sees it."""
    return docx.Document(io.BytesIO(document_bytes(document)))


def styled(doc, style: str) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == style]


def table_cells(table) -> list[list[str]]:
    """The cells' text, a header broken over two lines read as one."""
    return [[c.text.replace("\n", "") for c in row.cells] for row in table.rows]


def all_text(doc) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


def east_asia(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


# ---------------------------------------------------------------- the hand-made township


@pytest.fixture(scope="module")
def metrics() -> dict:
    return fupin.analyse(county().township("001"), year=Y, poverty_line=Z, bands=[Z]).metrics


@pytest.fixture(scope="module")
def town_doc(metrics):
    return reopen(township_document(metrics, day=DAY))


def test_the_document_is_a_report_in_the_seed_form(town_doc, metrics):
    """关于…的汇报, a lead-in, 一、二、三 as in the HTML report, 一是…, （一）…, the closing, 落款 and 成文日期."""
    paragraphs = [p.text for p in town_doc.paragraphs]
    assert paragraphs[0] == brief.title(metrics) == "关于测试镇2018年脱贫攻坚工作情况的汇报"
    assert town_doc.paragraphs[0].style.name == "Title"
    assert paragraphs[1] == "根据全镇建档立卡数据，现将测试镇截至2018年底的脱贫攻坚工作情况和2019年脱贫退出预测汇报如下："
    assert styled(town_doc, "Heading 1") == HEADINGS
    body = styled(town_doc, "Normal")
    assert gongwen_amounts(narrative.basic_situation(metrics)) in body
    assert gongwen_amounts(narrative.exit_outlook(metrics)) in body
    assert "全镇建档立卡贫困人口11户25人" in narrative.basic_situation(metrics)
    points = leader_problems(metrics)
    assert [p[:2] for p in points] == ["一是", "二是", "三是", "四是", "五是", "六是", "七是"]
    start = paragraphs.index("二、存在的主要问题")
    assert paragraphs[start + 2: start + 2 + len(points)] == points
    assert not [p for p in paragraphs if "下一步：" in p]
    measures = styled(town_doc, "Heading 2")
    assert measures[:5] == ["（一）发展壮大村集体经济", "（二）推进贫困村按期出列", "（三）保障住房安全",
                            "（四）巩固脱贫成果，防止返贫", "（五）夯实建档立卡数据基础"]
    assert measures[5:] == ATTACHMENT
    assert town_doc.styles["Heading 2"].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    signature = styled(town_doc, "落款")
    assert signature == ["测试镇人民政府", "二〇一九年一月十五日"]
    closing = paragraphs[paragraphs.index(signature[0]) - 2]
    assert closing == "测试镇将对照以上问题逐项整改、逐户落实，确保2019年脱贫退出任务如期完成。以上情况，特此汇报。"
    assert paragraphs.index("附件") > paragraphs.index(signature[1])  # the tables and charts follow the signature
    assert town_doc.core_properties.title == "关于测试镇2018年脱贫攻坚工作情况的汇报"


def test_the_office_and_the_date_can_be_given(metrics):
    doc = township_document(metrics, office="测试镇扶贫工作站", day=dt.date(2020, 10, 1))
    assert styled(doc, "落款") == ["测试镇扶贫工作站", "二〇二〇年十月一日"]


def test_village_table_is_the_html_table_with_numbers_right_aligned(town_doc, metrics):
    outlook = tables.villages_outlook(metrics).iloc[:, :9]  # the exit outlook, up to the projected incidence
    assert list(outlook.columns)[-1] == "2019年预计发生率"
    first = town_doc.tables[0]
    assert table_cells(first) == [list(outlook.columns), *map(list, outlook.itertuples(index=False, name=None))]
    assert table_cells(first)[2] == ["村B", "是", "20", "4", "10", "1", "1", "50.00%", "45.00%"]
    assert first.style.name == "Table Grid"
    header, village_b = first.rows[0], first.rows[2]
    assert {c.paragraphs[0].style.name for c in header.cells} == {"表格表头"}
    assert [c.paragraphs[0].style.name for c in village_b.cells] == ["表格文字"] * 2 + ["表格数字"] * 7
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    caption = first._tbl.getprevious()
    assert caption.xpath("string(.)") == "表1　各村脱贫情况与预测"


def test_problems_read_first_second_without_codes_or_names(town_doc, metrics):
    items = leader_problems(metrics)
    problems = [text for _, text, _ in narrative.problem_items(metrics)]  # the items without their next steps
    assert [i for i, p in zip(items, problems) if not i.endswith(p)] == []
    assert "个别贫困村脱贫任务仍然较重。未出列贫困村村B2019年贫困发生率预计仍在2%以上。" in problems
    assert any("收入情况不明" in p for p in problems)  # once: the warning that repeats it is left out
    assert any("：户h5" in w["message"] for w in metrics["warnings"])  # what the document leaves out
    text = all_text(town_doc)
    assert not re.search(r"h\d", text), "a household code reached the document"
    assert not [n for n in NAMES if n in text or f"{n[0]}*" in text]


def test_data_notes_table_holds_what_a_leader_needs_only(town_doc, metrics):
    notes = table_cells(town_doc.tables[-1])
    assert notes[0] == ["项目", "说明"]
    rows = dict(notes[1:])
    assert rows["贫困线"] == "人均纯收入2000元/人·年"
    assert rows["贫困发生率"] == "未脱贫人口÷户籍人口（30人）"
    assert rows["统计口径"] == "建档立卡数据，按2018年底状态统计，预测2019年"
    assert rows["统计时间"] == "截至2018年底，测算日期2019年1月15日"
    text = all_text(town_doc)
    for technical in ("fupin", "SHA", "sha256", "UTC", "git", ".csv", "Python", "pandas", "FGT", "Watts"):
        assert technical not in text, technical


def test_charts_left_by_the_notebook_are_taken_not_drawn_again(metrics, tmp_path):
    """township_document takes each chart the notebook left in its output_dir
    (display.docx_picture) as it is; a chart not there is drawn."""
    from fupin.core.config import docx_picture

    marker = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(marker, format="png", dpi=(300, 300))
    docx_picture(tmp_path, "income_band_chart").parent.mkdir()
    docx_picture(tmp_path, "income_band_chart").write_bytes(marker.getvalue())
    doc = reopen(township_document(metrics, pictures=tmp_path))
    blobs = [doc.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
             for s in doc.inline_shapes]
    assert len(blobs) == 3
    assert blobs[1] == marker.getvalue()  # 附件（二）收入分组: the income bands chart, as left
    assert Image.open(io.BytesIO(blobs[0])).size[0] > 1000 and Image.open(io.BytesIO(blobs[2])).size[0] > 1000
    with pytest.raises(ValueError):
        docx_picture(tmp_path, "../x")


def test_the_worker_builds_the_word_document_once_its_metrics_and_pictures_are_there(metrics, tmp_path):
    """fupin run's worker builds report.docx beside the kernel as soon as a finished cell has left
    the metrics and the three pictures (jobs._EarlyWord); that early document is the one
    township_document makes from the final metrics, and other final metrics are built anew."""
    from fupin.core.config import METRICS_MIME, docx_picture
    from fupin.report.word import TOWNSHIP_CHARTS
    from fupin.batch.jobs import _EarlyWord

    def png(colour: str) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (40, 30), colour).save(out, format="png", dpi=(300, 300))
        return out.getvalue()

    def pictures_of(doc) -> list[bytes]:
        return [doc.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
                for s in doc.inline_shapes]

    metrics_cell = {"outputs": [{"data": {"text/plain": "", METRICS_MIME: metrics}}]}
    word = _EarlyWord(tmp_path, METRICS_MIME)
    try:
        word.cell_executed(cell={"outputs": []}, cell_index=0)
        word.cell_executed(cell=metrics_cell, cell_index=1)
        assert word.future is None  # no pictures yet: nothing started
        docx_picture(tmp_path, TOWNSHIP_CHARTS[0]).parent.mkdir()
        colours = dict(zip(TOWNSHIP_CHARTS, ["red", "green", "blue"]))
        for name in TOWNSHIP_CHARTS[:2]:
            docx_picture(tmp_path, name).write_bytes(png(colours[name]))
        word.cell_executed(cell={"outputs": []}, cell_index=2)
        assert word.future is None  # two of three
        docx_picture(tmp_path, TOWNSHIP_CHARTS[2]).write_bytes(png(colours[TOWNSHIP_CHARTS[2]]))
        word.cell_executed(cell={"outputs": []}, cell_index=3)
        assert word.future is not None  # started
        word.future.result()
        expected = all_text(reopen(township_document(metrics, pictures=tmp_path)))
        for name in TOWNSHIP_CHARTS:  # gone now: a document built after this would draw its charts
            docx_picture(tmp_path, name).unlink()
        early = docx.Document(io.BytesIO(word.result(dict(metrics))))
        assert pictures_of(early) == [png(colours[n]) for n in TOWNSHIP_CHARTS]
        assert all_text(early) == expected
        changed = {**metrics, "township_name": "另一镇"}
        assert "另一镇" in all_text(docx.Document(io.BytesIO(word.result(changed))))  # not the early one
    finally:
        word.close()


def test_three_charts_at_300_dpi_as_wide_as_the_text_or_at_most_95_mm_tall(town_doc):
    from fupin.report.word import PICTURE_MAX_HEIGHT

    shapes = town_doc.inline_shapes
    assert len(shapes) == 3
    section = town_doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    for shape in shapes:
        assert int(width * 0.7) <= shape.width <= width + Twips(1)
        assert abs(shape.width - width) <= Twips(1) or shape.height <= PICTURE_MAX_HEIGHT + Twips(20)
        blob = town_doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        dpi = Image.open(io.BytesIO(blob)).info["dpi"]
        assert [round(d) for d in dpi] == [300, 300]
    pictures = [p for p in town_doc.paragraphs if p._p.xpath(".//w:drawing")]
    assert {p.style.name for p in pictures} == {"公文图片"}
    assert pictures[0].style.paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE  # not clipped


def test_tall_charts_are_narrowed_so_that_no_page_is_left_half_blank(town_doc):
    """A chart is at most 95 mm tall (two share a page), never narrower than 70% of the text."""
    from fupin.report.word import PICTURE_MAX_HEIGHT, picture_width, text_width

    def png(width: int, height: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (width, height), "white").save(out, format="png")
        return out.getvalue()

    full = text_width(town_doc)
    assert picture_width(town_doc, png(1560, 600)) == full  # 60 mm tall at full width
    narrowed = picture_width(town_doc, png(1560, 1100))  # 110 mm at full width
    assert abs(narrowed * 1100 / 1560 - PICTURE_MAX_HEIGHT) <= Twips(20)
    assert picture_width(town_doc, png(1560, 1880)) == int(full * 0.7)  # the village chart of twenty villages


def test_a_chart_is_set_a_little_larger_than_its_own_size_and_never_grows_when_narrowed(town_doc):
    """A 4.4-inch chart (1,320 pixels at 300 dpi) is set 1.2 times as wide, 5.28 inches: its 10-point text
    prints at 12 points; a small tall one is narrowed, never widened to 70% of the text."""
    from docx.shared import Inches

    from fupin.report.word import PICTURE_MAX_HEIGHT, PICTURE_SCALE, picture_width, text_width

    def png(width: int, height: int, dpi: int = 300) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (width, height), "white").save(out, format="png", dpi=(dpi, dpi))
        return out.getvalue()

    assert PICTURE_SCALE == 1.2
    near = lambda emu, inches: abs(emu - Inches(inches)) <= Inches(0.001)  # a PNG keeps its dpi as dots a metre
    assert near(picture_width(town_doc, png(1320, 900)), 4.4 * 1.2)  # 91 mm tall: within 95 mm
    assert picture_width(town_doc, png(1320, 800, dpi=240)) == text_width(town_doc)  # 6.6 inches: the text width at most
    small_tall = picture_width(town_doc, png(600, 2000))  # 2 x 6.7 inches, 2.4 x 8 set
    assert near(small_tall, 2 * 1.2) and small_tall < text_width(town_doc) * 0.7
    tall = picture_width(town_doc, png(1320, 1100))  # 5.28 inches wide would be 112 mm tall: narrowed to 95 mm
    assert abs(tall * 1100 / 1320 - PICTURE_MAX_HEIGHT) <= Twips(20)
    assert picture_width(town_doc, png(1320, 1400)) == int(text_width(town_doc) * 0.7)  # not below 70% of the text


def test_page_a4_margins_and_page_numbers(town_doc):
    section = town_doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]
    assert town_doc.settings.odd_and_even_pages_header_footer
    for footer, style, align in ((section.footer, "页码（单页）", WD_ALIGN_PARAGRAPH.RIGHT),
                                 (section.even_page_footer, "页码（双页）", WD_ALIGN_PARAGRAPH.LEFT)):
        [paragraph] = footer.paragraphs
        assert paragraph.style.name == style and paragraph.style.paragraph_format.alignment == align
        assert [i.text.strip() for i in paragraph._p.iter(qn("w:instrText"))] == ["PAGE"]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")


def test_official_document_styles_with_east_asian_fonts(town_doc):
    styles = town_doc.styles
    expected = {  # style: (East Asian font, size, alignment)
        "Title": ("方正小标宋简体", 22, WD_ALIGN_PARAGRAPH.CENTER),
        "Heading 1": ("黑体", 16, None),
        "Normal": ("仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY),
        "List Number": ("仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY),
        "表格文字": ("宋体", 10.5, WD_ALIGN_PARAGRAPH.LEFT),
        "表格数字": ("宋体", 10.5, WD_ALIGN_PARAGRAPH.RIGHT),
        "Heading 2": ("楷体_GB2312", 16, None),
        "落款": ("仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.RIGHT),
    }
    for name, (font, size, align) in expected.items():
        style = styles[name]
        fonts = style.element.rPr.rFonts
        assert east_asia(style) == font and fonts.get(qn("w:ascii")) == font, name
        assert not [a for a in fonts.attrib if a.endswith("Theme") or a.endswith("theme")], name  # no theme override
        assert style.font.size == Pt(size), name
        if align is not None:
            assert style.paragraph_format.alignment == align, name
    assert styles["Heading 1"].font.bold is False
    for name in ("Normal", "Heading 1", "List Number"):
        pf = styles[name].paragraph_format
        assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY and 28 <= pf.line_spacing.pt <= 29, name
        assert pf.first_line_indent == Pt(32), name
        assert styles[name].element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200", name
    assert styles["Title"].element.pPr.find(qn("w:pBdr")) is None  # the template's blue rule is gone


def test_no_default_template_leaks_through(metrics):
    """Our own theme language, properties and headings: not Word's ja-JP, Macintosh metadata or blue headings."""
    import zipfile

    data = document_bytes(township_document(metrics, day=DAY))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        app, rels = z.read("docProps/app.xml").decode("utf-8"), z.read("_rels/.rels").decode("utf-8")
    assert "Macintosh" not in app and "Normal.dotm" not in app and "<Application>fupin</Application>" in app
    assert "docProps/thumbnail.jpeg" not in names and "thumbnail" not in rels
    doc = docx.Document(io.BytesIO(data))
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    assert doc.core_properties.author == "测试镇人民政府" == doc.core_properties.last_modified_by
    for level in range(1, 10):
        style = doc.styles[f"Heading {level}"]
        color = style.element.rPr.find(qn("w:color"))
        assert color is not None and color.get(qn("w:val")) == "000000" and color.get(qn("w:themeColor")) is None, level
        assert not [a for a in style.element.rPr.rFonts.attrib if a.lower().endswith("theme")], level


def test_fallback_fonts_are_declared(town_doc):
    part = next(r.target_part for r in town_doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    xml = part.blob.decode("utf-8")
    for name, fallback in (("方正小标宋简体", "宋体"), ("仿宋_GB2312", "仿宋")):
        assert re.search(f'w:name="{name}">\\s*<w:altName w:val="{fallback}"/>', xml), name


def test_list_number_uses_a_decimal_list(town_doc):
    num_id = town_doc.styles["List Number"].element.pPr.numPr.numId.val
    numbering = town_doc.part.numbering_part.element
    abstract = numbering.num_having_numId(num_id).abstractNumId.val
    [lvl] = numbering.xpath(f"./w:abstractNum[@w:abstractNumId='{abstract}']/w:lvl")
    assert lvl.find(qn("w:numFmt")).get(qn("w:val")) == "decimal"
    assert lvl.find(qn("w:lvlText")).get(qn("w:val")) == "%1．"


def test_a_township_without_problems_makes_up_no_measure(metrics):
    quiet = {**metrics, "warnings": [], "projection": {**metrics["projection"], "reasons": {}, "villages_blocked": {}},
             "income_unknown": {"households": 0, "people": 0}, "collective_economy": None, "industry_coverage": None}
    assert narrative.problems(quiet) == [] and brief.measures(quiet) == []
    doc = reopen(township_document(quiet, day=DAY))
    assert styled(doc, "Heading 1") == HEADINGS
    assert styled(doc, "Heading 2") == ATTACHMENT  # no （一） measure
    after = [p.text for p in doc.paragraphs]
    assert after[after.index("二、存在的主要问题") + 1] == (
        "对照贫困户退出和贫困村出列标准逐项核查，全镇建档立卡数据中未发现需要整改的问题。")
    assert after[after.index("三、下一步工作打算") + 1:after.index("三、下一步工作打算") + 3] == [
        "测试镇将继续巩固脱贫成果，做好防返贫监测，防止返贫。", "以上情况，特此汇报。"]
    assert styled(doc, "落款") == ["测试镇人民政府", "二〇一九年一月十五日"]


def test_leader_problems_cut_village_codes_too():
    m = {"township_id": "1", "township_name": "河口乡", "warnings": [
        {"message": "1个村标为深度贫困村却不是贫困村：村990101001001（李家台村）"},
        {"message": "材料称贫困发生率为3.00%"}]}
    assert leader_problems(m) == ["一是1个村标为深度贫困村却不是贫困村。", "二是材料称贫困发生率为3.00%"]


def test_column_widths_fill_the_text_and_keep_numbers_whole():
    total = 156 * 36000  # 156 mm in EMU
    fits = column_widths(["村", "人口"], [["东风岭下村", "1,234"]], [False, True], total)
    assert abs(sum(fits) - total) <= 2 and fits[0] > fits[1]
    long_text = "很长的说明文字" * 10
    tight = column_widths(["项目", "人口", "说明"], [["收入年增长率", "1,234,567", long_text]],
                          [False, True, False], total)
    assert abs(sum(tight) - total) <= 3
    assert tight[1] >= Pt(10.5) * (0.6 * 9)  # "1,234,567" on one line
    assert tight[0] >= Pt(10.5) * 6  # 收入年增长率 on one line


def test_headers_break_between_words_and_rows_do_not_split(town_doc):
    """户籍人口 stays whole; 2019年预计发生率 breaks before 发生率; every row is kept on one page."""
    from fupin.report.word import header_lines

    assert header_lines("户籍人口") == ["户籍人口"] and header_lines("未脱贫人口") == ["未脱贫", "人口"]
    first = town_doc.tables[0]
    assert [c.text for c in first.rows[0].cells][-1] == "2019年预计\n发生率"
    widths = [c.width for c in first.rows[0].cells]
    assert widths[2] >= Pt(10.5) * 4  # 户籍人口 on one line
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in first.rows)


def test_write_township_docx_from_metrics_json(metrics, tmp_path):
    source = tmp_path / "metrics.json"
    source.write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    target = tmp_path / "out" / "测试镇.docx"
    assert write_township_docx(source, target) == target
    assert sorted(p.name for p in target.parent.iterdir()) == ["测试镇.docx"]  # no temporary file left
    written = docx.Document(target)
    assert written.paragraphs[0].text == "关于测试镇2018年脱贫攻坚工作情况的汇报"
    assert gongwen_amounts(narrative.basic_situation(metrics)) in styled(written, "Normal")


def test_county_document(metrics):
    summary = {**metrics, "township_id": "county", "county_name": "测试县"}
    doc = reopen(county_document("测试县2018年脱贫攻坚情况（乡镇汇总）", summary, [metrics],
                                 failed=["河口乡"], sources=["villages.csv", "households.csv"], day=DAY))
    assert doc.paragraphs[0].text == "关于测试县2018年脱贫攻坚工作情况的汇报"
    assert doc.core_properties.title == "测试县2018年脱贫攻坚情况（乡镇汇总）"
    assert styled(doc, "Heading 1") == HEADINGS
    assert styled(doc, "Heading 2")[-3:] == ["（一）各乡镇脱贫退出情况", "（二）收入分组与贫困发生率", "（三）数据说明"]
    assert styled(doc, "落款") == ["测试县扶贫开发领导小组办公室", "二〇一九年一月十五日"]
    assert gongwen_amounts(narrative.basic_situation(summary)) in styled(doc, "Normal")
    assert narrative.basic_situation(summary).startswith("测试县下辖2个行政村")
    row = township_row(metrics)
    assert table_cells(doc.tables[0]) == [list(COUNTY_COLUMNS),
                                          ["测试镇", "11户25人", "6户13人", "43.33%", "1户1人", "40.00%"],
                                          ["全县合计", "11户25人", "6户13人", "43.33%", "1户1人", "40.00%"]]
    assert [c["label"] for c in row][0] == "测试镇"
    assert "以下乡镇的报告未能生成，其数字未列入本汇报：河口乡。" in styled(doc, "Normal")
    assert len(doc.inline_shapes) == 3
    assert "villages.csv" not in all_text(doc) and "数据文件" not in all_text(doc)  # in the run record
    assert not re.search(r"h\d", all_text(doc))


# ---------------------------------------------------------------- the sample county, as `fupin run` wrote it


@pytest.mark.slow
def test_sample_township_document_holds_the_seed_figures(sample_batch):
    out, proc = sample_batch
    assert proc.returncode == 0, proc.stderr
    path = out / REFERENCE_TOWNSHIP_ID / "report.docx"
    assert path.is_file() and (out / "county.docx").is_file()
    doc = docx.Document(path)
    text = all_text(doc)
    for figure in ("3.23%", "1.25%", "415户924人", "252户566人"):
        assert figure in text, figure
    assert len(doc.inline_shapes) >= 2 and len(doc.tables) >= 1
    assert east_asia(doc.styles["Normal"]) in {"仿宋", "仿宋_GB2312"}
    assert east_asia(doc.styles["Heading 1"]) == "黑体"
    assert "小标宋" in east_asia(doc.styles["Title"])
    metrics = json.loads((out / REFERENCE_TOWNSHIP_ID / "metrics.json").read_text(encoding="utf-8"))
    assert gongwen_amounts(narrative.basic_situation(metrics)) in [p.text for p in doc.paragraphs]  # the HTML's paragraph
    html = (out / REFERENCE_TOWNSHIP_ID / "report.html").read_text(encoding="utf-8")
    assert narrative.basic_situation(metrics) in html
    assert '<a href="report.docx">' in html
    assert '<a href="county.docx">' in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_sample_documents_show_no_household_codes(sample_batch, sample_county):
    out, _ = sample_batch
    codes = set(sample_county.households["household_id"].dropna())
    village_codes = set(sample_county.villages["village_id"].dropna())
    for path in [out / "county.docx", *sorted(out.glob("*/report.docx"))]:
        text = all_text(docx.Document(path))
        assert not [c for c in codes | village_codes if c in text], path
    county_doc = docx.Document(out / "county.docx")
    names = set(sample_county.townships()["township_name"])
    assert [row[0] for row in table_cells(county_doc.tables[0])[1:]][-1] == "全县合计"
    assert {row[0] for row in table_cells(county_doc.tables[0])[1:-1]} == names


# ---------------------------------------------------------------- LibreOffice


def _office() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def _pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60,
                          check=True).stdout
    return text.split("\f")


def _filled(pdf: Path, prefix: Path) -> list[float]:
    """How far down each page's text area (37 mm to 262 mm of 297 mm) ink reaches, 0 to 1."""
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(pdf), str(prefix)], check=True, timeout=120)
    out = []
    for page in sorted(prefix.parent.glob(f"{prefix.name}-*.png")):
        with Image.open(page) as image:
            gray = image.convert("L")
            top, bottom = round(gray.height * 37 / 297), round(gray.height * 262 / 297)
            rows = [y for y in range(top, bottom) if gray.crop((0, y, gray.width, y + 1)).getextrema()[0] < 160]
            out.append((rows[-1] - top) / (bottom - top) if rows else 0.0)
    return out


@pytest.mark.slow
@pytest.mark.skipif(_office() is None, reason="LibreOffice (libreoffice/soffice) is not installed: "
                                              "install Debian's libreoffice-writer-nogui to convert the documents")
def test_libreoffice_converts_both_documents_to_sane_pdfs(sample_batch, tmp_path):
    out, _ = sample_batch
    profile = tmp_path / "profile"  # a private profile: other LibreOffice processes may be running
    documents = {"report": out / REFERENCE_TOWNSHIP_ID / "report.docx", "county": out / "county.docx"}
    proc = subprocess.run(
        [_office(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), *map(str, documents.values())],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = {key: _pages(tmp_path / f"{path.stem}.pdf") for key, path in documents.items()}
    assert 3 <= pages["report"] <= 8, pages  # the 汇报, then its 附件: a 20-village table and three charts
    assert 2 <= pages["county"] <= 8, pages
    if shutil.which("pdftoppm") and shutil.which("pdftotext"):
        for key, path in documents.items():
            filled = _filled(tmp_path / f"{path.stem}.pdf", tmp_path / key)
            attachment = next(i for i, text in enumerate(_page_texts(tmp_path / f"{path.stem}.pdf"))
                              if text.lstrip().startswith("附件"))
            inner = filled[attachment:-1]  # the 附件's pages but its last: none left half blank
            assert all(f >= 0.6 for f in inner), (key, [round(f, 2) for f in filled])


def test_the_notebook_marks_exactly_the_charts_the_word_document_takes():
    """The report notebook hands the Word document its charts through ``output_dir=``, and says so on each
    of those lines; they are the charts ``word.township_charts`` takes, no more, no fewer."""
    from fupin.core.config import NOTEBOOKS_DIR
    from fupin.report.word import township_charts

    cells = json.loads((NOTEBOOKS_DIR / "township_report.ipynb").read_text(encoding="utf-8"))["cells"]
    lines = [line for c in cells if c["cell_type"] == "code" for line in "".join(c["source"]).splitlines()
             if "show.show_figure(" in line]
    handed = [re.search(r"charts\.(\w+)\(", line).group(1) for line in lines if "output_dir=output_dir" in line]
    assert sorted(handed) == sorted(township_charts({"registry": {}}))
    assert all("Word" in line for line in lines if "output_dir=output_dir" in line)


def test_amounts_are_written_without_thousands_separators(town_doc):
    """公文 practice: 3500元, 5249.99元, 31.37万元; counts of people keep theirs (1,872人)."""
    text = all_text(town_doc)
    assert f"{Z:.0f}元" in text  # the poverty line, in 数据说明 and the text
    assert not re.search(r"\d,\d{3}(?:\.\d+)?(?:[—–~-][\d,.]+)?万?元", text), re.search(r"\d,\d{3}\S{0,12}", text)
    doc = new_document("关于测试镇2018年脱贫攻坚工作情况的汇报", author="测试镇人民政府")
    add_table(doc, ["村", "人均纯收入（元）", "人口"], [["甲村", "5,249.99", "1,872"], ["乙村", "12,000", "3"]])
    add_paragraph(doc, "收入在3,500—4,000元之间的252户，共1,872人，集体经济收入31.37万元")
    assert table_cells(doc.tables[0])[1:] == [["甲村", "5249.99", "1,872"], ["乙村", "12000", "3"]]
    assert doc.paragraphs[-1].text == "收入在3500—4000元之间的252户，共1,872人，集体经济收入31.37万元"


def test_fupin_run_signs_each_document_with_the_office_given(metrics, tmp_path, monkeypatch):
    """--office ({乡镇}: the township) signs the townships' report.docx, --county-office ({县}) county.docx."""
    import fupin.batch.runner as runner
    from fupin.batch.jobs import BatchResult, _EarlyWord
    from fupin.cli import main
    from fupin.core.config import METRICS_MIME, SAMPLE_DIR

    asked = {}
    monkeypatch.setattr(runner, "run_batch", lambda data, params, **options: asked.update(options) or BatchResult(tmp_path, []))
    assert main(["run", str(SAMPLE_DIR), "--year", "2018", "--out", str(tmp_path / "out"), "--quiet",
                 "--office", "{乡镇}扶贫工作站", "--county-office", " {县}扶贫办 "]) == 0
    assert (asked["office"], asked["county_office"]) == ("{乡镇}扶贫工作站", "{县}扶贫办")
    word = _EarlyWord(tmp_path, METRICS_MIME, asked["office"])  # the worker's document
    try:
        assert styled(docx.Document(io.BytesIO(word.result(dict(metrics)))), "落款")[0] == "测试镇扶贫工作站"
    finally:
        word.close()
    assert brief.office({"county_name": "测试县"}, asked["county_office"]) == "测试县扶贫办"  # county_page's
