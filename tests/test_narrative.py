"""fupin.narrative: the generated Chinese text, exact strings."""

from __future__ import annotations

import doctest
import re
from typing import Any

import pytest
from report_fixtures import reference_metrics

from fupin import narrative, reference, style

REFERENCE_PARAGRAPH = (
    "城关镇下辖20个行政村，共有贫困村5个，无深度贫困村，全镇建档立卡贫困人口820户1,872人，帮扶干部共计150人。"
    "2018年底，已出列贫困村1个，未出列贫困村4个；已退出贫困人口405户948人，未退出贫困人口415户924人，"
    "贫困发生率为3.23%。"
    "2019年，拟退出贫困村1个；拟退出贫困人口252户566人，贫困发生率预计下降为1.25%。"
    "2019年贫困户收入预计在3,500元以下的163户358人；3,500元—4,000元的预计有252户566人；"
    "4,000元以上的预计有405户948人。"
)
BANDS_SENTENCE = REFERENCE_PARAGRAPH[REFERENCE_PARAGRAPH.index("2019年贫困户") :]


def _hp(households: int, people: int) -> dict[str, int]:
    return {"households": households, "people": people}


def test_reference_paragraph() -> None:
    assert narrative.basic_situation(reference_metrics()) == REFERENCE_PARAGRAPH


def test_deep_poor_villages() -> None:
    m = reference_metrics()
    m["villages"]["deep_poor"] = 2
    assert narrative.basic_situation(m).startswith("城关镇下辖20个行政村，共有贫困村5个，有深度贫困村2个，全镇建档立卡")


def test_no_poor_villages() -> None:
    m = reference_metrics()
    m["villages"] = {"total": 20, "poor": 0, "deep_poor": 0, "poor_exited": 0, "poor_remaining": 0}
    m["projection"].update(villages_exiting=[], villages_blocked={})
    text = narrative.basic_situation(m)
    assert text.startswith("城关镇下辖20个行政村，无贫困村，全镇建档立卡贫困人口820户1,872人，帮扶干部共计150人。")
    assert "2018年底，已退出贫困人口405户948人，未退出贫困人口415户924人，贫困发生率为3.23%。" in text
    assert "2019年，拟退出贫困人口252户566人，贫困发生率预计下降为1.25%。" in text
    assert "贫困村" not in text.replace("无贫困村", "")


def _all_exited() -> dict[str, Any]:
    m = reference_metrics()
    m["villages"].update(poor_exited=5, poor_remaining=0)
    m["exited"] = _hp(820, 1872)
    m["remaining"] = _hp(0, 0)
    m["incidence"] = 0.0
    m["projection"].update(exits=_hp(0, 0), remaining=_hp(0, 0), incidence=0.0,
                           villages_exiting=[], villages_blocked={})
    return m


def test_zero_remaining() -> None:
    text = narrative.basic_situation(_all_exited())
    assert text == (
        "城关镇下辖20个行政村，共有贫困村5个，无深度贫困村，全镇建档立卡贫困人口820户1,872人，帮扶干部共计150人。"
        "2018年底，5个贫困村已全部出列；已退出贫困人口820户1,872人，未退出贫困人口已清零，贫困发生率为0.00%。"
        + BANDS_SENTENCE
    )
    assert narrative.exit_outlook(_all_exited()) == "2018年底全镇建档立卡贫困人口已全部退出，2019年无待退出贫困人口。"


def test_people_remain_but_villages_all_exited() -> None:
    m = reference_metrics()
    m["villages"].update(poor_exited=5, poor_remaining=0)
    m["projection"].update(villages_exiting=[], villages_blocked={})
    text = narrative.basic_situation(m)
    assert "2018年底，5个贫困村已全部出列；已退出贫困人口405户948人，" in text
    assert "2019年，拟退出贫困人口252户566人，贫困发生率预计下降为1.25%。" in text


def test_no_projected_exits() -> None:
    m = reference_metrics()
    m["projection"].update(exits=_hp(0, 0), remaining=_hp(415, 924), incidence=m["incidence"],
                           villages_exiting=[])
    assert "2019年，暂无拟退出贫困村；暂无拟退出贫困人口，贫困发生率预计为3.23%。" in narrative.basic_situation(m)


def test_unknown_income_band() -> None:
    m = reference_metrics()
    m["income_bands"].append({"band": "unknown", "lower": None, "upper": None, "households": 10, "people": 23})
    assert narrative.basic_situation(m).endswith("4,000元以上的预计有405户948人；收入情况不明的10户23人。")


def test_arbitrary_band_edges() -> None:
    m = reference_metrics()
    m["income_bands"] = [
        {"band": "<3000", "lower": None, "upper": 3000, **_hp(60, 130)},
        {"band": "3000–3500", "lower": 3000, "upper": 3500, **_hp(103, 228)},
        {"band": "3500–4500", "lower": 3500, "upper": 4500, **_hp(400, 900)},
        {"band": ">=4500", "lower": 4500, "upper": None, **_hp(257, 614)},
    ]
    assert narrative.basic_situation(m).endswith(
        "2019年贫困户收入预计在3,000元以下的60户130人；3,000元—3,500元的预计有103户228人；"
        "3,500元—4,500元的预计有400户900人；4,500元以上的预计有257户614人。"
    )
    m["income_bands"] = [
        {"band": "<3500", "lower": None, "upper": 3500, **_hp(163, 358)},
        {"band": ">=3500", "lower": 3500, "upper": None, **_hp(657, 1514)},
    ]
    assert narrative.basic_situation(m).endswith(
        "2019年贫困户收入预计在3,500元以下的163户358人；3,500元以上的预计有657户1,514人。"
    )


def test_no_cadres() -> None:
    for cadres in (0, None):
        m = reference_metrics()
        m["cadres"] = cadres
        text = narrative.basic_situation(m)
        assert "全镇建档立卡贫困人口820户1,872人，暂无帮扶干部记录。" in text
        assert "帮扶干部共计" not in text


@pytest.mark.parametrize(
    ("township_id", "name", "whole"),
    [("001", "城关镇", "全镇"), ("002", "河口乡", "全乡"), ("003", "东城街道", "全街道"),
     ("004", "巴彦苏木", "全乡镇"), ("county", "示例县", "全县"), ("county", "城北区", "全区")],
)
def test_whole_area_words(township_id: str, name: str, whole: str) -> None:
    m = reference_metrics()
    m.update(township_id=township_id, township_name=name, county_name=name if township_id == "county" else "示例县")
    assert narrative.whole_area(m) == whole
    text = narrative.basic_situation(m)
    assert text.startswith(f"{name}下辖20个行政村，")
    assert f"{whole}建档立卡贫困人口820户1,872人" in text


def test_county_summary_named_after_the_county() -> None:
    m = reference_metrics()
    m.update(township_id="county", township_name="示例县", county_name="示例县")
    assert narrative.area_name(m) == "示例县"
    assert narrative.problems(m)[0] == "全县尚有20户贫困户的危房没有纳入危房改造。下一步：尽快纳入危房改造计划，落实改造资金。"


def test_reference_problems() -> None:
    assert narrative.problems(reference_metrics()) == [
        "全镇尚有20户贫困户的危房没有纳入危房改造。下一步：尽快纳入危房改造计划，落实改造资金。",
        "2019年全镇有3个贫困村贫困发生率预计降到2%以下，但其中2个村（马家岭村、高家洼村）村级活动场所未达标，"
        "暂不具备出列条件。下一步：逐村补齐未达到的出列条件，确保按期出列。",
        "未出列贫困村中有1个村（刘家峁村）2019年贫困发生率预计仍在2%以上。下一步：集中力量帮扶这些村的未脱贫户，逐户落实增收措施。",
        "未退出贫困户中有3户7人基本医疗保障未落实。下一步：落实医保参保、大病救助和家庭医生签约。",
        "未退出贫困户中有8户19人住房安全保障未落实。下一步：纳入危房改造或易地扶贫搬迁，确保住房安全。",
    ]


def test_problems_mixed_blockers_unknown_income_and_warnings() -> None:
    m = reference_metrics()
    m["parameters"]["village_threshold"] = 0.03
    m["projection"]["villages_blocked"] = {"0113": ["venue_ok", "road_ok"], "0114": ["road_ok"]}
    m["projection"]["villages_below_threshold"] = ["0113", "0114"]
    m["projection"]["villages_exiting"] = []
    m["unsafe_houses_outside_program"] = _hp(0, 0)
    m["income_unknown"] = _hp(4, 9)
    m["projection"]["reasons"]["water_ok"] = {**_hp(2, 5), "label": "饮水安全未保障"}
    m["warnings"] = [{"code": "exited_income_below_line", "message": "3户已脱贫户脱贫当年收入低于贫困线（户编号：H001、H002、H003）", "count": 3}]
    assert [text for _, text, _ in narrative.problem_items(m)] == [
        "2019年全镇有2个贫困村贫困发生率预计降到3%以下，但其中2个村暂不具备出列条件："
        "马家岭村（村级活动场所未达标、未通硬化路）；高家洼村（未通硬化路）。",
        "全镇有4户9人2019年收入情况不明，无法预测能否脱贫。",
        "未退出贫困户中有3户7人基本医疗保障未落实。",
        "未退出贫困户中有8户19人住房安全保障未落实。",
        "未退出贫困户中有2户5人饮水安全保障未落实。",
        "3户已脱贫户脱贫当年人均纯收入低于贫困线。",  # counted: the warning's codes stay in the workbook
    ]


def test_problems_each_once_without_codes_and_with_what_to_do() -> None:
    """A warning that repeats an item (income unknown) is left out; codes never reach the text."""
    m = reference_metrics()
    m["income_unknown"] = _hp(10, 24)
    codes = "、".join(f"99010100200{i:05d}" for i in range(10))
    m["warnings"] = [
        {"code": "projection_income_unknown", "count": 10, "message": f"10户（24人）未脱贫，且没有收入记录：户{codes}"},
        {"code": "no_cadre", "count": 19, "message": f"19户（40人）未脱贫，且没有帮扶责任人：户{codes}…等19个"},
        {"code": "no_cadre", "count": 19, "message": "the same warning twice"},
    ]
    items = narrative.problem_items(m)
    texts = [text for _, text, _ in items]
    assert sum("收入情况不明" in t or "没有2019年及以前的收入记录" in t for t in texts) == 1
    assert texts.count("19户未脱贫户没有帮扶责任人。") == 1
    assert all(action for _, _, action in items)
    joined = "".join(narrative.problems(m))
    assert not re.search(r"\d{14,}", joined) and "等19个" not in joined
    assert narrative.problems(m)[-1] == "19户未脱贫户没有帮扶责任人。下一步：为这些户落实帮扶责任人。"


def test_every_warning_code_has_words_and_an_action() -> None:
    from fupin.checks import WARNING_CODES

    assert set(WARNING_CODES) <= set(narrative.WARNING_PROBLEMS) and set(WARNING_CODES) <= set(narrative.ACTIONS)


def test_no_problems() -> None:
    m = _all_exited()
    m["unsafe_houses_outside_program"] = _hp(0, 0)
    m["projection"]["reasons"] = {code: {**_hp(0, 0), "label": ""} for code in style.REASON_LABELS}
    assert narrative.problems(m) == []


def test_exit_outlook() -> None:
    assert narrative.exit_outlook(reference_metrics()) == (
        "按人均纯收入3,500元的标准和“两不愁三保障”及饮水安全要求测算，2019年全镇拟退出贫困人口252户566人，"
        "剩余贫困人口163户358人，贫困发生率由3.23%预计降至1.25%；拟出列贫困村1个（王家坪村），"
        "另有3个贫困村暂不具备出列条件。"
    )


def test_text_never_shows_personal_fields() -> None:
    m = reference_metrics()
    for village in m["villages_table"]:
        village["head_name"] = "张三"
        village["id_number"] = "110101199001011234"
    text = narrative.basic_situation(m) + "".join(narrative.problems(m)) + narrative.exit_outlook(m)
    assert "张三" not in text and "110101" not in text


@pytest.mark.parametrize("module", [style, narrative, reference])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0
