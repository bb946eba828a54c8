"""Depth (FGT, Watts, income gap), sensitivity and return-to-poverty monitoring.

Exact values on hand-made counties of a few households, and the published
worked example of Haughton & Khandker (2009).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import metrics_fixtures as fx
from depth_fixtures import county
from fupin.figures import depth, sensitivity
from fupin.figures.depth import fgt, income_gap, watts
from fupin.figures.analysis import analyse
from fupin.figures.parameters import choose_monitoring_line
from fupin.figures.sensitivity import exits_by_line, line_grid
from fupin.figures.frame import household_frame
from fupin.figures.analysis import analyse

Y, T = 2018, 2019
Z = 2000.0
EXACT = {"rel": 1e-12, "abs": 0.0}


# --------------------------------------------------------------------------- published example


def test_haughton_khandker_country_c():
    """Haughton, J. & Khandker, S. R. (2009), *Handbook on Poverty and Inequality*,
    World Bank, ch. 4 "Measures of Poverty": country C, expenditures per person
    100, 110, 150, 160; poverty line z = 125.

    * Gaps G_i = z − x_i: 25, 15, 0, 0; G_i/z = 0.20, 0.12, 0, 0.
    * P1 = (0.20 + 0.12) / 4 = 0.32 / 4 = 0.08 (the book's table
      "Calculating the Poverty Gap Index, Assuming Poverty Line of 125", p. 70).
    * P2 = (0.20² + 0.12²) / 4 = (0.04 + 0.0144) / 4 = 0.0544 / 4 = 0.0136
      (its squared-poverty-gap table, p. 72).
    * P0 = 2 / 4 = 0.5 (two of four below the line, by definition).
    * Watts (not tabulated in the book, derived by hand from the same data):
      (ln(125/100) + ln(125/110)) / 4 = (0.2231435513 + 0.1278333715) / 4 = 0.0877442307.
    * Total gap: 25 + 15 = 40 (the book's "minimum cost of eliminating poverty").
    """
    x, ones = [100, 110, 150, 160], [1, 1, 1, 1]
    assert fgt(x, ones, 125, 4, 0) == 0.5
    assert fgt(x, ones, 125, 4, 1) == pytest.approx(0.08, **EXACT)
    assert fgt(x, ones, 125, 4, 2) == pytest.approx(0.0136, **EXACT)
    assert watts(x, ones, 125, 4) == pytest.approx((math.log(1.25) + math.log(125 / 110)) / 4, **EXACT)
    assert round(watts(x, ones, 125, 4), 10) == 0.0877442307
    assert income_gap(x, ones, 125) == 40.0


def test_haughton_khandker_country_c_through_township_metrics():
    """The same four people as a township: four remaining one-person households
    in a village of population 4, with their incomes for T."""
    incomes = [100.0, 110.0, 150.0, 160.0]
    county = fx.county(
        fx.villages({"village_id": "C", "population": 4}),
        fx.households(*({"household_id": f"c{i}", "village_id": "C"} for i in range(4))),
        fx.incomes(*({"household_id": f"c{i}", "year": T, "per_capita_income": y}
                     for i, y in enumerate(incomes))),
    )
    d = analyse(county, year=Y, poverty_line=125, bands=(125,)).metrics["depth"]
    assert (d["fgt0"], d["fgt1"], d["fgt2"]) == (0.5, pytest.approx(0.08, **EXACT), pytest.approx(0.0136, **EXACT))
    assert d["income_gap"] == 40.0
    assert d["poor"] == {"households": 2, "people": 2}


def test_people_weighting_equals_one_row_per_person():
    """A household of size k counts as k people with its income per person."""
    assert fgt([100, 150], [2, 1], 125, 3, 1) == pytest.approx(fgt([100, 100, 150], [1, 1, 1], 125, 3, 1), **EXACT)
    assert watts([100, 150], [2, 1], 125, 3) == pytest.approx(2 * math.log(1.25) / 3, **EXACT)


def test_edge_cases_of_the_indices():
    assert fgt([125], [1], 125, 1, 0) == 0.0  # exactly on the line is not poor
    assert fgt([np.nan, 50], [3, 1], 100, 4, 1) == 0.5 / 4  # unknown income never poor
    assert fgt([50], [1], 100, 0, 1) is None  # no population
    assert fgt([], [], 100, 10, 2) == 0.0
    assert watts([0], [1], 100, 1) == pytest.approx(math.log(100), **EXACT)  # 0 yuan counts as 1
    assert watts([0.5], [1], 100, 1, floor=1.0) == pytest.approx(math.log(100), **EXACT)
    assert income_gap([0, 100, 120], [2, 5, 1], 100) == 200.0


# --------------------------------------------------------------------------- a hand-made township


@pytest.fixture(scope="module")
def m():
    return analyse(county(), year=Y, poverty_line=Z, bands=(Z,)).metrics


def test_depth_of_the_township(m):
    """N = 30. Poor: h1 (g = 1/2), h2 (g = 1), h3 (g = 100/2000 = 0.05); 6 people.

    FGT0 = 6/30; FGT1 = (2·0.5 + 1·1 + 3·0.05)/30 = 2.15/30;
    FGT2 = (2·0.25 + 1·1 + 3·0.0025)/30 = 1.5075/30;
    Watts = (2·ln 2 + ln(2000/1) + 3·ln(2000/1900))/30 (h2's 0 yuan counts as 1);
    gap = 2·1000 + 1·2000 + 3·100 = 4300 yuan. h5 (4 people) has no income: left out.
    """
    d = m["depth"]
    assert d["poverty_line"] == 2000 and d["population"] == 30
    assert d["poor"] == {"households": 3, "people": 6}
    assert d["income_unknown"] == {"households": 1, "people": 4}
    assert d["fgt0"] == pytest.approx(6 / 30, **EXACT)
    assert d["fgt1"] == pytest.approx(2.15 / 30, **EXACT)
    assert d["fgt2"] == pytest.approx(1.5075 / 30, **EXACT)
    assert d["watts"] == pytest.approx((2 * math.log(2) + math.log(2000) + 3 * math.log(2000 / 1900)) / 30, **EXACT)
    assert d["income_gap"] == 4300.0
    assert d["watts_floored"] == 1


def test_depth_by_village_and_the_fgt1_decomposition(m):
    """A (N 10): h1, h2: FGT1 = 2/10, FGT2 = 1.5/10, gap 4000 = 40/43 of 4300,
    contribution 2/30. B (N 20): h3: FGT1 = 0.15/20, FGT2 = 0.0075/20, gap 300
    = 3/43, contribution 0.15/30. Contributions add up to the township's FGT1."""
    a, b = m["depth"]["villages"]
    assert (a["village_id"], a["poor_households"], a["poor_people"], a["income_unknown_households"]) == ("A", 2, 3, 0)
    assert (b["village_id"], b["poor_households"], b["poor_people"], b["income_unknown_households"]) == ("B", 1, 3, 1)
    assert a["fgt0"] == pytest.approx(0.3, **EXACT) and b["fgt0"] == pytest.approx(0.15, **EXACT)
    assert a["fgt1"] == pytest.approx(0.2, **EXACT) and b["fgt1"] == pytest.approx(0.0075, **EXACT)
    assert a["fgt2"] == pytest.approx(0.15, **EXACT) and b["fgt2"] == pytest.approx(0.000375, **EXACT)
    assert a["watts"] == pytest.approx((2 * math.log(2) + math.log(2000)) / 10, **EXACT)
    assert b["watts"] == pytest.approx(3 * math.log(2000 / 1900) / 20, **EXACT)
    assert (a["income_gap"], b["income_gap"]) == (4000.0, 300.0)
    assert a["gap_share"] == pytest.approx(40 / 43, **EXACT) and b["gap_share"] == pytest.approx(3 / 43, **EXACT)
    assert a["fgt1_contribution"] == pytest.approx(2 / 30, **EXACT)
    assert b["fgt1_contribution"] == pytest.approx(0.15 / 30, **EXACT)
    assert a["fgt1_contribution"] + b["fgt1_contribution"] == pytest.approx(m["depth"]["fgt1"], **EXACT)


def test_depth_of_an_empty_area():
    c = fx.county(fx.villages({"village_id": "A", "population": 0}))
    d = analyse(c, year=Y).metrics["depth"]
    assert d["poor"] == {"households": 0, "people": 0} and d["income_gap"] == 0.0
    assert (d["fgt0"], d["fgt1"], d["fgt2"], d["watts"]) == (None, None, None, None)
    assert d["villages"][0]["fgt1"] is None and d["villages"][0]["gap_share"] is None


# --------------------------------------------------------------------------- sensitivity


def test_line_grid():
    assert line_grid(3500) == [float(x) for x in range(3000, 4501, 100)]
    assert line_grid(3456)[:2] == [2900.0, 3000.0] and 3456.0 in line_grid(3456)
    assert line_grid(300)[0] == 100.0  # never at or below 0


def test_exits_by_line_counts_incomes_on_the_line_as_exits():
    hh, pp = exits_by_line(np.array([1000., 2000., 2000., 3000., np.nan]), np.array([1, 2, 3, 4, 5]),
                           np.array([True, True, True, False, False]), [999, 1000, 2000, 2000.01, 5000])
    assert hh.tolist() == [3, 3, 2, 0, 0] and pp.tolist() == [6, 6, 5, 0, 0]


def point(m, growth, line):
    return next(p for p in m["sensitivity"]["points"] if p["growth"] == growth and p["line"] == line)


def test_sensitivity_points(m):
    """remaining(Y): 6 households, 13 people; eligible (guarantees, known income):
    h1 1000 (2), h2 0 (1), h3 1900 (3), h4 2000 (1); h9 fails housing, h5 unknown.
    g = 0.1: 1100, 0, 2090, 2200."""
    s = m["sensitivity"]
    assert s["lines"] == line_grid(2000) and s["growth_rates"] == [0.0, 0.05, 0.1]
    assert s["village_thresholds"] == [0.02, 0.03]
    assert (s["poverty_line"], s["growth"]) == (2000, 0.0)
    assert len(s["points"]) == 3 * len(s["lines"])
    assert point(m, 0.0, 2000.0) == {"growth": 0.0, "line": 2000.0, "exits_households": 1, "exits_people": 1,
                                     "remaining_households": 5, "remaining_people": 12, "incidence": 12 / 30}
    assert (point(m, 0.0, 1900.0)["exits_households"], point(m, 0.0, 1900.0)["exits_people"]) == (2, 4)
    assert (point(m, 0.0, 1500.0)["exits_households"], point(m, 0.0, 1500.0)["exits_people"]) == (2, 4)
    assert point(m, 0.0, 3000.0)["remaining_people"] == 13  # nobody exits
    assert point(m, 0.1, 2000.0)["exits_people"] == 4 and point(m, 0.1, 2100.0)["exits_people"] == 1
    assert point(m, 0.1, 2200.0)["exits_people"] == 1 and point(m, 0.1, 2300.0)["exits_people"] == 0
    p = m["projection"]
    assert point(m, 0.0, 2000.0)["incidence"] == p["incidence"]
    assert point(m, 0.0, 2000.0)["exits_people"] == p["exits"]["people"]


def test_sensitivity_point_in_use_equals_the_projection_at_any_growth():
    for g in (0.0, 0.07):
        mm = analyse(county(), year=Y, poverty_line=1950, bands=(1950,), growth=g).metrics
        assert g in mm["sensitivity"]["growth_rates"] and 1950.0 in mm["sensitivity"]["lines"]
        p = point(mm, g, 1950.0)
        assert (p["exits_households"], p["exits_people"]) == tuple(mm["projection"]["exits"].values())
        assert p["incidence"] == mm["projection"]["incidence"]


def test_near_line(m):
    """±10% of 2000: below [1800, 2000): h3 (3 people); above [2000, 2200): h4, h9 (1 + 2)."""
    assert m["sensitivity"]["near_line"] == {
        "share": 0.1, "lower": 1800.0, "upper": 2200.0,
        "below": {"households": 1, "people": 3}, "above": {"households": 2, "people": 3},
    }


# --------------------------------------------------------------------------- monitoring


def test_choose_monitoring_line():
    assert choose_monitoring_line(None, 3500, T) == {"line": 5250.0, "source": "default", "table_year": None}
    assert choose_monitoring_line(6000, 3500, T) == {"line": 6000.0, "source": "given", "table_year": None}
    assert choose_monitoring_line({2019: 5000, "2020": 6000}, 3500, T)["line"] == 5000.0
    assert choose_monitoring_line({"2017": 4000.0}, 3500, T) == {"line": 4000.0, "source": "table", "table_year": 2017}
    with pytest.raises(ValueError, match="没有2019年及以前"):
        choose_monitoring_line({2020: 6000}, 3500, T)
    with pytest.raises(ValueError, match="正数"):
        choose_monitoring_line(0, 3500, T)


def test_monitoring_counts(m):
    """Line 1.5 × 2000 = 3000; drop share 0.3.
    h6 2500 < 3000 (drop 1/6); h7 3200 >= 3000 but 1 − 3200/5000 = 0.36 > 0.3;
    h10 2700 < 3000 and 1 − 2700/4000 = 0.325 (2017's income is 2016's carried);
    h13 100 < 3000 (exit income 0: drop undefined); h11 income unknown."""
    mo = m["monitoring"]
    assert (mo["line"], mo["line_source"], mo["line_table_year"], mo["given"]) == (3000.0, "default", None, None)
    assert (mo["poverty_line"], mo["income_drop_share"]) == (2000, 0.3)
    assert mo["exited"] == {"households": 5, "people": 12}
    assert mo["below_line"] == {"households": 3, "people": 4}
    assert mo["income_drop"] == {"households": 2, "people": 6}
    assert mo["monitored"] == {"households": 4, "people": 9}
    assert mo["income_unknown"] == {"households": 1, "people": 3}
    assert mo["by_village"] == [
        {"village_id": "B", "village_name": "村B", "households": 1, "people": 5},
        {"village_id": "A", "village_name": "村A", "households": 3, "people": 4},
    ]
    assert mo["by_cause"] == [
        {"main_cause": "因病", "households": 2, "people": 7},
        {"main_cause": "因学", "households": 1, "people": 1},
        {"main_cause": "未填写", "households": 1, "people": 1},
    ]


def test_monitoring_line_table_and_drop_share():
    mo = analyse(county(), year=Y, poverty_line=Z, bands=(Z,), monitoring_line={2018: 2500, 2020: 9999}, income_drop_share=0.4).metrics["monitoring"]
    assert (mo["line"], mo["line_source"], mo["line_table_year"]) == (2500.0, "table", 2018)
    assert mo["given"] == {"2018": 2500, "2020": 9999}
    assert mo["below_line"] == {"households": 1, "people": 1}  # h13 only: 2500 is not below 2500
    assert mo["income_drop"] == {"households": 0, "people": 0}  # 0.36 and 0.325 are not above 0.4


def test_a_drop_of_exactly_the_share_is_not_flagged():
    c = fx.county(
        fx.villages({"village_id": "A", "population": 10}),
        fx.households({"household_id": "x", "village_id": "A", "exit_year": 2016}),
        fx.incomes({"household_id": "x", "year": 2016, "per_capita_income": 10000.0},
                   {"household_id": "x", "year": 2019, "per_capita_income": 7000.0}),
    )
    assert analyse(c, year=Y, monitoring_line=100).metrics["monitoring"]["monitored"]["households"] == 0
    assert analyse(c, year=Y, monitoring_line=100, income_drop_share=0.29).metrics["monitoring"]["monitored"]["households"] == 1


def test_monitoring_households_list_is_masked():
    rows = analyse(county(), year=Y, poverty_line=Z).monitoring_households
    assert rows["household_id"].tolist() == ["h10", "h13", "h6", "h7"]
    assert rows["head_name_masked"].tolist() == ["", "", "张*丰", "欧**明"]
    assert not {"head_name", "id_number"} & set(rows.columns)
    by_id = rows.set_index("household_id")
    assert by_id.loc["h10", "reasons"] == "收入低于监测线3,000元；收入较脱贫当年下降32.5%"
    assert by_id.loc["h7", "reasons"] == "收入较脱贫当年下降36.0%"
    assert by_id.loc["h13", "reasons"] == "收入低于监测线3,000元"
    assert by_id.loc["h13", "main_cause"] == "未填写" and math.isnan(by_id.loc["h13", "income_drop"])
    assert by_id.loc["h10", "income_exit"] == 4000.0 and by_id.loc["h10", "exit_year"] == 2017
    assert by_id.loc["h6", "income_drop"] == pytest.approx(1 / 6, **EXACT)


def test_new_keys_are_json_and_do_not_touch_the_other_figures(m):
    assert json.loads(json.dumps(m, allow_nan=False)) == m
    plain = analyse(county(), year=Y, poverty_line=Z, bands=(Z,), monitoring_line=9000).metrics
    assert {k: v for k, v in plain.items() if k != "monitoring"} == {k: v for k, v in m.items() if k != "monitoring"}


def test_inputs_are_not_mutated():
    c = county()
    before = [df.copy() for df in (c.villages, c.households, c.incomes)]
    analyse(c, year=Y, poverty_line=Z).metrics
    analyse(c, year=Y, poverty_line=Z).monitoring_households
    frame = household_frame(c.households, c.incomes, Y, poverty_line=Z)
    snapshot = frame.copy()
    depth.depth(c.villages, frame, Z)
    sensitivity.sensitivity(c, frame, Y, poverty_line=Z, growth=0.0, village_threshold=0.02)
    pd.testing.assert_frame_equal(frame, snapshot)
    for old, new in zip(before, (c.villages, c.households, c.incomes)):
        pd.testing.assert_frame_equal(old, new)


# --------------------------------------------------------------------------- report pieces


def test_report_text_states_the_gap_and_its_denominator(m):
    from fupin.report import narrative

    text = narrative.depth_summary(m)
    assert "需要资金约0.43万元才能使全部未脱贫人口达到贫困线" in text  # one way: 万元, two decimals at most
    assert "以全镇户籍人口30人为分母" in text and "4,300元" not in text
    assert "另有1户4人2019年收入情况不明，未计入以上指数" in text
    assert "1户预计收入不足1元，瓦茨指数按1元计算" in text
    assert "贫困缺口指数为7.167%，贫困强度指数为5.025%" in text and "FGT" not in text
    assert narrative.monitoring_summary(m).startswith("防返贫监测收入线为3,000元/人·年（未设定监测收入线，按贫困线2,000元的1.5倍确定）")
    assert "合计应纳入监测4户9人（一户可同时符合两项）" in narrative.monitoring_summary(m)
    assert "若贫困线提高到2,500元" in narrative.sensitivity_summary(m)


def test_report_tables_and_county_row(m):
    from fupin.report import county_table, tables

    indices = tables.depth_indices(m)
    assert indices["范围"].tolist() == ["测试镇（合计）", "村A", "村B"]
    assert indices.iloc[0]["贫困缺口指数"] == "7.167%" and indices.iloc[1]["占缺口比重"] == "93.0%"
    assert not [c for c in indices.columns if "FGT" in c or "Watts" in c]
    assert tables.monitoring_groups(m, "cause")["主要致贫原因"].tolist() == ["因病", "因学", "未填写"]
    row = county_table.township_row(m)
    assert len(row) == len(county_table.HEADERS)
    cells = dict(zip(county_table.HEADERS, row))
    assert [cells[h]["label"] for h in ("收入缺口", "防返贫监测户")] == ["0.43万元", "4户9人"]


def test_charts_build_with_and_without_data(m):
    from fupin.report import charts

    empty = analyse(fx.county(fx.villages({"village_id": "A", "population": 0})), year=Y).metrics
    for chart in (charts.gap_decomposition_chart, charts.sensitivity_chart):
        assert chart(m).axes and chart(empty).axes
