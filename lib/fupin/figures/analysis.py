"""One analysis per area: the household frame and the village table built once, every figure from them.

:func:`analyse` picks the area, builds its :func:`fupin.figures.frame.household_frame`
and :func:`fupin.figures.frame.village_table` once, and returns an :class:`Analysis`
holding them with the checked :class:`fupin.figures.parameters.Parameters`. Everything
of one township's report comes from that one object:

* :attr:`Analysis.metrics`: the metrics.json of the area (what
  :func:`fupin.figures.metrics.township_metrics` returns);
* :attr:`Analysis.non_exit_households` and :attr:`Analysis.monitoring_households`:
  the household lists of the follow-up workbook (:mod:`fupin.report.workbook`);
* :attr:`Analysis.findings` and :attr:`Analysis.warning_masks`: the
  consistency checks as codes and numbers, and the households each concerns.

The year Y is part of the parameters (``params.year``): it is read and
checked with them, since the monitoring-line table is checked against T = Y + 1.
Each part is computed on first use and kept (the object is frozen).

>>> import fupin
>>> from fupin.core.config import SAMPLE_DIR
>>> from fupin.figures.parameters import report_parameters
>>> a = analyse(fupin.load(SAMPLE_DIR).area("990101001"), report_parameters(year=2018))
>>> a.metrics["township_name"], len(a.non_exit_households)
('城关镇', 163)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from fupin.figures import collective
from fupin.figures.checks import consistency_findings, household_warning_masks, warnings_of
from fupin.core.county import County
from fupin.figures.depth import depth
from fupin.core.errors import ParameterError
from fupin.core.formats import json_number, json_plain
from fupin.figures.frame import (
    counts,
    data_years,
    household_frame,
    income_at_exit,
    population,
    rate,
    select_area,
    village_counts,
    village_table,
)
from fupin.figures.headcount import (
    band_edges,
    cadre_count,
    incidence_trend,
    incidence_trend_by_village,
    income_bands,
    income_unknown,
    projection,
    non_exit_list,
    unsafe_houses_outside_program,
)
from fupin.figures.monitoring import monitored_list, monitoring, monitoring_frame
from fupin.figures.parameters import Parameters
from fupin.figures.sensitivity import sensitivity


@dataclass(frozen=True, eq=False)
class Analysis:
    """One area's figures, from one household frame and one village table (see :func:`analyse`)."""

    #: The slice of the county the figures cover.
    area: County
    #: Its id (a township id, or ``"county"``) and name, as metrics.json has them.
    area_id: str
    area_name: str
    #: The county's name ("" if not given).
    county_name: str
    params: Parameters
    #: :func:`fupin.figures.frame.household_frame` of the area.
    frame: pd.DataFrame
    #: :func:`fupin.figures.frame.village_table` of the area.
    villages: pd.DataFrame

    @property
    def year(self) -> int:
        """Y, the as-of year."""
        return self.params.year

    @cached_property
    def income_at_exit(self) -> np.ndarray:
        """income(h, exit_year) per household of :attr:`frame` (:func:`fupin.figures.frame.income_at_exit`)."""
        return income_at_exit(self.frame, self.area.incomes, self.params.growth)

    @cached_property
    def warning_masks(self) -> dict[str, np.ndarray]:
        """The households of each household warning (:func:`fupin.figures.checks.household_warning_masks`)."""
        p = self.params
        return household_warning_masks(self.area, self.frame, p.year, poverty_line=p.poverty_line,
                                       poverty_lines=p.poverty_lines, growth=p.growth, at_exit=self.income_at_exit)

    @cached_property
    def findings(self) -> list[dict[str, Any]]:
        """The consistency checks as codes and numbers (:func:`fupin.figures.checks.consistency_findings`)."""
        p = self.params
        return consistency_findings(self.area, p.year, p.village_threshold, frame=self.frame,
                                    villages=self.villages, poverty_line=p.poverty_line,
                                    poverty_lines=p.poverty_lines, masks=self.warning_masks)

    @cached_property
    def monitoring_line(self) -> dict[str, Any]:
        """The monitoring line for T and its source (:meth:`fupin.figures.parameters.Parameters.monitoring`)."""
        return self.params.monitoring()

    @cached_property
    def monitoring_frame(self) -> pd.DataFrame:
        """:attr:`frame` with the monitoring columns (:func:`fupin.figures.monitoring.monitoring_frame`)."""
        p = self.params
        exited = self.frame["exited"].to_numpy()
        return monitoring_frame(self.area, self.frame, line=self.monitoring_line["line"], growth=p.growth,
                                drop_share=p.income_drop_share,
                                at_exit=np.where(exited, self.income_at_exit, np.nan))

    @cached_property
    def metrics(self) -> dict[str, Any]:
        """Every figure of the area's report: its metrics.json (keys: :func:`fupin.figures.metrics.township_metrics`)."""
        p, area, frame, villages = self.params, self.area, self.frame, self.villages
        year = p.year
        pop = population(area.villages)
        remaining = counts(frame, frame["remaining"])
        result = {
            "township_id": self.area_id,
            "township_name": self.area_name,
            "county_name": self.county_name,
            "year": int(year),
            "target_year": int(year) + 1,
            "parameters": {
                "poverty_line": json_number(p.poverty_line),
                "poverty_lines": None if p.poverty_lines is None else
                {str(t): json_number(x) for t, x in p.poverty_lines.items()},
                "bands": [json_number(b) for b in band_edges(p.bands)],
                "growth": float(p.growth),
                "village_threshold": float(p.village_threshold),
                "collective_income_line": json_number(p.collective_income_line),
                "collective_income_exit": bool(p.collective_income_exit),
                "industry_coverage_line": float(p.industry_coverage_line),
            },
            "villages": village_counts(villages),
            "population": pop,
            "registered": counts(frame, frame["registered"]),
            "exited": counts(frame, frame["exited"]),
            "remaining": remaining,
            "incidence": rate(remaining["people"], pop),
            "projection": projection(frame, villages, pop),
            "income_bands": income_bands(frame, p.bands).to_dict("records"),
            "incidence_trend": incidence_trend(area.villages, frame, year).to_dict("records"),
            "cadres": cadre_count(area.households, year),
            "unsafe_houses_outside_program": unsafe_houses_outside_program(area.households, year),
            "income_unknown": income_unknown(frame),
            "collective_economy": collective.collective_economy(villages, p.collective_income_line),
            "industry_coverage": collective.industry_coverage(villages, frame, p.industry_coverage_line),
            "villages_table": villages.to_dict("records"),
            "incidence_trend_by_village": incidence_trend_by_village(area.villages, frame, year).to_dict("records"),
            "warnings": warnings_of(self.findings),
            "depth": depth(area.villages, frame, p.poverty_line),
            "sensitivity": sensitivity(area, frame, year, poverty_line=p.poverty_line, growth=p.growth,
                                       village_threshold=p.village_threshold),
            "monitoring": monitoring(area, frame, year, poverty_line=p.poverty_line, growth=p.growth,
                                     monitoring_line=p.monitoring_line, income_drop_share=p.income_drop_share,
                                     m=self.monitoring_frame),
        }
        return json_plain(result)

    @cached_property
    def non_exit_households(self) -> pd.DataFrame:
        """The remaining(Y) households not projected to exit in T (:func:`fupin.figures.metrics.non_exit_households`)."""
        return non_exit_list(self.area, self.frame)

    @cached_property
    def monitoring_households(self) -> pd.DataFrame:
        """The exited(Y) households to monitor (:func:`fupin.figures.monitoring.monitoring_households`)."""
        return monitored_list(self.area, self.monitoring_frame, self.monitoring_line["line"],
                              self.params.income_drop_share)


def check_year_in_data(county: County, year: int, *, shown: str | None = None, strict: bool = False) -> None:
    """Refuse an as-of year Y outside the data (a :class:`~fupin.core.errors.ParameterError`, exit 2).

    Y must lie between the first registered_year and the latest year of an
    actual (not estimated) income (:func:`fupin.figures.frame.data_years`): a later Y
    would report a year nobody has figures for ("截至2030年底"), an earlier one
    an area with nobody registered ("0户0人"). ``shown`` names the year as
    the user wrote it (``--year 2030``; ``year=2030`` by default).

    An area without registered households, or without any actual income, has
    no such bound and is reported as it is (a township with nobody registered);
    ``strict`` (``fupin run``, for the whole county) refuses that too, since then
    no year lies inside the data.
    """
    first, last = data_years(county)
    shown = shown or f"year={year}"
    if strict and (first is None or last is None):
        missing = "建档立卡户" if first is None else "实际收入记录（预计收入不算）"
        raise ParameterError([f"{shown}：数据中没有{missing}，没有一个统计年度在数据的年度范围之内"])
    early, late = first is not None and year < first, last is not None and year > last
    if (early or late) and first is not None and last is not None:
        raise ParameterError([f"{shown}：统计年度应在数据的年度范围{first}到{last}年之内"
                              f"（最早的建档立卡年度为{first}年，最近一年的实际收入（不含预计收入）为{last}年）"])
    if early:
        raise ParameterError([f"{shown}：统计年度不应早于数据中最早的建档立卡年度{first}年"])
    if late:
        raise ParameterError([f"{shown}：统计年度不应晚于数据中最近一年的实际收入（不含预计收入）{last}年"])


def analyse(county: County, params: Parameters, *, township_id: str | None = None) -> Analysis:
    """The :class:`Analysis` of one area: its household frame and village table, built once.

    ``county`` is a township slice (``County.township(id)``, ``County.area(...)``)
    or a whole county; ``township_id`` picks a township out of a county as
    :func:`fupin.figures.frame.select_area` does (a one-township county reports as
    that township, a county of several, or ``"county"``, as the county).
    ``params`` are the checked parameters (:func:`fupin.figures.parameters.report_parameters`),
    the year Y among them; Y must lie inside the area's data (:func:`check_year_in_data`).
    """
    area, area_id, area_name = select_area(county, township_id)
    p = params
    check_year_in_data(area, p.year)
    frame = household_frame(area.households, area.incomes, p.year, poverty_line=p.poverty_line, growth=p.growth)
    villages = village_table(
        area.villages, frame, p.year, threshold=p.village_threshold,
        collective_income_line=p.collective_income_line, collective_income_exit=p.collective_income_exit,
        industry_coverage_line=p.industry_coverage_line,
    )
    return Analysis(area=area, area_id=area_id, area_name=area_name, county_name=county.name, params=p,
                    frame=frame, villages=villages)
