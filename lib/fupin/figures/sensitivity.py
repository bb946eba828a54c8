"""How the figures move with the line: projected exits and incidence in T over a grid of
poverty lines and a few growth rates, and the households within ±10% of the line.

Computed from the :func:`fupin.figures.frame.household_frame` of the area (same status
at the end of Y, same guarantees). Amounts are compared in whole fen
(:func:`fupin.core.money.to_fen`), the window's edges as exact decimals
(:func:`fupin.core.money.below_share`). Definitions: docs/data.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from fupin.core.contract import GUARANTEES
from fupin.core.county import County
from fupin.core.formats import json_number, json_plain
from fupin.figures.frame import counts, household_sizes, income_in_year, population
from fupin.core.money import below_share, exact, to_fen, to_yuan

#: Growth rates of the sensitivity curves (the run's own growth is added).
GROWTH_RATES: tuple[float, ...] = (0.0, 0.05, 0.10)
#: Village exit thresholds marked on the sensitivity chart (the run's V is added).
VILLAGE_THRESHOLDS: tuple[float, ...] = (0.02, 0.03)
#: Width of the "near the line" window, as a share of the line.
NEAR_LINE_SHARE = 0.10
#: Default sensitivity grid: every ``LINE_STEP`` yuan from L - ``LINE_BELOW`` to L + ``LINE_ABOVE``.
LINE_STEP, LINE_BELOW, LINE_ABOVE = 100.0, 500.0, 1000.0


def line_grid(poverty_line: float, step: float = LINE_STEP, below: float = LINE_BELOW,
              above: float = LINE_ABOVE) -> list[float]:
    """Poverty lines for the sensitivity curves: every ``step`` yuan from L − ``below``
    to L + ``above`` (both rounded outward to a multiple of ``step``, none below
    ``step``), with L itself added when it is not on the grid.

    >>> line_grid(3500)[:3], line_grid(3500)[-1], len(line_grid(3500))
    ([3000.0, 3100.0, 3200.0], 4500.0, 16)
    >>> 3456.0 in line_grid(3456)
    True
    """
    low = max(step, math.floor((poverty_line - below) / step) * step)
    high = math.ceil((poverty_line + above) / step) * step
    grid = np.arange(low, high + step / 2, step)
    return sorted({float(x) for x in grid} | {float(poverty_line)})


def exits_by_line(income: np.ndarray, size: np.ndarray, eligible: np.ndarray,
                  lines: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Households and people projected to exit at each line: ``eligible`` ones with income >= line.

    ``eligible`` marks remaining(Y) households with all five guarantees and a
    known income; one sort and one ``np.searchsorted`` for all lines.

    >>> exits_by_line(np.array([3000., 3500., 4000.]), np.array([1, 2, 3]),
    ...               np.array([True, True, True]), [3500, 4001])
    (array([2, 0]), array([5, 0]))
    """
    y = to_fen(income)[eligible]
    w = np.asarray(size, dtype="int64")[eligible]
    order = np.argsort(y, kind="stable")
    y, cum = y[order], np.concatenate([[0], np.cumsum(w[order])])
    below = np.searchsorted(y, to_fen(lines), side="left")  # how many y < line, in fen
    return len(y) - below, cum[-1] - cum[below]


def _latest_income(frame: pd.DataFrame, incomes: pd.DataFrame, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Each household's latest incomes row at or before T, in ``frame``'s order:
    (income, its year), NaN where there is none."""
    known = income_in_year(incomes, year + 1, 0.0)
    where = pd.Index(known["household_id"]).get_indexer(frame["household_id"])
    income, source = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    found = where >= 0
    income[found] = known["income"].to_numpy()[where[found]]
    source[found] = known["income_year"].to_numpy()[where[found]]
    return income, source


def _guarantees_ok(frame: pd.DataFrame) -> np.ndarray:
    """remaining(Y) households with all five guarantees (the frame's reason flags)."""
    failed = np.logical_or.reduce([frame[f"reason_{g}"].to_numpy() for g in GUARANTEES])
    return frame["remaining"].to_numpy() & ~failed


def near_line(frame: pd.DataFrame, line: float, share: float = NEAR_LINE_SHARE) -> dict[str, Any]:
    """remaining(Y) households whose income(h, T) lies within ``share`` of the line.

    ``below``: (1 − share)·L <= y < L (would exit if the line were a little
    lower); ``above``: L <= y < (1 + share)·L (would not exit if it were a
    little higher). Unknown incomes are in neither. Returns ``share``,
    ``lower``, ``upper`` (yuan) and ``below``/``above`` {households, people}.
    Incomes and the line are compared in whole fen, the window's edges
    exactly ((1 ± share) × L with share as written: 0.1 is 1/10).
    """
    remaining = frame["remaining"].to_numpy()
    y, z = to_fen(frame["income_T"]), to_fen(line)
    known = ~np.isnan(y)
    low, high = 1 - exact(share), 1 + exact(share)
    at_least_lower = known & ~below_share(y, z, low)
    under_upper = below_share(y, z, high)
    return {
        "share": float(share),
        "lower": float(Fraction(int(z), 100) * low),
        "upper": float(Fraction(int(z), 100) * high),
        "below": counts(frame, remaining & at_least_lower & (y < z)),
        "above": counts(frame, remaining & (y >= z) & under_upper),
    }


def sensitivity_points(county: County, frame: pd.DataFrame, year: int, lines: Sequence[float],
                       growth_rates: Sequence[float]) -> pd.DataFrame:
    """Projected exits and incidence in T for every (growth rate, line) pair.

    For growth g, income(h, T) is recomputed (:func:`fupin.figures.frame.income_in_year`);
    a remaining(Y) household exits at line l when its income >= l and its five
    guarantees hold (as in :func:`household_frame`). Columns ``growth``,
    ``line``, ``exits_households``, ``exits_people``, ``remaining_households``,
    ``remaining_people`` (remaining(Y) less the exits), ``incidence``
    (remaining people / the villages' population; NaN when it is 0).
    """
    ok = _guarantees_ok(frame)
    size = household_sizes(frame)
    remaining = counts(frame, frame["remaining"])
    pop = population(county.villages)
    lines = np.asarray(lines, dtype="float64")
    latest, source = _latest_income(frame, county.incomes, year)
    parts = []
    for g in growth_rates:  # a few rates, each vectorised over all households and lines
        income = to_yuan(to_fen(latest * (1.0 + g) ** (year + 1 - source)))  # income(h, T) at g
        hh, pp = exits_by_line(income, size, ok & ~np.isnan(income), lines)
        left = remaining["people"] - pp
        parts.append(pd.DataFrame({
            "growth": float(g), "line": lines,
            "exits_households": hh, "exits_people": pp,
            "remaining_households": remaining["households"] - hh, "remaining_people": left,
            "incidence": left / pop if pop > 0 else np.nan,
        }))
    return pd.concat(parts, ignore_index=True)


def sensitivity(county: County, frame: pd.DataFrame, year: int, *, poverty_line: float,
                growth: float, village_threshold: float,
                lines: Sequence[float] | None = None,
                growth_rates: Sequence[float] = GROWTH_RATES) -> dict[str, Any]:
    """metrics.json's ``sensitivity``: how projected exits and incidence move with the line.

    Keys: ``poverty_line`` and ``growth`` (those in use, marked on the chart),
    ``lines`` (default :func:`line_grid`), ``growth_rates`` (the given ones
    plus the run's growth, ascending), ``village_thresholds`` (2%, 3% and the
    run's V), ``points`` (:func:`sensitivity_points` as records) and
    ``near_line`` (:func:`near_line` at the line in use). The point at (L, g)
    equals ``projection``. ``county`` is the area the ``frame`` covers.
    """
    lines = line_grid(poverty_line) if lines is None else sorted({float(x) for x in lines})
    rates = sorted({float(g) for g in growth_rates} | {float(growth)})
    return json_plain({
        "poverty_line": json_number(poverty_line),
        "growth": float(growth),
        "lines": lines,
        "growth_rates": rates,
        "village_thresholds": sorted({*map(float, VILLAGE_THRESHOLDS), float(village_threshold)}),
        "points": sensitivity_points(county, frame, year, lines, rates).to_dict("records"),
        "near_line": near_line(frame, poverty_line),
    })
