"""The audit figures (数据核查) on small hand-made tables: each definition of docs/data.md and its edges."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import metrics_fixtures as fx
from fupin.figures.audit import (
    audit,
    audit_households,
    backtest,
    bunching,
    id_number_facts,
    id_number_problem,
    id_numbers,
    round_incomes,
)
from fupin.figures.frame import household_frame, village_table
from fupin.figures.analysis import analyse
from fupin.figures.parameters import report_parameters

TODAY = dt.date(2020, 6, 1)


def _audit(county, **params):
    p = report_parameters(**{"year": 2018, **params})
    frame = household_frame(county.households, county.incomes, p.year, poverty_line=p.poverty_line, growth=p.growth)
    villages = village_table(county.villages, frame, p.year, threshold=p.village_threshold)
    return audit(county, frame, villages, p, today=TODAY), frame, p


# --------------------------------------------------------------------------- backtest


def _backtest_county():
    """Village P (poor, 出列 2017, population 100), village N; households registered 2015-2017.

    As of 2015 (for 2016): a (income 2015 3600, 2 people) and b (3400, 3 people) remain;
    a is projected, b is not; a and b both exit in 2016. c (registered 2015, income 3600
    but housing not safe) is never projected and never exits. d is registered in 2016
    and exits in 2016 (no projection could foresee it). e: income of 2016 is 3600 but
    recorded only as of 2016, so it counts for 2017, not 2016; e exits in 2017.
    """
    v = fx.villages({"village_id": "P", "is_poor_village": True, "village_exit_year": 2017, "population": 100},
                    {"village_id": "N", "population": 1000})
    h = fx.households(
        {"household_id": "a", "village_id": "P", "size": 2, "registered_year": 2015, "exit_year": 2016},
        {"household_id": "b", "village_id": "P", "size": 3, "registered_year": 2015, "exit_year": 2016},
        {"household_id": "c", "village_id": "N", "size": 1, "registered_year": 2015, "housing_ok": False},
        {"household_id": "d", "village_id": "N", "size": 4, "registered_year": 2016, "exit_year": 2016},
        {"household_id": "e", "village_id": "P", "size": 1, "registered_year": 2015, "exit_year": 2017},
    )
    inc = fx.incomes(
        {"household_id": "a", "year": 2015, "per_capita_income": 3600.0},
        {"household_id": "b", "year": 2015, "per_capita_income": 3400.0},
        {"household_id": "b", "year": 2016, "per_capita_income": 9000.0},  # known only after 2015
        {"household_id": "c", "year": 2015, "per_capita_income": 3600.0},
        {"household_id": "d", "year": 2016, "per_capita_income": 5000.0},
        {"household_id": "e", "year": 2015, "per_capita_income": 3000.0},
        {"household_id": "e", "year": 2016, "per_capita_income": 3600.0},
        {"household_id": "e", "year": 2017, "per_capita_income": 3700.0},
    )
    return fx.county(v, h, inc)


def test_backtest_uses_only_what_was_known_and_counts_every_exit():
    rows = backtest(_backtest_county(), report_parameters(year=2017))
    assert [r["year"] for r in rows] == [2016, 2017]
    y2016, y2017 = rows
    assert y2016["projected"] == {"households": 1, "people": 2}  # a only: b's 9000 of 2016 is not yet known
    assert y2016["exited"] == {"households": 3, "people": 9}  # a, b and d (registered in 2016)
    assert y2016["both"] == {"households": 1, "people": 2}
    assert y2016["precision"] == 1.0 and y2016["recall"] == pytest.approx(1 / 3)
    # as of 2016: b is still remaining? no, b exited 2016; e remains with its 2016 income 3600
    assert y2017["projected"] == {"households": 1, "people": 1}
    assert y2017["exited"] == {"households": 1, "people": 1}
    assert y2017["precision"] == 1.0 and y2017["recall"] == 1.0
    # village P as of 2016: remaining e (1 person) projected to exit -> 0 of 100 below 2%
    assert y2016["villages_projected"] == [] and y2016["villages_exited"] == []
    assert y2017["villages_projected"] == ["P"] and y2017["villages_exited"] == ["P"]


def test_backtest_first_registered_year_has_none():
    county = _backtest_county()
    h = county.households
    only_first = fx.county(county.villages, h[h["registered_year"] == 2015], county.incomes)
    assert backtest(only_first, report_parameters(year=2015)) == []
    assert [r["year"] for r in backtest(only_first, report_parameters(year=2016))] == [2016]


def test_backtest_line_of_the_year_and_empty_precision():
    # with L(2016) = 3700, a (3600) is no longer projected: nothing projected, precision None
    rows = backtest(_backtest_county(), report_parameters(year=2016, poverty_lines="2016:3700"))
    assert rows[0]["projected"] == {"households": 0, "people": 0}
    assert rows[0]["precision"] is None and rows[0]["recall"] == 0.0
    # the report's own L (2000) never re-judges a past year that has its line
    rows = backtest(_backtest_county(), report_parameters(year=2016, poverty_line=2000, poverty_lines="2014:3700"))
    assert rows[0]["projected"]["households"] == 0


def test_backtest_growth_carries_the_last_known_income():
    # b's 3400 of 2015 at 3% growth is 3502 in 2016: projected with a
    rows = backtest(_backtest_county(), report_parameters(year=2016, growth=0.03))
    assert rows[0]["projected"] == {"households": 2, "people": 5}
    assert rows[0]["both"] == {"households": 2, "people": 5}


# --------------------------------------------------------------------------- bunching


def _exited(hid, village, income, year=2017, **extra):
    return ({"household_id": hid, "village_id": village, "registered_year": 2014, "exit_year": year, **extra},
            {"household_id": hid, "year": year, "per_capita_income": income})


def _county_of(rows, villages=("A", "B")):
    v = fx.villages(*[{"village_id": x} for x in villages])
    return fx.county(v, fx.households(*[h for h, _ in rows]), fx.incomes(*[i for _, i in rows]))


def test_bunching_edges_in_fen():
    # L = 3500, w = 175: a = [3500, 3675), b = [3325, 3500), c = [3675, 3850)
    incomes = [3500.0, 3674.99, 3600, 3650, 3660,  # a: 5 (3500 exactly is in a)
               3675.0,  # exactly L + w: c, not a
               3499.99, 3325.0, 3400.0,  # b
               3324.99, 3850.0]  # in none
    rows = [_exited(f"h{i}", "A", x) for i, x in enumerate(incomes)]
    figures, _, _ = _audit(_county_of(rows))
    b = figures["bunching"]
    assert b["area"] == {"a": 5, "b": 3, "c": 1}
    assert b["villages"] == {"A": {"a": 5, "b": 3, "c": 1}, "B": {"a": 0, "b": 0, "c": 0}}
    assert b["flagged_villages"] == []  # 5 < 2 x max(3, 1, 1)
    figures, _, _ = _audit(_county_of([r for r in rows if r[0]["household_id"] != "h6"]))
    assert figures["bunching"]["villages"]["A"] == {"a": 5, "b": 2, "c": 1}
    assert figures["bunching"]["flagged_villages"] == ["A"]  # 5 >= 2 x 2


def test_bunching_uses_the_line_of_the_exit_year_and_only_exited_households():
    # lines 2016: 3000 (w 150), 2017: 3500; household in 2016 at 3100 is in a; at L of 2017 it would be below
    rows = [_exited(f"h{i}", "A", 3100.0, year=2016) for i in range(5)]
    rows.append(_exited("late", "A", 3100.0, year=2019))  # exits after Y: not exited(Y)
    rows.append(_exited("back", "A", 3100.0, year=2016, returned_year=2017))  # returned: not exited(Y)
    figures, _, _ = _audit(_county_of(rows), poverty_lines="2016:3000,2017:3500")
    assert figures["bunching"]["area"] == {"a": 5, "b": 0, "c": 0}
    assert figures["bunching"]["flagged_villages"] == ["A"]
    figures, _, _ = _audit(_county_of(rows))  # L = 3500 for every year: 3100 is below L - w
    assert figures["bunching"]["area"] == {"a": 0, "b": 0, "c": 0}


# --------------------------------------------------------------------------- round incomes


def test_round_incomes_by_village_and_the_ten_row_minimum():
    v = fx.villages({"village_id": "A"}, {"village_id": "B"}, {"village_id": "C"})
    h = fx.households({"household_id": "a", "village_id": "A", "registered_year": 2019},  # registered after Y
                      {"household_id": "b", "village_id": "B"}, {"household_id": "c", "village_id": "C"})
    inc_rows = (
        # A: 10 actual rows, 5 round (3600.00, 3700, 0, 4000, 100) -> flagged; an estimate does not count
        [{"household_id": "a", "year": 2010 + i, "per_capita_income": x}
         for i, x in enumerate([3600.0, 3700.0, 0.0, 4000.0, 100.0, 3601.0, 3650.5, 3699.99, 3750.0, 3810.0])]
        + [{"household_id": "a", "year": 2030, "per_capita_income": 5000.0, "is_estimate": True}]
        # B: 9 rows, all round -> too few rows
        + [{"household_id": "b", "year": 2010 + i, "per_capita_income": 3000.0} for i in range(9)]
        # C: 10 rows, 4 round
        + [{"household_id": "c", "year": 2010 + i, "per_capita_income": 3000.0 + (0 if i < 4 else 1)}
           for i in range(10)]
    )
    county = fx.county(v, h, fx.incomes(*inc_rows))
    got = round_incomes(county.villages, county)
    assert got["villages"] == {"A": {"rows": 10, "round": 5}, "B": {"rows": 9, "round": 9},
                               "C": {"rows": 10, "round": 4}}
    assert got["flagged_villages"] == ["A"]


# --------------------------------------------------------------------------- id numbers


def test_id_check_character_x_and_29_february():
    assert id_number_problem("11010519491231002X", TODAY) is None
    assert id_number_problem("11010519491231002x", TODAY) is None  # read in capitals
    assert id_number_problem("110105194912310021", TODAY) == "check"
    assert id_number_problem("110101200002290018", TODAY) is None  # 2000 is a leap year
    assert id_number_problem("110101190002290011", TODAY) == "birth_date"  # 1900 is not
    assert id_number_problem("11010520300101001X", TODAY) == "birth_date"  # in the future
    assert id_number_problem("11010A19491231002X", TODAY) == "check"


def test_id_numbers_checked_invalid_duplicated():
    h = fx.households(*[
        {"household_id": f"h{i}", "village_id": "A", "id_number": x}
        for i, x in enumerate(["11010519491231002X", " 11010519491231002x", "110101200002290018",
                               "110101190002290011", "110105194912310021", "110105194912310021",
                               "1101051949123100", None])
    ])
    # checked: the six of 18 characters; invalid: 1900-02-29 and the two with a wrong check character;
    # duplicated: two distinct numbers (the X one written twice, the wrong one twice)
    assert id_numbers(h, TODAY) == {"checked": 6, "invalid": 3, "duplicated": 2}
    assert id_numbers(h.drop(columns="id_number"), TODAY) is None
    # a prepared slice carries the facts, not the numbers: the same figures
    facts = id_number_facts(h, TODAY)
    assert id_numbers(h.assign(id_number=pd.NA, **facts), TODAY) == {"checked": 6, "invalid": 3, "duplicated": 2}


# --------------------------------------------------------------------------- metrics and the households


def test_metrics_carry_audit():
    rows = [_exited(f"h{i}", "A", 3600.0, id_number="11010519491231002X") for i in range(5)]
    m = analyse(_county_of(rows), year=2017).metrics
    assert set(m["audit"]) == {"backtest", "bunching", "round_incomes", "id_numbers"}
    assert m["audit"]["bunching"]["flagged_villages"] == ["A"]
    assert m["audit"]["id_numbers"]["duplicated"] == 1
    assert [r["year"] for r in m["audit"]["backtest"]] == [2015, 2016, 2017]


def test_audit_households_one_row_per_household_and_reason():
    rows = [_exited(f"h{i}", "A", 3600.0, id_number="11010519491231002X" if i < 2 else None) for i in range(5)]
    rows.append(_exited("x", "B", 3000.0, id_number="110105194912310021"))
    figures, frame, p = _audit(_county_of(rows))
    got = audit_households(_county_of(rows), frame, p, figures, today=TODAY)
    assert got[["reason", "household_id"]].values.tolist() == [
        ["bunching", "h0"], ["bunching", "h1"], ["bunching", "h2"], ["bunching", "h3"], ["bunching", "h4"],
        ["id_invalid", "x"], ["id_duplicated", "h0"], ["id_duplicated", "h1"],
    ]
    assert got["income"].tolist()[:5] == [3600.0] * 5
    assert got.loc[got["reason"] == "id_invalid", "id_problem"].tolist() == ["check"]
    assert np.isnan(got["income"].iloc[-1])


def test_a_prepared_slice_gives_the_id_figures_of_the_numbers(tmp_path):
    """fupin run's township slices drop the numbers: the figures come from the facts they carry."""
    from fupin.io.loading import load
    from fupin.batch.prepare import prepare

    v = fx.villages({"village_id": "A", "township_id": "001"}, {"village_id": "B", "township_id": "002"})
    numbers = ["11010519491231002X", "11010519491231002X", "110101190002290011", "11010519491231002X"]
    h = fx.households(*[{"household_id": f"h{i}", "village_id": "A" if i < 3 else "B", "id_number": x}
                        for i, x in enumerate(numbers)])
    county = fx.county(v, h, fx.incomes({"household_id": "h0", "year": 2018, "per_capita_income": 3000.0}))
    [folder] = prepare(county, tmp_path, ["001"]).values()
    back = load(folder)
    assert back.households["id_number"].isna().all()
    # within township 001: three checked, the 1900-02-29 one invalid, one number held twice
    assert id_numbers(back.households) == id_numbers(county.township("001").households) == {
        "checked": 3, "invalid": 1, "duplicated": 1}


def test_backtest_words_when_nothing_was_projected_or_exited():
    from fupin.report.audit_words import backtest_paragraph, backtest_row

    row = {"year": 2016, "projected": {"households": 0, "people": 0}, "exited": {"households": 0, "people": 0},
           "both": {"households": 0, "people": 0}, "precision": None, "recall": None,
           "villages_projected": [], "villages_exited": []}
    m = {"township_id": "001", "township_name": "甲镇", "year": 2016, "audit": {"backtest": [row]}}
    assert backtest_paragraph(m) == "按2015年底的数据和当年贫困线回溯，2016年拟脱贫0户，实际脱贫0户，其中0户与预计一致。"
    assert backtest_row(m) == ["甲镇", "2016年", "0", "0", "0", "—", "—", "0个", "0个"]
    assert backtest_row({**m, "audit": {"backtest": []}})[1:] == ["—"] * 8


def test_id_problems_all_at_once_agree_with_one_by_one():
    from fupin.figures.audit import id_problems

    def with_check(head):
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        return head + "10X98765432"[sum(int(c) * w for c, w in zip(head, weights)) % 11]

    heads = ["11010519491231002", "11010120000229001", "11010119000229001", "11010120040229001",
             "11010120030229001", "11010119901301001", "11010119900100001", "11010119900431001",
             "11010120200601001", "11010120200602001", "11010100000101001"]
    numbers = [with_check(h) for h in heads] + ["11010519491231002Y", "1101051949123100A1", "110105194912310020"]
    got = id_problems(numbers, TODAY).tolist()
    assert got == [id_number_problem(n, TODAY) or "" for n in numbers]
    assert got == ["", "", "birth_date", "", "birth_date", "birth_date", "birth_date", "birth_date",
                   "", "birth_date", "birth_date", "check", "check", "check"]
