"""The seed's first problems: collective economy and industry coverage, on hand-made counties."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import metrics_fixtures as fx
from fupin.figures import collective as economy
from fupin.report import narrative, tables
from conftest import fupin_cli
from fupin.core.config import REFERENCE_TOWNSHIP_ID, SAMPLE_DIR
from fupin.figures.analysis import analyse

Y = 2018
GOLDEN = Path(__file__).parent / "data" / "reference_township_metrics_2018.json"


# --------------------------------------------------------------------------- collective economy


def collective_county() -> fx.County:
    """Seven villages, every case of the collective-economy definition.

    A poor, open, exactly 50,000 yuan (not weak); B poor, open, 49,999.99
    (weak); C poor, open, no figure (unknown); D poor, exited 2017, 30,000
    (weak); E non-poor, 12,000.5 (weak); F non-poor, 80,000; G poor, open,
    1,000 (weak) whose projected incidence (30 of 1,000) stays above 2%.
    A, B, C each hold one remaining household projected to exit.
    """
    v = fx.villages(
        {"village_id": "A", "is_poor_village": True, "collective_income": 50000.0},
        {"village_id": "B", "is_poor_village": True, "collective_income": 49999.99},
        {"village_id": "C", "is_poor_village": True},
        {"village_id": "D", "is_poor_village": True, "village_exit_year": 2017, "collective_income": 30000.0},
        {"village_id": "E", "collective_income": 12000.5},
        {"village_id": "F", "collective_income": 80000.0},
        {"village_id": "G", "is_poor_village": True, "collective_income": 1000.0},
    )
    h = fx.households(
        {"household_id": "a1", "village_id": "A"},
        {"household_id": "b1", "village_id": "B"},
        {"household_id": "c1", "village_id": "C"},
        {"household_id": "g1", "village_id": "G", "size": 30},
    )
    i = fx.incomes(*({"household_id": hid, "year": Y + 1, "per_capita_income": 4000.0} for hid in ("a1", "b1", "c1")),
                   {"household_id": "g1", "year": Y + 1, "per_capita_income": 1000.0})
    return fx.county(v, h, i)


def test_weak_villages_counted_poor_and_non_poor_apart():
    m = analyse(collective_county(), year=Y).metrics
    assert m["collective_economy"] == {
        "line": 50000,
        "weak": {"poor": 3, "non_poor": 1},  # B, D, G; E
        "unknown": 1,  # C
        "weak_villages": ["B", "D", "E", "G"],
        "unknown_villages": ["C"],
    }
    rows = {r["village_id"]: (r["collective_income"], r["collective_weak"]) for r in m["villages_table"]}
    assert rows == {"A": (50000.0, False), "B": (49999.99, True), "C": (None, None), "D": (30000.0, True),
                    "E": (12000.5, True), "F": (80000.0, False), "G": (1000.0, True)}


def test_the_line_is_a_parameter_compared_to_the_fen():
    county = collective_county()
    m = analyse(county, year=Y, collective_income_line=49999.99).metrics  # B is exactly on it now
    assert m["collective_economy"]["weak_villages"] == ["D", "E", "G"]
    assert m["parameters"]["collective_income_line"] == 49999.99
    m = analyse(county, year=Y, collective_income_line=50000.01).metrics  # A is one fen short
    assert m["collective_economy"]["weak_villages"] == ["A", "B", "D", "E", "G"]
    assert economy.fen(0.1 + 0.2) == economy.fen(0.3) == 30  # no float ties


def test_no_collective_income_column_means_every_village_unknown():
    county = collective_county()
    county = fx.County(county.villages.drop(columns="collective_income"), county.households, county.incomes)
    ce = analyse(county, year=Y).metrics["collective_economy"]
    assert ce["weak"] == {"poor": 0, "non_poor": 0} and ce["unknown"] == 7
    assert ce["unknown_villages"] == list("ABCDEFG")


def test_exit_condition_off_by_default_changes_nothing():
    m = analyse(collective_county(), year=Y).metrics
    assert m["parameters"]["collective_income_exit"] is False
    assert m["projection"]["villages_exiting"] == ["A", "B", "C"]
    assert m["projection"]["villages_blocked"] == {"G": ["incidence"]}


def test_exit_condition_blocks_exactly_the_weak_or_unknown_open_poor_villages():
    m = analyse(collective_county(), year=Y, collective_income_exit=True).metrics
    assert m["parameters"]["collective_income_exit"] is True
    assert m["projection"]["villages_exiting"] == ["A"]  # exactly on the line
    assert m["projection"]["villages_blocked"] == {
        "B": ["collective_income"],  # weak
        "C": ["collective_income"],  # unknown
        "G": ["incidence", "collective_income"],  # blockers in BLOCKER_CODES order
    }  # D exited in 2017, E and F are not poor: none is blocked
    assert m["projection"]["villages_below_threshold"] == ["A", "B", "C"]
    status = {r["village_id"]: r["status"] for r in m["villages_table"]}
    assert status == {"A": "exiting", "B": "blocked", "C": "blocked", "D": "exited", "E": "non_poor",
                      "F": "non_poor", "G": "blocked"}


def _texts(m) -> list[str]:
    """The 存在问题 items' problem sentences (narrative.problems adds what to do to each)."""
    return [text for _, text, _ in narrative.problem_items(m)]


def test_exit_condition_words():
    m = analyse(collective_county(), year=Y, collective_income_exit=True).metrics
    problems = _texts(m)
    assert problems[0] == ("乡村集体经济较弱。全镇有4个村的集体经济收入低于5万元（村B、村D、村E、村G），"
                           "其中贫困村3个；此外还有1个村未填报村集体经济收入。")
    assert ("部分贫困村出列条件未达标。2019年全镇有3个贫困村贫困发生率预计降到2%以下，"
            "但其中2个村（村B、村C）村集体经济收入未达标，暂不具备出列条件。") in problems
    assert narrative.collective_economy_summary(m) == (
        "按村集体经济收入5万元的标准，全镇7个行政村中集体经济薄弱村4个（贫困村3个、非贫困村1个）：村B、村D、村E、村G。"
        "另有1个村（村C）未填报村集体经济收入。"
        "本次测算把村集体经济收入达标作为贫困村出列条件：集体经济薄弱或未填报的未出列贫困村暂不具备出列条件。"
    )


def test_only_unknown_incomes_and_none_weak():
    county = collective_county()
    v = county.villages.assign(collective_income=[60000.0, 60000.0, None, 60000.0, 60000.0, 60000.0, 60000.0])
    m = analyse(fx.County(v, county.households, county.incomes), year=Y).metrics
    assert _texts(m)[0] == "村集体经济底数不清。村C未填报村集体经济收入，无法判断集体经济是否达标。"  # one village
    assert narrative.collective_economy_summary(m) == (
        "按村集体经济收入5万元的标准，全镇7个行政村中没有集体经济薄弱村。另有1个村（村C）未填报村集体经济收入。"
    )


def test_village_table_column():
    m = analyse(collective_county(), year=Y).metrics
    table = tables.villages_outlook(m)
    assert table["村集体经济收入（元）"].tolist() == ["50,000", "49,999.99（薄弱）", "未填报", "1,000（薄弱）"]
    assert "产业帮扶覆盖率" not in table  # no industry_support column in the data


# --------------------------------------------------------------------------- industry coverage


def industry_county(support: dict[str, object] | None = None) -> fx.County:
    """Villages P, Q, R; remaining households with industry_support known or blank.

    P: covered sizes 1,2,3,4 and not covered 5 (4 of 5: exactly 80%), one
    blank (size 2), one exited household covered (not counted). Q: covered
    1,1,1, not covered 2 (75%). R: two blanks of 3 people.
    """
    rows = [
        ("p1", "P", 1, True), ("p2", "P", 2, True), ("p3", "P", 3, True), ("p4", "P", 4, True),
        ("p5", "P", 5, False), ("p6", "P", 2, None), ("q1", "Q", 1, True), ("q2", "Q", 1, True),
        ("q3", "Q", 1, True), ("q4", "Q", 2, False), ("r1", "R", 3, None), ("r2", "R", 3, None),
    ]
    support = support or {}
    h = fx.households(
        *({"household_id": hid, "village_id": vid, "size": size, "industry_support": support.get(hid, value)}
          for hid, vid, size, value in rows),
        {"household_id": "px", "village_id": "P", "size": 7, "exit_year": 2016, "industry_support": True},
    )
    v = fx.villages({"village_id": "P"}, {"village_id": "Q"}, {"village_id": "R"})
    return fx.county(v, h)


def test_coverage_counts_households_and_people():
    ic = analyse(industry_county(), year=Y).metrics["industry_coverage"]
    assert ic == {
        "known": {"households": 9, "people": 20},
        "covered": {"households": 7, "people": 13},
        "share": 7 / 9,
        "share_people": 13 / 20,
        "line": 0.8,
        "below": True,
        "below_villages": ["Q"],  # P is exactly on the line; R has nothing known
        "unknown": {"households": 3, "people": 8},
    }


def test_coverage_per_village():
    m = analyse(industry_county(), year=Y).metrics
    rows = {r["village_id"]: {k: r[k] for k in economy.INDUSTRY_COLUMNS} for r in m["villages_table"]}
    assert rows["P"] == {"industry_known_households": 5, "industry_known_people": 15,
                         "industry_covered_households": 4, "industry_covered_people": 10,
                         "industry_share": 0.8, "industry_below": False}
    assert rows["Q"] == {"industry_known_households": 4, "industry_known_people": 5,
                         "industry_covered_households": 3, "industry_covered_people": 3,
                         "industry_share": 0.75, "industry_below": True}
    assert rows["R"] == {"industry_known_households": 0, "industry_known_people": 0,
                         "industry_covered_households": 0, "industry_covered_people": 0,
                         "industry_share": None, "industry_below": False}


def test_coverage_line_is_a_parameter():
    county = industry_county()
    ic = analyse(county, year=Y, industry_coverage_line=0.75).metrics["industry_coverage"]
    assert ic["below_villages"] == [] and ic["below"] is False and ic["line"] == 0.75  # Q exactly on it
    ic = analyse(county, year=Y, industry_coverage_line=0.81).metrics["industry_coverage"]
    assert ic["below_villages"] == ["P", "Q"]


def test_coverage_all_unknown():
    county = industry_county({hid: None for hid in ("p1", "p2", "p3", "p4", "p5", "q1", "q2", "q3", "q4")})
    m = analyse(county, year=Y).metrics
    assert m["industry_coverage"] == {
        "known": {"households": 0, "people": 0}, "covered": {"households": 0, "people": 0},
        "share": None, "share_people": None, "line": 0.8, "below": False, "below_villages": [],
        "unknown": {"households": 12, "people": 28},
    }
    assert narrative.industry_coverage_summary(m) == "2018年底全镇未脱贫户均未填报是否享受产业帮扶，无法计算产业帮扶覆盖率。"
    assert not any("产业" in p for p in _texts(m))


def test_coverage_absent_column_is_null_and_said_in_one_line():
    county = industry_county()
    absent = fx.County(county.villages, county.households.drop(columns="industry_support"), county.incomes)
    m = analyse(absent, year=Y).metrics
    assert m["industry_coverage"] is None
    assert all(r[k] is None for r in m["villages_table"] for k in economy.INDUSTRY_COLUMNS)
    assert narrative.industry_coverage_summary(m) == "户表中没有「产业帮扶」列，本报告不统计产业帮扶覆盖情况。"
    assert not any("产业" in p for p in _texts(m))
    assert "产业帮扶覆盖率" not in tables.villages_outlook(m)
    # nothing else changes: every other figure is the one with the column
    with_column = analyse(county, year=Y).metrics
    for key in set(m) - {"industry_coverage", "villages_table"}:
        assert m[key] == with_column[key], key


def test_coverage_words():
    m = analyse(industry_county(), year=Y).metrics
    assert narrative.industry_coverage_summary(m) == (
        "2018年底全镇未脱贫户中填报了产业帮扶情况的有9户20人，其中享受产业帮扶的7户13人，覆盖率77.78%（按人计65%）。"
        "覆盖率低于80%的村有1个：村Q（75%）。另有3户8人未填报是否享受产业帮扶，未计入覆盖率。"
    )
    assert _texts(m)[:2] == [
        "村集体经济底数不清。全镇有3个村（村P、村Q、村R）未填报村集体经济收入，无法判断集体经济是否达标。",  # none known
        "脱贫产业支撑不足，产业覆盖不够全面。全镇未脱贫户产业帮扶覆盖率为77.78%（7户/9户），村Q覆盖率低于80%。",
    ]
    assert tables.villages_outlook(m)["产业帮扶覆盖率"].tolist() == ["80.00%", "75.00%", "—"]


def test_no_coverage_problem_when_every_village_reaches_the_line():
    m = analyse(industry_county({"q4": True, "p5": True}), year=Y).metrics
    assert m["industry_coverage"]["below_villages"] == [] and m["industry_coverage"]["below"] is False
    assert not any("产业" in p for p in _texts(m))
    assert "各村覆盖率均不低于80%。" in narrative.industry_coverage_summary(m)


# --------------------------------------------------------------------------- the sample's reference township


@pytest.fixture(scope="module")
def reference_township(sample_county):
    return sample_county.township(REFERENCE_TOWNSHIP_ID)


def test_switched_off_the_metrics_equal_those_before_the_new_figures(reference_township):
    """Every key the reference township's metrics had before collective economy and industry
    coverage existed is unchanged, with the condition off (the default) and explicitly off."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for kwargs in ({}, {"collective_income_exit": False}):
        now = json.loads(json.dumps(analyse(reference_township, year=Y, **kwargs).metrics))
        assert_contains(golden, now)


def assert_contains(before: object, after: object, path: str = "$") -> None:
    """Every key and value of ``before`` is in ``after`` (``after`` may add keys to dicts)."""
    if isinstance(before, dict):
        assert isinstance(after, dict), path
        for key, value in before.items():
            assert key in after, f"{path}.{key}"
            assert_contains(value, after[key], f"{path}.{key}")
    elif isinstance(before, list):
        assert isinstance(after, list) and len(after) == len(before), path
        for i, (b, a) in enumerate(zip(before, after)):
            assert_contains(b, a, f"{path}[{i}]")
    else:
        assert before == after, f"{path}: {before!r} != {after!r}"


def test_switched_on_in_the_reference_township(reference_township):
    m = analyse(reference_township, year=Y, collective_income_exit=True).metrics
    names = {r["village_id"]: r["village_name"] for r in m["villages_table"]}
    blocked = {names[k]: v for k, v in m["projection"]["villages_blocked"].items()}
    assert blocked == {"陈家桥村": ["venue_ok", "collective_income"], "黄家营村": ["venue_ok"],
                       "孙家坪村": ["collective_income"], "高家山村": ["incidence", "collective_income"]}
    assert m["projection"]["villages_exiting"] == []
    off = analyse(reference_township, year=Y).metrics
    for key in ("registered", "exited", "remaining", "incidence", "income_bands", "collective_economy"):
        assert m[key] == off[key], key
    assert {k: v for k, v in m["projection"].items() if k not in ("villages_exiting", "villages_blocked")} == \
        {k: v for k, v in off["projection"].items() if k not in ("villages_exiting", "villages_blocked")}


@pytest.mark.slow
def test_fupin_run_carries_the_new_parameters_to_every_output(tmp_path, sample_county):
    """``fupin run`` with the options and ``-p collective_income_exit=true``: metrics.json,
    summary.json, the report's words and tables, the county page, the follow-up workbook."""
    out = tmp_path / "out"
    proc = fupin_cli("run", SAMPLE_DIR, "--year", Y, "--out", out, "--township", REFERENCE_TOWNSHIP_ID, "--quiet",
                     "--collective-income-line", 50000, "--industry-coverage-line", 0.9,
                     "-p", "collective_income_exit=true", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m = json.loads((out / REFERENCE_TOWNSHIP_ID / "metrics.json").read_text(encoding="utf-8"))
    assert {k: m["parameters"][k] for k in ("collective_income_line", "collective_income_exit",
                                            "industry_coverage_line")} == {
        "collective_income_line": 50000, "collective_income_exit": True, "industry_coverage_line": 0.9}
    expected = analyse(sample_county.township(REFERENCE_TOWNSHIP_ID), year=Y, collective_income_exit=True, industry_coverage_line=0.9).metrics
    assert m == json.loads(json.dumps(expected))
    assert sorted(m["projection"]["villages_blocked"].values()) == [
        ["collective_income"], ["incidence", "collective_income"], ["venue_ok"], ["venue_ok", "collective_income"]]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["parameters"]["collective_income_exit"] is True
    assert summary["parameters"]["industry_coverage_line"] == 0.9
    html = (out / REFERENCE_TOWNSHIP_ID / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert "乡村集体经济较弱。全镇有5个村的集体经济收入低于5万元（花铺村、陈家桥村、孙家坪村、高家山村、何家岭村）" in text
    assert "孙家坪村（村集体经济收入未达标）" in text
    assert "覆盖率低于90%的村有" in text
    assert "村集体经济收入（元）" in text and "50,000" in text and "（薄弱）" in text
    index = re.sub(r"<[^>]+>", "", (out / "index.html").read_text(encoding="utf-8"))
    assert "集体经济薄弱村" in index and "5（贫困村4）" in index and "89.00%" in index
    assert "村集体经济收入标准（元/年）50,000" in index and "村集体经济达标作为贫困村出列条件是" in index
