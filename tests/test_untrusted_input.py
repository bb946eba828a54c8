"""Untrusted input files, through the real console command.

Hostile or broken files (ids that look like paths or links, control
characters, over-long text, misplaced thousands separators, actual incomes
for future years, workbooks formatted down to row 1,048,576, over-long
cells, very wide CSV headers, oversized files, the wrong delimiter or a
mixed encoding, ``.xls`` files) are refused by ``fupin validate`` and by the
pre-flight of ``fupin run`` alike: exit 2, every problem on its own line
with file, sheet, row and column, in Chinese, no traceback, input files
unchanged. Ordinary messy input (``3,500元``, full-width digits) still loads.

The inputs that also go through ``fupin run`` run in their own processes
(both commands), a few at a time, while the others go through the same
``fupin.cli.main`` in-process (one fixture), so the file stays fast; rules that
apply to every column of a kind are also checked in-process on each column.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import PatternFill

import fixtures_data as fd
from conftest import fupin_cli
from fupin.io import loading
from fupin.cli import main
from fupin.core.contract import TABLES
from fupin.core.errors import DataError, Unconvertible
from fupin.io.loading import load
from fupin.core.privacy import masked
from fupin.io.schema import current_year

ID_RULE = "应为1到32个字符，只能是英文字母、数字、-或_（如 990101001）"
CONTROL = "含有控制字符（换行符、制表符或其他不可见字符）：请删除"
TOO_LONG = "文字过长：最多200个字符"
INCOME = "应为不小于0的数字（元）"
SEPARATOR = "千位分隔符（逗号）位置不对：应每三位一个，如 12,345、1,234.5；小数点应写作“.”"
FUTURE = "年度晚于今年的收入只能是预计值：是否预计应为“是”，否则请改正年度"
SAVE_AS = "请在 Excel 中打开后另存为“CSV UTF-8（逗号分隔）”"
CELL_CAP = "超过上限32,767个字符（Excel 单元格的最大长度）"
HOSTILE_IDS = ["../../x", "..", "/abs", "javascript:alert(1)", "00 01", "一号", "9" * 33, "a\\b", "1;2", ""]


# ---------------------------------------------------------------------------
# Building broken inputs.


def _csv(mutate: Callable[[fd.Tables], None], **kwargs: object) -> Callable[[Path], Path]:
    """A CSV folder of the hand-made county after ``mutate``."""
    def build(base: Path) -> Path:
        tables = fd.county_tables()
        mutate(tables)
        return fd.write_csv_folder(base / "data", tables, **kwargs)
    return build


def _set(table: str, index: int, column: str, value: object) -> Callable[[fd.Tables], None]:
    return lambda t: t[table][index].__setitem__(column, value)


def _rewrite(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    """A good CSV folder whose file ``name`` is rewritten by ``change``."""
    def build(base: Path) -> Path:
        folder = fd.write_csv_folder(base / "data", fd.county_tables())
        path = folder / name
        path.write_bytes(change(path.read_bytes()))
        return folder
    return build


def _delimited(delimiter: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter).writerows(rows)
        return out.getvalue().encode("utf-8")
    return change


def _bom_then_gbk(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data.decode("utf-8").encode("gbk")


def _gbk_from_row_4(data: bytes) -> bytes:
    lines = data.decode("utf-8").split("\n")
    return "\n".join(lines[:3]).encode("utf-8") + b"\n" + "\n".join(lines[3:]).encode("gbk")


def _utf16(data: bytes) -> bytes:
    return data.decode("utf-8").encode("utf-16")


def _xls_in_folder(base: Path) -> Path:
    folder = fd.write_csv_folder(base / "data", fd.county_tables())
    (folder / "households.csv").rename(folder / "households.xls")
    return folder


def _xls_file(base: Path) -> Path:
    path = base / "县数据.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    return path


def _xls_named_xlsx(base: Path) -> Path:
    path = base / "县数据.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    return path


def _workbook(base: Path, tables: fd.Tables | None = None, name: str = "县数据.xlsx") -> Path:
    return fd.write_workbook(base / name, tables or fd.county_tables())


def _formatted_to_last_row(base: Path, tables: fd.Tables | None = None) -> Path:
    """The workbook with a filled (formatted, empty) cell at Z1048576 in every sheet."""
    path = _workbook(base, tables)
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        ws.cell(row=1_048_576, column=26).fill = PatternFill("solid", fgColor="FFFF00")
    book.save(path)
    return path


def _edit_xlsx(path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """``path`` rewritten with its zip member ``member`` changed (the other members as they were)."""
    with zipfile.ZipFile(path) as src:
        parts = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for filename, data in parts:
            out.writestr(filename, change(data) if filename == member else data)
    return path


def _sheet_member(path: Path, sheet: str) -> str:
    """The zip member holding the worksheet titled ``sheet`` (openpyxl writes sheets in order)."""
    titles = openpyxl.load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{titles.index(sheet) + 1}.xml"


def _declared_full_height(base: Path) -> Path:
    """The workbook whose sheets declare the dimension A1:Z1048576."""
    path = _workbook(base)
    for sheet in ("村表", "户表", "收入表", "帮扶干部表"):
        _edit_xlsx(path, _sheet_member(path, sheet),
                   lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:Z1048576"/>', xml))
    return path


def _huge_cell(base: Path) -> Path:
    """A small workbook (tens of KB) whose cadres sheet holds one cell of 50 million characters."""
    path = _workbook(base)
    unit = "".join(f"&#{ord(c)};" for c in "县林业局").encode()
    return _edit_xlsx(path, _sheet_member(path, "帮扶干部表"), lambda xml: xml.replace(unit, b"AB" * 25_000_000, 1))


def _wide_header(base: Path) -> Path:
    """A cadres.csv whose header line has a million columns."""
    def change(data: bytes) -> bytes:
        head, _, rest = data.partition(b"\r\n")
        return head + b"," + b",".join(b"c%d" % i for i in range(1_000_000)) + b"\r\n" + rest
    return _rewrite("cadres.csv", change)(base)


def _long_name_csv(base: Path) -> Path:
    return _csv(_set("households", 1, "head_name", "张" * 100_000))(base)


def _oversized(base: Path) -> Path:
    """A households.csv of just over the size cap (a sparse file: nothing is written)."""
    folder = fd.write_csv_folder(base / "data", fd.county_tables())
    with open(folder / "households.csv", "r+b") as fh:
        fh.truncate(loading.MAX_FILE_BYTES + 1)
    return folder


@dataclass(frozen=True)
class Case:
    """A broken input: how to build it, and lines its problem list must hold (after ``  - ``)."""

    build: Callable[[Path], Path]
    lines: tuple[str, ...]
    run: bool = False  # also through `fupin run`


HH, VI, IN, CA = "households.csv", "villages.csv", "incomes.csv", "cadres.csv"


def _line(file: str, row: int, header: str, column: str, value: str, message: str) -> str:
    return f"{file} 第{row}行 列「{header}」({column}) 值「{value}」：{message}"


CASES: dict[str, Case] = {
    # 1. Identifiers and text fields.
    "township_id_path": Case(
        _csv(_set("villages", 0, "township_id", "../../x")),
        (_line(VI, 2, "乡镇代码", "township_id", "../../x", ID_RULE),), run=True,
    ),
    "township_id_dots": Case(
        _csv(_set("villages", 2, "township_id", "..")), (_line(VI, 4, "乡镇代码", "township_id", "..", ID_RULE),),
    ),
    "village_id_absolute": Case(
        _csv(lambda t: [t["villages"][0].update(village_id="/abs")] and None),
        (_line(VI, 2, "村代码", "village_id", "/abs", ID_RULE),),
    ),
    "township_id_link": Case(
        _csv(_set("villages", 1, "township_id", "javascript:alert(1)")),
        (_line(VI, 3, "乡镇代码", "township_id", "javascript:alert(1)", ID_RULE),),
    ),
    "household_id_space": Case(
        _csv(_set("households", 0, "household_id", "0001 0001")),
        (_line(HH, 2, "户编号", "household_id", "0001 0001", ID_RULE),),
    ),
    "cadre_id_chinese": Case(
        _csv(_set("cadres", 1, "cadre_id", "干部二")), (_line(CA, 3, "帮扶责任人编号", "cadre_id", "干部二", ID_RULE),),
    ),
    "name_vertical_tab": Case(
        _csv(_set("villages", 0, "village_name", "东风\x0b村")),
        (_line(VI, 2, "村名称", "village_name", "东风\\x0b村", CONTROL),), run=True,
    ),
    "name_nul": Case(
        _csv(_set("households", 2, "head_name", "王\x00五")),
        (_line(HH, 4, "户主姓名", "head_name", "王*", CONTROL),),  # a name is masked, never quoted whole
    ),
    "name_201_chars": Case(
        _csv(_set("cadres", 0, "unit", "局" * 201)),
        (_line(CA, 2, "单位", "unit", "局" * 30 + "…" + "局" * 10 + "（共201个字符）", TOO_LONG),),
    ),
    # 2. Numbers.
    "income_1_2345": Case(
        _csv(_set("incomes", 0, "per_capita_income", "1,2345")),
        (_line(IN, 2, "人均纯收入", "per_capita_income", "1,2345", f"{INCOME}；{SEPARATOR}"),),
    ),
    "income_decimal_comma": Case(
        _csv(lambda t: [_set("incomes", 1, "per_capita_income", "2.400,50")(t),
                        _set("incomes", 2, "per_capita_income", "2400,50")(t)] and None),
        (_line(IN, 3, "人均纯收入", "per_capita_income", "2.400,50", f"{INCOME}；{SEPARATOR}"),
         _line(IN, 4, "人均纯收入", "per_capita_income", "2400,50", f"{INCOME}；{SEPARATOR}")),
    ),
    "income_two_points": Case(
        _csv(_set("incomes", 3, "per_capita_income", "3.300.5")),
        (_line(IN, 5, "人均纯收入", "per_capita_income", "3.300.5", f"{INCOME}；有多个小数点"),),
    ),
    "population_misgrouped": Case(
        _csv(_set("villages", 0, "population", "1,2000")),
        (_line(VI, 2, "户籍人口", "population", "1,2000", f"应为大于0的整数；{SEPARATOR}"),),
    ),
    # 3. Actual incomes for future years.
    "income_2099": Case(
        _csv(_set("incomes", 0, "year", 2099)), (_line(IN, 2, "年度", "year", "2099", FUTURE),), run=True,
    ),
    # 4. Bounded work.
    "huge_cell_xlsx": Case(
        _huge_cell, (f"县数据.xlsx 工作表「帮扶干部表」 第4行 列「C」：单元格有50,000,000个字符，{CELL_CAP}",), run=True,
    ),
    "long_name_csv": Case(_long_name_csv, (f"{HH} 第3行 列「Q」：单元格有100,000个字符，{CELL_CAP}",)),
    "wide_header_csv": Case(
        _wide_header,
        (f"{CA} 第1行：该行有1,000,003个字段，超过上限16,384列（Excel 工作表的最大列数）：请检查文件内容和分隔符",),
    ),
    "oversized_file": Case(
        _oversized, (f"{HH}：文件过大（1,073,741,825 字节），超过上限 1 GB：请确认选对了文件（一个县的数据通常只有几 MB）",),
    ),
    # 5. Messages naming the real cause.
    "semicolons": Case(
        _rewrite(HH, _delimited(";")), (f"{HH}：分隔符应为逗号：该文件似乎用分号（;）分隔各列。{SAVE_AS}",), run=True,
    ),
    "tabs": Case(_rewrite(VI, _delimited("\t")), (f"{VI}：分隔符应为逗号：该文件似乎用制表符（Tab）分隔各列。{SAVE_AS}",)),
    "bom_then_gbk": Case(
        _rewrite(HH, _bom_then_gbk),
        (f"{HH}：编码混杂：文件开头有 UTF-8 标记（BOM），第1行起的内容却不是 UTF-8（可能是 GBK）：{SAVE_AS}",),
    ),
    "utf8_then_gbk": Case(
        _rewrite(VI, _gbk_from_row_4), (f"{VI}：编码混杂：前3行是 UTF-8，第4行起不是 UTF-8（可能是 GBK）：{SAVE_AS}",),
    ),
    "utf16": Case(_rewrite(CA, _utf16), (f"{CA}：文件是 UTF-16 编码（Excel 的“Unicode 文本”）：{SAVE_AS}",)),
    "xls_in_folder": Case(_xls_in_folder, ("households.xls：不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx",)),
    "xls_file": Case(_xls_file, ("县数据.xls：不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx",)),
    "xls_named_xlsx": Case(
        _xls_named_xlsx, ("县数据.xlsx：该文件实际是旧版 .xls 工作簿（只是扩展名为 .xlsx）：请在 Excel 中另存为 .xlsx",),
    ),
}

#: Inputs that must load: ordinary messy values, and workbooks whose declared or formatted extent is huge.
VALID: dict[str, Callable[[Path], Path]] = {
    "workbook": _workbook,
    "formatted_to_last_row": _formatted_to_last_row,
    "declared_full_height": _declared_full_height,
    "messy_but_valid": _csv(lambda t: _messy(t)),
}


def _messy(tables: fd.Tables) -> None:
    """Ordinary messy values at the edges of the rules: separators in place, estimates ahead, caps reached."""
    for index, text in enumerate(["12,345", "1,234.5", "3,500元", "３５００"]):
        tables["incomes"][index]["per_capita_income"] = text
    tables["villages"][0]["population"] = "1,200"
    tables["villages"][1]["collective_income"] = "¥52,000.50"
    tables["incomes"][4].update(year=2099, is_estimate="是")
    tables["incomes"][5].update(year=current_year(), is_estimate="否")
    tables["cadres"][0]["unit"] = "局" * 200
    for row in [tables["cadres"][0], *tables["households"][:2]]:
        row["cadre_id"] = "A-b_" + "9" * 28


# ---------------------------------------------------------------------------
# Running them.


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    unchanged: bool


def _fingerprint(path: Path) -> dict[str, tuple[int, int, str]]:
    """Size, mtime and (for files under 100 MB) sha256 of every input file."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    result = {}
    for p in files:
        stat = p.stat()
        digest = fd.hashes(p)[p.name] if stat.st_size < 100 << 20 else ""
        result[str(p)] = (stat.st_size, stat.st_mtime_ns, digest)
    return result


def _args(command: str, path: Path, out: Path) -> list[object]:
    # one worker: a first run starts its workers' kernels while it checks the data, and the
    # refusal comes before any notebook runs, so one kernel (not one per core) is started in vain
    run = ["run", path, "--year", 2018, "--out", out, "--quiet", "--workers", 1]
    return ["validate", path] if command == "validate" else run


def _run(command: str, path: Path, out: Path) -> Run:
    """The real console command, in its own process."""
    before = _fingerprint(path)
    proc = fupin_cli(*_args(command, path, out), timeout=300, env={**os.environ, "PYTHONUTF8": "1"})
    return Run(proc.returncode, proc.stdout, proc.stderr, _fingerprint(path) == before)


def _run_in_process(command: str, path: Path, out: Path) -> Run:
    """The console command's ``main`` in this process (no interpreter start-up, no imports)."""
    before = _fingerprint(path)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main([str(a) for a in _args(command, path, out)])
    return Run(status, stdout.getvalue(), stderr.getvalue(), _fingerprint(path) == before)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Run]:
    """Every case through `fupin validate` (and the marked ones through `fupin run`).

    The marked cases run both commands in their own processes, three at a time, while
    the others go through ``main`` in this process meanwhile.
    """
    jobs = {}
    for name, case in CASES.items():
        path = case.build(tmp_path_factory.mktemp(name))
        jobs[(name, "validate")] = path
        if case.run:
            jobs[(name, "run")] = path
    for name, build in VALID.items():
        jobs[(name, "validate")] = build(tmp_path_factory.mktemp(name))
    outs = {key: tmp_path_factory.mktemp("out") / "reports" for key in jobs}
    in_process = [key for key in jobs if not (key[0] in CASES and CASES[key[0]].run)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(_run, key[1], jobs[key], outs[key]) for key in jobs if key not in in_process}
        results = {key: _run_in_process(key[1], jobs[key], outs[key]) for key in in_process}
        results.update({key: future.result() for key, future in futures.items()})
    for key, out in outs.items():  # a refused run writes nothing at all
        assert not out.exists(), key
    return results


def _problems(run: Run) -> list[str]:
    lines = run.stderr.splitlines()
    assert lines and re.fullmatch(r"错误：输入数据有 \d+ 处问题：", lines[0]), run.stderr
    assert all(line.startswith("  - ") for line in lines[1:]), run.stderr
    return [line[4:] for line in lines[1:]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_refuses_with_every_problem_located(runs: dict[tuple[str, str], Run], name: str) -> None:
    run = runs[(name, "validate")]
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    problems = _problems(run)
    for line in CASES[name].lines:
        assert line in problems, run.stderr
    assert run.unchanged


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.run))
def test_run_refuses_as_validate_does(runs: dict[tuple[str, str], Run], name: str) -> None:
    run, validate = runs[(name, "run")], runs[(name, "validate")]
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert _problems(run) == _problems(validate)
    assert run.unchanged


@pytest.mark.parametrize("name", sorted(VALID))
def test_ordinary_input_still_validates(runs: dict[tuple[str, str], Run], name: str) -> None:
    run = runs[(name, "validate")]
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.unchanged


@pytest.mark.parametrize("name", ["formatted_to_last_row", "declared_full_height"])
def test_a_huge_sheet_extent_reads_as_the_data(runs: dict[tuple[str, str], Run], name: str) -> None:
    """The same summary as the plain workbook: the empty formatted rows are not rows of data."""
    plain, other = runs[("workbook", "validate")], runs[(name, "validate")]
    assert other.stdout.splitlines()[1:] == plain.stdout.splitlines()[1:]
    assert other.stdout.splitlines()[1:] != []


# ---------------------------------------------------------------------------
# The same rules in-process, on every column they cover.


def _problem_lines(path: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load(path)
    return [p.format() for p in info.value.problems]


ID_COLUMNS = [(t.name, c.name) for t in TABLES.values() for c in t.columns if c.name.endswith("_id")]


TEXT_COLUMNS = [(t.name, c.name) for t in TABLES.values() for c in t.columns
                if c.kind == "text" or (c.kind == "id" and not c.name.endswith("_id"))]  # id_number is text


@pytest.mark.parametrize("value", [v for v in HOSTILE_IDS if v])
def test_every_id_column_refuses_a_hostile_id(tmp_path: Path, value: str) -> None:
    """The value in the first row of every id column of every table at once: each is reported."""
    tables = fd.county_tables()
    for table, column in ID_COLUMNS:
        tables[table][0][column] = value
    problems = [p for p in _problem_lines(fd.write_csv_folder(tmp_path / "d", tables)) if p.endswith(ID_RULE)]
    assert problems == [
        f"{table}.csv 第2行 列「{TABLES[table].column(column).label}」({column}) 值「{value}」：{ID_RULE}"
        for table, column in ID_COLUMNS
    ]


@pytest.mark.parametrize(("value", "message"), [
    ("甲\x0b乙", CONTROL), ("甲\x1f乙", CONTROL), ("甲\x7f", CONTROL), ("甲\x85乙", CONTROL),
    ("两\n行", CONTROL), ("甲\t乙", CONTROL), ("字" * 201, TOO_LONG), ("a" * 32_000, TOO_LONG),
])
def test_every_text_column_refuses_control_characters_and_long_text(tmp_path: Path, value: str, message: str) -> None:
    """The value in the second row of every text column of every table at once: each is reported."""
    tables = fd.county_tables()
    for table, column in TEXT_COLUMNS:
        tables[table][1][column] = value
    problems = [p for p in _problem_lines(fd.write_csv_folder(tmp_path / "d", tables)) if p.endswith(message)]
    assert problems == [
        f"{table}.csv 第3行 列「{TABLES[table].column(column).label}」({column}) 值「{_quote(masked(column, value))}」：{message}"
        for table, column in TEXT_COLUMNS
    ]


def _quote(value: str) -> str:
    from fupin.core.errors import quote

    return quote(value)


def test_a_message_masks_personal_values_and_escapes_invisible_characters(tmp_path: Path) -> None:
    """A name or id number with a control character is masked as the reports mask it; other text
    is quoted with its invisible characters (a right-to-left override) escaped, never raw."""
    tables = fd.county_tables()
    tables["households"][0].update(head_name="王\x0b小明", id_number="110101\x0019900307123X")
    tables["cadres"][0]["name"] = "周\x1b[2J八"
    tables["villages"][0]["village_name"] = "东风\u202e\x0b村"
    text = "\n".join(_problem_lines(fd.write_csv_folder(tmp_path / "d", tables)))
    assert "值「王*明」" in text and "值「110101*********123X」" in text and "值「周***八」" in text
    assert "小明" not in text and "19900307" not in text and "[2J" not in text
    assert "值「东风\\u202e\\x0b村」" in text and "\u202e" not in text and "\x0b" not in text


def test_text_at_the_caps_loads(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["cadres"][0]["unit"] = "局" * 200
    tables["households"][0]["head_name"] = "  张三  "  # surrounding spaces are stripped, not control characters
    county = load(fd.write_csv_folder(tmp_path / "d", tables))
    assert county.cadres["unit"].iloc[0] == "局" * 200
    assert county.households["head_name"].iloc[0] == "张三"


def test_control_characters_are_refused_from_parquet_too(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["households"][3]["head_name"] = "韩\x00梅"
    tables["villages"][2]["township_id"] = "../002"
    problems = _problem_lines(fd.write_parquet_folder(tmp_path / "d", tables, headers="zh"))
    assert "households.parquet 第5行 列「户主姓名」(head_name) 值「韩*」：" + CONTROL in problems
    assert f"villages.parquet 第4行 列「乡镇代码」(township_id) 值「../002」：{ID_RULE}" in problems


@pytest.mark.parametrize(("text", "value"), [
    ("12,345", 12345.0), ("1,234.5", 1234.5), ("3,500元", 3500.0), ("３,５００", 3500.0), ("¥1,234,567.25", 1234567.25),
    ("-1,000", -1000.0), ("3500", 3500.0), (" 3 500 ", 3500.0), ("3500.", 3500.0),
])
def test_thousands_separators_in_their_places(text: str, value: float) -> None:
    assert loading.parse_number(loading._clean(text)) == value


@pytest.mark.parametrize("text", ["1,2345", "2.400,50", "2400,50", "1.234.5", "1,23", ",123", "123,", "1,,234",
                                  "1,234,56", "12,34.5", "1.234,5"])
def test_misplaced_separators_are_errors(text: str) -> None:
    with pytest.raises(Unconvertible):
        loading.parse_number(loading._clean(text))
    with pytest.raises(Unconvertible):
        loading.parse_int(loading._clean(text))


def test_the_future_is_after_the_current_year(tmp_path: Path) -> None:
    """This year's actual income loads; next year's is refused unless it is an estimate (blank = not)."""
    year = current_year()
    tables = fd.county_tables()
    tables["incomes"] += [
        {"household_id": "00010001", "year": year, "per_capita_income": 5000, "is_estimate": "否"},
        {"household_id": "00010001", "year": year + 1, "per_capita_income": 5000, "is_estimate": None},
        {"household_id": "00010002", "year": year + 1, "per_capita_income": 5000, "is_estimate": "否"},
        {"household_id": "00010003", "year": year + 1, "per_capita_income": 5000, "is_estimate": "是"},
    ]
    assert _problem_lines(fd.write_csv_folder(tmp_path / "d", tables)) == [
        _line(IN, 11, "年度", "year", str(year + 1), FUTURE), _line(IN, 12, "年度", "year", str(year + 1), FUTURE),
    ]
    del tables["incomes"][-3:-1]
    county = load(fd.write_csv_folder(tmp_path / "e", tables))
    assert sorted(county.incomes["year"])[-2:] == [year, year + 1]


def test_a_bad_value_in_a_formatted_workbook_names_its_row(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["households"][2]["size"] = "abc"
    path = _formatted_to_last_row(tmp_path, tables)
    assert _problem_lines(path) == ["县数据.xlsx 工作表「户表」 第6行 列「家庭人口数」(size) 值「abc」：应为1到30的整数"]


def test_merged_cells_repeat_their_value_within_the_data(tmp_path: Path) -> None:
    """A village name merged down two rows applies to both; a merge reaching past the data adds no rows."""
    tables = fd.county_tables()
    path = _workbook(tmp_path, tables)
    book = openpyxl.load_workbook(path)
    ws = book["户表"]
    column = [c.value for c in ws[3]].index("村代码") + 1
    ws.cell(row=5, column=column).value = None  # 00010002's village (0101) comes from the merge above
    ws.merge_cells(start_row=4, start_column=column, end_row=5, end_column=column)
    ws.merge_cells(start_row=7, start_column=column, end_row=2000, end_column=column)  # past the last row
    book.save(path)
    county = load(path)
    assert county.households["village_id"].tolist() == ["0101", "0101", "0102", "0201"]
    assert len(county.households) == 4


def test_a_cell_past_excels_last_row_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    member = _sheet_member(path, "帮扶干部表")
    _edit_xlsx(path, member, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    assert _problem_lines(path) == [
        "县数据.xlsx 工作表「帮扶干部表」：单元格位置超出 Excel 的范围（第2000000行第1列）：文件可能已损坏"
    ]


def test_a_row_far_past_excels_last_row_is_refused_promptly(tmp_path: Path) -> None:
    """A damaged sheet whose last row lies far past Excel's is refused without walking the rows between."""
    path = _workbook(tmp_path)
    member = _sheet_member(path, "帮扶干部表")
    _edit_xlsx(path, member, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="999999999999"><c r="Z999999999999" s="0"/></row></sheetData>'))
    start = time.perf_counter()
    lines = _problem_lines(path)
    assert time.perf_counter() - start < 30
    assert lines == ["县数据.xlsx 工作表「帮扶干部表」：单元格位置超出 Excel 的范围（第1048576行以下）：文件可能已损坏"]


def test_a_workbook_that_unpacks_too_far_is_refused_unparsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path)
    monkeypatch.setattr(loading, "MAX_UNPACKED_BYTES", 1000)
    (problem,) = _problem_lines(path)
    assert problem.startswith("县数据.xlsx：工作簿解压后有 ")
    assert problem.endswith("超过上限 1000 字节（文字表 256 MB）：文件可能已损坏，请在 Excel 中打开检查后另存")


def test_a_wide_row_below_a_title_is_refused_by_its_row(tmp_path: Path) -> None:
    wide = ",".join(["x"] * 20_000)
    folder = fd.write_csv_folder(tmp_path / "d", fd.county_tables())
    path = folder / "villages.csv"
    path.write_bytes(("示例县\r\n" + wide + "\r\n").encode() + path.read_bytes())
    assert _problem_lines(folder) == [
        "villages.csv 第2行：该行有20,000个字段，超过上限16,384列（Excel 工作表的最大列数）：请检查文件内容和分隔符"
    ]


def test_a_stray_nul_is_a_cell_problem_but_many_are_binary(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["cadres"][0]["name"] = "孙\x00七"
    folder = fd.write_csv_folder(tmp_path / "d", tables)
    assert _problem_lines(folder) == ["cadres.csv 第2行 列「姓名」(name) 值「孙*」：" + CONTROL]
    (folder / "cadres.csv").write_bytes(b"\x00\x01" * 200)
    assert _problem_lines(folder) == ["cadres.csv：无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"]


def test_gbk_files_still_load(tmp_path: Path) -> None:
    """A whole GBK file (and GB18030) is ordinary input, not a mixed encoding."""
    county = load(fd.write_csv_folder(tmp_path / "d", fd.county_tables(), encoding="gbk"))
    assert county.villages["village_name"].tolist() == ["东风村", "红旗村", "河口村"]
    frame = pd.DataFrame({"x": ["东风村"]})
    assert loading.decode(frame.to_csv(index=False).encode("gb18030")) == "x\n东风村\n"


def test_a_workbook_named_csv_is_called_a_workbook(tmp_path: Path) -> None:
    folder = fd.write_csv_folder(tmp_path / "d", fd.county_tables())
    (folder / "villages.csv").unlink()
    fd.write_xlsx(folder / "villages.csv", {"Sheet1": fd.grid("villages", fd.county_tables()["villages"])})
    assert _problem_lines(folder) == [
        f"villages.csv：该文件实际是 Excel 工作簿，不是 CSV（只是扩展名为 .csv）：{SAVE_AS}"
    ]
