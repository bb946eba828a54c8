"""Money is compared to the fen, shares exactly, percentages rounded half up.

Every case sits exactly on a line in decimal arithmetic and just off it in
binary floating point (3000 × 1.15 = 3449.9999999999995; 0.55 × 1300 =
715.0000000000001; 0.7 × 8194.2 = 5735.9400000000005): the expected values
are what a cadre computes by hand.
"""

from __future__ import annotations


import pandas as pd
import pytest

import metrics_fixtures as fx
import io

import openpyxl

from fupin.figures import checks
from fupin.report import workbook as followup
from fupin.figures.monitoring import monitoring_households
from fupin.figures.sensitivity import exits_by_line, near_line
from fupin.figures.frame import household_frame
from fupin.figures.metrics import non_exit_households, township_metrics
from fupin.core.money import below_share, to_fen
from fupin.core.formats import fmt_amount, fmt_pct, fmt_pct_short, fmt_wan, fmt_yuan

Y, T = 2018, 2019


def _income(hid: str, year: int, value: float) -> dict:
    return {"household_id": hid, "year": year, "per_capita_income": value}


def _one_village(*households: dict, incomes: list[dict], population: int = 100, **village) -> fx.County:
    return fx.county(
        fx.villages({"village_id": "V1", "population": population, **village}),
        fx.households(*({"village_id": "V1", **h} for h in households)),
        fx.incomes(*incomes),
    )


# --------------------------------------------------------------------------- projected income and the line


def grown() -> fx.County:
    """h1 earns 3000 in 2018: with 15% growth, 3450 in 2019; h2 earns 3449.99 in 2019."""
    return _one_village({"household_id": "h1", "size": 2}, {"household_id": "h2", "size": 3},
                        incomes=[_income("h1", 2018, 3000.0), _income("h2", 2019, 3449.99)])


def test_projected_income_on_the_line_exits():
    assert 3000 * 1.15 < 3450  # the float trap this guards against
    frame = household_frame(grown().households, grown().incomes, Y, poverty_line=3450, growth=0.15)
    assert frame["income_T"].tolist() == [3450.0, 3449.99]
    assert frame["projected_exit"].tolist() == [True, False]
    assert frame["reason_income_short"].tolist() == [False, True]
    assert frame["gap"].isna().tolist() == [True, False] and frame["gap"][1] == pytest.approx(0.01, abs=1e-12)
    out = non_exit_households(grown(), Y, poverty_line=3450, growth=0.15)
    assert out["household_id"].tolist() == ["h2"]
    assert out["reasons"].tolist() == ["收入差0.01元"]  # never "收入差0元"


def test_projected_income_a_fen_below_the_line_is_short_by_a_fen():
    out = non_exit_households(grown(), Y, poverty_line=3450.01, growth=0.15)
    assert out["household_id"].tolist() == ["h1", "h2"]
    assert out["reasons"].tolist() == ["收入差0.01元", "收入差0.02元"]


def test_metrics_bands_depth_and_sensitivity_agree_on_the_tie():
    m = township_metrics(grown(), Y, poverty_line=3450, bands=[3450, 3500], growth=0.15)
    assert m["projection"]["exits"] == {"households": 1, "people": 2}
    assert [(b["band"], b["households"]) for b in m["income_bands"]] == [
        ("<3450", 1), ("3450–3500", 1), (">=3500", 0)]
    assert m["depth"]["poor"] == {"households": 1, "people": 3}
    assert m["depth"]["income_gap"] == pytest.approx(0.03, abs=1e-9)  # 3 people x 0.01
    point = next(p for p in m["sensitivity"]["points"] if p["growth"] == 0.15 and p["line"] == 3450)
    assert (point["exits_households"], point["exits_people"]) == (1, 2)
    assert m["sensitivity"]["near_line"]["below"] == {"households": 1, "people": 3}
    assert m["sensitivity"]["near_line"]["above"] == {"households": 1, "people": 2}


def test_band_edge_between_fen():
    m = township_metrics(grown(), Y, poverty_line=3450, bands=[3449.99, 3450], growth=0.15)
    assert [(b["band"], b["households"]) for b in m["income_bands"]] == [
        ("<3449.99", 0), ("3449.99–3450", 1), (">=3450", 1)]


def test_exits_by_line_takes_incomes_to_the_fen():
    hh, pp = exits_by_line(pd.Series([3000 * 1.15, 3449.99]).to_numpy(), pd.Series([2, 3]).to_numpy(),
                           pd.Series([True, True]).to_numpy(), [3449.99, 3450, 3450.01])
    assert hh.tolist() == [2, 1, 0] and pp.tolist() == [5, 2, 0]


def test_near_line_window_edges_are_exact():
    # L = 3500, share 0.1: below is [3150, 3500), above [3500, 3850)
    incomes = [3149.99, 3150.0, 3499.99, 3500.0, 3849.99, 3850.0]
    hh = [{"household_id": f"h{i}"} for i in range(len(incomes))]
    c = _one_village(*hh, incomes=[_income(f"h{i}", T, v) for i, v in enumerate(incomes)])
    frame = household_frame(c.households, c.incomes, Y, poverty_line=3500)
    near = near_line(frame, 3500, 0.1)
    assert (near["lower"], near["upper"]) == (3150.0, 3850.0)
    assert near["below"] == {"households": 2, "people": 2}  # 3150 and 3499.99
    assert near["above"] == {"households": 2, "people": 2}  # 3500 and 3849.99
    # 1.1 × 3500 is 3850.0000000000005 in floats: a window of 0.1 × 3850 = 385 yuan
    near = near_line(frame, 3850, 0.1)
    assert near["lower"] == 3465.0 and near["below"] == {"households": 3, "people": 3}


def test_village_threshold_is_compared_exactly():
    # 2 projected remaining people of 100 is exactly 2%: not below V = 0.02, blocked
    c = _one_village({"household_id": "h1", "size": 2}, incomes=[_income("h1", T, 100.0)],
                     population=100, is_poor_village=True)
    m = township_metrics(c, Y, village_threshold=0.02)
    assert m["projection"]["villages_blocked"] == {"V1": ["incidence"]}
    m = township_metrics(c, Y, village_threshold=0.0201)
    assert m["projection"]["villages_exiting"] == ["V1"]


# --------------------------------------------------------------------------- monitoring


def exited(*pairs: tuple[str, float, float], exit_year: int = 2016) -> fx.County:
    """Exited households: (id, income in the exit year, income in T)."""
    return _one_village(
        *({"household_id": h, "exit_year": exit_year} for h, _, _ in pairs),
        incomes=[r for h, a, b in pairs for r in (_income(h, exit_year, a), _income(h, T, b))],
    )


def test_exact_drop_of_the_share_is_not_flagged():
    assert (1 - 0.3) * 8194.2 > 5735.94 and 0.55 * 1300 > 715  # the float traps
    c = exited(("a", 8194.2, 5735.94), ("b", 8194.2, 5735.93), ("c", 1300.0, 715.0), ("d", 1300.0, 714.99))
    m = township_metrics(c, Y, monitoring_line=100, income_drop_share=0.3)
    assert m["monitoring"]["income_drop"] == {"households": 3, "people": 3}  # b, c (45%), d
    rows = monitoring_households(c, Y, monitoring_line=100, income_drop_share=0.3)
    assert rows["household_id"].tolist() == ["b", "c", "d"]
    m = township_metrics(c, Y, monitoring_line=100, income_drop_share=0.45)
    assert m["monitoring"]["income_drop"] == {"households": 1, "people": 1}  # d only
    rows = monitoring_households(c, Y, monitoring_line=100, income_drop_share=0.45)
    assert rows["household_id"].tolist() == ["d"]
    assert rows["income_drop"].tolist() == [(130000 - 71499) / 130000]
    # 45.0008% is "more than 45%": shown with the digits that say so, never as 45.0%
    assert rows["reasons"].tolist() == ["收入较脱贫当年下降45.001%"]


def test_exact_drop_share_is_the_exact_decimal():
    rows = monitoring_households(exited(("a", 8194.2, 5735.94)), Y, monitoring_line=100,
                                 income_drop_share=0.29)
    assert rows["income_drop"].tolist() == [0.3]  # 245826 / 819420 fen, exactly 3/10
    assert rows["reasons"].tolist() == ["收入较脱贫当年下降30.0%"]


def test_monitoring_line_and_the_displayed_income():
    c = exited(("a", 6000.0, 5249.99), ("b", 6000.0, 5250.0))
    m = township_metrics(c, Y)  # default line: 1.5 × 3500 = 5250
    assert m["monitoring"]["line"] == 5250.0
    assert m["monitoring"]["below_line"] == {"households": 1, "people": 1}
    rows = monitoring_households(c, Y)
    assert rows["household_id"].tolist() == ["a"]
    assert rows["reasons"].tolist() == ["收入低于监测线5,250元"]
    # the cadres' workbook shows the income to the fen, not "5,250" beside that reason
    ws = _sheet(followup.monitoring_sheet(rows, T), f"{T}年人均纯收入（元）")
    assert (ws.value, ws.number_format) == (5249.99, "#,##0.00")


def test_projected_monitoring_income_on_the_line_is_not_below_it():
    # 4565.22 in 2018 grows by 15% to 5250.003 -> 5250.00 in 2019: on the line
    c = _one_village({"household_id": "a", "exit_year": 2016},
                     incomes=[_income("a", 2016, 6000.0), _income("a", 2018, 4565.22)])
    assert township_metrics(c, Y, growth=0.15)["monitoring"]["below_line"]["households"] == 0
    c = _one_village({"household_id": "a", "exit_year": 2016},
                     incomes=[_income("a", 2016, 6000.0), _income("a", 2018, 3000.0)])
    m = township_metrics(c, Y, growth=0.15, monitoring_line=3450)
    assert m["monitoring"]["below_line"]["households"] == 0


def test_non_exit_list_shows_income_to_the_fen():
    c = _one_village({"household_id": "a"}, incomes=[_income("a", T, 3499.99)])
    rows = non_exit_households(c, Y)
    assert rows["reasons"].tolist() == ["收入差0.01元"]
    ws = _sheet(followup.non_exit_sheet(rows, T), f"{T}年预计人均纯收入（元）")
    assert (ws.value, ws.number_format) == (3499.99, "#,##0.00")  # not "3,500" beside 收入差0.01元


def _sheet(sheet: followup.Sheet, column: str):
    """The first data cell of ``column`` as follow_up.xlsx writes it."""
    book = openpyxl.load_workbook(io.BytesIO(followup.workbook_bytes({"表": sheet})))
    ws = book["表"]
    header = [c.value for c in ws[1]]
    return ws.cell(row=2, column=header.index(column) + 1)


# --------------------------------------------------------------------------- checks


def test_exited_income_below_line_at_exit_is_compared_to_the_fen():
    def warned(value: float, growth: float, line: float) -> list[str]:
        c = _one_village({"household_id": "a", "exit_year": 2017},
                         incomes=[_income("a", 2016, value), _income("a", T, 9000.0)])
        return [w["code"] for w in checks.consistency_warnings(c, Y, poverty_line=line, growth=growth)]

    assert "exited_income_below_line" not in warned(3000.0, 0.15, 3450)
    assert "exited_income_below_line" in warned(3000.0, 0.15, 3450.01)


def test_warning_percentages_use_the_report_format():
    # village exited by 2018 with 29 of 800 people remaining: 3.625% -> 3.63%
    c = _one_village({"household_id": "a", "size": 29}, incomes=[_income("a", T, 9000.0)],
                     population=800, is_poor_village=True, village_exit_year=2017)
    [w] = [w for w in checks.consistency_warnings(c, Y) if w["code"] == "exited_village_high_incidence"]
    assert "3.63%" in w["message"] and "2.00%" in w["message"]
    # exactly on V = 3.625% is "not lower than V": still warned
    [w] = [w for w in checks.consistency_warnings(c, Y, 0.03625) if w["code"] == "exited_village_high_incidence"]
    assert w["count"] == 1
    assert not [w for w in checks.consistency_warnings(c, Y, 0.03626)
                if w["code"] == "exited_village_high_incidence"]


# --------------------------------------------------------------------------- one formatter


@pytest.mark.parametrize(("value", "digits", "text"), [
    (29 / 800, 2, "3.63%"), (0.02125, 2, "2.13%"), (0.03625, 2, "3.63%"), (0.012517, 2, "1.25%"),
    (0.0005, 1, "0.1%"), (0.00045, 1, "0.0%"), (0.3, 1, "30.0%"), (1.0, 2, "100.00%"), (0.0, 2, "0.00%"),
])
def test_fmt_pct_rounds_half_up_on_the_exact_decimal(value, digits, text):
    assert fmt_pct(value, digits) == text


def test_fmt_pct_never_reads_as_the_line_it_was_compared_with():
    assert fmt_pct(0.3004, 1, beyond=0.3) == "30.04%"
    assert fmt_pct(0.30000012, 1, beyond=0.3) == "30.00001%"
    assert fmt_pct(0.3, 1, beyond=0.3) == "30.0%"  # on the line, it is the line
    assert fmt_pct(0.35, 1, beyond=0.3) == "35.0%"


def test_other_formats_round_half_up_exactly():
    assert fmt_pct_short(0.02125) == "2.13%" and fmt_pct_short(0.025) == "2.5%"
    assert fmt_wan(1234.5, 2) == "0.12万元" and fmt_wan(1250, 2) == "0.13万元"
    assert fmt_amount(5249.99) == "5,249.99" and fmt_amount(3000 * 1.15) == "3,450"
    assert fmt_yuan(5249.995) == "5,250元" and fmt_yuan(0.005) == "0.01元"


def test_to_fen_and_below_share():
    assert to_fen([3000 * 1.15, 0.1 + 0.2, 1e9 + 0.005]).tolist() == [345000.0, 30.0, 100000000001.0]
    assert below_share([71500], [130000], 0.55).tolist() == [False]
    assert below_share([71499], [130000], 0.55).tolist() == [True]
    big = 2**48  # products beyond float64's exact integers: Python integers take over
    assert below_share([big * 11 - 1, big * 11], [big * 20] * 2, 0.55).tolist() == [True, False]


def test_lines_are_shown_to_the_fen_in_the_subtitle_and_the_follow_up_workbook():
    from fupin.report import headline, workbook as followup

    c = exited(("a", 6000.0, 5249.98))
    m = township_metrics(c, Y, poverty_line=3500.5)
    assert "贫困线3,500.50元/人·年" in headline.subtitle(m)  # not "3,500" (nor "3,501")
    sheets = followup.follow_up_sheets(c, Y, poverty_line=3500.5, monitoring_line=5249.99)
    frame, _ = sheets["说明"]
    about = dict(zip(frame.iloc[:, 0], frame.iloc[:, 1]))
    assert about["贫困线"] == "3,500.50元/人·年"
    assert about["监测收入线"] == "5,249.99元/人·年（按参数设定）"
