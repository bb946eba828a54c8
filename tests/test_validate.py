"""Validation: every rule of data.md, each problem located as the user sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

import fixtures_data as fd
from fupin.core.errors import DataError, Problem
from fupin.io.loading import load

HH = "households.csv"
VI = "villages.csv"
IN = "incomes.csv"
YEARS = "应为1980到2100之间的年份（整数）"


def problems_of(path: Path) -> list[Problem]:
    """The problems ``load(path)`` raises (failing the test when it loads or alters a file)."""
    before = fd.hashes(path) if path.exists() else {}
    with pytest.raises(DataError) as info:
        load(path)
    assert (fd.hashes(path) if path.exists() else {}) == before
    return info.value.problems


def csv_problems(tmp_path: Path, tables: fd.Tables, **kwargs: object) -> list[Problem]:
    return problems_of(fd.write_csv_folder(tmp_path / "data", tables, **kwargs))


@pytest.fixture
def tables() -> fd.Tables:
    return fd.county_tables()


def P(file: str, message: str, row: int | None = None, column: str | None = None,  # noqa: N802
      column_en: str | None = None, value: object = None, sheet: str | None = None) -> Problem:
    return Problem(file, message, sheet, row, column, column_en, value)


# ---------------------------------------------------------------------------
# Values that do not convert.


@pytest.mark.parametrize(
    ("table", "index", "column", "value", "header", "message"),
    [
        ("households", 0, "size", "abc", "家庭人口数", "应为1到30的整数"),
        ("households", 1, "registered_year", "2016.5", "识别年度", YEARS),
        ("households", 2, "exit_year", "明年", "脱贫年度", YEARS),
        ("households", 3, "medical_ok", "maybe", "基本医疗保障",
         "应为是/否（也可写 有/无、√/×、Y/N、true/false、1/0）"),
        ("villages", 0, "population", "一千", "户籍人口", "应为大于0的整数"),
        ("villages", 1, "collective_income", "5万", "村集体经济收入", "应为数字"),
        ("incomes", 2, "per_capita_income", "3500美元", "人均纯收入", "应为不小于0的数字（元）"),
        ("incomes", 3, "is_estimate", "预计", "是否预计",
         "应为是/否（也可写 有/无、√/×、Y/N、true/false、1/0）"),
    ],
)
def test_unconvertible_values(
    tmp_path: Path, tables: fd.Tables, table: str, index: int, column: str, value: str,
    header: str, message: str,
) -> None:
    tables[table][index][column] = value
    assert csv_problems(tmp_path, tables) == [
        P(f"{table}.csv", message, index + 2, header, column, value)
    ]


# ---------------------------------------------------------------------------
# Column rules (pandera).


@pytest.mark.parametrize(
    ("table", "index", "column", "value", "message"),
    [
        ("households", 0, "size", 0, "应为1到30的整数"),
        ("households", 1, "size", 31, "应为1到30的整数"),
        ("villages", 0, "population", 0, "应为大于0的整数"),
        ("villages", 2, "population", -950, "应为大于0的整数"),
        ("incomes", 1, "per_capita_income", -1, "应为不小于0的数字（元）"),
        ("households", 2, "registered_year", 1970, YEARS),
        ("households", 0, "exit_year", 2200, YEARS),
        ("incomes", 4, "year", 18, YEARS),
        ("villages", 0, "village_exit_year", 3017, YEARS),
        ("households", 0, "attribute", "富裕户", "应为以下之一：一般贫困户、低保贫困户、特困供养贫困户"),
        ("households", 1, "main_cause", "懒",
         "应为以下之一：因病、因残、因学、因灾、缺土地、缺水、缺技术、缺劳力、缺资金、交通条件落后、自身发展动力不足、其他"),
        ("households", 3, "house_risk_grade", "E", "应为以下之一：C、D"),
    ],
)
def test_column_rules(
    tmp_path: Path, tables: fd.Tables, table: str, index: int, column: str, value: object,
    message: str,
) -> None:
    tables[table][index][column] = value
    header = fd.header(table, column)
    assert csv_problems(tmp_path, tables) == [
        P(f"{table}.csv", message, index + 2, header, column, str(value))
    ]


@pytest.mark.parametrize(
    ("table", "index", "column"),
    [
        ("villages", 1, "village_id"), ("villages", 0, "village_name"), ("villages", 2, "township_id"),
        ("villages", 2, "township_name"), ("villages", 1, "population"), ("villages", 0, "is_poor_village"),
        ("households", 2, "size"), ("households", 3, "registered_year"),
        ("incomes", 5, "year"), ("incomes", 6, "per_capita_income"), ("cadres", 1, "cadre_id"),
    ],
)
def test_required_values_may_not_be_blank(
    tmp_path: Path, tables: fd.Tables, table: str, index: int, column: str
) -> None:
    tables[table][index][column] = None
    found = csv_problems(tmp_path, tables)
    assert P(f"{table}.csv", "必填，不能为空", index + 2, fd.header(table, column), column) in found
    if column not in {"village_id", "cadre_id"}:  # a blank key also orphans its references
        assert len(found) == 1


def test_blank_key_also_breaks_the_references_to_it(tmp_path: Path, tables: fd.Tables) -> None:
    tables["villages"][2]["village_id"] = "  "
    assert csv_problems(tmp_path, tables) == [
        P(VI, "必填，不能为空", 4, "村代码", "village_id"),
        P(HH, "村代码在村表中不存在", 5, "村代码", "village_id", "0201"),
    ]


def test_blank_tokens_count_as_blank(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"][0]["size"] = "—"
    tables["households"][1]["exit_year"] = "/"
    assert csv_problems(tmp_path, tables) == [P(HH, "必填，不能为空", 2, "家庭人口数", "size", "—")]


# ---------------------------------------------------------------------------
# Rules across the columns of a row.


def test_exit_year_not_before_registered_year(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"][1]["exit_year"] = 2014  # registered 2015
    tables["households"][0]["exit_year"] = 2014  # registered 2014: same year is fine
    assert csv_problems(tmp_path, tables) == [
        P(HH, "脱贫年度不应早于识别年度", 3, "脱贫年度", "exit_year", "2014")
    ]


def test_returned_year_after_exit_year(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"][2]["returned_year"] = 2015  # exit 2015
    assert csv_problems(tmp_path, tables) == [
        P(HH, "返贫年度应晚于脱贫年度", 4, "返贫年度", "returned_year", "2015")
    ]


def test_returned_year_needs_an_exit_year(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"][1]["returned_year"] = 2018
    assert csv_problems(tmp_path, tables) == [
        P(HH, "有返贫年度的户应有脱贫年度", 3, "返贫年度", "returned_year", "2018")
    ]


def test_exit_year_only_for_poor_villages(tmp_path: Path, tables: fd.Tables) -> None:
    tables["villages"][1]["village_exit_year"] = 2018
    assert csv_problems(tmp_path, tables) == [
        P(VI, "只有贫困村才有出列年度", 3, "出列年度", "village_exit_year", "2018")
    ]


# ---------------------------------------------------------------------------
# Keys, references and townships.


def test_duplicate_village_id(tmp_path: Path, tables: fd.Tables) -> None:
    tables["villages"][2]["village_id"] = "0101"
    tables["households"][3]["village_id"] = "0101"
    assert csv_problems(tmp_path, tables) == [
        P(VI, "村代码重复（另见第2行）", 4, "村代码", "village_id", "0101")
    ]


def test_duplicate_household_id_names_the_first_row(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"] += [dict(tables["households"][1]), dict(tables["households"][1])]
    assert csv_problems(tmp_path, tables) == [
        P(HH, "户编号重复（另见第3行）", 6, "户编号", "household_id", "00010002"),
        P(HH, "户编号重复（另见第3行）", 7, "户编号", "household_id", "00010002"),
    ]


def test_duplicate_income_year(tmp_path: Path, tables: fd.Tables) -> None:
    tables["incomes"][3]["year"] = 2017
    assert csv_problems(tmp_path, tables) == [
        P(IN, "户编号与年度重复（另见第4行）", 5, "年度", "year", "00010002、2017")
    ]


def test_duplicate_cadre_id(tmp_path: Path, tables: fd.Tables) -> None:
    tables["cadres"].append({"cadre_id": "C01", "name": "郑十", "unit": "县财政局"})
    assert csv_problems(tmp_path, tables) == [
        P("cadres.csv", "帮扶责任人编号重复（另见第2行）", 4, "帮扶责任人编号", "cadre_id", "C01")
    ]


def test_household_village_must_exist(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"][2]["village_id"] = "9999"
    assert csv_problems(tmp_path, tables) == [
        P(HH, "村代码在村表中不存在", 4, "村代码", "village_id", "9999")
    ]


def test_income_household_must_exist(tmp_path: Path, tables: fd.Tables) -> None:
    tables["incomes"][7]["household_id"] = "0002001"  # a zero short
    assert csv_problems(tmp_path, tables) == [
        P(IN, "户编号在户表中不存在", 9, "户编号", "household_id", "0002001")
    ]


def test_household_cadre_must_exist_when_cadres_are_given(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"][0]["cadre_id"] = "C99"
    assert csv_problems(tmp_path, tables) == [
        P(HH, "帮扶责任人编号在帮扶干部表中不存在", 2, "帮扶责任人编号", "cadre_id", "C99")
    ]


def test_household_cadre_is_free_text_without_cadres(tmp_path: Path, tables: fd.Tables) -> None:
    del tables["cadres"]
    tables["households"][0]["cadre_id"] = "C99"
    assert load(fd.write_csv_folder(tmp_path / "d", tables)).households["cadre_id"].iloc[0] == "C99"


def test_one_township_id_one_name(tmp_path: Path, tables: fd.Tables) -> None:
    tables["villages"][1]["township_name"] = "城关"
    assert csv_problems(tmp_path, tables) == [
        P(VI, "乡镇代码「001」已对应乡镇名称「城关镇」（第2行），同一乡镇只能有一个名称", 3, "乡镇名称",
          "township_name", "城关")
    ]


# ---------------------------------------------------------------------------
# Tables and columns.


def test_missing_required_column(tmp_path: Path, tables: fd.Tables) -> None:
    for row in tables["households"]:
        del row["size"]
    assert csv_problems(tmp_path, tables, title_rows=1) == [
        P(HH, "缺少必填列（列名可写作：size、家庭人口数、家庭人口）", 2, "家庭人口数", "size")
    ]


def test_missing_key_column_skips_the_rules_that_need_it(tmp_path: Path, tables: fd.Tables) -> None:
    for row in tables["villages"]:
        del row["village_id"]
    assert csv_problems(tmp_path, tables) == [
        P(VI, "缺少必填列（列名可写作：village_id、村代码、行政村代码）", 1, "村代码", "village_id")
    ]


def test_missing_required_table(tmp_path: Path, tables: fd.Tables) -> None:
    del tables["incomes"]
    folder = fd.write_csv_folder(tmp_path / "data", tables)
    assert problems_of(folder) == [
        P(str(folder), "缺少收入表（incomes）：应有 incomes.csv、.xlsx 或 .parquet（也可用中文文件名 收入表.csv 等）")
    ]


def test_missing_required_sheet(tmp_path: Path, tables: fd.Tables) -> None:
    del tables["villages"]
    path = fd.write_workbook(tmp_path / "县.xlsx", tables)
    assert problems_of(path) == [
        P("县.xlsx", "缺少工作表「村表」或「villages」（现有工作表：「户表」、「收入表」、「帮扶干部表」）")
    ]


def test_same_table_in_two_forms(tmp_path: Path, tables: fd.Tables) -> None:
    folder = fd.write_csv_folder(tmp_path / "data", tables)
    fd.write_csv(folder / "户表.csv", fd.grid("households", tables["households"]))
    fd.write_xlsx(folder / "households.xlsx", {"户表": fd.grid("households", tables["households"])})
    assert problems_of(folder) == [
        P(str(folder), "户表（households）有多个文件：households.csv、households.xlsx、户表.csv，只能保留一个")
    ]


def test_same_table_in_two_sheets(tmp_path: Path, tables: fd.Tables) -> None:
    path = fd.write_workbook(tmp_path / "c.xlsx", tables)
    fd.write_xlsx(path, {**{n: fd.grid(t, r) for t, r in tables.items() for n in [fd.TABLES[t].label]},
                         "incomes": fd.grid("incomes", tables["incomes"])})
    assert problems_of(path) == [
        P("c.xlsx", "收入表（incomes）有多个工作表：「收入表」、「incomes」，只能保留一个")
    ]


def test_two_headers_for_one_column(tmp_path: Path, tables: fd.Tables) -> None:
    folder = fd.write_csv_folder(tmp_path / "data", tables)
    cells = fd.grid("villages", tables["villages"], extra={"行政村代码": "0101"})
    fd.write_csv(folder / "villages.csv", cells)
    assert problems_of(folder) == [
        P(VI, "多个列都表示村代码（village_id）：「村代码」、「行政村代码」，只能保留一个", 1, "行政村代码",
          "village_id")
    ]


def test_empty_required_table(tmp_path: Path, tables: fd.Tables) -> None:
    tables["incomes"] = []
    assert csv_problems(tmp_path, tables) == [P(IN, "收入表没有数据行", 1)]


def test_empty_cadres_table_is_fine(tmp_path: Path, tables: fd.Tables) -> None:
    tables["cadres"] = []
    for row in tables["households"]:
        row["cadre_id"] = None
    assert len(load(fd.write_csv_folder(tmp_path / "d", tables)).cadres) == 0


# ---------------------------------------------------------------------------
# Locating problems: sheets, title rows, written headers, values as written.


def test_workbook_problems_name_sheet_title_rows_and_written_header(tmp_path: Path, tables: fd.Tables) -> None:
    tables["households"][0]["size"] = "３１"
    headers = {"size": "家庭人口", "household_id": "户编码"}
    path = fd.write_xlsx(tmp_path / "示例县.xlsx", {
        fd.TABLES[t].label: fd.grid(t, rows, headers if t == "households" else "zh", title_rows=2)
        for t, rows in tables.items()
    })
    assert problems_of(path) == [
        P("示例县.xlsx", "应为1到30的整数", 4, "家庭人口", "size", "３１", sheet="户表")
    ]
    assert str(problems_of(path)[0]) == (
        "示例县.xlsx 工作表「户表」 第4行 列「家庭人口」(size) 值「３１」：应为1到30的整数"
    )


def test_xlsx_folder_problems_name_the_file_and_sheet(tmp_path: Path, tables: fd.Tables) -> None:
    tables["incomes"][0]["year"] = 2016.5
    folder = fd.write_xlsx_folder(tmp_path / "d", tables, title_rows=1)
    assert problems_of(folder) == [
        P("incomes.xlsx", YEARS, 3, "年度", "year", "2016.5", sheet="Sheet1")
    ]


def test_parquet_rows_count_the_header_as_row_one(tmp_path: Path, tables: fd.Tables) -> None:
    for row in tables["households"]:
        row["size"] = float(row["size"])
    tables["households"][3]["size"] = 1.5
    folder = fd.write_parquet_folder(tmp_path / "d", tables)
    assert problems_of(folder) == [P("households.parquet", "应为1到30的整数", 5, "size", "size", "1.5")]


def test_blank_lines_do_not_shift_row_numbers(tmp_path: Path, tables: fd.Tables) -> None:
    folder = fd.write_csv_folder(tmp_path / "d", tables)
    tables["households"][2]["size"] = 0
    cells = fd.grid("households", tables["households"], title_rows=1)
    cells.insert(3, [])
    fd.write_csv(folder / HH, cells)
    assert problems_of(folder) == [P(HH, "应为1到30的整数", 6, "家庭人口数", "size", "0")]


def test_every_problem_of_every_table_in_one_error(tmp_path: Path, tables: fd.Tables) -> None:
    tables["villages"][0]["population"] = 0
    tables["households"][0]["size"] = "abc"
    tables["households"][3]["exit_year"] = 2010
    tables["incomes"][0]["per_capita_income"] = "-3"
    tables["cadres"][1]["cadre_id"] = "C01"
    tables["households"][2]["cadre_id"] = "C03"
    tables["households"][3]["cadre_id"] = "C01"
    found = csv_problems(tmp_path, tables)
    assert [(p.file, p.row, p.column_en) for p in found] == [
        (VI, 2, "population"),
        (HH, 2, "size"),
        (HH, 4, "cadre_id"),
        (HH, 5, "exit_year"),
        (IN, 2, "per_capita_income"),
        ("cadres.csv", 3, "cadre_id"),
    ]


def test_ragged_csv_row(tmp_path: Path, tables: fd.Tables) -> None:
    folder = fd.write_csv_folder(tmp_path / "d", tables)
    lines = (folder / IN).read_text(encoding="utf-8").splitlines()
    lines[3] = "00010002,2017,3,100,否"  # an unquoted thousands separator
    (folder / IN).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems_of(folder) == [
        P(IN, "该行有5个字段，多于表头的4列（常见原因：数字中的逗号没有加引号，如 3,500）", 4)
    ]


def test_trailing_empty_fields_are_not_ragged(tmp_path: Path, tables: fd.Tables) -> None:
    folder = fd.write_csv_folder(tmp_path / "d", tables)
    text = (folder / IN).read_text(encoding="utf-8").replace("\n", ",,\n")
    (folder / IN).write_text(text, encoding="utf-8")
    assert len(load(folder).incomes) == 8
