"""The follow-up workbook (follow_up.xlsx): sheets, headers, cells, privacy, atomic write."""

from __future__ import annotations


import io

import openpyxl
import pandas as pd
import pytest

import metrics_fixtures as fx
from depth_fixtures import Y, Z, county
from fupin.report import workbook as followup
from fupin.report.workbook import FILENAME, SHEETS, path_in, write_follow_up


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("town") / FILENAME
    assert write_follow_up(county(), Y, path, poverty_line=Z, bands=[Z], growth=0.0,
                           village_threshold=0.02, monitoring_line=None, income_drop_share=0.3) == path
    return openpyxl.load_workbook(path)


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets_in_order_with_frozen_filtered_headers(book):
    assert book.sheetnames == list(SHEETS) == ["未脱贫户", "监测户", "受阻贫困村", "存在问题", "说明"]
    for ws in book:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1]), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        for j in range(1, ws.max_column + 1):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
            assert followup.MIN_WIDTH <= width <= followup.MAX_WIDTH, (ws.title, j)


def test_non_exit_sheet(book):
    """h4 exits (income on the line); h1, h2, h3, h5, h9 do not, by village then id."""
    ws = book["未脱贫户"]
    blank = [None] * 3  # 帮扶措施, 完成时限, 完成情况: for the cadre to fill in
    assert rows(ws) == [
        ["户编号", "村代码", "村名称", "户主（已脱敏）", "家庭人口", "帮扶责任人（已脱敏）", "2019年预计人均纯收入（元）",
         "距贫困线差额（元）", "不愁吃穿", "义务教育", "基本医疗", "住房安全", "饮水安全", "未脱贫原因",
         "帮扶措施", "完成时限", "完成情况"],
        ["h1", "A", "村A", "王*明", 2, None, 1000, 1000, None, None, None, None, None, "收入差1,000元", *blank],
        ["h2", "A", "村A", "李*", 1, None, 0, 2000, None, None, None, None, None, "收入差2,000元", *blank],
        ["h3", "B", "村B", None, 3, None, 1900, 100, None, None, None, None, None, "收入差100元", *blank],
        ["h5", "B", "村B", None, 4, None, None, None, None, None, None, None, None, "收入未知", *blank],
        ["h9", "B", "村B", None, 2, None, 2100, None, None, None, None, "未保障", None, "住房安全未保障", *blank],
    ]
    assert ws["H2"].data_type == "n" and ws["H2"].number_format == "#,##0.00"  # the gap is a number, to the fen
    assert ws["A2"].data_type == "s" and ws["A2"].number_format == "@"
    assert ws["G2"].number_format == "#,##0.00"  # to the fen: 5,249.99 never shows as 5,250


def test_monitoring_sheet(book):
    ws = book["监测户"]
    header, *data = rows(ws)
    assert header == ["户编号", "村代码", "村名称", "户主（已脱敏）", "家庭人口", "帮扶责任人（已脱敏）", "主要致贫原因",
                      "脱贫年度", "脱贫当年人均纯收入（元）", "2019年人均纯收入（元）", "收入较脱贫当年变化", "监测原因",
                      "帮扶措施", "完成时限", "完成情况"]
    assert [r[0] for r in data] == ["h10", "h13", "h6", "h7"]
    h7 = data[3]
    assert h7[:10] == ["h7", "B", "村B", "欧**明", 5, None, "因病", 2016, 5000, 3200]
    assert h7[10] == pytest.approx(-0.36) and h7[11:] == ["收入较脱贫当年下降36.0%", None, None, None]
    assert data[1][10] is None  # h13 exited with 0 yuan: no change to show
    assert ws["K2"].number_format.startswith("+0.0%")


def test_blocked_villages_sheet(book):
    """B: 10 remaining people, 9 after h4 exits; 9/20 = 45% >= 2%; venue not up to standard."""
    assert rows(book["受阻贫困村"]) == [
        ["村代码", "村名称", "户籍人口", "2018年底未脱贫人口", "2019年预计未脱贫人口", "2019年预计贫困发生率", "未达到的退出条件"],
        ["B", "村B", 20, 10, 9, 0.45, "贫困发生率未降到2%以下、村级活动场所未达标"],
    ]


def test_problems_sheet_lists_each_item_with_its_households(book):
    """The report's 存在问题 items, numbered, one row per household (or village) concerned."""
    header, *data = rows(book["存在问题"])
    assert header == ["序号", "问题", "下一步", "户编号", "村名称", "户主（已脱敏）", "帮扶措施", "完成时限", "完成情况"]
    assert [(r[0], r[3], r[4]) for r in data] == [
        (1, None, "村A"), (1, None, "村B"),  # no collective income reported: villages, no household
        (2, None, "村B"),  # B stays above the threshold
        (3, "h11", "村B"), (3, "h5", "村B"),  # income in 2019 unknown (registered households)
        (4, "h9", "村B"),  # housing not assured, not projected to exit
        (5, "h8", "村A"),  # registered after 2018
        (6, "h13", "村A"),  # exited with an exit-year income below the line
        (7, "h11", "村B"),  # exited without an income row
    ]
    assert data[0][2] == "组织这些村补报村集体经济收入。"  # two villages (村A, 村B): 这些村
    assert data[3][1] == "部分贫困户收入底数不清。全镇有2户7人2019年收入情况不明，无法预测能否脱贫。"
    assert data[3][2] == "入户核实收入，补录收入记录。"
    assert all(r[6:] == (None, None, None) or list(r[6:]) == [None] * 3 for r in data)
    assert not any(c.isdigit() and len(c) >= 14 for r in data for c in map(str, r[1:3]))


def test_every_sheet_prints_on_a4_with_header_pages_gridlines_and_title_rows(book):
    for ws in book:
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape", ws.title
        assert ws.print_options.gridLines is True, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.oddHeader.left.text == "测试镇（001）", ws.title
        assert ws.oddHeader.center.text == f"跟踪清单：{ws.title}"
        assert len(ws.oddHeader.right.text) == 10 and ws.oddHeader.right.text[4] == "-"  # the date
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_helper_from_the_cadres_table_masked(tmp_path):
    c = fx.county(
        fx.villages({"village_id": "A", "population": 10, "township_name": "A&B镇"}),
        fx.households({"household_id": "h1", "village_id": "A", "size": 1, "cadre_id": "c1"},
                      {"household_id": "h2", "village_id": "A", "size": 1, "cadre_id": "c9"},
                      {"household_id": "h3", "village_id": "A", "size": 1}),
        fx.incomes({"household_id": "h1", "year": 2019, "per_capita_income": 100.0}),
        fx.cadres({"cadre_id": "c1", "name": "赵六一", "unit": "县扶贫办"}),
    )
    ws = openpyxl.load_workbook(write_follow_up(c, Y, tmp_path / FILENAME))["未脱贫户"]
    assert [r[5] for r in rows(ws)] == ["帮扶责任人（已脱敏）", "赵*一", None, None]  # c9 unknown, h3 has none
    assert "赵六一" not in str(rows(ws))
    assert ws.oddHeader.left.text.startswith("A&&B镇")  # "&" starts an Excel header code: doubled


def test_about_sheet_names_the_monitoring_line(book):
    about = dict(rows(book["说明"])[1:])
    assert about["监测收入线"] == "3,000元/人·年（默认：贫困线的1.5倍）"
    assert about["贫困线"] == "2,000元/人·年" and about["监测户"].startswith("4户")


def test_no_unmasked_names_anywhere(book):
    text = "\n".join(str(v) for ws in book for r in rows(ws) for v in r if v is not None)
    for secret in ("王小明", "李四", "张三丰", "欧阳小明"):
        assert secret not in text


def test_ids_keep_leading_zeros(tmp_path):
    c = fx.county(
        fx.villages({"village_id": "0101", "population": 100}),
        fx.households({"household_id": "000123", "village_id": "0101", "size": 1}),
        fx.incomes({"household_id": "000123", "year": 2019, "per_capita_income": 100.0}),
    )
    ws = openpyxl.load_workbook(write_follow_up(c, Y, tmp_path / FILENAME))["未脱贫户"]
    assert (ws["A2"].value, ws["B2"].value) == ("000123", "0101")


def test_empty_lists_keep_their_headers(tmp_path):
    c = fx.county(fx.villages({"village_id": "A", "population": 5}))
    wb = openpyxl.load_workbook(write_follow_up(c, Y, tmp_path / FILENAME))
    for name in ("未脱贫户", "监测户", "受阻贫困村"):
        assert wb[name].max_row == 1 and wb[name].freeze_panes == "A2"
    problems = list(wb["存在问题"].iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[4]) for r in problems] == [(None, "村A")]  # only: A reports no collective income


def test_nothing_written_without_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert path_in("") is None and path_in(None) is None
    assert path_in(str(tmp_path)) == tmp_path / FILENAME
    assert write_follow_up(county(), Y, path_in("")) is None
    assert list(tmp_path.iterdir()) == []


def test_written_atomically_over_an_old_file(tmp_path):
    path = tmp_path / "sub" / FILENAME
    write_follow_up(county(), Y, path, poverty_line=Z)
    write_follow_up(county(), Y, path, poverty_line=Z, monitoring_line=100000)
    assert sorted(p.name for p in path.parent.iterdir()) == [FILENAME]  # no temporary file left
    assert openpyxl.load_workbook(path)["监测户"].max_row == 1 + 4  # every exited household but h11 (income unknown)


def test_problems_sheet_numbers_items_masks_heads_and_keeps_items_without_rows():
    """One row per household (or village) of each item, numbered by item; an item without rows keeps one."""
    households = pd.DataFrame({"household_id": pd.array(["h2", "h1"], dtype="string"),
                               "village_name": pd.array(["村A", "村B"], dtype="string"),
                               "head_name": pd.array(["王小明", pd.NA], dtype="string")})
    villages = pd.DataFrame({"household_id": pd.NA, "village_name": pd.array(["村C"], dtype="string"),
                             "head_name": pd.NA})
    items = [("a", "问题甲", "做甲"), ("missing", "问题乙", "做乙"), ("v", "=问题丙", "做丙"),
             ("empty", "问题丁", "做丁")]
    frame, kinds = followup.problems_sheet(items, {"a": households, "v": villages, "empty": households.iloc[:0]})
    assert kinds == {"序号": "int"}
    assert list(frame.columns) == ["序号", "问题", "下一步", "户编号", "村名称", "户主（已脱敏）", *followup.TO_FILL]
    values = [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False, name=None)]
    assert values == [
        [1, "问题甲", "做甲", "h2", "村A", "王*明", None, None, None],
        [1, "问题甲", "做甲", "h1", "村B", None, None, None, None],
        [2, "问题乙", "做乙", None, None, None, None, None, None],
        [3, "=问题丙", "做丙", None, "村C", None, None, None, None],  # the workbook makes it text (test_untrusted_output)
        [4, "问题丁", "做丁", None, None, None, None, None, None],
    ]
    empty, _ = followup.problems_sheet([], {})
    assert empty.empty and list(empty.columns) == list(frame.columns)


def test_text_that_looks_like_an_excel_error_or_formula_stays_a_string():
    frame = pd.DataFrame({"户编号": ["#N/A", "#DIV/0!", "=1+1", "0012"], "家庭人口": [1, None, 3, 4]})
    ws = openpyxl.load_workbook(io.BytesIO(followup.workbook_bytes({"表": (frame, {"家庭人口": "int"})})))["表"]
    assert [(c.value, c.data_type) for (c,) in ws.iter_rows(min_col=1, max_col=1)] == [
        ("户编号", "s"), ("#N/A", "s"), ("#DIV/0!", "s"), ("'=1+1", "s"), ("0012", "s")]
    assert [c.value for (c,) in ws.iter_rows(min_row=2, min_col=2, max_col=2)] == [1, None, 3, 4]
    assert ws.auto_filter.ref == "A1:B5" and ws.calculate_dimension() == "A1:B5"


def test_a_long_township_name_keeps_the_page_header_within_excel_limit(tmp_path):
    """A 200-character name (with "&", doubled in a header) gives a header of at most 255 characters,
    codes included: the name is cut in the middle with "…", its code kept."""
    name = "长&" * 95 + "A&B\u202e镇"
    c = fx.county(
        fx.villages({"village_id": "A", "population": 10, "township_id": "990101001", "township_name": name}),
        fx.households({"household_id": "h1", "village_id": "A", "size": 1}),
        fx.incomes({"household_id": "h1", "year": 2019, "per_capita_income": 100.0}),
    )
    book = openpyxl.load_workbook(write_follow_up(c, Y, tmp_path / FILENAME, township_id="990101001"))
    for ws in book:
        for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
            assert len(str(header)) <= 255, ws.title  # Excel refuses a longer header
            assert header.left.text.startswith("长&&长&&") and header.left.text.endswith("A&&B镇（990101001）")
            assert "…" in header.left.text and "\u202e" not in header.left.text
            assert "&" not in header.left.text.replace("&&", "")  # every "&" from the data doubled
