"""The hand-made township of tests/test_depth.py and tests/test_followup.py."""

from __future__ import annotations

import metrics_fixtures as fx
from fupin.core.county import County

Y, T = 2018, 2019
Z = 2000.0


def county() -> County:
    """Villages A (population 10) and B (20); z = 2000; Y = 2018, T = 2019.

    remaining(Y): h1 A size 2 income 1000; h2 A size 1 income 0; h3 B size 3
    income 1900; h4 B size 1 income 2000 (on the line: not poor); h5 B size 4
    no income (unknown); h9 B size 2 income 2100, housing not assured.
    exited(Y): h6 A size 2 (因病) 3000 -> 2500; h7 B size 5 (因病) 5000 -> 3200;
    h10 A size 1 (因学) exit 2017, 4000 in 2016 -> 2700; h11 B size 3 no income;
    h13 A size 1 (no cause) 0 -> 100. h8 registers only in 2019.
    B is a poor village without a standard venue (blocked in T).
    Incomes of remaining households are for 2018 (carried to T by growth);
    exited households have rows in their exit year and in 2019.
    """
    hh = fx.households(
        {"household_id": "h1", "village_id": "A", "size": 2, "head_name": "王小明"},
        {"household_id": "h2", "village_id": "A", "size": 1, "head_name": "李四"},
        {"household_id": "h3", "village_id": "B", "size": 3},
        {"household_id": "h4", "village_id": "B", "size": 1},
        {"household_id": "h5", "village_id": "B", "size": 4},
        {"household_id": "h9", "village_id": "B", "size": 2, "housing_ok": False},
        {"household_id": "h6", "village_id": "A", "size": 2, "exit_year": 2016, "main_cause": "因病",
         "head_name": "张三丰"},
        {"household_id": "h7", "village_id": "B", "size": 5, "exit_year": 2016, "main_cause": "因病",
         "head_name": "欧阳小明"},
        {"household_id": "h10", "village_id": "A", "size": 1, "exit_year": 2017, "main_cause": "因学"},
        {"household_id": "h11", "village_id": "B", "size": 3, "exit_year": 2017},
        {"household_id": "h13", "village_id": "A", "size": 1, "exit_year": 2016},
        {"household_id": "h8", "village_id": "A", "size": 6, "registered_year": 2019},
    )
    rows = [("h1", 2018, 1000), ("h2", 2018, 0), ("h3", 2018, 1900), ("h4", 2018, 2000),
            ("h9", 2018, 2100), ("h6", 2016, 3000), ("h6", 2019, 2500), ("h7", 2016, 5000),
            ("h7", 2019, 3200), ("h10", 2016, 4000), ("h10", 2019, 2700), ("h13", 2016, 0),
            ("h13", 2019, 100), ("h8", 2019, 500)]
    inc = fx.incomes(*({"household_id": h, "year": y, "per_capita_income": float(v)} for h, y, v in rows))
    vil = fx.villages({"village_id": "A", "population": 10},
                      {"village_id": "B", "population": 20, "is_poor_village": True, "venue_ok": False})
    return fx.county(vil, hh, inc)
