"""Load a county's tables from a folder or a workbook, typed and validated.

Accepted forms (docs/data.md): a folder of ``.csv`` (UTF-8,
UTF-8 with BOM, GBK/GB18030), ``.xlsx`` or ``.parquet`` files named after
the tables in English or Chinese; or one ``.xlsx`` workbook with a sheet per
table. Every cell is converted by its column's kind (:mod:`fupin.core.contract`)
as its text would be, so ids keep their leading zeros and messy but
ordinary values (``3,500``, ``3500元``, ``３５００``, ``2016.0``, ``√``) are
accepted. Each table keeps its rows' user-visible numbers as index until
validation (:mod:`fupin.io.schema`) is done, so every problem names the file,
sheet, row and header as the user sees them. Input files are only read.

Tables are held by column as Arrow arrays, never as a Python object per
cell, so a province (a million households, five million income rows)
loads in seconds: CSV is parsed by Arrow, Parquet keeps its types, clean
values convert a whole column at a time, and each distinct messy text is
parsed once by the careful per-value parsers. A cell's text is looked up
only when a problem quotes it.

Exports are read exactly or refused: hidden sheets are never read, a
formula cell is read by the value Excel saved with it (none saved is an
error), an id stored as a number is read only up to the 15 digits a
number keeps, and Parquet text of every Arrow type (``binary`` included)
is read as text."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import os
import re
import stat
import unicodedata
import warnings
import zipfile
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fupin.core.contract import CHECK_DTYPES, TABLES, Column, Table
from fupin.core.county import County, Source
from fupin.core.errors import DataError, Problem, Refused, Unconvertible, quote
from fupin.core.money import MONEY_LIMIT, MONEY_TOO_LARGE
from fupin.io.slices import MANIFEST, load_prepared

if TYPE_CHECKING:
    from fupin.io.schema import Origin

# fupin.io.schema (pandera, about 0.2 s to import) is imported where a county is read and validated,
# not here: a `fupin run` report kernel imports this module and reads a prepared slice only.

SUFFIXES = (".csv", ".xlsx", ".parquet")
#: Spreadsheet files we do not read, and what to call them when refusing one.
OTHER_SPREADSHEETS = {
    ".xls": "旧版 .xls ", ".xlsm": "启用宏的 .xlsm ", ".xlsb": " .xlsb ", ".et": " WPS 的 .et ", ".ods": " .ods ",
}
#: The first bytes of an OLE2 compound file: an old ``.xls`` workbook, or an encrypted ``.xlsx``.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: The stream name (UTF-16) that an encrypted (password-protected) Office file holds in its compound file.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# Bounds on the work an input file can cause (a county's files are far below them).
#: Excel's own limits: characters in a cell, rows and columns of a sheet.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
#: The largest input file read, in bytes (1 GB).
MAX_FILE_BYTES = 1 << 30
#: The most an ``.xlsx`` may unpack to (2 GB), and its shared-string table (256 MB).
MAX_UNPACKED_BYTES = 2 << 30
MAX_SHARED_STRINGS_BYTES = 256 << 20
#: How many rows from the top may hold titles before the header row.
HEADER_SEARCH_ROWS = 10
#: Excel keeps a number to 15 significant digits: an id stored as a number is read only up to 15 digits.
ID_DIGITS = 15
_ID_DIGITS_LIMIT = 10**ID_DIGITS

#: Cells that mean "no value" in government spreadsheets.
BLANKS = frozenset({"", "-", "--", "—", "——", "/", "nan", "none", "null", "n/a"})
TRUE_WORDS = frozenset({"是", "有", "√", "✓", "✔", "y", "yes", "t", "true", "1", "1.0", "对"})
FALSE_WORDS = frozenset({"否", "无", "×", "✗", "✘", "x", "n", "no", "f", "false", "0", "0.0", "没有"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_UNITS = "元人户口年"


#: Every character Python's ``str.strip()`` removes (``str.isspace``; none lies above U+3000).
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
#: A regular expression (RE2) matching any character that is not whitespace.
_NOT_SPACE = "[^" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"
#: Rows per block when the careful CSV reader builds columns.
_BLOCK_ROWS = 1 << 16


@dataclass(frozen=True)
class Grid:
    """One table's cells by column; row 0 = the user's row 1.

    ``head`` holds leading rows read apart from the columns as text (a
    Parquet file's header row, title rows above a CSV table); ``columns``
    holds the rows below, one Arrow array per column, all of one length:
    text (``null`` or ``""`` when empty) from CSV and Excel, the file's own
    types from Parquet.
    """

    columns: tuple[pa.ChunkedArray, ...]
    file: str
    source: Source
    sheet: str | None = None
    strict_width: bool = False  # CSV: a row wider than its header is an error
    head: tuple[tuple[str | None, ...], ...] = ()
    #: Excel cells whose text is not their value, by column (0-based rows): formula cells without a
    #: stored value (``"formula"``), numbers of 16 digits or more (``"long"``). See :func:`_unread_problems`.
    marks: Mapping[str, Mapping[int, array]] = field(default_factory=dict)
    #: Columns that hold no plain values (Parquet: nested, or bytes that are not UTF-8 text), and why.
    unreadable: Mapping[int, str] = field(default_factory=dict)

    @property
    def height(self) -> int:
        """The number of rows, ``head`` included."""
        return len(self.head) + (len(self.columns[0]) if self.columns else 0)

    def row(self, index: int) -> list[str | None]:
        """Row ``index`` as text cells, as Excel would show them."""
        if index < len(self.head):
            return list(self.head[index])
        return [_text_at(column, index - len(self.head)) for column in self.columns]

    def below(self, index: int) -> list[pa.ChunkedArray]:
        """Every column from row ``index`` down (head rows there are text, as text columns are)."""
        lead = self.head[index:]
        columns = [column.slice(max(index - len(self.head), 0)) for column in self.columns]
        if not lead:
            return columns
        return [
            pa.chunked_array([pa.array([row[c] if c < len(row) else None for row in lead], column.type), *column.chunks])
            for c, column in enumerate(columns)
        ]


def _text_at(column: pa.ChunkedArray, position: int) -> str | None:
    """The cell at ``position`` of ``column`` as the text the user sees."""
    return _cell_text(column[position].as_py())


@dataclass(frozen=True)
class Cells:
    """One column of a table as read (text, or typed from Parquet); called with a position, its cell as text."""

    values: pa.ChunkedArray

    def __call__(self, position: int) -> str | None:
        return _text_at(self.values, position)


# ---------------------------------------------------------------------------
# Public entry point.


def load(path: str | Path) -> County:
    """Read, convert and validate the county at ``path``.

    ``path`` is a folder of table files or one ``.xlsx`` workbook. Returns a
    :class:`~fupin.core.county.County` with canonical columns and contract dtypes
    (missing optional columns are added, filled with their default or left
    blank; unknown columns are dropped). Raises one
    :class:`~fupin.core.errors.DataError` that lists every problem found.

    A folder that ``fupin run`` prepared for one township (it holds
    ``fupin-prepared.json``) is read as it was written, without validating
    again: the batch validated the whole county once.
    """
    if (Path(path) / MANIFEST).is_file():
        return load_prepared(Path(path))
    from fupin.io import schema

    grids, problems = read_grids(Path(path))
    files = [(g.file, g.sheet) for g in grids.values()]
    sources = {name: grid.source for name, grid in grids.items()}
    origins: dict[str, Origin] = {}
    frames: dict[str, pd.DataFrame] = {}
    skip: set[tuple[str, int, str]] = set()
    for name in list(grids):
        origin, found = to_origin(grids.pop(name), TABLES[name])  # the grid's other columns go
        problems += found
        if origin is None:
            continue
        absent = tuple(c.name for c in TABLES[name].columns if c.name in origin.missing)
        sources[name] = replace(sources[name], unused=origin.unused, absent=absent)
        frame, failures = convert(origin)
        problems += failures
        skip |= {(name, int(p.row), str(p.column_en)) for p in failures if p.row is not None}
        origins[name], frames[name] = origin, frame
    problems += schema.check(frames, origins, frozenset(skip))
    shifted = {(o.file, o.sheet, row) for o in origins.values() for row in o.ragged}
    problems = [p for p in problems if p.column_en is None or (p.file, p.sheet, p.row) not in shifted]
    if problems:
        raise DataError(_in_file_order(problems, files))
    del origins  # the cells as read: needed only to quote a problem
    tables = {name: finish(frames.pop(name), TABLES[name]) for name in list(frames)}
    return County(
        villages=tables["villages"],
        households=tables["households"],
        incomes=tables["incomes"],
        cadres=tables.get("cadres"),
        sources=sources,
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
    if (problem := _unsupported(path)) is not None:
        return {}, [problem]
    if path.suffix.lower() != ".xlsx":
        return {}, [Problem(path.name, "应为数据文件夹或 .xlsx 工作簿")]
    return _workbook_grids(path)


def _table_names(table: Table) -> set[str]:
    """The names a file or sheet may carry for ``table``, case-folded."""
    return {table.name.casefold(), table.label}


def _folder_grids(folder: Path) -> tuple[dict[str, Grid], list[Problem]]:
    """One grid per table file in ``folder``; refuse missing or doubled tables."""
    # Not only regular files: a FIFO or a link to a device named like a table is refused by name when read.
    present = sorted(p for p in folder.iterdir() if not p.is_dir() and not p.name.startswith(("~$", ".")))
    files = [p for p in present if p.suffix.lower() in SUFFIXES]
    grids: dict[str, Grid] = {}
    problems: list[Problem] = []
    for table in TABLES.values():
        found = [p for p in files if p.stem.strip().casefold() in _table_names(table)]
        other = [p for p in present if p.suffix.lower() in OTHER_SPREADSHEETS
                 and p.stem.strip().casefold() in _table_names(table)]
        if len(found) > 1:
            names = "、".join(p.name for p in found)
            problems.append(Problem(str(folder), f"{table.label}（{table.name}）有多个文件：{names}，只能保留一个"))
        elif not found and other:
            problems += [_unsupported(p) for p in other]
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


def _size_text(size: int) -> str:
    """A size in bytes as a user reads it: ``1.5 GB``, ``300 MB``.

    >>> _size_text(3 << 29), _size_text(300 << 20), _size_text(2048)
    ('1.5 GB', '300 MB', '2 KB')
    """
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} 字节"


def _too_big(path: Path, size: int) -> Problem:
    return Problem(
        path.name,
        f"文件过大（{size:,} 字节），超过上限 {_size_text(MAX_FILE_BYTES)}：请确认选对了文件"
        "（一个县的数据通常只有几 MB）",
    )


def _special_file(path: Path, mode: int) -> Problem | None:
    """The refusal of anything but a regular file (a FIFO, a device, a socket), after links; else ``None``."""
    if stat.S_ISREG(mode):
        return None
    kind = (
        "命名管道（FIFO）" if stat.S_ISFIFO(mode) else "设备文件" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "套接字" if stat.S_ISSOCK(mode) else "文件夹" if stat.S_ISDIR(mode) else "特殊文件"
    )
    what = f"指向{kind}的链接" if path.is_symlink() else kind
    return Problem(path.name, f"不是普通文件，而是{what}：只读取普通的数据文件，请选对文件")


def _read_input(path: Path) -> tuple[bytes | None, Problem | None]:
    """The bytes of an input file: a regular file only (after links), at most :data:`MAX_FILE_BYTES`.

    A FIFO, a device (a link to ``/dev/zero``) or any other special file
    is refused unread; a file larger than the limit is refused before it is
    read, and one that grows while it is read is cut at the limit and refused.
    """
    try:
        real = path.resolve(strict=True)
        refused = _special_file(path, real.stat().st_mode)
        if refused is not None:
            return None, refused
        # O_NONBLOCK: a FIFO swapped in after the check does not block the open; fstat then refuses it.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            refused = _special_file(path, info.st_mode)
            if refused is not None:
                return None, refused
            if info.st_size > MAX_FILE_BYTES:
                return None, _too_big(path, info.st_size)
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None, _too_big(path, len(data))
        return data, None
    except OSError as exc:
        return None, Problem(path.name, f"无法读取文件：{exc.strerror or exc}")


def _unsupported(path: Path) -> Problem | None:
    """The refusal of a spreadsheet file we do not read (``.xls`` and the like), else ``None``."""
    kind = OTHER_SPREADSHEETS.get(path.suffix.lower())
    return None if kind is None else Problem(path.name, f"不支持{kind}文件：请在 Excel 中另存为 .xlsx")


def _file_grid(path: Path, table: Table) -> tuple[Grid | None, Problem | None]:
    """The grid of one table file, by suffix."""
    data, problem = _read_input(path)
    if data is None:
        return None, problem
    source = Source(path=path, sha256=hashlib.sha256(data).hexdigest())
    reader = {".csv": _csv_rows, ".xlsx": _xlsx_rows, ".parquet": _parquet_rows}[path.suffix.lower()]
    return reader(data, path.name, source, table)


def _workbook_grids(path: Path) -> tuple[dict[str, Grid], list[Problem]]:
    """One grid per table sheet of the workbook at ``path`` (:func:`_table_sheet` chooses it)."""
    data, problem = _read_input(path)
    if data is None:
        return {}, [problem]
    digest = hashlib.sha256(data).hexdigest()
    book, problem = _open_workbook(data, path.name)
    if book is None:
        return {}, [problem]
    sheets = list(book.worksheets)
    grids: dict[str, Grid] = {}
    problems: list[Problem] = []
    for table in TABLES.values():
        ws, why = _table_sheet(sheets, table)
        if why is not None:
            problems.append(Problem(path.name, why))
        elif ws is None and table.required:
            have = "、".join(f"「{quote(s.title)}」" + ("" if _visible(s) else "（隐藏）") for s in sheets)
            problems.append(Problem(
                path.name,
                f"缺少工作表「{table.label}」或「{table.name}」（现有工作表：{have}）",
            ))
        elif ws is not None:
            source = Source(path=path, sheet=ws.title, sha256=digest)
            grid, problem = _sheet_grid(ws, path.name, source, book)
            if grid is None:
                problems.append(problem)
            else:
                grids[table.name] = grid
    book.close()
    return grids, problems


#: Excel's name for a copy of a sheet: the sheet's name, then `` (2)`` (not a year: ``户表(2020)``).
_SHEET_COPY = re.compile(r"\s*\(\d{1,3}\)$")


def _sheet_table_name(title: str) -> str:
    """The table name a sheet title gives, case-folded: Excel's copy names count as the name.

    >>> _sheet_table_name(" 户表 (2)"), _sheet_table_name("Households（3）")
    ('户表', 'households')
    """
    return _SHEET_COPY.sub("", unicodedata.normalize("NFKC", title).strip()).strip().casefold()


def _visible(ws) -> bool:  # noqa: ANN001 - a read-only worksheet
    """Whether a sheet shows in Excel (neither hidden nor very hidden)."""
    return ws.sheet_state == "visible"


def _table_sheet(sheets: list, table: Table) -> tuple[object | None, str | None]:
    """The visible sheet named after ``table`` (or a copy name of it), or ``None``; and why none may be read.

    A hidden sheet is never read: a visible one wins; a table found only in
    hidden sheets, or in two visible sheets, is refused, naming them.
    """
    named = [ws for ws in sheets if _sheet_table_name(ws.title) in _table_names(table)]
    visible = [ws for ws in named if _visible(ws)]
    if len(visible) > 1:
        names = "、".join(f"「{quote(ws.title)}」" for ws in visible)
        return None, f"{table.label}（{table.name}）有多个工作表：{names}，只能保留一个"
    if visible:
        return visible[0], None
    if named:
        names = "、".join(f"「{quote(ws.title)}」" for ws in named)
        return None, f"{table.label}（{table.name}）只在隐藏的工作表{names}中：{_HIDDEN}"
    return None, None


_HIDDEN = (
    "隐藏的工作表不会被读取。请在 Excel 中取消隐藏（右键单击工作表标签 →“取消隐藏”）后保存，"
    "或把数据复制到一个可见的工作表"
)


_NOT_XLSX = "无法作为 Excel 工作簿打开：文件可能已损坏，或不是 .xlsx 格式"
_ENCRYPTED = (
    "工作簿设有打开密码（已加密），无法读取：请在 Excel 中打开，删除密码"
    "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存为不加密的 .xlsx"
)


def _open_workbook(data: bytes, name: str) -> tuple[_XlsxBook | None, Problem | None]:
    """The workbook in ``data``, opened read-only (sheets are read on demand by :func:`_sheet_grid`).

    Refused before parsing: a password-protected (encrypted) workbook, an
    old ``.xls`` renamed to ``.xlsx``, a file
    that is not a zip archive, and one that unpacks to more than
    :data:`MAX_UNPACKED_BYTES` (or a shared-string table over
    :data:`MAX_SHARED_STRINGS_BYTES`).
    """
    if data.startswith(_OLE2) and _ENCRYPTED_PACKAGE in data:
        return None, Problem(name, _ENCRYPTED)
    if data.startswith(_OLE2):
        return None, Problem(name, "该文件实际是旧版 .xls 工作簿（只是扩展名为 .xlsx）：请在 Excel 中另存为 .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None, Problem(name, _NOT_XLSX)
    unpacked = sum(m.file_size for m in members)
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if unpacked > MAX_UNPACKED_BYTES or strings > MAX_SHARED_STRINGS_BYTES:
        return None, Problem(
            name,
            f"工作簿解压后有 {_size_text(unpacked)}（其中文字表 {_size_text(strings)}），超过上限"
            f" {_size_text(MAX_UNPACKED_BYTES)}（文字表 {_size_text(MAX_SHARED_STRINGS_BYTES)}）："
            "文件可能已损坏，请在 Excel 中打开检查后另存",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _XlsxBook(data), None
    except Exception:  # noqa: BLE001 - any unreadable file is the user's problem
        return None, Problem(name, _NOT_XLSX)


def _sheet_grid(ws, file: str, source: Source, book: _XlsxBook) -> tuple[Grid | None, Problem | None]:  # noqa: ANN001 - ReadOnlyWorksheet
    """A worksheet's cells as text, by its real data extent; a merged range repeats its top-left value.

    Only the rows the file holds are parsed, one at a time, and only filled
    cells are kept: the grid ends at the last row and column holding a
    value, whatever the sheet's declared dimension (ignored) or its
    formatted but empty cells (a format applied down to row 1,048,576 keeps
    nothing: its empty rows are passed over one at a time). A
    cell over :data:`MAX_CELL_CHARS` characters, or outside Excel's rows and
    columns, is refused. A formula cell is read as the value Excel stored
    with it; formula cells without one, and numbers of 16 digits or more,
    are marked (:attr:`Grid.marks`) for :func:`_unread_problems`.
    """
    where = {"file": file, "sheet": ws.title}
    try:
        cells = _sheet_cells(ws, None)
        if cells is None:  # the sheet holds formulas: read it again, each formula beside its stored value
            cells = _sheet_cells(ws, book.stored(ws))
        merged = book.merged_ranges(ws)
    except Refused as exc:
        return None, Problem(message=exc.message, row=exc.row, column=exc.column, **where)
    except Exception:  # noqa: BLE001 - any unreadable sheet is the user's problem
        return None, Problem(message=_NOT_XLSX, **where)
    found, height, marks = cells
    width = max(found, default=-1) + 1
    for ref in merged:
        _fill_merged(found, ref, height, width)
    columns = tuple(
        found[c].dense(height) if c in found else pa.chunked_array([pa.nulls(height, pa.string())])
        for c in range(width)
    )
    return Grid(columns, file, source, ws.title, marks=marks), None


def _check_position(row: int, column: int) -> None:
    """Refuse a cell outside Excel's rows and columns."""
    if not (0 < row <= MAX_ROWS and 0 < column <= MAX_COLUMNS):
        raise Refused(f"单元格位置超出 Excel 的范围（第{row}行第{column}列）：文件可能已损坏")


#: How far down a sheet its empty rows are followed. openpyxl gives every row up to the
#: last one the file holds, empty ones included, so a row far past Excel's last (a damaged
#: file) would take hours to reach: the sheet is refused once this many rows are passed.
_ROW_SCAN_LIMIT = 2 * MAX_ROWS


def _sheet_cells(ws, stored):  # noqa: ANN001, ANN202 - ReadOnlyWorksheets; tuple or None
    """The filled cells of ``ws`` by column, its height and its marked cells.

    ``ws`` is a sheet of the workbook read with its formulas
    (:class:`_XlsxBook`). Without ``stored`` the sheet is read once and
    ``None`` is returned at its first formula cell. With ``stored`` (the same
    sheet read for the values Excel stored with its formulas) the two are
    read in step. A formula whose stored value is empty text
    (``=IF(…,"",…)``) is blank; one with no stored value at all (the
    workbook was written by a program and never opened in Excel) is marked
    ``"formula"``. A number of 16 digits or more (a long id stored as a
    number) is kept and marked ``"long"``. Raises :class:`Refused` at a cell
    outside Excel's grid or over :data:`MAX_CELL_CHARS` characters.
    """
    found: dict[int, _SparseColumn] = {}
    marks: dict[str, dict[int, array]] = {}
    height = 0

    def mark(kind: str, row: int, column: int) -> None:
        marks.setdefault(kind, {}).setdefault(column - 1, array("q")).append(row - 1)

    # Without a declared dimension, each row ends at its own last cell and no row is added
    # past the file's last one (a dimension of A1:XFD1048576 would pad every row to it).
    ws.reset_dimensions()
    rows = ws.iter_rows()
    if stored is not None:
        stored.reset_dimensions()
    stored_rows = stored.iter_rows() if stored is not None else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for position, cells in enumerate(rows, 1):
                values = cells if stored_rows is None else next(stored_rows)
                if len(values) != len(cells):  # the same XML: never, unless broken
                    raise ValueError("the two readings of the sheet differ")
                if not cells:
                    if position > _ROW_SCAN_LIMIT:
                        raise Refused(f"单元格位置超出 Excel 的范围（第{MAX_ROWS}行以下）：文件可能已损坏")
                    continue
                for cell, stored_cell in zip(cells, values):
                    value = stored_cell.value
                    formula = cell.data_type == "f"
                    if formula and stored_rows is None:
                        return None
                    if value is None:
                        if formula and stored_cell.data_type != "str":  # "str": a formula giving empty text
                            _check_position(cell.row, cell.column)
                            mark("formula", cell.row, cell.column)
                        continue
                    text = _cell_text(value)
                    if not _filled(text):
                        continue
                    number, column = cell.row, cell.column
                    _check_position(number, column)
                    if type(value) in (int, float) and abs(value) >= _ID_DIGITS_LIMIT:  # not bool, a subclass of int
                        mark("long", number, column)
                    if len(text) > MAX_CELL_CHARS:
                        raise _too_long(number, column - 1, len(text))
                    found.setdefault(column - 1, _SparseColumn()).add(number - 1, text)
                    height = max(height, number)
    finally:
        rows.close()
        if stored_rows is not None:
            stored_rows.close()
    return found, height, marks


class _XlsxBook:
    """An ``.xlsx`` workbook opened read-only by openpyxl: its sheets as formulas, their stored values on demand.

    ``worksheets`` are read with formulas (``data_only=False``): a formula
    cell's ``data_type`` is ``"f"``. Only a sheet that holds formulas is read
    again, from the workbook opened with ``data_only=True``, for the values
    Excel stored with them (:meth:`stored`). Merged ranges, which openpyxl's
    read-only sheets do not give, are read from the sheet's XML
    (:meth:`merged_ranges`).
    """

    def __init__(self, data: bytes) -> None:
        from openpyxl.reader.excel import ExcelReader

        self.data = data
        # ExcelReader is what openpyxl.load_workbook runs; kept here for the sheets' parts in the archive.
        self.reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        self.reader.read()
        self.worksheets = list(self.reader.wb.worksheets)
        self.parts = {sheet.name: rel.target for sheet, rel in self.reader.parser.find_sheets()}
        self.values = None

    def stored(self, ws):  # noqa: ANN001, ANN201 - ReadOnlyWorksheet
        """The sheet ``ws`` read for the values stored with its formulas (``data_only=True``)."""
        import openpyxl

        if self.values is None:
            self.values = openpyxl.load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
        return self.values[ws.title]

    def merged_ranges(self, ws) -> list[str]:  # noqa: ANN001 - ReadOnlyWorksheet
        """The merged ranges of ``ws`` (``"A1:F1"``), from its ``<mergeCell>`` elements.

        The sheet's XML is parsed again only if its bytes name ``mergeCell``
        at all, by lxml with only the ``<row>`` and ``<mergeCell>`` elements
        reported (each row dropped when the next begins): a quarter of what
        reading the sheet costs openpyxl, where a parse in Python would
        double it. No entity is resolved and nothing is fetched.
        """
        from lxml import etree
        from openpyxl.xml.constants import SHEET_MAIN_NS

        part = self.parts[ws.title]
        with self.reader.archive.open(part) as source:
            if not _holds(source, b"mergeCell"):
                return []
        merge, row = f"{{{SHEET_MAIN_NS}}}mergeCell", f"{{{SHEET_MAIN_NS}}}row"
        refs: list[str] = []
        with self.reader.archive.open(part) as source:
            events = etree.iterparse(
                source, events=("start",), tag=(merge, row), resolve_entities=False, no_network=True,
            )
            for _, element in events:
                if element.tag == row:
                    while (previous := element.getprevious()) is not None:
                        element.getparent().remove(previous)
                elif element.get("ref"):
                    refs.append(element.get("ref"))
        return refs

    def close(self) -> None:
        self.reader.wb.close()
        if self.values is not None:
            self.values.close()


def _holds(stream: io.BufferedIOBase, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Whether ``stream`` holds ``needle``, read a chunk at a time."""
    tail = b""
    while block := stream.read(chunk):
        if needle in tail + block[: len(needle)] or needle in block:
            return True
        tail = block[-len(needle) + 1:]
    return False


class _SparseColumn:
    """The filled cells of one sheet column: 0-based rows (ascending) and texts, kept in Arrow blocks."""

    def __init__(self) -> None:
        self.rows = array("q")
        self.blocks: list[pa.Array] = []
        self.pending: list[str] = []

    def add(self, row: int, text: str) -> None:
        self.rows.append(row)
        self.pending.append(text)
        if len(self.pending) >= _BLOCK_ROWS:
            self.blocks.append(pa.array(self.pending, pa.string()))
            self.pending = []

    def texts(self) -> pa.Array:
        """Every text, in the order added."""
        blocks = [*self.blocks, pa.array(self.pending, pa.string())]
        self.blocks, self.pending = [pa.concat_arrays(blocks)], []
        return self.blocks[0]

    def at(self, row: int) -> str | None:
        """The text in ``row``, if filled."""
        rows = np.frombuffer(self.rows, dtype=np.int64)
        i = int(np.searchsorted(rows, row))
        return self.texts()[i].as_py() if i < len(rows) and rows[i] == row else None

    def dense(self, height: int) -> pa.ChunkedArray:
        """The column from row 0 to ``height - 1``, ``null`` where empty."""
        rows = np.frombuffer(self.rows, dtype=np.int64)
        positions = np.full(height, -1, dtype=np.int64)
        positions[rows] = np.arange(len(rows))
        return pa.chunked_array([self.texts().take(pa.array(positions, mask=positions < 0))])


def _fill_merged(found: dict[int, _SparseColumn], ref: str, height: int, width: int) -> None:
    """Repeat a merged range's top-left text over its empty cells, within the sheet's data extent."""
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (TypeError, ValueError):
        return
    anchor = found.get(min_col - 1)
    value = None if anchor is None else anchor.at(min_row - 1)
    if value is None:
        return
    rows = np.arange(min_row - 1, min(max_row, height), dtype=np.int64)
    for c in range(min_col - 1, min(max_col, width)):
        column = found.setdefault(c, _SparseColumn())
        have = np.frombuffer(column.rows, dtype=np.int64)
        empty = rows[~np.isin(rows, have)]
        if not len(empty):
            continue
        merged_rows = np.concatenate([have, empty])
        order = np.argsort(merged_rows, kind="stable")
        texts = pa.concat_arrays([column.texts(), pa.array([value] * len(empty), pa.string())]).take(pa.array(order))
        column.rows, column.blocks, column.pending = array("q", merged_rows[order].tobytes()), [texts], []


def _xlsx_rows(data: bytes, name: str, source: Source, table: Table) -> tuple[Grid | None, Problem | None]:
    """A table file in ``.xlsx``: the visible sheet named after the table, else the first visible sheet.

    Hidden sheets are never read (:func:`_table_sheet`).
    """
    book, problem = _open_workbook(data, name)
    if book is None:
        return None, problem
    try:
        sheets = list(book.worksheets)
        if not sheets:
            return None, Problem(name, "工作簿中没有工作表")
        ws, why = _table_sheet(sheets, table)
        if why is not None:
            return None, Problem(name, why)
        if ws is None:
            ws = next((s for s in sheets if _visible(s)), None)
        if ws is None:
            return None, Problem(name, f"工作簿中没有可见的工作表：{_HIDDEN}")
        return _sheet_grid(ws, name, Source(source.path, ws.title, source.sha256), book)
    finally:
        book.close()


def _csv_rows(data: bytes, name: str, source: Source, table: Table) -> tuple[Grid | None, Problem | None]:
    """A ``.csv`` file: encoding detected, every field as text.

    A regular file (every row as wide as the first, as Excel writes CSV) is
    parsed by Arrow straight into text columns; any other file (title rows
    narrower than the table, rows wider than the header) by the :mod:`csv`
    module, block by block, which also names what makes a file not CSV.
    """
    utf8, why = _utf8(data)
    if utf8 is None:
        return None, Problem(name, why)
    head: tuple[tuple[str | None, ...], ...] = ()
    try:
        _check_first_line(utf8)
        try:
            columns = _arrow_csv_columns(utf8)
        except (pa.ArrowException, ValueError):
            try:
                head, columns = _titled_csv_columns(utf8)
            except (pa.ArrowException, ValueError, csv.Error):
                del utf8
                try:
                    columns = _python_csv_columns(decode(data) or "")
                except csv.Error as exc:
                    return None, Problem(name, f"不是有效的 CSV 文件（{exc}）")
        _check_cell_lengths(head, columns)
    except Refused as exc:
        return None, Problem(name, exc.message, row=exc.row, column=exc.column)
    return Grid(columns, name, source, strict_width=True, head=head), None


def _too_wide(row: int, width: int) -> Refused:
    return Refused(
        f"该行有{width:,}个字段，超过上限{MAX_COLUMNS:,}列（Excel 工作表的最大列数）：请检查文件内容和分隔符", row
    )


def _too_long(row: int, column: int | None = None, length: int | None = None) -> Refused:
    from openpyxl.utils import get_column_letter

    size = f"有{length:,}个字符，" if length is not None else ""
    return Refused(
        f"单元格{size}超过上限{MAX_CELL_CHARS:,}个字符（Excel 单元格的最大长度）",
        row, None if column is None else get_column_letter(column + 1),
    )


def _check_first_line(utf8: bytes) -> None:
    """Refuse a first line of more than :data:`MAX_COLUMNS` fields before any parser allocates them."""
    end = utf8.find(b"\n")
    line = utf8 if end < 0 else utf8[:end]
    if line.count(b",") < MAX_COLUMNS:
        return
    width = len(next(csv.reader([line.decode("utf-8-sig", errors="replace")]), []))
    if width > MAX_COLUMNS:
        raise _too_wide(1, width)


def _check_cell_lengths(head: tuple[tuple[str | None, ...], ...], columns: tuple[pa.ChunkedArray, ...]) -> None:
    """Refuse the first cell over :data:`MAX_CELL_CHARS` characters (row by row, leftmost first)."""
    for r, row in enumerate(head, start=1):
        for c, cell in enumerate(row):
            if cell is not None and len(cell) > MAX_CELL_CHARS:
                raise _too_long(r, c, len(cell))
    first: tuple[int, int, int] | None = None
    for c, column in enumerate(columns):
        lengths = pc.utf8_length(column)
        if (pc.max(lengths).as_py() or 0) <= MAX_CELL_CHARS:
            continue
        position = int(np.argmax(_numpy(pc.greater(lengths, MAX_CELL_CHARS).fill_null(False))))
        if first is None or position < first[0]:
            first = (position, c, int(lengths[position].as_py()))
    if first is not None:
        raise _too_long(len(head) + first[0] + 1, first[1], first[2])


_BOM = b"\xef\xbb\xbf"
#: Ideographs: text that reads as UTF-8 Chinese before a byte that does not is UTF-8, not GBK.
_IDEOGRAPH = re.compile("[\u3400-\u9fff]")
_SAVE_AS_UTF8 = "请在 Excel 中打开后另存为“CSV UTF-8（逗号分隔）”"


def _utf8(data: bytes) -> tuple[bytes | None, str | None]:
    """``data`` as UTF-8 (a leading BOM is left for the parser), or ``None`` and why not.

    UTF-8 is taken as it is; other text is decoded by :func:`decode`. A file
    that starts as UTF-8 (a BOM, or lines of Chinese) and then holds bytes
    that are not UTF-8 is refused as mixed, since decoding it either way
    would garble part of it.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, f"文件是 UTF-16 编码（Excel 的“Unicode 文本”）：{_SAVE_AS_UTF8}"
    if data.startswith((b"PK\x03\x04", _OLE2)):
        return None, f"该文件实际是 Excel 工作簿，不是 CSV（只是扩展名为 .csv）：{_SAVE_AS_UTF8}"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        mixed = _mixed_encoding(data, exc.start)
        if mixed is not None:
            return None, mixed
        text = decode(data)
        if text is None:
            return None, "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"
        return text.encode("utf-8"), None
    if _binary(data):
        return None, "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"
    return data, None


def _mixed_encoding(data: bytes, start: int) -> str | None:
    """Why ``data`` is refused as mixed UTF-8 and another encoding (the first non-UTF-8 byte at ``start``), or ``None``."""
    line = data.count(b"\n", 0, start) + 1
    if data.startswith(_BOM):
        return (
            f"编码混杂：文件开头有 UTF-8 标记（BOM），第{line}行起的内容却不是 UTF-8（可能是 GBK）：{_SAVE_AS_UTF8}"
        )
    lines = data[: data.rfind(b"\n", 0, start) + 1].decode("utf-8")
    if next(itertools.islice(_IDEOGRAPH.finditer(lines), 1, None), None) is None:
        return None
    return f"编码混杂：前{line - 1}行是 UTF-8，第{line}行起不是 UTF-8（可能是 GBK）：{_SAVE_AS_UTF8}"


def _binary(data: bytes) -> bool:
    """Whether ``data`` is not text: a zip (``.xlsx``), OLE2 (``.xls``) or Parquet file, or NUL in
    more than one byte in a hundred (and more than 8 bytes).

    A stray NUL in a text file is kept (validation names its row).
    """
    if data.startswith((b"PK\x03\x04", _OLE2, b"PAR1")):
        return True
    return data.count(b"\x00") > max(8, len(data) // 100)


#: Columns the fast CSV path reads as text; a wider file takes the careful path.
_ARROW_CSV_WIDTH = 1024


def _arrow_csv_columns(utf8: bytes | pa.Buffer) -> tuple[pa.ChunkedArray, ...]:
    """The text columns of a regular CSV file.

    Raises (``ArrowInvalid``) where a row's width differs from the first
    row's; an empty line is a row of empty fields, as it is to :mod:`csv`.
    """
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        pa.BufferReader(utf8),
        read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=lambda row: "error",
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(_ARROW_CSV_WIDTH)},
            strings_can_be_null=False, quoted_strings_can_be_null=False,
        ),
    )
    if not all(pa.types.is_string(t) for t in table.schema.types):
        raise ValueError("too wide for the fast CSV path")
    return tuple(table.columns)


def _titled_csv_columns(utf8: bytes) -> tuple[tuple[tuple[str | None, ...], ...], tuple[pa.ChunkedArray, ...]]:
    """A CSV file whose first rows (titles) are narrower than the regular rows below them.

    The leading rows are read by the :mod:`csv` module, the rest by Arrow.
    Raises ``ValueError`` (or what :func:`_arrow_csv_columns` raises) for
    any other file.
    """
    lines = io.BytesIO(utf8)
    decoded = (line.decode("utf-8-sig" if i == 0 else "utf-8") for i, line in enumerate(iter(lines.readline, b"")))
    reader = csv.reader(decoded)
    records, ends = [], []
    for record in itertools.islice(_checked(reader), HEADER_SEARCH_ROWS + 2):
        records.append(record)
        ends.append(lines.tell())  # the reader takes whole lines, no more than a record needs
    widths = [len(r) for r in records]
    if len(records) < HEADER_SEARCH_ROWS + 2:
        raise ValueError("a short file: the csv module reads it")
    first = next(k for k in range(len(widths)) if len(set(widths[k:])) == 1)
    if not 0 < first <= HEADER_SEARCH_ROWS or max(widths[:first]) > widths[first]:
        raise ValueError("not a title above a regular table")
    columns = _arrow_csv_columns(pa.py_buffer(utf8).slice(ends[first - 1]))
    if len(columns) != widths[first]:
        raise ValueError("the rows below the titles differ")
    return tuple(tuple(cell or None for cell in r) for r in records[:first]), columns


def _python_csv_columns(text: str) -> tuple[pa.ChunkedArray, ...]:
    """Text columns by the :mod:`csv` module, any row widths; raises :class:`csv.Error`."""
    reader = _checked(csv.reader(io.StringIO(text, newline="")))
    blocks: list[list[pa.Array]] = []
    done = 0
    while block := list(itertools.islice(reader, _BLOCK_ROWS)):
        width = max(len(blocks), *map(len, block))
        blocks += [[pa.nulls(done, pa.string())] for _ in range(width - len(blocks))]
        for c, chunks in enumerate(blocks):
            chunks.append(pa.array([(row[c] or None) if c < len(row) else None for row in block], pa.string()))
        done += len(block)
    return tuple(pa.chunked_array(chunks, pa.string()) for chunks in blocks)


def _checked(reader: Iterable[list[str]]) -> Iterable[list[str]]:
    """The records of a :mod:`csv` reader; raises :class:`Refused` at a record too wide or a field too long."""
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if len(record) > MAX_COLUMNS:
                raise _too_wide(number, len(record))
            yield record
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own limit is above ours
            raise _too_long(number + 1) from exc
        raise


def decode(data: bytes) -> str | None:
    """``data`` as text: UTF-8 (with or without BOM), else GB18030, else a guess.

    Returns ``None`` for bytes that are not text in any of those (binary files).
    """
    if _binary(data):
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
    """A ``.parquet`` file: its column names as the header on row 1, records below, typed.

    A pandas index stored in the file is a column when it has a name (as
    ``DataFrame.reset_index`` would make it), and dropped otherwise. Columns
    come as :func:`_arrow_column` makes them, whichever tool wrote the file;
    one that holds no plain values is left blank and noted in
    :attr:`Grid.unreadable` (an error only where the table uses it).
    """
    import pyarrow.parquet as pq

    try:
        frame = _without_pandas_index(pq.read_table(io.BytesIO(data)))
    except Exception:  # noqa: BLE001 - any unreadable file is the user's problem
        return None, Problem(name, "无法读取 Parquet 文件：文件可能已损坏，或不是 Parquet 格式")
    columns: list[pa.ChunkedArray] = []
    unreadable: dict[int, str] = {}
    for c, column in enumerate(frame.columns):
        try:
            columns.append(_arrow_column(column))
        except Refused as exc:
            unreadable[c] = exc.message
            columns.append(pa.chunked_array([pa.nulls(len(column), pa.string())]))
    return Grid(tuple(columns), name, source, head=(tuple(frame.column_names),), unreadable=unreadable), None


_STRING_AGAIN = "请把该列存为文本（字符串）类型后重新导出"


def _arrow_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``column`` with one text type: dictionary-encoded values decoded, every text type as ``string``.

    pandas 2 writes ``string``, pandas 3 ``large_string``, polars
    ``string_view`` (or ``large_string``), Spark and Hive ``binary`` holding
    UTF-8, and any of them may dictionary-encode; the loader then sees plain
    ``string`` whichever it was. Integers of every width and sign are taken
    as they are. Raises :class:`Refused` for bytes that are not UTF-8 and
    for a nested column (lists, structs, maps), which hold no single value.
    """
    def plain(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        if _is_binary(values.type):
            try:
                return values.cast(pa.string())
            except pa.ArrowInvalid as exc:
                raise Refused(f"该列是二进制类型，内容不是 UTF-8 文本：{_STRING_AGAIN}") from exc
            except pa.ArrowException as exc:  # a byte type this pyarrow cannot cast
                raise Refused(f"该列是二进制类型（{values.type}），无法读取：{_STRING_AGAIN}") from exc
        return values.cast(pa.string()) if _is_text(values.type) and values.type != pa.string() else values

    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_nested(kind):  # lists, structs, maps, unions
        raise Refused(f"该列是嵌套类型（{_nested_name(kind)}），每格不是单个值：请把它展开成文本或数字列后重新导出")
    if pa.types.is_dictionary(column.type):  # Arrow cannot decode nor take string_view: cast first
        value_type = pa.string() if _is_text(kind) or _is_binary(kind) else kind
        chunks = [plain(chunk.dictionary).take(chunk.indices) for chunk in column.chunks]
        return pa.chunked_array(chunks, value_type)
    return plain(column)


def _is_binary(arrow: pa.DataType) -> bool:
    """Whether ``arrow`` is one of Arrow's byte types (``binary``, ``large_binary``, fixed size, ``binary_view``)."""
    is_view = getattr(pa.types, "is_binary_view", None)  # pyarrow 16 and later
    return (pa.types.is_binary(arrow) or pa.types.is_large_binary(arrow) or pa.types.is_fixed_size_binary(arrow)
            or bool(is_view and is_view(arrow)))


def _nested_name(arrow: pa.DataType) -> str:
    """A nested type's kind as a user reads it (never its field names, which come from the file)."""
    if pa.types.is_map(arrow):
        return "map 映射"
    if pa.types.is_struct(arrow):
        return "struct 结构"
    if pa.types.is_union(arrow):
        return "union 联合"
    return "list 列表"


def _without_pandas_index(table: pa.Table) -> pa.Table:
    """``table`` with a stored pandas index dropped, or moved to the front when named."""
    meta = table.schema.pandas_metadata or {}
    index = meta.get("index_columns") or []
    names = {c.get("field_name"): c.get("name") for c in meta.get("columns", [])}
    labels = [i.get("name") if isinstance(i, dict) else names.get(i) for i in index]
    stored = [i for i in index if isinstance(i, str) and i in table.column_names]
    if all(label is None for label in labels) and len(labels) <= 1:
        return table.drop_columns(stored)
    front = []
    for n, (entry, label) in enumerate(zip(index, labels)):
        if isinstance(entry, dict):
            values = pa.array(range(entry["start"], entry["stop"], entry["step"]), pa.int64())
        else:
            values = table.column(entry)
        default = "index" if len(index) == 1 else f"level_{n}"
        front.append((str(label) if label is not None else default, values))
    rest = table.drop_columns(stored)
    return pa.table(
        [v for _, v in front] + list(rest.columns), names=[k for k, _ in front] + rest.column_names
    )


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

    The header row is found by the columns every file of the table carries
    (:attr:`fupin.core.contract.Column.always_present`), however many other
    columns stand beside them: a candidate names at least half of them, or
    (a header that lacks most of them) has known headers in at least half of
    its filled cells. The one naming the most such columns wins, then the
    one naming the most columns of the table (the lower row of a two-row
    header whose merged cells repeat above), the first on a tie.

    >>> find_header([["户表"], ["户编号", "联系电话", "开户银行", "耕地面积（亩）", "家庭人口数", "识别年度"]], TABLES["households"])
    1
    """
    lookup = _lookup(table)
    needed = {c.name for c in table.columns if c.always_present}
    best, best_score = None, (0, 0)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [normalize_header(c) for c in row if _filled(c)]
        known = {lookup[c] for c in cells if c in lookup}
        score = (len(known & needed), len(known))
        if not known or (2 * score[0] < len(needed) and 2 * len(known) < len(cells)):
            continue
        if score > best_score:
            best, best_score = i, score
    return best


#: The units a money header may carry in brackets, and the yuan each stands for.
MONEY_UNITS: dict[str, int] = {"元": 1, "¥": 1, "千元": 1_000, "万元": 10_000}
#: A money unit with "per person" or "per year" after it: ``元/人``, ``万元/年``, ``元/人·年``.
_MONEY_UNIT = re.compile(r"(?P<unit>[千万]?元|¥)(/(人|年|人[·・.･]?年|人/年))?")
#: Count units that scale or count something else (``万人``, ``户``): never read as persons.
_OTHER_COUNT_UNIT = re.compile(r"[十百千万亿]+[人口]|户|户数|[十百千万亿]+户")
#: Columns that count persons, whose headers may carry ``（人）`` or ``（口）``.
COUNT_COLUMNS = frozenset({"size", "population"})


def header_unit(header: str) -> str | None:
    """The text in brackets at the end of a header (full-width or ASCII), as :func:`normalize_header` drops it.

    >>> header_unit("人均纯收入（万元）"), header_unit("家庭人口数 (人)"), header_unit("人均纯收入")
    ('万元', '人', None)
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", header))
    found = re.search(r"\(([^()]*)\)$", text)
    return None if found is None else found.group(1)


def unit_scale(column: Column, header: str) -> int | None:
    """How many yuan (or persons) one unit of ``header`` stands for; ``None`` for a unit not read.

    Money headers may say 元, 千元 or 万元 (also per person or per year:
    ``元/人``); count headers 人 or 口, and any bracket that is not a count
    unit (``户籍人口（2018年底）``). Other columns keep their brackets unread.

    >>> money = TABLES["incomes"].column("per_capita_income")
    >>> unit_scale(money, "人均纯收入（元）"), unit_scale(money, "人均纯收入(万元)"), unit_scale(money, "人均纯收入（美元）")
    (1, 10000, None)
    >>> size = TABLES["households"].column("size")
    >>> unit_scale(size, "家庭人口数（人）"), unit_scale(size, "家庭人口数（户）")
    (1, None)
    """
    unit = header_unit(header)
    if unit is None:
        return 1
    if column.kind == "number":
        found = _MONEY_UNIT.fullmatch(unit)
        return None if found is None else MONEY_UNITS[found.group("unit")]
    if column.name in COUNT_COLUMNS and _OTHER_COUNT_UNIT.fullmatch(unit):
        return None
    return 1


def _unit_problem(column: Column, header: str) -> str:
    """Why the unit of ``header`` is refused, in the user's terms."""
    unit = header_unit(header)
    if column.kind == "number":
        return (f"表头中的单位「{unit}」无法识别：金额列的单位只能是 元、千元 或 万元"
                "（如 人均纯收入（元）、人均纯收入（万元）），请改正表头")
    return f"表头中的单位「{unit}」不是人数：{column.label}应以人计（如 {column.label}（人）），请改正表头或数值"


def to_origin(grid: Grid, table: Table) -> tuple[Origin | None, list[Problem]]:
    """The table's cells under canonical names, with the user's row numbers.

    Returns ``None`` (and the reason) when the grid is empty or has no
    header row; otherwise the origin and the problems of its layout: doubled
    or missing columns, rows wider than the header (CSV), no data rows.
    Rows blank in every column of the table are dropped (their numbers are
    not reused).
    """
    from fupin.io.schema import Origin

    where = {"file": grid.file, "sheet": grid.sheet}
    if not any(_filled(c) for row in grid.head for c in row) and not any(
        _filled_mask(column).any() for column in grid.columns
    ):
        return None, [Problem(message="文件是空的" if grid.sheet is None else "工作表是空的", **where)]
    rows = [grid.row(i) for i in range(min(HEADER_SEARCH_ROWS, grid.height))]
    top = find_header(rows, table)
    if top is None:
        delimiter = _other_delimiter(rows, table) if grid.strict_width else None
        if delimiter is not None:
            return None, [Problem(
                message=f"分隔符应为逗号：该文件似乎用{delimiter}分隔各列。{_SAVE_AS_UTF8}", **where,
            )]
        examples = "、".join(c.label for c in table.columns if c.required)
        return None, [Problem(
            message=f"前{HEADER_SEARCH_ROWS}行中找不到{table.label}的表头（应有 {examples} 等列名）",
            **where,
        )]
    header = [(c or "").strip() for c in grid.row(top)]
    positions = header_positions(header, table)
    body = grid.below(top + 1)
    numbers = np.arange(top + 2, top + 2 + (len(body[0]) if body else 0), dtype=np.int64)
    ragged = _ragged(header, body, numbers, grid) if grid.strict_width else []
    units = [
        Problem(message=_unit_problem(table.column(name), header[pos[0]]), row=top + 1, column=header[pos[0]],
                column_en=name, **where)
        for name, pos in positions.items() if unit_scale(table.column(name), header[pos[0]]) is None
    ]
    unread = {str(p.column_en) for p in units}  # its cells are not read: every row would repeat the problem
    missing = frozenset(c.name for c in table.columns if c.name not in positions or c.name in unread)
    cells = {name: body[pos[0]] for name, pos in positions.items() if name not in unread}
    used = {p for pos in positions.values() for p in pos}
    unused = tuple(h for p, h in enumerate(header) if h and p not in used)
    keep = np.zeros(len(numbers), dtype=bool)
    for column in sorted(cells.values(), key=lambda c: _is_text(c.type)):  # cheap tests first
        keep |= _filled_mask(column)
        if keep.all():
            break
    if not keep.all():
        mask = pa.array(keep)
        cells = {name: column.filter(mask) for name, column in cells.items()}
        numbers = numbers[keep]
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
            for c in table.columns if c.required and c.name in missing and c.name not in unread
        ),
        *(
            Problem(
                message=f"{table.label}缺少这一列（列名可写作：" + "、".join(c.headers) + "）：即使全部为空也必须有这一列，"
                f"否则{c.absent_means}",
                row=top + 1, column=c.label, column_en=c.name, **where,
            )
            for c in table.columns if c.absent_means and c.name in missing and c.name not in unread
        ),
        *units,
        *ragged,
    ]
    if not len(numbers) and table.required:
        problems.append(Problem(message=f"{table.label}没有数据行", row=top + 1, **where))
    if unread := _unread_problems(grid, top, header, positions, table):  # the file must be saved or exported again
        return None, problems + unread
    origin = Origin(
        table, grid.file, grid.sheet, top + 1,
        rows=pd.Index(numbers, dtype="int64"),
        cells={name: Cells(column) for name, column in cells.items()},
        headers={name: header[pos[0]] for name, pos in positions.items()},
        missing=missing,
        ragged=frozenset(int(p.row) for p in ragged if p.row is not None),
        unused=unused,
    )
    return origin, problems

def _unread_problems(
    grid: Grid, top: int, header: list[str], positions: dict[str, list[int]], table: Table
) -> list[Problem]:
    """The table's cells below the header row ``top`` whose value cannot be read, one problem per column.

    Columns the table does not use are not looked at. Refused: a column that
    holds no plain values (:attr:`Grid.unreadable`); formula cells without a
    stored value, in any column; in an id column, a number of more than
    :data:`ID_DIGITS` digits, or one that is not whole, since a number
    keeps only 15 significant digits and the id's own digits cannot be
    known.
    """
    problems: list[Problem] = []
    for name, pos in positions.items():
        is_id = table.column(name).kind == "id"
        for p in pos:
            where = {"file": grid.file, "sheet": grid.sheet, "column": header[p], "column_en": name}
            if p in grid.unreadable:
                problems.append(Problem(message=grid.unreadable[p], **where))
                continue
            rows = grid.marks.get("formula", {}).get(p)
            if rows is not None and (cells := _cell_list(rows, top, p, grid)):
                problems.append(Problem(
                    message=f"{cells}是公式，但文件中没有保存公式的计算结果："
                    "请在 Excel 中打开该工作簿并保存（Excel 会算出并保存公式的值），然后重试",
                    **where,
                ))
            if not is_id:
                continue
            rows = grid.marks.get("long", {}).get(p)
            if rows is None and p < len(grid.columns):
                rows = _bad_numeric_ids(grid.columns[p], len(grid.head))
            if rows is not None and (cells := _cell_list(rows, top, p, grid)):
                problems.append(Problem(message=f"{cells}{_NUMERIC_ID}", **where))
    return problems


_NUMERIC_ID = (
    f"的编号以数字存储，超过{ID_DIGITS}位或带有小数：以数字存储的编号最多保留{ID_DIGITS}位，原来的编号已无法得知。"
    "请把该列设置为文本格式后重新导出"
)


def _bad_numeric_ids(column: pa.ChunkedArray, offset: int) -> array | None:
    """The grid rows (``offset`` + position) of a typed number column holding no id's digits.

    Such a number has more than :data:`ID_DIGITS` digits, or is not whole;
    ``None`` for a column that is not numbers (text from CSV and Excel).
    """
    kind = column.type
    if pa.types.is_integer(kind):
        numbers = column.fill_null(0).to_numpy()
        bad = (numbers >= _ID_DIGITS_LIMIT) | (numbers <= -_ID_DIGITS_LIMIT)
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        numbers = _numpy(pc.cast(column, pa.float64()).fill_null(np.nan))
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(numbers) & ~((numbers == np.round(numbers)) & (np.abs(numbers) < _ID_DIGITS_LIMIT))
    else:
        return None
    return array("q", (np.flatnonzero(bad) + offset).tobytes())


#: How many runs of cells a message names before it counts the rest.
_CELL_RUNS_SHOWN = 5


def _cell_list(rows: array, top: int, column: int, grid: Grid) -> str:
    """The cells of ``rows`` (0-based grid rows) below the header row ``top``, as the user finds them.

    ``"单元格 F12:F40、F45"`` in a sheet, ``"第12—40、45行"`` elsewhere, the
    first :data:`_CELL_RUNS_SHOWN` runs and then their number; ``""`` when
    none lies below the header.
    """
    from openpyxl.utils import get_column_letter

    found = np.unique(np.frombuffer(rows, dtype=np.int64))
    found = found[found > top] + 1  # the user's row numbers
    if not len(found):
        return ""
    breaks = np.flatnonzero(np.diff(found) != 1) + 1
    runs = [(int(run[0]), int(run[-1])) for run in np.split(found, breaks)]
    cut = len(runs) > _CELL_RUNS_SHOWN
    runs = runs[:_CELL_RUNS_SHOWN]
    if grid.sheet is None:
        listed = "、".join(f"{a}" if a == b else f"{a}—{b}" for a, b in runs)
        return f"第{listed}行" + (f"等共{len(found):,}行" if cut else "")
    letter = get_column_letter(column + 1)
    listed = "、".join(f"{letter}{a}" if a == b else f"{letter}{a}:{letter}{b}" for a, b in runs)
    return f"单元格 {listed}" + (f"等共{len(found):,}个单元格" if cut else "") + " "


#: Delimiters other than the comma that CSV-like exports use, and their names.
_DELIMITERS = {";": "分号（;）", "\t": "制表符（Tab）", "|": "竖线（|）"}


def _other_delimiter(rows: list[list[str | None]], table: Table) -> str | None:
    """The name of the delimiter (not a comma) under which ``rows`` hold ``table``'s header, if any.

    >>> _other_delimiter([["户编号;村代码;家庭人口数;识别年度"]], TABLES["households"])
    '分号（;）'
    """
    lines = [",".join(c or "" for c in row) for row in rows]
    for delimiter, name in _DELIMITERS.items():
        split = [next(csv.reader([line], delimiter=delimiter), []) for line in lines]
        if find_header(split, table) is not None:
            return name
    return None


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


def _filled(cell: object) -> bool:
    """Whether ``cell`` holds more than whitespace."""
    return isinstance(cell, str) and bool(cell.strip())


def _filled_mask(column: pa.ChunkedArray) -> np.ndarray:
    """:func:`_filled` of the text of every cell of ``column``, as a boolean array."""
    kind = column.type
    if _is_text(kind):
        filled = pc.match_substring_regex(column, _NOT_SPACE)
    elif pa.types.is_floating(kind):
        filled = pc.invert(pc.is_nan(column))
    else:
        filled = pc.is_valid(column)
    return _numpy(filled.fill_null(False) if filled.null_count else filled)


def _is_text(arrow: pa.DataType) -> bool:
    """Whether ``arrow`` is one of Arrow's text types (``string``, ``large_string``, ``string_view``)."""
    return pa.types.is_string(arrow) or pa.types.is_large_string(arrow) or _is_string_view(arrow)


def _is_string_view(arrow: pa.DataType) -> bool:
    is_view = getattr(pa.types, "is_string_view", None)  # pyarrow 16 and later
    return bool(is_view and is_view(arrow))


def _numpy(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A null-free Arrow array as a NumPy array."""
    if isinstance(array, pa.ChunkedArray):
        return array.to_numpy()
    return array.to_numpy(zero_copy_only=False)


def _ragged(header: list[str], body: list[pa.ChunkedArray], numbers: np.ndarray, grid: Grid) -> list[Problem]:
    """CSV rows with values beyond the header's last column (fields shifted)."""
    width = max((i + 1 for i, c in enumerate(header) if _filled(c)), default=0)
    fields = np.zeros(len(numbers), dtype=np.int64)  # the last filled column beyond the header, 1-based
    for c in range(width, len(body)):
        fields[_filled_mask(body[c])] = c + 1
    return [
        Problem(
            grid.file,
            f"该行有{int(fields[i])}个字段，多于表头的{width}列"
            "（常见原因：数字中的逗号没有加引号，如 3,500）",
            row=int(numbers[i]),
        )
        for i in np.flatnonzero(fields)
    ]


# ---------------------------------------------------------------------------
# Converting text to the contract's types.


def _clean(text: str) -> str | None:
    """NFKC-normalized, stripped text; ``None`` where it means blank."""
    value = unicodedata.normalize("NFKC", text).strip()
    return None if value.casefold() in BLANKS else value


#: A number with thousands separators: a comma before every group of three digits left of the point.
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
#: Why a number failed, where a comma or point is the cause (added to the column's expectation).
BAD_SEPARATOR = "千位分隔符（逗号）位置不对：应每三位一个，如 12,345、1,234.5；小数点应写作“.”"
TWO_POINTS = "有多个小数点"


def _digits(text: str, currency: bool = False) -> str:
    """``text`` without spaces, currency sign, unit and thousands separators (which must sit in their places)."""
    value = re.sub(r"\s", "", text)
    value = (value.lstrip("¥￥") if currency else value).rstrip(_UNITS)
    if "," in value:
        if not _GROUPED.fullmatch(value):
            raise Unconvertible(text)
        value = value.replace(",", "")
    return value


def number_problem(text: str) -> str | None:
    """What is wrong with a number cell beyond "not a number": a misplaced comma, two points.

    >>> number_problem("1,2345") == BAD_SEPARATOR, number_problem("1.234.5"), number_problem("abc")
    (True, '有多个小数点', None)
    """
    value = unicodedata.normalize("NFKC", text)
    if "," in value and any(c.isdigit() for c in value):
        return BAD_SEPARATOR
    if value.count(".") > 1:
        return TWO_POINTS
    return None


def parse_number(text: str) -> float:
    """``3,500``, ``1,234.5``, ``3500元``, ``３５００``, ``¥3500`` -> a float; ``1,2345`` and ``2400,50`` fail.

    >>> parse_number("¥12,345.5元")
    12345.5
    """
    value = _digits(text, currency=True)
    if not _NUMBER.fullmatch(value) or not math.isfinite(float(value)):
        raise Unconvertible(text)
    return float(value)


TOO_MANY_DECIMALS = "按表头的单位换算为元后超过两位小数：金额只能精确到分"
CELL_UNIT = "表头已注明单位，单元格中只填数字（不要另写单位）"


def parse_money(text: str, scale: int) -> float:
    """An amount in units of ``scale`` yuan (``万元``: 10,000) as yuan, scaled exactly on its decimal text.

    The result must be whole fen: ``0.35`` 万元 is 3500.00 yuan, ``0.1234567`` 万元 fails,
    and so does a cell with a unit of its own (``3500元`` under a 万元 header).

    >>> parse_money("0.35", 10_000), parse_money("1,234.5678", 10_000), parse_money("1.5", 1000)
    (3500.0, 12345678.0, 1500.0)
    """
    if _has_unit(text):
        raise Unconvertible(text)
    value = _digits(text, currency=True)
    if not _NUMBER.fullmatch(value):
        raise Unconvertible(text)
    amount = Decimal(value) * scale
    if abs(amount) >= MONEY_LIMIT or amount != amount.quantize(Decimal("0.01")):
        raise Unconvertible(text)
    return float(amount)


def _has_unit(text: str) -> bool:
    """Whether a number cell carries a unit of its own (``3500元``, ``0.35万``)."""
    return bool(re.search(r"[元万千百十]\s*$", unicodedata.normalize("NFKC", text)))


def money_problem(text: str, scale: int) -> str | None:
    """What is wrong with an amount beyond "not a number": too large, finer than a fen once
    scaled, or a unit of its own under a header that states one.

    >>> money_problem("1e308", 1) == MONEY_TOO_LARGE, money_problem("0.1234567", 10_000) == TOO_MANY_DECIMALS
    (True, True)
    >>> money_problem("3500元", 10_000) == CELL_UNIT
    True
    """
    if scale != 1 and _has_unit(text):
        return CELL_UNIT
    try:
        value = Decimal(_digits(unicodedata.normalize("NFKC", text).strip(), currency=True))
    except (Unconvertible, InvalidOperation):
        return None
    if not value.is_finite():
        return None
    if abs(value * scale) >= MONEY_LIMIT:
        return MONEY_TOO_LARGE
    return TOO_MANY_DECIMALS if scale != 1 else None


#: An id as Excel writes a long number in scientific notation (``9.90101E+15``): its digits are lost.
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(\.[0-9]*)?[eE]\+[0-9]+")
SCIENTIFIC_ID = (
    "是科学计数法（Excel 把长代码当作数字保存，后面的位数已经丢失）："
    "请在 Excel 中把该列设为“文本”格式、填回完整的代码后重新导出"
)


def is_scientific(text: str) -> bool:
    """Whether an id cell reads as a number in scientific notation, as a CSV saved by Excel holds it.

    >>> is_scientific("9.90101E+15"), is_scientific("1E+15"), is_scientific("12E3"), is_scientific("990101001")
    (True, True, False, False)
    """
    return bool(_SCIENTIFIC.fullmatch(unicodedata.normalize("NFKC", text).strip()))


def parse_int(text: str) -> int:
    """A whole number: ``2016``, ``2016.0``, ``2016年``, ``1,200`` -> int; ``2016.5`` and ``1,2000`` fail."""
    value = _digits(text)
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
    """An id as text: leading zeros kept; ``1001.0``, ``'0012`` and ``="0012"`` unwrapped.

    Scientific notation (``9.90101E+15``) fails: the id's digits are lost.
    """
    if _SCIENTIFIC.fullmatch(text):
        raise Unconvertible(text)
    value = re.sub(r'^="(.*)"$', r"\1", text).lstrip("'")
    return re.sub(r"^(\d+)\.0+$", r"\1", value)


def parse_enum(column: Column) -> Callable[[str], str]:
    """The choice that ``text`` names (or a synonym of it), ignoring case; unknown text kept for the schema to report."""
    choices = {**{word.casefold(): c for word, c in column.synonyms}, **{c.casefold(): c for c in column.choices}}
    return lambda text: choices.get(text.casefold(), text)


def _parser(column: Column, scale: int = 1) -> Callable[[str], object]:
    if column.kind == "number" and scale != 1:
        return lambda text: parse_money(text, scale)
    return {
        "id": parse_id, "text": str, "int": parse_int, "number": parse_number,
        "bool": parse_bool, "enum": parse_enum(column),
    }[column.kind]


def convert(origin: Origin) -> tuple[pd.DataFrame, list[Problem]]:
    """The table in check dtypes (:data:`fupin.core.contract.CHECK_DTYPES`), and cells that failed.

    Blank cells become missing, or the column's default where it has one;
    a column the file lacks is all default (or missing), or left out when it
    is ``omit_if_absent``. Text columns are only stripped; all others are
    NFKC-normalized first. Amounts under a header in 千元 or 万元 are
    scaled to yuan exactly (:func:`unit_scale`, :func:`parse_money`).
    """
    columns: dict[str, object] = {}
    problems: list[Problem] = []
    for col in origin.table.columns:
        cells = origin.cells.get(col.name)
        if cells is None and col.omit_if_absent:
            continue
        scale = unit_scale(col, origin.headers[col.name]) if col.name in origin.headers else 1
        if isinstance(cells, Cells):
            values, failed = convert_values(cells.values, col, scale or 1)
        else:
            values = pd.array([col.default] * len(origin.rows), dtype=CHECK_DTYPES[col.kind])
            failed = np.zeros(0, dtype=np.int64)
        columns[col.name] = values
        for i in failed:
            problems.append(origin.problem(_failure(col, cells(int(i)) or "", scale or 1), int(origin.rows[i]), col.name))
    return pd.DataFrame(columns, index=origin.rows), problems


def _failure(column: Column, text: str, scale: int) -> str:
    """What a cell that did not convert should have held, and why it failed where the text tells."""
    from fupin.io import schema

    if column.kind == "id" and is_scientific(text):
        return SCIENTIFIC_ID
    expected = schema.expectation(column)
    why = number_problem(text) if column.kind in ("int", "number") else None
    if why is None and column.kind == "number":
        why = money_problem(text, scale)
    return expected if why is None else f"{expected}；{why}"


def convert_values(values: pa.ChunkedArray, column: Column, scale: int = 1) -> tuple[object, np.ndarray]:
    """``values`` converted to ``column``'s check dtype, and the positions that did not convert.

    The result is the same as converting the text of each cell on its own
    (:func:`_parse_cell`), only faster: Parquet's numbers and booleans are
    taken as they are; text that is plainly clean (``2016``, ``3500.5``,
    ``00010001``) is converted by Arrow at once; every other distinct text
    (``是``, ``３,５００元``, ``2016.0``, blanks) is parsed once by the careful
    parsers, however many cells hold it. Amounts in units of ``scale``
    yuan (``万元``: 10,000) are scaled on their decimal text, never as floats.
    """
    values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    typed = _convert_typed(values, column) if scale == 1 else None
    if typed is None:
        typed = _convert_text(_as_text(values), column, scale)
    result, missing, failed = typed
    if column.default is not None:
        result = np.where(missing, column.default, result)
        missing = np.zeros(len(values), dtype=bool)
    return _check_array(result, missing, column), np.flatnonzero(failed)


def _convert_typed(values: pa.Array, column: Column) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Parquet's numbers for whole-number and number columns, booleans for bool columns.

    The same as parsing each value's text (:func:`_cell_text`): a float is
    whole where it shows without a decimal part; ``nan`` is blank; ``inf``
    and whole numbers of 15 digits or more are not whole numbers.
    """
    kind, arrow = column.kind, values.type
    numeric = pa.types.is_integer(arrow) or pa.types.is_floating(arrow)
    if not ((kind in ("int", "number") and numeric) or (kind == "bool" and pa.types.is_boolean(arrow))):
        return None
    if pa.types.is_boolean(arrow):
        missing = _numpy(pc.is_null(values))
        return _numpy(values.fill_null(False)), missing, np.zeros(len(values), dtype=bool)
    if pa.types.is_integer(arrow):
        missing = _numpy(pc.is_null(values))
        if kind == "number":
            numbers = _numpy(pc.cast(values, pa.float64(), safe=False).fill_null(np.nan))
            return numbers, missing, np.zeros(len(values), dtype=bool)
        numbers = _numpy(values.fill_null(0))
        failed = ~missing & (np.abs(numbers.astype(np.float64)) >= 1e15)
        return np.where(failed, 0, numbers).astype(np.int64), missing | failed, failed
    numbers = _numpy(pc.cast(values, pa.float64()).fill_null(np.nan))
    missing = np.isnan(numbers)
    if kind == "number":
        failed = np.isinf(numbers)
        return np.where(failed | (numbers == 0), 0.0, numbers), missing | failed, failed
    with np.errstate(invalid="ignore"):
        failed = ~missing & ~((numbers == np.round(numbers)) & (np.abs(numbers) < 1e15))
    ok = ~missing & ~failed
    return np.where(ok, numbers, 0).astype(np.int64), ~ok, failed


def _as_text(values: pa.Array) -> pa.Array:
    """``values`` as the text the user sees (:func:`_cell_text`), ``null`` when blank."""
    arrow = values.type
    if _is_text(arrow):
        return values
    if pa.types.is_integer(arrow):
        return pc.cast(values, pa.string())
    if pa.types.is_boolean(arrow):
        return pc.if_else(values, "true", "false")
    if pa.types.is_null(arrow):
        return pa.nulls(len(values), pa.string())
    encoded = pc.dictionary_encode(values)
    texts = pa.array([_cell_text(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return texts.take(encoded.indices)


#: Blank words that are plain ASCII letters, in every mix of cases ("NaN", "NULL").
_ALNUM_BLANKS = pa.array(sorted({
    "".join(chars)
    for word in BLANKS if word.isascii() and word.isalnum()
    for chars in itertools.product(*({c.lower(), c.upper()} for c in word))
}))
#: Decimal numbers Arrow parses exactly as :func:`parse_number` does (shorter forms are caught first).
_DECIMAL = r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$"


def _parse_as_is(text: pa.Array, kind: str) -> np.ndarray:
    """Cells whose text the careful parser would take as it is (an id) or as Arrow reads it (a number).

    Such text is plain ASCII digits (and letters, for ids) that NFKC leaves
    alone, with nothing to strip and no blank word: ``00010001``, ``BF0012``,
    ``2016``, ``3500.5``. Numbers of up to 15 digits are exact either way.
    """
    if kind == "id":
        clean = pc.and_(pc.ascii_is_alnum(text), pc.invert(pc.is_in(text, _ALNUM_BLANKS)))
    elif kind in ("int", "number"):
        clean = pc.and_(pc.ascii_is_decimal(text), pc.less_equal(pc.binary_length(text), 15))
    else:
        return np.zeros(len(text), dtype=bool)
    mask = _numpy(clean.fill_null(False))
    if kind == "number" and not mask.all():  # 3500.5, -12
        rest = np.flatnonzero(~mask)
        found = _numpy(pc.match_substring_regex(text.take(pa.array(rest)), _DECIMAL).fill_null(False))
        mask[rest[found]] = True
    return mask


def _convert_text(text: pa.Array, column: Column, scale: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text converted by ``column``'s kind: (values, missing, failed)."""
    n, kind = len(text), column.kind
    if kind == "text":  # only stripped: exactly what str.strip() does
        filled = _filled_mask(text)
        return _strings(pc.utf8_trim(text, WHITESPACE), ~filled), ~filled, np.zeros(n, dtype=bool)
    clean = _parse_as_is(text, kind) if scale == 1 else np.zeros(n, dtype=bool)
    rest = np.flatnonzero(~clean)
    distinct, failed_distinct, index = _parse_distinct(
        text.take(pa.array(rest)) if len(rest) < n else text, column, scale
    )
    missing_distinct = np.array([value is None for value in distinct], dtype=bool)
    missing = np.zeros(n, dtype=bool)
    missing[rest] = missing_distinct[index]
    failed = np.zeros(n, dtype=bool)
    failed[rest] = failed_distinct[index]
    if kind in ("int", "number", "bool"):
        dtype = {"int": np.int64, "number": np.float64, "bool": bool}[kind]
        result = np.zeros(n, dtype=dtype)
        if clean.any():
            result[clean] = _numpy(pc.cast(text.filter(pa.array(clean)), pa.from_numpy_dtype(dtype)))
        result[rest] = np.array([0 if value is None else value for value in distinct], dtype=dtype)[index]
    else:  # id, enum: text
        parsed = pa.array(distinct, pa.string()).take(pa.array(index))
        result = _strings(pc.replace_with_mask(text, pa.array(~clean), parsed) if len(rest) else text, missing)
    return result, missing, failed


def _parse_distinct(text: pa.Array, column: Column, scale: int = 1) -> tuple[list[object], np.ndarray, np.ndarray]:
    """:func:`_parse_cell` of each distinct text of ``text``, each parsed once.

    Returns the distinct values (``None`` last, for null cells), whether
    each failed, and for every cell the position of its value among them.
    """
    encoded = pc.dictionary_encode(text)
    parse = _parser(column, scale)
    values: list[object] = []
    failed: list[bool] = []
    for cell in encoded.dictionary.to_pylist():
        try:
            values.append(_parse_cell(cell, column.kind, parse))
            failed.append(False)
        except Unconvertible:
            values.append(None)
            failed.append(True)
    values.append(None)
    failed.append(False)
    return values, np.array(failed, dtype=bool), _numpy(encoded.indices.fill_null(len(values) - 1))


def _parse_cell(cell: str | None, kind: str, parse: Callable[[str], object]) -> object:
    """One cell's value: ``None`` when blank; raises :class:`Unconvertible`."""
    text = None if not _filled(cell) else (cell.strip() if kind == "text" else _clean(cell))
    return None if text is None else parse(text)


def _strings(text: pa.Array, missing: np.ndarray) -> np.ndarray:
    """``text`` as an object array of ``str`` (``pd.NA`` where missing), one object per distinct text."""
    encoded = pc.dictionary_encode(text)
    distinct = np.array([*encoded.dictionary.to_pylist(), pd.NA], dtype=object)
    index = _numpy(encoded.indices.fill_null(len(distinct) - 1))
    return distinct[np.where(missing, len(distinct) - 1, index) if missing.any() else index]


def _check_array(values: np.ndarray, missing: np.ndarray, column: Column) -> object:
    """``values`` (with ``missing``) as a pandas array of the column's check dtype."""
    if column.kind == "int":
        return pd.arrays.IntegerArray(values.astype(np.int64), missing)
    if column.kind == "bool":
        return pd.arrays.BooleanArray(values.astype(bool), missing)
    if column.kind == "number":
        return np.where(missing, np.nan, values).astype(np.float64)
    return pd.array(values, dtype=CHECK_DTYPES[column.kind])  # pd.NA already where missing (_strings)


# ---------------------------------------------------------------------------
# The contract's final dtypes.


def finish(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The validated table in contract dtypes (:func:`fupin.core.contract.contract_dtype`), with a fresh 0-based index.

    Required whole numbers become ``int64``; booleans that are required or
    have a default become ``bool``; the rest keep their nullable dtype.
    """
    final = {name: dtype for name, dtype in table.dtypes.items() if name in frame}
    return frame.astype(final).reset_index(drop=True)
