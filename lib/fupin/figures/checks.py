"""Consistency checks a careful analyst runs before trusting the figures.

Validation (the loader's job) rejects data that breaks the contract. The
checks here look at valid data and at a report's stated figures, and warn:

* :func:`consistency_warnings`: things in the data that are possible but
  suspicious (an exited village still above the threshold, an exited
  household whose income was below the line, an estimate in a closed year...);
* :func:`check_claims`: figures stated in a text (the seed report's
  "300户600人") that contradict the computed ones or each other.

Warnings name villages and households by id only, never by a person's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fupin.core.contract import GUARANTEES
from fupin.core.county import County
from fupin.figures.frame import (
    BLOCKER_CODES,
    counts,
    flag_values,
    household_frame,
    income_at_exit,
    village_table,
    year_values,
)
from fupin.core.money import below_share, to_fen
from fupin.core.formats import fmt_pct
from fupin.figures.labels import number_text, warning_message
from fupin.figures.parameters import line_of_year

#: Every warning code of :func:`consistency_warnings`, in the order reported.
WARNING_CODES: tuple[str, ...] = (
    "remaining_exceeds_population",
    "registered_exceeds_population",
    "exited_village_high_incidence",
    "deep_poor_not_poor",
    "registered_after_year",
    "exited_income_below_line",
    "exited_income_unknown",
    "exited_guarantee_gap",
    "returned_without_exit",
    "estimate_in_closed_year",
    "projection_income_unknown",
    "no_cadre",
)

def _finding(code: str, count: int, **facts: Any) -> dict[str, Any]:
    return {"code": code, "count": int(count), **facts}


def _village_findings(villages: pd.DataFrame, year: int, threshold: float) -> list[dict]:
    """Findings about villages, from a :func:`fupin.figures.frame.village_table`."""
    out = []

    def named(bad: pd.Series, **columns: str) -> list[dict[str, Any]]:
        rows = villages[bad]
        return [{"village_id": rows["village_id"].iloc[i], "village_name": rows["village_name"].iloc[i],
                 **{k: rows[c].iloc[i] for k, c in columns.items()}} for i in range(len(rows))]

    for code, column in (
        ("remaining_exceeds_population", "remaining_people"),
        ("registered_exceeds_population", "registered_people"),
    ):
        bad = villages[column] > villages["population"]
        if bad.any():
            out.append(_finding(code, bad.sum(), villages=named(bad, people=column, population="population")))
    bad = villages["exited_by_year"] & (villages["population"] > 0) & ~below_share(
        villages["remaining_people"], villages["population"], threshold)  # incidence >= V, exactly
    if bad.any():
        out.append(_finding("exited_village_high_incidence", bad.sum(), year=int(year), threshold=threshold,
                            villages=named(bad, incidence="incidence")))
    bad = villages["is_deep_poor_village"] & ~villages["is_poor_village"]
    if bad.any():
        out.append(_finding("deep_poor_not_poor", bad.sum(), villages=named(bad)))
    return out


def household_warning_masks(
    county: County, frame: pd.DataFrame, year: int, *, poverty_line: float = 3500.0, growth: float = 0.0,
    poverty_lines: Mapping[int, float] | None = None, at_exit: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """For each household warning of :func:`consistency_warnings`: which rows of ``frame``
    (a :func:`fupin.figures.frame.household_frame` of ``county``) it concerns.

    The follow-up workbook lists these households; the report only counts them.
    ``at_exit`` may pass in :func:`fupin.figures.frame.income_at_exit` of the same
    frame and growth, to save computing it again. An exit is judged against
    the line of its exit year: L(t) of ``poverty_lines``
    (:func:`fupin.figures.parameters.line_of_year`), ``poverty_line`` without a table.
    """
    hh = county.households
    exited = frame["exited"].to_numpy()
    if at_exit is None:
        at_exit = income_at_exit(frame, county.incomes, growth)
    exit_years = frame["exit_year"]
    lines = exit_years.map({t: line_of_year(t, poverty_lines, poverty_line) for t in exit_years.dropna().unique()})
    lines = lines.astype("float64").fillna(poverty_line)
    failing = np.logical_or.reduce([~flag_values(hh, g, True) for g in GUARANTEES])
    exit_year, returned_year = year_values(hh, "exit_year"), year_values(hh, "returned_year")
    cadres_named = "cadre_id" in hh and bool(hh["cadre_id"].notna().any())
    no_cadre = hh["cadre_id"].isna().to_numpy() if cadres_named else np.zeros(len(hh), bool)
    remaining = frame["remaining"].to_numpy()
    masks = {
        "registered_after_year": (frame["registered_year"] > year).to_numpy(),
        "exited_income_below_line": exited & (to_fen(at_exit) < to_fen(lines.to_numpy())),
        "exited_income_unknown": exited & np.isnan(at_exit),
        "exited_guarantee_gap": exited & failing,
        "returned_without_exit": ~np.isnan(returned_year) & ~(returned_year > exit_year),
        "projection_income_unknown": frame["reason_income_unknown"].to_numpy(),
        "no_cadre": remaining & no_cadre,
    }
    return {code: np.asarray(mask, dtype=bool) for code, mask in masks.items()}


def _household_findings(
    county: County, frame: pd.DataFrame, year: int, masks: Mapping[str, np.ndarray],
    poverty_line: float, poverty_lines: Mapping[int, float] | None,
) -> list[dict]:
    """Findings about households, from a :func:`fupin.figures.frame.household_frame` and its warning masks."""
    out = []
    for code, mask in masks.items():
        if mask.any():
            n = counts(frame, mask)
            facts: dict[str, Any] = {"households": n["households"], "people": n["people"], "year": int(year),
                                     "household_ids": frame.loc[mask, "household_id"].tolist()}
            if code == "exited_income_below_line":
                facts["poverty_line"] = None if poverty_lines else poverty_line
            out.append(_finding(code, n["households"], **facts))
    inc = county.incomes
    closed = (inc["year"] <= year).to_numpy() & flag_values(inc, "is_estimate", False)
    if closed.any():
        out.append(_finding("estimate_in_closed_year", closed.sum(), year=int(year),
                            household_ids=inc.loc[closed, "household_id"].unique().tolist()))
    return out


def consistency_findings(
    county: County,
    year: int,
    village_threshold: float,
    *,
    frame: pd.DataFrame,
    villages: pd.DataFrame,
    poverty_line: float = 3500.0,
    poverty_lines: Mapping[int, float] | None = None,
    masks: Mapping[str, np.ndarray] | None = None,
) -> list[dict[str, Any]]:
    """The facts of :func:`consistency_warnings`, as codes and numbers (no words), in report order.

    Each finding is ``{"code", "count", ...}`` with the ids and numbers its
    message names: ``villages`` (dicts with ``village_id``, ``village_name``
    and the figures concerned), or ``households``, ``people`` and
    ``household_ids``; ``year``, ``threshold`` or ``poverty_line`` where the
    message names them. :func:`fupin.figures.labels.warning_message` words it.
    ``frame`` and ``villages`` are the area's :func:`fupin.figures.frame.household_frame`
    and :func:`fupin.figures.frame.village_table`; ``masks`` its
    :func:`household_warning_masks` (computed when not given).
    """
    if masks is None:
        masks = household_warning_masks(county, frame, year, poverty_line=poverty_line, poverty_lines=poverty_lines)
    found = [
        *_village_findings(villages, year, village_threshold),
        *_household_findings(county, frame, year, masks, poverty_line, poverty_lines),
    ]
    return sorted(found, key=lambda w: WARNING_CODES.index(w["code"]))


def warnings_of(findings: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """metrics.json's ``warnings``: each finding as ``{"code", "message", "count"}``."""
    return [{"code": f["code"], "message": warning_message(f), "count": int(f["count"])} for f in findings]


def consistency_warnings(
    county: County,
    year: int,
    village_threshold: float = 0.02,
    *,
    poverty_line: float = 3500.0,
    growth: float = 0.0,
    poverty_lines: Mapping[int, float] | None = None,
    frame: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Suspicious but valid things in ``county`` at the end of ``year``.

    Each warning is ``{"code", "message", "count"}``: ``message`` is Chinese
    and names the village and household ids involved (the first ten, then
    "等N个"), never a person's name; ``count`` counts villages, households
    or income rows as the message says. Codes (:data:`WARNING_CODES`):

    * ``remaining_exceeds_population`` / ``registered_exceeds_population``:
      villages whose remaining(Y) / registered(Y) people exceed their
      population;
    * ``exited_village_high_incidence``: poor villages exited by Y whose
      incidence at Y is still >= ``village_threshold``;
    * ``deep_poor_not_poor``: deep-poverty villages not marked poor;
    * ``registered_after_year``: households with registered_year > Y (not
      counted in Y's figures; a count, not an error);
    * ``exited_income_below_line``: exited(Y) households whose income in
      their exit year (income(h, exit_year), carried forward with
      ``growth``) is below the line of that year: L(exit_year) of
      ``poverty_lines`` (the year's line, else the latest earlier year's, else
      ``poverty_line``; :func:`fupin.figures.parameters.line_of_year`);
    * ``exited_income_unknown``: exited(Y) households with no incomes row at
      or before their exit year;
    * ``exited_guarantee_gap``: exited(Y) households with a guarantee false;
    * ``returned_without_exit``: a returned_year with no earlier exit_year;
    * ``estimate_in_closed_year``: incomes rows marked ``is_estimate`` for a
      year <= Y (closed years should hold actual incomes); counts rows;
    * ``projection_income_unknown``: remaining(Y) households whose income in
      T is unknown;
    * ``no_cadre``: remaining(Y) households without a cadre, checked only
      when the data names cadres at all.

    A village whose village_exit_year is set but which is not poor is a
    validation error and is not repeated here. ``frame`` may pass in the
    :func:`fupin.figures.frame.household_frame` of the same county and parameters,
    to save computing it again.
    """
    if frame is None:
        frame = household_frame(
            county.households, county.incomes, year, poverty_line=poverty_line, growth=growth
        )
    villages = village_table(county.villages, frame, year, threshold=village_threshold)
    masks = household_warning_masks(county, frame, year, poverty_line=poverty_line, growth=growth,
                                    poverty_lines=poverty_lines)
    return warnings_of(consistency_findings(
        county, year, village_threshold, frame=frame, villages=villages, poverty_line=poverty_line,
        poverty_lines=poverty_lines, masks=masks,
    ))


# --------------------------------------------------------------------------- stated figures

#: The figures a text can state, with their Chinese names; ``band_<label>_households``
#: and ``band_<label>_people`` (e.g. ``band_<3500_households``) are accepted too.
FIGURE_LABELS: dict[str, str] = {
    "villages_total": "行政村数",
    "villages_poor": "贫困村数",
    "villages_deep_poor": "深度贫困村数",
    "villages_poor_exited": "已出列贫困村数",
    "villages_poor_remaining": "未出列贫困村数",
    "population": "户籍人口",
    "registered_households": "建档立卡贫困户数",
    "registered_people": "建档立卡贫困人口",
    "exited_households": "已脱贫户数",
    "exited_people": "已脱贫人口",
    "remaining_households": "未脱贫户数",
    "remaining_people": "未脱贫人口",
    "incidence": "贫困发生率",
    "projected_exits_households": "拟脱贫户数",
    "projected_exits_people": "拟脱贫人口",
    "projected_remaining_households": "预计年底未脱贫户数",
    "projected_remaining_people": "预计年底未脱贫人口",
    "projected_incidence": "预计贫困发生率",
    "villages_exiting": "拟出列贫困村数",
    "villages_below_threshold": "贫困发生率降到退出标准以下的贫困村数",
    "villages_blocked": "未达退出条件的贫困村数",
    "villages_blocked_by_incidence": "贫困发生率未达标的贫困村数",
    "villages_blocked_by_venue_ok": "村级活动场所未达标的贫困村数",
    "villages_blocked_by_road_ok": "未通硬化路的贫困村数",
    "cadres": "帮扶干部人数",
    "unsafe_houses_households": "危房未纳入改造的贫困户数",
    "unsafe_houses_people": "危房未纳入改造的贫困人口",
}

#: Figures that are rates (fractions): equal when they agree to the displayed 0.01%.
RATE_FIGURES: frozenset[str] = frozenset({"incidence", "projected_incidence"})

#: What stated figures must satisfy among themselves: (left, relation, right summed).
RELATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("registered_households", "==", ("exited_households", "remaining_households")),
    ("registered_people", "==", ("exited_people", "remaining_people")),
    ("remaining_households", "==", ("projected_exits_households", "projected_remaining_households")),
    ("remaining_people", "==", ("projected_exits_people", "projected_remaining_people")),
    ("villages_poor", "==", ("villages_poor_exited", "villages_poor_remaining")),
    ("villages_poor", "<=", ("villages_total",)),
    ("villages_deep_poor", "<=", ("villages_poor",)),
    ("villages_exiting", "<=", ("villages_poor_remaining",)),
    ("villages_below_threshold", "<=", ("villages_poor_remaining",)),
    ("villages_exiting", "<=", ("villages_below_threshold",)),
    ("registered_households", "<=", ("registered_people",)),
    ("exited_households", "<=", ("exited_people",)),
    ("remaining_households", "<=", ("remaining_people",)),
    ("projected_exits_households", "<=", ("projected_exits_people",)),
    ("registered_people", "<=", ("population",)),
)

#: Rates that stated counts determine: (rate, people, population).
RATE_RELATIONS: tuple[tuple[str, str, str], ...] = (
    ("incidence", "remaining_people", "population"),
    ("projected_incidence", "projected_remaining_people", "population"),
)


def claim_figures(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of a metrics dict (:func:`fupin.figures.analysis.Analysis.metrics`) under claim names.

    Keys are those of :data:`FIGURE_LABELS` (counts of village lists are
    their lengths) plus ``band_<label>_households`` / ``_people`` per income
    band. Figures missing from ``metrics`` are left out.
    """
    get = lambda *path: _dig(metrics, path)  # noqa: E731
    projection = metrics.get("projection", {})
    blocked = projection.get("villages_blocked")
    figures = {
        **{f"villages_{k}": get("villages", k)
           for k in ("total", "poor", "deep_poor", "poor_exited", "poor_remaining")},
        "population": get("population"),
        **{f"{s}_{k}": get(s, k) for s in ("registered", "exited", "remaining")
           for k in ("households", "people")},
        "incidence": get("incidence"),
        **{f"projected_{s}_{k}": get("projection", s, k) for s in ("exits", "remaining")
           for k in ("households", "people")},
        "projected_incidence": get("projection", "incidence"),
        "villages_exiting": _len(projection.get("villages_exiting")),
        "villages_below_threshold": _len(projection.get("villages_below_threshold")),
        "villages_blocked": _len(blocked),
        **{f"villages_blocked_by_{c}": None if blocked is None else
           sum(c in b for b in blocked.values()) for c in BLOCKER_CODES},
        "cadres": get("cadres"),
        **{f"unsafe_houses_{k}": get("unsafe_houses_outside_program", k)
           for k in ("households", "people")},
    }
    for band in metrics.get("income_bands", []):
        for k in ("households", "people"):
            figures[f"band_{band['band']}_{k}"] = band[k]
    return {k: v for k, v in figures.items() if v is not None}


def _dig(d: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(d, Mapping) or key not in d:
            return None
        d = d[key]
    return d


def _len(x: Any) -> int | None:
    return None if x is None else len(x)


def _label(key: str) -> str:
    if key.startswith("band_"):
        band, _, kind = key[5:].rpartition("_")
        return f"收入{band}元的" + ("户数" if kind == "households" else "人数")
    return FIGURE_LABELS.get(key, key)


def _show(key: str, value: Any) -> str:
    return number_text(value) if key not in RATE_FIGURES else fmt_pct(value)


def _same(key: str, a: float, b: float) -> bool:
    if key in RATE_FIGURES:
        return abs(a - b) <= 0.00005 + 1e-12  # agree at the shown 0.01%
    return a == b


def check_claims(metrics: Mapping[str, Any], claims: Mapping[str, float]) -> list[dict[str, Any]]:
    """Contradictions between stated figures (``claims``) and the computed ``metrics``.

    ``claims`` maps figure names (:func:`claim_figures`, e.g.
    ``{"registered_households": 300, "villages_exiting": 5}``; rates as
    fractions) to the numbers a text states. Returns one dict per
    contradiction, each ``{"code", "key", "stated", "expected", "message"}``:

    * ``claim_mismatch``: a stated figure differs from the computed one
      (``expected``); rates agree when equal to the shown 0.01%;
    * ``claim_inconsistent``: stated figures contradict each other
      (:data:`RELATIONS`, the bands summing to the registered figure,
      a stated rate against stated people / population); ``key`` is the
      relation, ``stated`` its left side, ``expected`` what the other stated
      figures give. Checked only where every figure involved is stated.

    Raises ValueError for a figure name it does not know.

    >>> check_claims({"villages": {"poor_remaining": 4}}, {"villages_exiting": 5,
    ...               "villages_poor_remaining": 4})[0]["message"]
    '材料自相矛盾：拟出列贫困村数为5，但未出列贫困村数为4（应 <= 4）'
    """
    figures = claim_figures(metrics)
    unknown = [k for k in claims if k not in FIGURE_LABELS and not k.startswith("band_")]
    if unknown:
        raise ValueError(f"不认识的数字名称：{unknown}；可用：{sorted(FIGURE_LABELS)}")
    out: list[dict[str, Any]] = []
    for key, stated in claims.items():
        if key in figures and not _same(key, stated, figures[key]):
            out.append({
                "code": "claim_mismatch", "key": key, "stated": stated, "expected": figures[key],
                "message": f"材料称{_label(key)}为{_show(key, stated)}，"
                           f"数据计算为{_show(key, figures[key])}",
            })
    bands = [k for k in figures if k.startswith("band_")]
    relations = [*RELATIONS, *(
        (f"registered_{kind}", "==", tuple(k for k in bands if k.endswith(f"_{kind}")))
        for kind in ("households", "people") if bands
    )]
    for left, op, right in relations:
        if left not in claims or not all(k in claims for k in right):
            continue
        total = sum(claims[k] for k in right)
        if (claims[left] == total) if op == "==" else (claims[left] <= total):
            continue
        if len(right) == 1:
            said = f"{_label(right[0])}为{_show(left, total)}"
        else:
            parts = "与".join(f"{_label(k)}{_show(k, claims[k])}" for k in right)
            said = f"{parts}之和为{_show(left, total)}"
        out.append({
            "code": "claim_inconsistent", "key": f"{left} {op} {' + '.join(right)}",
            "stated": claims[left], "expected": total,
            "message": f"材料自相矛盾：{_label(left)}为{_show(left, claims[left])}，但{said}"
                       + ("" if op == "==" else f"（应 <= {_show(left, total)}）"),
        })
    for rate_key, people, pop in RATE_RELATIONS:
        if all(k in claims for k in (rate_key, people, pop)) and claims[pop] > 0:
            implied = claims[people] / claims[pop]
            if not _same(rate_key, claims[rate_key], implied):
                out.append({
                    "code": "claim_inconsistent", "key": f"{rate_key} = {people} / {pop}",
                    "stated": claims[rate_key], "expected": implied,
                    "message": f"材料自相矛盾：{_label(rate_key)}为{fmt_pct(claims[rate_key])}，"
                               f"但{_label(people)}{claims[people]}÷{_label(pop)}{claims[pop]}"
                               f"为{fmt_pct(implied)}",
                })
    return out
