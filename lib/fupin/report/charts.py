"""The report's charts: metrics dict in, matplotlib Figure out.

Every function builds a standalone Figure (not registered with pyplot, so
nothing needs closing and nothing global is left behind) under the report
style of :mod:`fupin.report.style`, and resolves its text to Noto Sans SC before
returning, so the Chinese still renders if the global style is reset later.
Numbers shown go through ``formats.fmt_*``. Nothing here calls ``plt.show``.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from fupin.core import formats
from fupin.report import style
from fupin.core.text import chart_text
from fupin.report.narrative import area_name, village_names
from fupin.report.style import COLOURS

Metrics = Mapping[str, Any]

#: Width of every chart in inches. A 390-pixel phone shows a chart 362 CSS pixels wide: its
#: smallest text, 10 points, is then 10 / 72 × 362 / 4.6 ≈ 11 pixels (4.6: the chart and the
#: 0.1-inch padding of its PNG on each side); tests/test_plots.py holds every chart to it.
CHART_WIDTH = 4.4


def _styled(build: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build a chart under the report rcParams, and keep them for its every later draw.

    Nothing is drawn here: the chart is drawn once, when it is saved or
    shown (:meth:`Chart.draw` applies the same rcParams, so tick labels made
    then get the report font too).
    """

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        rc = style.chart_rc()
        with mpl.rc_context(rc):
            fig = build(*args, **kwargs)
        if isinstance(fig, Chart):
            fig.rc = rc
            fig.name = build.__name__
        return fig

    return wrapper


class Chart(Figure):
    """A matplotlib Figure that shows itself as the chart when it is a notebook cell's last line.

    Everything a Figure does still works (``savefig``, ``axes``,
    :func:`fupin.report.show.show_figure`); IPython and JupyterLab call
    ``_repr_png_`` to show it, as the report embeds it (same PNG). It is
    drawn under the rcParams it was built with (:attr:`rc`), whatever the
    global style is by then.
    """

    rc: dict[str, Any] = {}
    #: The :mod:`fupin.report.charts` function that built it (``income_band_chart``), or "".
    name: str = ""

    def draw(self, renderer: Any) -> None:
        with mpl.rc_context(self.rc):
            super().draw(renderer)

    def _repr_png_(self) -> bytes:
        from fupin.report.show import figure_png

        return figure_png(self)


#: Sizes in points of the report's chart text (:func:`fupin.report.style.report_rc`), for the margins.
_TITLE_PT, _LABEL_PT, _TICK_PT = 13.0, 10.5, 10.0
#: A line of Noto Sans SC is about this many ems high (matplotlib spaces lines 1.2 ems), with a little room.
_LINE_EM = 1.25
#: Space in points between an axis' tick labels and the axes (tick length and pad: 3.5 each), and
#: between an axis label and its tick labels (``axes.labelpad``: 4).
_TICK_GAP_PT, _LABEL_GAP_PT = 7.5, 4.5
#: Room over the estimated width of a text: the em count is an estimate, and a village name
#: ("王家坪村（贫困村）") was once set 1.3 px wider than it in a full test run.
_WIDTH_SLACK = 1.05
#: Space in points kept between the text and the figure's edge (as constrained layout's pads).
_EDGE_PT = 3.0


def _below(fig: Figure) -> dict[str, Any]:
    """Where a figure legend below the chart is anchored: the figure's bottom centre, in the figure's
    own coordinates (not the canvas's, which is wider when the chart is rendered: fupin.report.show.figure_pngs)."""
    return {"loc": "lower center", "bbox_to_anchor": (0.5, 0.0), "bbox_transform": fig.transFigure}


def _figure(width: float, height: float) -> Chart:
    """A :class:`Chart` with an Agg canvas, outside pyplot's registry, without a layout engine:
    each builder places its axes with :func:`_place` (fixed margins for its kind of chart)."""
    fig = Chart(figsize=(width, height), layout="none")
    FigureCanvasAgg(fig)
    return fig


def _lines(count: float, points: float) -> float:
    """Inches taken by `count` lines of text of `points` size."""
    return count * points * _LINE_EM / 72


def _text_width(texts: Iterable[str], points: float) -> float:
    """Inches the widest of `texts` (of their widest line) takes at `points` size, at most: a wide
    (CJK) or ambiguous character (—) is one em of Noto Sans SC, % 0.9 em, any other (digits, commas,
    Latin letters) about 0.58 em (0 for no text)."""
    def width(line: str) -> float:
        return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.9 if ch == "%" else 0.58 for ch in line)

    widest = max((width(line) for text in texts for line in str(text).split("\n")), default=0.0)
    return widest * points / 72 * _WIDTH_SLACK


def _place(fig: Figure, *, left: float, bottom: float, top: float, right: float = 0.1,
           hspace: float = 0.0, wspace: float = 0.0) -> None:
    """Place the figure's grid of axes with margins of these many inches around it, and `hspace`
    and `wspace` inches between its rows and columns: a layout fixed per kind of chart, computed
    from the sizes of its text (no layout engine measures every text again at each draw).

    The PNG (:func:`fupin.report.show.figure_pngs`) is cut to what is drawn (with a little padding),
    so a margin wider than its text is trimmed from the picture.
    """
    width, height = fig.get_size_inches()
    grids = [ax.get_subplotspec() for ax in fig.axes if ax.get_subplotspec() is not None]
    rows, cols = grids[0].get_gridspec().get_geometry() if grids else (1, 1)
    # the axes keep at least 40 % of the width and 30 % of the height: longer text (a village name
    # of 40 characters) runs past the figure's edge, and the PNG still shows it whole
    inner_w = max(width - left - right, 0.4 * width)
    left = width - right - inner_w if left + right > 0.6 * width else left
    inner_h = max(height - top - bottom, 0.3 * height)
    if top + bottom > 0.7 * height:
        top, bottom = (height - inner_h) * top / (top + bottom), (height - inner_h) * bottom / (top + bottom)
    wspace, hspace = min(wspace, inner_w / (2 * cols)), min(hspace, inner_h / (2 * rows))
    axes_w = (inner_w - wspace * (cols - 1)) / cols
    axes_h = (inner_h - hspace * (rows - 1)) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
                        wspace=wspace / axes_w, hspace=hspace / axes_h)


def _title_height(title: str, points: float = _TITLE_PT) -> float:
    """Inches above the axes for a title of ``axes.titlepad`` (10 points) and its lines."""
    return _lines(title.count("\n") + 1, points) + 10 / 72 + 0.03


def _wrapped(title: str, width: float, points: float = _TITLE_PT) -> str:
    r"""``title`` in lines no wider than ``width`` inches at ``points``: broken before its （…）
    where that is enough, else where a line is full, never inside a number (31.37万元).

    >>> title = "各村对贫困缺口指数的贡献（城关镇贫困缺口指数为0.313%，收入缺口31.37万元）"
    >>> print(_wrapped(title, 3.2))
    各村对贫困缺口指数的贡献（城关镇
    贫困缺口指数为0.313%，收入缺口
    31.37万元）
    >>> print(_wrapped("贫困村贫困发生率变化（虚线为2019年预测）", 3.2))
    贫困村贫困发生率变化
    （虚线为2019年预测）
    """
    if _text_width([title], points) <= width:
        return title
    head, paren, tail = title.partition("（")
    if head and paren and max(_text_width([head], points), _text_width([paren + tail], points)) <= width:
        return f"{head}\n{paren}{tail}"
    lines, line = [], ""
    # a token: a number with its unit, or one character; an opening bracket goes with what follows,
    # closing punctuation with what precedes (no line ends in （ nor starts with ）or ，)
    for token in re.findall(r"（?(?:[0-9A-Za-z][0-9A-Za-z.,%]*(?:万元|元)?|.)[）)，,、。：]*", title, flags=re.S):
        if line.strip() and _text_width([line + token], points) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    return "\n".join(lines + [line])


def _set_title(ax: Axes, title: str, points: float = _TITLE_PT, left: float | None = None, **kwargs: Any) -> str:
    """Set ``ax``'s title (left-aligned over the axes, ``axes.titlelocation``) wrapped to the room
    right of the axes' left edge (``left`` inches, default :func:`_left`); the title as set, for
    :func:`_title_height`."""
    room = CHART_WIDTH - (_left(ax) if left is None else left) - _EDGE_PT / 72
    title = _wrapped(title, room, points)
    ax.set_title(title, fontsize=points, **kwargs)
    return title


def _axes_width(ax: Axes) -> float:
    """Inches `ax` is wide, as placed (:func:`_place`)."""
    return ax.get_position().width * ax.figure.get_size_inches()[0]


def _room_right(ax: Axes, values: Sequence[float], labels: Sequence[str], offset: float, points: float = 10) -> float:
    """The x axis' upper limit that leaves each label (``points`` size, ``offset`` inches right of its
    value) inside the axes once placed: bar labels, the projected point's label (the figure's tight
    box must not grow past the chart's width, or a phone shows all its text smaller)."""
    width = _axes_width(ax)
    lower = ax.get_xlim()[0]
    need = [(_text_width([label], points) + offset) for label in labels]
    return max(lower + (v - lower) * width / max(width - n, 0.25 * width) for v, n in zip(values, need))


def _tick_band(lines: int = 1, points: float = _TICK_PT) -> float:
    """Inches an axis' tick labels take beside the axes, `lines` high (the x axis)."""
    return _lines(lines, points) + _TICK_GAP_PT / 72


def _axis_label() -> float:
    """Inches an axis label takes (one line) with its gap to the tick labels."""
    return _lines(1, _LABEL_PT) + _LABEL_GAP_PT / 72


def _y_ticks(texts: Iterable[str], points: float = _TICK_PT) -> float:
    """Inches the y axis' tick labels `texts` take left of the axes."""
    return _text_width(texts, points) + _TICK_GAP_PT / 72


def _tick_texts(axis: Any) -> list[str]:
    """The labels `axis` will show at its ticks, as its formatter writes them (nothing drawn)."""
    return [str(text) for text in axis.get_major_formatter().format_ticks(axis.get_majorticklocs())]


def _left(ax: Axes, points: float = _TICK_PT) -> float:
    """Inches left of `ax` for its y tick labels and its y label (if any)."""
    return _y_ticks(_tick_texts(ax.yaxis), points) + (_axis_label() if ax.get_ylabel() else 0.0) + _EDGE_PT / 72


def _bottom(ax: Axes, points: float = _TICK_PT) -> float:
    """Inches below `ax` for its x tick labels (as many lines as the tallest) and its x label (if any)."""
    lines = max((text.count("\n") + 1 for text in _tick_texts(ax.xaxis)), default=1)
    return _tick_band(lines, points) + (_axis_label() if ax.get_xlabel() else 0.0) + _EDGE_PT / 72


def _pct_axis(ax: Axes, axis: str = "y") -> None:
    """Show fractions on `axis` as short percentages (2%, 1.5%)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda value, _pos: formats.fmt_pct_short(value)))


def _empty(fig: Figure, ax: Axes, title: str, message: str) -> Figure:
    """A chart with nothing to plot: the title and a message under it (the PNG is cut to them)."""
    title = _set_title(ax, title, left=0.1)
    ax.set_axis_off()
    ax.text(0.0, 1.0, message, ha="left", va="top", transform=ax.transAxes, color=COLOURS["text"])
    _place(fig, left=0.1, bottom=0.1, top=_title_height(title))
    return fig


def _chart_area_name(metrics: Metrics) -> str:
    """The area's name (:func:`fupin.report.narrative.area_name`) for legends and titles, drawn
    literally (no mathtext); 本地 for an area without a name."""
    return chart_text(area_name(metrics) or "本地")


def _count(value: Mapping[str, Any] | None, key: str) -> int:
    """households or people from a {households, people} dict (missing -> 0)."""
    return int((value or {}).get(key) or 0)


def _village_count(village: Mapping[str, Any], name: str, key: str) -> int:
    """A villages_table count (``remaining_people`` for name "remaining", key "people")."""
    return int(village.get(f"{name}_{key}") or 0)


def _rate(point: Mapping[str, Any]) -> float:
    """A point's incidence as a float (NaN where it is missing)."""
    value = point.get("incidence")
    return float("nan") if value is None else float(value)


def _zero(value: float | None) -> float:
    """A rate as a float for bar lengths: None and NaN read 0."""
    return 0.0 if value is None or math.isnan(float(value)) else float(value)


def _top(values: Iterable[float], floor: float = 0.01) -> float:
    """The largest finite value, at least `floor` (for an axis limit)."""
    finite = [v for v in values if not math.isnan(v)]
    return max(finite + [0.0]) or floor


# ---------------------------------------------------------------- income bands


def _line_edge(bands: Sequence[Mapping[str, Any]], line: float | None) -> float | None:
    """x position of the poverty line: between two bars when it is a band edge, else inside the
    band that holds it, as far across the band's slot as the line is across the band (an open
    lowest band starts at 0, an open highest one is as wide as the band below it, at least its
    lower edge's 10 %); None without a line or an income band."""
    if line is None:
        return None
    line = float(line)
    for index, band in enumerate(bands[:-1]):
        if band.get("upper") is not None and float(band["upper"]) == line:
            return index + 0.5
    priced = [(i, b) for i, b in enumerate(bands) if b.get("band") != "unknown" and (
        b.get("lower") is not None or b.get("upper") is not None)]
    for order, (index, band) in enumerate(priced):
        lower, upper = band.get("lower"), band.get("upper")
        lower = min(0.0, line) if lower is None else float(lower)
        if upper is None:
            below = priced[order - 1][1] if order else {}
            step = float(below["upper"]) - float(below["lower"]) if below.get("lower") is not None else 0.0
            upper = lower + max(step, abs(lower) * 0.1, 1.0)
        upper = float(upper)
        if lower <= line < upper or (band.get("upper") is None and line >= lower):
            return index - 0.5 + min(max((line - lower) / (upper - lower), 0.0), 1.0)
    return None


#: How far band labels too wide for their slot, even broken onto two lines, are turned (degrees).
BAND_LABEL_ROTATION = 90


def _band_labels(bands: Sequence[Mapping[str, Any]], slot: float) -> tuple[list[str], int]:
    """The bands' tick labels (:func:`fupin.report.style.band_label`) and their rotation, so that neighbours
    never overlap: as they are when the widest fits in `slot` inches (one band's width on the axes),
    else broken onto two lines (after the dash, before 以下/以上: ``3,500元\n以下``), else (many
    bands) whole and turned by :data:`BAND_LABEL_ROTATION` degrees."""
    labels = [style.band_label(b) for b in bands]
    if _text_width(labels, _TICK_PT) <= slot * 0.9:
        return labels, 0
    broken = [re.sub("(以下|以上)$", "\n\\1", label.replace("—", "—\n", 1)) for label in labels]
    if _text_width(broken, _TICK_PT) <= slot * 0.9:
        return broken, 0
    return labels, BAND_LABEL_ROTATION


def _turned_bottom(labels: Sequence[str], degrees: int) -> float:
    """Inches below the axes for one-line tick labels turned by `degrees`, with their gap and edge."""
    turn = math.radians(degrees)
    tall = _text_width(labels, _TICK_PT) * math.sin(turn) + _lines(1, _TICK_PT) * math.cos(turn)
    return tall + _TICK_GAP_PT / 72 + _EDGE_PT / 72


#: Width of each bar of a household/people pair.
PAIR_WIDTH = 0.38


def _paired_bars(ax, items: list, hh_colours: object = None, pp_colours: object = None) -> tuple[list[int], list[int], list]:
    """One pair of bars per item, households then people, each labelled with its count: the counts and
    the two bar containers (for a legend)."""
    positions = range(len(items))
    households = [_count(i, "households") for i in items]
    people = [_count(i, "people") for i in items]
    bars_hh = ax.bar([p - PAIR_WIDTH / 2 for p in positions], households, PAIR_WIDTH, label="户数",
                     color=COLOURS["households"] if hh_colours is None else hh_colours)
    bars_pp = ax.bar([p + PAIR_WIDTH / 2 for p in positions], people, PAIR_WIDTH, label="人数",
                     color=COLOURS["people"] if pp_colours is None else pp_colours)
    ax.bar_label(bars_hh, labels=[formats.fmt_households(v) for v in households], padding=2, fontsize=10)
    ax.bar_label(bars_pp, labels=[formats.fmt_people(v) for v in people], padding=2, fontsize=10)
    return households, people, [bars_hh, bars_pp]


@_styled
def income_band_chart(metrics: Metrics) -> Figure:
    """Households and people of registered(Y) by projected income in T.

    One pair of bars per band of ``metrics["income_bands"]`` (unknown band
    included when present), each labelled with its count; bands below the
    poverty line are shaded, and the line itself is drawn where it falls: at
    its band edge, or inside the band that holds it. Band labels that would
    not fit side by side break onto two lines, or turn.
    """
    fig = _figure(CHART_WIDTH, 3.6)
    ax = fig.subplots()
    bands = list(metrics.get("income_bands") or [])
    line = (metrics.get("parameters") or {}).get("poverty_line")
    target = metrics.get("target_year", "")
    title = f"{target}年贫困户人均纯收入预计分布（贫困线{formats.fmt_yuan(line)}）"
    if not bands:
        return _empty(fig, ax, title, "无收入分组数据")
    positions = list(range(len(bands)))
    unknown = [b.get("band") == "unknown" for b in bands]  # greyed: no income to place it by
    households, people, pair = _paired_bars(ax, bands, hh_colours=["#d0d0d0" if u else COLOURS["households"] for u in unknown],
                                      pp_colours=[COLOURS["national"] if u else COLOURS["people"] for u in unknown])
    edge = _line_edge(bands, line)
    handles: list[Any] = list(pair)
    if edge is not None:
        ax.axvspan(-0.5, edge, color=COLOURS["remaining"], alpha=0.06, linewidth=0)
        handles.append(ax.axvline(edge, color=COLOURS["threshold"], linestyle="--", linewidth=1.4,
                                  label=f"贫困线{formats.fmt_yuan(line)}"))
    ax.set_xlim(-0.5, len(bands) - 0.5)
    ax.set_ylim(0, max(people + households + [1]) * 1.15)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: formats.fmt_int(value)))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel("户数 / 人数")
    left = _left(ax)
    labels, turned = _band_labels(bands, (CHART_WIDTH - left - 0.1) / len(bands))  # 0.1: _place's right margin
    ax.set_xticks(positions, labels, **({"rotation": turned, "ha": "center"} if turned else {}))
    title = _set_title(ax, title, left=left)
    # below the chart, on one line: inside, it would cover a bar or its count
    fig.legend(handles=handles, ncols=len(handles), **_below(fig))
    legend = _lines(1, mpl.rcParams["legend.fontsize"]) + 0.1
    _place(fig, left=left, bottom=(_turned_bottom(labels, turned) if turned else _bottom(ax)) + legend,
           top=_title_height(title))
    return fig


@_styled
def registry_trend_chart(metrics: Metrics) -> Figure:
    """Monitored households and people at the end of each year, from the area's first identification to Y
    (``metrics["registry"]["trend"]``), bars labelled with their counts."""
    fig = _figure(CHART_WIDTH, 3.6)
    ax = fig.subplots()
    points = sorted((metrics.get("registry") or {}).get("trend") or [], key=lambda p: int(p["year"]))
    title = f"{_chart_area_name(metrics)}监测对象变化（各年底风险未消除）"
    if not points:
        return _empty(fig, ax, title, "无监测对象")
    positions = list(range(len(points)))
    households, people, _ = _paired_bars(ax, points)
    ax.set_xticks(positions, [f"{int(p['year'])}年" for p in points])
    ax.set_xlim(-0.5, len(points) - 0.5)
    ax.set_ylim(0, max(people + households + [1]) * 1.15)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: formats.fmt_int(value)))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel("户数 / 人数")
    title = _set_title(ax, title)
    ax.legend(loc="best")
    _place(fig, left=_left(ax), bottom=_bottom(ax), top=_title_height(title))
    return fig


# ---------------------------------------------------------------- incidence trend


def _split_trend(points: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Points sorted by year, split into actual and projected."""
    ordered = sorted(points, key=lambda p: int(p["year"]))
    return [p for p in ordered if not p.get("projected")], [p for p in ordered if p.get("projected")]


def _draw_trend(ax: Axes, points: Sequence[Mapping[str, Any]], colour: str, label: str | None,
                below: Callable[[int, float], bool] | None = None) -> None:
    """Actual years as a solid line; the projection dashed, with a hollow marker.

    With `below` given, every point is labelled with its rate: above the
    point, or under it where ``below(year, rate)`` is true; the projected
    point's label ("预测 …") sits to its right.
    """
    actual, projected = _split_trend(points)
    ax.plot([int(p["year"]) for p in actual], [_rate(p) for p in actual], color=colour,
            marker="o", markersize=5, label=label)
    if projected:
        bridge = actual[-1:] + projected
        ax.plot([int(p["year"]) for p in bridge], [_rate(p) for p in bridge], color=colour,
                linestyle="--", marker="o", markersize=6, markerfacecolor="white",
                markevery=list(range(len(bridge) - len(projected), len(bridge))))
    if below is None:
        return
    for point in actual:
        year, rate = int(point["year"]), _rate(point)
        if math.isnan(rate):
            continue
        ax.annotate(formats.fmt_pct(rate), (year, rate), textcoords="offset points", xytext=(0, -14 if below(year, rate) else 7),
                    ha="center", fontsize=10, color=colour)
    for point in (p for p in projected if not math.isnan(_rate(p))):
        ax.annotate(f"预测 {formats.fmt_pct(point['incidence'])}", (int(point["year"]), _rate(point)),
                    textcoords="offset points", xytext=(8, 0), ha="left", va="center", fontsize=10, color=colour)


def _year_axis(ax: Axes, years: Sequence[int], projected: set[int], compact: bool = False) -> None:
    """Integer year ticks; the projected year is marked 预测 on its tick."""
    ticks = sorted(set(years))
    if compact:  # a small panel: the first year in full, then two digits (2014 15 16 … 19 预测)
        labels = [(f"{y}" if i == 0 else f"{y % 100:02d}") + ("\n预测" if y in projected else "")
                  for i, y in enumerate(ticks)]
    else:
        labels = [f"{y}\n预测" if y in projected else f"{y}" for y in ticks]
    ax.set_xticks(ticks, labels, fontsize=10 if compact else None)
    # room before the first year for its value's label, and after the projected one for its own
    ax.set_xlim(ticks[0] - (0.4 if compact else 0.55), ticks[-1] + (0.4 if compact or not projected else 0.9))
    ax.grid(axis="x", visible=False)


@_styled
def incidence_trend_chart(metrics: Metrics, national: pd.DataFrame | None = None) -> Figure:
    """Poverty incidence of the area by year-end, with the projected year T.

    Incidence(y) = remaining people at the end of y / population, from
    ``metrics["incidence_trend"]``; the point marked ``projected`` is drawn
    dashed with a hollow marker. `national` (see
    :func:`fupin.report.national.national_series`, column ``incidence`` as a
    fraction) adds the national rural incidence over the same years in grey, up to the area's last
    actual year (a report as at the end of Y shows no national figure of T).
    """
    fig = _figure(CHART_WIDTH, 3.6)
    ax = fig.subplots()
    points = list(metrics.get("incidence_trend") or [])
    title = f"{_chart_area_name(metrics)}贫困发生率变化"
    if not points:
        return _empty(fig, ax, title, "无贫困发生率数据")
    years = [int(p["year"]) for p in points]
    top = _top(_rate(p) for p in points)
    reference: dict[int, float] = {}
    if national is not None and not national.empty:
        # the years the area has actual figures for: a report as at the end of Y shows no later national figure
        known = [int(p["year"]) for p in points if not p.get("projected")] or years
        shown = national[(national["year"] >= min(years)) & (national["year"] <= max(known))]
        reference = dict(zip(shown["year"].astype(int), shown["incidence"].astype(float)))
        if not shown.empty:
            ax.plot(shown["year"].astype(int), shown["incidence"].astype(float), color=COLOURS["national"],
                    linewidth=1.5, marker="s", markersize=3.5, label="全国农村贫困发生率")
            top = _top([top, *shown["incidence"].astype(float)])
    _draw_trend(ax, points, COLOURS["area"], f"{_chart_area_name(metrics)}贫困发生率",
                below=lambda year, rate: rate < reference.get(year, -1.0))
    _year_axis(ax, years, {int(p["year"]) for p in points if p.get("projected")})
    ax.set_ylim(0, top * 1.2)
    _pct_axis(ax)
    ax.set_ylabel("贫困发生率")
    title = _set_title(ax, title + ("（虚线为预测）" if any(p.get("projected") for p in points) else ""))
    ax.legend(loc="upper right")
    _place(fig, left=_left(ax), bottom=_bottom(ax), top=_title_height(title))
    ahead = [p for p in points if p.get("projected")]  # their label ("预测 1.25%") is 8 points right of them
    if ahead:
        room = _room_right(ax, [int(p["year"]) for p in ahead], [f"预测 {formats.fmt_pct(p['incidence'])}" for p in ahead],
                           8 / 72)
        ax.set_xlim(ax.get_xlim()[0], max(room, max(years) + 0.4))
    return fig


def _village_note(village: Mapping[str, Any], points: Sequence[Mapping[str, Any]], threshold: float | None) -> str:
    """Corner text of a village panel: last actual rate -> projected rate, and its blockers."""
    actual, projected = _split_trend(points)
    rates = [formats.fmt_pct(actual[-1]["incidence"])] if actual else []
    rates += [f"预测{formats.fmt_pct(p['incidence'])}" for p in projected]
    lines = [" → ".join(rates)]
    lines += [style.blocker_label(code, threshold) for code in village.get("blockers") or []]
    return "\n".join(lines)


@_styled
def village_trend_chart(metrics: Metrics) -> Figure:
    """Incidence by year of each poor village, one small panel per village.

    Village incidence = its remaining people / its population, from
    ``metrics["incidence_trend_by_village"]``; the projection is dashed and
    the village exit threshold V is a dotted red line. Panel titles carry the
    village's status in T.
    """
    table = {v["village_id"]: v for v in metrics.get("villages_table") or []}
    names = village_names(metrics)
    rows = list(metrics.get("incidence_trend_by_village") or [])
    poor = [vid for vid, v in table.items() if v.get("is_poor_village")]
    series = {vid: [r for r in rows if r["village_id"] == vid] for vid in poor}
    series = {vid: points for vid, points in series.items() if points}
    threshold = (metrics.get("parameters") or {}).get("village_threshold")
    title = f"贫困村贫困发生率变化（虚线为{metrics.get('target_year', '')}年预测）"
    if not series:
        fig = _figure(CHART_WIDTH, 2.2)
        return _empty(fig, fig.subplots(), title, "无贫困村")
    ncols = min(2, len(series))
    nrows = -(-len(series) // ncols)
    # a panel's title is the village and its status, on two lines where one is wider than the panel
    titles = {vid: (chart_text(names.get(str(vid), table[vid]["village_name"])),
                    style.status_label(table[vid].get("status", ""))) for vid in series}
    panel_width = (CHART_WIDTH - 0.9 - 0.3 * (ncols - 1)) / ncols  # less the y ticks, the gap between panels
    broken = any(_text_width([f"{name}（{status}）"], 10.5) > panel_width for name, status in titles.values())
    fig = _figure(CHART_WIDTH, (2.3 if broken else 2.1) * nrows + 0.8)
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    top = _top(_rate(r) for points in series.values() for r in points)
    years = sorted({int(r["year"]) for points in series.values() for r in points})
    projected = {int(r["year"]) for points in series.values() for r in points if r.get("projected")}
    status_colour = {"exited": COLOURS["national"], "exiting": COLOURS["exit"], "blocked": COLOURS["remaining"]}
    notes = 1  # lines of the tallest corner note
    for ax, (vid, points) in zip(axes, series.items()):
        village = table[vid]
        colour = status_colour.get(village.get("status", ""), COLOURS["area"])
        _draw_trend(ax, points, colour, None)
        if threshold is not None:
            ax.axhline(float(threshold), color=COLOURS["threshold"], linestyle=":", linewidth=1.2)
        _year_axis(ax, years, projected, compact=True)
        note = _village_note(village, points, threshold)
        notes = max(notes, note.count("\n") + 1)
        ax.text(0.98, 0.97, note, transform=ax.transAxes,
                ha="right", va="top", fontsize=10, color=colour, linespacing=1.5,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
        name, status = titles[vid]
        ax.set_title(f"{name}\n{status}" if broken else f"{name}（{status}）", fontsize=10.5, color=colour)
    for ax in axes[len(series):]:
        ax.set_axis_off()
    axes[0].yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))  # whole steps (2%, not 2.5%) in a small panel
    _pct_axis(axes[0])
    handles = [Line2D([], [], color=COLOURS["text"], marker="o", markersize=4, label="实际"),
               Line2D([], [], color=COLOURS["text"], marker="o", markersize=5, markerfacecolor="white",
                      linestyle="--", label="预测")]
    if threshold is not None:
        handles.append(Line2D([], [], color=COLOURS["threshold"], linestyle=":",
                              label=f"出列标准{formats.fmt_pct_short(threshold)}"))
    fig.legend(handles=handles, ncols=len(handles), **_below(fig))
    title = _wrapped(title, CHART_WIDTH * 0.98 - _EDGE_PT / 72)
    fig.suptitle(title, x=0.02, ha="left", fontsize=_TITLE_PT)
    panel_title = _title_height("\n" if broken else "", 10.5)  # each panel's: the village and its status
    ticks = _bottom(axes[0], 10)
    legend = _lines(1, mpl.rcParams["legend.fontsize"]) + 0.1
    def place() -> None:
        _place(fig, left=_left(axes[0]), bottom=ticks + legend, top=_title_height(title) + panel_title,
               hspace=ticks + panel_title, wspace=0.3)

    place()
    # the corner notes sit above every line: the rates take the axes' height below the tallest note
    # (its lines at 1.5 spacing, and the box's pad), or 80 % of it; then the y ticks may be wider
    panel_height = axes[0].get_position().height * fig.get_size_inches()[1]
    note = _lines(notes * 1.2, 10) + 0.1
    axes[0].set_ylim(0, top / min(0.8, max(1 - note / panel_height, 0.3)))
    place()
    return fig


# ---------------------------------------------------------------- exits by village


@_styled
def exits_by_village_chart(metrics: Metrics) -> Figure:
    """Remaining poor people at the end of Y per village, split into the
    projected exits in T and those projected to remain (people).

    Villages without remaining poor people are left out; the largest is on top.
    """
    rows = [v for v in metrics.get("villages_table") or [] if _village_count(v, "remaining", "people") > 0]
    rows.sort(key=lambda v: (_village_count(v, "remaining", "people"), str(v["village_name"])))
    target = metrics.get("target_year", "")
    title = f"各村{metrics.get('year', '')}年底未脱贫人口及{target}年拟脱贫人口（人）"
    fig = _figure(CHART_WIDTH, 1.3 + 0.28 * max(len(rows), 3))
    ax = fig.subplots()
    if not rows:
        return _empty(fig, ax, title, "无未脱贫人口")
    known = village_names(metrics)
    names = [chart_text(known.get(str(v["village_id"]), v["village_name"])) + ("（贫困村）" if v.get("is_poor_village") else "")
             for v in rows]
    exits = [_village_count(v, "projected_exits", "people") for v in rows]
    remain = [_village_count(v, "remaining", "people") - e for v, e in zip(rows, exits)]
    positions = list(range(len(rows)))  # not the names: two villages may share one
    left = ax.barh(positions, exits, color=COLOURS["exit"], label=f"{target}年拟脱贫", height=0.65)
    right = ax.barh(positions, remain, left=exits, color=COLOURS["remaining"], label="预计仍未脱贫", height=0.65)
    widest = max(e + r for e, r in zip(exits, remain))
    for bars, values in ((left, exits), (right, remain)):
        ax.bar_label(bars, labels=[formats.fmt_int(v) if v >= widest * 0.06 else "" for v in values],
                     label_type="center", color="white", fontsize=10)
    for index, (e, r) in enumerate(zip(exits, remain)):
        ax.text(e + r + widest * 0.01, index, formats.fmt_people(e + r), va="center", fontsize=10,
                color=COLOURS["text"])
    ax.set_yticks(positions, names)
    ax.set_xlim(0, widest * 1.12)
    # a row per village and at least three, as the figure's height counts them: one or two villages
    # leave empty rows above their bars, where the legend goes (it never covers a bar)
    ax.set_ylim(-0.5, max(len(rows), 3) - 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))  # each bar is labelled: a few ticks suffice
    ax.grid(axis="y", visible=False)
    title = _set_title(ax, title)
    # one or two villages: the legend on one line, in the empty row above their bars
    ax.legend(loc="lower right" if len(rows) >= 3 else "upper right", ncols=1 if len(rows) >= 3 else 2)
    _place(fig, left=_left(ax), bottom=_bottom(ax), top=_title_height(title))
    return fig


# ---------------------------------------------------------------- depth and sensitivity


@_styled
def gap_decomposition_chart(metrics: Metrics) -> Figure:
    """Each village's part of the area's poverty-gap index FGT1 (the income gap).

    Bars are ``depth.villages[*].gap_share``: the village's income gap
    Σ (z − y)·size over the area's, which is also its share of FGT1
    (contribution Σ size·(z − y)/z / N). Labelled with the share and the gap
    in 万元; poor villages in red. Villages without a gap are left out; the
    largest is on top.
    """
    depth = metrics.get("depth") or {}
    rows = [v for v in depth.get("villages") or [] if (v.get("income_gap") or 0) > 0]
    rows.sort(key=lambda v: (float(v["income_gap"]), str(v["village_name"])))
    poor = {v["village_id"] for v in metrics.get("villages_table") or [] if v.get("is_poor_village")}
    title = (f"各村对贫困缺口指数的贡献（{_chart_area_name(metrics)}贫困缺口指数为"
             f"{formats.fmt_index(depth.get('fgt1'))}，收入缺口{formats.fmt_wan(depth.get('income_gap'))}）")
    fig = _figure(CHART_WIDTH, 1.4 + 0.28 * max(len(rows), 3))
    ax = fig.subplots()
    if not rows:
        return _empty(fig, ax, title, "无收入低于贫困线的未脱贫人口")
    shares = [float(v["gap_share"]) for v in rows]
    positions = list(range(len(rows)))
    colours = [COLOURS["remaining"] if v["village_id"] in poor else COLOURS["households"] for v in rows]
    bars = ax.barh(positions, shares, color=colours, height=0.65)
    texts = [f"{formats.fmt_pct(v['gap_share'], 1)}（{formats.fmt_wan(v['income_gap'], 2)}）" for v in rows]
    ax.bar_label(bars, labels=texts, padding=3, fontsize=10)
    names = village_names(metrics)
    ax.set_yticks(positions, [chart_text(names.get(str(v.get("village_id")), v["village_name"])) for v in rows])
    ax.set_xlim(0, max(shares) * 1.35)
    _pct_axis(ax, "x")
    ax.set_xlabel("占全部收入缺口（即占贫困缺口指数）的比重")
    ax.grid(axis="y", visible=False)
    title = _set_title(ax, title, 11.5)
    handles = [Line2D([], [], color=COLOURS["remaining"], linewidth=6, label="贫困村"),
               Line2D([], [], color=COLOURS["households"], linewidth=6, label="非贫困村")]
    ax.legend(handles=handles, loc="lower right")
    _place(fig, left=_left(ax), bottom=_bottom(ax), top=_title_height(title, 11.5))
    upper = max(max(shares) * 1.1, _room_right(ax, shares, texts, 3 / 72))  # bar_label's padding: 3 points
    ax.set_xlim(0, upper)
    # no tick label at the very end: half of it would stand past the chart's width
    ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= upper * 0.94])
    return fig


def _curves(points: Sequence[Mapping[str, Any]]) -> dict[float, list[Mapping[str, Any]]]:
    """Sensitivity points grouped by growth rate, each sorted by line."""
    out: dict[float, list[Mapping[str, Any]]] = {}
    for point in points:
        out.setdefault(float(point["growth"]), []).append(point)
    return {g: sorted(ps, key=lambda p: float(p["line"])) for g, ps in sorted(out.items())}


@_styled
def sensitivity_chart(metrics: Metrics) -> Figure:
    """Projected incidence (top) and exits (people, bottom) in T against the poverty line.

    One curve per growth rate of ``metrics["sensitivity"]`` (the run's own
    growth drawn thicker); the line in use is a dashed vertical line with the
    ±10% window shaded, and the village thresholds (2%, 3%) are dotted
    horizontal lines on the incidence panel.
    """
    sens = metrics.get("sensitivity") or {}
    curves = _curves(sens.get("points") or [])
    target = metrics.get("target_year", "")
    title = f"{target}年预计贫困发生率与脱贫人数随贫困线的变化"
    if not curves:
        fig = _figure(CHART_WIDTH, 2.2)
        return _empty(fig, fig.subplots(), title, "无敏感性数据")
    fig = _figure(CHART_WIDTH, 5.4)
    top, bottom = fig.subplots(2, 1, sharex=True)
    line, growth = float(sens.get("poverty_line") or 0), float(sens.get("growth") or 0)
    near = sens.get("near_line") or {}
    colours = [style.PALETTE[i] for i in (0, 2, 4, 3, 5, 6)]  # no red: red marks the thresholds
    for colour, (g, points) in zip(colours, curves.items()):
        xs = [float(p["line"]) for p in points]
        width = 2.6 if g == growth else 1.4
        label = f"收入年增长{formats.fmt_pct_short(g)}" + ("（本报告）" if g == growth else "")
        top.plot(xs, [_rate(p) for p in points], color=colour, linewidth=width, label=label)
        bottom.plot(xs, [int(p["exits_people"]) for p in points], color=colour, linewidth=width)
    for ax in (top, bottom):
        if near:
            ax.axvspan(float(near["lower"]), float(near["upper"]), color=COLOURS["warn"], alpha=0.10, linewidth=0)
        ax.axvline(line, color=COLOURS["text"], linestyle="--", linewidth=1.2)
    for threshold, dash in zip(sens.get("village_thresholds") or [], (":", "-.", (0, (1, 3)))):
        top.axhline(float(threshold), color=COLOURS["threshold"], linestyle=dash, linewidth=1.1,
                    label=f"贫困村出列标准{formats.fmt_pct_short(threshold)}")
    current = next((p for p in curves.get(growth, []) if float(p["line"]) == line), None)
    if current is not None:
        top.plot([line], [_rate(current)], marker="o", color=COLOURS["text"], markersize=6)
        box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}
        top.annotate(f"贫困线{formats.fmt_yuan(line)}：{formats.fmt_pct(current['incidence'])}", (line, _rate(current)),
                     textcoords="offset points", xytext=(8, 8), fontsize=10, color=COLOURS["text"], bbox=box)
        bottom.annotate(f"拟脱贫{formats.fmt_people(current['exits_people'])}", (line, int(current["exits_people"])),
                        textcoords="offset points", xytext=(8, 6), fontsize=10, color=COLOURS["text"], bbox=box)
    top.set_ylim(0, _top([_rate(p) for ps in curves.values() for p in ps] + [0.03]) * 1.15)
    _pct_axis(top)
    top.set_ylabel(f"{target}年预计贫困发生率")
    legend = fig.legend(handles=top.get_legend_handles_labels()[0], ncols=2, fontsize=10, **_below(fig))
    bottom.set_ylim(0, max([int(p["exits_people"]) for ps in curves.values() for p in ps] + [1]) * 1.15)
    bottom.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: formats.fmt_int(value)))
    bottom.set_ylabel(f"{target}年拟脱贫人数")
    bottom.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))  # round lines (3,000, 3,500, ...)
    bottom.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: formats.fmt_int(value)))
    bottom.set_xlabel("贫困线（元/人·年；阴影为贫困线上下10%）")
    title = _set_title(top, title, left=max(_left(top), _left(bottom)))
    legend_rows = -(-len(legend.get_texts()) // 2)
    _place(fig, left=max(_left(top), _left(bottom)), bottom=_bottom(bottom) + _lines(legend_rows, 10) + 0.15,
           top=_title_height(title), hspace=0.2)
    return fig


# ---------------------------------------------------------------- county page


#: The county overview chart shows at most this many townships (those of highest incidence):
#: a leader reads 30 bars, not 1,000; the county table lists every township.
OVERVIEW_MAX_TOWNSHIPS = 30


@_styled
def county_overview_chart(summaries: Sequence[Metrics]) -> Figure:
    """Incidence at the end of Y and projected incidence in T per township.

    Each summary is a township metrics dict (``township_name``,
    ``incidence``, ``projection.incidence``); townships are sorted by
    incidence, highest on top. Missing rates are left out of the bars.
    Of more than :data:`OVERVIEW_MAX_TOWNSHIPS` townships, the chart shows
    those of highest incidence and says so in its title.
    """
    rows = sorted(summaries, key=lambda s: (_zero(s.get("incidence")), str(s.get("township_id") or "")))
    year = next((s.get("year") for s in summaries if s.get("year")), "")
    target = next((s.get("target_year") for s in summaries if s.get("target_year")), "")
    title = f"各乡镇贫困发生率：{year}年底与{target}年预计"
    if len(rows) > OVERVIEW_MAX_TOWNSHIPS:
        rows = rows[-OVERVIEW_MAX_TOWNSHIPS:]
        title += f"\n（共{len(summaries):,}个乡镇，图中为贫困发生率最高的{OVERVIEW_MAX_TOWNSHIPS}个）"
    fig = _figure(CHART_WIDTH, 1.3 + 0.42 * max(len(rows), 2))
    ax = fig.subplots()
    if not rows:
        return _empty(fig, ax, title, "无乡镇数据")
    names = [chart_text(s.get("township_name") or s.get("township_id")) for s in rows]
    now = [s.get("incidence") for s in rows]
    later = [(s.get("projection") or {}).get("incidence") for s in rows]
    height = 0.38
    positions = list(range(len(rows)))
    series = ((now, height / 2, COLOURS["remaining"], f"{year}年底"),
              (later, -height / 2, COLOURS["exit"], f"{target}年预计"))
    for values, shift, colour, label in series:
        bars = ax.barh([p + shift for p in positions], [_zero(v) for v in values], height,
                       color=colour, label=label)
        ax.bar_label(bars, labels=[formats.fmt_pct(v) for v in values], padding=3, fontsize=10)
    widest = _top((_zero(v) for v in now + later), floor=0.001)
    ax.set_xlim(0, widest * 1.2)
    ax.set_yticks(positions, names)
    _pct_axis(ax, "x")
    ax.grid(axis="y", visible=False)
    title = _set_title(ax, title)
    ax.legend(loc="lower right")
    _place(fig, left=_left(ax), bottom=_bottom(ax), top=_title_height(title))
    return fig


# ---------------------------------------------------------------- the audit's backtest


@_styled
def backtest_chart(metrics: Metrics) -> Figure:
    """The backtest of the projection (``metrics["audit"]["backtest"]``): per year, the households
    projected to exit, those that exited, and those both projected and exited (预计与实际一致).

    A small chart: three bars a year, each labelled with its count. Without a backtest (the
    first registered year) it says so.
    """
    rows = list((metrics.get("audit") or {}).get("backtest") or [])
    title = "预测回溯：各年拟脱贫与实际脱贫（户）"
    fig = _figure(CHART_WIDTH, 2.9)
    ax = fig.subplots()
    if not rows:
        return _empty(fig, ax, title, "尚无可回溯的年度")
    years = [int(r["year"]) for r in rows]
    series = (("projected", "拟脱贫", COLOURS["households"]), ("exited", "实际脱贫", COLOURS["people"]),
              ("both", "预计与实际一致", COLOURS["exit"]))
    width = 0.27
    top = 0
    for k, (key, label, colour) in enumerate(series):
        values = [_count(r.get(key), "households") for r in rows]
        top = max([top, *values])
        bars = ax.bar([y + (k - 1) * width for y in years], values, width, label=label, color=colour)
        if len(rows) <= 6:  # a label per bar while they fit
            ax.bar_label(bars, labels=[formats.fmt_int(v) for v in values], padding=2, fontsize=10)
    ax.set_xticks(years, [f"{y}年" for y in years])
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.set_ylim(0, max(top, 1) * 1.35)  # room for the legend above the bars
    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: formats.fmt_int(value)))
    ax.grid(axis="x", visible=False)
    title = _set_title(ax, title)
    ax.legend(loc="upper left", ncols=3, fontsize=10, frameon=False)
    _place(fig, left=_left(ax), bottom=_bottom(ax), top=_title_height(title))
    return fig
