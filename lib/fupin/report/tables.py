"""The report's tables: metrics dict -> DataFrames with Chinese headers.

Every number shown comes from :func:`fupin.figures.analysis.Analysis.metrics`; this
module only selects, labels and formats (through :mod:`fupin.report.style`).
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Mapping, Sequence
from functools import lru_cache

import pandas as pd

from fupin import __version__
from fupin.core.config import PROJECT_ROOT
from fupin.core.county import County
from fupin.core.contract import INPUT_TABLES
from fupin.core.formats import MISSING, fmt_index, fmt_int, fmt_pct, fmt_wan, fmt_yuan
from fupin.report.narrative import village_names
from fupin.report.style import (
    COLUMN_LABELS, PARAMETER_LABELS, band_label, blocker_label, fmt_checksum, fmt_local_time, fmt_parameter,
    reason_label, status_label,
)

#: ``DataFrame.attrs`` key naming a table's number columns (right-aligned by fupin.report.show).
NUMBER_COLUMNS = "number_columns"


def numbered(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Mark ``columns`` of ``frame`` as numbers (their cells are formatted text).

    The kind of a column is stated where the table is built, from the data it
    holds, so the page can align numbers right and text left.

    >>> numbered(pd.DataFrame({"村": ["A"], "人数": ["1,872"]}), ["人数"]).attrs
    {'number_columns': ['人数']}
    """
    frame.attrs[NUMBER_COLUMNS] = [c for c in columns if c in frame.columns]
    return frame


def collective_income_cell(v: Mapping) -> str:
    """A village's collective income for the village table: ``31,841（薄弱）``, ``96,634``, ``未填报``.

    >>> collective_income_cell({"collective_income": 49999.5, "collective_weak": True})
    '49,999.50（薄弱）'
    """
    income = v.get("collective_income")
    if income is None or income != income:  # None or NaN: not given
        return "未填报"
    text = fmt_yuan(income).removesuffix("元")
    return text + ("（薄弱）" if v.get("collective_weak") else "")


def column_label(name: str) -> str:
    """The Chinese label of a column: the report's own, else the input contract's, else the name.

    >>> column_label("village_name"), column_label("main_cause"), column_label("村")
    ('村', '主要致贫原因', '村')
    """
    from fupin.core.contract import TABLES

    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    return next((c.label for t in TABLES.values() for c in t.columns if c.name == name), name)


def for_people(frame: pd.DataFrame, village_threshold: float | None = None) -> pd.DataFrame:
    """A table as a person reads it: Chinese column labels, 是/否, codes as Chinese, no ``<NA>``, names masked.

    Columns are renamed by :func:`column_label`; true/false columns read
    是/否; ``status``, ``blockers`` (``village_threshold`` fills the incidence
    blocker's threshold, default 2%) and ``reason_codes`` read as their
    Chinese labels; every missing value reads ``—``. Numbers stay numbers
    where nothing is missing (whole floats read as whole numbers). The
    report's tables (:func:`fupin.report.show.show_table`) and the notebooks use
    it alike.

    >>> df = pd.DataFrame({"village_name": ["东风村"], "road_ok": pd.array([pd.NA], dtype="boolean"),
    ...                    "blockers": [["incidence", "venue_ok"]], "size": [3]})
    >>> for_people(df).to_dict("records")
    [{'村': '东风村', '通硬化路': '—', '未达到的退出条件': '贫困发生率未降到2%以下、村级活动场所未达标', '人口': 3}]
    """
    from fupin.core.config import DEFAULT_VILLAGE_THRESHOLD
    from fupin.core.privacy import mask_shown

    threshold = DEFAULT_VILLAGE_THRESHOLD if village_threshold is None else village_threshold
    frame = mask_shown(frame)  # names and identity numbers show masked, whatever a caller passes
    out = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        values = frame[name]
        if name == "status":
            values = values.map(lambda v: MISSING if _missing(v) else status_label(v))
        elif name == "blockers":
            values = values.map(lambda v: "、".join(blocker_label(b, threshold) for b in _codes(v)) or MISSING)
        elif name == "reason_codes":
            values = values.map(lambda v: "；".join(reason_label(c) for c in _codes(v)) or MISSING)
        elif pd.api.types.is_bool_dtype(values.dtype) or values.dtype == object and values.map(
                lambda v: isinstance(v, bool) or _missing(v)).all() and values.notna().any():
            values = values.map(lambda v: MISSING if _missing(v) else ("是" if v else "否"))
        elif pd.api.types.is_float_dtype(values.dtype) and values.dropna().map(float.is_integer).all():
            values = values.map(lambda v: MISSING if _missing(v) else int(v))  # 2985.0 reads 2985
        elif values.isna().any():
            values = values.astype(object).where(values.notna(), MISSING)
        label = column_label(str(name))
        out[label if label not in out.columns else str(name)] = values.to_numpy()
    return out


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _codes(value: object) -> list[str]:
    """Codes from a list or a ``,``-joined text."""
    if isinstance(value, str):
        return [c for c in value.split(",") if c]
    if isinstance(value, (list, tuple)):
        return [str(c) for c in value]
    return []


def villages_outlook(m: dict) -> pd.DataFrame:
    """Per village with registered households: status at Y, exits expected in T, collective
    income (weak ones marked) and, when the data has it, industry coverage of remaining households."""
    industry, names = m.get("industry_coverage") is not None, village_names(m)
    rows = [
        {
            "村": names.get(str(v["village_id"]), v["village_name"]),
            "贫困村": "是" if v["is_poor_village"] else "否",
            "户籍人口": fmt_int(v["population"]),
            "未脱贫户": fmt_int(v["remaining_households"]),
            "未脱贫人口": fmt_int(v["remaining_people"]),
            "拟脱贫户": fmt_int(v["projected_exits_households"]),
            "拟脱贫人口": fmt_int(v["projected_exits_people"]),
            f"{m['year']}年发生率": fmt_pct(v["incidence"]),
            f"{m['target_year']}年预计发生率": fmt_pct(v["projected_incidence"]),
            "村集体经济收入（元）": collective_income_cell(v),
            **({"产业帮扶覆盖率": fmt_pct(v.get("industry_share"))} if industry else {}),
        }
        for v in m.get("villages_table", [])
        if v["registered_households"] > 0
    ]
    frame = pd.DataFrame(rows)
    return numbered(frame, [c for c in frame.columns if c not in ("村", "贫困村")])


def non_exit_reasons(m: dict) -> pd.DataFrame:
    """Remaining households not expected to exit in T, by reason (a household may have several)."""
    reasons = m["projection"].get("reasons", {})
    rows = [
        {"原因": r["label"], "户数": fmt_int(r["households"]), "人数": fmt_int(r["people"])}
        for r in reasons.values()
        if r["households"] > 0
    ]
    return numbered(pd.DataFrame(rows), ["户数", "人数"])


def poor_villages(m: dict) -> pd.DataFrame:
    """Every poor village: exited, exiting in T, or blocked and by what."""
    names = village_names(m)
    threshold = m["parameters"]["village_threshold"]
    rows = [
        {
            "贫困村": names.get(str(v["village_id"]), v["village_name"]),
            "状态": status_label(v["status"]),
            f"{m['target_year']}年预计发生率": fmt_pct(v["projected_incidence"]),
            "未达到的退出条件": "、".join(blocker_label(b, threshold) for b in v["blockers"]) or "—",
        }
        for v in m.get("villages_table", [])
        if v["is_poor_village"]
    ]
    return numbered(pd.DataFrame(rows), [f"{m['target_year']}年预计发生率"])


def income_bands_table(m: dict) -> pd.DataFrame:
    """The income-band distribution for T (``m["income_bands"]``, :func:`fupin.figures.headcount.income_bands`):
    households, people and share of people.

    >>> income_bands_table({"income_bands": [{"lower": None, "upper": 3500, "households": 1, "people": 3},
    ...                                      {"lower": 3500, "upper": None, "households": 2, "people": 1}]}
    ...                   )["人数占比"].tolist()
    ['75.00%', '25.00%']
    """
    total = sum(b["people"] for b in m["income_bands"]) or None
    rows = [
        {
            "收入分组（元/人）": band_label(b),
            "户数": fmt_int(b["households"]),
            "人数": fmt_int(b["people"]),
            "人数占比": fmt_pct(b["people"] / total if total else None),
        }
        for b in m["income_bands"]
    ]
    return numbered(pd.DataFrame(rows), ["户数", "人数", "人数占比"])


def incidence_trend_table(m: dict) -> pd.DataFrame:
    """Incidence by year (``m["incidence_trend"]``, :func:`fupin.figures.headcount.incidence_trend`), the projected year marked.

    >>> incidence_trend_table({"incidence_trend": [
    ...     {"year": 2018, "remaining_people": 924, "incidence": 0.0323, "projected": False},
    ...     {"year": 2019, "remaining_people": 358, "incidence": 0.0125, "projected": True}]}
    ... )[["年度", "贫困发生率", "数据"]].values.tolist()
    [['2018', '3.23%', '实际'], ['2019', '1.25%', '预测']]
    """
    rows = [
        {
            "年度": str(p["year"]),
            "未脱贫人口": fmt_int(p["remaining_people"]),
            "贫困发生率": fmt_pct(p["incidence"]),
            "数据": "预测" if p["projected"] else "实际",
        }
        for p in m["incidence_trend"]
    ]
    return numbered(pd.DataFrame(rows), ["年度", "未脱贫人口", "贫困发生率"])


def data_notes_table(m: dict) -> pd.DataFrame:
    """数据说明 as a leader reads it (:func:`fupin.report.brief.data_notes`): the 口径, the lines, the date.

    The run's files, checksums and versions are the office's, in the report folder's
    ``run.json`` (:func:`run_info` has them).
    """
    from fupin.report.brief import data_notes

    return pd.DataFrame(data_notes(m), columns=["项目", "内容"])


def run_info(parameters: Mapping[str, object], county: County) -> pd.DataFrame:
    """The run's record for the office: parameters in Chinese with units, input files (names only)
    with SHA-256, code version, run time. Never on a leader's page.

    No folder or server path is shown: a file is named by its name alone.
    """
    rows = [{"项目": PARAMETER_LABELS.get(k, k), "内容": fmt_parameter(k, v)} for k, v in parameters.items()]
    for table, src in county.sources.items():
        sheet = f"（工作表「{src.sheet}」）" if src.sheet else ""
        label = INPUT_TABLES[table].label if table in INPUT_TABLES else table
        rows.append({"项目": f"输入：{label}", "内容": f"{src.path.name}{sheet}，SHA-256 {fmt_checksum(src.sha256)}"})
    rows.append({"项目": "代码版本", "内容": code_version()})
    rows.append({"项目": "运行环境", "内容": f"Python {platform.python_version()}，pandas {pd.__version__}"})
    rows.append({"项目": "生成时间", "内容": fmt_local_time()})
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def code_version() -> str:
    """``fupin <version>`` plus the git commit when running from a checkout."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"fupin {__version__}"
    return f"fupin {__version__} (git {sha}{'，有未提交修改' if dirty else ''})"


# --------------------------------------------------------------------------- beyond the headcount


def depth_indices(m: dict) -> pd.DataFrame:
    """FGT0/1/2, Watts and the income gap: the area, then each village with a gap.

    The columns carry the indices' Chinese names (:data:`fupin.report.narrative.DEPTH_NAMES`):
    贫困发生率 (FGT0), 贫困缺口指数 (FGT1), 贫困强度指数 (FGT2), 瓦茨指数 (Watts).

    Every index is over the registered population of the row's area (the
    incidence denominator); the poor are remaining households whose income
    for T is below the line (see :mod:`fupin.figures.depth`).
    """
    d, names = m.get("depth") or {}, village_names(m)
    area = {"village_name": f"{m.get('township_name') or m.get('county_name') or '全部'}（合计）",
            **d, "poor_people": (d.get("poor") or {}).get("people"), "gap_share": 1.0 if d.get("income_gap") else None}
    villages = sorted((v for v in d.get("villages") or [] if v.get("poor_people")),
                      key=lambda v: -float(v.get("income_gap") or 0))
    rows = [
        {
            "范围": names.get(str(v.get("village_id")), v["village_name"]),
            "户籍人口": fmt_int(v.get("population")),
            "低于贫困线人口": fmt_int(v.get("poor_people")),
            "贫困发生率": fmt_pct(v.get("fgt0")),
            "贫困缺口指数": fmt_index(v.get("fgt1")),
            "贫困强度指数": fmt_index(v.get("fgt2")),
            "瓦茨指数": fmt_index(v.get("watts")),
            "收入缺口": fmt_wan(v.get("income_gap"), 2),
            "占缺口比重": fmt_pct(v.get("gap_share"), 1),
        }
        for v in [area, *villages]
    ]
    frame = pd.DataFrame(rows) if d else pd.DataFrame()
    return numbered(frame, [c for c in frame.columns if c != "范围"])


def near_line_table(m: dict) -> pd.DataFrame:
    """Remaining households whose income for T lies within ±10% of the poverty line
    (``m["sensitivity"]["near_line"]``, :func:`fupin.figures.sensitivity.near_line`); empty when there is none."""
    near = (m.get("sensitivity") or {}).get("near_line")
    if not near:
        return pd.DataFrame()
    line = (m.get("sensitivity") or {}).get("poverty_line")
    return numbered(pd.DataFrame([
        {"收入区间（元/人·年）": f"{fmt_yuan(near['lower'])}—{fmt_yuan(line)}（线下）",
         "户数": fmt_int(near["below"]["households"]), "人数": fmt_int(near["below"]["people"])},
        {"收入区间（元/人·年）": f"{fmt_yuan(line)}—{fmt_yuan(near['upper'])}（线上）",
         "户数": fmt_int(near["above"]["households"]), "人数": fmt_int(near["above"]["people"])},
    ]), ["户数", "人数"])


def monitoring_groups(m: dict, key: str) -> pd.DataFrame:
    """Monitored households by village (``key="village"``) or by main cause (``"cause"``)."""
    mo = m.get("monitoring") or {}
    label, field, rows = ("村", "village_name", mo.get("by_village")) if key == "village" \
        else ("主要致贫原因", "main_cause", mo.get("by_cause"))
    return numbered(pd.DataFrame([
        {label: r[field], "户数": fmt_int(r["households"]), "人数": fmt_int(r["people"])} for r in rows or []
    ]), ["户数", "人数"])


def registry_by_village(m: dict) -> pd.DataFrame:
    """The registry by village: monitored(Y) by type, identified and eliminated in Y, projected
    elimination in T and 应纳未纳, as households (people in brackets), villages in id order, then 合计.

    Villages without any of these are left out; empty when the data has no registry.
    """
    reg = m.get("registry") or {}
    names = village_names(m)
    columns = {"monitored": "监测对象", "脱贫不稳定户": "脱贫不稳定户", "边缘易致贫户": "边缘易致贫户",
               "突发严重困难户": "突发严重困难户", "newly_identified": "年内新识别", "eliminated": "年内风险消除",
               "projected_elimination": "预计消除风险", "possibly_missed": "应纳未纳"}

    def cell(count: Mapping | None) -> str:
        count = count or {}
        households, people = int(count.get("households") or 0), int(count.get("people") or 0)
        return f"{fmt_int(households)}户{fmt_int(people)}人" if households else "—"

    rows = [{"村": names.get(vid) or vid, **{label: cell(row.get(key)) for key, label in columns.items()}}
            for vid, row in (reg.get("villages") or {}).items()
            if any((row.get(key) or {}).get("households") for key in columns)]
    if rows:
        total = {"monitored": reg.get("monitored"), **(reg.get("by_type") or {}),
                 **{k: reg.get(k) for k in ("newly_identified", "eliminated", "projected_elimination", "possibly_missed")}}
        rows.append({"村": "合计", **{label: cell(total.get(key)) for key, label in columns.items()}})
    return numbered(pd.DataFrame(rows), list(columns.values()))
