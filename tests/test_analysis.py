"""One analysis per township: the household frame and the village table are built once, and the
metrics, the follow-up workbook and the checks all come from that one object."""

from __future__ import annotations

import collections
import importlib
import pkgutil

import pytest
from openpyxl import load_workbook

import fupin
from fupin import followup, frame
from fupin.analysis import analyse
from fupin.config import REFERENCE_TOWNSHIP_ID, REFERENCE_YEAR
from fupin.errors import ParameterError
from fupin.parameters import Parameters, report_parameters

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
    assert fupin.metrics.non_exit_households(town, 2018, poverty_line=4000, growth=0.05).equals(a.non_exit_households)
    assert fupin.monitoring.monitoring_households(town, 2018, poverty_line=4000, growth=0.05).equals(
        a.monitoring_households)
    assert fupin.checks.consistency_warnings(town, 2018, poverty_line=4000, growth=0.05) == a.metrics["warnings"]


def test_parameters_are_frozen_and_checked_once():
    p = report_parameters(year="2018", poverty_line="4000")
    assert isinstance(p, Parameters) and p.bands == (4000.0, 4500.0) and p.target_year == 2019
    with pytest.raises(AttributeError):
        p.poverty_line = 1  # type: ignore[misc]
    assert p.as_dict() == {"year": 2018, **p.metrics_kwargs()}
    assert p.monitoring() == {"line": 6000.0, "source": "default", "table_year": None}
    with pytest.raises(ParameterError, match="village_threshold=2"):
        fupin.township_metrics(fupin.load(fupin.config.SAMPLE_DIR).area(REFERENCE_TOWNSHIP_ID), 2018,
                               village_threshold=2)
