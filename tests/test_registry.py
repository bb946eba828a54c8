"""The registry's figures (metrics.json ``registry``) on a small hand-made township, exact to the household."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import metrics_fixtures as fx
from fupin.figures.analysis import analyse
from fupin.core.errors import ParameterError
from fupin.figures.parameters import report_parameters
from fupin.report.word import gongwen_amounts

LINES = {2021: 6000, 2022: 6300}


def monitored(*rows: dict) -> object:
    return fx.table("monitored", list(rows))


def township():
    """Y = 2021: M(2021) = 6000, M(2022) = 6300.

    H1 (V1, 3 people) 脱贫不稳定户 since 2020, income 2022 exactly 6300: projected to be eliminated;
    H2 (V1, 2) since 2021, income 5000 carried to 2022: short by 1300;
    H3 (V2, 4) since 2019, eliminated in 2021 with 5999.99 < 6000: shaky, and possibly missed;
    H4 (V2, 1) exited, never monitored, 5500: possibly missed; H5 (V2, 2) exited, medical fails: missed;
    H6 (V1, 5) since 2019, eliminated 2020, 6000 exactly: not missed; H7 remaining; H8 returned in 2021;
    E1 (V2, 3) 边缘易致贫户 outside households since 2021, water fails; E2 identified 2022 (after Y);
    E3 (V1, 1) 突发严重困难户 since 2021, no income.
    """
    villages = fx.villages({"village_id": "V1"}, {"village_id": "V2"})
    households = fx.households(
        {"household_id": "H1", "village_id": "V1", "size": 3, "exit_year": 2016},
        {"household_id": "H2", "village_id": "V1", "size": 2, "exit_year": 2016},
        {"household_id": "H3", "village_id": "V2", "size": 4, "exit_year": 2017},
        {"household_id": "H4", "village_id": "V2", "size": 1, "exit_year": 2016},
        {"household_id": "H5", "village_id": "V2", "size": 2, "exit_year": 2016, "medical_ok": False},
        {"household_id": "H6", "village_id": "V1", "size": 5, "exit_year": 2016},
        {"household_id": "H7", "village_id": "V1", "size": 1},
        {"household_id": "H8", "village_id": "V2", "size": 2, "exit_year": 2016, "returned_year": 2021},
    )
    incomes = fx.incomes(
        {"household_id": "H1", "year": 2022, "per_capita_income": 6300.0, "is_estimate": True},
        *({"household_id": h, "year": 2021, "per_capita_income": x} for h, x in
          [("H2", 5000.0), ("H3", 5999.99), ("H4", 5500.0), ("H5", 7000.0), ("H6", 6000.0), ("H7", 1000.0),
           ("H8", 3000.0)]),
        {"household_id": "E1", "year": 2022, "per_capita_income": 8000.0, "is_estimate": True},
    )
    registry = monitored(
        {"household_id": "H1", "village_id": "V1", "monitor_type": "脱贫不稳定户", "identified_year": 2020,
         "risk_types": "因病、因学", "risk_eliminated": False},
        {"household_id": "H2", "village_id": "V1", "monitor_type": "脱贫不稳定户", "identified_year": 2021,
         "risk_types": "因务工就业不稳", "risk_eliminated": False},
        {"household_id": "H3", "village_id": "V2", "monitor_type": "脱贫不稳定户", "identified_year": 2019,
         "risk_types": "因病", "risk_eliminated": True, "eliminated_year": 2021},
        {"household_id": "H6", "village_id": "V1", "monitor_type": "脱贫不稳定户", "identified_year": 2019,
         "risk_types": "因残", "risk_eliminated": True, "eliminated_year": 2020},
        {"household_id": "E1", "village_id": "V2", "size": 3, "monitor_type": "边缘易致贫户", "identified_year": 2021,
         "risk_types": "因灾、因病", "risk_eliminated": False, "water_ok": False},
        {"household_id": "E2", "village_id": "V1", "size": 2, "monitor_type": "突发严重困难户", "identified_year": 2022,
         "risk_types": "因意外事故", "risk_eliminated": False},
        {"household_id": "E3", "village_id": "V1", "size": 1, "monitor_type": "突发严重困难户", "identified_year": 2021,
         "risk_types": "其他", "risk_eliminated": False},
    )
    return replace(fx.county(villages, households, incomes), monitored=registry)


def hp(households: int, people: int) -> dict[str, int]:
    return {"households": households, "people": people}


@pytest.fixture(scope="module")
def figures() -> dict:
    return analyse(township(), report_parameters(year=2021, poverty_line=4000, monitoring_line=LINES)).metrics["registry"]


def test_counts_in_the_year(figures: dict) -> None:
    assert (figures["line"], figures["target_line"], figures["year"], figures["target_year"]) == (6000, 6300, 2021, 2022)
    assert figures["monitored"] == hp(4, 9)  # H1, H2, E1, E3
    assert figures["identified"] == hp(6, 18)
    assert figures["newly_identified"] == hp(3, 6)  # H2, E1, E3 (E2 only in 2022)
    assert figures["eliminated"] == hp(1, 4)  # H3
    assert figures["returned"] == hp(1, 2)  # H8


def test_by_type_and_by_risk_hold_every_category(figures: dict) -> None:
    assert figures["by_type"] == {"脱贫不稳定户": hp(2, 5), "边缘易致贫户": hp(1, 3), "突发严重困难户": hp(1, 1)}
    risks = {k: v for k, v in figures["by_risk"].items() if v["households"]}
    assert risks == {"因病": hp(2, 6), "因学": hp(1, 3), "因灾": hp(1, 3), "因务工就业不稳": hp(1, 2), "其他": hp(1, 1)}
    assert len(figures["by_risk"]) == 11 and figures["by_risk"]["住房安全"] == hp(0, 0)


def test_projected_elimination_with_income_exactly_at_the_target_line(figures: dict) -> None:
    assert figures["projected_elimination"] == hp(1, 3)  # H1 at 6300 exactly
    assert figures["not_projected"] == hp(3, 6)
    reasons = {k: v for k, v in figures["reasons"].items() if v["households"]}
    assert reasons == {"income_short": hp(1, 2), "income_unknown": hp(1, 1), "water_ok": hp(1, 3)}


def test_possibly_missed_and_shaky_elimination(figures: dict) -> None:
    assert figures["possibly_missed"] == hp(3, 7)  # H3 (eliminated, 5999.99), H4 (5500), H5 (medical); not H6 (6000)
    assert figures["shaky_elimination"] == hp(1, 4)  # H3: eliminated in 2021 below M(2021)


def test_trend_from_the_first_identification_to_y(figures: dict) -> None:
    assert figures["trend"] == [{"year": 2019, **hp(2, 9)}, {"year": 2020, **hp(2, 7)}, {"year": 2021, **hp(4, 9)}]


def test_villages(figures: dict) -> None:
    v1, v2 = figures["villages"]["V1"], figures["villages"]["V2"]
    assert list(figures["villages"]) == ["V1", "V2"]
    assert (v1["monitored"], v2["monitored"]) == (hp(3, 6), hp(1, 3))
    assert (v1["possibly_missed"], v2["possibly_missed"]) == (hp(0, 0), hp(3, 7))
    assert (v1["newly_identified"], v2["newly_identified"]) == (hp(2, 3), hp(1, 3))
    assert (v1["shaky_elimination"], v2["eliminated"], v1["projected_elimination"]) == (hp(0, 0), hp(1, 4), hp(1, 3))
    assert (v1["脱贫不稳定户"], v1["突发严重困难户"], v2["边缘易致贫户"]) == (hp(2, 5), hp(1, 1), hp(1, 3))


def test_each_monitored_household_has_its_reasons() -> None:
    a = analyse(township(), report_parameters(year=2021, poverty_line=4000, monitoring_line=LINES))
    reg = a.registry_frame.set_index("household_id")
    assert reg.loc["H2", "gap"] == 1300.0 and reg.loc["H2", "reason_income_short"]
    assert reg.loc["E3", "reason_income_unknown"] and reg.loc["E1", "reason_water_ok"]
    assert reg.loc["H1", "projected_elimination"] and not reg.loc["H1", "reason_income_short"]
    assert reg.loc["E1", "size"] == 3 and reg.loc["H1", "size"] == 3
    assert a.metrics["monitoring"]["line"] == 6300  # the heuristic figures stay, at M(T)


def test_a_single_line_with_growth() -> None:
    run = report_parameters(year=2021, poverty_line=4000, monitoring_line=6000, growth=0.05)
    figures = analyse(township(), run).metrics["registry"]
    assert (figures["line"], figures["target_line"]) == (6000, 6000)
    # H2: 5000 × 1.05 = 5250, short by 750; H1 at 6300 (its own 2022 row)
    reg = analyse(township(), run).registry_frame.set_index("household_id")
    assert reg.loc["H2", "income_T"] == 5250.0 and reg.loc["H2", "gap"] == 750.0
    assert figures["projected_elimination"] == hp(1, 3)


def test_an_elimination_in_y_at_exactly_the_line_is_not_shaky() -> None:
    county = township()
    incomes = county.incomes.copy()
    incomes.loc[incomes["household_id"] == "H3", "per_capita_income"] = 6000.0
    figures = analyse(replace(county, incomes=incomes),
                      report_parameters(year=2021, poverty_line=4000, monitoring_line=LINES)).metrics["registry"]
    assert figures["shaky_elimination"] == hp(0, 0) and figures["possibly_missed"] == hp(2, 3)


def test_a_table_of_lines_without_a_year_up_to_y_is_refused_with_a_registry() -> None:
    run = report_parameters(year=2021, poverty_line=4000, monitoring_line={2022: 6300})
    with pytest.raises(ParameterError, match="监测收入线表应有2021年及以前的年度"):
        analyse(township(), run).metrics
    assert analyse(replace(township(), monitored=None), run).metrics["registry"] is None


def test_no_registry_no_figures() -> None:
    m = analyse(replace(township(), monitored=None), report_parameters(year=2021, poverty_line=4000)).metrics
    assert m["registry"] is None


def test_the_monitoring_line_is_written_as_the_lines_by_year_are() -> None:
    run = report_parameters(year=2021, poverty_line=4000, monitoring_line="2022：6300，2021:6000")
    assert run.monitoring_line == {2021: 6000.0, 2022: 6300.0}
    assert analyse(township(), run).metrics["registry"]["target_line"] == 6300


# ---------------------------------------------------------------- the report's words, table and chart

@pytest.fixture(scope="module")
def report_metrics_2021() -> dict:
    return analyse(township(), report_parameters(year=2021, poverty_line=4000, monitoring_line=LINES)).metrics


def test_the_section_is_written_from_the_registry(report_metrics_2021: dict) -> None:
    from fupin.report import narrative

    m = report_metrics_2021
    assert narrative.monitoring_title(m) == "防返贫监测"
    text = narrative.registry_summary(m)
    assert text.startswith("2021年底，全镇共有监测对象4户9人，其中脱贫不稳定户2户5人、边缘易致贫户1户3人、突发严重困难户1户1人；"
                           "2021年内新识别监测对象3户6人，风险消除1户4人，返贫1户2人。")
    assert "监测对象的主要风险（一户可有多项）为因病（2户6人）、因学（1户3人）、因灾（1户3人）。" in text
    assert "防返贫监测收入线2021年为6,000元/人·年、2022年为6,300元/人·年。" in text
    assert ("2022年预计可消除风险的1户3人；其余3户6人中，收入低于监测收入线6,300元的1户2人，收入情况不明的1户1人，"
            "饮水安全保障未落实的1户3人。") in text
    assert "可能应纳未纳的已脱贫户3户7人、2021年风险消除不稳的1户4人" in text


def test_the_types_are_named_in_the_contracts_order_however_the_metrics_order_them(report_metrics_2021: dict) -> None:
    import json

    from fupin.report import narrative

    m = report_metrics_2021
    read_back = json.loads(json.dumps(m, ensure_ascii=False, sort_keys=True))  # 突发… sorts before 脱贫…
    assert narrative.registry_summary(read_back) == narrative.registry_summary(m)
    assert "其中脱贫不稳定户2户5人、边缘易致贫户1户3人、突发严重困难户1户1人；" in narrative.registry_summary(read_back)


def test_problems_name_possibly_missed_and_shaky_eliminations_with_next_steps(report_metrics_2021: dict) -> None:
    from fupin.report import narrative

    items = {code: (text, action) for code, text, action in narrative.problem_items(report_metrics_2021)}
    text, action = items["possibly_missed"]
    assert "全镇有3户7人已脱贫户未在监测" in text and "低于监测收入线6,000元" in text and "（村V2）" in text
    assert "应纳尽纳" in action
    text, action = items["shaky_elimination"]
    assert "有1户4人当年人均纯收入低于监测收入线6,000元" in text and "恢复监测" in action


def test_without_a_registry_the_heuristic_section_is_named_for_what_it_is(report_metrics_2021: dict) -> None:
    from fupin.report import narrative, tables

    m = {**report_metrics_2021, "registry": None}
    assert narrative.monitoring_title(m) == "收入监测预警"
    assert narrative.registry_summary(m) == "" and tables.registry_by_village(m).empty
    assert not {"possibly_missed", "shaky_elimination"} & {c for c, _, _ in narrative.problem_items(m)}


def test_table_by_type_and_village(report_metrics_2021: dict) -> None:
    from fupin.report import tables

    table = tables.registry_by_village(report_metrics_2021)
    assert table.columns.tolist() == ["村", "监测对象", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "年内新识别",
                                      "年内风险消除", "预计消除风险", "应纳未纳"]
    assert table.values.tolist() == [
        ["村V1", "3户6人", "2户5人", "—", "1户1人", "2户3人", "—", "1户3人", "—"],
        ["村V2", "1户3人", "—", "1户3人", "—", "1户3人", "1户4人", "—", "3户7人"],
        ["合计", "4户9人", "2户5人", "1户3人", "1户1人", "3户6人", "1户4人", "1户3人", "3户7人"],
    ]


def test_trend_chart(report_metrics_2021: dict) -> None:
    from fupin.report import charts

    fig = charts.registry_trend_chart(report_metrics_2021)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"2户", "9人", "7人", "4户"} <= texts
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2019年", "2020年", "2021年"]


# ---------------------------------------------------------------- the Word documents and the county table

def _word(document) -> tuple[list[str], list[str], list[str], list[list[list[str]]], int]:
    """A document as a reader of the file sees it: its Heading 2, Normal, table and figure captions, tables, pictures."""
    import io

    import docx

    from fupin.report.word import document_bytes

    doc = docx.Document(io.BytesIO(document_bytes(document)))

    def styled(style: str) -> list[str]:
        return [p.text for p in doc.paragraphs if p.style.name == style]

    tables = [[[c.text.replace("\n", "") for c in row.cells] for row in t.rows] for t in doc.tables]
    return styled("Heading 2"), styled("Normal"), styled("Caption") + styled("图题"), tables, len(doc.inline_shapes)


REGISTRY_TABLE = [
    ["村", "监测对象", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "年内新识别", "年内风险消除", "预计消除风险", "应纳未纳"],
    ["村V1", "3户6人", "2户5人", "—", "1户1人", "2户3人", "—", "1户3人", "—"],
    ["村V2", "1户3人", "—", "1户3人", "—", "1户3人", "1户4人", "—", "3户7人"],
    ["合计", "4户9人", "2户5人", "1户3人", "1户1人", "3户6人", "1户4人", "1户3人", "3户7人"],
]


def test_the_township_word_document_carries_the_registry_in_the_reports_words(report_metrics_2021: dict) -> None:
    import datetime as dt

    from fupin.report import narrative
    from fupin.report.word import township_document

    m = report_metrics_2021
    headings, body, captions, tables, pictures = _word(township_document(m, day=dt.date(2022, 1, 15)))
    assert headings[-4:] == ["（一）脱贫退出预测", "（二）收入分组与贫困发生率", "（三）防返贫监测", "（四）数据说明"]
    # the Word document writes amounts as 公文 do (6000元, not 6,000元): the same words otherwise
    assert gongwen_amounts(narrative.registry_summary(m)) in body
    assert narrative.registry_summary(m).startswith("2021年底，全镇共有监测对象4户9人")
    # the HTML's table by village, in two halves that fit the page unbroken
    assert [row[:5] for row in REGISTRY_TABLE] in tables and [row[:1] + row[5:] for row in REGISTRY_TABLE] in tables
    assert ["表2　监测对象分村分类别统计（年底风险未消除的户）", "表3　各村监测对象识别、风险消除与应纳未纳"] == [
        c for c in captions if c.startswith(("表2", "表3"))]
    assert captions[-1] == "图4　监测对象变化" and pictures == 4
    # without the registry, the heuristic's document as before: three sections, three charts
    headings, body, captions, tables, pictures = _word(township_document({**m, "registry": None}, day=dt.date(2022, 1, 15)))
    assert headings[-3:] == ["（一）脱贫退出预测", "（二）收入分组与贫困发生率", "（三）数据说明"]
    assert pictures == 3 and [row[:5] for row in REGISTRY_TABLE] not in tables and "防返贫监测" not in headings
    assert not any("监测对象" in text for text in body + captions)


def test_the_county_word_document_carries_the_registry_by_township(report_metrics_2021: dict) -> None:
    import datetime as dt

    from fupin.report import narrative
    from fupin.report.word import county_charts, county_document

    m = {**report_metrics_2021, "township_name": "城关镇"}
    summary = {**report_metrics_2021, "township_id": "county", "county_name": "测试县"}
    doc = county_document("测试县", summary, [m], day=dt.date(2022, 1, 15), charts=county_charts(summary))
    headings, body, captions, tables, pictures = _word(doc)
    assert headings[-2:] == ["（三）防返贫监测", "（四）数据说明"]
    assert gongwen_amounts(narrative.registry_summary(summary)) in body
    assert narrative.registry_summary(summary).startswith("2021年底，全县共有监测对象4户9人")
    assert [["乡镇", "应纳未纳", "风险消除不稳", "监测对象", "预计消除风险", "年内新识别"],
            ["城关镇", "3户7人", "1户4人", "4户9人", "1户3人", "3户6人"]] in tables
    assert "表2　各乡镇防返贫监测情况（按可能应纳未纳的户数排列）" in captions
    assert captions[-1] == "图4　监测对象变化" and pictures == 4
    plain = {**summary, "registry": None}
    assert set(county_charts(plain)) == {"income_band_chart", "incidence_trend_chart"}
    headings, body, captions, tables, pictures = _word(county_document(
        "测试县", plain, [{**m, "registry": None}], day=dt.date(2022, 1, 15), charts=county_charts(plain)))
    assert headings[-3:] == ["（一）各乡镇脱贫退出情况", "（二）收入分组与贫困发生率", "（三）数据说明"]
    assert pictures == 3 and not any("监测对象" in text for text in body + captions)


def test_the_data_notes_give_the_registrys_lines_of_both_years(report_metrics_2021: dict) -> None:
    from fupin.report import brief

    m = report_metrics_2021
    notes = dict(brief.data_notes(m))
    assert notes["防返贫监测收入线"] == "2021年6,000元/人·年；2022年6,300元/人·年"
    assert "收入监测预警收入线" not in notes  # the income warning takes 2022's line, 6,300
    other = dict(brief.data_notes({**m, "monitoring": {**m["monitoring"], "line": 6500.5}}))
    assert other["收入监测预警收入线"] == "6,500.50元/人·年"
    plain = dict(brief.data_notes({**m, "registry": None}))
    assert plain["防返贫监测收入线"] == "6,300元/人·年"


def test_the_county_tables_monitoring_column_counts_the_registry_when_there_is_one(report_metrics_2021: dict) -> None:
    from fupin.core.formats import fmt_hh_people
    from fupin.report.county_table import HEADERS, headers, township_row

    m = {**report_metrics_2021, "township_name": "城关镇"}
    column = HEADERS.index("防返贫监测户")
    heuristic = fmt_hh_people(m["monitoring"]["monitored"])
    assert heuristic != "4户9人"  # the two counts differ here: the column shows the one it is named for
    assert headers(m)[column] == "监测对象" and township_row(m)[column]["label"] == "4户9人"
    plain = {**m, "registry": None}
    assert headers(plain) == HEADERS and township_row(plain)[column]["label"] == heuristic


# ---------------------------------------------------------------- the cadres' working lists

def test_the_follow_up_workbook_gains_the_registry_sheets_masked(tmp_path) -> None:
    from openpyxl import load_workbook

    from fupin.report import headline, workbook

    county = township()
    households = county.households.assign(head_name=pd.array(
        ["张三丰", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"], dtype="string"))
    a = analyse(replace(county, households=households),
                report_parameters(year=2021, poverty_line=4000, monitoring_line=LINES))
    path = workbook.write_analysis(a, tmp_path / "follow_up.xlsx")
    book = load_workbook(path, read_only=True)
    # the income warning's sheet named for what it is, beside the registry's 监测对象
    assert book.sheetnames == ["未脱贫户", "收入监测预警", "受阻贫困村", "存在问题", "监测对象", "应纳未纳", "风险消除不稳",
                               "说明"]
    about = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True) if r and r[0]}
    assert about["收入监测预警"].endswith("户：已脱贫户中2022年收入低于监测线或较脱贫当年明显下降的户") and "监测户" not in about

    def rows(name: str) -> list[dict]:
        values = [r for r in book[name].iter_rows(values_only=True)]
        header = next(i for i, r in enumerate(values) if r and r[0] == "户编号")
        return [dict(zip(values[header], r)) for r in values[header + 1:]]

    watched = rows("监测对象")
    assert [r["户编号"] for r in watched] == ["E3", "H1", "H2", "E1"]  # by village, then household
    h2 = watched[2]
    assert (h2["户主（已脱敏）"], h2["距监测收入线差额（元）"], h2["预计2022年风险消除"], h2["未能消除风险的原因"]) == (
        "李*", 1300, "否", "收入差1,300元")
    assert watched[3]["饮水安全"] == "未保障" and watched[3]["户主（已脱敏）"] is None
    assert all(k in h2 and h2[k] is None for k in ("帮扶措施", "完成情况"))
    missed = rows("应纳未纳")
    assert [(r["户编号"], r["户主（已脱敏）"], r["应纳入监测的原因"]) for r in missed] == [
        ("H3", "王*", "收入差0.01元"), ("H4", "赵*", "收入差500元"), ("H5", "钱*", "基本医疗未保障")]
    assert missed[0]["风险消除年度（曾纳入监测的）"] == 2021
    [shaky] = rows("风险消除不稳")
    assert (shaky["户编号"], shaky["风险消除年度"], shaky["2021年人均纯收入（元）"]) == ("H3", 2021, 5999.99)
    text = "\n".join(str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c)
    assert "张三丰" not in text and "李四" not in text
    lists = dict(headline.follow_up_lists(a.metrics))
    assert lists["应纳未纳"] == "3户7人" and "收入监测预警" in lists and "监测户" not in lists


def test_the_county_page_sums_the_registry_and_ranks_townships_by_possibly_missed(tmp_path) -> None:
    import json
    import re

    import fixtures_data as fd
    from fupin.batch.county_page import write_county_page
    from fupin.batch.jobs import TownshipResult
    from fupin.figures.analysis import analyse
    from fupin.figures.parameters import report_parameters
    from fupin.io.loading import load

    tables = fd.county_tables(registry=True)
    tables["monitored"][0].update(identified_year=2017, risk_eliminated="是", eliminated_year="2018-06-30")
    county = load(fd.write_csv_folder(tmp_path / "data", tables))
    params = report_parameters(year=2018, monitoring_line=5250)
    out = tmp_path / "out"
    results = []
    for tid, name in (("001", "城关镇"), ("002", "河口乡")):
        m = analyse(county.area(tid), params).metrics
        (out / tid).mkdir(parents=True)
        (out / tid / "metrics.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
        results.append(TownshipResult(tid, name, True, 1.0))
    write_county_page(out, county, params, results)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # both eliminated in 2018 below 5250: 00010001 (4800, 3 people) and E0001 (5000, 2 people); 00010001 exited
    assert summary["registry"]["monitored"] == {"households": 0, "people": 0}
    assert summary["registry"]["shaky_elimination"] == {"households": 2, "people": 5}
    assert summary["registry"]["possibly_missed"] == {"households": 1, "people": 3}
    html = (out / "index.html").read_text(encoding="utf-8")
    section = html[html.index('<h2 id="registry">'):html.index("</table>", html.index('<h2 id="registry">'))]
    assert "2018年底，全县没有风险未消除的监测对象" in section and "风险消除2户5人" in section
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", section)]
    assert cells == ["城关镇", "1户3人", "2户5人", "0户0人", "0户0人", "0户0人",
                     "河口乡", "0户0人", "0户0人", "0户0人", "0户0人", "0户0人"]
    assert "防返贫监测存在应纳未纳风险" in html  # the county's 存在问题
    table = html[:html.index('<h2 id="registry">')]  # the townships' table counts the registry's 监测对象
    assert 'data-col="10">监测对象</th>' in table and "防返贫监测户" not in table


def test_an_area_whose_registry_is_empty_says_so() -> None:
    from fupin.report import charts, narrative, tables

    county = township()
    run = report_parameters(year=2021, poverty_line=4000, monitoring_line=LINES)
    m = analyse(replace(county, monitored=county.monitored.iloc[0:0]), run).metrics
    reg = m["registry"]
    assert reg["monitored"] == hp(0, 0) and reg["trend"] == [] and reg["by_type"]["边缘易致贫户"] == hp(0, 0)
    assert reg["possibly_missed"] == hp(4, 9)  # H2 (5000) now too; not H1, whose income of 2021 is unknown
    text = narrative.registry_summary(m)
    assert text.startswith("2021年底，全镇没有风险未消除的监测对象；2021年内没有新识别监测对象，没有风险消除的监测对象，返贫1户2人。")
    assert "可能应纳未纳的已脱贫户4户9人" in text
    assert tables.registry_by_village(m)[["村", "监测对象", "应纳未纳"]].values.tolist() == [
        ["村V1", "—", "1户2人"], ["村V2", "—", "3户7人"], ["合计", "—", "4户9人"]]
    assert "无监测对象" in {t.get_text() for t in charts.registry_trend_chart(m).axes[0].texts}


def test_the_lists_carry_incomes_forward_with_the_growth_as_the_figures_do() -> None:
    county = township()
    incomes = county.incomes[county.incomes["household_id"] != "H4"]
    incomes = pd.concat([incomes, fx.incomes({"household_id": "H4", "year": 2020, "per_capita_income": 5000.0})])
    run = report_parameters(year=2021, poverty_line=4000, monitoring_line=6000, growth=0.1)
    a = analyse(replace(county, incomes=incomes), run)
    missed = a.registry_households["possibly_missed"].set_index("household_id")
    assert (missed.loc["H4", "income_Y"], missed.loc["H4", "gap"]) == (5500.0, 500.0)  # 5000 × 1.1
