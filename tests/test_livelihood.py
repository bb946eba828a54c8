"""labour and transfer_dependence (docs/data.md, "Real exports"): exact on tiny hand-made tables,
edges included: every member without labour, income without transfers exactly at the line."""

from __future__ import annotations

import pandas as pd

from fupin.figures.analysis import analyse
from fupin.core.county import County
from fupin.figures.livelihood import labour, transfer_dependence
from fupin.figures.parameters import report_parameters

VILLAGES = pd.DataFrame({
    "village_id": ["v1", "v2"], "village_name": ["东村", "西村"], "township_id": ["t", "t"],
    "township_name": ["城关镇", "城关镇"], "population": [100, 100], "is_poor_village": [True, False],
    "village_exit_year": pd.array([None, None], dtype="Int64"),
})
#: a: exited 2017, 2 people; b: remaining, 3 people; c: remaining, 1; d: remaining, 2; e: exited, 4.
HOUSEHOLDS = pd.DataFrame({
    "household_id": ["a", "b", "c", "d", "e"], "village_id": ["v1", "v1", "v2", "v2", "v2"],
    "size": [2, 3, 1, 2, 4], "registered_year": [2014] * 5,
    "exit_year": pd.array([2017, None, None, None, 2016], dtype="Int64"),
    "returned_year": pd.array([None] * 5, dtype="Int64"),
})
PERSONS = pd.DataFrame({
    "household_id": ["a", "a", "b", "b", "b", "c", "d", "d", "e"],
    "labor": ["普通劳动力", "无劳动力", "无劳动力", "丧失劳动力", "弱劳动力或半劳动力", "无劳动力",
              "技能劳动力", None, None],
})


def frame(year: int = 2018) -> pd.DataFrame:
    from fupin.figures.frame import household_frame

    return household_frame(HOUSEHOLDS, INCOMES, year, poverty_line=3500)


def income(household: str, year: int, wage: float, transfer: float, cost: float = 0.0, size: int = 1,
           estimate: bool = False) -> dict[str, object]:
    net = wage + transfer - cost
    return {"household_id": household, "year": year, "per_capita_income": round(net / size, 2),
            "is_estimate": estimate, "wage": wage, "business": 0.0, "property": 0.0, "transfer": transfer,
            "business_cost": cost}


INCOMES = pd.DataFrame([
    income("a", 2018, 6999.98, 2000, size=2),  # without transfers 3499.99 per person: below 3500
    income("b", 2018, 8000, 3000, cost=1500, size=3),  # 3166.67: remaining, not projected to exit
    income("c", 2019, 3600, 0, estimate=True),  # projected exit, but no components in 2018
    income("c", 2018, 2000, 1600),  # without transfers 2000 < 3500: projected exit resting on transfers
    income("d", 2018, 7000, 400, size=2),  # projected exit at 3700, exactly 3500 without transfers: not below
    income("e", 2018, 14000, 0, size=4),
])


def test_remaining_households_every_member_without_labour() -> None:
    """b: every member unable to work (无劳动力, 丧失, 弱); c: one member, 无劳动力; d has a 技能劳动力;
    a has labour but exited; e has no 劳动技能 recorded: unknown, not counted."""
    assert labour(frame(), PERSONS) == {
        "without_labour": {"households": 2, "people": 4},
        "villages": {"v1": {"households": 1, "people": 3}, "v2": {"households": 1, "people": 1}},
    }
    assert labour(frame(), PERSONS.drop(columns="labor")) is None
    assert labour(frame(), None) is None


def test_exits_whose_income_without_transfers_is_below_the_line() -> None:
    f = frame()
    assert f["projected_exit"].tolist() == [False, False, True, True, False]
    assert transfer_dependence(f, INCOMES, 2018, 3500) == {
        "year": 2018,
        "exited": {"households": 1, "people": 2},  # a; e is far above
        "projected_exits": {"households": 1, "people": 1},  # c; d exactly at the line
        "transfer_share": 7000 / (6999.98 + 2000 + 8000 + 3000 + 2000 + 1600 + 7000 + 400 + 14000),
        "villages": {"v1": {"exited": {"households": 1, "people": 2}, "projected_exits": {"households": 0, "people": 0}},
                     "v2": {"exited": {"households": 0, "people": 0}, "projected_exits": {"households": 1, "people": 1}}},
    }
    assert transfer_dependence(f, INCOMES, 2018, 3499.99)["exited"] == {"households": 0, "people": 0}
    assert transfer_dependence(f, INCOMES.drop(columns="transfer"), 2018, 3500) is None
    assert transfer_dependence(f, INCOMES, 2017, 3500) is None  # no components for that year


def test_both_figures_reach_metrics_json() -> None:
    county = County(VILLAGES, HOUSEHOLDS, INCOMES.drop(columns=[]), persons=PERSONS)
    metrics = analyse(county, report_parameters(year=2018)).metrics
    assert metrics["labour"]["without_labour"] == {"households": 2, "people": 4}
    assert metrics["transfer_dependence"]["exited"] == {"households": 1, "people": 2}
    plain = analyse(County(VILLAGES, HOUSEHOLDS, INCOMES[["household_id", "year", "per_capita_income",
                                                          "is_estimate"]]), report_parameters(year=2018)).metrics
    assert plain["labour"] is None and plain["transfer_dependence"] is None


def test_the_follow_up_workbook_lists_both_with_names_masked(tmp_path) -> None:  # noqa: ANN001
    import openpyxl

    from fupin.report import narrative, workbook

    heads = HOUSEHOLDS.assign(head_name=["王小明", "李四", "张三丰", "赵六", "钱七"])
    a = analyse(County(VILLAGES, heads, INCOMES, persons=PERSONS), report_parameters(year=2018))
    sheets = workbook.analysis_sheets(a)
    assert list(sheets) == ["未脱贫户", "监测户", "受阻贫困村", "无劳动力户", "脱贫依赖转移性收入", "存在问题", "说明"]
    labour_sheet = sheets["无劳动力户"][0]
    assert labour_sheet[["户编号", "户主（已脱敏）", "家庭人口", "家庭成员劳动技能"]].values.tolist() == [
        ["b", "李*", 3, "无劳动力、丧失劳动力、弱劳动力或半劳动力"], ["c", "张*丰", 1, "无劳动力"]]
    transfer_sheet = sheets["脱贫依赖转移性收入"][0]
    assert transfer_sheet[["户编号", "户主（已脱敏）", "脱贫情况", "2018年人均纯收入（元）",
                           "扣除转移性收入后人均纯收入（元）", "人均转移性收入（元）"]].values.tolist() == [
        ["a", "王*明", "已脱贫", 4499.99, 3499.99, 1000.0], ["c", "张*丰", "预计2019年脱贫", 3600.0, 2000.0, 1600.0]]
    items = {code: text for code, text, _ in narrative.problem_items(a.metrics)}
    assert items["labour"] == "部分贫困户致富本领不强。全镇未脱贫户中有2户4人家中无劳动力，难以依靠务工和产业增收脱贫。"
    assert items["transfer_dependence"].startswith(
        "贫困户持续增收机制还不够完善。全镇有1户2人脱贫户、1户1人预计2019年脱贫户收入主要依靠转移性收入（扣除转移性收入后2018年人均纯收入低于3,500元）")
    problems = sheets["存在问题"][0]
    assert sorted(problems.loc[problems["问题"] == items["labour"], "户编号"]) == ["b", "c"]
    path = tmp_path / "follow_up.xlsx"
    path.write_bytes(workbook.workbook_bytes(sheets, "城关镇", "2018年"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(sheets)
    text = "".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
    assert "王小明" not in text and "李四" not in text
