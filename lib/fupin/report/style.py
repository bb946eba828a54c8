"""The report's look, in one place: font, colours, Chinese labels.

Charts (fupin.report.charts), text (fupin.report.narrative) and tables all take their
labels from here and their number formats from :mod:`fupin.core.formats`;
notebooks do not restyle.

>>> status_label("exiting"), band_label({"lower": 3500, "upper": 5000})
('拟出列', '3,500元—5,000元')
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

# Why a remaining household is not projected to exit (projection.reasons): its home is the contract (fupin.core.contract).
from fupin.core.contract import REASON_LABELS
from fupin.core.config import TEMPLATES_DIR
from fupin.figures.parameters import PARAMETERS
from fupin.core.formats import MISSING, fmt_int, fmt_pct_short, fmt_yuan, half_up


@lru_cache(maxsize=1)
def report_css() -> str:
    """The one stylesheet of every page we write (report, county page, the kernel's inline styles)."""
    return (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: everything but letters and digits hex-escaped.

    Text from the data (a township's name) can then end neither the string
    nor the stylesheet.

    >>> print(css_string('城关镇 2018"</style>'))
    "城关镇\\0000202018\\000022\\00003c\\00002fstyle\\00003e"
    """
    return '"' + "".join(ch if ch.isalnum() else f"\\{ord(ch):06x}" for ch in text) + '"'


def print_header_css(left: str) -> str:
    """The page header on paper: ``left`` (area, year) and the page number, in @page margin boxes.

    Chromium prints CSS page-margin boxes (from version 131) both from its
    print dialogue and in headless PDF output; the header is drawn in the top
    margin of every sheet, so it never covers the text.
    """
    box = "font-size: 8.5pt; color: #616e7c; font-family: sans-serif;"
    return (
        "@page { "
        f"@top-left {{ content: {css_string(left)}; {box} }} "
        f'@top-right {{ content: "第 " counter(page) " 页，共 " counter(pages) " 页"; {box} }} '
        "}"
    )


#: Figure resolution: a chart's inch is this many CSS pixels on a page (a 4.4-inch chart is
#: shown 528 pixels wide), and its text's size follows.
DPI = 120
#: Device pixels to each CSS pixel a chart of a page or an email is drawn with: sharp on the 2×
#: screens of phones and laptops (a page's chart is drawn at DPI × PIXEL_RATIO and shown at DPI).
PIXEL_RATIO = 2

#: Named colours. Red is poverty still to overcome, green is exit, blue is the
#: area itself, grey is the national reference.
COLOURS: dict[str, str] = {
    "area": "#1f5f8b",
    "remaining": "#c8102e",
    "exit": "#2a9d8f",
    "warn": "#e9a23b",
    "national": "#8c8c8c",
    "households": "#8fb8d8",
    "people": "#1f5f8b",
    "threshold": "#c8102e",
    "text": "#333333",
    "grid": "#e3e3e3",
}

#: Series colours, in order, for charts with one line per item.
PALETTE: list[str] = [
    "#1f5f8b", "#c8102e", "#2a9d8f", "#e9a23b", "#6a4c93",
    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
]

#: Poor-village status in the target year (villages_table.status).
STATUS_LABELS: dict[str, str] = {
    "exited": "已出列",
    "exiting": "拟出列",
    "blocked": "暂不具备出列条件",
    "non_poor": "非贫困村",
}

#: Why a poor village cannot exit; `{threshold}` is the village threshold.
BLOCKER_LABELS: dict[str, str] = {
    "incidence": "贫困发生率未降到{threshold}以下",
    "venue_ok": "村级活动场所未达标",
    "road_ok": "未通硬化路",
    "collective_income": "村集体经济收入未达标",
}


#: Chinese labels of the computed columns a person may see (the input
#: columns' labels are in :mod:`fupin.core.contract`); a few input labels are
#: shortened as the report's tables show them. Used by :func:`fupin.report.tables.for_people`.
COLUMN_LABELS: dict[str, str] = {
    "village_name": "村",
    "township_name": "乡镇",
    "size": "人口",
    "head_name_masked": "户主",
    "registered": "已识别",
    "exited": "已脱贫",
    "remaining": "未脱贫",
    "income_T": "预计人均纯收入",
    "income_Y": "人均纯收入",
    "gap": "距贫困线差额",
    "reasons": "未脱贫原因",
    "reason_codes": "原因类别",
    "projected_exit": "拟脱贫",
    "exited_by_year": "已出列",
    "registered_households": "建档立卡户",
    "registered_people": "建档立卡人口",
    "exited_households": "已脱贫户",
    "exited_people": "已脱贫人口",
    "remaining_households": "未脱贫户",
    "remaining_people": "未脱贫人口",
    "projected_exits_households": "拟脱贫户",
    "projected_exits_people": "拟脱贫人口",
    "projected_remaining_households": "预计未脱贫户",
    "projected_remaining_people": "预计未脱贫人口",
    "incidence": "贫困发生率",
    "projected_incidence": "预计贫困发生率",
    "status": "出列状态",
    "blockers": "未达到的退出条件",
}


def band_label(band: Mapping[str, Any]) -> str:
    """A short Chinese label for an income band dict (lower/upper in yuan).

    >>> band_label({"band": "<3500", "lower": None, "upper": 3500})
    '3,500元以下'
    """
    lower, upper = band.get("lower"), band.get("upper")
    if band.get("band") == "unknown":
        return "收入不明"
    if lower is None and upper is None:
        return "全部"
    if lower is None:
        return f"{fmt_yuan(upper)}以下"
    if upper is None:
        return f"{fmt_yuan(lower)}以上"
    return f"{fmt_yuan(lower)}—{fmt_yuan(upper)}"


def reason_label(code: str, given: Mapping[str, Any] | None = None) -> str:
    """The label of a reason code, preferring the one the metrics dict carries."""
    if given and given.get("label"):
        return str(given["label"])
    return REASON_LABELS.get(code, code)


def blocker_label(code: str, threshold: float | None = None) -> str:
    """The label of a village blocker; `incidence` names the threshold."""
    label = BLOCKER_LABELS.get(code, code)
    return label.format(threshold=fmt_pct_short(threshold) if threshold is not None else "出列标准")


def status_label(code: str) -> str:
    """The label of a village status (exited, exiting, blocked, non_poor)."""
    return STATUS_LABELS.get(code, code)


#: The run parameters in Chinese, with the unit their values are shown in (rates carry "%" in the value):
#: the labels of their declaration (:data:`fupin.figures.parameters.PARAMETERS`).
PARAMETER_LABELS: dict[str, str] = {"township_id": "乡镇代码", **{d.name: d.label for d in PARAMETERS}}

#: Parameters that are fractions, shown as percentages.
_RATE_PARAMETERS = frozenset({"growth", "village_threshold", "income_drop_share", "industry_coverage_line"})


def _plain_number(value: Any) -> str:
    """A number with thousands separators and no needless decimals (3500.0 -> '3,500')."""
    number = float(value)
    return fmt_int(number) if number == int(number) else f"{half_up(number, 2):,f}".rstrip("0").rstrip(".")


def fmt_parameter(name: str, value: Any) -> str:
    """A run parameter's value for 数据说明, in the unit :data:`PARAMETER_LABELS` names.

    >>> fmt_parameter("poverty_line", 3500.0), fmt_parameter("bands", [3500.0, 4000.0])
    ('3,500', '3,500、4,000')
    >>> fmt_parameter("village_threshold", 0.02), fmt_parameter("monitoring_line", None)
    ('2%', '未设定（取贫困线的1.5倍）')
    >>> fmt_parameter("monitoring_line", {2019: 5250, 2020: 6000}), fmt_parameter("collective_income_exit", False)
    ('2019年5,250；2020年6,000', '否')
    >>> fmt_parameter("poverty_lines", None), fmt_parameter("poverty_lines", {2016: 3000, 2017: 3200})
    ('未设定（各年均按贫困线）', '2016年3,000；2017年3,200')
    """
    if value is None:
        unset = {"monitoring_line": "未设定（取贫困线的1.5倍）", "poverty_lines": "未设定（各年均按贫困线）"}
        return unset.get(name, MISSING)
    if isinstance(value, bool):
        return "是" if value else "否"
    if name in _RATE_PARAMETERS:
        return fmt_pct_short(value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}年{_plain_number(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_plain_number(v) for v in value)
    if name in ("township_id", "year") or isinstance(value, str):
        return str(value)
    return _plain_number(value)


def fmt_local_date(moment: "datetime.datetime | None" = None) -> str:
    """A day as a leader reads it: ``2026年11月29日`` (the machine's local date; no zone, no clock).

    >>> import datetime as dt
    >>> fmt_local_date(dt.datetime(2026, 11, 29, 22, 14))
    '2026年11月29日'
    """
    import datetime

    moment = moment or datetime.datetime.now().astimezone()
    return f"{moment.year}年{moment.month}月{moment.day}日"


def fmt_local_time(moment: "datetime.datetime | None" = None) -> str:
    """A time in the machine's local zone with its offset: ``2026-11-29 22:14（UTC+08:00）``.

    >>> import datetime as dt
    >>> fmt_local_time(dt.datetime(2026, 11, 29, 22, 14, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    '2026-11-29 22:14（UTC+08:00）'
    """
    import datetime

    if moment is None or moment.tzinfo is None:
        moment = (moment or datetime.datetime.now()).astimezone()
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M}（UTC{offset[:3]}:{offset[3:]}）"


def fmt_checksum(digest: str) -> str:
    """A hex checksum in groups of eight, easy to compare by eye (and never a long run of digits).

    >>> fmt_checksum("4c77f7082eb63904523a211a")
    '4c77f708 2eb63904 523a211a'
    """
    return " ".join(digest[i:i + 8] for i in range(0, len(digest), 8))


# ---------------------------------------------------------------- matplotlib


@lru_cache(maxsize=1)
def font_path() -> str:
    """Path of the bundled Noto Sans SC file (package pylopdf_fonts_zh_cn)."""
    import pylopdf_fonts_zh_cn

    return str(pylopdf_fonts_zh_cn.sans_path())


@lru_cache(maxsize=1)
def font_family() -> str:
    """Register Noto Sans SC with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def report_rc() -> dict[str, Any]:
    """The rcParams of the report look (font first, then the chart details)."""
    from cycler import cycler

    return {
        "font.family": ["sans-serif"],
        "font.sans-serif": [font_family(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "axes.prop_cycle": cycler(color=PALETTE),
        "axes.edgecolor": "#bbbbbb",
        "axes.labelcolor": COLOURS["text"],
        "axes.titlesize": 13,
        "axes.titlelocation": "left",
        "axes.titlepad": 10,
        "axes.labelsize": 10.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": COLOURS["grid"],
        "grid.linewidth": 0.8,
        "xtick.color": COLOURS["text"],
        "ytick.color": COLOURS["text"],
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "legend.frameon": False,
        "lines.linewidth": 2.0,
    }


def chart_rc() -> dict[str, Any]:
    """`report_rc()` with the concrete family first in `font.family`.

    Text created under it keeps Noto Sans SC even if the global rcParams are
    reset later (by seaborn.set_theme, say), because a generic family such as
    "sans-serif" is only resolved when the figure is drawn.
    """
    return {**report_rc(), "font.family": [font_family(), "DejaVu Sans"]}


def _style_holds(rc: Mapping[str, Any]) -> bool:
    """True when the global rcParams already carry every setting of `rc`."""
    import matplotlib as mpl

    try:
        return all(mpl.rcParams[key] == value for key, value in rc.items())
    except (KeyError, ValueError):
        return False


def use_report_style() -> None:
    """Make the report look the global matplotlib/seaborn style.

    Applies seaborn's whitegrid theme first (it resets fonts and colours),
    then re-asserts the report settings on top, so the theme cannot undo the
    Chinese font. Idempotent; a second call only compares rcParams.
    """
    import matplotlib as mpl

    rc = report_rc()
    if _style_holds(rc):
        return
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(rc)
