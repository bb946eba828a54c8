"""The national system's person roster (人员表) in place of households or beside them, wide income
columns and income components (docs/data.md, "Real exports"). Tiny hand-made tables, exact values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import fixtures_data as fd
from fupin.core.contract import HOUSEHOLDS, PERSONS
from fupin.core.errors import DataError, Problem
from fupin.io.loading import load

#: The columns of households a roster repeats (the head's name and id number are the 户主 row's).
HOUSEHOLD_FIELDS = [c.name for c in HOUSEHOLDS.columns if c.name not in ("household_id", "size", "head_name",
                                                                       "id_number", "exit_status",
                                                                       "industry_support")]
#: Labour skill of each member, by household of the hand-made county (sizes 3, 2, 4, 1).
LABOR = {"00010001": ["普通劳动力", "无劳动力", "无劳动力"], "00010002": ["弱劳动力或半劳动力", "丧失劳动力"],
         "00010003": ["技能劳动力", "无劳动力", "无劳动力", "无劳动力"], "00020001": ["丧失劳动力"]}
EXTRA = {"联系电话": "13800000000", "耕地面积（亩）": "2.5", "开户银行": "农商行"}


def roster_cells(tables: fd.Tables, head_only: bool = False, extra: dict[str, object] | None = None,
                 size: bool = False) -> list[list[object]]:
    """The households of ``tables`` as a roster: one row per person, the head first."""
    fields = HOUSEHOLD_FIELDS + (["size"] if size else [])
    head = ["户编号", "与户主关系", "姓名", "证件号码", "劳动技能", *[PERSONS.column(f).label for f in fields],
            *(extra or {})]
    rows = []
    for h in tables["households"]:
        for i, labor in enumerate(LABOR[h["household_id"]]):
            person = [h["household_id"], "户主" if i == 0 else "子女", h["head_name"] if i == 0 else f"成员{i}",
                      h["id_number"] if i == 0 else None, labor]
            values = [h.get(f) for f in fields]
            if head_only and i:
                values = [None] * len(values)
            rows.append(person + values + list((extra or {}).values()))
    return [head, *rows]


def roster_folder(tmp_path: Path, cells: list[list[object]], tables: fd.Tables | None = None) -> Path:
    tables = tables or fd.county_tables()
    path = fd.write_csv_folder(tmp_path / "data", {k: v for k, v in tables.items() if k != "households"})
    fd.write_csv(path / "人员表.csv", cells)
    return path


def problems(path: Path) -> list[Problem]:
    with pytest.raises(DataError) as caught:
        load(path)
    return caught.value.problems


@pytest.mark.parametrize("head_only", [False, True])
def test_the_roster_in_place_of_households_gives_the_same_households(tmp_path: Path, head_only: bool) -> None:
    tables = fd.county_tables()
    plain = load(fd.write_csv_folder(tmp_path / "plain", tables))
    county = load(roster_folder(tmp_path, roster_cells(tables, head_only, extra=EXTRA)))
    pd.testing.assert_frame_equal(county.households, plain.households)
    pd.testing.assert_frame_equal(county.incomes, plain.incomes)
    assert county.households["size"].tolist() == [3, 2, 4, 1]
    assert county.persons["labor"].tolist() == [x for v in LABOR.values() for x in v]
    assert county.persons.columns.tolist() == ["household_id", "relationship", "name", "id_number", "labor"]
    assert county.sources["households"].path.name == "人员表.csv"
    assert county.sources["persons"].unused == tuple(EXTRA)
    from fupin.report.tables import run_info

    assert "输入：人员表" in run_info({}, county)["项目"].tolist()  # the report's 数据说明 names the roster


def test_members_that_disagree_no_head_and_two_heads_are_refused_all_at_once(tmp_path: Path) -> None:
    tables = fd.county_tables()
    cells = roster_cells(tables, size=True)
    year = cells[0].index("识别年度")
    cells[2][year] = 2015  # 00010001's second member: registered 2015, the head says 2014
    cells[4][1] = "配偶"  # 00010002 loses its head
    cells[7][1] = "户主"  # 00010003 gets a second head
    cells[10][cells[0].index("家庭人口数")] = 2  # 00020001 (one row) says 2 people
    found = problems(roster_folder(tmp_path, cells))
    shown = sorted((p.row, p.column_en, p.message) for p in found)
    assert shown == [
        (3, "registered_year", "同一户（户编号「00010001」）各成员行的识别年度不一致：第2行「2014」、第3行「2015」、第4行「2014」；应相同，或只填在户主行"),
        (5, "relationship", "户编号「00010002」的户没有户主行（第5、6行）：每户应有一行的与户主关系为“户主”"),
        (8, "relationship", "户编号「00010003」的户有2个户主行（第7、8行）：每户只能有一个户主"),
        (11, "size", "家庭人口数为2，但人员表中户编号「00020001」的户有1行（第11行）：家庭人口数应等于该户的人数"),
    ]
    assert all(p.file == "人员表.csv" for p in found)


def test_a_roster_in_place_of_households_needs_the_exit_year_column(tmp_path: Path) -> None:
    cells = roster_cells(fd.county_tables())
    at = cells[0].index("脱贫年度")
    cells = [row[:at] + row[at + 1:] for row in cells]
    [problem] = problems(roster_folder(tmp_path, cells))
    assert (problem.column_en, problem.row) == ("exit_year", 1)
    assert problem.message.startswith("人员表代替户表时，缺少这一列")


def test_a_household_value_that_fails_is_reported_once_at_the_person_row(tmp_path: Path) -> None:
    cells = roster_cells(fd.county_tables(), head_only=True)
    cells[1][cells[0].index("识别年度")] = "二〇一四"
    [problem] = problems(roster_folder(tmp_path, cells))
    assert (problem.file, problem.row, problem.column_en) == ("人员表.csv", 2, "registered_year")


def test_the_roster_beside_households_must_count_each_household_s_people(tmp_path: Path) -> None:
    tables = fd.county_tables()
    path = fd.write_csv_folder(tmp_path / "data", tables)
    cells = roster_cells(tables)
    fd.write_csv(path / "persons.csv", [row[:5] for row in cells])
    county = load(path)
    assert len(county.persons) == 10 and county.households["size"].tolist() == [3, 2, 4, 1]
    fd.write_csv(path / "persons.csv", [row[:5] for row in cells[:-1]])  # 00020001's only member left out
    [problem] = problems(path)
    assert (problem.file, problem.row, problem.column_en) == ("households.csv", 5, "size")
    assert problem.message == "家庭人口数为1，但人员表中该户有0人：家庭人口数应等于该户在人员表中的行数"


def test_a_roster_sheet_stands_in_for_households_in_a_workbook(tmp_path: Path) -> None:
    tables = fd.county_tables()
    plain = load(fd.write_csv_folder(tmp_path / "plain", tables))
    sheets = {fd.TABLES[t].label: fd.grid(t, rows) for t, rows in tables.items() if t != "households"}
    path = fd.write_xlsx(tmp_path / "county.xlsx", {**sheets, "贫困人口信息": roster_cells(tables)})
    county = load(path)
    pd.testing.assert_frame_equal(county.households, plain.households)
    assert county.sources["households"].sheet == "贫困人口信息"


def test_names_and_id_numbers_of_the_roster_are_masked_in_messages(tmp_path: Path) -> None:
    cells = roster_cells(fd.county_tables())
    cells[1][2] = "张\x0b三"
    cells[1][3] = "11010119900307\x0b1234"
    found = problems(roster_folder(tmp_path, cells))
    values = {p.column_en: p.value for p in found}
    assert values["name"] == "张*"
    assert values["id_number"].startswith("110101****") and "1990" not in values["id_number"]
    assert all("张三" not in p.format() and "19900307" not in p.format() for p in found)


# ---------------------------------------------------------------------------
# Wide income columns and income components.

WIDE = {"2016年度人均纯收入（元）": {"00020001": 2500.0}, "2017年人均纯收入": {"00010001": 4200.0, "00010002": 3100.0,
                                                                    "00010003": 2900.0},
        "人均纯收入(2018年)": {"00010001": 4800.0, "00010003": 3600.0, "00020001": 3900.0},
        "2018年预计人均纯收入": {"00010002": 3300.5}}


def wide_households(tables: fd.Tables, columns: dict[str, dict[str, float]]) -> list[list[object]]:
    cells = fd.grid("households", tables["households"])
    return [cells[0] + list(columns)] + [
        row + [values.get(h["household_id"]) for values in columns.values()]
        for row, h in zip(cells[1:], tables["households"])
    ]


def by_key(incomes: pd.DataFrame) -> pd.DataFrame:
    return incomes.sort_values(["household_id", "year"]).reset_index(drop=True)


def test_wide_income_columns_stand_in_for_the_incomes_table(tmp_path: Path) -> None:
    tables = fd.county_tables()
    plain = load(fd.write_csv_folder(tmp_path / "plain", tables))
    path = fd.write_csv_folder(tmp_path / "data", {k: v for k, v in tables.items() if k != "incomes"})
    fd.write_csv(path / "households.csv", wide_households(tables, WIDE))
    county = load(path)
    pd.testing.assert_frame_equal(by_key(county.incomes), by_key(plain.incomes))
    assert county.sources["households"].unused == ()


def test_wide_income_columns_in_the_roster_and_a_year_given_twice(tmp_path: Path) -> None:
    tables = fd.county_tables()
    plain = load(fd.write_csv_folder(tmp_path / "plain", tables))
    cells = roster_cells(tables, head_only=True)
    heads = {row[0]: row for row in cells[1:] if row[1] == "户主"}
    cells = [cells[0] + list(WIDE)] + [
        row + [values.get(row[0]) if row[1] == "户主" else None for values in WIDE.values()] for row in cells[1:]
    ]
    assert len(heads) == 4
    path = roster_folder(tmp_path, cells, {k: v for k, v in tables.items() if k != "incomes"})
    pd.testing.assert_frame_equal(by_key(load(path).incomes), by_key(plain.incomes))
    fd.write_csv(path / "incomes.csv", fd.grid("incomes", tables["incomes"][:1]))  # 00010001's 2017 once more
    [problem] = problems(path)
    assert (problem.file, problem.row, problem.column_en) == ("incomes.csv", 2, "year")
    assert problem.message == "2017年的收入在人员表.csv第2行的年度收入列中也有：同一户同一年只能填在一处"


def component_rows(income: list[object]) -> list[list[object]]:
    """00010001 (3 people) in 2017 with net 9400.00 yuan, 00010002 (2 people) with 9400.01."""
    head = ["户编号", "年度", "人均纯收入", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出"]
    return [head, ["00010001", 2017, income[0], 6000, 3000, 0, 1200, 800],
            ["00010002", 2017, income[1], "6000.01", 2000, 0, 1400, None]]


@pytest.mark.parametrize(("given", "derived"), [
    ([None, None], [3133.33, 4700.01]),  # net / size to the fen, half up: 3133.333..., 4700.005
    (["3134.32", "4699.02"], [3134.32, 4699.02]),  # 0.99 yuan from net / size: the given figure is used
])
def test_per_capita_income_from_components(tmp_path: Path, given: list[object], derived: list[float]) -> None:
    path = fd.write_csv_folder(tmp_path / "data", fd.county_tables())
    fd.write_csv(path / "incomes.csv", component_rows(given))
    incomes = load(path).incomes
    assert incomes["per_capita_income"].tolist() == derived
    assert incomes["transfer"].tolist() == [1200.0, 1400.0]
    assert incomes["business_cost"].isna().tolist() == [False, True]


def test_components_that_disagree_by_more_than_a_yuan_are_refused(tmp_path: Path) -> None:
    path = fd.write_csv_folder(tmp_path / "data", fd.county_tables())
    fd.write_csv(path / "incomes.csv", component_rows(["3134.34", "4698.99"]))  # 1.01 and 1.005 yuan off
    found = problems(path)
    assert [(p.row, p.column_en, p.message) for p in found] == [
        (2, "per_capita_income", "人均纯收入3134.34元与收入构成不符：由收入构成算出的人均纯收入为3133.33元"
                                 "（纯收入9400.00元÷3人），相差超过1元"),
        (3, "per_capita_income", "人均纯收入4698.99元与收入构成不符：由收入构成算出的人均纯收入为4700.01元"
                                 "（纯收入9400.01元÷2人），相差超过1元"),
    ]


def test_components_given_in_part_or_neither_are_refused(tmp_path: Path) -> None:
    path = fd.write_csv_folder(tmp_path / "data", fd.county_tables())
    cells = component_rows([None, None])
    cells[1][6] = None  # no 转移性收入
    cells.append(["00010003", 2017, None, None, None, None, None, None])
    fd.write_csv(path / "incomes.csv", cells)
    found = problems(path)
    assert [(p.row, p.column_en) for p in found] == [(2, "transfer"), (4, "per_capita_income")]
    assert found[1].message == "必填，不能为空"
    fd.write_csv(path / "incomes.csv", [row[:2] + row[3:] for row in cells])  # components alone
    found = problems(path)
    assert [(p.row, p.column_en) for p in found] == [(2, "transfer"), (4, "per_capita_income")]
    assert found[1].message == "没有人均纯收入，也没有收入构成：请填写其一"


def test_the_status_column_of_a_roster_must_agree_with_the_years(tmp_path: Path) -> None:
    """脱贫标志 on the head's row only (脱贫 = 已脱贫); 00010002 says 已脱贫 without an exit year."""
    tables = fd.county_tables()
    cells = roster_cells(tables, head_only=True)
    status = {"00010001": "脱贫", "00010002": "已脱贫", "00010003": "返贫", "00020001": "未脱贫"}
    cells = [cells[0] + ["脱贫标志"]] + [row + [status[row[0]] if row[1] == "户主" else None] for row in cells[1:]]
    [problem] = problems(roster_folder(tmp_path, cells))
    assert (problem.file, problem.row, problem.column, problem.value) == ("人员表.csv", 5, "脱贫标志", "已脱贫")
    assert problem.message.startswith("脱贫标志为“已脱贫”，但脱贫年度为空")
    cells[4][-1] = "未脱贫"
    assert load(roster_folder(tmp_path / "ok", cells)).households["exit_status"].tolist() == [
        "已脱贫", "未脱贫", "返贫", "未脱贫"]


def test_the_sample_in_roster_form_gives_the_same_county() -> None:
    """data/sample_roster.xlsx (人员表 in place of 户表, the household's fields on the 户主 row only):
    the same households and incomes as the sample, so every existing figure the same; labour besides."""
    from fupin.figures.analysis import analyse
    from fupin.core.config import SAMPLE_DIR, SAMPLE_ROSTER
    from fupin.figures.parameters import report_parameters

    sample, county = load(SAMPLE_DIR), load(SAMPLE_ROSTER)
    pd.testing.assert_frame_equal(county.households, sample.households)
    pd.testing.assert_frame_equal(county.incomes, sample.incomes)
    assert len(county.persons) == sample.households["size"].sum()
    assert county.sources["households"].sheet == "人员表"
    params = report_parameters(year=2018)
    plain = analyse(sample.area("990101001"), params).metrics
    roster = analyse(county.area("990101001"), params).metrics
    assert {k: v for k, v in roster.items() if k != "labour"} == {k: v for k, v in plain.items() if k != "labour"}
    assert plain["labour"] is None and roster["labour"]["without_labour"]["households"] > 0


def test_validate_reads_a_roster_and_lists_its_unused_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fupin.cli import main

    path = roster_folder(tmp_path, roster_cells(fd.county_tables(), extra=EXTRA))
    assert main(["validate", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  人员表（人员表.csv）：「联系电话」、「耕地面积（亩）」、「开户银行」" in lines


def test_a_yearly_column_of_a_future_year_must_say_estimate_and_amounts_are_checked(tmp_path: Path) -> None:
    tables = fd.county_tables()
    path = fd.write_csv_folder(tmp_path / "data", {k: v for k, v in tables.items() if k != "incomes"})
    columns = {**WIDE, "2099年人均纯收入": {"00010003": 9000.0}, "2099年预计人均纯收入": {"00010001": 9000.0}}
    cells = wide_households(tables, columns)
    cells[2][cells[0].index("2017年人均纯收入")] = -5
    fd.write_csv(path / "households.csv", cells)
    found = problems(path)
    assert [(p.row, p.column, p.message) for p in found] == [
        (3, "2017年人均纯收入", "应为不小于0的数字（元）"),
        (4, "2099年人均纯收入", "年度晚于今年的收入只能是预计值：请在表头中写明“预计”（如 2099年预计人均纯收入）或改正年度"),
    ]


def test_one_year_in_two_yearly_columns_is_refused(tmp_path: Path) -> None:
    tables = fd.county_tables()
    path = fd.write_csv_folder(tmp_path / "data", {k: v for k, v in tables.items() if k != "incomes"})
    fd.write_csv(path / "households.csv", wide_households(tables, {**WIDE, "2017年度人均纯收入": {}}))
    [problem] = problems(path)
    assert (problem.row, problem.column) == (1, "2017年度人均纯收入")
    assert problem.message.startswith("多个列都表示2017年人均纯收入") and "「2017年人均纯收入」" in problem.message
