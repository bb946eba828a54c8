"""The second bundled example, data/sample_2021: the sample county carried on to 2021 with its registry."""

from __future__ import annotations

from pathlib import Path

import pytest

import fixtures_data as fd
from conftest import fupin_cli
from fupin import load
from fupin.figures.analysis import analyse
from fupin.core.config import DATA_DIR, REFERENCE_TOWNSHIP_ID, SAMPLE_DIR
from fupin.figures.parameters import report_parameters

SAMPLE_2021 = DATA_DIR / "sample_2021"
RUN = {"year": 2021, "poverty_line": 4000, "poverty_lines": "national", "monitoring_line": "2021:6000,2022:6300"}


@pytest.fixture(scope="module")
def county():
    return load(SAMPLE_2021)


def test_it_is_the_sample_county_carried_on(county) -> None:
    before = load(SAMPLE_DIR)
    assert county.villages[["village_id", "village_name", "population"]].equals(
        before.villages[["village_id", "village_name", "population"]])
    assert county.households["household_id"].tolist() == before.households["household_id"].tolist()
    assert int(county.incomes["year"].max()) == 2021 and not county.incomes["is_estimate"].any()
    poor = county.villages[county.villages["is_poor_village"]]
    assert poor["village_exit_year"].notna().all() and poor["village_exit_year"].max() == 2020


def test_its_registry_holds_every_kind_and_form(county) -> None:
    reg = county.monitored
    assert set(reg["monitor_type"]) == {"脱贫不稳定户", "边缘易致贫户", "突发严重困难户"}
    assert (reg["identified_year"].min(), reg["identified_year"].max()) == (2019, 2021)
    assert reg["risk_types"].str.contains("、").any()
    written = (SAMPLE_2021 / "monitored.csv").read_text(encoding="utf-8-sig")
    assert "/" in written and "-" in written  # dates and risks as offices write them
    outside = ~reg["household_id"].isin(county.households["household_id"])
    assert (reg.loc[outside, "monitor_type"] != "脱贫不稳定户").all() and reg.loc[outside, "size"].notna().all()
    assert reg.loc[outside, "household_id"].isin(county.incomes["household_id"]).all()


def test_the_reference_township_in_2021(county) -> None:
    m = analyse(county.area(REFERENCE_TOWNSHIP_ID), report_parameters(**RUN)).metrics
    reg = m["registry"]
    assert (reg["line"], reg["target_line"]) == (6000, 6300)
    assert reg["monitored"] == {"households": 89, "people": 207}
    assert sum(t["households"] for t in reg["by_type"].values()) == 89
    assert reg["possibly_missed"]["households"] > 0 and reg["shaky_elimination"]["households"] > 0
    assert [p["year"] for p in reg["trend"]] == [2019, 2020, 2021]
    assert not [w for w in m["warnings"] if w["code"] == "exited_income_below_line"]


def test_a_table_of_monitoring_lines_without_y_is_refused_before_the_run(tmp_path: Path) -> None:
    data = fd.write_csv_folder(tmp_path / "data", fd.county_tables(registry=True))
    done = fupin_cli("run", data, "--year", 2018, "-p", "monitoring_line=2019:5250", "--out", tmp_path / "out")
    assert done.returncode == 2, done.stderr
    assert "监测收入线表应有2018年及以前的年度" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
