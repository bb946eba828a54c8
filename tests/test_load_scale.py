"""Loading at scale: a generated county loads exactly, and the fast paths agree with the careful parsers.

The loader converts whole columns at once (Arrow for CSV parsing, clean
numbers and ids; each distinct messy text parsed once). These tests pin
that the result is what converting every cell on its own would give, so
the messages of ``test_validate.py`` hold at any size. No timings here:
``benchmarks/bench_load.py`` measures speed and memory.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fupin.io import loading
from fupin.core.contract import CHECK_DTYPES, TABLES, Column
from fupin.core.errors import DataError, Unconvertible
from fupin.sample.generate import generate_county, write_county
from fupin.io.loading import convert_values, load

HOUSEHOLDS = 50_000
TOWNSHIPS = 50


@pytest.fixture(scope="module")
def expected() -> dict[str, pd.DataFrame]:
    return generate_county(TOWNSHIPS, HOUSEHOLDS, seed=4)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_generated_county_of_50000_households_loads_exactly(
    tmp_path: Path, expected: dict[str, pd.DataFrame], fmt: str
) -> None:
    write_county(tmp_path, townships=TOWNSHIPS, households=HOUSEHOLDS, seed=4, fmt=fmt)
    county = load(tmp_path)
    assert len(county.households) == HOUSEHOLDS
    assert county.villages["township_id"].nunique() == TOWNSHIPS
    for name, frame in expected.items():
        loaded = getattr(county, name)
        assert len(loaded) == len(frame), name
        pd.testing.assert_frame_equal(loaded, frame, check_exact=True, obj=name)


@pytest.mark.parametrize("titles", [0, 2])
def test_errors_in_a_large_county_name_their_rows(tmp_path: Path, titles: int) -> None:
    """A few bad cells among 50,000 rows (under title rows): exactly those are reported, at their rows."""
    write_county(tmp_path, townships=TOWNSHIPS, households=HOUSEHOLDS, seed=4, fmt="csv")
    path = tmp_path / "households.csv"
    lines = ["示例县建档立卡户", "填报单位：扶贫办"][:titles] + path.read_text(encoding="utf-8-sig").split("\n")
    header = lines[titles].split(",")
    size, year = header.index("家庭人口数"), header.index("识别年度")
    for number, column, value in [(10, size, "abc"), (30_000, year, "2016.5"), (49_999, size, "0")]:
        cells = lines[number - 1].split(",")
        cells[column] = value
        lines[number - 1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load(tmp_path)
    assert [(p.row, p.column_en, p.value, p.message) for p in info.value.problems] == [
        (10, "size", "abc", "应为1到30的整数"),
        (30_000, "registered_year", "2016.5", "应为1980到2100之间的年份（整数）"),
        (49_999, "size", "0", "应为1到30的整数"),
    ]


# ---------------------------------------------------------------------------
# Whole columns convert as each cell would on its own.

MESSY = [
    None, "", " ", "\u3000", "—", "-", "--", "/", "nan", "NaN", "NULL", "None", "n/a", "N/A",
    "0", "1", "-0", "-1", "+5", "2016", " 2016 ", "\u30002016\u3000", "2016.0", "2016.00", "2016.5",
    "２０１６", "2,016", "2016年", "3人", "1e3", "1E3", ".5", "5.", "0012", "000000000000000000002016",
    "999999999999999", "1000000000000000", "1234567890123456.5", "3500.50", "3,500", "3500元", "¥3,500.5",
    " ¥3,300.50 ", "3500美元", "inf", "Infinity", "abc", "2O16", "١٢", "²",
    "是", "否", "有", "无", "√", "×", "Y", "n", "TRUE", "False", "yes", "maybe", "1.0", "0.0", "Ｙ", "对", "没有",
    "0101", "'0102", '="0201"', "1001.0", "A-01", "B_2", "BF0012", "０１０１", "x0101", "None1", "12.5",
    "一般贫困户", " 低保贫困户 ", "富裕户", "c", "D", "Ｃ", "因病", "东风村", " 红旗村 ", "\x1c村\x1d", "村\u2028",
]

KINDS = [
    Column("a", "甲", "id"), Column("b", "乙", "text"), Column("c", "丙", "int"), Column("d", "丁", "number"),
    Column("e", "戊", "bool"), Column("f", "己", "bool", default=True),
    Column("g", "庚", "enum", choices=("一般贫困户", "低保贫困户", "C", "D")),
]


def _one_by_one(cells: list[object], column: Column) -> tuple[list[object], list[int]]:
    """Each cell's text converted on its own by the careful parsers: (values, failed positions)."""
    parse = loading._parser(column)
    values, failed = [], []
    for i, cell in enumerate(cells):
        try:
            value = loading._parse_cell(loading._cell_text(cell), column.kind, parse)
        except Unconvertible:
            value = None
            failed.append(i)
        values.append(column.default if value is None and column.default is not None else value)
    return values, failed


def _same(values: object, expected: list[object]) -> None:
    got = pd.Series(values, dtype=object).tolist()
    for g, e in zip(got, expected, strict=True):
        if e is None:
            assert g is pd.NA or g is None or (isinstance(g, float) and math.isnan(g)), (g, e)
        else:
            assert g == e, (g, e)


@pytest.mark.parametrize("column", KINDS, ids=lambda c: c.kind + ("+default" if c.default else ""))
def test_text_columns_convert_as_each_cell_would(column: Column) -> None:
    cells = MESSY * 3  # repeated texts are parsed once
    values, failed = convert_values(pa.chunked_array([pa.array(cells, pa.string())]), column)
    expected, expected_failed = _one_by_one(cells, column)
    assert failed.tolist() == expected_failed
    _same(values, expected)


TYPED = {
    "int64": pa.array([0, 1, -1, 2016, 10**15 - 1, 10**15, -(10**15), 2**62, None], pa.int64()),
    "float64": pa.array(
        [0.0, -0.0, 1.0, 2016.0, 2016.5, 0.1, 1e-5, 1e15 - 1, 1e15, 1e20, math.inf, -math.inf, math.nan, None],
        pa.float64(),
    ),
    "bool": pa.array([True, False, None], pa.bool_()),
    "date": pa.array([0, 17000, None], pa.date32()),
}


@pytest.mark.parametrize("column", KINDS, ids=lambda c: c.kind + ("+default" if c.default else ""))
@pytest.mark.parametrize("arrow", sorted(TYPED))
def test_typed_parquet_columns_convert_as_their_text_would(column: Column, arrow: str) -> None:
    values_in = TYPED[arrow]
    values, failed = convert_values(pa.chunked_array([values_in]), column)
    expected, expected_failed = _one_by_one(values_in.to_pylist(), column)
    assert failed.tolist() == expected_failed
    _same(values, expected)


def test_whitespace_is_what_str_strip_removes() -> None:
    assert loading.WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


# ---------------------------------------------------------------------------
# The two CSV readers agree.

REGULAR_CSV = (
    '\ufeff户编号,村代码,备注\r\n'
    '0001,0101,"逗号, 和 ""引号"""\r\n'
    '\r\n'
    '0002, 0101 ,"两行\n的备注"\r\n'
    ',,\r\n'
    '"0003"x,0102,a"b\r\n'
    '0004,0102,'
)


def test_fast_csv_reader_reads_what_the_csv_module_reads() -> None:
    fast = loading._arrow_csv_columns(REGULAR_CSV.encode("utf-8"))
    careful = loading._python_csv_columns(REGULAR_CSV.encode("utf-8").decode("utf-8-sig"))
    assert len(fast) == len(careful) == 3
    for a, b in zip(fast, careful):
        assert [x or None for x in a.to_pylist()] == b.to_pylist()


TITLED_CSV = "\ufeff示例县\r\n填报单位：扶贫办,\r\n\r\n户编号,村代码,备注\r\n" + "".join(
    f'{i:04d},0101,"第{i}户\n两行"\r\n' if i % 5 == 0 else f"{i:04d}, 0101 ,\r\n" for i in range(30)
)


def test_titles_above_a_regular_csv_are_read_as_the_csv_module_reads_them() -> None:
    head, columns = loading._titled_csv_columns(TITLED_CSV.encode("utf-8"))
    careful = loading._python_csv_columns(loading.decode(TITLED_CSV.encode("utf-8")))
    assert head == (("示例县",), ("填报单位：扶贫办", None), ())
    assert len(columns) == len(careful) == 3
    for c, (fast, slow) in enumerate(zip(columns, careful)):
        assert [row[c] if c < len(row) else None for row in head] + [x or None for x in fast.to_pylist()] == (
            slow.to_pylist()
        )


@pytest.mark.parametrize("text", ["标题\n户编号,村代码\n0001,0101\n", "户编号,村代码\n0001,0101,多\n", ""])
def test_irregular_csv_is_left_to_the_csv_module(text: str) -> None:
    with pytest.raises((pa.ArrowInvalid, ValueError)):
        loading._arrow_csv_columns(text.encode("utf-8"))


def test_parquet_index_is_read_as_pandas_would(tmp_path: Path) -> None:
    """A named index is a column (first, as reset_index puts it); an unnamed one is dropped."""
    frame = pd.DataFrame({"x": [1, 2]}, index=pd.Index([5, 6], name="编号"))
    for index, expected in [(frame.index, ["编号", "x"]), (pd.Index([5, 6]), ["x"]), (pd.RangeIndex(2), ["x"])]:
        buffer = io.BytesIO()
        frame.set_axis(index).to_parquet(buffer)
        read = loading._without_pandas_index(pq.read_table(io.BytesIO(buffer.getvalue())))
        assert read.column_names == expected
        assert read.column(expected.index("x")).to_pylist() == [1, 2]


def test_check_dtypes_are_the_schema_ones() -> None:
    for table in TABLES.values():
        for column in table.columns:
            values, _ = convert_values(pa.chunked_array([pa.array(["1"], pa.string())]), column)
            assert pd.Series(values).dtype == CHECK_DTYPES[column.kind]
    assert np.dtype("float64") == pd.Series(convert_values(pa.chunked_array([pa.array([1.5])]), KINDS[3])[0]).dtype
