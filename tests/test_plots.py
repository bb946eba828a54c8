"""fupin.plots: every chart draws its Chinese text with Noto Sans SC, leaves no
global state behind, and shows the figures of the metrics dict."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
import seaborn as sns
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text
from report_fixtures import county_summaries, reference_metrics

from fupin import plots, style
from fupin.reference import national_series

CHART_DIR = Path("/tmp/fupin-charts")

CHARTS: dict[str, Callable[[], Figure]] = {
    "income_bands": lambda: plots.income_band_chart(reference_metrics()),
    "incidence_trend": lambda: plots.incidence_trend_chart(reference_metrics(), national_series()),
    "village_trend": lambda: plots.village_trend_chart(reference_metrics()),
    "exits_by_village": lambda: plots.exits_by_village_chart(reference_metrics()),
    "county_overview": lambda: plots.county_overview_chart(county_summaries()),
}


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


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_renders_chinese_without_missing_glyphs(name: str) -> None:
    fig = CHARTS[name]()
    assert isinstance(fig, Figure)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in _all_text(fig))
    data = _render(fig)
    _assert_noto(fig)
    CHART_DIR.mkdir(parents=True, exist_ok=True)
    (CHART_DIR / f"{name}.png").write_bytes(data)


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_font_survives_seaborn_set_theme(name: str) -> None:
    built_before = CHARTS[name]()
    sns.set_theme()  # resets font.sans-serif to Arial/DejaVu Sans
    assert "Noto Sans SC" not in mpl.rcParams["font.sans-serif"]
    built_after = CHARTS[name]()
    for fig in (built_before, built_after):
        _render(fig)
        _assert_noto(fig)


def test_charts_leave_no_global_state() -> None:
    before = dict(mpl.rcParams)
    figures_before = plt.get_fignums()
    for build in CHARTS.values():
        fig = build()
        plt.close(fig)  # close-safe, although pyplot never saw it
    assert dict(mpl.rcParams) == before
    assert plt.get_fignums() == figures_before


def _tick_labels(fig: Figure, axis: str = "x", index: int = 0) -> list[str]:
    ax = fig.axes[index]
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def test_income_band_chart_content() -> None:
    fig = plots.income_band_chart(reference_metrics())
    assert _tick_labels(fig) == ["3,500元以下", "3,500元—4,000元", "4,000元以上"]
    text = _all_text(fig)
    for label in ("163户", "358人", "252户", "566人", "405户", "948人", "贫困线3,500元", "2019年"):
        assert label in text


def test_incidence_trend_chart_content() -> None:
    fig = plots.incidence_trend_chart(reference_metrics(), national_series())
    ax = fig.axes[0]
    text = _all_text(fig)
    assert "预测 1.25%" in text and "3.23%" in text
    assert "全国农村贫困发生率" in text and "城关镇贫困发生率" in text
    assert _tick_labels(fig)[-1] == "2019年\n（预测）"
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert list(dashed[0].get_xdata()) == [2018, 2019]
    assert dashed[0].get_markerfacecolor() == "white"
    national = [line for line in ax.get_lines() if line.get_label() == "全国农村贫困发生率"][0]
    assert list(national.get_xdata()) == list(range(2014, 2020))  # clipped to the township's years
    assert "%" in _tick_labels(fig, "y")[1]


def test_incidence_trend_chart_without_national_series() -> None:
    fig = plots.incidence_trend_chart(reference_metrics())
    assert "全国" not in _all_text(fig)
    _render(fig)


def test_village_trend_chart_content() -> None:
    fig = plots.village_trend_chart(reference_metrics())
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.axison]
    assert titles == [
        "李家沟村（已出列）", "王家坪村（拟出列）", "马家岭村（暂不具备出列条件）",
        "高家洼村（暂不具备出列条件）", "刘家峁村（暂不具备出列条件）",
    ]
    text = _all_text(fig)
    assert "村级活动场所未达标" in text and "贫困发生率未降到2%以下" in text
    assert "出列标准2%" in text and "5.72% → 预测1.23%" in text


def test_exits_by_village_chart_content() -> None:
    fig = plots.exits_by_village_chart(reference_metrics())
    names = _tick_labels(fig, "y")
    assert len(names) == 20
    assert names[-1] == "刘家峁村（贫困村）"  # most remaining people on top
    assert "106人" in _all_text(fig)


def test_county_overview_chart_content() -> None:
    fig = plots.county_overview_chart(county_summaries())
    assert _tick_labels(fig, "y") == ["白云乡", "城关镇", "河口乡", "石桥镇"]
    text = _all_text(fig)
    assert "3.23%" in text and "1.25%" in text and "2018年底" in text


def _flat_villages(metrics: dict[str, Any]) -> dict[str, Any]:
    """villages_table with flat count keys (remaining_people ...), as metrics.py writes it."""
    for village in metrics["villages_table"]:
        for name in ("registered", "exited", "remaining", "projected_exits"):
            count = village.pop(name)
            village[f"{name}_households"] = count["households"]
            village[f"{name}_people"] = count["people"]
    return metrics


def _edge_cases() -> dict[str, dict[str, Any]]:
    no_poor = reference_metrics()
    for village in no_poor["villages_table"]:
        village.update(is_poor_village=False, status="non_poor", blockers=[])
    unknown = reference_metrics()
    unknown["income_bands"].append({"band": "unknown", "lower": None, "upper": None, "households": 10, "people": 23})
    nan_rates = reference_metrics()
    nan_rates["incidence_trend"][0]["incidence"] = math.nan
    nan_rates["incidence_trend_by_village"][0]["incidence"] = None
    empty = reference_metrics()
    for key in ("income_bands", "incidence_trend", "incidence_trend_by_village", "villages_table"):
        empty[key] = []
    return {"flat": _flat_villages(reference_metrics()), "no_poor": no_poor, "unknown": unknown,
            "nan_rates": nan_rates, "empty": empty}


@pytest.mark.parametrize("case", sorted(_edge_cases()))
def test_charts_draw_on_edge_cases(case: str) -> None:
    metrics = _edge_cases()[case]
    figures = [
        plots.income_band_chart(metrics),
        plots.incidence_trend_chart(metrics, national_series()),
        plots.village_trend_chart(metrics),
        plots.exits_by_village_chart(metrics),
        plots.county_overview_chart([metrics, {**metrics, "incidence": None, "township_name": "空乡"}]),
    ]
    for fig in figures:
        _render(fig)
        _assert_noto(fig)


def test_flat_village_counts_read_like_nested_ones() -> None:
    flat = plots.exits_by_village_chart(_flat_villages(reference_metrics()))
    nested = plots.exits_by_village_chart(reference_metrics())
    assert _all_text(flat) == _all_text(nested)


def test_unknown_band_and_empty_charts_say_so() -> None:
    metrics = _edge_cases()["unknown"]
    assert _tick_labels(plots.income_band_chart(metrics))[-1] == "收入不明"
    empty = _edge_cases()["empty"]
    assert "无贫困村" in _all_text(plots.village_trend_chart(empty))
    assert "无未退出贫困人口" in _all_text(plots.exits_by_village_chart(empty))
    assert "无乡镇数据" in _all_text(plots.county_overview_chart([]))


def test_national_series_reads_the_reference_file() -> None:
    frame = national_series()
    assert frame["year"].is_monotonic_increasing
    row = frame.set_index("year").loc[2018]
    assert row["incidence_pct"] == pytest.approx(1.7)
    assert row["incidence"] == pytest.approx(0.017)
