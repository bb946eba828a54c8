"""Parquet from today's tools loads alike: every Arrow text type, every integer width.

pandas 2 writes text as ``string``, pandas 3 as ``large_string``, polars as
``string_view`` or ``large_string``; any of them may dictionary-encode, and
whole numbers come in any width. The files here are written with those
schemas by pyarrow directly (and by the pandas that runs the tests), and
each must load as the hand-made reference county of ``fixtures_data``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fixtures_data as fd
from fupin.core.contract import TABLES, TEXT_DTYPE
from fupin.core.errors import DataError
from fupin.io.loading import _arrow_column, load
from test_load import assert_reference

TEXT_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),  # pandas 2, pyarrow
    "large_string": pa.large_string(),  # pandas 3, polars
    "string_view": pa.string_view(),  # polars
    "dictionary<int32, string>": pa.dictionary(pa.int32(), pa.string()),  # pandas categoricals
    "dictionary<int8, large_string>": pa.dictionary(pa.int8(), pa.large_string()),
    "dictionary<uint16, string>": pa.dictionary(pa.uint16(), pa.string()),
}
#: Text types that exist in memory (polars' own) though Parquet cannot store them as such.
MEMORY_TEXT_TYPES: dict[str, pa.DataType] = {
    **TEXT_TYPES, "dictionary<int16, string_view>": pa.dictionary(pa.int16(), pa.string_view()),
}
INT_TYPES: tuple[pa.DataType, ...] = (
    pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64(),
)


def arrow_tables(text: pa.DataType = pa.string()) -> dict[str, pa.Table]:
    """The reference county as Arrow tables, every text column of type ``text``.

    Whole numbers are ``int64`` with nulls where blank (as polars and
    pandas' ``Int64`` write them), money ``double``.
    """
    tables = {}
    for name, rows in fd.county_tables().items():
        columns = {}
        for column in TABLES[name].columns:
            if column.name not in rows[0]:  # a column the county leaves out
                continue
            values = pa.array([row[column.name] for row in rows])
            if pa.types.is_null(values.type) or pa.types.is_string(values.type):
                values = values.cast(text)
            columns[column.name] = values
        tables[name] = pa.table(columns)
    return tables


def write(folder: Path, tables: dict[str, pa.Table], **options: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet", **options)
    return folder


def retyped(table: pa.Table, fits: Callable[[str, pa.Array], pa.DataType | None]) -> pa.Table:
    """``table`` with each column cast to the type ``fits`` gives it (``None``: kept)."""
    columns = []
    for name, column in zip(table.column_names, table.columns):
        target = fits(name, column)
        columns.append(column if target is None else column.cast(target))
    return pa.table(columns, names=table.column_names)


@pytest.mark.parametrize("text", TEXT_TYPES.values(), ids=TEXT_TYPES.keys())
def test_every_arrow_text_type_loads(tmp_path: Path, text: pa.DataType) -> None:
    folder = write(tmp_path / "d", arrow_tables(text))
    stored = pq.read_schema(folder / "households.parquet").field("household_id").type
    assert stored == text or pa.types.is_dictionary(stored)  # the file holds the type under test
    assert_reference(load(folder))


@pytest.mark.parametrize("text", TEXT_TYPES.values(), ids=TEXT_TYPES.keys())
def test_text_types_in_many_row_groups_and_chinese_headers(tmp_path: Path, text: pa.DataType) -> None:
    """Row groups of two rows: chunks (and dictionaries) differ within a column."""
    tables = {
        name: table.rename_columns([TABLES[name].column(c).label for c in table.column_names])
        for name, table in arrow_tables(text).items()
    }
    assert_reference(load(write(tmp_path / "d", tables, row_group_size=2)))


@pytest.mark.parametrize("integer", INT_TYPES, ids=str)
def test_every_integer_width_loads(tmp_path: Path, integer: pa.DataType) -> None:
    """Whole numbers and ids stored as integers of any width and sign, where the values fit."""
    def fits(name: str, column: pa.ChunkedArray) -> pa.DataType | None:
        if not pa.types.is_integer(column.type) and name != "township_id":
            return None
        try:
            column.cast(pa.int64()).cast(integer)  # safe: refuses values that do not fit
        except pa.ArrowInvalid:
            return None
        return integer

    tables = arrow_tables()
    tables["villages"] = retyped(tables["villages"].set_column(
        2, "township_id", pa.array([1, 1, 2], pa.int64())), fits)
    tables["households"] = retyped(tables["households"], fits)
    tables["incomes"] = retyped(tables["incomes"], fits)
    folder = write(tmp_path / "d", tables)
    households = pq.read_schema(folder / "households.parquet")
    assert households.field("size").type == integer
    wide = integer.bit_width >= 16
    assert (households.field("registered_year").type == integer) == wide
    county = load(folder)
    v, h, i = county.villages, county.households, county.incomes
    assert v["township_id"].tolist() == ["1", "1", "2"] and v["township_id"].dtype == TEXT_DTYPE
    assert h["size"].tolist() == [3, 2, 4, 1] and h["size"].dtype == "int64"
    assert h["registered_year"].tolist() == [2014, 2015, 2014, 2016]
    assert h["exit_year"].tolist() == [2016, pd.NA, 2015, pd.NA] and h["exit_year"].dtype == "Int64"
    assert v["population"].tolist() == [1200, 800, 950]
    assert i["year"].tolist() == [r["year"] for r in fd.county_tables()["incomes"]]


def test_an_unsigned_64_bit_value_beyond_int64_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    tables = arrow_tables(pa.large_string())
    size = pa.array([3, 2, 2**64 - 1, 1], pa.uint64())
    tables["households"] = tables["households"].set_column(
        tables["households"].schema.get_field_index("size"), "size", size)
    with pytest.raises(DataError) as error:
        load(write(tmp_path / "d", tables))
    [problem] = error.value.problems
    assert (problem.file, problem.row, problem.column_en, problem.value) == (
        "households.parquet", 4, "size", str(2**64 - 1))
    assert problem.message == "应为1到30的整数"


def test_an_enum_outside_its_choices_is_named_in_large_string(tmp_path: Path) -> None:
    """The enum check works on large_string text as on string (the cell is quoted as written)."""
    tables = arrow_tables(pa.large_string())
    grades = pa.array([None, "C", "E", "D"], pa.large_string())
    tables["households"] = tables["households"].set_column(
        tables["households"].schema.get_field_index("house_risk_grade"), "house_risk_grade", grades)
    with pytest.raises(DataError) as error:
        load(write(tmp_path / "d", tables))
    [problem] = error.value.problems
    assert (problem.row, problem.column_en, problem.value, problem.message) == (
        4, "house_risk_grade", "E", "应为以下之一：C、D")


def test_written_by_the_running_pandas(tmp_path: Path) -> None:
    """``DataFrame.to_parquet`` as an analyst calls it: object text under pandas 2, ``str`` under 3."""
    folder = tmp_path / "d"
    folder.mkdir()
    for name, rows in fd.county_tables().items():
        frame = pd.DataFrame(rows)
        for column in TABLES[name].columns:
            if column.kind == "int" and frame[column.name].isna().any():
                frame[column.name] = frame[column.name].astype("Int64")
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    text = pq.read_schema(folder / "villages.parquet").field("village_id").type
    assert text == (pa.large_string() if pd.__version__ >= "3" else pa.string())
    assert_reference(load(folder))


@pytest.mark.parametrize("text", MEMORY_TEXT_TYPES.values(), ids=MEMORY_TEXT_TYPES.keys())
def test_arrow_column_gives_plain_string(text: pa.DataType) -> None:
    """In memory too (no Parquet round trip), each text type comes out as ``string``, nulls kept."""
    column = pa.chunked_array([pa.array(["一", None]).cast(text), pa.array(["二", "一"]).cast(text)])
    got = _arrow_column(column)
    assert got.type == pa.string()
    assert got.to_pylist() == ["一", None, "二", "一"]


def test_arrow_column_keeps_numbers_and_booleans() -> None:
    for array in (pa.array([1, None], pa.uint16()), pa.array([1.5, None]), pa.array([True, None])):
        column = pa.chunked_array([array])
        assert _arrow_column(column).equals(column)
