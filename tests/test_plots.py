"""fupin.report.charts: every chart draws its Chinese text with Noto Sans SC, leaves no
global state behind, and shows the figures of the metrics dict.

The metrics dicts are the library's own (conftest.py ``report_metrics`` and
``county_summaries``), on the seed's township and three small townships.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest
import seaborn as sns
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

import metrics_fixtures as fx
from fupin.core.county import County
from fupin.figures.analysis import analyse
from fupin.report import charts, style
from fupin.report.national import national_series

#: Each chart, built from (the seed township's metrics, the four townships' metrics).
BUILDERS: dict[str, Callable[[dict, list], Figure]] = {
    "income_bands": lambda m, s: charts.income_band_chart(m),
    "incidence_trend": lambda m, s: charts.incidence_trend_chart(m, national_series()),
    "village_trend": lambda m, s: charts.village_trend_chart(m),
    "exits_by_village": lambda m, s: charts.exits_by_village_chart(m),
    "backtest": lambda m, s: charts.backtest_chart(m),
    "county_overview": lambda m, s: charts.county_overview_chart(s),
}
CHARTS = sorted(BUILDERS)


@pytest.fixture
def build(report_metrics, county_summaries) -> Callable[[str], Figure]:
    """``build(name)``: the chart ``name`` of the library's metrics."""
    return lambda name: BUILDERS[name](report_metrics(), county_summaries)


@pytest.fixture(autouse=True)
def _restore_rcparams() -> Iterator[None]:
    with mpl.rc_context():
        yield


def _render(fig: Figure) -> bytes:
    """Draw and save as PNG with every warning (such as 'Glyph … missing') an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


def _all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in _texts(fig))


def _assert_noto(fig: Figure) -> None:
    """Every visible text of the figure resolves to the bundled Noto Sans SC file."""
    path = style.font_path()
    for text in _texts(fig):
        assert font_manager.findfont(text.get_fontproperties()) == path, text.get_text()


@pytest.mark.parametrize("name", CHARTS)
def test_chart_renders_chinese_without_missing_glyphs(build, name: str, tmp_path: Path) -> None:
    fig = build(name)
    assert isinstance(fig, Figure)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in _all_text(fig))
    data = _render(fig)
    _assert_noto(fig)
    (tmp_path / f"{name}.png").write_bytes(data)  # kept by pytest for a look after a failure


@pytest.mark.parametrize("name", CHARTS)
def test_font_survives_seaborn_set_theme(build, name: str) -> None:
    built_before = build(name)
    sns.set_theme()  # resets font.sans-serif to Arial/DejaVu Sans
    assert "Noto Sans SC" not in mpl.rcParams["font.sans-serif"]
    built_after = build(name)
    for fig in (built_before, built_after):
        _render(fig)
        _assert_noto(fig)


def test_charts_leave_no_global_state(build) -> None:
    before = dict(mpl.rcParams)
    figures_before = plt.get_fignums()
    for name in CHARTS:
        fig = build(name)
        plt.close(fig)  # close-safe, although pyplot never saw it
    assert dict(mpl.rcParams) == before
    assert plt.get_fignums() == figures_before


def _tick_labels(fig: Figure, axis: str = "x", index: int = 0) -> list[str]:
    ax = fig.axes[index]
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def test_income_band_chart_content(report_metrics) -> None:
    fig = charts.income_band_chart(report_metrics())
    # a label wider than its band breaks onto two lines (charts._band_labels)
    assert _tick_labels(fig) == ["3,500元\n以下", "3,500元—\n4,000元", "4,000元\n以上"]
    text = _all_text(fig)
    for label in ("163户", "358人", "252户", "566人", "405户", "948人", "贫困线3,500元", "2019年"):
        assert label in text


def test_incidence_trend_chart_content(report_metrics) -> None:
    fig = charts.incidence_trend_chart(report_metrics(), national_series())
    ax = fig.axes[0]
    text = _all_text(fig)
    assert "预测 1.25%" in text and "3.23%" in text
    assert "全国农村贫困发生率" in text and "城关镇贫困发生率" in text
    assert _tick_labels(fig)[0] == "2014" and _tick_labels(fig)[-1] == "2019\n预测"
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert list(dashed[0].get_xdata()) == [2018, 2019]
    assert dashed[0].get_markerfacecolor() == "white"
    national = [line for line in ax.get_lines() if line.get_label() == "全国农村贫困发生率"][0]
    # clipped to the township's actual years: a report as at the end of 2018 shows no national figure of 2019
    assert list(national.get_xdata()) == list(range(2014, 2019))
    assert "%" in _tick_labels(fig, "y")[1]


def test_incidence_trend_chart_without_national_series(report_metrics) -> None:
    fig = charts.incidence_trend_chart(report_metrics())
    assert "全国" not in _all_text(fig)
    _render(fig)


def test_village_trend_chart_content(report_metrics) -> None:
    fig = charts.village_trend_chart(report_metrics())
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.axison]
    # "马家岭村（暂不具备出列条件）" is wider than a panel: every title puts the status on a line of its own
    assert titles == [
        "李家沟村\n已出列", "王家坪村\n拟出列", "马家岭村\n暂不具备出列条件",
        "高家洼村\n暂不具备出列条件", "刘家峁村\n暂不具备出列条件",
    ]
    assert [t.get_text() for t in fig.axes[0].xaxis.get_ticklabels()] == ["2014", "15", "16", "17", "18", "19\n预测"]
    text = _all_text(fig)
    assert "村级活动场所未达标" in text and "贫困发生率未降到2%以下" in text
    # 36 remaining people of 1,000 in 刘家峁村 (V05), none of them projected to exit
    assert "出列标准2%" in text and "3.60% → 预测3.60%\n贫困发生率未降到2%以下" in text
    assert "0.90% → 预测0.90%" in text and "1.50% → 预测1.50%\n村级活动场所未达标" in text


def test_exits_by_village_chart_content(report_metrics) -> None:
    m = report_metrics()
    fig = charts.exits_by_village_chart(m)
    names = _tick_labels(fig, "y")
    assert len(names) == 19  # 李家沟村 has nobody left
    # fewest remaining people at the bottom: the poor villages' 9, 15, 18, 36
    assert names[:4] == ["王家坪村（贫困村）", "马家岭村（贫困村）", "高家洼村（贫困村）", "刘家峁村（贫困村）"]
    text = _all_text(fig)
    assert all(f"{n}人" in text for n in (9, 15, 18, 36))
    top = max(m["villages_table"], key=lambda v: (v["remaining_people"], v["village_name"]))
    assert names[-1] == top["village_name"] and f"{top['remaining_people']}人" in text


def test_county_overview_chart_content(county_summaries) -> None:
    fig = charts.county_overview_chart(county_summaries)
    assert _tick_labels(fig, "y") == ["白云乡", "城关镇", "河口乡", "石桥镇"]
    text = _all_text(fig)
    assert "3.23%" in text and "1.25%" in text and "2018年底" in text
    for rate in ("3.30%", "4.00%", "2.00%", "1.60%", "0.00%"):  # metrics_fixtures.OTHER_TOWNSHIPS
        assert rate in text


def test_county_overview_chart_of_many_townships_shows_those_of_highest_incidence(county_summaries) -> None:
    base = county_summaries[0]
    many = [{**base, "township_id": f"T{i:04d}", "township_name": f"乡{i:04d}", "incidence": i / 10000}
            for i in range(1000)]
    fig = charts.county_overview_chart(many)
    names = _tick_labels(fig, "y")
    assert len(names) == charts.OVERVIEW_MAX_TOWNSHIPS == 30
    assert names == [f"乡{i:04d}" for i in range(970, 1000)]  # highest on top
    assert "共1,000个乡镇，图中为贫困发生率最高的30个" in _all_text(fig).replace("\n", "")
    assert fig.get_size_inches()[1] < 20
    few = charts.county_overview_chart(many[:30])
    assert len(_tick_labels(few, "y")) == 30 and "图中为" not in _all_text(few)


@pytest.fixture(scope="module")
def edge_cases() -> dict[str, dict[str, Any]]:
    """The library's metrics of changed counties: no poor village, incomes unknown,
    villages of population 0 (rates None), and an area without villages."""
    def no_poor(c: County) -> County:
        return replace(c, villages=c.villages.assign(
            is_poor_village=False, village_exit_year=pd.array([None] * len(c.villages), dtype="Int64")))

    def unknown(c: County) -> County:  # 10 exited households (23 people) without income
        ids = ["H0000", "H0001", "H0002", *(f"H{i:04d}" for i in range(138, 145))]
        return replace(c, incomes=c.incomes[~c.incomes["household_id"].isin(ids)])

    def zero_population(c: County) -> County:
        return replace(c, villages=c.villages.assign(population=0))

    def empty(c: County) -> County:
        return replace(c, households=c.households.iloc[:0], incomes=c.incomes.iloc[:0],
                       villages=c.villages.iloc[:0])
    edits = {"no_poor": no_poor, "unknown": unknown, "nan_rates": zero_population, "empty": empty}
    return {name: analyse(edit(fx.report_county()), year=2018).metrics for name, edit in edits.items()}


@pytest.mark.parametrize("case", ["no_poor", "unknown", "nan_rates", "empty"])
def test_charts_draw_on_edge_cases(edge_cases, case: str) -> None:
    metrics = edge_cases[case]
    figures = [
        charts.income_band_chart(metrics),
        charts.incidence_trend_chart(metrics, national_series()),
        charts.village_trend_chart(metrics),
        charts.exits_by_village_chart(metrics),
        charts.backtest_chart(metrics),
        charts.county_overview_chart([metrics, {**metrics, "incidence": None, "township_name": "空乡"}]),
    ]
    for fig in figures:
        _render(fig)
        _assert_noto(fig)


def test_unknown_band_and_empty_charts_say_so(edge_cases) -> None:
    metrics = edge_cases["unknown"]
    assert _tick_labels(charts.income_band_chart(metrics))[-1] == "收入不明"
    empty = edge_cases["empty"]
    assert empty["villages_table"] == [] and empty["incidence_trend_by_village"] == []
    assert "无贫困村" in _all_text(charts.village_trend_chart(empty))
    assert "无未脱贫人口" in _all_text(charts.exits_by_village_chart(empty))
    assert "无乡镇数据" in _all_text(charts.county_overview_chart([]))


def test_national_series_reads_the_reference_file() -> None:
    frame = national_series()
    assert frame["year"].is_monotonic_increasing
    row = frame.set_index("year").loc[2018]
    assert row["incidence_pct"] == pytest.approx(1.7)
    assert row["incidence"] == pytest.approx(0.017)


def _ink(png: bytes) -> tuple[int, int, int, int]:
    """The box of a PNG's pixels that are not white: (left, top, right, bottom), right and bottom excluded."""
    import numpy as np
    from PIL import Image

    ink = (np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) != 255).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _tight(fig: Figure, dpi: float | None = None) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=dpi)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["exits_by_village", "income_bands", "village_trend", "gap_decomposition"])
def test_figure_png_keeps_all_a_tight_savefig_draws_with_the_padding_around_it(report_metrics, county_summaries,
                                                                                 name: str) -> None:
    """figure_png keeps everything a ``bbox_inches="tight"`` savefig draws, a title or legend wider
    than the chart included (nothing cropped), and savefig.pad_inches (0.1 in) of white around it."""
    from PIL import Image

    from fupin.report.show import figure_png

    def build() -> Figure:
        return ALL_BUILDERS[name](report_metrics(), county_summaries)

    fig = build()
    ours, tight = figure_png(fig), _tight(build())
    left, top, right, bottom = _ink(ours)
    t_left, t_top, t_right, t_bottom = _ink(tight)
    # the same drawing, placed at another sub-pixel offset: its antialiased edge may take a pixel more or less
    assert abs((right - left) - (t_right - t_left)) <= 1 and abs((bottom - top) - (t_bottom - t_top)) <= 1
    width, height = Image.open(io.BytesIO(ours)).size
    pad = round(0.1 * fig.dpi)
    assert (left, top, width - right, height - bottom) == (pad, pad, pad, pad)


def test_figure_png_measures_a_chart_once_and_renders_it_once(build, monkeypatch) -> None:
    """Nothing is drawn at build; a chart has fixed positions (no layout engine), and figure_png
    draws it once (the rendering), not twice as savefig(bbox_inches="tight") does; figure_pngs at
    two resolutions draws it once per resolution."""
    from fupin.report.show import figure_png, figure_pngs

    calls: list[str] = []
    draw = charts.Chart.draw

    def counted(self, renderer):
        calls.append("draw")
        return draw(self, renderer)

    monkeypatch.setattr(charts.Chart, "draw", counted)
    fig = build("exits_by_village")
    assert calls == [] and fig.get_layout_engine() is None
    figure_png(fig)
    assert calls == ["draw"]
    calls.clear()
    figure_pngs(fig, [None, 300])
    assert calls == ["draw", "draw"]


@pytest.mark.parametrize("name", ["exits_by_village", "income_bands", "incidence_trend"])
def test_figure_pngs_first_is_figure_png_and_the_second_keeps_the_whole_chart(build, name: str) -> None:
    """The first PNG is the chart figure_png makes at that resolution, pixel for pixel; the
    300 dpi one, cut to the box found at 120 dpi, keeps everything the tight 300 dpi chart draws,
    nothing cropped (the box's padding is wider than any sub-pixel difference)."""
    from PIL import Image

    from fupin.report.show import figure_png, figure_pngs

    shown, printed = figure_pngs(build(name), [None, 300])
    alone = figure_png(build(name))
    assert Image.open(io.BytesIO(shown)).tobytes() == Image.open(io.BytesIO(alone)).tobytes()
    image = Image.open(io.BytesIO(printed))
    assert [round(d) for d in image.info["dpi"]] == [300, 300]
    left, top, right, bottom = _ink(printed)
    t_left, t_top, t_right, t_bottom = _ink(_tight(build(name), 300))
    assert abs((right - left) - (t_right - t_left)) <= 2 and abs((bottom - top) - (t_bottom - t_top)) <= 2
    width, height = image.size
    assert min(left, top, width - right, height - bottom) >= 0.1 * 300 - 4, (left, top, width - right, height - bottom)


def _decoded(png: bytes) -> Any:
    """A PNG's pixels as an int array (rows x columns x RGBA)."""
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


@pytest.mark.parametrize("name", ["exits_by_village", "income_bands", "incidence_trend", "village_trend"])
def test_chart_png_is_a_palette_of_its_own_colours_within_a_few_levels(build, monkeypatch, name: str) -> None:
    """A chart's PNG is an 8-bit palette image (show.png_bytes) of the pixels matplotlib
    rendered: the most frequent colours (background, bars, lines, text) exact, every other
    pixel (antialiased edges) at most a few levels off, the same size and dpi."""
    import numpy as np
    from PIL import Image

    from fupin.report import show

    rendered: list[Any] = []
    encode = show.png_bytes
    monkeypatch.setattr(show, "png_bytes", lambda rgba, dpi: rendered.append(np.array(rgba)) or encode(rgba, dpi))
    for dpi, png in zip((120, 300), show.figure_pngs(build(name), [None, 300])):
        rgba, image = rendered.pop(0), Image.open(io.BytesIO(png))
        assert image.mode == "P" and image.size == rgba.shape[1::-1] and [round(d) for d in image.info["dpi"]] == [dpi, dpi]
        assert (rgba[..., 3] == 255).all()  # opaque: nothing is lost without the alpha channel
        diff = np.abs(_decoded(png) - rgba).max(axis=2)
        rgb = rgba[..., 0] | rgba[..., 1].astype(int) << 8 | rgba[..., 2].astype(int) << 16
        colours, counts = np.unique(rgb, return_counts=True)
        assert len(colours) > show.PNG_PALETTE_COLOURS  # a real chart: the palette is chosen, not all colours
        # colours more frequent than the (PNG_EXACT_COLOURS + 1)-th are among the exact ones, whatever the ties
        frequent = colours[counts > np.sort(counts)[::-1][show.PNG_EXACT_COLOURS]]
        assert (diff[np.isin(rgb, frequent)] == 0).all(), (name, dpi)
        assert diff.max() <= 24 and diff.mean() < 0.2, (name, dpi, diff.max(), diff.mean())


def test_chart_png_is_the_same_bytes_every_time(build) -> None:
    from fupin.report.show import figure_pngs

    assert figure_pngs(build("village_trend"), [None, 300]) == figure_pngs(build("village_trend"), [None, 300])


def test_png_of_few_colours_keeps_every_pixel() -> None:
    """No more colours than the palette holds: the palette PNG has exactly the image's pixels."""
    import numpy as np
    from PIL import Image

    from fupin.report.show import PNG_PALETTE_COLOURS, png_bytes

    rng = np.random.default_rng(7)
    colours = rng.integers(0, 256, (PNG_PALETTE_COLOURS, 3))
    rgba = np.full((40, 50, 4), 255, np.uint8)
    rgba[..., :3] = colours[rng.integers(0, PNG_PALETTE_COLOURS, (40, 50))]
    png = png_bytes(rgba, 300)
    assert Image.open(io.BytesIO(png)).mode == "P" and (_decoded(png) == rgba).all()
    assert png == png_bytes(rgba.copy(), 300)


def test_png_palette_keeps_a_rare_colour_far_from_the_frequent_ones() -> None:
    """More colours than the palette: the most frequent are kept, and a colour seen on a few
    pixels only (a small marker) but far from all of them gets its own entry, not the nearest
    frequent one; near-duplicates of frequent colours are merged into them."""
    import numpy as np

    from fupin.report.show import PNG_PALETTE_COLOURS, png_bytes

    greys = [(v, v, v) for v in range(256)] + [(v, v, v + 1) for v in range(0, 88, 2)]  # 300 colours
    pixels = np.repeat(greys, range(300, 0, -1), axis=0)  # the first grey on 300 pixels, the last on 1
    pixels = np.concatenate([pixels, [[200, 16, 46]] * 2])  # and 2 red pixels
    rgba = np.full((len(pixels), 1, 4), 255, np.uint8)
    rgba[:, 0, :3] = pixels
    decoded = _decoded(png_bytes(rgba, 120))
    assert len({tuple(p) for p in decoded[:, 0]}) == PNG_PALETTE_COLOURS
    assert (decoded[-2:, 0, :3] == [200, 16, 46]).all()
    assert (np.abs(decoded - rgba) <= 1).all()  # each grey left out has a neighbour 1 away


def test_png_of_a_transparent_or_many_coloured_image_is_lossless(monkeypatch) -> None:
    """Pixels that are not opaque, or more distinct colours than PNG_MAX_COLOURS (not a chart):
    a lossless RGBA PNG."""
    import numpy as np
    from PIL import Image

    from fupin.report import show

    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (30, 20, 4)).astype(np.uint8)
    rgba[..., 3] = 255
    rgba[0, 0, 3] = 128
    for image, limit in ((rgba, show.PNG_MAX_COLOURS), (rgba[1:], 100)):
        monkeypatch.setattr(show, "PNG_MAX_COLOURS", limit)
        png = show.png_bytes(image, 120)
        assert Image.open(io.BytesIO(png)).mode == "RGBA" and (_decoded(png) == image).all()


#: Every chart of the township report and the county page, built as build(name) builds the others.
ALL_BUILDERS: dict[str, Callable[[dict, list], Figure]] = {
    **BUILDERS,
    "gap_decomposition": lambda m, s: charts.gap_decomposition_chart(m),
    "sensitivity": lambda m, s: charts.sensitivity_chart(m),
}


def _decorations(fig: Figure) -> list[tuple[str, Any]]:
    """(text, pixel box) of each drawn tick label, axis label, title, suptitle and figure legend."""
    found: list[tuple[str, Any]] = []
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        titles = {ax.get_title(loc=loc) for loc in ("left", "center", "right")} - {""}
        texts = [t for t in ax.get_children() if isinstance(t, Text) and t.get_text() in titles]
        if ax.axison:
            for axis, ticks, limits in ((ax.xaxis, ax.get_xticks(), ax.get_xlim()), (ax.yaxis, ax.get_yticks(), ax.get_ylim())):
                low, high = sorted(limits)
                texts += [label for tick, label in zip(ticks, axis.get_ticklabels()) if low <= tick <= high]
                texts.append(axis.label)
        found += [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text()]
    if fig.get_suptitle():
        found += [(t.get_text(), t.get_window_extent(renderer)) for t in fig.texts if t.get_text() == fig.get_suptitle()]
    found += [("legend", legend.get_window_extent(renderer)) for legend in fig.legends]
    return found


@pytest.mark.parametrize("name", sorted(ALL_BUILDERS))
def test_chart_text_neither_overlaps_nor_leaves_the_chart(report_metrics, county_summaries, name: str) -> None:
    """A chart's tick labels, axis labels, titles and legend below never overlap one another, and
    lie inside the figure (a long title is broken into lines)."""
    fig = ALL_BUILDERS[name](report_metrics(), county_summaries)
    fig.canvas.draw()
    boxes = _decorations(fig)
    assert len(boxes) > 5
    width, height = fig.bbox.width, fig.bbox.height
    for text, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.y1 <= height and box.x1 <= width, (text, box, width, height)
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            overlap_w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            overlap_h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            assert overlap_w <= 1 or overlap_h <= 1, (a, b, box_a, box_b)


def test_figure_png_keeps_text_beyond_the_canvas_margin(report_metrics) -> None:
    """A chart's title running past the canvas drawn around it (show.CANVAS_MARGIN), or a text
    of another figure anywhere outside it, is kept whole: the box is then measured as a tight
    savefig measures it."""
    from PIL import Image

    from fupin.report import show

    chart = charts.income_band_chart(report_metrics())
    chart.axes[0].set_title("很长的标题" * 12)
    other = Figure(figsize=(3, 2), dpi=120)
    other.subplots().plot([1, 2])
    other.text(1 + (show.CANVAS_MARGIN + 0.5) / 3, 0.5, "a note far outside")
    for fig in (chart, other):
        ours = Image.open(io.BytesIO(show.figure_png(fig))).size
        tight = Image.open(io.BytesIO(_tight(fig))).size
        assert ours == tight and ours[0] > (fig.get_figwidth() + show.CANVAS_MARGIN) * fig.dpi


def test_charts_of_very_long_names_show_them_whole(report_metrics, county_summaries) -> None:
    """Village and township names of 40 characters: each chart still builds (its axes keep a part of
    the figure), and its PNG shows all that a tight savefig draws, the names running past the figure."""
    long = "很长的名字" * 8
    m = report_metrics()
    m["villages_table"] = [{**v, "village_name": long + v["village_name"]} for v in m["villages_table"]]
    m["depth"] = {**m["depth"], "villages": [{**v, "village_name": long + v["village_name"]}
                                              for v in m["depth"]["villages"]]}
    summaries = [{**s, "township_name": long + str(s.get("township_name"))} for s in county_summaries]
    from fupin.report.show import figure_png

    for name in ("exits_by_village", "gap_decomposition", "county_overview", "village_trend"):
        left, top, right, bottom = _ink(figure_png(ALL_BUILDERS[name](m, summaries)))
        t_left, t_top, t_right, t_bottom = _ink(_tight(ALL_BUILDERS[name](m, summaries)))
        assert abs((right - left) - (t_right - t_left)) <= 1 and abs((bottom - top) - (t_bottom - t_top)) <= 1, name


def _overlapping(texts: list[Text], renderer: Any) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


@pytest.mark.parametrize("bands", [[3000, 4000, 5000], [2500, 3000, 3500, 4000, 4500, 5000]])
def test_income_band_labels_never_overlap(report_metrics, bands) -> None:
    fig = charts.income_band_chart(report_metrics(bands=bands))
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    assert _overlapping(fig.axes[0].get_xticklabels(), renderer) == []
    assert _tick_labels(fig)[1].replace("\n", "") == f"{bands[0]:,}元—{bands[1]:,}元"


@pytest.mark.parametrize(("line", "between"), [(3700, (0.5, 1.5)), (4000, (1.5, 1.5)), (2000, (-0.5, 0.5)),
                                               (6000, (2.5, 3.5))])
def test_the_poverty_line_is_marked_wherever_it_falls(report_metrics, line, between) -> None:
    fig = charts.income_band_chart(report_metrics(poverty_line=line, bands=[3000, 4000, 5000]))
    [marker] = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == f"贫困线{line:,}元"]
    x = marker.get_xdata()[0]
    assert between[0] <= x <= between[1], x
    assert f"贫困线{line:,}元" in [t.get_text() for t in fig.legends[0].get_texts()]  # the legend below the chart


@pytest.mark.parametrize("villages", [1, 2])
def test_the_exits_legend_never_covers_a_bar_of_one_or_two_villages(report_metrics, villages) -> None:
    m = report_metrics()
    rows = [v for v in m["villages_table"] if v["remaining_people"] > 0][:villages]
    assert len(rows) == villages
    fig = charts.exits_by_village_chart({**m, "villages_table": rows})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = fig.axes[0].get_legend().get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in fig.axes[0].patches]
    assert bars and not [b for b in bars if b.width and legend.overlaps(b)]


#: The width in CSS pixels a 390-pixel phone gives a chart of the report: the page's, less its
#: 14-pixel padding on each side (templates/report.css; tests/test_browser.py measures it).
PHONE_CHART_PX = 390 - 2 * 14


@pytest.mark.parametrize("name", sorted(ALL_BUILDERS))
def test_chart_text_is_at_least_11_css_px_on_a_390_px_phone(report_metrics, county_summaries, name: str) -> None:
    """A phone shows the chart across its width: its smallest text, scaled from the chart's drawn
    width to 362 CSS pixels, is 11 pixels or more; and nothing is drawn past the chart's width."""
    from fupin.report.show import figure_png

    fig = ALL_BUILDERS[name](report_metrics(), county_summaries)
    drawn = Image.open(io.BytesIO(figure_png(fig))).size[0] / fig.dpi  # inches, with the 0.1-inch padding
    assert drawn <= charts.CHART_WIDTH + 0.2 + 0.01, drawn
    sizes = {t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()}
    smallest = min(sizes) / 72 * PHONE_CHART_PX / drawn
    assert smallest >= 11, (min(sizes), drawn, smallest)
