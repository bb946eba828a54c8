"""fupin.report.narrative: the generated Chinese text, exact strings.

Every metrics dict is the library's own (conftest.py ``report_metrics``), computed on
the seed's township (metrics_fixtures.report_county) or on a change of it; the
expected texts are written out by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import pytest

from fupin.report import narrative
from fupin.core.county import County

REFERENCE_PARAGRAPH = (
    "城关镇下辖20个行政村，共有贫困村5个，无深度贫困村，全镇建档立卡贫困人口820户1,872人，帮扶干部共计150人。"
    "2018年底，已出列贫困村1个，未出列贫困村4个；已脱贫人口405户948人，未脱贫人口415户924人，"
    "贫困发生率为3.23%。"
    "2019年，拟出列贫困村1个；拟脱贫人口252户566人，贫困发生率预计下降为1.25%。"
    "2019年贫困户收入预计在3,500元以下的163户358人；3,500元—4,000元的预计有252户566人；"
    "4,000元以上的预计有405户948人。"
)
POOR = ["V01", "V02", "V03", "V04", "V05"]


def _villages(c: County, **columns: object) -> County:
    return replace(c, villages=c.villages.assign(**columns))


def _households(c: County, **columns: object) -> County:
    return replace(c, households=c.households.assign(**columns))


def _in(c: County, table: str, ids: list[str]) -> pd.Series:
    frame = getattr(c, table)
    key = "village_id" if table == "villages" else "household_id"
    return frame[key].isin(ids).to_numpy()


def _all_exited(c: County) -> County:
    """Every household exited by 2018 on 4200 yuan, every poor village exited in 2017,
    no guarantee gap, no unsafe house."""
    hh = c.households
    c = _households(
        c, exit_year=pd.array(hh["registered_year"] + 2, dtype="Int64"),
        medical_ok=True, housing_ok=True, house_risk_grade=pd.array([None] * len(hh), dtype="string"),
    )
    c = replace(c, incomes=c.incomes.assign(per_capita_income=4200.0))
    return _villages(c, village_exit_year=pd.array(
        [2017 if v in POOR else None for v in c.villages["village_id"]], dtype="Int64"))


def _poor_villages_exited(c: County) -> County:
    return _villages(c, village_exit_year=pd.array(
        [2017 if v in POOR else None for v in c.villages["village_id"]], dtype="Int64"))


def test_reference_paragraph(report_metrics) -> None:
    assert narrative.basic_situation(report_metrics()) == REFERENCE_PARAGRAPH


def test_deep_poor_villages(report_metrics) -> None:
    m = report_metrics(lambda c: _villages(c, is_deep_poor_village=_in(c, "villages", ["V03", "V04"])))
    assert narrative.basic_situation(m).startswith(
        "城关镇下辖20个行政村，共有贫困村5个，有深度贫困村2个，全镇建档立卡")


def test_no_poor_villages(report_metrics) -> None:
    m = report_metrics(lambda c: _villages(c, is_poor_village=False,
                                           village_exit_year=pd.array([None] * 20, dtype="Int64")))
    text = narrative.basic_situation(m)
    assert text.startswith("城关镇下辖20个行政村，无贫困村，全镇建档立卡贫困人口820户1,872人，帮扶干部共计150人。")
    assert "2018年底，已脱贫人口405户948人，未脱贫人口415户924人，贫困发生率为3.23%。" in text
    assert "2019年，拟脱贫人口252户566人，贫困发生率预计下降为1.25%。" in text
    assert "贫困村" not in text.replace("无贫困村", "")


def test_zero_remaining(report_metrics) -> None:
    m = report_metrics(_all_exited)
    assert narrative.basic_situation(m) == (
        "城关镇下辖20个行政村，共有贫困村5个，无深度贫困村，全镇建档立卡贫困人口820户1,872人，帮扶干部共计150人。"
        "2018年底，5个贫困村已全部出列；已脱贫人口820户1,872人，未脱贫人口已清零，贫困发生率为0%。"
        "2019年贫困户收入预计在3,500元以下的0户0人；3,500元—4,000元的预计有0户0人；"
        "4,000元以上的预计有820户1,872人。"
    )
    assert narrative.exit_outlook(m) == "2018年底全镇建档立卡贫困人口已全部脱贫，2019年无待脱贫人口。"


def test_people_remain_but_villages_all_exited(report_metrics) -> None:
    text = narrative.basic_situation(report_metrics(_poor_villages_exited))
    assert "2018年底，5个贫困村已全部出列；已脱贫人口405户948人，" in text
    assert "2019年，拟脱贫人口252户566人，贫困发生率预计下降为1.25%。" in text


def test_no_projected_exits(report_metrics) -> None:
    # the 252 households on 3800 yuan earn 3000 instead: nobody reaches the line; and
    # V02, below 2% already, has no hardened road
    def edit(c: County) -> County:
        c = _villages(c, road_ok=~_in(c, "villages", ["V02"]))
        return replace(c, incomes=c.incomes.assign(
            per_capita_income=c.incomes["per_capita_income"].replace(3800.0, 3000.0)))
    m = report_metrics(edit)
    assert "2019年，暂无拟出列贫困村；暂无拟脱贫人口，贫困发生率预计为3.23%。" in narrative.basic_situation(m)


#: Exited households without any income row: 3 of three people and 7 of two (10 households, 23 people).
NO_INCOME = ["H0000", "H0001", "H0002", *(f"H{i:04d}" for i in range(138, 145))]


def test_unknown_income_band(report_metrics) -> None:
    m = report_metrics(lambda c: replace(c, incomes=c.incomes[~c.incomes["household_id"].isin(NO_INCOME)]))
    assert narrative.basic_situation(m).endswith("4,000元以上的预计有395户925人；收入情况不明的10户23人。")


def test_arbitrary_band_edges(report_metrics) -> None:
    # incomes are 3000 (163 households, 358 people), 3800 (252/566) and 4200 (405/948)
    assert narrative.basic_situation(report_metrics(bands=[3000, 3500, 4500])).endswith(
        "2019年贫困户收入预计在3,000元以下的0户0人；3,000元—3,500元的预计有163户358人；"
        "3,500元—4,500元的预计有657户1,514人；4,500元以上的预计有0户0人。"
    )
    assert narrative.basic_situation(report_metrics(bands=[3500])).endswith(
        "2019年贫困户收入预计在3,500元以下的163户358人；3,500元以上的预计有657户1,514人。"
    )


def test_no_cadres(report_metrics) -> None:
    m = report_metrics(lambda c: _households(c, cadre_id=pd.array([None] * 820, dtype="string")))
    assert m["cadres"] == 0
    text = narrative.basic_situation(m)
    assert "全镇建档立卡贫困人口820户1,872人，暂无帮扶干部记录。" in text
    assert "帮扶干部共计" not in text


@pytest.mark.parametrize(
    ("township", "name", "whole"),
    [(True, "城关镇", "全镇"), (True, "河口乡", "全乡"), (True, "东城街道", "全街道"),
     (True, "巴彦苏木", "全乡镇"), (False, "示例县", "全县"), (False, "城北区", "全区")],
)
def test_whole_area_words(report_metrics, township: bool, name: str, whole: str) -> None:
    column = "township_name" if township else "county_name"
    m = report_metrics(lambda c: _villages(c, **{column: name}), township_id=None if township else "county")
    assert (m["township_id"], m["township_name"]) == ("001" if township else "county", name)
    assert narrative.whole_area(m) == whole
    text = narrative.basic_situation(m)
    assert text.startswith(f"{name}下辖20个行政村，")
    assert f"{whole}建档立卡贫困人口820户1,872人" in text


def test_county_summary_named_after_the_county(report_metrics) -> None:
    m = report_metrics(township_id="county")
    assert narrative.area_name(m) == "示例县"
    assert narrative.problems(m)[0] == "危房改造尚有缺口。全县尚有20户贫困户的危房没有纳入危房改造。"


def test_reference_problems(report_metrics) -> None:
    assert narrative.problems(report_metrics()) == [
        "危房改造尚有缺口。全镇尚有20户贫困户的危房没有纳入危房改造。",
        "部分贫困村出列条件未达标。2019年全镇有3个贫困村贫困发生率预计降到2%以下，但其中2个村（马家岭村、高家洼村）"
        "村级活动场所未达标，暂不具备出列条件。",
        "个别贫困村脱贫任务仍然较重。未出列贫困村刘家峁村2019年贫困发生率预计仍在2%以上。",
        "基本医疗保障不够到位，涉及未脱贫户3户7人。",
        "住房安全仍有隐患，住房安全尚无保障的未脱贫户还有8户19人。",
    ]
    actions = [action for _, _, action in narrative.problem_items(report_metrics())]
    assert actions[2] == "集中力量帮扶该村的未脱贫户，逐户落实增收措施。"  # one village: 该村


def _mixed(c: County) -> County:
    """V03 lacks venue and road, V04 the road; no unsafe house; H0661 (3 people) and
    H0696-H0698 (2 each) have no income row; H0662 (3) and H0699 (2) lack safe water."""
    unknown = ["H0661", "H0696", "H0697", "H0698"]
    c = _villages(c, venue_ok=~_in(c, "villages", ["V03"]), road_ok=~_in(c, "villages", ["V03", "V04"]))
    c = _households(c, house_risk_grade=pd.array([None] * 820, dtype="string"),
                    water_ok=~_in(c, "households", ["H0662", "H0699"]))
    return replace(c, incomes=c.incomes[~c.incomes["household_id"].isin(unknown)])


def test_problems_mixed_blockers_unknown_income_and_warnings(report_metrics) -> None:
    # V = 3%: V02 (9 of 1,000 people), V03 (15) and V04 (18) fall below it, V05 (36) does not
    # the projection_income_unknown warning repeats the income-unknown item: said once
    items = narrative.problem_items(report_metrics(_mixed, village_threshold=0.03))
    assert [text for _, text, _ in items] == [
        "部分贫困村出列条件未达标。2019年全镇有3个贫困村贫困发生率预计降到3%以下，"
        "但其中马家岭村（村级活动场所未达标、未通硬化路）；高家洼村（未通硬化路），暂不具备出列条件。",
        "个别贫困村脱贫任务仍然较重。未出列贫困村刘家峁村2019年贫困发生率预计仍在3%以上。",
        "部分贫困户收入底数不清。全镇有4户9人2019年收入情况不明，无法预测能否脱贫。",
        "基本医疗保障不够到位，涉及未脱贫户3户7人。",
        "住房安全仍有隐患，住房安全尚无保障的未脱贫户还有8户19人。",
        "饮水安全尚未全面达标。未脱贫户中仍有2户5人饮水安全未保障。",
    ]
    assert all(action for _, _, action in items)


def _unknown_and_no_cadre(c: County) -> County:
    """H0700-H0709 (2 people each, remaining) have no income row; H0710-H0728 (19 households,
    remaining) no cadre."""
    ids = c.households["household_id"]
    no_cadre = ids.isin([f"H{i:04d}" for i in range(710, 729)]).to_numpy()
    c = _households(c, cadre_id=c.households["cadre_id"].mask(no_cadre))
    return replace(c, incomes=c.incomes[~c.incomes["household_id"].isin([f"H{i:04d}" for i in range(700, 710)])])


def test_problems_each_once_without_codes_and_with_what_to_do(report_metrics) -> None:
    """The library's warnings that repeat an item (income unknown) are left out; ids never reach the text."""
    m = report_metrics(_unknown_and_no_cadre)
    assert {w["code"] for w in m["warnings"]} >= {"projection_income_unknown", "no_cadre"}
    items = narrative.problem_items(m)
    texts = [text for _, text, _ in items]
    assert sum("收入情况不明" in t or "没有2019年及以前的收入记录" in t for t in texts) == 1
    assert "部分贫困户收入底数不清。全镇有10户20人2019年收入情况不明，无法预测能否脱贫。" in texts
    assert texts.count("帮扶责任未全覆盖。19户未脱贫户没有帮扶责任人。") == 1
    assert all(action for _, _, action in items)
    joined = "".join(narrative.problems(m))
    assert not re.search(r"H\d{4}", joined)
    assert items[-1][1:] == ("帮扶责任未全覆盖。19户未脱贫户没有帮扶责任人。", "为这些户落实帮扶责任人。")


def test_every_warning_code_has_words_and_an_action() -> None:
    from fupin.figures.checks import WARNING_CODES

    assert set(WARNING_CODES) <= set(narrative.WARNING_PROBLEMS) and set(WARNING_CODES) <= set(narrative.ACTIONS)


def test_no_problems(report_metrics) -> None:
    assert narrative.problems(report_metrics(_all_exited)) == []


def test_exit_outlook(report_metrics) -> None:
    assert narrative.exit_outlook(report_metrics()) == (
        "按人均纯收入3,500元的标准和“两不愁三保障”及饮水安全要求测算，2019年全镇拟脱贫人口252户566人，"
        "仍未脱贫163户358人，贫困发生率由3.23%预计降至1.25%；拟出列贫困村1个（王家坪村），"
        "另有3个贫困村暂不具备出列条件。"
    )


def test_text_never_shows_personal_fields(report_metrics) -> None:
    # every head of household is 王小明 with ID number 110101199003071234 (metrics_fixtures)
    m = report_metrics()
    text = narrative.basic_situation(m) + "".join(narrative.problems(m)) + narrative.exit_outlook(m)
    assert "王小明" not in text and "110101" not in text and "李四" not in text




# ------------------------------------------------------------------ a village name two townships share


def _county_sharing_a_name(name: str) -> dict:
    """The county of four townships (metrics_fixtures.report_county_of_four), 河口乡's one village
    renamed ``name``: the county's metrics for 2018."""
    import fupin
    import metrics_fixtures as fx

    c = fx.report_county_of_four()
    names = c.villages["village_name"].where(c.villages["village_id"] != "K01", name)
    return fupin.analyse(_villages(c, village_name=names).area(None), year=2018).metrics


def test_a_county_names_a_village_with_its_township_where_two_townships_share_the_name():
    m = _county_sharing_a_name("马家岭村")  # also a blocked poor village of 城关镇
    assert {v["village_id"]: v["township_name"] for v in m["villages_table"]}["K01"] == "河口乡"
    names = narrative.village_names(m)
    assert (names["V03"], names["K01"], names["V04"], names["S01"]) == ("城关镇马家岭村", "河口乡马家岭村", "高家洼村", "村S01")
    problems = narrative.problems(m)
    assert "全县有3个村（村B01、河口乡马家岭村、村S01）未填报村集体经济收入" in problems[0]
    assert "其中2个村（城关镇马家岭村、高家洼村）村级活动场所未达标" in problems[2]
    from fupin.report import tables

    assert list(tables.poor_villages(m)["贫困村"])[:3] == ["李家沟村", "王家坪村", "城关镇马家岭村"]


def test_a_name_no_other_township_has_is_left_as_it_is():
    import metrics_fixtures as fx

    m = _county_sharing_a_name("清水村")
    assert narrative.village_names(m) == {v["village_id"]: v["village_name"] for v in m["villages_table"]}
    assert narrative.village_names(m)["K01"] == "清水村"
    # two villages of one township under one name: the township's name would not tell them apart
    one = {"villages_table": [{"village_id": "1", "village_name": "东垭村", "township_name": "城关镇"},
                              {"village_id": "2", "village_name": "东垭村", "township_name": "城关镇"}]}
    assert narrative.village_names(one) == {"1": "东垭村", "2": "东垭村"}
    # a township's own report holds its own villages only: none is qualified
    town = [v for v in _county_sharing_a_name("马家岭村")["villages_table"] if v["township_name"] == "城关镇"]
    assert sorted(narrative.village_names({"villages_table": town}).values()) == sorted(fx.REPORT_VILLAGE_NAMES.values())
