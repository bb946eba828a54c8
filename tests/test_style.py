"""fupin.report.style: number formats, labels, and the report font/theme."""

from __future__ import annotations

import math
from collections.abc import Iterator

import matplotlib as mpl
import pytest
import seaborn as sns
from matplotlib import font_manager

from fupin.core import contract, formats
from fupin.report import style


@pytest.fixture(autouse=True)
def _restore_rcparams() -> Iterator[None]:
    """Every test here leaves the global rcParams as it found them."""
    with mpl.rc_context():
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.032307, "3.23%"),
        (924 / 28600, "3.23%"),
        (0.012517, "1.25%"),
        (358 / 28600, "1.25%"),
        (0.00125, "0.13%"),  # half up, as statistics offices round
        (0.0, "0.00%"),
        (1.0, "100.00%"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_fmt_pct(value: float | None, expected: str) -> None:
    assert formats.fmt_pct(value) == expected


def test_fmt_pct_short_for_thresholds() -> None:
    assert [formats.fmt_pct_short(v) for v in (0.02, 0.03, 0.025, 0.0)] == ["2%", "3%", "2.5%", "0%"]
    assert formats.fmt_pct_short(None) == "—"


def test_counts_and_money() -> None:
    assert formats.fmt_int(1872) == "1,872"
    assert formats.fmt_int(1872.5) == "1,873"
    assert formats.fmt_int(28600.0) == "28,600"
    assert formats.fmt_int(None) == "—"
    assert formats.fmt_people(1872) == "1,872人"
    assert formats.fmt_people(0) == "0人"
    assert formats.fmt_households(820) == "820户"
    assert formats.fmt_hh_people({"households": 820, "people": 1872}) == "820户1,872人"
    assert formats.fmt_hh_people(None) == "—"
    assert formats.fmt_yuan(3500) == "3,500元"
    assert formats.fmt_yuan(3500.0) == "3,500元"
    assert formats.fmt_yuan(3500.5) == "3,500.50元"
    assert formats.fmt_yuan(None) == "—"


def test_band_labels() -> None:
    assert style.band_label({"band": "<3500", "lower": None, "upper": 3500}) == "3,500元以下"
    assert style.band_label({"band": "3500–4000", "lower": 3500, "upper": 4000}) == "3,500元—4,000元"
    assert style.band_label({"band": ">=4000", "lower": 4000, "upper": None}) == "4,000元以上"
    assert style.band_label({"band": "unknown", "lower": None, "upper": None}) == "收入不明"


def test_labels() -> None:
    assert style.blocker_label("venue_ok") == "村级活动场所未达标"
    assert style.blocker_label("road_ok") == "未通硬化路"
    assert style.blocker_label("incidence", 0.02) == "贫困发生率未降到2%以下"
    assert style.blocker_label("incidence", 0.03) == "贫困发生率未降到3%以下"
    assert style.status_label("exiting") == "拟出列"
    assert style.reason_label("income_unknown") == "收入未知"
    assert style.reason_label("housing_ok", {"label": "住房安全未保障"}) == "住房安全未保障"
    assert set(contract.REASON_LABELS) == {"income_short", "income_unknown", *contract.GUARANTEES}


def _resolved_font() -> str:
    return font_manager.findfont(font_manager.FontProperties(family=mpl.rcParams["font.family"]))


def test_use_report_style_sets_the_noto_font() -> None:
    style.use_report_style()
    family = style.font_family()
    assert family == "Noto Sans SC"
    assert mpl.rcParams["font.sans-serif"][0] == family
    assert mpl.rcParams["font.family"] == ["sans-serif"]
    assert mpl.rcParams["axes.unicode_minus"] is False
    assert 110 <= mpl.rcParams["figure.dpi"] <= 130
    assert _resolved_font() == style.font_path()


def test_use_report_style_is_idempotent_and_cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    style.use_report_style()
    before = dict(mpl.rcParams)

    def _fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("seaborn theme applied again on a second call")

    monkeypatch.setattr(sns, "set_theme", _fail)
    style.use_report_style()
    assert dict(mpl.rcParams) == before


def test_seaborn_theme_cannot_undo_the_font() -> None:
    style.use_report_style()  # seaborn's theme runs inside, first
    assert _resolved_font() == style.font_path()
    sns.set_theme()  # a notebook resetting the theme afterwards
    assert mpl.rcParams["font.sans-serif"][0] != "Noto Sans SC"
    style.use_report_style()  # the next call notices and re-asserts
    assert mpl.rcParams["font.sans-serif"][0] == "Noto Sans SC"
    assert _resolved_font() == style.font_path()
