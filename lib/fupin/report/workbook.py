"""Follow-up lists (跟踪清单) as an Excel workbook written beside each township report.

``DIR/<township_id>/follow_up.xlsx`` has four sheets:

* 未脱贫户: remaining(Y) households not projected to exit in T, with their
  reasons (:func:`fupin.figures.analysis.Analysis.non_exit_households`);
* 监测户: exited(Y) households to monitor (:func:`fupin.figures.monitoring.monitoring_households`);
* 受阻贫困村: poor villages not exited by Y that cannot exit in T, with
  the conditions they fail (:func:`fupin.figures.frame.village_table`);
* 存在问题: each 存在问题 item of the report (:func:`fupin.report.narrative.problem_items`)
  with the households (or villages) it concerns;
* 监测对象, 应纳未纳, 风险消除不稳: only when the data holds the monitoring
  registry (:func:`fupin.figures.registry.registry_lists`, :func:`registry_sheets`);
* 说明: the parameters the lists were made with.

It is the cadres' working list: household lists carry the household's
帮扶责任人 (from the cadres table, name masked), one filterable column per
unmet guarantee beside the income gap as a number, and empty 帮扶措施 /
完成时限 / 完成情况 columns to fill in. Every sheet prints on A4 with a
header (township, list, date), page numbers, gridlines and its header row
repeated on each page. Chinese headers, a frozen header row with filters,
set column widths, names masked (:mod:`fupin.core.privacy`), ids as text cells
(leading zeros and 16-digit household codes survive Excel). The file is
written atomically.
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
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fupin.report import narrative
from fupin.figures.analysis import Analysis, analyse
from fupin.figures.checks import household_warning_masks
from fupin.core.contract import GUARANTEES, TABLES
from fupin.core.county import County
from fupin.core.config import MONITORING_FACTOR
from fupin.core.files import atomic_write_bytes
from fupin.core.text import cell_text, one_line
from fupin.figures.headcount import unsafe_house_mask
from fupin.figures.parameters import report_parameters
from fupin.core.privacy import mask_names
from fupin.core.formats import fmt_pct_short, fmt_yuan
from fupin.report.style import blocker_label, fmt_local_time

#: The workbook's name inside a township's report folder.
FILENAME = "follow_up.xlsx"
#: Sheet names, in order.
SHEETS: tuple[str, ...] = ("未脱贫户", "监测户", "受阻贫困村", "存在问题", "说明")
#: Sheets written before 存在问题 only where the data gives them: a roster with 劳动技能 (labour),
#: income components (transfer_dependence).
LIVELIHOOD_SHEETS: tuple[str, ...] = ("无劳动力户", "脱贫依赖转移性收入")

#: The household's helper (帮扶责任人, masked) and the columns a cadre fills in.
CADRE = "帮扶责任人（已脱敏）"
TO_FILL: tuple[str, ...] = ("帮扶措施", "完成时限", "完成情况")
#: One column per guarantee in the household lists: its short name, and what an unmet one reads.
GUARANTEE_COLUMNS: dict[str, str] = {
    g: TABLES["households"].column(g).label.removesuffix("保障") for g in GUARANTEES
}
UNMET = "未保障"

#: Excel number formats by column kind (``text`` cells are stored as strings with format "@").
FORMATS: dict[str, str] = {"text": "@", "int": "0", "count": "#,##0", "yuan": "#,##0.00", "pct": "+0.0%;-0.0%;0.0%", "rate": "0.00%"}
#: Column kinds shown centred (short numbers that would otherwise touch the next text column).
CENTRED = frozenset({"int", "pct"})
MIN_WIDTH, MAX_WIDTH = 8, 48
#: Header text wider than this wraps; sentence columns wrap at WRAP_WIDTH; the fill-in columns are FILL_WIDTH wide.
HEADER_WIDTH, WRAP_WIDTH, FILL_WIDTH = 10, 34, 14
#: Points per line of 11-point text, for rows that hold wrapped text.
LINE_HEIGHT = 15
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


def helpers(area: County, household_ids: pd.Series) -> pd.Series:
    """Each household's 帮扶责任人 from the cadres table, name masked (``""`` when none is known)."""
    ids = pd.Series(household_ids).reset_index(drop=True)
    hh = area.households
    if area.cadres is None or "cadre_id" not in hh or "name" not in area.cadres:
        return pd.Series([""] * len(ids), dtype="string")
    cadre_of = hh.drop_duplicates("household_id").set_index("household_id")["cadre_id"]
    name_of = area.cadres.drop_duplicates("cadre_id").set_index("cadre_id")["name"]
    names = ids.map(cadre_of).map(name_of).astype("string")
    return mask_names(names).astype("string").fillna("")


def _to_fill(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the empty 帮扶措施 / 完成时限 / 完成情况 columns appended."""
    for column in TO_FILL:
        frame[column] = None
    return frame


def non_exit_sheet(households: pd.DataFrame, target_year: int, helper: pd.Series | None = None) -> Sheet:
    """未脱贫户 from :func:`fupin.figures.analysis.Analysis.non_exit_households` (income and gap in yuan, blank if unknown).

    One column per guarantee reads 未保障 where it fails (filterable);
    ``helper`` is each row's masked 帮扶责任人 (:func:`helpers`).
    """
    codes = households["reason_codes"].fillna("").astype(str).str.split(",")
    frame = pd.DataFrame({
        **household_columns(households, helper),
        f"{target_year}年预计人均纯收入（元）": households["income_T"],
        "距贫困线差额（元）": households["gap"],
        **{label: codes.map(lambda c, g=g: UNMET if g in c else None) for g, label in GUARANTEE_COLUMNS.items()},
        "未脱贫原因": households["reasons"],
    })
    kinds = {"家庭人口": "int", f"{target_year}年预计人均纯收入（元）": "yuan", "距贫困线差额（元）": "yuan"}
    return _to_fill(frame), kinds


def monitoring_sheet(households: pd.DataFrame, target_year: int, helper: pd.Series | None = None) -> Sheet:
    """监测户 from :func:`fupin.figures.monitoring.monitoring_households`; ``helper`` as in :func:`non_exit_sheet`."""
    frame = pd.DataFrame({
        **household_columns(households, helper),
        "主要致贫原因": households["main_cause"],
        "脱贫年度": households["exit_year"],
        "脱贫当年人均纯收入（元）": households["income_exit"],
        f"{target_year}年人均纯收入（元）": households["income_T"],
        "收入较脱贫当年变化": -households["income_drop"],
        "监测原因": households["reasons"],
    })
    kinds = {"家庭人口": "int", "脱贫年度": "int", "脱贫当年人均纯收入（元）": "yuan",
             f"{target_year}年人均纯收入（元）": "yuan", "收入较脱贫当年变化": "pct"}
    return _to_fill(frame), kinds


#: The monitoring registry's sheets (after the others, before 说明), only when the data holds the registry.
REGISTRY_SHEETS: tuple[str, ...] = ("监测对象", "应纳未纳", "风险消除不稳")


def _unmet(codes: pd.Series) -> dict[str, pd.Series]:
    """One column per guarantee reading 未保障 where the household's reason codes name it."""
    split = codes.fillna("").astype(str).str.split(",")
    return {label: split.map(lambda c, g=g: UNMET if g in c else None) for g, label in GUARANTEE_COLUMNS.items()}


def household_columns(households: pd.DataFrame, helper: pd.Series | None) -> dict[str, Any]:
    """The columns every household list opens with: 户编号, 村代码, 村名称, the head's masked name, 家庭人口
    and the masked 帮扶责任人 (``helper``, :func:`helpers`). The head comes from ``head_name_masked``, or is
    masked here from ``head_name``."""
    head = (households["head_name_masked"] if "head_name_masked" in households
            else mask_names(households["head_name"]).replace("", None).to_numpy())
    return {
        "户编号": households["household_id"],
        "村代码": households["village_id"],
        "村名称": households["village_name"],
        "户主（已脱敏）": head,
        "家庭人口": households["size"],
        CADRE: helper.to_numpy() if helper is not None else "",
    }


def registry_sheets(lists: Mapping[str, pd.DataFrame], year: int,
                    helper: Any = None) -> dict[str, Sheet]:
    """监测对象, 应纳未纳 and 风险消除不稳 from :func:`fupin.figures.registry.registry_lists` (names masked),
    each with the columns a cadre fills in; ``helper(ids)`` gives the masked 帮扶责任人 (:func:`helpers`)."""
    target = year + 1
    help_of = (lambda ids: helper(ids)) if helper is not None else (lambda ids: None)
    m = lists["monitored"]
    watched = pd.DataFrame({
        **household_columns(m, help_of(m["household_id"])),
        "监测对象类别": m["monitor_type"],
        "风险类型": m["risk_types"],
        "纳入监测年度": m["identified_year"],
        f"{target}年预计人均纯收入（元）": m["income_T"],
        "距监测收入线差额（元）": m["gap"],
        **_unmet(m["reason_codes"]),
        f"预计{target}年风险消除": m["projected_elimination"].map({True: "是", False: "否"}),
        "未能消除风险的原因": m["reasons"],
    })
    missed = lists["possibly_missed"]
    missing = pd.DataFrame({
        **household_columns(missed, help_of(missed["household_id"])),
        "脱贫年度": missed["exit_year"],
        "风险消除年度（曾纳入监测的）": missed["eliminated_year"],
        f"{year}年人均纯收入（元）": missed["income_Y"],
        "距监测收入线差额（元）": missed["gap"],
        **_unmet(missed["reason_codes"]),
        "应纳入监测的原因": missed["reasons"],
    })
    shaky = lists["shaky_elimination"]
    unstable = pd.DataFrame({
        **household_columns(shaky, help_of(shaky["household_id"])),
        "监测对象类别": shaky["monitor_type"],
        "风险类型": shaky["risk_types"],
        "纳入监测年度": shaky["identified_year"],
        "风险消除年度": shaky["eliminated_year"],
        f"{year}年人均纯收入（元）": shaky["income_Y"],
        "距监测收入线差额（元）": shaky["gap"],
        **_unmet(shaky["reason_codes"]),
        "风险消除不稳的原因": shaky["reasons"],
    })
    kinds = {"家庭人口": "int", "纳入监测年度": "int", "脱贫年度": "int", "风险消除年度": "int",
             "风险消除年度（曾纳入监测的）": "int", f"{target}年预计人均纯收入（元）": "yuan",
             f"{year}年人均纯收入（元）": "yuan", "距监测收入线差额（元）": "yuan"}
    return {name: (_to_fill(frame), {k: v for k, v in kinds.items() if k in frame})
            for name, frame in zip(REGISTRY_SHEETS, (watched, missing, unstable))}


def blocked_villages_sheet(villages: pd.DataFrame, year: int, threshold: float) -> Sheet:
    """受阻贫困村: rows of a :func:`fupin.figures.frame.village_table` with status ``blocked``."""
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


def problem_households(
    area: County, frame: pd.DataFrame, villages: pd.DataFrame, stuck: pd.DataFrame, year: int,
    *, poverty_line: float, growth: float, masks: Mapping[str, np.ndarray] | None = None,
) -> dict[str, pd.DataFrame]:
    """For each 存在问题 code (:func:`fupin.report.narrative.problem_items`): the households or villages it concerns.

    Each frame has ``household_id`` (NA for a village item), ``village_name``
    and ``head_name`` (unmasked here; masked when the sheet is built).
    Same definitions as the metrics: unsafe houses outside the programme
    (:func:`fupin.figures.headcount.unsafe_house_mask`), income in T unknown, each
    guarantee failing for a household not projected to exit, the villages
    blocked in T, and the households of each consistency warning.
    """
    names = area.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    heads = area.households.set_index("household_id")["head_name"] if "head_name" in area.households else None

    listed: dict[int, pd.DataFrame] = {}  # each source's households with village name and head, built once

    def rows(mask: np.ndarray, source: pd.DataFrame = frame) -> pd.DataFrame:
        if id(source) not in listed:
            listed[id(source)] = pd.DataFrame({
                "household_id": source["household_id"].astype("string"),
                "village_name": source["village_id"].map(names).astype("string"),
                "head_name": source["household_id"].map(heads).astype("string") if heads is not None else pd.NA,
            })
        chosen = listed[id(source)].loc[np.asarray(mask, dtype=bool)]
        return chosen.sort_values(["village_name", "household_id"], ignore_index=True)

    def village_rows(mask: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({"household_id": pd.NA, "village_name": villages.loc[mask, "village_name"].astype("string"),
                             "head_name": pd.NA}).reset_index(drop=True)

    blocked = villages["status"] == "blocked"
    by_incidence = villages["blockers"].map(lambda codes: "incidence" in codes)
    codes = stuck["reason_codes"].fillna("").astype(str).str.split(",")
    out = {
        "unsafe_houses": rows(unsafe_house_mask(area.households, year), area.households),
        "villages_infrastructure": village_rows(blocked & ~by_incidence),
        "villages_high_incidence": village_rows(blocked & by_incidence),
        "income_unknown": rows(frame["registered"].to_numpy() & frame["income_T"].isna().to_numpy()),
        **{g: rows(codes.map(lambda c, g=g: g in c).to_numpy(), stuck) for g in GUARANTEES},
    }
    if masks is None:
        masks = household_warning_masks(area, frame, year, poverty_line=poverty_line, growth=growth)
    out.update({code: rows(mask) for code, mask in masks.items()})
    return out


def _problem_villages(metrics: Mapping[str, Any], villages: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The villages of the village-level items the metrics name: weak (or unreported) collective
    economies, and industry coverage below the line."""
    names = villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    ce, ic = metrics.get("collective_economy") or {}, metrics.get("industry_coverage") or {}
    ids = {"collective_economy": [*(ce.get("weak_villages") or []), *(ce.get("unknown_villages") or [])],
           "collective_unknown": list(ce.get("unknown_villages") or []),
           "industry_coverage": list(ic.get("below_villages") or [])}
    return {code: pd.DataFrame({"household_id": pd.NA, "village_name": pd.Series(
                [names.get(v, v) for v in vids], dtype="string"), "head_name": pd.NA})
            for code, vids in ids.items() if vids}


def problems_sheet(items: Sequence[tuple[str, str, str]], lists: Mapping[str, pd.DataFrame]) -> Sheet:
    """存在问题: each item of the report (``(code, problem, what to do)``) with one row per
    household or village it concerns (names masked), and the columns a cadre fills in."""
    columns = ["序号", "问题", "下一步", "户编号", "村名称", "户主（已脱敏）"]
    if not items:
        return _to_fill(pd.DataFrame(columns=columns)), {"序号": "int"}
    none = pd.DataFrame({"household_id": [pd.NA], "village_name": [pd.NA], "head_name": [pd.NA]})
    blocks = [rows if (rows := lists.get(code)) is not None and not rows.empty else none for code, _, _ in items]
    rows = pd.concat([b[["household_id", "village_name", "head_name"]].astype(object) for b in blocks],
                     ignore_index=True)
    counts = [len(b) for b in blocks]
    frame = pd.DataFrame({
        "序号": np.repeat(np.arange(1, len(items) + 1), counts),
        "问题": np.repeat(np.array([problem for _, problem, _ in items], dtype=object), counts),
        "下一步": np.repeat(np.array([action for _, _, action in items], dtype=object), counts),
        "户编号": rows["household_id"].to_numpy(),
        "村名称": rows["village_name"].to_numpy(),
        # masked once for all items (mask_names works value by value)
        "户主（已脱敏）": mask_names(rows["head_name"].astype("string")).replace("", None).to_numpy(),
    })
    return _to_fill(frame), {"序号": "int"}


def without_labour_sheet(households: pd.DataFrame, helper: pd.Series | None = None) -> Sheet:
    """无劳动力户 from :func:`fupin.figures.livelihood.without_labour_households` (names masked)."""
    frame = pd.DataFrame({
        **household_columns(households, helper),
        **({"贫困户属性": households["attribute"]} if "attribute" in households else {}),
        **({"主要致贫原因": households["main_cause"]} if "main_cause" in households else {}),
        "家庭成员劳动技能": households["labor"],
        **({"家庭成员健康状况": households["health"]} if "health" in households else {}),
    })
    return _to_fill(frame), {"家庭人口": "int"}


def transfer_dependent_sheet(households: pd.DataFrame, year: int, helper: pd.Series | None = None) -> Sheet:
    """脱贫依赖转移性收入 from :func:`fupin.figures.livelihood.transfer_dependent_households` (names masked)."""
    status = households["status"].map({"exited": "已脱贫", "projected_exit": f"预计{year + 1}年脱贫"})
    frame = pd.DataFrame({
        **household_columns(households, helper),
        "脱贫情况": status,
        "脱贫年度": households["exit_year"],
        f"{year}年人均纯收入（元）": households["income"],
        "扣除转移性收入后人均纯收入（元）": households["without_transfer"],
        "人均转移性收入（元）": households["transfer"],
        "转移性收入占比": households["transfer_share"],
    })
    kinds = {"家庭人口": "int", "脱贫年度": "int", f"{year}年人均纯收入（元）": "yuan",
             "扣除转移性收入后人均纯收入（元）": "yuan", "人均转移性收入（元）": "yuan", "转移性收入占比": "rate"}
    return _to_fill(frame), kinds


def about_sheet(rows: Sequence[tuple[str, str]]) -> Sheet:
    """说明: one (项目, 内容) row per parameter or note."""
    return pd.DataFrame(rows, columns=["项目", "内容"]), {}


def analysis_sheets(a: Analysis, metrics: Mapping[str, Any] | None = None) -> dict[str, Sheet]:
    """The sheets of :data:`SHEETS` for the area of an :class:`fupin.figures.analysis.Analysis`, by name.

    Same definitions and parameters as its metrics.json (``projection``,
    ``monitoring``, ``projection.villages_blocked``), from the same household
    frame and village table: nothing is computed again. ``metrics`` (the
    analysis' own by default) gives the 存在问题 items.
    """
    p, year = a.params, a.params.year
    metrics = a.metrics if metrics is None else metrics
    villages, stuck, watch = a.villages, a.non_exit_households, a.monitoring_households
    chosen = a.monitoring_line
    source = {"default": f"默认：贫困线的{MONITORING_FACTOR:g}倍", "given": "按参数设定",
              "table": f"按监测线表取{chosen['table_year']}年"}[chosen["source"]]
    about = [
        ("乡镇", f"{a.area_name}（{a.area_id}）"),
        ("统计年度", f"截至{year}年底，预测{year + 1}年"),
        ("贫困线", f"{fmt_yuan(p.poverty_line)}/人·年"),
        *([("各年贫困线", "；".join(f"{t}年{fmt_yuan(x)}/人·年" for t, x in p.poverty_lines.items())
            + "：已脱贫户按脱贫当年的贫困线核查")] if p.poverty_lines else []),
        ("收入年增长率", f"{p.growth:g}"),
        ("贫困村出列标准", fmt_pct_short(p.village_threshold)),
        ("村集体经济收入标准", f"{fmt_yuan(p.collective_income_line)}/年"
                              + ("（纳入贫困村出列条件）" if p.collective_income_exit else "（不作为出列条件）")),
        ("监测收入线", f"{fmt_yuan(chosen['line'])}/人·年（{source}）"),  # to the fen: 5,249.99
        ("收入下降比例", f"收入较脱贫当年下降超过{fmt_pct_short(p.income_drop_share)}即列为监测户"),
        ("未脱贫户", f"{len(stuck)}户：{year}年底未脱贫、预计{year + 1}年不能脱贫的户及原因"),
        (narrative.income_warning_list(metrics), f"{len(watch)}户：已脱贫户中{year + 1}年收入低于监测线或较脱贫当年明显下降的户"),
        ("受阻贫困村", f"{int((villages['status'] == 'blocked').sum())}个：未出列且{year + 1}年不具备出列条件的贫困村"),
        ("存在问题", "报告「存在问题」各项及其涉及的户（或村）"),
        ("个人信息", "户主和帮扶责任人姓名已脱敏，不含证件号码；户编号、村代码为文本格式"),
        ("生成时间", fmt_local_time()),
    ]
    lists = problem_households(a.area, a.frame, villages, stuck, year, poverty_line=p.poverty_line,
                               growth=p.growth, masks=a.warning_masks)
    lists.update(_problem_villages(metrics, villages))
    extra: dict[str, Sheet] = {}
    no_labour, on_transfers = a.without_labour_households, a.transfer_dependent_households
    if no_labour is not None:
        lists["labour"] = no_labour[["household_id", "village_name", "head_name"]]
        extra["无劳动力户"] = without_labour_sheet(no_labour, helpers(a.area, no_labour["household_id"]))
        about.insert(-2, ("无劳动力户", f"{len(no_labour)}户：{year}年底未脱贫、家庭成员均无劳动能力"
                                        "（劳动技能不是技能劳动力或普通劳动力）的户，需落实兜底保障"))
    if on_transfers is not None:
        lists["transfer_dependence"] = on_transfers[["household_id", "village_name", "head_name"]]
        extra["脱贫依赖转移性收入"] = transfer_dependent_sheet(on_transfers, year,
                                                      helpers(a.area, on_transfers["household_id"]))
        about.insert(-2, ("脱贫依赖转移性收入", f"{len(on_transfers)}户：已脱贫户和预计{year + 1}年脱贫户中，"
                                              f"扣除转移性收入后{year}年人均纯收入低于贫困线的户"))
    registry = a.registry_households
    if registry is not None:
        line, target_line = a.registry_lines
        about[-1:-1] = [
            ("防返贫监测收入线（监测对象）", f"{year}年{fmt_yuan(line)}/人·年；{year + 1}年{fmt_yuan(target_line)}/人·年"),
            ("监测对象", f"{len(registry['monitored'])}户：{year}年底风险未消除的监测对象，及{year + 1}年能否消除风险"),
            ("应纳未纳", f"{len(registry['possibly_missed'])}户：已脱贫、未在监测，但{year}年收入低于监测收入线"
                         "或“两不愁三保障”及饮水安全未保障的户"),
            ("风险消除不稳", f"{len(registry['shaky_elimination'])}户：{year}年风险消除，但当年收入低于监测收入线"
                           "或“两不愁三保障”及饮水安全未保障的户"),
        ]
        heads = (a.area.households.drop_duplicates("household_id").set_index("household_id")["head_name"]
                 if "head_name" in a.area.households else None)
        for code in ("possibly_missed", "shaky_elimination"):
            rows = registry[code]
            lists[code] = pd.DataFrame({
                "household_id": rows["household_id"], "village_name": rows["village_name"],
                "head_name": rows["household_id"].map(heads).astype("string") if heads is not None else pd.NA})
    sheets = dict(zip(SHEETS, (
        non_exit_sheet(stuck, year + 1, helpers(a.area, stuck["household_id"])),
        monitoring_sheet(watch, year + 1, helpers(a.area, watch["household_id"])),
        blocked_villages_sheet(villages, year, p.village_threshold),
        problems_sheet(narrative.problem_items(metrics), lists),
        about_sheet(about),
    )))
    order = [*SHEETS[:3], *extra, *SHEETS[3:]]
    sheets = {name: {**sheets, **extra}[name] for name in order}
    if registry is None:
        return sheets
    warning = narrative.income_warning_list(metrics)  # beside the registry's 监测对象, named for what it is
    sheets = {warning if name == SHEETS[1] else name: sheet for name, sheet in sheets.items()}
    about_last = sheets.pop(SHEETS[-1])
    sheets.update(registry_sheets(registry, year, lambda ids: helpers(a.area, ids)))
    sheets[SHEETS[-1]] = about_last
    return sheets


def _analysis(county: County, year: int, params: Mapping[str, Any]) -> Analysis:
    """The analysis of the area ``params`` name (township_id) with the figures' parameters in ``params``."""
    params = dict(params)
    township_id = params.pop("township_id", None)
    if params.get("industry_coverage_line") is None:
        params.pop("industry_coverage_line", None)
    area = county if township_id is None else county.area(None if township_id == "county" else township_id)
    return analyse(area, report_parameters(year=year, **params))


def follow_up_sheets(county: County, year: int, *, metrics: Mapping[str, Any] | None = None,
                     **params: Any) -> dict[str, Sheet]:
    """The sheets of :data:`SHEETS` for one area, by name (:func:`analysis_sheets`).

    ``params`` are the figures' parameters as :func:`fupin.figures.analysis.Analysis.metrics`
    takes them (poverty_line, bands, growth, village_threshold, monitoring_line,
    income_drop_share, collective_income_line, collective_income_exit,
    industry_coverage_line) and ``township_id``; ``metrics`` is the area's
    :func:`fupin.figures.analysis.Analysis.metrics` with the same parameters, for the
    存在问题 items (computed when not given).
    """
    return analysis_sheets(_analysis(county, year, params), metrics)


# --------------------------------------------------------------------------- workbook


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count 2.

    >>> display_width("户编号"), display_width("3,500")
    (6, 5)
    """
    if text.isascii():  # no ASCII character is wide
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_value(value: Any, kind: str) -> Any:
    """A frame value as an Excel cell value: text as str, numbers as numbers, blanks as None.

    Text is never a formula: control characters are removed and a leading
    ``= + - @``, tab or CR is neutralised (:func:`fupin.core.text.cell_text`).

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
    if kind == "yuan":
        return f"{value:,.2f}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind in ("pct", "rate"):
        return f"{value:.2%}"
    return str(value)


#: Excel's limit on a page header: its three parts with their codes (``&L&9 `` ...), in characters.
HEADER_MAX_CHARS = 255
#: The codes before each part of the header: position and font size (``&L&9 ``).
_HEADER_CODES = len("&L&9 ")
#: The most characters of the end of an over-long area that its header keeps: its code in brackets.
_HEADER_TAIL = 36


def _header_text(text: str) -> str:
    r"""Text for an Excel page header: one line without invisible characters; ``&`` starts a
    header code, so it is doubled.

    >>> _header_text("A&B镇\u202e\n")
    'A&&B镇'
    """
    return one_line(text).replace("&", "&&")


def _excel_chars(text: str) -> int:
    """The length Excel counts: UTF-16 code units (a character beyond the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def header_parts(area: str, title: str, date: str) -> tuple[str, str, str]:
    """The left, centre and right texts of a page header, together within HEADER_MAX_CHARS.

    The area (a township's name from the data and its code, up to 200 and 32
    characters) is cut in the middle with ``…`` when the whole would be longer,
    keeping its start and its end (the code).

    >>> left, centre, right = header_parts("长&" * 100 + "镇（990101001）", "跟踪清单：未脱贫户", "2026-12-06")
    >>> left[:6], "…" in left, left.endswith("&&镇（990101001）"), 3 * 5 + len(left + centre + right) <= 255
    ('长&&长&&', True, True, True)
    """
    centre, right = _header_text(title), _header_text(date)
    room = HEADER_MAX_CHARS - 3 * _HEADER_CODES - _excel_chars(centre) - _excel_chars(right)
    text = one_line(area)
    if _excel_chars(_header_text(text)) <= room:
        return _header_text(text), centre, right
    tail = text[-min(_HEADER_TAIL, len(text) // 3):]
    head = text[:len(text) - len(tail)]
    while head and _excel_chars(_header_text(f"{head}…{tail}")) > room:
        head = head[:-1]
    return _header_text(f"{head}…{tail}"), centre, right


def _print_setup(ws, area: str, date: str, workbook: str = "跟踪清单") -> None:
    """A4 landscape, one page wide; header: area, list name, date; footer: page numbers;
    gridlines; the header row repeated on every page."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.print_title_rows = "1:1"
    ws.page_margins.top, ws.page_margins.bottom, ws.page_margins.header, ws.page_margins.footer = 0.75, 0.6, 0.3, 0.3
    ws.page_margins.left = ws.page_margins.right = 0.4
    for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        header.left.text, header.center.text, header.right.text = header_parts(area, f"{workbook}：{ws.title}", date)
        header.left.size = header.center.size = header.right.size = 9
    for footer in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        footer.center.text = "第 &P 页，共 &N 页"
        footer.center.size = 9


#: Text columns that hold sentences: wrapped in their cells.
WRAPPED = frozenset({"问题", "下一步", "未脱贫原因", "监测原因", "未达到的退出条件", "内容", "说明", *TO_FILL})


def _cell(ws, value: Any, style: Mapping[str, Any]) -> Cell:
    """A write-only cell holding ``value`` with ``style`` (font, fill, alignment, number_format: the
    workbook keeps each distinct one once); a str is always a string cell (openpyxl would read
    ``=...`` as a formula and ``#N/A`` as an error)."""
    cell = Cell(ws, row=1, column=1, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide (at least 1)."""
    return -(-display_width(text) // max(1, width))


def _write_sheet(ws, frame: pd.DataFrame, kinds: Mapping[str, str], area: str = "", date: str = "",
                 workbook: str = "跟踪清单") -> None:
    """Header row (bold, filled, frozen, filtered), typed cells, widths and print setup.

    ``ws`` is a write-only worksheet: widths, heights, panes and print setup
    are set before the rows they concern are streamed out.
    """
    columns = list(frame.columns)
    kind_of = [kinds.get(c, "text") for c in columns]
    data = [[_cell_value(v, kind) for v in frame.iloc[:, j]] for j, kind in enumerate(kind_of)]
    # headers wrap (two or three lines), so a long header does not widen its column
    widths = [max([min(display_width(c), HEADER_WIDTH), *map(display_width, {_shown(v, kind) for v in values})])
              for c, kind, values in zip(columns, kind_of, data)]
    final = [FILL_WIDTH if c in TO_FILL else min(WRAP_WIDTH if c in WRAPPED else MAX_WIDTH, max(MIN_WIDTH, w + 2))
             for c, w in zip(columns, widths)]
    for j, width in enumerate(final, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = used = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    ws.calculate_dimension = lambda: used  # the sheet's <dimension>, as a normal worksheet writes it
    _print_setup(ws, area, date, workbook)

    header = {"font": Font(bold=True), "fill": HEADER_FILL,
              "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True)}
    ws.row_dimensions[1].height = LINE_HEIGHT * max(1, *(_lines(c, int(w) - 1) for c, w in zip(columns, final)))
    ws.append([_cell(ws, cell_text(c), header) for c in columns])
    styles = [{"number_format": FORMATS[kind], "alignment": (
        Alignment(horizontal="center", vertical="top") if kind in CENTRED
        else Alignment(vertical="top", wrap_text=True) if c in WRAPPED else Alignment(vertical="top"))}
        for c, kind in zip(columns, kind_of)]
    # a line holds less than the column's width in display_width units: a Chinese character is wider
    # than two of the width's units in the spreadsheet's font, and numbers such as 3,634 do not break
    # (LibreOffice cut the last line of the audit's reasons at the full width)
    wrapped_at = [(j, max(1, int((w - 1) * 0.85))) for j, (c, w) in enumerate(zip(columns, final))
                  if c in WRAPPED and c not in TO_FILL]
    for r, values in enumerate(zip(*data), start=2):
        cells = [_cell(ws, v, style) for v, style in zip(values, styles)]
        if wrapped_at:  # room for wrapped text: spreadsheets do not grow a row they did not lay out
            lines = max(_lines(str(cells[j].value or ""), w) for j, w in wrapped_at)
            if lines > 1:
                ws.row_dimensions[r].height = LINE_HEIGHT * lines
        ws.append(cells)


def workbook_bytes(sheets: Mapping[str, Sheet], area: str = "", date: str = "", workbook: str = "跟踪清单") -> bytes:
    """The sheets as an .xlsx file's bytes (openpyxl, write-only), in the mapping's order.

    ``area`` and ``date`` head every printed page (with ``workbook`` and the sheet's name).
    """
    wb = Workbook(write_only=True)
    for name, (frame, kinds) in sheets.items():
        _write_sheet(wb.create_sheet(name), frame, kinds, area, date, workbook)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: str | Path, sheet: str = "清单") -> Path:
    """One table as a one-sheet .xlsx workbook, written atomically; return the path.

    Laid out as the follow-up lists are (bold frozen header, filters, widths,
    A4 landscape): whole numbers and money stay numbers, everything else is
    text, so nothing from the data becomes a formula. Give it a table as a
    person reads it (:func:`fupin.report.tables.for_people`).
    """
    kinds = {
        c: "count" if pd.api.types.is_integer_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        else "yuan" if pd.api.types.is_float_dtype(frame[c]) else "text"
        for c in frame.columns
    }
    return atomic_write_bytes(Path(path), workbook_bytes({sheet: (frame, kinds)}))


def write_analysis(a: Analysis, path: str | Path | None) -> Path | None:
    """Write the follow-up workbook of an :class:`fupin.figures.analysis.Analysis` to ``path`` atomically; return the path.

    With ``path`` None or ``""`` nothing is written and None is returned (a
    notebook run without an output folder).
    """
    if not path:
        return None
    area = f"{a.area_name}（{a.area_id}）" if a.area_name else str(a.area_id)
    date = dt.date.today().isoformat()
    return atomic_write_bytes(Path(path), workbook_bytes(analysis_sheets(a), area, date))


def write_follow_up(county: County, year: int, path: str | Path | None, *,
                    metrics: Mapping[str, Any] | None = None, **params: Any) -> Path | None:
    """Write the follow-up workbook of one area to ``path`` atomically; return the path.

    ``params`` as for :func:`follow_up_sheets` (the figures' parameters and
    ``township_id``). With ``path`` None or ``""`` nothing is written and None
    is returned. A notebook that has its :class:`fupin.figures.analysis.Analysis`
    calls :func:`write_analysis` instead.
    """
    if not path:
        return None
    a = _analysis(county, year, params)
    area = f"{a.area_name}（{a.area_id}）" if a.area_name else str(a.area_id)
    date = dt.date.today().isoformat()
    return atomic_write_bytes(Path(path), workbook_bytes(analysis_sheets(a, metrics), area, date))
