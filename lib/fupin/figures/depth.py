"""How poor the poor are: the Foster–Greer–Thorbecke indices and the Watts index.

Computed from the :func:`fupin.figures.frame.household_frame` that
:func:`fupin.figures.analysis.analyse` builds (so they use the same status at the end
of Y and the same income(h, T)): FGT0, FGT1, FGT2 and the Watts index over
people, at the poverty line z, for the area and each village (:func:`depth`),
with the total income gap in yuan and its split by village. How the figures
move with the line is in :mod:`fupin.figures.sensitivity`, who may fall back into
poverty in :mod:`fupin.figures.monitoring`.

Denominator (N) of every index: the area's registered rural population, the
sum of ``population`` over its villages: the incidence denominator of
docs/data.md (which also defines every figure here). An index over N = 0 is ``None``.

The poor (for depth): remaining(Y) households whose income(h, T) is known and
below z, each weighing its ``size`` (people). Remaining households with an
unknown income cannot be placed on either side of the line: they are left
out of every sum and counted apart (``income_unknown``), so FGT0 here can be
below the projected incidence, which also counts them (and households
failing a guarantee) as remaining.

Amounts are compared in whole fen (:func:`fupin.core.money.to_fen`). Everything is
vectorised (``np.bincount``); functions return new objects and never modify
their inputs.
"""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from fupin import removed_name
from fupin.core.formats import json_number, json_plain
from fupin.figures.frame import counts, household_sizes, population, rate, village_positions
from fupin.core.money import to_fen

#: Incomes below this many yuan count as this many in the Watts index, whose
#: ln(z / y) is undefined at y = 0 (an income of 0 yuan is allowed by the contract).
WATTS_FLOOR = 1.0


# --------------------------------------------------------------------------- the indices


def _arrays(income: Sequence[float], size: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(income, dtype="float64"), np.asarray(size, dtype="float64")


def fgt(income: Sequence[float], size: Sequence[float], line: float, population: float,
        alpha: float) -> float | None:
    """Foster–Greer–Thorbecke index FGT_alpha over people.

    FGT_a = (1/N) Σ_{h: y_h < z} size_h × ((z − y_h) / z)^a, with N =
    ``population``, z = ``line``, y_h = ``income`` per person. a = 0 is the
    headcount ratio, a = 1 the poverty-gap index, a = 2 the squared gap
    (severity). An income exactly on the line is not poor; NaN (unknown)
    incomes are never poor. ``None`` when N is 0.

    Haughton & Khandker (2009), ch. 4, country C: expenditures 100, 110,
    150, 160, z = 125:

    >>> [round(fgt([100, 110, 150, 160], [1, 1, 1, 1], 125, 4, a), 6) for a in (0, 1, 2)]
    [0.5, 0.08, 0.0136]
    """
    y, w = _arrays(income, size)
    poor = to_fen(y) < to_fen(line)
    gap = (line - y[poor]) / line
    return rate(float((w[poor] * gap**alpha).sum()), population)


def watts(income: Sequence[float], size: Sequence[float], line: float, population: float,
          floor: float = WATTS_FLOOR) -> float | None:
    """Watts index over people: (1/N) Σ_{h: y_h < z} size_h × ln(z / max(y_h, floor)).

    ``floor`` (1 yuan) keeps an income of 0 finite; NaN incomes are never
    poor. ``None`` when N is 0.

    >>> round(watts([100, 110, 150, 160], [1, 1, 1, 1], 125, 4), 6)  # (ln 1.25 + ln(125/110)) / 4
    0.087744
    """
    y, w = _arrays(income, size)
    poor = to_fen(y) < to_fen(line)
    return rate(float((w[poor] * np.log(line / np.maximum(y[poor], floor))).sum()), population)


def income_gap(income: Sequence[float], size: Sequence[float], line: float) -> float:
    """Total income gap in yuan: Σ_{h: y_h < z} (z − y_h) × size_h.

    The money that, perfectly targeted, lifts every poor person to the line.

    >>> income_gap([100, 110, 150, 160], [1, 1, 1, 1], 125)
    40.0
    """
    y, w = _arrays(income, size)
    poor = to_fen(y) < to_fen(line)
    return float(((line - y[poor]) * w[poor]).sum())


def _poverty_sums(income: np.ndarray, size: np.ndarray, groups: np.ndarray, n: int,
                  line: float) -> dict[str, np.ndarray]:
    """Per group 0..n-1, sums over households with income < z: ``households``,
    ``people``, ``fgt1`` (Σ size·g), ``fgt2`` (Σ size·g²), ``watts`` (Σ size·ln(z/y)),
    ``gap`` (Σ size·(z−y), yuan), ``floored`` (households under :data:`WATTS_FLOOR`);
    g = (z − y)/z. The numerators of :func:`fgt` and :func:`watts`."""
    poor = to_fen(income) < to_fen(line)
    where, w, y = groups[poor], size[poor], income[poor]
    gap = line - y
    sums = {
        "households": None,
        "people": w,
        "fgt1": w * gap / line,
        "fgt2": w * (gap / line) ** 2,
        "watts": w * np.log(line / np.maximum(y, WATTS_FLOOR)),
        "gap": w * gap,
        "floored": (y < WATTS_FLOOR).astype("float64"),
    }
    return {k: np.bincount(where, weights=v, minlength=n).astype("float64") for k, v in sums.items()}


# --------------------------------------------------------------------------- depth


def poor_mask(frame: pd.DataFrame, line: float) -> np.ndarray:
    """remaining(Y) households with a known income(h, T) below ``line`` (a :func:`household_frame`)."""
    return frame["remaining"].to_numpy() & (to_fen(frame["income_T"]) < to_fen(line))


def _indices(sums: Mapping[str, float], pop: float) -> dict[str, float | None]:
    return {
        "fgt0": rate(sums["people"], pop),
        "fgt1": rate(sums["fgt1"], pop),
        "fgt2": rate(sums["fgt2"], pop),
        "watts": rate(sums["watts"], pop),
    }


def village_depth(villages: pd.DataFrame, frame: pd.DataFrame, line: float) -> pd.DataFrame:
    """The depth indices of each village (by village_id), and its part of the area's FGT1.

    Per village v with population N_v (its own ``population``): ``poor_households``,
    ``poor_people`` (remaining(Y), income(h, T) < z), ``income_unknown_households``
    (remaining, income unknown: left out), ``fgt0``, ``fgt1``, ``fgt2``, ``watts``
    (:func:`fgt`, :func:`watts` with N = N_v; NaN when N_v is 0), ``income_gap``
    (yuan). Decomposition over the area's N: ``fgt1_contribution`` = Σ_v
    size·(z − y)/z / N (the contributions add up to the area's FGT1), and
    ``gap_share`` = the village's income gap / the area's (NaN when the area
    has no gap). Households of a village not in ``villages`` count only in the area.
    """
    villages = villages.sort_values("village_id", kind="stable", ignore_index=True)
    n = len(villages)
    where = village_positions(villages, frame)
    income = frame["income_T"].to_numpy(dtype="float64")
    remaining = frame["remaining"].to_numpy()
    size = household_sizes(frame).astype("float64")
    sums = _poverty_sums(np.where(remaining, income, np.nan), size, where, n + 1, line)
    unknown = np.bincount(where[remaining & np.isnan(income)], minlength=n + 1)
    pop = villages["population"].to_numpy(dtype="float64")
    area_pop = float(pop.sum())
    total_gap = float(sums["gap"].sum())
    safe = np.where(pop > 0, pop, 1.0)
    return pd.DataFrame(
        {
            "village_id": villages["village_id"],
            "village_name": villages["village_name"],
            "population": villages["population"].to_numpy(dtype="int64"),
            "poor_households": sums["households"][:n].astype("int64"),
            "poor_people": sums["people"][:n].astype("int64"),
            "income_unknown_households": unknown[:n].astype("int64"),
            **{k: np.where(pop > 0, sums[s][:n] / safe, np.nan)
               for k, s in (("fgt0", "people"), ("fgt1", "fgt1"), ("fgt2", "fgt2"), ("watts", "watts"))},
            "income_gap": sums["gap"][:n],
            "fgt1_contribution": sums["fgt1"][:n] / area_pop if area_pop > 0 else np.nan,
            "gap_share": sums["gap"][:n] / total_gap if total_gap > 0 else np.nan,
        }
    )


def depth(villages: pd.DataFrame, frame: pd.DataFrame, line: float) -> dict[str, Any]:
    """metrics.json's ``depth``: the indices at z = ``line`` for the area and its villages.

    Keys: ``poverty_line`` (z), ``population`` (N, the villages' population),
    ``poor`` {households, people} (remaining(Y), income(h, T) < z),
    ``income_unknown`` {households, people} (remaining, income unknown: left
    out of every sum), ``fgt0``, ``fgt1``, ``fgt2``, ``watts`` (over N;
    ``None`` when N is 0), ``income_gap`` (yuan: Σ (z − y)·size over the
    poor), ``watts_floored`` (poor households with income below
    :data:`WATTS_FLOOR` yuan, counted as that much), and ``villages``: the
    rows of :func:`village_depth`. ``frame`` is a :func:`household_frame` for
    the same line.
    """
    remaining = frame["remaining"].to_numpy()
    income = np.where(remaining, frame["income_T"].to_numpy(dtype="float64"), np.nan)
    size = household_sizes(frame).astype("float64")
    sums = {k: float(v[0]) for k, v in
            _poverty_sums(income, size, np.zeros(len(frame), dtype="int64"), 1, line).items()}
    pop = population(villages)
    return json_plain({
        "poverty_line": json_number(line),
        "population": pop,
        "poor": counts(frame, poor_mask(frame, line)),
        "income_unknown": counts(frame, remaining & frame["income_T"].isna().to_numpy()),
        **_indices(sums, pop),
        "income_gap": sums["gap"],
        "watts_floored": int(sums["floored"]),
        "villages": village_depth(villages, frame, line).to_dict("records"),
    })


# Sensitivity and monitoring have their own modules; their public names stay importable from here.


def __getattr__(name: str):
    """A name of 0.1.0 that moved: the error names its new import (:func:`fupin.removed_name`)."""
    raise removed_name(__name__, name)
