"""Every figure, on hand-made frames of a few rows with exact expected values."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import metrics_fixtures as fx
from fupin.core.contract import GUARANTEES, REASON_LABELS
from fupin.figures.collective import INDUSTRY_COLUMNS
from fupin.core.errors import UnknownTownshipError
from fupin.figures.frame import (
    REASON_CODES,
    household_frame,
    household_status,
    incidence,
    income_in_year,
    village_table,
)
from fupin.figures.headcount import (
    band_labels,
    cadre_count,
    incidence_trend,
    incidence_trend_by_village,
    income_bands,
    reason_counts,
    unsafe_houses_outside_program,
)
from fupin.figures.analysis import analyse

Y = 2018


def frame(hh: pd.DataFrame, inc: pd.DataFrame | None = None, **kw) -> pd.DataFrame:
    return household_frame(hh, fx.incomes() if inc is None else inc, Y, **kw)


def statuses(hh: pd.DataFrame, year: int = Y) -> list[tuple[bool, bool, bool]]:
    s = household_status(hh, year)
    return list(zip(s["registered"], s["exited"], s["remaining"]))


# --------------------------------------------------------------------------- status


def test_status_exit_in_registration_year():
    hh = fx.households({"household_id": "a", "village_id": "V1", "registered_year": 2016, "exit_year": 2016})
    assert statuses(hh, 2015) == [(False, False, False)]
    assert statuses(hh, 2016) == [(True, True, False)]


def test_status_return_after_exit_counts_as_remaining():
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "exit_year": 2016, "returned_year": 2018}
    )
    assert statuses(hh, 2016) == [(True, True, False)]
    assert statuses(hh, 2017) == [(True, True, False)]
    assert statuses(hh, 2018) == [(True, False, True)]


def test_status_registered_after_year_and_exit_after_year():
    hh = fx.households(
        {"household_id": "late", "village_id": "V1", "registered_year": 2019},
        {"household_id": "soon", "village_id": "V1", "exit_year": 2019},
    )
    assert statuses(hh) == [(False, False, False), (True, False, True)]


def test_status_does_not_mutate_input():
    hh = fx.households({"household_id": "a", "village_id": "V1"})
    before = hh.copy()
    household_status(hh, Y)
    pd.testing.assert_frame_equal(hh, before)


# --------------------------------------------------------------------------- incidence


def test_incidence_counts_people_over_population():
    v = fx.villages({"village_id": "V1", "population": 300}, {"village_id": "V2", "population": 100})
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "size": 3},
        {"household_id": "b", "village_id": "V2", "size": 5, "exit_year": 2017},
        {"household_id": "c", "village_id": "V2", "size": 1, "registered_year": 2019},
    )
    assert incidence(v, hh, Y) == 3 / 400


def test_incidence_of_an_empty_area_is_none():
    assert incidence(fx.villages(), fx.households(), Y) is None
    v = fx.villages({"village_id": "V1", "population": 0})
    assert incidence(v, fx.households(), Y) is None
    v = fx.villages({"village_id": "V1", "population": 10})
    assert incidence(v, fx.households(), Y) == 0.0


# --------------------------------------------------------------------------- income(h, t)


def incomes_of(result: pd.DataFrame) -> dict[str, float]:
    return dict(zip(result["household_id"], result["income"]))


def test_income_row_of_the_year_wins_estimate_or_not():
    inc = fx.incomes(
        {"household_id": "a", "year": 2018, "per_capita_income": 3000.0},
        {"household_id": "a", "year": 2019, "per_capita_income": 3600.0, "is_estimate": True},
        {"household_id": "b", "year": 2019, "per_capita_income": 4100.0},
    )
    out = income_in_year(inc, 2019, growth=0.5)
    assert incomes_of(out) == {"a": 3600.0, "b": 4100.0}
    assert dict(zip(out["household_id"], out["is_estimate"])) == {"a": True, "b": False}


def test_income_growth_carried_over_several_years():
    inc = fx.incomes({"household_id": "a", "year": 2017, "per_capita_income": 3000.0})
    assert incomes_of(income_in_year(inc, 2019, growth=0.1))["a"] == pytest.approx(3630.0)
    assert incomes_of(income_in_year(inc, 2019))["a"] == 3000.0  # g = 0: carried unchanged
    assert income_in_year(inc, 2019)["income_year"].tolist() == [2017]


def test_income_without_earlier_row_is_unknown_and_later_rows_ignored():
    inc = fx.incomes(
        {"household_id": "a", "year": 2020, "per_capita_income": 9000.0},
        {"household_id": "b", "year": 2015, "per_capita_income": 2000.0},
        {"household_id": "b", "year": 2016, "per_capita_income": 2500.0},
        {"household_id": "b", "year": 2021, "per_capita_income": 9000.0},
    )
    assert incomes_of(income_in_year(inc, 2019)) == {"b": 2500.0}


def test_income_blank_rows_are_skipped():
    inc = fx.incomes(
        {"household_id": "a", "year": 2017, "per_capita_income": 3000.0},
        {"household_id": "a", "year": 2018, "per_capita_income": float("nan")},
    )
    assert incomes_of(income_in_year(inc, 2019)) == {"a": 3000.0}


# --------------------------------------------------------------------------- projection


def reasons_of(f: pd.DataFrame) -> list[list[str]]:
    return [
        [c for c in REASON_CODES if row[f"reason_{c}"]] for _, row in f.iterrows()
    ]


def income(hid: str, value: float, year: int = Y + 1) -> dict:
    return {"household_id": hid, "year": year, "per_capita_income": value}


def test_income_exactly_on_the_line_exits():
    hh = fx.households({"household_id": "a", "village_id": "V1", "size": 2})
    f = frame(hh, fx.incomes(income("a", 3500.0)))
    assert f["projected_exit"].tolist() == [True]
    assert reasons_of(f) == [[]]
    assert math.isnan(f["gap"][0])


def test_income_short_gives_the_gap():
    hh = fx.households({"household_id": "a", "village_id": "V1"})
    f = frame(hh, fx.incomes(income("a", 3499.5)))
    assert f["projected_exit"].tolist() == [False]
    assert reasons_of(f) == [["income_short"]]
    assert f["gap"].tolist() == [0.5]


def test_no_incomes_means_income_unknown():
    hh = fx.households({"household_id": "a", "village_id": "V1"}, {"household_id": "b", "village_id": "V1"})
    f = frame(hh)
    assert reasons_of(f) == [["income_unknown"], ["income_unknown"]]
    assert f["income_T"].isna().all()
    assert f["projected_exit"].sum() == 0


@pytest.mark.parametrize("guarantee", GUARANTEES)
def test_each_failing_guarantee_is_a_reason(guarantee):
    hh = fx.households({"household_id": "a", "village_id": "V1", guarantee: False})
    f = frame(hh, fx.incomes(income("a", 5000.0)))
    assert reasons_of(f) == [[guarantee]]
    assert f["projected_exit"].tolist() == [False]


def test_blank_guarantee_reads_true():
    hh = fx.households({"household_id": "a", "village_id": "V1"}).assign(
        housing_ok=pd.array([None], dtype="boolean")
    )
    assert frame(hh, fx.incomes(income("a", 5000.0)))["projected_exit"].tolist() == [True]


def test_reasons_accumulate_in_order():
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "water_ok": False, "education_ok": False},
    )
    f = frame(hh, fx.incomes(income("a", 3000.0)))
    assert reasons_of(f) == [["income_short", "education_ok", "water_ok"]]


def test_only_remaining_households_get_reasons_or_exits():
    hh = fx.households(
        {"household_id": "gone", "village_id": "V1", "exit_year": 2017, "housing_ok": False},
        {"household_id": "late", "village_id": "V1", "registered_year": 2019},
    )
    f = frame(hh)
    assert reasons_of(f) == [[], []]
    assert f["projected_exit"].tolist() == [False, False]


def test_growth_reaches_the_line():
    hh = fx.households({"household_id": "a", "village_id": "V1"})
    inc = fx.incomes(income("a", 3000.0, 2017))
    assert frame(hh, inc, growth=0.1)["projected_exit"].tolist() == [True]  # 3630 >= 3500
    assert frame(hh, inc)["projected_exit"].tolist() == [False]


def test_reason_counts_every_code_with_labels():
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "size": 2, "housing_ok": False},
        {"household_id": "b", "village_id": "V1", "size": 3},
    )
    out = reason_counts(frame(hh, fx.incomes(income("a", 3000.0))))
    assert out["code"].tolist() == list(REASON_CODES)
    got = {r.code: (r.households, r.people) for r in out.itertuples()}
    assert got == {
        "income_short": (1, 2), "income_unknown": (1, 3), "food_clothing_ok": (0, 0),
        "education_ok": (0, 0), "medical_ok": (0, 0), "housing_ok": (1, 2), "water_ok": (0, 0),
    }
    assert out["label"].tolist() == [REASON_LABELS[c] for c in REASON_CODES]


def test_reason_labels_are_chinese():
    assert REASON_LABELS == {
        "income_short": "收入低于贫困线", "income_unknown": "收入未知",
        "food_clothing_ok": "不愁吃穿未保障", "education_ok": "义务教育未保障",
        "medical_ok": "基本医疗未保障", "housing_ok": "住房安全未保障", "water_ok": "饮水安全未保障",
    }


# --------------------------------------------------------------------------- non-exit list


def test_non_exit_households_lists_reasons_masked():
    c = fx.county(
        fx.villages({"village_id": "V1", "village_name": "张庄"}),
        fx.households(
            {"household_id": "a", "village_id": "V1", "size": 2, "housing_ok": False,
             "head_name": "王小明", "id_number": "110101199003071234"},
            {"household_id": "b", "village_id": "V1", "size": 3, "head_name": "李四"},
            {"household_id": "c", "village_id": "V1", "medical_ok": False, "water_ok": False},
            {"household_id": "d", "village_id": "V1"},
            {"household_id": "e", "village_id": "V1", "exit_year": 2017},
            {"household_id": "f", "village_id": "V1", "head_name": "赵六"},
            {"household_id": "g", "village_id": "V1"},
        ),
        # g's 3499.996 is 3500.00 to the fen: on the line, it exits
        fx.incomes(income("a", 3000.0), income("c", 4000.0), income("d", 3500.0),
                   income("f", 3499.99), income("g", 3499.996)),
    )
    out = analyse(c, year=Y).non_exit_households
    assert out.columns.tolist() == [
        "household_id", "village_id", "village_name", "head_name_masked", "size",
        "income_T", "gap", "reasons", "reason_codes",
    ]
    assert out["household_id"].tolist() == ["a", "b", "c", "f"]
    assert out["village_name"].tolist() == ["张庄"] * 4
    assert out["head_name_masked"].tolist() == ["王*明", "李*", "", "赵*"]
    assert out["reasons"].tolist() == [
        "收入差500元；住房安全未保障", "收入未知", "基本医疗未保障；饮水安全未保障", "收入差0.01元",
    ]
    assert out["reason_codes"].tolist() == [
        "income_short,housing_ok", "income_unknown", "medical_ok,water_ok", "income_short",
    ]
    assert out["gap"][0] == 500.0 and out["gap"][[1, 2]].isna().all()
    assert out["income_T"][0] == 3000.0 and np.isnan(out["income_T"][1])
    text = out.to_csv()
    assert "王小明" not in text and "110101199003071234" not in text and "李四" not in text


def test_non_exit_households_empty():
    out = analyse(fx.county(fx.villages({"village_id": "V1"})), year=Y).non_exit_households
    assert len(out) == 0
    assert "reasons" in out.columns


# --------------------------------------------------------------------------- bands


def test_band_labels():
    assert band_labels([3500, 4000]) == ["<3500", "3500\u20134000", ">=4000"]
    assert band_labels((3500.0, 4000.0)) == ["<3500", "3500–4000", ">=4000"]
    assert band_labels([3000, 3500.5, 4000]) == ["<3000", "3000–3500.5", "3500.5–4000", ">=4000"]
    assert band_labels([3500]) == ["<3500", ">=3500"]


@pytest.mark.parametrize("bad", [[], [4000, 3500], [3500, 3500], [float("nan")]])
def test_band_edges_must_ascend(bad):
    with pytest.raises(ValueError):
        band_labels(bad)


def test_income_bands_edge_goes_to_upper_band():
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "size": 1},
        {"household_id": "b", "village_id": "V1", "size": 2},
        {"household_id": "c", "village_id": "V1", "size": 3},
        {"household_id": "d", "village_id": "V1", "size": 4, "exit_year": 2016},  # registered still counts
        {"household_id": "e", "village_id": "V1", "size": 5, "registered_year": 2019},  # not yet
    )
    inc = fx.incomes(income("a", 3499.99), income("b", 3500.0), income("c", 4000.0),
                     income("d", 4000.0), income("e", 100.0))
    out = income_bands(frame(hh, inc))
    assert out.to_dict("records") == [
        {"band": "<3500", "lower": None, "upper": 3500, "households": 1, "people": 1},
        {"band": "3500–4000", "lower": 3500, "upper": 4000, "households": 1, "people": 2},
        {"band": ">=4000", "lower": 4000, "upper": None, "households": 2, "people": 7},
    ]


def test_income_bands_unknown_only_when_some_income_unknown():
    hh = fx.households({"household_id": "a", "village_id": "V1", "size": 2},
                       {"household_id": "b", "village_id": "V1", "size": 3})
    out = income_bands(frame(hh, fx.incomes(income("a", 5000.0))), [3500.5])
    assert out.to_dict("records") == [
        {"band": "<3500.5", "lower": None, "upper": 3500.5, "households": 0, "people": 0},
        {"band": ">=3500.5", "lower": 3500.5, "upper": None, "households": 1, "people": 2},
        {"band": "unknown", "lower": None, "upper": None, "households": 1, "people": 3},
    ]


def test_income_bands_of_nobody():
    out = income_bands(frame(fx.households()))
    assert out["band"].tolist() == ["<3500", "3500–4000", ">=4000"]
    assert out["households"].tolist() == [0, 0, 0]


# --------------------------------------------------------------------------- villages


def village_case(**village) -> pd.DataFrame:
    """One poor village of 100 people with a 2-person household left in T (2%) unless
    ``left`` says otherwise, and a household that exits."""
    left = village.pop("left", 2)
    v = fx.villages({"village_id": "V1", "population": 100, "is_poor_village": True, **village})
    rows = [{"household_id": "x", "village_id": "V1", "size": 3}]
    if left:
        rows.append({"household_id": "s", "village_id": "V1", "size": left})
    hh = fx.households(*rows)
    return village_table(v, frame(hh, fx.incomes(income("x", 4000.0), income("s", 100.0))), Y)


@pytest.mark.parametrize(
    "village, status, blockers",
    [
        ({"left": 1}, "exiting", []),
        ({"left": 0}, "exiting", []),
        ({"left": 2}, "blocked", ["incidence"]),  # exactly at V is not below it
        ({"left": 1, "venue_ok": False}, "blocked", ["venue_ok"]),
        ({"left": 1, "road_ok": False}, "blocked", ["road_ok"]),
        ({"left": 1, "venue_ok": False, "road_ok": False}, "blocked", ["venue_ok", "road_ok"]),
        ({"left": 5, "venue_ok": False}, "blocked", ["incidence", "venue_ok"]),
        ({"left": 5, "venue_ok": False, "road_ok": False}, "blocked",
         ["incidence", "venue_ok", "road_ok"]),
        ({"left": 5, "village_exit_year": 2019}, "blocked", ["incidence"]),  # exits after Y
        ({"left": 5, "village_exit_year": 2018}, "exited", []),
        ({"left": 5, "is_poor_village": False, "venue_ok": False}, "non_poor", []),
        ({"left": 0, "population": 0}, "blocked", ["incidence"]),  # no rate: cannot be below
    ],
)
def test_village_exit_and_blockers(village, status, blockers):
    row = village_case(**village).iloc[0]
    assert row["status"] == status
    assert row["blockers"] == blockers


def test_village_table_counts_and_rates():
    v = fx.villages(
        {"village_id": "V2", "population": 200, "is_poor_village": True, "village_exit_year": 2017},
        {"village_id": "V1", "population": 100, "is_poor_village": True},
    )
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "size": 3},
        {"household_id": "b", "village_id": "V1", "size": 2},
        {"household_id": "c", "village_id": "V1", "size": 4, "exit_year": 2016},
        {"household_id": "d", "village_id": "V2", "size": 5},
    )
    t = village_table(v, frame(hh, fx.incomes(income("a", 3600.0))), Y)
    assert t["village_id"].tolist() == ["V1", "V2"]
    first = t.iloc[0]
    assert (first["registered_households"], first["registered_people"]) == (3, 9)
    assert (first["exited_households"], first["exited_people"]) == (1, 4)
    assert (first["remaining_households"], first["remaining_people"]) == (2, 5)
    assert (first["projected_exits_households"], first["projected_exits_people"]) == (1, 3)
    assert (first["projected_remaining_households"], first["projected_remaining_people"]) == (1, 2)
    assert first["incidence"] == 0.05 and first["projected_incidence"] == 0.02
    assert t["exited_by_year"].tolist() == [False, True]
    assert t["status"].tolist() == ["blocked", "exited"]


def test_village_table_empty():
    t = village_table(fx.villages(), frame(fx.households()), Y)
    assert len(t) == 0 and {"status", "blockers"} <= set(t.columns)


# --------------------------------------------------------------------------- trend


def trend_case():
    v = fx.villages({"village_id": "V1", "population": 100}, {"village_id": "V2", "population": 300})
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "size": 2, "registered_year": 2015, "exit_year": 2016},
        {"household_id": "b", "village_id": "V2", "size": 3, "registered_year": 2016,
         "exit_year": 2016, "returned_year": 2018},
        {"household_id": "c", "village_id": "V2", "size": 5, "registered_year": 2017},
        {"household_id": "d", "village_id": "V2", "size": 7, "registered_year": 2020},
    )
    return v, frame(hh, fx.incomes(income("c", 3600.0)))


def test_incidence_trend_years_and_projection():
    v, f = trend_case()
    out = incidence_trend(v, f, Y)
    assert out.to_dict("list") == {
        "year": [2015, 2016, 2017, 2018, 2019],
        "remaining_people": [2, 0, 5, 8, 3],
        "incidence": [2 / 400, 0.0, 5 / 400, 8 / 400, 3 / 400],
        "projected": [False, False, False, False, True],
    }


def test_incidence_trend_by_village():
    v, f = trend_case()
    out = incidence_trend_by_village(v, f, Y)
    assert out[out["village_id"] == "V1"]["remaining_people"].tolist() == [2, 0, 0, 0, 0]
    v2 = out[out["village_id"] == "V2"]
    assert v2["remaining_people"].tolist() == [0, 0, 5, 8, 3]
    assert v2["incidence"].tolist() == [0.0, 0.0, 5 / 300, 8 / 300, 3 / 300]
    assert v2["projected"].tolist() == [False] * 4 + [True]
    assert v2["year"].tolist() == [2015, 2016, 2017, 2018, 2019]


def test_incidence_trend_of_an_empty_area():
    out = incidence_trend(fx.villages(), frame(fx.households()), Y)
    assert out["year"].tolist() == [2018, 2019]
    assert out["remaining_people"].tolist() == [0, 0]
    assert out["incidence"].isna().all()


# --------------------------------------------------------------------------- other figures


def test_cadre_count_distinct_among_registered():
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "cadre_id": "c1"},
        {"household_id": "b", "village_id": "V1", "cadre_id": "c1", "exit_year": 2016},
        {"household_id": "c", "village_id": "V1", "cadre_id": "c2"},
        {"household_id": "d", "village_id": "V1"},
        {"household_id": "e", "village_id": "V1", "cadre_id": "c3", "registered_year": 2019},
    )
    assert cadre_count(hh, Y) == 2
    assert cadre_count(fx.households(), Y) == 0


def test_unsafe_houses_outside_program():
    hh = fx.households(
        {"household_id": "a", "village_id": "V1", "size": 2, "house_risk_grade": "C"},
        {"household_id": "b", "village_id": "V1", "size": 3, "house_risk_grade": "D",
         "in_renovation_program": False},
        {"household_id": "c", "village_id": "V1", "size": 4, "house_risk_grade": "D",
         "in_renovation_program": True},
        {"household_id": "d", "village_id": "V1", "size": 5},
        {"household_id": "e", "village_id": "V1", "size": 6, "house_risk_grade": "C",
         "registered_year": 2019},
    )
    assert unsafe_houses_outside_program(hh, Y) == {"households": 2, "people": 5}


# --------------------------------------------------------------------------- township_metrics

TOP_KEYS = {
    "township_id", "township_name", "year", "target_year", "parameters", "villages", "population",
    "registered", "exited", "remaining", "incidence", "projection", "income_bands", "incidence_trend",
    "collective_economy", "industry_coverage", "labour", "transfer_dependence", "registry",
}
EXTRA_KEYS = {
    "county_name", "cadres", "unsafe_houses_outside_program", "income_unknown", "villages_table",
    "incidence_trend_by_village", "warnings", "depth", "sensitivity", "monitoring", "audit",
}
PROJECTION_KEYS = {"exits", "remaining", "incidence", "villages_exiting", "villages_blocked"}
VILLAGE_ROW_KEYS = {
    "village_id", "village_name", "township_name", "is_poor_village", "is_deep_poor_village", "exited_by_year",
    "population", *(f"{s}_{k}" for s in ("registered", "exited", "remaining", "projected_exits",
                                         "projected_remaining") for k in ("households", "people")),
    "incidence", "projected_incidence", "status", "blockers", "collective_income", "collective_weak",
    *INDUSTRY_COLUMNS,
}


def assert_plain(obj, path="$"):
    """Only JSON's own Python types, no numpy scalars, no NaN."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert type(k) is str, path
            assert_plain(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            assert_plain(v, f"{path}[{i}]")
    else:
        assert obj is None or type(obj) in (str, int, float, bool), (path, type(obj))
        assert not (type(obj) is float and math.isnan(obj)), path


@pytest.fixture(scope="module")
def reference():
    return analyse(fx.reference_county(), year=2018).metrics


def test_structure_matches_outputs_md(reference):
    assert set(reference) == TOP_KEYS | EXTRA_KEYS
    assert reference["registry"] is None  # no monitored table
    assert set(reference["parameters"]) == {"poverty_line", "poverty_lines", "bands", "growth", "village_threshold",
                                            "collective_income_line", "collective_income_exit",
                                            "industry_coverage_line"}
    assert set(reference["villages"]) == {"total", "poor", "deep_poor", "poor_exited", "poor_remaining"}
    assert reference["labour"] is None and reference["transfer_dependence"] is None  # no roster, no components
    for key in ("registered", "exited", "remaining", "unsafe_houses_outside_program", "income_unknown"):
        assert set(reference[key]) == {"households", "people"}
    assert set(reference["projection"]) == PROJECTION_KEYS | {"reasons", "villages_below_threshold"}
    assert set(reference["projection"]["reasons"]) == set(REASON_CODES)
    for reason in reference["projection"]["reasons"].values():
        assert set(reason) == {"households", "people", "label"}
    for band in reference["income_bands"]:
        assert set(band) == {"band", "lower", "upper", "households", "people"}
    for point in reference["incidence_trend"]:
        assert set(point) == {"year", "remaining_people", "incidence", "projected"}
    for point in reference["incidence_trend_by_village"]:
        assert set(point) == {"village_id", "year", "remaining_people", "incidence", "projected"}
    for row in reference["villages_table"]:
        assert set(row) == VILLAGE_ROW_KEYS
    audit = reference["audit"]
    assert set(audit) == {"backtest", "bunching", "round_incomes", "id_numbers"}
    for row in audit["backtest"]:
        assert set(row) == {"year", "projected", "exited", "both", "precision", "recall",
                            "villages_projected", "villages_exited"}
    assert set(audit["bunching"]) == {"area", "villages", "flagged_villages"}
    assert set(audit["round_incomes"]) == {"villages", "flagged_villages"}
    assert set(audit["id_numbers"]) == {"checked", "invalid", "duplicated"}


def test_json_serialisable_plain_types(reference):
    text = json.dumps(reference, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == reference
    assert_plain(reference)


def test_reference_township_reproduces_the_seed(reference):
    m = reference
    assert (m["township_id"], m["township_name"], m["county_name"]) == ("001", "测试镇", "测试县")
    assert (m["year"], m["target_year"]) == (2018, 2019)
    assert m["parameters"] == {"poverty_line": 3500, "poverty_lines": None, "bands": [3500, 4000], "growth": 0.0,
                               "village_threshold": 0.02, "collective_income_line": 50000,
                               "collective_income_exit": False, "industry_coverage_line": 0.8}
    assert m["villages"] == {"total": 20, "poor": 5, "deep_poor": 0, "poor_exited": 1, "poor_remaining": 4}
    assert m["population"] == 28600
    assert m["registered"] == {"households": 820, "people": 1872}
    assert m["exited"] == {"households": 405, "people": 948}
    assert m["remaining"] == {"households": 415, "people": 924}
    assert m["incidence"] == 924 / 28600 and f"{m['incidence']:.2%}" == "3.23%"
    p = m["projection"]
    assert p["exits"] == {"households": 252, "people": 566}
    assert p["remaining"] == {"households": 163, "people": 358}
    assert p["incidence"] == 358 / 28600 and f"{p['incidence']:.2%}" == "1.25%"
    assert p["villages_exiting"] == ["V02"]
    assert p["villages_blocked"] == {"V03": ["venue_ok"], "V04": ["venue_ok"], "V05": ["incidence"]}
    assert p["villages_below_threshold"] == ["V02", "V03", "V04"]
    assert p["reasons"]["income_short"] == {"households": 163, "people": 358, "label": "收入低于贫困线"}
    assert m["income_bands"] == [
        {"band": "<3500", "lower": None, "upper": 3500, "households": 163, "people": 358},
        {"band": "3500–4000", "lower": 3500, "upper": 4000, "households": 252, "people": 566},
        {"band": ">=4000", "lower": 4000, "upper": None, "households": 405, "people": 948},
    ]
    assert [t["year"] for t in m["incidence_trend"]] == [2014, 2015, 2016, 2017, 2018, 2019]
    assert m["incidence_trend"][-2] == {"year": 2018, "remaining_people": 924,
                                        "incidence": 924 / 28600, "projected": False}
    assert m["incidence_trend"][-1] == {"year": 2019, "remaining_people": 358,
                                        "incidence": 358 / 28600, "projected": True}
    assert m["cadres"] == 150
    assert m["unsafe_houses_outside_program"]["households"] == 20
    assert m["income_unknown"] == {"households": 0, "people": 0}
    assert m["warnings"] == []
    assert len(m["villages_table"]) == 20
    assert len(m["incidence_trend_by_village"]) == 20 * 6


def test_parameters_are_echoed():
    m = analyse(fx.reference_county(), year=2018, poverty_line=3500.5, bands=(3000, 3500.5), growth=0.05, village_threshold=0.03, collective_income_line=60000.5, collective_income_exit=True, industry_coverage_line=0.75, poverty_lines="2016:3000,2017:3200.5").metrics
    assert m["parameters"] == {"poverty_line": 3500.5, "poverty_lines": {"2016": 3000, "2017": 3200.5},
                               "bands": [3000, 3500.5], "growth": 0.05,
                               "village_threshold": 0.03, "collective_income_line": 60000.5,
                               "collective_income_exit": True, "industry_coverage_line": 0.75}
    assert m["collective_economy"]["line"] == 60000.5
    assert [b["band"] for b in m["income_bands"]] == ["<3000", "3000–3500.5", ">=3500.5"]


def test_does_not_mutate_the_county():
    c = fx.reference_county()
    before = {k: getattr(c, k).copy() for k in ("villages", "households", "incomes", "cadres")}
    analyse(c, year=2018).metrics
    analyse(c, year=2018).non_exit_households
    for k, df in before.items():
        pd.testing.assert_frame_equal(getattr(c, k), df)


def two_townships():
    v = fx.villages(
        {"village_id": "A1", "population": 100, "township_id": "001", "township_name": "甲镇"},
        {"village_id": "B1", "population": 100, "township_id": "002", "township_name": "乙镇",
         "is_poor_village": True},
    )
    hh = fx.households(
        {"household_id": "a", "village_id": "A1", "size": 2, "cadre_id": "c1"},
        {"household_id": "b", "village_id": "B1", "size": 3, "cadre_id": "c2"},
        {"household_id": "c", "village_id": "B1", "size": 4, "exit_year": 2016, "cadre_id": "c2"},
    )
    inc = fx.incomes(income("a", 4000.0), income("b", 3000.0))
    return fx.county(v, hh, inc)


def test_county_versus_township():
    c = two_townships()
    whole = analyse(c, year=Y).metrics
    assert (whole["township_id"], whole["township_name"]) == ("county", "测试县")
    assert whole["population"] == 200
    assert whole["registered"] == {"households": 3, "people": 9}
    assert whole["remaining"] == {"households": 2, "people": 5}
    assert whole["projection"]["exits"] == {"households": 1, "people": 2}
    assert whole["incidence"] == 5 / 200
    assert whole["cadres"] == 2
    assert whole["villages"]["total"] == 2

    a = analyse(c.area("001"), year=Y).metrics
    assert (a["township_id"], a["township_name"]) == ("001", "甲镇")
    assert a["population"] == 100 and a["remaining"] == {"households": 1, "people": 2}
    assert a["projection"]["incidence"] == 0.0
    b = analyse(c.township("002"), year=Y).metrics
    assert (b["township_id"], b["township_name"]) == ("002", "乙镇")
    assert b["registered"] == {"households": 2, "people": 7}
    assert b["projection"]["villages_blocked"] == {"B1": ["incidence"]}  # 3 of 100 people left
    assert b["projection"]["incidence"] == 0.03
    assert analyse(c.area(), year=Y).metrics["township_id"] == "county"
    assert analyse(c.area(2), year=Y).metrics["township_id"] == "002"  # papermill passes ints
    assert analyse(c.area("乙镇"), year=Y).metrics["township_id"] == "002"
    with pytest.raises(UnknownTownshipError, match="「999」.*可选：001 甲镇、002 乙镇"):
        analyse(c.area("999"), year=Y).metrics


def test_empty_township():
    c = fx.county(fx.villages({"village_id": "V1", "population": 500}))
    m = analyse(c, year=Y).metrics
    assert m["registered"] == {"households": 0, "people": 0}
    assert m["incidence"] == 0.0
    assert m["income_bands"][0]["households"] == 0 and len(m["income_bands"]) == 3
    assert m["incidence_trend"] == [
        {"year": 2018, "remaining_people": 0, "incidence": 0.0, "projected": False},
        {"year": 2019, "remaining_people": 0, "incidence": 0.0, "projected": True},
    ]
    json.dumps(m, allow_nan=False)


def test_area_without_villages_gives_null_rates():
    m = analyse(fx.county(), year=Y).metrics
    assert m["township_id"] == "county"
    assert m["population"] == 0
    assert m["incidence"] is None and m["projection"]["incidence"] is None
    assert [t["incidence"] for t in m["incidence_trend"]] == [None, None]
    json.dumps(m, allow_nan=False)


def test_income_unknown_and_unknown_band_in_metrics():
    c = fx.county(
        fx.villages({"village_id": "V1", "population": 50}),
        fx.households({"household_id": "a", "village_id": "V1", "size": 4}),
    )
    m = analyse(c, year=Y).metrics
    assert m["income_unknown"] == {"households": 1, "people": 4}
    assert m["income_bands"][-1] == {"band": "unknown", "lower": None, "upper": None,
                                     "households": 1, "people": 4}
    assert m["projection"]["reasons"]["income_unknown"]["households"] == 1
    assert [w["code"] for w in m["warnings"]] == ["projection_income_unknown"]


def test_township_slice_keeps_cadres_in_figures():
    c = replace(fx.reference_county())
    assert analyse(c.township("001"), year=2018).metrics["cadres"] == 150
