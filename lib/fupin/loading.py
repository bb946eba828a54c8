"""Load a county's tables from a folder or a workbook, typed and validated.

Accepted forms (shared/contracts/data.md): a folder of ``.csv`` (UTF-8,
UTF-8 with BOM, GBK/GB18030), ``.xlsx`` or ``.parquet`` files named after
the tables in English or Chinese; or one ``.xlsx`` workbook with a sheet per
table. Every cell is read as text first and converted by the column's kind
(:mod:`fupin.columns`), so ids keep their leading zeros and messy but
ordinary values (``3,500``, ``3500元``, ``３５００``, ``2016.0``, ``√``) are
accepted. Each table keeps its rows' user-visible numbers as index until
validation (:mod:`fupin.schema`) is done, so every problem names the file,
sheet, row and header as the user sees them. Input files are only read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from fupin import schema
from fupin.columns import TABLES, Column, Table
from fupin.county import County, Source
from fupin.errors import DataError, Problem
from fupin.schema import Origin

SUFFIXES = (".csv", ".xlsx", ".parquet")
#: How many rows from the top may hold titles before the header row.
HEADER_SEARCH_ROWS = 10

#: Cells that mean "no value" in government spreadsheets.
BLANKS = frozenset({"", "-", "--", "—", "——", "/", "nan", "none", "null", "n/a"})
TRUE_WORDS = frozenset({"是", "有", "√", "✓", "✔", "y", "yes", "t", "true", "1", "1.0", "对"})
FALSE_WORDS = frozenset({"否", "无", "×", "✗", "✘", "x", "n", "no", "f", "false", "0", "0.0", "没有"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_UNITS = "元人户口年"


@dataclass(frozen=True)
class Grid:
    """One table's cells as text (``None`` when empty), row 0 = the user's row 1."""

    rows: list[list[str | None]]
    file: str
    source: Source
    sheet: str | None = None
    strict_width: bool = False  # CSV: a row wider than its header is an error


# ---------------------------------------------------------------------------
# Public entry point.


def load(path: str | Path) -> County:
    """Read, convert and validate the county at ``path``.

    ``path`` is a folder of table files or one ``.xlsx`` workbook. Returns a
    :class:`~fupin.county.County` with canonical columns and contract dtypes
    (missing optional columns are added, filled with their default or left
    blank; unknown columns are dropped). Raises one
    :class:`~fupin.errors.DataError` that lists every problem found.

    A folder that ``fupin run`` prepared for one township (it holds
    ``fupin-prepared.json``) is read as it was written, without validating
    again: the batch validated the whole county once.
    """
    from fupin.prepare import MANIFEST, load_prepared

    if (Path(path) / MANIFEST).is_file():
        return load_prepared(Path(path))
    grids, problems = read_grids(Path(path))
    origins: dict[str, Origin] = {}
    frames: dict[str, pd.DataFrame] = {}
    skip: set[tuple[str, int, str]] = set()
    for name, grid in grids.items():
        origin, found = to_origin(grid, TABLES[name])
        problems += found
        if origin is None:
            continue
        frame, failures = convert(origin)
        problems += failures
        skip |= {(name, int(p.row), str(p.column_en)) for p in failures if p.row is not None}
        origins[name], frames[name] = origin, frame
    problems += schema.check(frames, origins, frozenset(skip))
    shifted = {(o.file, o.sheet, row) for o in origins.values() for row in o.ragged}
    problems = [p for p in problems if p.column_en is None or (p.file, p.sheet, p.row) not in shifted]
    if problems:
        raise DataError(_in_file_order(problems, [(g.file, g.sheet) for g in grids.values()]))
    return County(
        villages=finish(frames["villages"], TABLES["villages"]),
        households=finish(frames["households"], TABLES["households"]),
        incomes=finish(frames["incomes"], TABLES["incomes"]),
        cadres=finish(frames["cadres"], TABLES["cadres"]) if "cadres" in frames else None,
        sources={name: grid.source for name, grid in grids.items()},
    )


def _in_file_order(problems: list[Problem], files: list[tuple[str, str | None]]) -> list[Problem]:
    """Problems grouped by file and sheet (in table order), by row within each.

    Problems about the path itself (no table file) come first.
    """
    order: dict[tuple[str, str | None], int] = {}
    for p in [p for p in problems if (p.file, p.sheet) not in files]:
        order.setdefault((p.file, p.sheet), len(order))
    for key in files:
        order.setdefault(key, len(order))
    for p in problems:
        order.setdefault((p.file, p.sheet), len(order))
    return sorted(problems, key=lambda p: (order[(p.file, p.sheet)], p.row or 0))


# ---------------------------------------------------------------------------
# Finding and reading the files.


def read_grids(path: Path) -> tuple[dict[str, Grid], list[Problem]]:
    """The cells of every table found at ``path``, and what went wrong finding them."""
    shown = str(path)
    if not path.exists():
        return {}, [Problem(shown, "路径不存在：应为数据文件夹或 .xlsx 工作簿")]
    if path.is_dir():
        return _folder_grids(path)
    if path.suffix.lower() == ".xls":
        return {}, [Problem(path.name, "不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx")]
    if path.suffix.lower() != ".xlsx":
        return {}, [Problem(path.name, "应为数据文件夹或 .xlsx 工作簿")]
    return _workbook_grids(path)


def _table_names(table: Table) -> set[str]:
    """The names a file or sheet may carry for ``table``, case-folded."""
    return {table.name.casefold(), table.label}


def _folder_grids(folder: Path) -> tuple[dict[str, Grid], list[Problem]]:
    """One grid per table file in ``folder``; refuse missing or doubled tables."""
    files = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
    )
    grids: dict[str, Grid] = {}
    problems: list[Problem] = []
    for table in TABLES.values():
        found = [p for p in files if p.stem.strip().casefold() in _table_names(table)]
        if len(found) > 1:
            names = "、".join(p.name for p in found)
            problems.append(Problem(str(folder), f"{table.label}（{table.name}）有多个文件：{names}，只能保留一个"))
        elif not found and table.required:
            problems.append(Problem(
                str(folder),
                f"缺少{table.label}（{table.name}）：应有 {table.name}.csv、.xlsx 或 .parquet"
                f"（也可用中文文件名 {table.label}.csv 等）",
            ))
        elif found:
            grid, problem = _file_grid(found[0], table)
            if problem is not None:
                problems.append(problem)
            else:
                grids[table.name] = grid
    return grids, problems


def _file_grid(path: Path, table: Table) -> tuple[Grid | None, Problem | None]:
    """The grid of one table file, by suffix."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(path.name, f"无法读取文件：{exc.strerror or exc}")
    source = Source(path=path, sha256=hashlib.sha256(data).hexdigest())
    reader = {".csv": _csv_rows, ".xlsx": _xlsx_rows, ".parquet": _parquet_rows}[path.suffix.lower()]
    return reader(data, path.name, source, table)


def _workbook_grids(path: Path) -> tuple[dict[str, Grid], list[Problem]]:
    """One grid per table sheet of the workbook at ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {}, [Problem(path.name, f"无法读取文件：{exc.strerror or exc}")]
    digest = hashlib.sha256(data).hexdigest()
    sheets, problem = _open_workbook(data, path.name)
    if problem is not None:
        return {}, [problem]
    grids: dict[str, Grid] = {}
    problems: list[Problem] = []
    for table in TABLES.values():
        found = [s for s in sheets if s.strip().casefold() in _table_names(table)]
        if len(found) > 1:
            names = "、".join(f"「{s}」" for s in found)
            problems.append(Problem(path.name, f"{table.label}（{table.name}）有多个工作表：{names}，只能保留一个"))
        elif not found and table.required:
            have = "、".join(f"「{s}」" for s in sheets)
            problems.append(Problem(
                path.name,
                f"缺少工作表「{table.label}」或「{table.name}」（现有工作表：{have}）",
            ))
        elif found:
            source = Source(path=path, sheet=found[0], sha256=digest)
            grids[table.name] = Grid(sheets[found[0]], path.name, source, found[0])
    return grids, problems


def _open_workbook(data: bytes, name: str) -> tuple[dict[str, list[list[str | None]]], Problem | None]:
    """Every worksheet's cells as text, merged ranges filled with their top-left value."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is the user's problem
        return {}, Problem(name, "无法作为 Excel 工作簿打开：文件可能已损坏，或不是 .xlsx 格式")
    return {ws.title: _sheet_cells(ws) for ws in book.worksheets}, None


def _sheet_cells(ws) -> list[list[str | None]]:  # noqa: ANN001 - openpyxl Worksheet
    """The sheet's cells as text from A1; a merged range repeats its top-left value."""
    rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        if merged.min_row > len(rows) or merged.min_col > len(rows[merged.min_row - 1]):
            continue
        value = rows[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(rows[r]))):
                rows[r][c] = value
    return rows


def _xlsx_rows(data: bytes, name: str, source: Source, table: Table) -> tuple[Grid | None, Problem | None]:
    """A table file in ``.xlsx``: the sheet named after the table, else the first."""
    sheets, problem = _open_workbook(data, name)
    if problem is not None:
        return None, problem
    if not sheets:
        return None, Problem(name, "工作簿中没有工作表")
    named = [s for s in sheets if s.strip().casefold() in _table_names(table)]
    sheet = named[0] if named else next(iter(sheets))
    return Grid(sheets[sheet], name, Source(source.path, sheet, source.sha256), sheet), None


def _csv_rows(data: bytes, name: str, source: Source, table: Table) -> tuple[Grid | None, Problem | None]:
    """A ``.csv`` file: encoding detected, every field as text."""
    text = decode(data)
    if text is None:
        return None, Problem(name, "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV")
    try:
        rows = [[cell or None for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        return None, Problem(name, f"不是有效的 CSV 文件（{exc}）")
    return Grid(rows, name, source, strict_width=True), None


def decode(data: bytes) -> str | None:
    """``data`` as text: UTF-8 (with or without BOM), else GB18030, else a guess.

    Returns ``None`` for bytes that are not text in any of those (binary files).
    """
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else str(best)


def _parquet_rows(data: bytes, name: str, source: Source, table: Table) -> tuple[Grid | None, Problem | None]:
    """A ``.parquet`` file: its column names as the header on row 1, records below."""
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - any unreadable file is the user's problem
        return None, Problem(name, "无法读取 Parquet 文件：文件可能已损坏，或不是 Parquet 格式")
    if list(frame.index.names) != [None]:
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]
    body = [[_cell_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return Grid([header, *body], name, source), None


def _cell_text(value: object) -> str | None:
    """A cell from Excel or Parquet as the text the user sees.

    Whole floats lose their ``.0`` (an Excel id ``1001.0`` is ``"1001"``),
    other floats keep their shortest exact form; blanks become ``None``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        blank = bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays and other containers
        blank = False
    return None if blank else str(value)


# ---------------------------------------------------------------------------
# From cells to a table: header row, headers, user row numbers.


def normalize_header(header: str) -> str:
    """A header reduced for matching: NFKC, no spaces, no unit in brackets, case-folded.

    >>> normalize_header(" 人均纯收入（元）")
    '人均纯收入'
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", header))
    return re.sub(r"\([^()]*\)$", "", text).casefold()


def _lookup(table: Table) -> dict[str, str]:
    """Normalized header -> canonical column name, for every header of ``table``."""
    return {normalize_header(h): c.name for c in table.columns for h in c.headers}


def find_header(rows: list[list[str | None]], table: Table) -> int | None:
    """The index of the header row among the top :data:`HEADER_SEARCH_ROWS` rows.

    A candidate is a row where at least half of the filled cells are known
    headers of ``table``; the one naming the most columns wins (the lower row
    of a two-row header whose merged cells repeat above), the first on a tie.
    """
    lookup = _lookup(table)
    best, best_known = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [normalize_header(c) for c in row if _filled(c)]
        known = len({lookup[c] for c in cells if c in lookup})
        if known > best_known and 2 * known >= len(cells):
            best, best_known = i, known
    return best


def to_origin(grid: Grid, table: Table) -> tuple[Origin | None, list[Problem]]:
    """The table's cells under canonical names, indexed by the user's row numbers.

    Returns ``None`` (and the reason) when the grid is empty or has no
    header row; otherwise the origin and the problems of its layout: doubled
    or missing columns, rows wider than the header (CSV), no data rows.
    """
    where = {"file": grid.file, "sheet": grid.sheet}
    if not any(_filled(c) for row in grid.rows for c in row):
        return None, [Problem(message="文件是空的" if grid.sheet is None else "工作表是空的", **where)]
    top = find_header(grid.rows, table)
    if top is None:
        examples = "、".join(c.label for c in table.columns if c.required)
        return None, [Problem(
            message=f"前{HEADER_SEARCH_ROWS}行中找不到{table.label}的表头（应有 {examples} 等列名）",
            **where,
        )]
    header = [(c or "").strip() for c in grid.rows[top]]
    positions = header_positions(header, table)
    body = grid.rows[top + 1:]
    numbers = list(range(top + 2, top + 2 + len(body)))
    ragged = _ragged(header, body, numbers, grid) if grid.strict_width else []
    missing = frozenset(c.name for c in table.columns if c.name not in positions)
    raw = (
        pd.DataFrame(
            {name: [_at(row, pos[0]) for row in body] for name, pos in positions.items()},
            index=pd.Index(numbers, dtype="int64"),
            columns=list(positions),
            dtype=object,
        )
        .pipe(lambda df: df[df.map(_filled).any(axis=1)])
    )
    problems = [
        *(
            Problem(
                message=f"多个列都表示{table.column(name).label}（{name}）："
                + "、".join(f"「{header[p]}」" for p in pos) + "，只能保留一个",
                row=top + 1, column=header[pos[1]], column_en=name, **where,
            )
            for name, pos in positions.items() if len(pos) > 1
        ),
        *(
            Problem(
                message="缺少必填列（列名可写作：" + "、".join(c.headers) + "）",
                row=top + 1, column=c.label, column_en=c.name, **where,
            )
            for c in table.columns if c.required and c.name in missing
        ),
        *ragged,
    ]
    if raw.empty and table.required:
        problems.append(Problem(message=f"{table.label}没有数据行", row=top + 1, **where))
    origin = Origin(
        table, grid.file, grid.sheet, top + 1, raw,
        headers={name: header[pos[0]] for name, pos in positions.items()},
        missing=missing,
        ragged=frozenset(int(p.row) for p in ragged if p.row is not None),
    )
    return origin, problems


def header_positions(header: list[str], table: Table) -> dict[str, list[int]]:
    """Canonical column name -> the positions of the header cells that name it.

    >>> header_positions(["户编码", "备注", "家庭人口数"], TABLES["households"])
    {'household_id': [0], 'size': [2]}
    """
    lookup = _lookup(table)
    positions: dict[str, list[int]] = {}
    for pos, cell in enumerate(header):
        name = lookup.get(normalize_header(cell)) if cell else None
        if name is not None:
            positions.setdefault(name, []).append(pos)
    return positions


def _at(row: list[str | None], pos: int) -> str | None:
    """The cell at ``pos``; ``None`` past the end of a short row."""
    return row[pos] if pos < len(row) else None


def _filled(cell: object) -> bool:
    """Whether ``cell`` holds more than whitespace."""
    return isinstance(cell, str) and bool(cell.strip())


def _ragged(header: list[str], body: list[list[str | None]], numbers: list[int], grid: Grid) -> list[Problem]:
    """CSV rows with values beyond the header's last column (fields shifted)."""
    width = max((i + 1 for i, c in enumerate(header) if _filled(c)), default=0)
    return [
        Problem(
            grid.file,
            f"该行有{max(i + 1 for i, c in enumerate(row) if _filled(c))}个字段，多于表头的{width}列"
            "（常见原因：数字中的逗号没有加引号，如 3,500）",
            row=number,
        )
        for row, number in zip(body, numbers)
        if any(_filled(c) for c in row[width:])
    ]


# ---------------------------------------------------------------------------
# Converting text to the contract's types.


class Unconvertible(ValueError):
    """A cell that does not hold a value of its column's kind."""


def _clean(text: str) -> str | None:
    """NFKC-normalized, stripped text; ``None`` where it means blank."""
    value = unicodedata.normalize("NFKC", text).strip()
    return None if value.casefold() in BLANKS else value


def parse_number(text: str) -> float:
    """``3,500``, ``3500元``, ``３５００``, ``¥3500`` -> 3500.0."""
    value = re.sub(r"[,\s]", "", text).lstrip("¥￥").rstrip(_UNITS)
    if not _NUMBER.fullmatch(value) or not math.isfinite(float(value)):
        raise Unconvertible(text)
    return float(value)


def parse_int(text: str) -> int:
    """A whole number: ``2016``, ``2016.0``, ``2016年``, ``1,200`` -> int; ``2016.5`` fails."""
    value = re.sub(r"[,\s]", "", text).rstrip(_UNITS)
    if not _NUMBER.fullmatch(value):
        raise Unconvertible(text)
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise Unconvertible(text) from exc
    if number != number.to_integral_value() or abs(number) >= 10**15:
        raise Unconvertible(text)
    return int(number)


def parse_bool(text: str) -> bool:
    """``是/否``, ``有/无``, ``√/×``, ``Y/N``, ``true/false``, ``1/0`` (any case)."""
    word = text.casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Unconvertible(text)


def parse_id(text: str) -> str:
    """An id as text: leading zeros kept; ``1001.0``, ``'0012`` and ``="0012"`` unwrapped."""
    value = re.sub(r'^="(.*)"$', r"\1", text).lstrip("'")
    return re.sub(r"^(\d+)\.0+$", r"\1", value)


def parse_enum(column: Column) -> Callable[[str], str]:
    """The choice that ``text`` names, ignoring case; unknown text kept for the schema to report."""
    choices = {c.casefold(): c for c in column.choices}
    return lambda text: choices.get(text.casefold(), text)


def _parser(column: Column) -> Callable[[str], object]:
    return {
        "id": parse_id, "text": str, "int": parse_int, "number": parse_number,
        "bool": parse_bool, "enum": parse_enum(column),
    }[column.kind]


def convert(origin: Origin) -> tuple[pd.DataFrame, list[Problem]]:
    """The table in check dtypes (:data:`fupin.schema.CHECK_DTYPES`), and cells that failed.

    Blank cells become missing, or the column's default where it has one;
    a column the file lacks is all default (or missing). Text columns are
    only stripped; all others are NFKC-normalized first.
    """
    columns: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for col in origin.table.columns:
        values, failures = _convert_column(origin, col)
        columns[col.name] = values
        problems += [origin.problem(schema.expectation(col), row, col.name) for row in failures]
    return pd.DataFrame(columns, index=origin.raw.index), problems


def _convert_column(origin: Origin, column: Column) -> tuple[pd.Series, list[int]]:
    """One column converted, and the rows whose cell did not convert."""
    raw = origin.raw[column.name] if column.name in origin.raw else pd.Series(None, index=origin.raw.index, dtype=object)
    parse = _parser(column)
    values: list[object] = []
    failures: list[int] = []
    for row, cell in raw.items():
        text = None if not _filled(cell) else (cell.strip() if column.kind == "text" else _clean(cell))
        try:
            values.append(None if text is None else parse(text))
        except Unconvertible:
            values.append(None)
            failures.append(int(row))
    series = pd.Series(values, index=raw.index, dtype=object)
    if column.default is not None:
        series = series.where(series.notna(), column.default)
    return series.astype(schema.CHECK_DTYPES[column.kind]), failures


# ---------------------------------------------------------------------------
# The contract's final dtypes.


def finish(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The validated table in contract dtypes, with a fresh 0-based index.

    Required whole numbers become ``int64``; booleans that are required or
    have a default become ``bool``; the rest keep their nullable dtype.
    """
    final = {
        c.name: ("int64" if c.kind == "int" else "bool")
        for c in table.columns
        if (c.kind == "int" and c.required) or (c.kind == "bool" and (c.required or c.default is not None))
    }
    return frame.astype(final).reset_index(drop=True)
