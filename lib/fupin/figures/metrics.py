"""Every figure a leader reads, computed exactly as docs/data.md defines it: the public face.

Parameters throughout: ``year`` is the as-of year Y (status at the end of
Y), the target year is T = Y + 1, ``poverty_line`` is L (yuan per person per
year), ``bands`` the ascending band edges E, ``growth`` the yearly income
growth g, ``threshold`` the village exit threshold V.

:func:`township_metrics` is the metrics.json of one area, a thin wrapper of
:func:`fupin.figures.analysis.analyse` (which builds the household frame and the
village table once). The figures themselves live in :mod:`fupin.figures.frame` (the
household frame, the village table) and :mod:`fupin.figures.headcount` (bands,
trend, reasons, cadres, ...): import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from fupin import removed_name
from fupin.figures.analysis import analyse
from fupin.core.config import (
    DEFAULT_COLLECTIVE_INCOME_EXIT,
    DEFAULT_COLLECTIVE_INCOME_LINE,
    DEFAULT_INDUSTRY_COVERAGE_LINE,
)
from fupin.core.county import County
from fupin.figures.frame import household_frame, select_area
from fupin.figures.headcount import non_exit_list, reason_codes
from fupin.figures.labels import reason_texts
from fupin.figures.parameters import report_parameters


def reason_labels(frame: pd.DataFrame, sep: str = "；") -> pd.DataFrame:
    """Each household's reasons: ``reason_codes`` (:func:`fupin.figures.headcount.reason_codes`) and
    ``reasons``, their words (:func:`fupin.figures.labels.reason_texts`: ``收入差150元``, ...).

    Returns a frame on ``frame``'s index (a :func:`household_frame`).

    >>> import pandas as pd
    >>> from fupin.figures.frame import REASON_CODES
    >>> f = pd.DataFrame({"gap": [150.0, float("nan")], **{f"reason_{c}": [c in ("income_short", "housing_ok"),
    ...                   c == "income_unknown"] for c in REASON_CODES}})
    >>> reason_labels(f).to_dict("list")
    {'reason_codes': ['income_short,housing_ok', 'income_unknown'], 'reasons': ['收入差150元；住房安全未保障', '收入未知']}
    """
    codes = reason_codes(frame)
    return pd.DataFrame({"reason_codes": codes, "reasons": reason_texts(codes, frame["gap"], sep)})


def township_metrics(
    county: County,
    year: int,
    *,
    poverty_line: float = 3500.0,
    bands: Sequence[float] | None = None,
    growth: float = 0.0,
    village_threshold: float = 0.02,
    township_id: str | None = None,
    monitoring_line: float | Mapping[Any, float] | None = None,
    income_drop_share: float = 0.3,
    collective_income_line: float = DEFAULT_COLLECTIVE_INCOME_LINE,
    collective_income_exit: bool = DEFAULT_COLLECTIVE_INCOME_EXIT,
    industry_coverage_line: float = DEFAULT_INDUSTRY_COVERAGE_LINE,
    poverty_lines: Mapping[int, float] | str | None = None,
) -> dict[str, Any]:
    """Every figure of one township's report: the metrics.json of the report folder (definitions: docs/data.md).

    ``county`` is a township slice (``County.township(id)``) or a whole
    county. ``township_id`` picks a township out of a county; without it a
    one-township ``county`` reports as that township, and a county of
    several (or ``township_id="county"``) reports as ``"county"`` named
    after the county (``summary.json``). Numbers are plain Python types at
    full precision (rates as fractions, ``None`` where the population is 0);
    ``bands`` None (the default) follows the poverty line: (L, L + 500), as
    :func:`fupin.figures.parameters.default_bands`;
    ``json.dumps`` takes the result as it is.

    Keys of outputs.md: township_id, township_name, year, target_year,
    parameters, villages, population, registered, exited, remaining,
    incidence, projection {exits, remaining, incidence, villages_exiting,
    villages_blocked}, income_bands, incidence_trend. Extra keys:

    * ``county_name``: the county's name ("" if not given);
    * ``projection.reasons``: ``{code: {households, people, label}}`` for
      every code of :data:`REASON_CODES` (see :func:`household_frame`);
    * ``projection.villages_below_threshold``: poor villages not exited by Y
      whose projected incidence is below V, whatever their venue and road;
    * ``cadres``: :func:`cadre_count`;
    * ``unsafe_houses_outside_program``: ``{households, people}``
      (:func:`unsafe_houses_outside_program`);
    * ``income_unknown``: ``{households, people}`` (:func:`income_unknown`);
    * ``villages_table``: one dict per village (:func:`village_table`):
      village_id, village_name, is_poor_village, is_deep_poor_village,
      exited_by_year, population, registered/exited/remaining/
      projected_exits/projected_remaining _households and _people,
      incidence, projected_incidence, status, blockers;
    * ``incidence_trend_by_village``: :func:`incidence_trend_by_village`
      as a list of dicts;
    * ``warnings``: :func:`fupin.figures.checks.consistency_warnings`;
    * ``depth``: FGT0/1/2, Watts and the income gap at L, for the area and
      each village (:func:`fupin.figures.depth.depth`);
    * ``sensitivity``: projected exits and incidence in T over a grid of
      lines and growth rates, households near the line (:func:`fupin.figures.sensitivity.sensitivity`);
    * ``collective_economy``: weak collective economies against
      ``collective_income_line`` (:func:`fupin.figures.collective.collective_economy`);
      with ``collective_income_exit`` a poor village not exited by Y whose
      collective income is weak or unknown is blocked by ``collective_income``;
    * ``industry_coverage``: the covered share of remaining(Y) households with
      a known industry_support, against ``industry_coverage_line``
      (:func:`fupin.figures.collective.industry_coverage`); None when the households
      table has no industry_support column;
    * ``monitoring``: exited(Y) households to monitor (防返贫监测), with the
      monitoring line used (:func:`fupin.figures.monitoring.monitoring`).
      ``monitoring_line``: None (default) means 1.5 × L; a number; or a
      table {year: line} from which T's (or the latest earlier) line is
      taken. ``income_drop_share`` (default 0.3): an exited household whose
      income fell by more than this share since its exit year is monitored.

    ``poverty_lines`` (default None): the lines by year {year: line}; an exit is
    judged against the line of its exit year (``warnings``), the projection
    against ``poverty_line`` (:func:`fupin.figures.parameters.line_of_year`).

    A thin wrapper: the parameters are read and checked by
    :func:`fupin.figures.parameters.report_parameters` (a ParameterError, which is a
    ValueError, lists every problem) and the figures are
    :attr:`fupin.figures.analysis.Analysis.metrics` of :func:`fupin.figures.analysis.analyse`.
    """
    params = report_parameters(
        year=year, poverty_line=poverty_line, bands=bands, growth=growth, village_threshold=village_threshold,
        monitoring_line=monitoring_line, income_drop_share=income_drop_share,
        collective_income_line=collective_income_line, collective_income_exit=collective_income_exit,
        industry_coverage_line=industry_coverage_line, poverty_lines=poverty_lines,
    )
    return analyse(county, params, township_id=township_id).metrics


def non_exit_households(
    county: County,
    year: int,
    *,
    poverty_line: float = 3500.0,
    growth: float = 0.0,
    township_id: str | None = None,
) -> pd.DataFrame:
    """The remaining(Y) households not projected to exit in T, with their reasons.

    ``county`` and ``township_id`` pick the area as in :func:`township_metrics`.

    Columns: ``household_id``, ``village_id``, ``village_name``,
    ``head_name_masked`` (:func:`fupin.core.privacy.mask_names`; ``""`` when
    unknown), ``size``, ``income_T`` (NaN if unknown), ``gap`` (L - income_T
    where short), ``reasons`` (Chinese labels joined by ``；``, e.g.
    ``收入差150元；住房安全未保障``), ``reason_codes`` (``,``-joined codes of
    :data:`REASON_CODES`). Sorted by village and household. No unmasked
    personal data.
    """
    area = select_area(county, township_id)[0]
    frame = household_frame(area.households, area.incomes, year, poverty_line=poverty_line, growth=growth)
    return non_exit_list(area, frame)


def __getattr__(name: str):
    """A name of 0.1.0 that moved: the error names its new import (:func:`fupin.removed_name`)."""
    raise removed_name(__name__, name)
