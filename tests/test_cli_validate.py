"""``fupin validate`` through the real console command: exit status and messages.

A few broken inputs (and the valid county) are run in their own ``python -m
fupin.cli`` process, two at a time; the others go through the same
``fupin.cli.main`` in-process meanwhile (one fixture), so the file stays fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import fixtures_data as fd
from fupin.cli import main


@dataclass(frozen=True)
class Case:
    """A broken input: how to build it under a folder, and the message it must give."""

    build: Callable[[Path], Path]
    message: str


def _csv(mutate: Callable[[fd.Tables], None]) -> Callable[[Path], Path]:
    """A CSV folder of the hand-made county after ``mutate``."""
    def build(base: Path) -> Path:
        tables = fd.county_tables()
        mutate(tables)
        return fd.write_csv_folder(base / "data", tables)
    return build


def _replace(name: str, content: bytes, form: str = "csv") -> Callable[[Path], Path]:
    """A good folder in which the file ``name`` holds ``content`` instead."""
    def build(base: Path) -> Path:
        folder = fd.write_csv_folder(base / "data", fd.county_tables())
        if form != "csv":
            (folder / name.replace(f".{form}", ".csv")).unlink()
        (folder / name).write_bytes(content)
        return folder
    return build


def _set(table: str, index: int, column: str, value: object) -> Callable[[fd.Tables], None]:
    return lambda t: t[table][index].__setitem__(column, value)


def _missing_path(base: Path) -> Path:
    return base / "没有这个文件夹"


def _empty_folder(base: Path) -> Path:
    (base / "empty").mkdir()
    return base / "empty"


def _binary_xlsx(base: Path) -> Path:
    path = base / "county.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    return path


def _xls(base: Path) -> Path:
    path = base / "county.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    return path


def _missing_sheet(base: Path) -> Path:
    tables = fd.county_tables()
    del tables["households"]
    return fd.write_workbook(base / "示例县.xlsx", tables)


def _two_forms(base: Path) -> Path:
    folder = fd.write_csv_folder(base / "data", fd.county_tables())
    fd.write_xlsx_folder(folder, {"villages": fd.county_tables()["villages"]})
    return folder


def _no_size_column(tables: fd.Tables) -> None:
    for row in tables["households"]:
        del row["size"]


def _no_exit_year_column(tables: fd.Tables) -> None:
    for row in tables["households"]:
        del row["exit_year"]


def _headers(**headers: str) -> Callable[[Path], Path]:
    """The hand-made county as CSV with some headers written otherwise."""
    return lambda base: fd.write_csv_folder(base / "data", fd.county_tables(), headers=headers)


def _case_only_township_ids(tables: fd.Tables) -> None:
    tables["villages"][0]["township_id"] = "a1"
    tables["villages"][1]["township_id"] = "a1"
    tables["villages"][2]["township_id"] = "A1"


RAGGED = "户编号,年度,人均纯收入,是否预计\n00010001,2017,4200,否\n00010001,2018,4,800,否\n".encode()
HEADERLESS = "编号,名称,备注\n1,东风村,无\n".encode("gbk")

CASES: dict[str, Case] = {
    "missing_path": Case(_missing_path, "没有这个文件夹：路径不存在：应为数据文件夹或 .xlsx 工作簿"),
    "empty_folder": Case(
        _empty_folder,
        "empty：缺少户表（households）：应有 households.csv、.xlsx 或 .parquet（也可用中文文件名 户表.csv 等）"
        "；也可用人员表（persons，全国扶贫开发信息系统导出的每人一行的表）代替户表",
    ),
    "binary_xlsx": Case(_binary_xlsx, "county.xlsx：无法作为 Excel 工作簿打开：文件可能已损坏，或不是 .xlsx 格式"),
    "old_xls": Case(_xls, "county.xls：不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx"),
    "missing_sheet": Case(
        _missing_sheet, "示例县.xlsx：缺少工作表「户表」或「households」（现有工作表：「村表」、「收入表」、「帮扶干部表」）"
        "；也可用人员表（persons，全国扶贫开发信息系统导出的每人一行的表）代替户表"
    ),
    "two_forms": Case(_two_forms, "data：村表（villages）有多个文件：villages.csv、villages.xlsx，只能保留一个"),
    "ragged_csv": Case(
        _replace("incomes.csv", RAGGED),
        "incomes.csv 第3行：该行有5个字段，多于表头的4列（常见原因：数字中的逗号没有加引号，如 3,500）",
    ),
    "empty_file": Case(_replace("households.csv", b""), "households.csv：文件是空的"),
    "bad_parquet": Case(
        _replace("incomes.parquet", b"PAR1 this is not parquet", form="parquet"),
        "incomes.parquet：无法读取 Parquet 文件：文件可能已损坏，或不是 Parquet 格式",
    ),
    "no_header": Case(
        _replace("villages.csv", HEADERLESS),
        "villages.csv：前10行中找不到村表的表头（应有 村代码、村名称、乡镇代码、乡镇名称、户籍人口、是否贫困村 等列名）",
    ),
    "binary_csv": Case(
        _replace("cadres.csv", b"\x00\x01\x02\xff" * 50), "cadres.csv：无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"
    ),
    "size_not_a_number": Case(
        _csv(_set("households", 0, "size", "abc")),
        "households.csv 第2行 列「家庭人口数」(size) 值「abc」：应为1到30的整数",
    ),
    "half_year": Case(
        _csv(_set("households", 1, "registered_year", "2016.5")),
        "households.csv 第3行 列「识别年度」(registered_year) 值「2016.5」：应为1980到2100之间的年份（整数）",
    ),
    "unknown_bool": Case(
        _csv(_set("villages", 2, "is_poor_village", "大概")),
        "villages.csv 第4行 列「是否贫困村」(is_poor_village) 值「大概」："
        "应为是/否（也可写 有/无、√/×、Y/N、true/false、1/0）",
    ),
    "duplicate_household": Case(
        _csv(_set("households", 3, "household_id", "00010001")),
        "households.csv 第5行 列「户编号」(household_id) 值「00010001」：户编号重复（另见第2行）",
    ),
    "unknown_village": Case(
        _csv(_set("households", 2, "village_id", "102")),
        "households.csv 第4行 列「村代码」(village_id) 值「102」：村代码在村表中不存在",
    ),
    "missing_column": Case(
        _csv(_no_size_column),
        "households.csv 第1行 列「家庭人口数」(size)：缺少必填列（列名可写作：size、家庭人口数、家庭人口）",
    ),
    "exit_before_registration": Case(
        _csv(_set("households", 1, "exit_year", 2013)),
        "households.csv 第3行 列「脱贫年度」(exit_year) 值「2013」：脱贫年度不应早于识别年度",
    ),
    "no_exit_year_column": Case(
        _csv(_no_exit_year_column),
        "households.csv 第1行 列「脱贫年度」(exit_year)：户表缺少这一列（列名可写作：exit_year、脱贫年度、退出年度）："
        "即使全部为空也必须有这一列，否则每户都会被当作未脱贫",
    ),
    "scientific_id": Case(
        _csv(_set("households", 0, "id_number", "4.10101E+17")),
        "households.csv 第2行 列「证件号码」(id_number) 值「4.1010*E+17」：是科学计数法（Excel 把长代码当作数字保存，"
        "后面的位数已经丢失）：请在 Excel 中把该列设为“文本”格式、填回完整的代码后重新导出",
    ),
    "unknown_money_unit": Case(
        _headers(per_capita_income="人均纯收入（美元）"),
        "incomes.csv 第1行 列「人均纯收入（美元）」(per_capita_income)：表头中的单位「美元」无法识别："
        "金额列的单位只能是 元、千元 或 万元（如 人均纯收入（元）、人均纯收入（万元）），请改正表头",
    ),
    "huge_income": Case(
        _csv(_set("incomes", 0, "per_capita_income", "1e308")),
        "incomes.csv 第2行 列「人均纯收入」(per_capita_income) 值「1e308」："
        "金额过大：应小于 10,000,000,000,000 元（十万亿元，1e13），更大的数无法精确到分；请检查单位和数值",
    ),
    "case_only_township_ids": Case(
        _csv(_case_only_township_ids),
        "villages.csv 第4行 列「乡镇代码」(township_id) 值「A1」：与第2行的乡镇代码「a1」只有大小写不同："
        "在 Windows 和 macOS 上会写入同一个报告文件夹或文件，请改为不同的代码",
    ),
    "reserved_township_id": Case(
        _csv(_set("villages", 2, "township_id", "NUL")),
        "villages.csv 第4行 列「乡镇代码」(township_id) 值「NUL」：不能用作文件或文件夹名"
        "（Windows 保留的设备名 CON、PRN、AUX、NUL、COM1–9、LPT1–9，不分大小写）：请改用其他代码",
    ),
    "negative_income": Case(
        _csv(_set("incomes", 4, "per_capita_income", "-200")),
        "incomes.csv 第6行 列「人均纯收入」(per_capita_income) 值「-200」：应为不小于0的数字（元）",
    ),
}


#: Further broken inputs, run in-process through ``fupin.cli.main`` (cheaper than a process each).
IN_PROCESS: dict[str, Case] = {
    name: CASES.pop(name) for name in (
        "old_xls", "binary_csv", "negative_income", "unknown_money_unit", "huge_income", "case_only_township_ids",
        "reserved_township_id",
    )
}


@dataclass(frozen=True)
class Run:
    path: Path
    returncode: int
    stdout: str
    stderr: str
    before: dict[str, str]
    after: dict[str, str]


def _hashes(path: Path) -> dict[str, str]:
    return fd.hashes(path) if path.exists() else {}


def _snapshot(base: Path) -> dict[str, str]:
    """Every entry under a case's own folder ``base`` (itself included): sha256 of files, ``dir``
    for folders. Never empty, so a missing path or an empty folder is still compared."""
    entries = {".": "dir"}
    for p in sorted(base.rglob("*")):
        entries[str(p.relative_to(base))] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return entries


#: Console commands run at once: the suite runs on 2 cores.
PARALLEL = 2
#: The cases run in their own process (an interpreter start-up each): a missing path, a file
#: that is not a workbook, a problem in a cell, and the valid county's summary on stdout.
CONSOLE = ("missing_path", "binary_xlsx", "size_not_a_number", "valid")


def _in_process(path: Path) -> tuple[int, str, str]:
    """``fupin validate`` by the console command's ``main`` in this process, from the path's folder."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.chdir(path.parent), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["validate", path.name])
    return status, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every case (and a valid county) run by the console command: those of ``CONSOLE`` in
    their own processes, two at a time, the others through ``main`` in-process meanwhile."""
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}
    builds = {name: case.build for name, case in CASES.items()}
    builds["valid"] = lambda base: fd.write_workbook(base / "示例县.xlsx", fd.county_tables())
    pending = [(name, build) for name, build in builds.items() if name in CONSOLE]
    running: list[tuple[str, Path, Path, dict[str, str], subprocess.Popen]] = []
    results = {}
    while pending or running:
        while pending and len(running) < PARALLEL:
            name, build = pending.pop(0)
            base = tmp_path_factory.mktemp(name)
            path = build(base)
            proc = subprocess.Popen(
                [sys.executable, "-m", "fupin.cli", "validate", path.name],
                cwd=path.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )
            running.append((name, path, base, _snapshot(base), proc))
        if not pending:  # the processes are started: the rest runs here while they work
            for name, build in builds.items():
                if name not in CONSOLE and name not in results:
                    base = tmp_path_factory.mktemp(name)
                    path = build(base)
                    before = _snapshot(base)
                    results[name] = Run(path, *_in_process(path), before, _snapshot(base))
        name, path, base, before, proc = running.pop(0)
        out, err = proc.communicate(timeout=300)
        results[name] = Run(path, proc.returncode, out.decode(), err.decode(), before, _snapshot(base))
    assert sorted(results) == sorted(builds)
    return results


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_input_exits_2_with_its_message(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert lines[0].startswith("错误：输入数据有 ")
    if name == "missing_path":  # given as a relative path: the message names the folder it was read from
        said = f"  - {CASES[name].message}（相对路径按当前文件夹 {run.path.parent} 解析，即 {run.path}；"
        assert any(line.startswith(said) and "--cwd" in line for line in lines), run.stderr
    else:
        assert f"  - {CASES[name].message}" in lines, run.stderr


def test_a_single_problem_is_the_only_line(runs: dict[str, Run]) -> None:
    assert runs["size_not_a_number"].stderr.splitlines() == [
        "错误：输入数据有 1 处问题：",
        "  - households.csv 第2行 列「家庭人口数」(size) 值「abc」：应为1到30的整数",
    ]


def test_valid_county_prints_the_township_summary(runs: dict[str, Run]) -> None:
    run = runs["valid"]
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[0] == "数据有效：示例县.xlsx"
    assert lines[1].split() == ["乡镇代码", "乡镇", "村数", "建档立卡户数", "人数", "收入年度"]
    assert lines[2].split() == ["001", "城关镇", "2", "3", "9", "2017–2018"]
    assert lines[3].split() == ["002", "河口乡", "1", "1", "1", "2016–2018"]


@pytest.mark.parametrize("name", sorted([*CASES, "valid"]))
def test_inputs_are_unchanged(runs: dict[str, Run], name: str) -> None:
    assert runs[name].after == runs[name].before


@pytest.mark.parametrize("name", sorted(IN_PROCESS))
def test_broken_input_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    path = IN_PROCESS[name].build(tmp_path)
    before = _hashes(path)
    monkeypatch.chdir(path.parent)
    assert main(["validate", path.name]) == 2
    captured = capsys.readouterr()
    assert f"  - {IN_PROCESS[name].message}" in captured.err.splitlines()
    assert "Traceback" not in captured.err and captured.out == ""
    assert _hashes(path) == before


def test_in_process_main_returns_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same handler in-process: a workbook with a bad value in a sheet under title rows."""
    tables = fd.county_tables()
    tables["incomes"][0]["year"] = "二〇一七"
    path = fd.write_workbook(tmp_path / "c.xlsx", tables, title_rows=1)
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        "  - c.xlsx 工作表「收入表」 第3行 列「年度」(year) 值「二〇一七」：应为1980到2100之间的年份（整数）"
    )


@pytest.mark.parametrize("command", [[], ["validate"], ["generate"], ["run"], ["sample"], ["email"]])
def test_help_and_usage_errors_read_in_chinese(command, capsys):
    assert main([*command, "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("用法：fupin") and "选项:" in shown and "显示本帮助并退出" in shown
    for english in ("usage:", "options:", "optional arguments:", "positional arguments:", "show this help"):
        assert english not in shown
    if command:
        assert main([*command, "--no-such-option"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("用法：fupin") and "：错误：" in err and "usage:" not in err and "error:" not in err
