"""Workbooks and Parquet files as exports and offices make them: every one read exactly, or refused.

Hidden sheets and Excel's copy names (``户表 (2)``), formula cells with and
without a stored value, password-protected and macro-enabled workbooks,
long ids stored as numbers (Excel keeps 15 significant digits), and
Parquet strings of every type (Spark's and Hive's ``binary`` included) and
nested columns. Each case is one small hand-made file (docs/data.md,
"Forms accepted"); two go through ``fupin validate`` as a user meets them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl.workbook.protection import WorkbookProtection

import fixtures_data as fd
from conftest import fupin_cli
from fupin.core.contract import TABLES
from fupin.core.errors import DataError
from fupin.io.loading import load
from test_load import assert_reference
from test_parquet_types import arrow_tables, write

BOOK = "县数据.xlsx"
HIDDEN = "隐藏的工作表不会被读取。请在 Excel 中取消隐藏（右键单击工作表标签 →“取消隐藏”）后保存，或把数据复制到一个可见的工作表"
FORMULA = "是公式，但文件中没有保存公式的计算结果：请在 Excel 中打开该工作簿并保存（Excel 会算出并保存公式的值），然后重试"
NUMERIC_ID = (
    "的编号以数字存储，超过15位或带有小数：以数字存储的编号最多保留15位，原来的编号已无法得知。"
    "请把该列设置为文本格式后重新导出"
)
ENCRYPTED = (
    "工作簿设有打开密码（已加密），无法读取：请在 Excel 中打开，删除密码"
    "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存为不加密的 .xlsx"
)
XLSM = "不支持启用宏的 .xlsm 文件：请在 Excel 中另存为 .xlsx"
#: An OLE2 compound file holding the streams of an encrypted Office document (as Excel writes one).
ENCRYPTED_BYTES = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    + "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le") + bytes(446)
)


def problem_lines(path: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load(path)
    return [p.format() for p in info.value.problems]


def wrong_sizes() -> fd.Tables:
    """The hand-made county with every household's size changed: what a stale or hidden copy holds."""
    tables = fd.county_tables()
    for row in tables["households"]:
        row["size"] = 9
    return tables


def workbook(path: Path, tables: fd.Tables | None = None) -> openpyxl.Workbook:
    """The hand-made county as one workbook (sheets 村表, 户表, …), opened for editing."""
    fd.write_workbook(path, tables or fd.county_tables())
    return openpyxl.load_workbook(path)


def add_sheet(book: openpyxl.Workbook, title: str, table: str, tables: fd.Tables, title_rows: int = 2,
              state: str = "visible") -> None:
    ws = book.create_sheet(title)
    for row in fd.grid(table, tables[table], title_rows=title_rows):
        ws.append(row)
    ws.sheet_state = state


def edit_sheet_xml(path: Path, sheet: str, change) -> None:  # noqa: ANN001 - bytes -> bytes
    """Rewrite the XML of worksheet ``sheet`` (openpyxl writes sheets in order), other members as they were."""
    member = f"xl/worksheets/sheet{openpyxl.load_workbook(path, read_only=True).sheetnames.index(sheet) + 1}.xml"
    with zipfile.ZipFile(path) as src:
        parts = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts:
            out.writestr(name, change(data) if name == member else data)


# ---------------------------------------------------------------------------
# Hidden sheets and copy names.


def test_a_visible_copy_wins_over_the_hidden_sheet(tmp_path: Path) -> None:
    """户表 hidden (stale sizes), 户表 (2) visible: the visible copy is the households table."""
    path = tmp_path / BOOK
    book = workbook(path, wrong_sizes())
    book["户表"].sheet_state = "hidden"
    add_sheet(book, "户表 (2)", "households", fd.county_tables())
    book.save(path)
    assert_reference(load(path))


def test_a_table_file_reads_its_first_visible_sheet(tmp_path: Path) -> None:
    """A hidden first sheet (as exports carry for their drop-down lists) is skipped."""
    folder = fd.write_xlsx_folder(tmp_path / "d", fd.county_tables())
    book = openpyxl.load_workbook(folder / "households.xlsx")
    add_sheet(book, "Sheet0", "households", wrong_sizes(), title_rows=0, state="veryHidden")
    book.move_sheet("Sheet0", offset=-1)
    book.save(folder / "households.xlsx")
    assert openpyxl.load_workbook(folder / "households.xlsx").sheetnames == ["Sheet0", "Sheet1"]
    assert_reference(load(folder))


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_table_only_in_a_hidden_sheet_is_refused(tmp_path: Path, state: str) -> None:
    path = tmp_path / BOOK
    book = workbook(path)
    book["户表"].sheet_state = state
    book.save(path)
    assert problem_lines(path) == [f"{BOOK}：户表（households）只在隐藏的工作表「户表」中：{HIDDEN}"]

    folder = fd.write_xlsx_folder(tmp_path / "d", fd.county_tables())
    book = openpyxl.load_workbook(folder / "households.xlsx")
    add_sheet(book, "户表", "households", fd.county_tables(), state=state)
    book.save(folder / "households.xlsx")
    assert problem_lines(folder) == [f"households.xlsx：户表（households）只在隐藏的工作表「户表」中：{HIDDEN}"]


def test_two_visible_sheets_of_one_table_are_ambiguous(tmp_path: Path) -> None:
    path = tmp_path / BOOK
    book = workbook(path)
    add_sheet(book, "户表 (2)", "households", wrong_sizes())
    book.save(path)
    assert problem_lines(path) == [f"{BOOK}：户表（households）有多个工作表：「户表」、「户表 (2)」，只能保留一个"]


def test_a_year_in_brackets_is_not_a_copy_name(tmp_path: Path) -> None:
    """``户表(2020)`` is another sheet, not a copy of 户表: the workbook still lacks 户表."""
    path = tmp_path / BOOK
    book = workbook(path)
    book["户表"].title = "户表(2020)"
    book.save(path)
    assert problem_lines(path)[0].startswith(f"{BOOK}：缺少工作表「户表」或「households」（现有工作表：")


def test_protected_sheets_and_workbook_structure_read_as_usual(tmp_path: Path) -> None:
    """Protection without encryption (工作表保护, 保护工作簿结构) does not stop reading."""
    path = tmp_path / BOOK
    book = workbook(path)
    for ws in book.worksheets:
        ws.protection.sheet = True
        ws.protection.password = "secret"
    book.security = WorkbookProtection(workbookPassword="secret", lockStructure=True)
    book.save(path)
    assert_reference(load(path))


# ---------------------------------------------------------------------------
# Formulas.


def test_formula_cells_without_a_stored_value_are_refused_by_cell(tmp_path: Path) -> None:
    """openpyxl, like other programs, writes formulas without values: required and optional columns alike."""
    tables = fd.county_tables()
    for row in tables["incomes"][1:4]:
        row["per_capita_income"] = "=4000+100"
    tables["villages"][0]["collective_income"] = "=SUM(1,2)"
    path = tmp_path / BOOK
    fd.write_xlsx(path, {
        **{TABLES[t].label: fd.grid(t, rows, title_rows=2) for t, rows in tables.items() if t != "households"},
        "户表": fd.grid("households", tables["households"], title_rows=2, extra={"联系电话": "=1+1"}),
    })
    assert problem_lines(path) == [
        f"{BOOK} 工作表「村表」 列「村集体经济收入」(collective_income)：单元格 L4 {FORMULA}",
        f"{BOOK} 工作表「收入表」 列「人均纯收入」(per_capita_income)：单元格 C5:C7 {FORMULA}",
    ]


def test_many_formula_cells_are_named_by_their_first_runs(tmp_path: Path) -> None:
    tables = fd.county_tables()
    tables["incomes"] = [
        {"household_id": "00010001", "year": year, "per_capita_income": "=1+1" if year % 2 else 3000}
        for year in range(2009, 2021)
    ]
    path = fd.write_workbook(tmp_path / BOOK, tables)
    assert problem_lines(path) == [
        f"{BOOK} 工作表「收入表」 列「人均纯收入」(per_capita_income)：单元格 C4、C6、C8、C10、C12等共6个单元格 {FORMULA}",
    ]


def test_formula_cells_with_a_stored_value_read_as_that_value(tmp_path: Path) -> None:
    """What Excel saves: the formula and its result; a formula giving empty text is blank."""
    path = tmp_path / BOOK
    tables = fd.county_tables()
    tables["households"][0]["returned_year"] = "placeholder"
    fd.write_workbook(path, tables)
    edit_sheet_xml(path, "收入表", lambda xml: re.sub(
        rb'<c r="C4"([^>]*)><v>4200(\.0)?</v></c>', rb'<c r="C4"><f>4000+200</f><v>4200</v></c>', xml))
    edit_sheet_xml(path, "户表", lambda xml: re.sub(
        rb'<c r="F4"[^>]*>.*?</c>', b'<c r="F4" t="str"><f>IF(1,"","x")</f><v></v></c>', xml))
    with zipfile.ZipFile(path) as archive:
        assert b"<f>4000+200</f>" in archive.read("xl/worksheets/sheet3.xml")
    assert_reference(load(path))


# ---------------------------------------------------------------------------
# Password-protected and macro-enabled workbooks.


def test_a_password_protected_workbook_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / BOOK
    path.write_bytes(ENCRYPTED_BYTES)
    assert problem_lines(path) == [f"{BOOK}：{ENCRYPTED}"]


def test_an_old_xls_renamed_is_still_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / BOOK
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "Workbook".encode("utf-16-le"))
    assert problem_lines(path) == [f"{BOOK}：该文件实际是旧版 .xls 工作簿（只是扩展名为 .xlsx）：请在 Excel 中另存为 .xlsx"]


def test_a_macro_enabled_workbook_is_named_as_such(tmp_path: Path) -> None:
    folder = fd.write_csv_folder(tmp_path / "d", fd.county_tables())
    (folder / "households.csv").unlink()
    fd.write_xlsx(folder / "households.xlsm", {"Sheet1": fd.grid("households", fd.county_tables()["households"])})
    assert problem_lines(folder) == [f"households.xlsm：{XLSM}"]
    fd.write_workbook(tmp_path / "县数据.xlsm", fd.county_tables())
    assert problem_lines(tmp_path / "县数据.xlsm") == [f"县数据.xlsm：{XLSM}"]


# ---------------------------------------------------------------------------
# Ids stored as numbers.


def test_ids_of_up_to_15_digits_stored_as_numbers_read_as_their_digits(tmp_path: Path) -> None:
    """12-digit village codes and 15-digit household ids, as integers or floats: no ``.0``, no lost digit."""
    tables = fd.county_tables()
    villages = {"0101": 990101001001, "0102": 990101001002.0, "0201": 990101002001}
    households = {h["household_id"]: 990101001001000 + n for n, h in enumerate(tables["households"])}
    for row in tables["villages"]:
        row["village_id"], row["township_id"] = villages[row["village_id"]], 990101000 + int(row["township_id"])
    for row in tables["households"]:
        row["village_id"], row["household_id"] = villages[row["village_id"]], households[row["household_id"]]
    for row in tables["incomes"]:
        row["household_id"] = float(households[row["household_id"]])
    county = load(fd.write_workbook(tmp_path / BOOK, tables))
    assert county.villages["village_id"].tolist() == ["990101001001", "990101001002", "990101002001"]
    assert county.villages["township_id"].tolist() == ["990101001", "990101001", "990101002"]
    assert county.households["household_id"].tolist() == [f"99010100100100{n}" for n in range(4)]
    assert county.incomes["household_id"].tolist()[:2] == ["990101001001000"] * 2


def test_longer_ids_stored_as_numbers_are_refused(tmp_path: Path) -> None:
    """A 20-digit 户编号 and 18-digit 证件号码 stored as numbers: never read as other numbers."""
    tables = fd.county_tables()
    tables["households"][1]["household_id"] = 12345678901234567890
    tables["households"][0]["id_number"] = 110101199001011234
    tables["households"][1]["id_number"] = 1.10101199001011e17
    path = fd.write_workbook(tmp_path / BOOK, tables)
    assert problem_lines(path) == [
        f"{BOOK} 工作表「户表」 列「户编号」(household_id)：单元格 A5 {NUMERIC_ID}",
        f"{BOOK} 工作表「户表」 列「证件号码」(id_number)：单元格 R4:R5 {NUMERIC_ID}",
    ]


def test_parquet_ids_stored_as_numbers(tmp_path: Path) -> None:
    """Integers of up to 15 digits are ids; longer ones, and floats that are not whole, are refused."""
    tables = arrow_tables()
    ids = pa.array([990101001001000, 990101001001001, 990101001001002, 990101002001000], pa.int64())
    households = tables["households"]
    households = households.set_column(households.schema.get_field_index("household_id"), "household_id", ids)
    by_id = dict(zip(tables["households"]["household_id"].to_pylist(), ids.to_pylist()))
    incomes = tables["incomes"]
    tables["incomes"] = incomes.set_column(0, "household_id", pa.array(
        [by_id[h] for h in incomes["household_id"].to_pylist()], pa.int64()))
    tables["households"] = households
    county = load(write(tmp_path / "ok", tables))
    assert county.households["household_id"].tolist()[:2] == ["990101001001000", "990101001001001"]

    long_ids = pa.array([990101001001000, 1234567890123456, 990101001001002, 990101002001000], pa.int64())
    households = households.set_column(households.schema.get_field_index("household_id"), "household_id", long_ids)
    tables["households"] = households.set_column(households.schema.get_field_index("id_number"), "id_number",
                                                 pa.array([1.10101199001011e17, None, 12.5, 7.0]))
    assert problem_lines(write(tmp_path / "bad", tables)) == [
        f"households.parquet 列「household_id」：第3行{NUMERIC_ID}",
        f"households.parquet 列「id_number」：第2、4行{NUMERIC_ID}",
    ]


# ---------------------------------------------------------------------------
# Parquet strings of every type, nested columns.

BINARY_TYPES: dict[str, pa.DataType] = {
    "binary": pa.binary(),  # Spark, Hive
    "large_binary": pa.large_binary(),
    "dictionary<int32, binary>": pa.dictionary(pa.int32(), pa.binary()),
}


@pytest.mark.parametrize("kind", BINARY_TYPES.values(), ids=BINARY_TYPES.keys())
def test_parquet_binary_strings_read_as_utf8_text(tmp_path: Path, kind: pa.DataType) -> None:
    folder = write(tmp_path / "d", arrow_tables(kind))
    stored = pq.read_schema(folder / "households.parquet").field("head_name").type
    assert stored == kind or (pa.types.is_dictionary(stored) and pa.types.is_binary(stored.value_type))
    county = load(folder)
    assert_reference(county)
    assert county.households["head_name"].tolist() == ["张三", "李四", "王五", "赵六"]


def test_parquet_bytes_that_are_not_utf8_are_refused_where_used(tmp_path: Path) -> None:
    tables = arrow_tables()
    households = tables["households"]
    names = pa.array(["张三".encode("gbk"), None, b"x", b"y"], pa.binary())
    households = households.set_column(households.schema.get_field_index("head_name"), "head_name", names)
    tables["households"] = households.append_column("photo", pa.array([b"\xff\xd8\xff"] * 4, pa.binary()))
    assert problem_lines(write(tmp_path / "d", tables)) == [
        "households.parquet 列「head_name」：该列是二进制类型，内容不是 UTF-8 文本：请把该列存为文本（字符串）类型后重新导出",
    ]


def test_parquet_nested_columns_are_refused_where_used(tmp_path: Path) -> None:
    tables = arrow_tables()
    households = tables["households"]
    households = households.set_column(
        households.schema.get_field_index("head_name"), "head_name", pa.array([["张三"], [], None, ["赵六"]]))
    households = households.set_column(
        households.schema.get_field_index("size"), "size", pa.array([{"n": 3}, {"n": 2}, {"n": 4}, {"n": 1}]))
    tables["households"] = households.append_column(
        "tags", pa.array([[("a", 1)]] * 4, pa.map_(pa.string(), pa.int64())))
    assert problem_lines(write(tmp_path / "d", tables)) == [
        "households.parquet 列「size」：该列是嵌套类型（struct 结构），每格不是单个值：请把它展开成文本或数字列后重新导出",
        "households.parquet 列「head_name」：该列是嵌套类型（list 列表），每格不是单个值：请把它展开成文本或数字列后重新导出",
    ]


# ---------------------------------------------------------------------------
# Through the console command.


def test_validate_names_protected_macro_and_uncomputed_files(tmp_path: Path) -> None:
    """Exit 2, each file named with its cause, no traceback: one folder, one process."""
    tables = fd.county_tables()
    tables["villages"][1]["collective_income"] = "=50000+2000.5"
    tables["villages"][2]["township_id"] = 10010003000000000
    folder = fd.write_csv_folder(tmp_path / "d", {t: rows for t, rows in tables.items() if t != "villages"})
    fd.write_xlsx(folder / "villages.xlsx", {"Sheet1": fd.grid("villages", tables["villages"])})
    (folder / "households.csv").rename(folder / "households.xlsm")
    (folder / "incomes.csv").unlink()
    (folder / "incomes.xlsx").write_bytes(ENCRYPTED_BYTES)
    proc = fupin_cli("validate", folder)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.splitlines() == ["错误：输入数据有 4 处问题：", *(f"  - {line}" for line in [
        f"households.xlsm：{XLSM}",
        f"incomes.xlsx：{ENCRYPTED}",
        f"villages.xlsx 工作表「Sheet1」 列「乡镇代码」(township_id)：单元格 C4 {NUMERIC_ID}",
        f"villages.xlsx 工作表「Sheet1」 列「村集体经济收入」(collective_income)：单元格 L3 {FORMULA}",
    ])]
