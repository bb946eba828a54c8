"""Hand-made metrics dicts for the report-look tests (style, plots, narrative).

`reference_metrics()` reproduces the reference township of the data contract
(docs/data.md, "The sample county") in the shape of metrics.json plus the extra keys
the metrics library returns. Every call returns a fresh copy, so a test may
change it freely.
"""

from __future__ import annotations

import copy
from typing import Any

POPULATION = 28600

# village_id, village_name, poor, population, registered hh/people,
# exited hh/people (by 2018), projected exits hh/people (2019).
# Sums: population 28600, registered 820/1872, exited 405/948, exits 252/566.
_VILLAGES: list[tuple[str, str, bool, int, int, int, int, int, int, int]] = [
    ("0101", "东关村", False, 1291, 30, 68, 14, 33, 10, 23),
    ("0102", "西关村", False, 1546, 36, 81, 11, 26, 15, 34),
    ("0103", "南街村", False, 1473, 26, 61, 13, 31, 8, 19),
    ("0104", "北街村", False, 1400, 33, 76, 15, 36, 11, 25),
    ("0105", "李家沟村", True, 1450, 70, 160, 66, 151, 2, 5),
    ("0106", "河湾村", False, 1327, 23, 56, 10, 25, 8, 20),
    ("0107", "杨庄村", False, 1582, 39, 87, 14, 32, 14, 32),
    ("0108", "王家坪村", True, 1520, 80, 183, 46, 109, 27, 61),
    ("0109", "柳树湾村", False, 1509, 20, 48, 10, 24, 5, 13),
    ("0110", "石门村", False, 1436, 30, 67, 12, 27, 10, 23),
    ("0111", "红旗村", False, 1363, 26, 60, 8, 18, 10, 23),
    ("0112", "新庄村", False, 1290, 32, 71, 16, 36, 9, 20),
    ("0113", "马家岭村", True, 1380, 75, 171, 38, 92, 29, 62),
    ("0114", "高家洼村", True, 1410, 72, 165, 36, 86, 28, 58),
    ("0115", "大坪村", False, 1545, 22, 51, 9, 21, 7, 16),
    ("0116", "小河村", False, 1472, 35, 77, 13, 29, 12, 26),
    ("0117", "白杨村", False, 1399, 29, 66, 10, 23, 10, 23),
    ("0118", "前进村", False, 1326, 25, 57, 14, 32, 6, 14),
    ("0119", "张家塬村", False, 1581, 32, 71, 12, 27, 11, 24),
    ("0120", "刘家峁村", True, 1300, 85, 196, 38, 90, 20, 45),
]

#: Status of the poor villages: 0105 exited in 2017, 0108 exits in 2019,
#: 0113 and 0114 fall below 2% but lack a standard venue, 0120 stays above 2%.
_POOR_STATUS: dict[str, tuple[str, list[str]]] = {
    "0105": ("exited", []),
    "0108": ("exiting", []),
    "0113": ("blocked", ["venue_ok"]),
    "0114": ("blocked", ["venue_ok"]),
    "0120": ("blocked", ["incidence"]),
}

#: Remaining people per poor village, 2014..2018 and the 2019 projection.
_VILLAGE_TREND: dict[str, list[int]] = {
    "0105": [150, 120, 72, 15, 9, 4],
    "0108": [175, 160, 131, 102, 74, 13],
    "0113": [165, 150, 128, 101, 79, 17],
    "0114": [160, 146, 120, 98, 79, 21],
    "0120": [190, 178, 160, 131, 106, 61],
}

#: Township remaining people, 2014..2018 and the 2019 projection.
_TOWNSHIP_TREND = [1702, 1508, 1290, 1105, 924, 358]
_YEARS = [2014, 2015, 2016, 2017, 2018, 2019]


def _hp(households: int, people: int) -> dict[str, int]:
    return {"households": households, "people": people}


def _village_row(row: tuple[str, str, bool, int, int, int, int, int, int, int]) -> dict[str, Any]:
    vid, name, poor, pop, rh, rp, eh, ep, ph, pp = row
    status, blockers = _POOR_STATUS.get(vid, ("non_poor", []))
    remaining_people = rp - ep
    return {
        "village_id": vid,
        "village_name": name,
        "is_poor_village": poor,
        "is_deep_poor_village": False,
        "population": pop,
        "registered": _hp(rh, rp),
        "exited": _hp(eh, ep),
        "remaining": _hp(rh - eh, remaining_people),
        "projected_exits": _hp(ph, pp),
        "projected_remaining_people": remaining_people - pp,
        "incidence": remaining_people / pop,
        "projected_incidence": (remaining_people - pp) / pop,
        "status": status,
        "blockers": blockers,
    }


def _trend(remaining: list[int], population: int) -> list[dict[str, Any]]:
    return [
        {
            "year": year,
            "remaining_people": people,
            "incidence": people / population,
            "projected": year == _YEARS[-1],
        }
        for year, people in zip(_YEARS, remaining)
    ]


def reference_metrics() -> dict[str, Any]:
    """The reference township (城关镇, Y=2018) as the metrics library returns it."""
    villages = [_village_row(row) for row in _VILLAGES]
    populations = {v["village_id"]: v["population"] for v in villages}
    by_village = [
        {"village_id": vid, **point}
        for vid, people in _VILLAGE_TREND.items()
        for point in _trend(people, populations[vid])
    ]
    reasons = {
        "income_short": {**_hp(163, 358), "label": "收入低于贫困线"},
        "income_unknown": {**_hp(0, 0), "label": "收入情况不明"},
        "food_clothing_ok": {**_hp(0, 0), "label": "不愁吃穿未实现"},
        "education_ok": {**_hp(0, 0), "label": "义务教育保障未落实"},
        "medical_ok": {**_hp(3, 7), "label": "基本医疗保障未落实"},
        "housing_ok": {**_hp(8, 19), "label": "住房安全保障未落实"},
        "water_ok": {**_hp(0, 0), "label": "饮水安全保障未落实"},
    }
    metrics: dict[str, Any] = {
        "township_id": "001",
        "township_name": "城关镇",
        "county_name": "示例县",
        "year": 2018,
        "target_year": 2019,
        "parameters": {
            "poverty_line": 3500,
            "bands": [3500, 4000],
            "growth": 0.0,
            "village_threshold": 0.02,
        },
        "villages": {"total": 20, "poor": 5, "deep_poor": 0, "poor_exited": 1, "poor_remaining": 4},
        "population": POPULATION,
        "registered": _hp(820, 1872),
        "exited": _hp(405, 948),
        "remaining": _hp(415, 924),
        "incidence": 924 / POPULATION,
        "cadres": 150,
        "unsafe_houses_outside_program": _hp(20, 46),
        "income_unknown": _hp(0, 0),
        "projection": {
            "exits": _hp(252, 566),
            "remaining": _hp(163, 358),
            "incidence": 358 / POPULATION,
            "villages_exiting": ["0108"],
            "villages_blocked": {"0113": ["venue_ok"], "0114": ["venue_ok"], "0120": ["incidence"]},
            "reasons": reasons,
        },
        "income_bands": [
            {"band": "<3500", "lower": None, "upper": 3500, **_hp(163, 358)},
            {"band": "3500–4000", "lower": 3500, "upper": 4000, **_hp(252, 566)},
            {"band": ">=4000", "lower": 4000, "upper": None, **_hp(405, 948)},
        ],
        "incidence_trend": _trend(_TOWNSHIP_TREND, POPULATION),
        "villages_table": villages,
        "incidence_trend_by_village": by_village,
        "warnings": [],
    }
    return copy.deepcopy(metrics)


def county_summaries() -> list[dict[str, Any]]:
    """Four township metrics dicts for the county page (the reference one first)."""
    first = reference_metrics()
    others = [
        ("002", "河口乡", 21400, 702, 251),
        ("003", "石桥镇", 33150, 1105, 388),
        ("004", "白云乡", 15800, 260, 0),
    ]
    out = [first]
    for tid, name, population, remaining, projected in others:
        town = reference_metrics()
        town.update(
            township_id=tid,
            township_name=name,
            population=population,
            incidence=remaining / population,
        )
        town["projection"]["incidence"] = projected / population
        out.append(town)
    return out
