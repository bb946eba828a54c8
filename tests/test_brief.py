"""fupin.report.brief and the words of the 汇报: number agreement, the area's own 镇/乡, no dangling 另有,
one way per amount and per rate, measures only for problems found. Hand-made metrics of a few keys."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.report import brief, headline as report, narrative

NAMES = {"1": "东村", "2": "西村", "3": "南村"}


def area(name: str = "河口乡", **extra) -> dict:
    return {"township_id": "001", "township_name": name, "year": 2018, "target_year": 2019,
            "parameters": {"village_threshold": 0.02},
            "villages_table": [{"village_id": k, "village_name": v} for k, v in NAMES.items()], **extra}


def blocked(ids: list[str], codes: list[str], below: list[str] | None = None) -> dict:
    return {"projection": {"villages_blocked": {i: codes for i in ids},
                           "villages_below_threshold": below if below is not None else ids}}


@pytest.mark.parametrize(("ids", "judgement", "which", "action"), [
    (["1"], "个别贫困村脱贫任务仍然较重。", "未出列贫困村东村2019年", "该村"),
    (["1", "2"], "部分贫困村脱贫任务仍然较重。", "未出列贫困村中有2个村（东村、西村）2019年", "这些村"),
    (["1", "2", "3"], "部分贫困村脱贫任务仍然较重。", "未出列贫困村中有3个村（东村、西村、南村）2019年", "这些村"),
])
def test_one_two_and_many_villages_agree_in_number(ids, judgement, which, action):
    [(code, text, todo)] = narrative.problem_items(area(**blocked(ids, ["incidence"], below=[])))
    assert code == "villages_high_incidence"
    assert text == f"{judgement}{which}贫困发生率预计仍在2%以上。"
    assert todo == f"集中力量帮扶{action}的未脱贫户，逐户落实增收措施。"


@pytest.mark.parametrize(("ids", "below", "text"), [
    (["1"], ["1"], "个别贫困村出列条件未达标。2019年全乡东村贫困发生率预计降到2%以下，但未通硬化路，暂不具备出列条件。"),
    (["1"], ["1", "2"], "个别贫困村出列条件未达标。2019年全乡有2个贫困村贫困发生率预计降到2%以下，"
                        "但其中东村未通硬化路，暂不具备出列条件。"),
    (["1", "2"], ["1", "2"], "部分贫困村出列条件未达标。2019年全乡有2个贫困村（东村、西村）贫困发生率预计降到2%以下，"
                             "但这些村未通硬化路，暂不具备出列条件。"),
])
def test_villages_short_of_a_condition_in_the_singular_and_plural(ids, below, text):
    [(_, found, _)] = narrative.problem_items(area(**blocked(ids, ["road_ok"], below=below)))
    assert found == text


@pytest.mark.parametrize(("name", "whole"), [("城关镇", "全镇"), ("河口乡", "全乡")])
def test_the_area_is_named_by_its_own_kind(name, whole):
    m = area(name, unsafe_houses_outside_program={"households": 3, "people": 7})
    assert brief.problem_points(m) == [f"一是危房改造尚有缺口。{whole}尚有3户贫困户的危房没有纳入危房改造。"]
    assert brief.lead_in(m).startswith(f"根据{whole}建档立卡数据，现将{name}")
    assert "全乡镇" not in "".join([*brief.problem_points(m), brief.lead_in(m), brief.closing(m)])


def test_no_dangling_another_when_no_village_exits():
    m = area(remaining={"households": 5, "people": 9}, incidence=0.05,
             projection={"exits": {"households": 0, "people": 0}, "remaining": {"households": 5, "people": 9},
                         "incidence": 0.05, "villages_exiting": [], "villages_blocked": {"1": ["incidence"]}})
    text = narrative.exit_outlook({**m, "parameters": {"poverty_line": 3500}})
    assert "另有" not in text
    assert text.endswith("贫困发生率由5%预计降至5%；1个贫困村暂不具备出列条件。")


def test_one_way_per_amount_and_rates_with_the_decimals_they_need():
    m = area(collective_economy={"line": 50000, "weak_villages": ["1"], "weak": {"poor": 1}, "unknown": 0},
             industry_coverage={"below": True, "below_villages": ["2"], "share": 0.89, "line": 0.8,
                                "known": {"households": 100, "people": 200}, "covered": {"households": 89, "people": 170}})
    collective, industry = narrative.problems(m)
    assert collective == "乡村集体经济较弱。东村的集体经济收入低于5万元，为贫困村。"  # one village: no 全乡有1个村
    assert industry == ("脱贫产业支撑不足，产业覆盖不够全面。全乡未脱贫户产业帮扶覆盖率为89%（89户/100户），"
                        "西村覆盖率低于80%。")
    depth = narrative.depth_summary(area(depth={"poverty_line": 3500, "population": 28600, "fgt0": 0.0125,
                                                "poor": {"households": 163, "people": 358}, "income_gap": 313737,
                                                "fgt1": 0.003, "fgt2": 0.001, "watts": 0.004}))
    assert "需要资金约31.37万元" in depth and "313,737" not in depth and "31.4万元" not in depth
    assert "占户籍人口的1.25%" in depth


def test_measures_follow_the_problems_found_and_only_those():
    m = area(unsafe_houses_outside_program={"households": 3, "people": 7}, **blocked(["1"], ["incidence"], below=[]))
    assert brief.measure_headings(m) == ["（一）推进贫困村按期出列", "（二）保障住房安全"]
    assert [text for _, text in brief.measures(m)] == [
        "针对个别贫困村脱贫任务仍然较重的问题，集中力量帮扶该村的未脱贫户，逐户落实增收措施。",
        "针对危房改造尚有缺口的问题，尽快将危房未纳入改造的贫困户纳入危房改造计划，落实改造资金。",
    ]
    quiet = area()
    assert brief.measures(quiet) == [] and brief.problem_points(quiet) == []
    assert brief.closing(quiet) == "以上情况，特此汇报。"


def test_the_follow_up_list_count_reads_against_the_headline():
    m = area(remaining={"households": 415, "people": 924},
             projection={"remaining": {"households": 163, "people": 358}, "exits": {"households": 252, "people": 566}})
    name, count = report.follow_up_lists(m)[0]
    assert name == "未脱贫户" and count.startswith("163户358人：2019年预计仍未脱贫的户")
    assert "2018年底未脱贫415户924人，其中252户566人2019年拟脱贫" in count  # the headline's 415户924人, explained


def test_signature_and_date_in_the_official_form():
    assert brief.office(area("城关镇")) == "城关镇人民政府"
    assert brief.date_text(dt.date(2019, 1, 15)) == "二〇一九年一月十五日"
    assert brief.date_text(dt.date(2021, 12, 31)) == "二〇二一年十二月三十一日"
