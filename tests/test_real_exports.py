"""Real exports (docs/data.md): extra columns, units in headers, columns that decide a figure,
the status column, ids in scientific notation, and what a run cannot use as a name.

Each input is a tiny hand-made table; each test names the value or the message the user reads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import fixtures_data as fd
from fupin.cli import main
from fupin.core.errors import DataError, Problem
from fupin.io.loading import CELL_UNIT, SCIENTIFIC_ID, TOO_MANY_DECIMALS, load
from fupin.core.money import MONEY_TOO_LARGE, to_fen
from fupin.core.privacy import masked
from fupin.io.schema import RESERVED_ID, UNASSIGNED

#: Columns of a national-system export that the contract does not read.
EXTRA = {"联系电话": "13800000000", "开户银行": "农商行", "耕地面积（亩）": "2.5", "是否危房户": "否",
         "务工人数": "1", "备注": ""}
COMPONENTS = {"工资性收入": "6000", "生产经营性收入": "3000", "财产性收入": "0", "转移性收入": "1200",
              "生产经营性支出": "800"}


def problems(path: Path) -> list[Problem]:
    with pytest.raises(DataError) as caught:
        load(path)
    return caught.value.problems


def only(path: Path) -> Problem:
    found = problems(path)
    assert len(found) == 1, [p.format() for p in found]
    return found[0]


def folder(tmp_path: Path, tables: fd.Tables, **headers: str) -> Path:
    """The tables as a CSV folder (Chinese headers, ``headers`` overriding some)."""
    return fd.write_csv_folder(tmp_path / "data", tables, headers=headers)


# ---------------------------------------------------------------------------
# Extra columns: the header row is found by the columns the table requires.


def test_more_unknown_columns_than_known_ones_is_an_ordinary_export(tmp_path: Path) -> None:
    tables = fd.county_tables()
    path = tmp_path / "data"
    fd.write_csv_folder(path, tables)
    fd.write_csv(path / "incomes.csv", fd.grid("incomes", tables["incomes"], title_rows=1, extra=COMPONENTS))
    fd.write_csv(path / "households.csv", fd.grid("households", tables["households"], extra={**EXTRA, **COMPONENTS}))
    county = load(path)
    assert county.incomes["per_capita_income"].tolist()[:2] == [4200.0, 4800.0]
    assert county.households["exit_year"].tolist()[:2] == [2016, pd.NA]
    assert county.sources["incomes"].unused == tuple(COMPONENTS)
    assert county.sources["households"].unused == (*EXTRA, *COMPONENTS)


def test_validate_lists_the_columns_it_did_not_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt header (产业帮扶 as 产业扶持) shows as unused; a notice, not an error."""
    tables = fd.county_tables()
    for row in tables["households"]:
        row["industry_support"] = "是"
    path = fd.write_csv_folder(tmp_path / "data", tables, headers={"industry_support": "产业扶持"})
    fd.write_csv(path / "incomes.csv", fd.grid("incomes", tables["incomes"], extra={"联系电话": "1"}))
    assert main(["validate", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "提示：以下列没有使用（不是数据规范中的列名；如是列名写错，请改正后重新校验）：" in lines
    assert "  户表（households.csv）：「产业扶持」" in lines
    assert "  收入表（incomes.csv）：「联系电话」" in lines


def test_validate_lists_optional_columns_taken_by_their_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = fd.county_tables()
    for row in tables["households"]:
        del row["water_ok"], row["house_risk_grade"]
    assert main(["validate", str(folder(tmp_path, tables))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "提示：以下可选列文件中没有，按默认处理：" in lines
    assert "  户表（households.csv）：饮水安全保障（按“是”）、危房等级（按空白）" in lines


# ---------------------------------------------------------------------------
# Units in headers: read exactly, to the fen.


@pytest.mark.parametrize(("header", "cells", "yuan"), [
    ("人均纯收入（元）", ["4200", "4800.5"], [4200.0, 4800.5]),
    ("人均纯收入(元/人)", ["4200", "4800.5"], [4200.0, 4800.5]),
    ("人均纯收入（万元）", ["0.35", "0.480051"], [3500.0, 4800.51]),
    ("人均纯收入 （千元）", ["3.5", "4,800.51"], [3500.0, 4800510.0]),
    ("人均纯收入（万元/人·年）", ["0.35", "1"], [3500.0, 10000.0]),
])
def test_a_money_unit_in_the_header_is_read(tmp_path: Path, header: str, cells: list[str], yuan: list[float]) -> None:
    tables = fd.county_tables()
    tables["incomes"][0]["per_capita_income"], tables["incomes"][1]["per_capita_income"] = cells
    if "万元" in header or "千元" in header:  # the other rows in the same unit
        for row in tables["incomes"][2:]:
            row["per_capita_income"] = "0.3"
    county = load(folder(tmp_path, tables, per_capita_income=header))
    assert county.incomes["per_capita_income"].tolist()[:2] == yuan  # exact floats of whole fen


def test_a_money_unit_is_read_from_parquet_and_xlsx_numbers(tmp_path: Path) -> None:
    tables = fd.county_tables()
    for row, value in zip(tables["incomes"], (0.35, 0.42005, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)):
        row["per_capita_income"] = value
    headers = {"per_capita_income": "人均纯收入（万元）"}
    parquet = load(fd.write_parquet_folder(tmp_path / "p", tables, headers=headers))
    book = load(fd.write_workbook(tmp_path / "c.xlsx", tables, headers=headers))
    for county in (parquet, book):
        assert county.incomes["per_capita_income"].tolist()[:3] == [3500.0, 4200.5, 1000.0]


@pytest.mark.parametrize(("value", "why"), [("0.1234567", TOO_MANY_DECIMALS), ("3500元", CELL_UNIT)])
def test_a_value_finer_than_a_fen_or_with_its_own_unit_once_scaled_is_an_error(
    tmp_path: Path, value: str, why: str
) -> None:
    tables = fd.county_tables()
    tables["incomes"][1]["per_capita_income"] = value
    problem = only(folder(tmp_path, tables, per_capita_income="人均纯收入（万元）"))
    assert (problem.row, problem.column, problem.value) == (3, "人均纯收入（万元）", value)
    assert problem.message == f"应为不小于0的数字（元）；{why}"


@pytest.mark.parametrize(("column", "header", "unit"), [
    ("per_capita_income", "人均纯收入（美元）", "美元"),
    ("per_capita_income", "人均纯收入(2018年)", "2018年"),
    ("per_capita_income", "人均纯收入（元/户）", "元/户"),
    ("size", "家庭人口数（户）", "户"),
    ("population", "户籍人口（万人）", "万人"),
])
def test_any_other_unit_is_an_error_naming_it(tmp_path: Path, column: str, header: str, unit: str) -> None:
    problem = only(folder(tmp_path, fd.county_tables(), **{column: header}))
    assert (problem.row, problem.column, problem.column_en) == (1, header, column)
    assert f"表头中的单位「{unit}」" in problem.message


def test_a_count_unit_of_persons_is_read(tmp_path: Path) -> None:
    county = load(folder(tmp_path, fd.county_tables(), size="家庭人口数（人）", population="户籍人口(人)"))
    assert county.households["size"].tolist() == [3, 2, 4, 1]
    assert county.villages["population"].tolist() == [1200, 800, 950]


# ---------------------------------------------------------------------------
# Columns that decide a figure; the status column.


@pytest.mark.parametrize(("table", "column", "headers", "means"), [
    ("households", "exit_year", "exit_year、脱贫年度、退出年度", "每户都会被当作未脱贫"),
    ("villages", "village_exit_year", "village_exit_year、出列年度", "每个贫困村都会被当作未出列"),
])
def test_a_table_without_its_exit_year_column_is_refused(
    tmp_path: Path, table: str, column: str, headers: str, means: str
) -> None:
    tables = fd.county_tables()
    for row in tables[table]:
        del row[column]
    problem = only(folder(tmp_path, tables))
    label = fd.TABLES[table].label
    assert (problem.file, problem.row, problem.column_en) == (f"{table}.csv", 1, column)
    assert problem.message == (
        f"{label}缺少这一列（列名可写作：{headers}）：即使全部为空也必须有这一列，否则{means}"
    )


def test_an_exit_year_column_with_every_value_blank_is_read(tmp_path: Path) -> None:
    tables = fd.county_tables()
    for row in tables["households"]:
        row["exit_year"] = row["returned_year"] = None
    county = load(folder(tmp_path, tables))
    assert county.households["exit_year"].isna().all()


def test_exit_status_that_agrees_with_the_years_is_read(tmp_path: Path) -> None:
    tables = fd.county_tables()  # exit years: 2016, -, 2015 (returned 2017), -
    for row, status in zip(tables["households"], ("脱贫", "未脱贫", "返贫", "否")):
        row["exit_status"] = status
    county = load(folder(tmp_path, tables, exit_status="贫困户状态"))
    assert county.households["exit_status"].tolist() == ["已脱贫", "未脱贫", "返贫", "未脱贫"]


def test_exit_status_that_disagrees_with_the_years_names_the_row(tmp_path: Path) -> None:
    tables = fd.county_tables()  # exit years: 2016, -, 2015 (returned 2017), -
    for row, status in zip(tables["households"], ("未脱贫", "已脱贫", "已脱贫", "返贫")):
        row["exit_status"] = status
    found = problems(folder(tmp_path, tables, exit_status="是否脱贫"))
    assert [(p.row, p.column, p.value, p.message) for p in found] == [
        (2, "是否脱贫", "未脱贫", "是否脱贫为“未脱贫”，但有脱贫年度：请删除脱贫年度或改正是否脱贫"),
        (3, "是否脱贫", "已脱贫", "是否脱贫为“已脱贫”，但脱贫年度为空：请填写脱贫年度或改正是否脱贫"),
        (4, "是否脱贫", "已脱贫", "是否脱贫为“已脱贫”，但有返贫年度：返贫户应为“返贫”"),
        (5, "是否脱贫", "返贫", "是否脱贫为“返贫”，但返贫年度为空：请填写返贫年度或改正是否脱贫"),
    ]


# ---------------------------------------------------------------------------
# Ids in scientific notation; what a run cannot use.


@pytest.mark.parametrize(("table", "index", "column", "value"), [
    ("households", 1, "household_id", "9.90101E+15"),
    ("households", 1, "id_number", "4.10101E+17"),
    ("villages", 1, "village_id", "1E+11"),
])
def test_an_id_in_scientific_notation_says_to_format_it_as_text(
    tmp_path: Path, table: str, index: int, column: str, value: str
) -> None:
    tables = fd.county_tables()
    tables[table][index][column] = value
    found = [p for p in problems(folder(tmp_path, tables)) if p.file == f"{table}.csv"]
    shown = masked(column, value)  # personal data is never quoted whole
    assert [(p.row, p.column_en, p.value, p.message) for p in found] == [(3, column, shown, SCIENTIFIC_ID)]
    assert "设为“文本”格式" in SCIENTIFIC_ID and "重新导出" in SCIENTIFIC_ID


@pytest.mark.parametrize("value", ["1e308", "1e13", "99999999999999"])
def test_an_absurd_amount_is_refused_before_any_run(tmp_path: Path, value: str) -> None:
    tables = fd.county_tables()
    tables["incomes"][2]["per_capita_income"] = value
    problem = only(folder(tmp_path, tables))
    assert (problem.row, problem.column_en, problem.value, problem.message) == (
        4, "per_capita_income", value, MONEY_TOO_LARGE
    )
    assert "1e13" in MONEY_TOO_LARGE


def test_the_largest_amount_below_the_bound_is_exact_to_the_fen(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["villages"][0]["collective_income"] = "9999999999999.99"
    assert to_fen(load(folder(tmp_path, tables)).villages["collective_income"]).tolist()[0] == 999999999999999


@pytest.mark.parametrize("character", ["\uffff", "\ufdd0", "\U0010fffe", "\u0378"])
def test_a_noncharacter_or_unassigned_code_point_in_a_name_is_refused(tmp_path: Path, character: str) -> None:
    tables = fd.county_tables()
    tables["villages"][1]["township_name"] = tables["villages"][0]["township_name"] = "城关" + character + "镇"
    tables["households"][0]["head_name"] = "张" + character
    found = problems(folder(tmp_path, tables))
    assert {(p.file, p.row, p.column_en, p.message) for p in found} == {
        ("villages.csv", 2, "township_name", UNASSIGNED), ("villages.csv", 3, "township_name", UNASSIGNED),
        ("households.csv", 2, "head_name", UNASSIGNED),
    }


def test_a_rare_ideograph_in_a_name_is_ordinary_input(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["households"][0]["head_name"] = "\U00020000\u4dbf"  # CJK extension B and A
    assert load(folder(tmp_path, tables)).households["head_name"].iloc[0] == "\U00020000\u4dbf"


def test_ids_that_differ_only_by_case_are_refused(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["villages"][2].update(township_id="A1", village_id="v1")
    tables["villages"][0].update(township_id="a1", township_name="河口乡")
    tables["villages"][1].update(village_id="V1")
    for row in tables["households"]:
        row["village_id"] = "V1" if row["village_id"] == "0102" else "v1" if row["village_id"] == "0201" else "0101"
    found = problems(folder(tmp_path, tables))
    assert [(p.row, p.column, p.value, p.message) for p in found] == [
        (4, "乡镇代码", "A1",
         "与第2行的乡镇代码「a1」只有大小写不同：在 Windows 和 macOS 上会写入同一个报告文件夹或文件，请改为不同的代码"),
        (4, "村代码", "v1",
         "与第3行的村代码「V1」只有大小写不同：在 Windows 和 macOS 上会写入同一个报告文件夹或文件，请改为不同的代码"),
    ]


@pytest.mark.parametrize("name", ["NUL", "con", "Com1", "LPT9"])
def test_a_windows_device_name_as_a_township_or_village_id_is_refused(tmp_path: Path, name: str) -> None:
    tables = fd.county_tables()
    for row in tables["villages"][:2]:
        row["township_id"] = name
    found = problems(folder(tmp_path, tables))
    assert [(p.row, p.column_en, p.value, p.message) for p in found] == [(2, "township_id", name, RESERVED_ID)]


# ---------------------------------------------------------------------------
# Every read bounded: regular files only.


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_or_a_link_to_a_device_is_refused_unread(tmp_path: Path) -> None:
    """Through the console command, each in its own process: a read without end fails the test, not the suite."""
    path = fd.write_csv_folder(tmp_path / "data", fd.county_tables())
    (path / "households.csv").unlink()
    os.mkfifo(path / "households.csv")  # nobody writes: a read would wait for ever
    (path / "incomes.csv").unlink()
    (path / "incomes.csv").symlink_to("/dev/zero")  # a read would never end
    os.mkfifo(tmp_path / "county.xlsx")
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}
    procs = [
        subprocess.Popen([sys.executable, "-m", "fupin", "validate", str(p)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        for p in (path, tmp_path / "county.xlsx")
    ]
    try:
        (_, folder_err), (_, book_err) = (p.communicate(timeout=120) for p in procs)
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [2, 2]
    assert folder_err.splitlines()[1:] == [
        "  - households.csv：不是普通文件，而是命名管道（FIFO）：只读取普通的数据文件，请选对文件",
        "  - incomes.csv：不是普通文件，而是指向设备文件的链接：只读取普通的数据文件，请选对文件",
    ]
    assert book_err.splitlines()[1:] == [
        "  - county.xlsx：不是普通文件，而是命名管道（FIFO）：只读取普通的数据文件，请选对文件",
    ]
