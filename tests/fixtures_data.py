"""Hand-made county tables and writers for every input form data.md accepts.

A table is a list of rows; a row maps canonical column names to the value as
a county office would write it (``"是"``, ``"0101"``, ``2016``, ``None`` for
a blank cell). The writers turn the tables into CSV folders (any encoding),
``.xlsx`` folders, Parquet folders or one workbook, with English or Chinese
headers and file/sheet names, optionally under title rows.
"""

from __future__ import annotations

import copy
import csv
import hashlib
from collections.abc import Mapping
from pathlib import Path

import openpyxl
import pandas as pd

from fupin.core.contract import TABLES

Rows = list[dict[str, object]]
Tables = dict[str, Rows]

TITLE = "示例县建档立卡贫困户信息表"

_VILLAGES: Rows = [
    {"village_id": "0101", "village_name": "东风村", "township_id": "001", "township_name": "城关镇",
     "county_name": "示例县", "population": 1200, "is_poor_village": "是", "is_deep_poor_village": "否",
     "village_exit_year": 2017, "venue_ok": "是", "road_ok": "是", "collective_income": 35000},
    {"village_id": "0102", "village_name": "红旗村", "township_id": "001", "township_name": "城关镇",
     "county_name": "示例县", "population": 800, "is_poor_village": "否", "is_deep_poor_village": "否",
     "village_exit_year": None, "venue_ok": "是", "road_ok": "是", "collective_income": 52000.5},
    {"village_id": "0201", "village_name": "河口村", "township_id": "002", "township_name": "河口乡",
     "county_name": "示例县", "population": 950, "is_poor_village": "是", "is_deep_poor_village": "否",
     "village_exit_year": None, "venue_ok": "否", "road_ok": "是", "collective_income": None},
]

_HOUSEHOLDS: Rows = [
    {"household_id": "00010001", "village_id": "0101", "size": 3, "registered_year": 2014,
     "exit_year": 2016, "returned_year": None, "attribute": "一般贫困户", "main_cause": "因病",
     "food_clothing_ok": "是", "education_ok": "是", "medical_ok": "是", "housing_ok": "是",
     "water_ok": "是", "house_risk_grade": None, "in_renovation_program": None, "cadre_id": "C01",
     "head_name": "张三", "id_number": "0"},
    {"household_id": "00010002", "village_id": "0101", "size": 2, "registered_year": 2015,
     "exit_year": None, "returned_year": None, "attribute": "低保贫困户", "main_cause": "因残",
     "food_clothing_ok": "是", "education_ok": "是", "medical_ok": "否", "housing_ok": "是",
     "water_ok": "是", "house_risk_grade": "C", "in_renovation_program": "是", "cadre_id": "C01",
     "head_name": "李四", "id_number": None},
    {"household_id": "00010003", "village_id": "0102", "size": 4, "registered_year": 2014,
     "exit_year": 2015, "returned_year": 2017, "attribute": "一般贫困户", "main_cause": "缺技术",
     "food_clothing_ok": "是", "education_ok": "是", "medical_ok": "是", "housing_ok": "是",
     "water_ok": "是", "house_risk_grade": None, "in_renovation_program": None, "cadre_id": "C02",
     "head_name": "王五", "id_number": None},
    {"household_id": "00020001", "village_id": "0201", "size": 1, "registered_year": 2016,
     "exit_year": None, "returned_year": None, "attribute": "特困供养贫困户", "main_cause": "缺劳力",
     "food_clothing_ok": "是", "education_ok": "是", "medical_ok": "是", "housing_ok": "否",
     "water_ok": "是", "house_risk_grade": "D", "in_renovation_program": "否", "cadre_id": "C02",
     "head_name": "赵六", "id_number": None},
]

_INCOMES: Rows = [
    {"household_id": hid, "year": year, "per_capita_income": income, "is_estimate": estimate}
    for hid, year, income, estimate in [
        ("00010001", 2017, 4200.0, "否"), ("00010001", 2018, 4800.0, "否"),
        ("00010002", 2017, 3100.0, "否"), ("00010002", 2018, 3300.5, "是"),
        ("00010003", 2017, 2900.0, "否"), ("00010003", 2018, 3600.0, "否"),
        ("00020001", 2016, 2500.0, "否"), ("00020001", 2018, 3900.0, "否"),
    ]
]

_CADRES: Rows = [
    {"cadre_id": "C01", "name": "孙七", "unit": "县林业局"},
    {"cadre_id": "C02", "name": "周八", "unit": "县教育局"},
]


def county_tables(cadres: bool = True) -> Tables:
    """A fresh copy of the hand-made county: 2 townships, 3 villages, 4 households.

    Township 001 (城关镇) has villages 0101 (poor, exited 2017) and 0102; township
    002 (河口乡) has village 0201 (poor). Households 00010001..3 live in 001 and
    00020001 in 002, with 2 incomes rows each (2016–2018).
    """
    tables = {"villages": _VILLAGES, "households": _HOUSEHOLDS, "incomes": _INCOMES}
    if cadres:
        tables["cadres"] = _CADRES
    return copy.deepcopy(tables)


def header(table: str, column: str, headers: str | Mapping[str, str] = "zh") -> str:
    """The header written for ``column``: ``"en"`` names, ``"zh"`` labels, or a mapping of overrides."""
    col = TABLES[table].column(column)
    if headers == "en":
        return col.name
    if headers == "zh":
        return col.label
    return headers.get(column, col.label)  # type: ignore[union-attr]


def grid(
    table: str, rows: Rows, headers: str | Mapping[str, str] = "zh", title_rows: int = 0,
    extra: Mapping[str, object] | None = None,
) -> list[list[object]]:
    """Title rows, the header row and the data rows of one table as cells.

    Only the columns the rows hold are written (drop a key to drop a column);
    ``extra`` adds unknown columns (header -> value for every row).
    """
    names = [c.name for c in TABLES[table].columns if not rows or any(c.name in r for r in rows)]
    extra = dict(extra or {})
    titles = [[TITLE], ["填报单位：示例县扶贫办"]][:title_rows]
    head = [header(table, n, headers) for n in names] + list(extra)
    body = [[r.get(n) for n in names] + list(extra.values()) for r in rows]
    return [*titles, head, *body]


def write_csv(path: Path, cells: list[list[object]], encoding: str = "utf-8") -> Path:
    """``cells`` as CSV in ``encoding`` (``None`` written as an empty field)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([["" if c is None else c for c in row] for row in cells])
    return path


def write_xlsx(path: Path, sheets: Mapping[str, list[list[object]]], merge_title: bool = True) -> Path:
    """A workbook with one sheet per entry; title rows (one cell) merged across the table."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells in sheets.items():
        ws = book.create_sheet(name)
        for row in cells:
            ws.append(row)
        width = max(len(r) for r in cells)
        for i, row in enumerate(cells, start=1):
            if merge_title and len(row) == 1 and width > 1:
                ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)
    book.save(path)
    return path


def _file_name(table: str, names: str) -> str:
    return TABLES[table].name if names == "en" else TABLES[table].label


def write_csv_folder(
    folder: Path, tables: Tables, encoding: str = "utf-8", headers: str | Mapping[str, str] = "zh",
    names: str = "en", title_rows: int = 0,
) -> Path:
    """One CSV per table in ``folder`` (created), named in English or Chinese."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        write_csv(folder / f"{_file_name(table, names)}.csv", grid(table, rows, headers, title_rows), encoding)
    return folder


def write_xlsx_folder(
    folder: Path, tables: Tables, headers: str | Mapping[str, str] = "zh", title_rows: int = 0
) -> Path:
    """One ``.xlsx`` per table in ``folder``, each with a single sheet ``Sheet1``."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        write_xlsx(folder / f"{table}.xlsx", {"Sheet1": grid(table, rows, headers, title_rows)})
    return folder


def write_parquet_folder(folder: Path, tables: Tables, headers: str | Mapping[str, str] = "en") -> Path:
    """One ``.parquet`` per table; years with blanks become floats (``2016.0``) as pandas writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        frame = pd.DataFrame(rows).rename(columns=lambda c: header(table, c, headers))
        frame.to_parquet(folder / f"{table}.parquet", index=False)
    return folder


def write_workbook(
    path: Path, tables: Tables, sheets: str = "zh", headers: str | Mapping[str, str] = "zh",
    title_rows: int = 2,
) -> Path:
    """One workbook, a sheet per table named in English or Chinese, under merged title rows."""
    return write_xlsx(
        path,
        {_file_name(t, sheets): grid(t, rows, headers, title_rows) for t, rows in tables.items()},
    )


def hashes(path: Path) -> dict[str, str]:
    """sha256 of every file at ``path`` (a file or a folder tree), by relative name."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p.relative_to(path.parent)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def csv_row(table: str, index: int, title_rows: int = 0) -> int:
    """The row number Excel shows for data row ``index`` (0-based) under the header."""
    return title_rows + index + 2
