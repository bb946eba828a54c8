"""fupin.io.loading.load: every accepted input form gives the same typed county."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import fixtures_data as fd
from fupin.io import loading
from fupin.core.contract import HOUSEHOLDS, TABLES, TEXT_DTYPE, contract_dtype
from fupin.core.county import County
from fupin.core.errors import DataError, Unconvertible
from fupin.io.loading import (
    decode, find_header, load, normalize_header, parse_bool, parse_id, parse_int, parse_number,
)
from fupin.io.summary import township_summary

NA = pd.NA

DTYPES = {
    "villages": {
        "village_id": "string", "village_name": "string", "township_id": "string",
        "township_name": "string", "county_name": "string", "population": "int64",
        "is_poor_village": "bool", "is_deep_poor_village": "bool", "village_exit_year": "Int64",
        "venue_ok": "bool", "road_ok": "bool", "collective_income": "float64",
    },
    "households": {
        "household_id": "string", "village_id": "string", "size": "int64",
        "registered_year": "int64", "exit_year": "Int64", "returned_year": "Int64",
        "attribute": "string", "main_cause": "string", "food_clothing_ok": "bool",
        "education_ok": "bool", "medical_ok": "bool", "housing_ok": "bool", "water_ok": "bool",
        "house_risk_grade": "string", "in_renovation_program": "boolean", "cadre_id": "string",
        "head_name": "string", "id_number": "string",
    },
    "incomes": {
        "household_id": "string", "year": "int64", "per_capita_income": "float64",
        "is_estimate": "bool",
    },
    "cadres": {"cadre_id": "string", "name": "string", "unit": "string"},
}


def assert_reference(county: County, cadres: bool = True) -> None:
    """``county`` is the hand-made county of fixtures_data, typed as the contract says."""
    for name, dtypes in DTYPES.items():
        frame = getattr(county, name)
        if name == "cadres" and not cadres:
            assert frame is None
            continue
        assert {c: str(t) for c, t in frame.dtypes.items()} == dtypes, name
        contract = {c.name: contract_dtype(c) for c in TABLES[name].columns if c.name in frame}
        assert frame.dtypes.to_dict() == contract, name
        assert list(frame.index) == list(range(len(frame)))
    v, h, i = county.villages, county.households, county.incomes
    assert v["village_id"].tolist() == ["0101", "0102", "0201"]
    assert v["township_id"].tolist() == ["001", "001", "002"]
    assert v["population"].tolist() == [1200, 800, 950]
    assert v["is_poor_village"].tolist() == [True, False, True]
    assert v["village_exit_year"].tolist() == [2017, NA, NA]
    assert v["venue_ok"].tolist() == [True, True, False]
    assert v["collective_income"].tolist()[:2] == [35000.0, 52000.5]
    assert np.isnan(v["collective_income"].iloc[2])
    assert h["household_id"].tolist() == ["00010001", "00010002", "00010003", "00020001"]
    assert h["village_id"].tolist() == ["0101", "0101", "0102", "0201"]
    assert h["size"].tolist() == [3, 2, 4, 1]
    assert h["registered_year"].tolist() == [2014, 2015, 2014, 2016]
    assert h["exit_year"].tolist() == [2016, NA, 2015, NA]
    assert h["returned_year"].tolist() == [NA, NA, 2017, NA]
    assert h["medical_ok"].tolist() == [True, False, True, True]
    assert h["housing_ok"].tolist() == [True, True, True, False]
    assert h["house_risk_grade"].tolist() == [NA, "C", NA, "D"]
    assert h["in_renovation_program"].tolist() == [NA, True, NA, False]
    assert h["attribute"].tolist() == ["一般贫困户", "低保贫困户", "一般贫困户", "特困供养贫困户"]
    assert h["id_number"].tolist() == ["0", NA, NA, NA]
    assert i["household_id"].tolist()[::2] == ["00010001", "00010002", "00010003", "00020001"]
    assert i["year"].tolist() == [2017, 2018, 2017, 2018, 2017, 2018, 2016, 2018]
    assert i["per_capita_income"].tolist()[:4] == [4200.0, 4800.0, 3100.0, 3300.5]
    assert i["is_estimate"].tolist() == [False, False, False, True, False, False, False, False]
    if cadres:
        assert county.cadres["cadre_id"].tolist() == ["C01", "C02"]
        assert county.cadres["unit"].tolist() == ["县林业局", "县教育局"]


# ---------------------------------------------------------------------------
# Every accepted form.


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_folder_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    folder = fd.write_csv_folder(tmp_path / "data", fd.county_tables(), encoding=encoding)
    assert_reference(load(folder))


def test_csv_folder_with_chinese_file_names_and_title_rows(tmp_path: Path) -> None:
    folder = fd.write_csv_folder(tmp_path / "数据", fd.county_tables(), encoding="gbk", names="zh", title_rows=2)
    county = load(folder)
    assert_reference(county)
    assert county.sources["households"].path == folder / "户表.csv"


def test_csv_folder_with_english_headers(tmp_path: Path) -> None:
    assert_reference(load(fd.write_csv_folder(tmp_path / "d", fd.county_tables(), headers="en")))


def test_xlsx_folder(tmp_path: Path) -> None:
    folder = fd.write_xlsx_folder(tmp_path / "d", fd.county_tables(), title_rows=1)
    county = load(folder)
    assert_reference(county)
    assert county.sources["villages"].sheet == "Sheet1"


def test_parquet_folder(tmp_path: Path) -> None:
    """Blank years make pandas write floats (2016.0): they still load as whole years."""
    folder = fd.write_parquet_folder(tmp_path / "d", fd.county_tables())
    assert pd.read_parquet(folder / "households.parquet")["exit_year"].dtype == "float64"
    assert_reference(load(folder))


def test_parquet_folder_with_chinese_headers(tmp_path: Path) -> None:
    assert_reference(load(fd.write_parquet_folder(tmp_path / "d", fd.county_tables(), headers="zh")))


def test_workbook_with_chinese_sheets_and_title_rows(tmp_path: Path) -> None:
    path = fd.write_workbook(tmp_path / "示例县.xlsx", fd.county_tables(), title_rows=2)
    assert openpyxl.load_workbook(path)["户表"].merged_cells.ranges  # the title is merged
    county = load(path)
    assert_reference(county)
    assert {n: s.sheet for n, s in county.sources.items()} == {
        "villages": "村表", "households": "户表", "incomes": "收入表", "cadres": "帮扶干部表",
    }


def test_workbook_with_english_sheets_and_headers(tmp_path: Path) -> None:
    path = fd.write_workbook(tmp_path / "county.xlsx", fd.county_tables(), sheets="en", headers="en", title_rows=0)
    assert_reference(load(path))


def test_workbook_without_cadres(tmp_path: Path) -> None:
    path = fd.write_workbook(tmp_path / "c.xlsx", fd.county_tables(cadres=False))
    county = load(path)
    assert_reference(county, cadres=False)
    assert set(county.sources) == {"villages", "households", "incomes"}


def test_chinese_aliases_and_decorated_headers(tmp_path: Path) -> None:
    """Aliases, units in brackets, line breaks and spaces in headers all name the column."""
    aliases = {
        "villages": {"village_id": "行政村代码", "village_name": "行政村", "township_name": "乡镇",
                     "population": "农业户籍人口（人）", "collective_income": "村集体经济收入(元)"},
        "households": {"household_id": "户编码", "village_id": "行政村代码", "size": "家庭\n人口",
                       "registered_year": "纳入年度", "exit_year": " 退出年度 ", "id_number": "身份证号"},
        "incomes": {"household_id": "户编码", "per_capita_income": "人均纯收入（元）"},
        "cadres": {},
    }
    folder = tmp_path / "d"
    folder.mkdir()
    for table, rows in fd.county_tables().items():
        fd.write_csv(folder / f"{table}.csv", fd.grid(table, rows, aliases[table]))
    assert_reference(load(folder))


def test_messy_values_are_ordinary_input(tmp_path: Path) -> None:
    tables = fd.county_tables()
    v, h, i = tables["villages"], tables["households"], tables["incomes"]
    v[0].update(population="1,200", is_poor_village=" √ ", village_exit_year="2017.0", collective_income="35,000元")
    v[1].update(population="８００", is_poor_village="×", venue_ok="Y", road_ok="TRUE", village_exit_year="—")
    v[2].update(is_poor_village="有", venue_ok="n", road_ok="1", is_deep_poor_village="false")
    h[0].update(size="３", registered_year=" 2014.0 ", exit_year="2016年", food_clothing_ok="True")
    h[1].update(medical_ok="无", house_risk_grade="c", in_renovation_program="yes")
    h[3].update(housing_ok="0", in_renovation_program="N", size="1.0")
    i[0].update(per_capita_income="4,200")
    i[1].update(per_capita_income="4800元")
    i[2].update(per_capita_income="３１００")
    i[3].update(per_capita_income=" ¥3,300.50 ", is_estimate="是")
    county = load(fd.write_csv_folder(tmp_path / "d", tables))
    assert_reference(county)
    assert county.villages["collective_income"].iloc[0] == 35000.0


def test_leading_zero_ids_stay_text(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["households"][0]["id_number"] = "012345199001011234"
    county = load(fd.write_workbook(tmp_path / "c.xlsx", tables))
    assert county.villages["township_id"].iloc[0] == "001"
    assert county.households["household_id"].iloc[0] == "00010001"
    assert county.households["id_number"].iloc[0] == "012345199001011234"


def test_excel_numeric_ids_lose_their_float_tail(tmp_path: Path) -> None:
    """An id typed as a number (1001, shown by openpyxl as 1001.0 when a float) is the text "1001"."""
    tables = fd.county_tables()
    for old, new in zip(["00010001", "00010002", "00010003", "00020001"], [1001, 1002.0, 1003, 2001]):
        for row in tables["households"] + tables["incomes"]:
            if row["household_id"] == old:
                row["household_id"] = new
    county = load(fd.write_workbook(tmp_path / "c.xlsx", tables))
    assert county.households["household_id"].tolist() == ["1001", "1002", "1003", "2001"]
    assert county.incomes["household_id"].iloc[2] == "1002"


def test_ids_written_as_float_text_in_csv(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["households"][0]["cadre_id"] = None
    tables["cadres"].append({"cadre_id": "17", "name": "吴九", "unit": "县医院"})
    tables["households"][1]["cadre_id"] = "17.0"
    county = load(fd.write_csv_folder(tmp_path / "d", tables))
    assert county.households["cadre_id"].tolist()[:2] == [NA, "17"]


def test_merged_cells_in_data_repeat_their_value(tmp_path: Path) -> None:
    """A village code merged over its households' rows applies to each of them."""
    tables = fd.county_tables()
    path = fd.write_workbook(tmp_path / "c.xlsx", tables, title_rows=1)
    book = openpyxl.load_workbook(path)
    ws = book["户表"]
    assert ws["B3"].value == "0101" and ws["B4"].value == "0101"
    ws["B4"] = None
    ws.merge_cells("B3:B4")
    book.save(path)
    assert_reference(load(path))


def test_two_row_header_with_merged_cells(tmp_path: Path) -> None:
    """A group title merged over the guarantees; the other headers merged down two rows."""
    tables = fd.county_tables()
    path = fd.write_workbook(tmp_path / "c.xlsx", tables, title_rows=1)
    book = openpyxl.load_workbook(path)
    ws = book["户表"]
    ws.insert_rows(2)
    headers = [c.value for c in ws[3]]
    for col, name in enumerate(headers, start=1):
        if name in ("不愁吃穿", "义务教育保障", "基本医疗保障", "住房安全保障", "饮水安全保障"):
            ws.cell(2, col, "两不愁三保障")
        else:
            ws.cell(2, col, name)
            ws.cell(3, col, None)
            ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    first = headers.index("不愁吃穿") + 1
    ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + 4)
    book.save(path)
    assert_reference(load(path))


def test_blank_rows_and_unknown_columns_are_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    for table, rows in fd.county_tables().items():
        cells = fd.grid(table, rows, extra={"备注": "无", "填报人": "张"})
        cells.insert(3, [])
        fd.write_csv(folder / f"{table}.csv", [*cells, [], ["", " ", ""], [None] * len(cells[0])])
    assert_reference(load(folder))


def test_optional_columns_may_be_absent(tmp_path: Path) -> None:
    """Absent optional columns get their default (guarantees true, estimates false) or stay blank."""
    required = {
        name: [{c.name: r[c.name] for c in fd.TABLES[name].columns if c.always_present} for r in rows]
        for name, rows in fd.county_tables(cadres=False).items()
    }
    county = load(fd.write_csv_folder(tmp_path / "d", required))
    h, v = county.households, county.villages
    assert h["water_ok"].dtype == "bool" and h["water_ok"].all()
    assert h["returned_year"].dtype == "Int64" and h["returned_year"].isna().all()
    assert h["in_renovation_program"].dtype == "boolean" and h["in_renovation_program"].isna().all()
    assert h["cadre_id"].isna().all() and h["cadre_id"].dtype == "string"
    assert v["venue_ok"].all() and not v["is_deep_poor_village"].any()
    assert not county.incomes["is_estimate"].any()
    assert county.cadres is None
    # industry_support stays absent: "not recorded" is not "all blank" (industry coverage is not reported)
    assert list(h.columns) == [c.name for c in HOUSEHOLDS.columns if not c.omit_if_absent]


def test_industry_support_is_read_under_its_aliases(tmp_path: Path) -> None:
    """The optional industry_support column: 产业帮扶 / 享受产业扶持, booleans in every form, blanks kept."""
    for header in ("产业帮扶", "享受产业扶持", "industry_support"):
        tables = fd.county_tables()
        for row, value in zip(tables["households"], ("是", "×", None, "1")):
            row["industry_support"] = value
        county = load(fd.write_csv_folder(tmp_path / header, tables, headers={"industry_support": header}))
        support = county.households["industry_support"]
        assert str(support.dtype) == "boolean", header
        assert support.tolist() == [True, False, pd.NA, True], header


def test_industry_support_bad_value_is_named(tmp_path: Path) -> None:
    tables = fd.county_tables()
    for row in tables["households"]:
        row["industry_support"] = "也许" if row["household_id"] == "00010002" else "是"
    with pytest.raises(DataError) as info:
        load(fd.write_csv_folder(tmp_path / "d", tables))
    [problem] = info.value.problems
    assert (problem.column, problem.value, problem.row) == ("产业帮扶", "也许", 3)
    assert problem.message.startswith("应为是/否")


def test_blank_bool_cells_take_the_default(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["households"][1]["medical_ok"] = None
    tables["incomes"][3]["is_estimate"] = ""
    county = load(fd.write_csv_folder(tmp_path / "d", tables))
    assert county.households["medical_ok"].tolist() == [True, True, True, True]
    assert not county.incomes["is_estimate"].any()


# ---------------------------------------------------------------------------
# Provenance and immutability.


def test_sources_record_path_sheet_and_checksum(tmp_path: Path) -> None:
    folder = fd.write_csv_folder(tmp_path / "d", fd.county_tables())
    county = load(folder)
    for name, source in county.sources.items():
        assert source.path == folder / f"{name}.csv"
        assert source.sheet is None
        assert source.sha256 == hashlib.sha256(source.path.read_bytes()).hexdigest()


def _forms(tmp: Path) -> list[Path]:
    tables = fd.county_tables()
    return [
        fd.write_csv_folder(tmp / "utf8", tables),
        fd.write_csv_folder(tmp / "bom", tables, encoding="utf-8-sig", headers="en"),
        fd.write_csv_folder(tmp / "gbk", tables, encoding="gbk", names="zh", title_rows=1),
        fd.write_xlsx_folder(tmp / "xlsx", tables, title_rows=2),
        fd.write_parquet_folder(tmp / "parquet", tables),
        fd.write_workbook(tmp / "zh.xlsx", tables),
        fd.write_workbook(tmp / "en.xlsx", tables, sheets="en", headers="en", title_rows=0),
    ]


def test_input_files_are_never_changed(tmp_path: Path) -> None:
    for path in _forms(tmp_path):
        before = fd.hashes(path)
        mtimes = {p: p.stat().st_mtime_ns for p in ([path] if path.is_file() else path.iterdir())}
        assert_reference(load(path))
        assert fd.hashes(path) == before, path
        assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bom", "en.xlsx", "gbk", "parquet", "utf8", "xlsx", "zh.xlsx",
    ]


def test_load_accepts_a_string_path(tmp_path: Path) -> None:
    assert_reference(load(str(fd.write_csv_folder(tmp_path / "d", fd.county_tables()))))


# ---------------------------------------------------------------------------
# The conversion helpers.


@pytest.mark.parametrize(
    ("text", "value"),
    [("2016", 2016), ("2016.0", 2016), ("2016.00", 2016), ("1,200", 1200), ("2016年", 2016),
     ("3人", 3), ("-1", -1)],
)
def test_parse_int(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["2016.5", "abc", "", "1e400", "2O16", "1.2.3"])
def test_parse_int_refuses(text: str) -> None:
    with pytest.raises(Unconvertible):
        parse_int(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("3500", 3500.0), ("3,500", 3500.0), ("3500元", 3500.0), ("¥3,500.5", 3500.5), ("0", 0.0),
     ("-12.5", -12.5), ("1e3", 1000.0)],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "3500美元", "3.5.0"])
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(Unconvertible):
        parse_number(text)


@pytest.mark.parametrize("text", ["是", "有", "√", "Y", "y", "yes", "true", "TRUE", "True", "1", "1.0"])
def test_parse_bool_true(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["否", "无", "×", "N", "n", "no", "false", "FALSE", "0", "0.0"])
def test_parse_bool_false(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["maybe", "2", "是的吧"])
def test_parse_bool_refuses(text: str) -> None:
    with pytest.raises(Unconvertible):
        parse_bool(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0012", "0012"), ("1001.0", "1001"), ("'0012", "0012"), ('="0012"', "0012"), ("A-01", "A-01"),
     ("12.5", "12.5")],
)
def test_parse_id(text: str, value: str) -> None:
    assert parse_id(text) == value


def test_decode_detects_encodings() -> None:
    text = "户编号,家庭人口数\n00010001,3\n"
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        assert decode(text.encode(encoding)) == text
    assert decode(b"PK\x03\x04\x00\x00binary") is None


def test_normalize_header() -> None:
    assert normalize_header(" 人均纯收入（元） ") == "人均纯收入"
    assert normalize_header("家庭\n人口数") == "家庭人口数"
    assert normalize_header("Household_ID") == "household_id"


def test_find_header_skips_title_rows() -> None:
    rows = [["户表"], ["填报单位：示例县", None], ["户编号", "村代码", "备注"], ["1", "0101", "x"]]
    assert find_header(rows, HOUSEHOLDS) == 2
    assert find_header([["a", "b"], ["1", "2"]], HOUSEHOLDS) is None


# ---------------------------------------------------------------------------
# The validate summary.


def test_township_summary(tmp_path: Path) -> None:
    county = load(fd.write_csv_folder(tmp_path / "d", fd.county_tables()))
    expected = pd.DataFrame(
        {
            "乡镇代码": pd.array(["001", "002"], dtype=TEXT_DTYPE),
            "乡镇": pd.array(["城关镇", "河口乡"], dtype=TEXT_DTYPE),
            "村数": [2, 1],
            "建档立卡户数": [3, 1],
            "人数": [9, 1],
            "收入年度": ["2017–2018", "2016–2018"],
        }
    )
    pd.testing.assert_frame_equal(township_summary(county), expected)


def test_township_summary_of_a_township_without_households(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["villages"].append(dict(tables["villages"][1], village_id="0301", township_id="003", township_name="新乡"))
    county = load(fd.write_csv_folder(tmp_path / "d", tables))
    row = township_summary(county).iloc[-1].tolist()
    assert row == ["003", "新乡", 1, 0, 0, ""]


def test_xlsx_is_read_through_openpyxl_public_api() -> None:
    """No private name of openpyxl (or any other package) is used by the loader."""
    source = Path(loading.__file__).read_text(encoding="utf-8")
    assert re.findall(r"\._[a-z]\w*", source) == []
