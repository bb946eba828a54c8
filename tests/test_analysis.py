"""One analysis per township: the household frame and the village table are built once, and the
metrics, the follow-up workbook and the checks all come from that one object."""

from __future__ import annotations

import collections
import importlib
import pkgutil

import pytest
from openpyxl import load_workbook

import fupin
from fupin.figures import frame
from fupin.report import workbook as followup
from fupin.figures.analysis import analyse, check_year_in_data
from fupin.core.config import REFERENCE_TOWNSHIP_ID, REFERENCE_YEAR
from fupin.core.errors import ParameterError
from fupin.figures.parameters import Parameters, report_parameters

BUILDERS = ("household_frame", "village_table", "income_in_year")


@pytest.fixture
def calls(monkeypatch) -> collections.Counter:
    """Counts calls of the frame builders, wherever a fupin module holds them."""
    counter: collections.Counter = collections.Counter()
    modules = [importlib.import_module(f"fupin.{m.name}") for m in pkgutil.iter_modules(fupin.__path__)
               if m.name != "__main__"]
    for name in BUILDERS:
        original = getattr(frame, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            counter[_name] += 1
            return _original(*args, **kwargs)

        for module in modules:
            for attr, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, attr, counted)
    return counter


def test_one_townships_report_builds_the_household_frame_once(calls, sample_county, tmp_path):
    params = report_parameters(year=REFERENCE_YEAR)
    a = analyse(sample_county.area(REFERENCE_TOWNSHIP_ID), params)
    m = a.metrics
    path = followup.write_analysis(a, followup.path_in(tmp_path))
    assert calls["household_frame"] == 1 and calls["village_table"] == 1
    assert calls["income_in_year"] == 2  # income in T (the frame) and the latest income (sensitivity)
    assert m["township_id"] == REFERENCE_TOWNSHIP_ID and m["registered"] == {"households": 820, "people": 1872}
    sheets = load_workbook(path)
    assert sheets.sheetnames == list(followup.SHEETS)
    assert sheets["未脱贫户"].max_row - 1 == len(a.non_exit_households) == m["projection"]["remaining"]["households"]
    assert sheets["监测户"].max_row - 1 == len(a.monitoring_households) == m["monitoring"]["monitored"]["households"]


def test_the_wrappers_give_what_the_analysis_gives(sample_county):
    town = sample_county.area("990101002")
    a = analyse(town, report_parameters(year=2018, poverty_line=4000, growth=0.05))
    assert fupin.township_metrics(town, 2018, poverty_line=4000, growth=0.05) == a.metrics
    assert fupin.figures.metrics.non_exit_households(town, 2018, poverty_line=4000, growth=0.05).equals(a.non_exit_households)
    assert fupin.figures.monitoring.monitoring_households(town, 2018, poverty_line=4000, growth=0.05).equals(
        a.monitoring_households)
    assert fupin.figures.checks.consistency_warnings(town, 2018, poverty_line=4000, growth=0.05) == a.metrics["warnings"]


def test_parameters_are_frozen_and_checked_once():
    p = report_parameters(year="2018", poverty_line="4000")
    assert isinstance(p, Parameters) and p.bands == (4000.0, 4500.0) and p.target_year == 2019
    with pytest.raises(AttributeError):
        p.poverty_line = 1  # type: ignore[misc]
    assert p.as_dict() == {"year": 2018, **p.metrics_kwargs()}
    assert p.monitoring() == {"line": 6000.0, "source": "default", "table_year": None}
    with pytest.raises(ParameterError, match="village_threshold=2"):
        fupin.township_metrics(fupin.load(fupin.core.config.SAMPLE_DIR).area(REFERENCE_TOWNSHIP_ID), 2018,
                               village_threshold=2)


def _years_county(registered=(2015, 2016), incomes=((2017, False), (2018, False), (2019, True))):
    import metrics_fixtures as fx

    return fx.county(
        fx.villages({"village_id": "V1"}),
        fx.households(*({"household_id": f"H{i}", "village_id": "V1", "registered_year": y}
                        for i, y in enumerate(registered))),
        fx.incomes(*({"household_id": "H0", "year": y, "per_capita_income": 5000.0, "is_estimate": e}
                     for y, e in incomes)),
    )


@pytest.mark.parametrize("year", [2014, 2019, 2030])
def test_the_year_must_lie_inside_the_data(year):
    """From the first registered_year (2015) to the latest actual income (2018; 2019 is an estimate):
    2030 gave a full report "截至2030年底", 2013 one of "0户0人 … 已全部退出"."""
    c = _years_county()
    with pytest.raises(ParameterError) as caught:
        analyse(c, report_parameters(year=year))
    assert str(caught.value) == (f"参数有误：year={year}：统计年度应在数据的年度范围2015到2018年之内"
                                 "（最早的建档立卡年度为2015年，最近一年的实际收入（不含预计收入）为2018年）")
    with pytest.raises(ParameterError, match=f"--year {year}：统计年度应在数据的年度范围2015到2018年之内"):
        check_year_in_data(c, year, shown=f"--year {year}", strict=True)


def test_years_at_the_edges_of_the_data_and_areas_without_a_bound():
    c = _years_county()
    assert analyse(c, report_parameters(year=2015)).metrics["registered"]["households"] == 1
    assert analyse(c, report_parameters(year=2018)).metrics["registered"]["households"] == 2
    only_estimates = _years_county(incomes=((2019, True),))
    analyse(only_estimates, report_parameters(year=2030))  # an area without actual income has no upper bound
    with pytest.raises(ParameterError, match="数据中没有实际收入记录（预计收入不算），没有一个统计年度在数据的年度范围之内"):
        check_year_in_data(only_estimates, 2018, strict=True)  # fupin run, for the whole county
    with pytest.raises(ParameterError, match="统计年度不应早于数据中最早的建档立卡年度2015年"):
        analyse(only_estimates, report_parameters(year=2014))
