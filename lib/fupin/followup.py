"""Follow-up lists (跟踪清单) as an Excel workbook written beside each township report.

``DIR/<township_id>/follow_up.xlsx`` has four sheets:

* 未脱贫户: remaining(Y) households not projected to exit in T, with their
  reasons (:func:`fupin.metrics.non_exit_households`);
* 监测户: exited(Y) households to monitor (:func:`fupin.depth.monitoring_households`);
* 受阻贫困村: poor villages not exited by Y that cannot exit in T, with
  the conditions they fail (:func:`fupin.metrics.village_table`);
* 说明: the parameters the lists were made with.

Chinese headers, a frozen header row with filters, set column widths, names
masked (:mod:`fupin.privacy`), ids as text cells (leading zeros and 16-digit
household codes survive Excel). The file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from fupin.config import DEFAULT_COLLECTIVE_INCOME_EXIT, DEFAULT_COLLECTIVE_INCOME_LINE
from fupin.county import County
from fupin.depth import INCOME_DROP_SHARE, MONITORING_FACTOR, choose_monitoring_line, monitoring_households
from fupin.fsutil import atomic_write_bytes
from fupin.literal import cell_text
from fupin.metrics import _area, household_frame, non_exit_households, village_table
from fupin.style import blocker_label, fmt_pct_short

#: The workbook's name inside a township's report folder.
FILENAME = "follow_up.xlsx"
#: Sheet names, in order.
SHEETS: tuple[str, ...] = ("未脱贫户", "监测户", "受阻贫困村", "说明")

#: Excel number formats by column kind (``text`` cells are stored as strings with format "@").
FORMATS: dict[str, str] = {"text": "@", "int": "0", "count": "#,##0", "yuan": "#,##0", "pct": "+0.0%;-0.0%;0.0%", "rate": "0.00%"}
#: Column kinds shown centred (short numbers that would otherwise touch the next text column).
CENTRED = frozenset({"int", "pct"})
MIN_WIDTH, MAX_WIDTH = 8, 48
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")

#: A sheet: its frame and the kind of each column (default ``text``).
Sheet = tuple[pd.DataFrame, Mapping[str, str]]


def path_in(output_dir: str | Path | None) -> Path | None:
    """``output_dir/follow_up.xlsx``, or None when no folder is given (``""``: write nothing).

    >>> path_in(""), path_in("/tmp/r/001").as_posix()
    (None, '/tmp/r/001/follow_up.xlsx')
    """
    return Path(output_dir) / FILENAME if output_dir else None


# --------------------------------------------------------------------------- sheets


def non_exit_sheet(households: pd.DataFrame, target_year: int) -> Sheet:
    """未脱贫户 from :func:`fupin.metrics.non_exit_households` (income and gap in yuan, blank if unknown)."""
    frame = pd.DataFrame({
        "户编号": households["household_id"],
        "村代码": households["village_id"],
        "村名称": households["village_name"],
        "户主（已脱敏）": households["head_name_masked"],
        "家庭人口": households["size"],
        f"{target_year}年预计人均纯收入（元）": households["income_T"],
        "距贫困线差额（元）": households["gap"],
        "未脱贫原因": households["reasons"],
    })
    kinds = {"家庭人口": "int", f"{target_year}年预计人均纯收入（元）": "yuan", "距贫困线差额（元）": "yuan"}
    return frame, kinds


def monitoring_sheet(households: pd.DataFrame, target_year: int) -> Sheet:
    """监测户 from :func:`fupin.depth.monitoring_households`."""
    frame = pd.DataFrame({
        "户编号": households["household_id"],
        "村代码": households["village_id"],
        "村名称": households["village_name"],
        "户主（已脱敏）": households["head_name_masked"],
        "家庭人口": households["size"],
        "主要致贫原因": households["main_cause"],
        "脱贫年度": households["exit_year"],
        "脱贫当年人均纯收入（元）": households["income_exit"],
        f"{target_year}年人均纯收入（元）": households["income_T"],
        "收入较脱贫当年变化": -households["income_drop"],
        "监测原因": households["reasons"],
    })
    kinds = {"家庭人口": "int", "脱贫年度": "int", "脱贫当年人均纯收入（元）": "yuan",
             f"{target_year}年人均纯收入（元）": "yuan", "收入较脱贫当年变化": "pct"}
    return frame, kinds


def blocked_villages_sheet(villages: pd.DataFrame, year: int, threshold: float) -> Sheet:
    """受阻贫困村: rows of a :func:`fupin.metrics.village_table` with status ``blocked``."""
    rows = villages[villages["status"] == "blocked"]
    target = year + 1
    frame = pd.DataFrame({
        "村代码": rows["village_id"],
        "村名称": rows["village_name"],
        "户籍人口": rows["population"],
        f"{year}年底未脱贫人口": rows["remaining_people"],
        f"{target}年预计未脱贫人口": rows["projected_remaining_people"],
        f"{target}年预计贫困发生率": rows["projected_incidence"],
        "未达到的退出条件": rows["blockers"].map(lambda codes: "、".join(blocker_label(c, threshold) for c in codes)),
    })
    kinds = {"户籍人口": "count", f"{year}年底未脱贫人口": "count", f"{target}年预计未脱贫人口": "count",
             f"{target}年预计贫困发生率": "rate"}
    return frame, kinds


def about_sheet(rows: Sequence[tuple[str, str]]) -> Sheet:
    """说明: one (项目, 内容) row per parameter or note."""
    return pd.DataFrame(rows, columns=["项目", "内容"]), {}


def follow_up_sheets(
    county: County,
    year: int,
    *,
    poverty_line: float = 3500.0,
    growth: float = 0.0,
    village_threshold: float = 0.02,
    monitoring_line: float | Mapping[Any, float] | None = None,
    income_drop_share: float = INCOME_DROP_SHARE,
    township_id: str | None = None,
    bands: Sequence[float] | None = None,
    collective_income_line: float = DEFAULT_COLLECTIVE_INCOME_LINE,
    collective_income_exit: bool = DEFAULT_COLLECTIVE_INCOME_EXIT,
    industry_coverage_line: float | None = None,
) -> dict[str, Sheet]:
    """The four sheets of :data:`SHEETS` for one area, by name.

    Same definitions as metrics.json (``projection``, ``monitoring``,
    ``projection.villages_blocked``) with the same parameters (the
    collective-income exit condition included); ``bands`` and
    ``industry_coverage_line`` are accepted (and unused) so a notebook can
    pass its parameters as they are.
    """
    area, area_id, area_name = _area(county, township_id)
    frame = household_frame(area.households, area.incomes, year, poverty_line=poverty_line, growth=growth)
    villages = village_table(area.villages, frame, year, threshold=village_threshold,
                             collective_income_line=collective_income_line,
                             collective_income_exit=collective_income_exit)
    stuck = non_exit_households(area, year, poverty_line=poverty_line, growth=growth)
    watch = monitoring_households(area, year, poverty_line=poverty_line, growth=growth,
                                  monitoring_line=monitoring_line, income_drop_share=income_drop_share)
    chosen = choose_monitoring_line(monitoring_line, poverty_line, year + 1)
    source = {"default": f"默认：贫困线的{MONITORING_FACTOR:g}倍", "given": "按参数设定",
              "table": f"按监测线表取{chosen['table_year']}年"}[chosen["source"]]
    about = [
        ("乡镇", f"{area_name}（{area_id}）"),
        ("统计年度", f"截至{year}年底，预测{year + 1}年"),
        ("贫困线", f"{poverty_line:,.0f}元/人·年"),
        ("收入年增长率", f"{growth:g}"),
        ("贫困村退出阈值", fmt_pct_short(village_threshold)),
        ("村集体经济收入标准", f"{collective_income_line:,.0f}元/年"
                              + ("（纳入贫困村出列条件）" if collective_income_exit else "（不作为出列条件）")),
        ("监测收入线", f"{chosen['line']:,.0f}元/人·年（{source}）"),
        ("收入下降比例", f"收入较脱贫当年下降超过{fmt_pct_short(income_drop_share)}即列为监测户"),
        ("未脱贫户", f"{len(stuck)}户：{year}年底未脱贫、预计{year + 1}年不能脱贫的户及原因"),
        ("监测户", f"{len(watch)}户：已脱贫户中{year + 1}年收入低于监测线或较脱贫当年明显下降的户"),
        ("受阻贫困村", f"{int((villages['status'] == 'blocked').sum())}个：未出列且{year + 1}年不具备出列条件的贫困村"),
        ("个人信息", "户主姓名已脱敏，不含证件号码；户编号、村代码为文本格式"),
        ("生成时间", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")),
    ]
    return dict(zip(SHEETS, (
        non_exit_sheet(stuck, year + 1),
        monitoring_sheet(watch, year + 1),
        blocked_villages_sheet(villages, year, village_threshold),
        about_sheet(about),
    )))


# --------------------------------------------------------------------------- workbook


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count 2.

    >>> display_width("户编号"), display_width("3,500")
    (6, 5)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_value(value: Any, kind: str) -> Any:
    """A frame value as an Excel cell value: text as str, numbers as numbers, blanks as None.

    Text is never a formula: control characters are removed and a leading
    ``= + - @``, tab or CR is neutralised (:func:`fupin.literal.cell_text`).

    >>> _cell_value("=1+1", "text"), _cell_value(3.0, "int"), _cell_value(None, "text")
    ("'=1+1", 3, None)
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if kind == "text":
        return cell_text(value)
    if kind in ("int", "count"):
        return int(value)
    return float(value)


def _shown(value: Any, kind: str) -> str:
    """Roughly what a cell shows, for its column's width."""
    if value is None:
        return ""
    if kind in ("yuan", "count"):
        return f"{value:,.0f}"
    if kind in ("pct", "rate"):
        return f"{value:.2%}"
    return str(value)


def _append(ws, values: Sequence[Any]) -> None:
    """Append a row; every str is stored as a string cell (openpyxl would read ``=...`` as a formula)."""
    ws.append(values)
    for cell, value in zip(ws[ws.max_row], values):
        if isinstance(value, str):
            cell.data_type = "s"


def _write_sheet(ws, frame: pd.DataFrame, kinds: Mapping[str, str]) -> None:
    """Header row (bold, filled, frozen, filtered), typed cells, widths and print setup."""
    columns = list(frame.columns)
    _append(ws, [cell_text(c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [display_width(c) for c in columns]
    for row in frame.itertuples(index=False, name=None):
        values = [_cell_value(v, kinds.get(c, "text")) for c, v in zip(columns, row)]
        _append(ws, values)
        widths = [max(w, display_width(_shown(v, kinds.get(c, "text")))) for w, c, v in zip(widths, columns, values)]
    for j, column in enumerate(columns, start=1):
        kind = kinds.get(column, "text")
        centred = Alignment(horizontal="center") if kind in CENTRED else None
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            cell.number_format = FORMATS[kind]
            if cell.data_type == "f":  # text that starts with "=" stays text, never a formula
                cell.data_type = "s"
            if centred:
                cell.alignment = centred
        ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, max(MIN_WIDTH, widths[j - 1] + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def workbook_bytes(sheets: Mapping[str, Sheet]) -> bytes:
    """The sheets as an .xlsx file's bytes (openpyxl), in the mapping's order."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, (frame, kinds) in sheets.items():
        _write_sheet(wb.create_sheet(name), frame, kinds)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: str | Path, sheet: str = "清单") -> Path:
    """One table as a one-sheet .xlsx workbook, written atomically; return the path.

    Laid out as the follow-up lists are (bold frozen header, filters, widths,
    A4 landscape): whole numbers and money stay numbers, everything else is
    text, so nothing from the data becomes a formula. Give it a table as a
    person reads it (:func:`fupin.tables.for_people`).
    """
    kinds = {
        c: "count" if pd.api.types.is_integer_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        else "yuan" if pd.api.types.is_float_dtype(frame[c]) else "text"
        for c in frame.columns
    }
    return atomic_write_bytes(Path(path), workbook_bytes({sheet: (frame, kinds)}))


def write_follow_up(county: County, year: int, path: str | Path | None, **params: Any) -> Path | None:
    """Write the follow-up workbook of one area to ``path`` atomically; return the path.

    ``params`` are those of :func:`follow_up_sheets` (poverty_line, growth,
    village_threshold, monitoring_line, income_drop_share,
    collective_income_line, collective_income_exit, township_id; bands and
    industry_coverage_line accepted). With ``path`` None or ``""`` nothing is written and
    None is returned (a notebook run without an output folder).
    """
    if not path:
        return None
    return atomic_write_bytes(Path(path), workbook_bytes(follow_up_sheets(county, year, **params)))
