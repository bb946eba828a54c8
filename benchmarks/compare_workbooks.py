"""Write the sample's follow-up workbooks to a folder, or compare two such folders sheet by sheet.

    python benchmarks/compare_workbooks.py write DIR [--data data/sample] [--year 2018]
    python benchmarks/compare_workbooks.py compare OLD NEW

``write`` writes, for each township of the data, ``DIR/<township_id>/follow_up.xlsx``
(``followup.write_analysis`` on the analysis the report notebook builds), and
under ``DIR/extra/`` two more: a table through ``followup.write_table`` and a
sheet of hostile text (formula starts, control characters, blanks, ``&`` in the
header) through ``followup.workbook_bytes``.

``compare`` opens each pair with openpyxl and compares: sheet names and order,
defined names, every cell (value, data type, number format, font, fill,
alignment, border, protection), column widths, row heights, freeze panes,
autofilter, merged ranges, data validations, conditional formats, print
settings (paper, orientation, fit, margins, options, print titles and area,
headers and footers), sheet properties, views and format. The 说明 sheet's
生成时间 row (the run's time) and the date in the page headers may differ.
Then it compares the files' parts (the XML inside the zip) byte for byte, but
for docProps/core.xml (the file's creation time), with the run's time and the
headers' date blanked; it prints the parts that differ.
Exit status 1 when anything else differs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

ROOT = Path(__file__).resolve().parents[1]


def write(out: Path, data: Path, year: int) -> None:
    import pandas as pd

    import fupin
    from fupin.report import workbook as followup
    from fupin.figures.analysis import analyse
    from fupin.figures.parameters import report_parameters

    county = fupin.load(data)
    for tid in county.townships()["township_id"]:
        a = analyse(county.area(tid), report_parameters(year=year))
        a.metrics  # noqa: B018 (as the notebook: metrics first)
        (out / tid).mkdir(parents=True, exist_ok=True)
        followup.write_analysis(a, followup.path_in(out / tid))
    (out / "extra").mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame({"户编号": ["0001", "=1+1", "@x"], "人数": pd.array([1, None, 3], dtype="Int64"),
                          "收入（元）": [1.5, float("nan"), 3500.0], "说明": ["-2", "+3", "a\x0bb\tc"]})
    followup.write_table(table, out / "extra" / "table.xlsx", sheet="清单")
    hostile = pd.DataFrame({"=头": [1, 2, None], "文字": ["=SUM(A1)", "#N/A", "\r\n换行"],
                            "比例": [0.1, -0.25, None], "内容": ["很长的一句话" * 12, "短", ""]})
    sheets = {"表": (hostile, {"=头": "int", "比例": "pct"}), "空": (hostile.iloc[:0], {"=头": "count"})}
    (out / "extra" / "hostile.xlsx").write_bytes(followup.workbook_bytes(sheets, "A&B镇（001）", "2020-01-01"))


def _xml(obj) -> str:
    """An openpyxl object as its XML (every attribute it would write), or its repr."""
    if obj is None:
        return "None"
    try:
        return tostring(obj.to_tree()).decode()
    except (AttributeError, TypeError):
        return repr(obj)


def _header_footer(ws) -> dict[str, str]:
    parts = {}
    for name in ("oddHeader", "evenHeader", "firstHeader", "oddFooter", "evenFooter", "firstFooter"):
        hf = getattr(ws, name)
        for side in ("left", "center", "right"):
            p = getattr(hf, side)
            parts[f"{name}.{side}"] = repr((p.text, p.size, p.font, p.color))
    parts["flags"] = repr((ws.HeaderFooter.differentFirst, ws.HeaderFooter.differentOddEven,
                           ws.HeaderFooter.scaleWithDoc, ws.HeaderFooter.alignWithMargins))
    return parts


def sheet_facts(ws) -> dict[str, object]:
    """Everything compared about one sheet, by name (cells as one entry each)."""
    facts: dict[str, object] = {
        "dimensions": ws.dimensions, "max_row": ws.max_row, "max_column": ws.max_column,
        "freeze_panes": ws.freeze_panes, "auto_filter": _xml(ws.auto_filter),
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "data_validations": [_xml(dv) for dv in ws.data_validations.dataValidation],
        "conditional_formatting": [(str(cf.sqref), [_xml(r) for r in cf.rules]) for cf in ws.conditional_formatting],
        "page_setup": _xml(ws.page_setup), "print_options": _xml(ws.print_options),
        "page_margins": _xml(ws.page_margins), "sheet_properties": _xml(ws.sheet_properties),
        "print_title_rows": ws.print_title_rows, "print_title_cols": ws.print_title_cols,
        "print_area": ws.print_area, "sheet_state": ws.sheet_state, "sheet_format": _xml(ws.sheet_format),
        "views": _xml(ws.views), "protection": _xml(ws.protection), "defined_names": sorted(
            (k, v.attr_text) for k, v in ws.defined_names.items()),
        "hyperlinks": [(c.coordinate, c.hyperlink.target) for row in ws.iter_rows() for c in row if c.hyperlink],
        "comments": [(c.coordinate, c.comment.text) for row in ws.iter_rows() for c in row if c.comment],
        **_header_footer(ws),
    }
    columns = max(ws.max_column, *(openpyxl.utils.column_index_from_string(k) for k in ws.column_dimensions) or [0])
    for j in range(1, columns + 1):
        d = ws.column_dimensions[get_column_letter(j)]
        facts[f"column {get_column_letter(j)}"] = (d.width, d.customWidth, d.hidden, d.outlineLevel, d.bestFit,
                                                   d.style if d.style_id else None)
    rows = max(ws.max_row, *ws.row_dimensions.keys() or [0])
    for r in range(1, rows + 1):
        d = ws.row_dimensions[r]
        facts[f"row {r}"] = (d.height, d.customHeight, d.hidden, d.outlineLevel, d.s if d.s else None)
    for row in ws.iter_rows():
        for c in row:
            facts[c.coordinate] = (repr(c.value), c.data_type, c.number_format, _xml(c.font), _xml(c.fill),
                                   _xml(c.alignment), _xml(c.border), _xml(c.protection))
    return facts


def _may_differ(sheet: str, key: str, old: object, new: object, ws) -> bool:
    """The run's time (说明's 生成时间 row) and the date in the page headers."""
    if sheet == "说明" and key[:1] == "B" and key[1:].isdigit() and ws[f"A{key[1:]}"].value == "生成时间":
        return True
    if "Header." in key and key.endswith(".right"):
        return True  # the date the workbook was written
    return False


def compare_books(old: Path, new: Path) -> list[str]:
    a, b = openpyxl.load_workbook(old), openpyxl.load_workbook(new)
    problems = []
    if a.sheetnames != b.sheetnames:
        return [f"sheet names: {a.sheetnames} != {b.sheetnames}"]
    names_a = sorted((k, v.attr_text) for k, v in a.defined_names.items())
    names_b = sorted((k, v.attr_text) for k, v in b.defined_names.items())
    if names_a != names_b:
        problems.append(f"defined names: {names_a} != {names_b}")
    for attr in ("epoch", "iso_dates", "template", "code_name"):
        if getattr(a, attr, None) != getattr(b, attr, None):
            problems.append(f"workbook.{attr}: {getattr(a, attr, None)!r} != {getattr(b, attr, None)!r}")
    if a.active.title != b.active.title:
        problems.append(f"active sheet: {a.active.title} != {b.active.title}")
    for name in a.sheetnames:
        fa, fb = sheet_facts(a[name]), sheet_facts(b[name])
        for key in sorted(set(fa) | set(fb)):
            va, vb = fa.get(key), fb.get(key)
            if va != vb and not _may_differ(name, key, va, vb, a[name]):
                problems.append(f"{name}!{key}: {va!r} != {vb!r}")
    return problems


#: The run's time (说明's 生成时间, "2020-01-01 08:00（UTC+08:00）") and the date in the page headers.
_RUN_TIME = re.compile(rb"<t>\d{4}-\d\d-\d\d \d\d:\d\d&#65288;UTC[^<]*</t>|&amp;R&amp;9 \d{4}-\d\d-\d\d<")


def raw_parts(old: Path, new: Path) -> list[str]:
    """The zip parts of two files that differ (their names): docProps/core.xml (created/modified
    times) aside, and with the run's time and date blanked."""
    with zipfile.ZipFile(old) as a, zipfile.ZipFile(new) as b:
        if a.namelist() != b.namelist():
            return [f"parts: {a.namelist()} != {b.namelist()}"]
        return [name for name in a.namelist() if name != "docProps/core.xml"
                and _RUN_TIME.sub(b"", a.read(name)) != _RUN_TIME.sub(b"", b.read(name))]


def compare(old_dir: Path, new_dir: Path) -> int:
    old = sorted(p.relative_to(old_dir) for p in old_dir.rglob("*.xlsx"))
    new = sorted(p.relative_to(new_dir) for p in new_dir.rglob("*.xlsx"))
    if old != new:
        print(f"different files: {old} != {new}")
        return 1
    failed = 0
    for rel in old:
        problems = compare_books(old_dir / rel, new_dir / rel)
        book = openpyxl.load_workbook(old_dir / rel)
        cells = sum(ws.max_row * ws.max_column for ws in book)
        print(f"{rel}: {'same' if not problems else f'{len(problems)} differences'} "
              f"({len(book.sheetnames)} sheets, {cells} cells)")
        for p in problems[:40]:
            print("   ", p)
        parts = raw_parts(old_dir / rel, new_dir / rel)
        print(f"    XML parts: {'identical' if not parts else 'differ: ' + ', '.join(parts)}")
        failed += bool(problems or parts)
    print(f"{len(old) - failed} of {len(old)} workbooks the same")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    w.add_argument("--year", type=int, default=2018)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "write":
        write(args.out, args.data, args.year)
        return 0
    return compare(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
