"""The monitoring registry (监测对象表) read in every form, and refused with every problem at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import fixtures_data as fd
from fupin.core.contract import MONITORED, contract_dtype
from fupin.core.errors import DataError
from fupin.io.loading import load, parse_year


def registry_rows() -> fd.Rows:
    """Two monitored households: a registered exited one (00010001) and an edge household outside households."""
    return [
        {"household_id": "00010001", "village_id": "0101", "monitor_type": "脱贫不稳定户",
         "identified_year": "2021-05-17", "risk_types": "因病、因学", "risk_eliminated": "否",
         "eliminated_year": None},
        {"household_id": "E0001", "village_id": "0102", "size": 3, "monitor_type": "边缘易致贫户",
         "identified_year": 2021, "risk_types": "因灾, 因务工就业不稳 ;因灾", "risk_eliminated": "是",
         "eliminated_year": "2022年3月1日", "medical_ok": "否"},
    ]


def county_with_registry(rows: fd.Rows | None = None) -> fd.Tables:
    tables = fd.county_tables()
    tables["monitored"] = registry_rows() if rows is None else rows
    tables["incomes"].append({"household_id": "E0001", "year": 2021, "per_capita_income": 6500.0,
                              "is_estimate": "否"})
    return tables


def assert_registry(county) -> None:
    m = county.monitored
    assert m is not None
    assert m.dtypes.to_dict() == {c.name: contract_dtype(c) for c in MONITORED.columns if c.name in m}
    assert m["household_id"].tolist() == ["00010001", "E0001"]
    assert m["identified_year"].tolist() == [2021, 2021]
    assert m["eliminated_year"].tolist() == [pd.NA, 2022]
    assert m["risk_types"].tolist() == ["因病、因学", "因灾、因务工就业不稳"]
    assert m["risk_eliminated"].tolist() == [False, True]
    assert m["size"].tolist() == [pd.NA, 3]
    assert m["medical_ok"].tolist() == [pd.NA, False]
    # the edge household's incomes row is kept, though it is not in households
    assert county.incomes["household_id"].tolist().count("E0001") == 1


def test_registry_from_a_csv_folder_with_chinese_names(tmp_path: Path) -> None:
    data = fd.write_csv_folder(tmp_path / "d", county_with_registry(), names="zh", encoding="gb18030")
    assert (data / "监测对象表.csv").is_file()
    assert_registry(load(data))


def test_registry_as_a_workbook_sheet_named_监测对象_with_excel_dates(tmp_path: Path) -> None:
    tables = county_with_registry()
    tables["monitored"][0]["identified_year"] = datetime(2021, 5, 17)  # an Excel date cell
    sheets = {fd.TABLES[t].label if t != "monitored" else "监测对象": fd.grid(t, rows, "zh", 2)
              for t, rows in tables.items()}
    assert_registry(load(fd.write_xlsx(tmp_path / "county.xlsx", sheets)))


def test_registry_from_parquet_with_timestamps(tmp_path: Path) -> None:
    tables = county_with_registry()
    for row, (identified, eliminated) in zip(tables["monitored"], [(datetime(2021, 5, 17), None),
                                                                  (datetime(2021, 1, 1), datetime(2022, 3, 1))]):
        row.update(identified_year=identified, eliminated_year=eliminated)
    tables["monitored"][0]["size"] = None
    tables["monitored"][0]["medical_ok"] = None
    assert_registry(load(fd.write_parquet_folder(tmp_path / "p", tables)))


def test_data_without_registry_has_none(tmp_path: Path) -> None:
    county = load(fd.write_csv_folder(tmp_path / "d", fd.county_tables()))
    assert county.monitored is None


def test_township_slice_keeps_its_registry_and_the_incomes_of_its_edge_households(tmp_path: Path) -> None:
    county = load(fd.write_csv_folder(tmp_path / "d", county_with_registry()))
    town = county.township("001")
    assert town.monitored["household_id"].tolist() == ["00010001", "E0001"]
    assert "E0001" in set(town.incomes["household_id"])
    other = county.township("002")
    assert other.monitored.empty and "E0001" not in set(other.incomes["household_id"])


@pytest.mark.parametrize("text, year", [("2022", 2022), ("2022.0", 2022), ("2022年", 2022), ("2022-05-17", 2022),
                                        ("2022/5/17", 2022), ("2022年5月17日", 2022), ("2022.5.17", 2022),
                                        ("2021-12-31T00:00:00", 2021), ("2022年5月", 2022)])
def test_parse_year_takes_a_year_or_a_date(text: str, year: int) -> None:
    assert parse_year(text) == year


@pytest.mark.parametrize("text", ["2022.5", "2022-13-01", "2022/2/30", "五月", "22-5-17"])
def test_parse_year_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_year(text)


def problems_of(tmp_path: Path, tables: fd.Tables) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(DataError) as info:
        load(fd.write_csv_folder(tmp_path / "bad", tables))
    return [(p.row, p.column_en, p.message) for p in info.value.problems if p.file.startswith("monitored")]


def test_every_registry_problem_at_once(tmp_path: Path) -> None:
    rows = registry_rows()
    rows += [
        # row 4: an unstable exited household that is not registered
        {"household_id": "X1", "village_id": "0101", "size": 2, "monitor_type": "脱贫不稳定户",
         "identified_year": 2021, "risk_types": "因病", "risk_eliminated": "否"},
        # row 5: a registered household typed as an edge household, in another village, another size
        {"household_id": "00010002", "village_id": "0102", "size": 5, "monitor_type": "突发严重困难户",
         "identified_year": 2021, "risk_types": "因穷", "risk_eliminated": "否", "medical_ok": "是"},
        # row 6: eliminated before it was identified; no size though not registered
        {"household_id": "E0002", "village_id": "0102", "monitor_type": "边缘易致贫户",
         "identified_year": "2022-01-05", "risk_types": "因残", "risk_eliminated": "是", "eliminated_year": 2021},
        # row 7: eliminated without a year; row 8: not eliminated with a year; row 9: a repeated household
        {"household_id": "E0003", "village_id": "0102", "size": 1, "monitor_type": "边缘易致贫户",
         "identified_year": 2021, "risk_types": "因残", "risk_eliminated": "是"},
        {"household_id": "E0004", "village_id": "9999", "size": 1, "monitor_type": "边缘易致贫户",
         "identified_year": 2021, "risk_types": "因残", "risk_eliminated": "否", "eliminated_year": 2022},
        {"household_id": "E0001", "village_id": "0102", "size": 3, "monitor_type": "边缘易致贫户",
         "identified_year": "2021-02-30", "risk_types": "因灾", "risk_eliminated": "否"},
    ]
    found = problems_of(tmp_path, county_with_registry(rows))
    rows_cols = {(r, c) for r, c, _ in found}
    assert rows_cols == {
        (4, "monitor_type"), (5, "monitor_type"), (5, "village_id"), (5, "size"), (5, "risk_types"),
        (5, "medical_ok"), (6, "eliminated_year"), (6, "size"), (7, "eliminated_year"), (8, "eliminated_year"),
        (8, "village_id"), (9, "household_id"), (9, "identified_year"),
    }, found
    messages = {(r, c): m for r, c, m in found}
    assert "应是户表中的建档立卡户" in messages[(4, "monitor_type")]
    assert "应为“脱贫不稳定户”" in messages[(5, "monitor_type")]
    assert "「0101」不一致" in messages[(5, "village_id")]
    assert "「2」不一致" in messages[(5, "size")]
    assert "「否」不一致" in messages[(5, "medical_ok")]
    assert messages[(5, "risk_types")].startswith("应为以下一项或多项")
    assert messages[(6, "eliminated_year")] == "风险消除年度不应早于纳入监测年度"
    assert "必须填写家庭人口数" in messages[(6, "size")]
    assert "应填写风险消除年度" in messages[(7, "eliminated_year")]
    assert "不应有风险消除年度" in messages[(8, "eliminated_year")]
    assert messages[(9, "household_id")] == "户编号重复（另见第3行）"
    assert "或日期" in messages[(9, "identified_year")]


def test_incomes_of_a_household_in_no_table_are_still_refused(tmp_path: Path) -> None:
    tables = county_with_registry()
    tables["incomes"].append({"household_id": "NOBODY", "year": 2021, "per_capita_income": 1.0, "is_estimate": "否"})
    with pytest.raises(DataError) as info:
        load(fd.write_csv_folder(tmp_path / "d", tables))
    [problem] = info.value.problems
    assert problem.message == "户编号在户表和监测对象表中不存在"


def test_a_registry_without_the_elimination_year_column_is_refused(tmp_path: Path) -> None:
    rows = registry_rows()
    for row in rows:
        row.pop("eliminated_year")
    found = problems_of(tmp_path, county_with_registry(rows))
    assert [(c, m.split("：")[0]) for _, c, m in found] == [("eliminated_year", "监测对象表缺少这一列（列名可写作")]


def test_a_prepared_township_slice_carries_the_registry(tmp_path: Path) -> None:
    """``fupin run`` cuts the county by township: the registry and the edge household's incomes go along."""
    from fupin.batch.prepare import prepare

    county = load(fd.write_csv_folder(tmp_path / "d", county_with_registry()))
    folders = prepare(county, tmp_path / "prepared", ["001", "002"])
    town = load(folders["001"])
    pd.testing.assert_frame_equal(town.monitored, county.township("001").monitored)
    assert town.incomes["household_id"].tolist().count("E0001") == 1
    assert load(folders["002"]).monitored.empty


def test_validate_counts_the_monitored_households_of_each_township(tmp_path: Path) -> None:
    from fupin.io.summary import township_summary

    county = load(fd.write_csv_folder(tmp_path / "d", county_with_registry()))
    assert township_summary(county)[["乡镇代码", "监测对象户数"]].values.tolist() == [["001", 2], ["002", 0]]
    assert "监测对象户数" not in township_summary(load(fd.write_csv_folder(tmp_path / "e", fd.county_tables())))
