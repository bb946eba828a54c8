"""The seed's first two problems: weak collective economies and industry coverage.

Definitions (the project's data contract, docs/data.md):

* **collective economy**: a village is *weak* when its ``collective_income``
  (村集体经济收入, yuan a year) is below the line C (default 50,000 yuan).
  Amounts are compared in whole fen, never as floating-point numbers: an
  amount is taken to the fen, half up, from its shortest decimal form
  (:func:`fen`), so exactly C is not weak. A village without a figure is
  *unknown*: neither weak nor not weak. With the optional exit condition
  (``collective_income_exit``) a poor village not exited by Y whose
  collective income is weak or unknown is blocked by ``collective_income``
  (see :func:`fupin.figures.frame.village_table`).
* **industry coverage**: among the remaining(Y) households whose
  ``industry_support`` (产业帮扶) is known, the share covered by an
  industry-support project, in households (the share) and people, per
  village and for the area. Blank values are left out of both numerator
  and denominator. A village is *below* when it has at least one such
  household and its own household share is below the coverage line
  (default 0.8), compared exactly (:func:`below_line`). Nothing is reported
  when the households table has no ``industry_support`` column.

Compute only: numbers, booleans and ids. The words are in
:mod:`fupin.report.narrative` and :mod:`fupin.report.tables`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fupin.core.config import DEFAULT_COLLECTIVE_INCOME_LINE, DEFAULT_INDUSTRY_COVERAGE_LINE
from fupin.core.formats import json_number
from fupin.core.money import below_share, to_fen

#: Per-village industry columns of :func:`industry_by_village` (and of the village table).
INDUSTRY_COLUMNS: tuple[str, ...] = (
    "industry_known_households", "industry_known_people",
    "industry_covered_households", "industry_covered_people", "industry_share", "industry_below",
)


def fen(amount: Any) -> int | None:
    """An amount of yuan as whole fen (:func:`fupin.core.money.to_fen`, half up); ``None`` when blank.

    >>> fen(50000), fen(49999.99), fen(0.285), fen(52000.5), fen(None), fen(float("nan"))
    (5000000, 4999999, 29, 5200050, None, None)
    """
    if amount is None or amount is pd.NA:
        return None
    x = float(amount)
    if math.isnan(x):
        return None
    return int(to_fen(x))


def collective_weak(
    villages: pd.DataFrame, line: float = DEFAULT_COLLECTIVE_INCOME_LINE
) -> pd.Series:
    """Whether each village's collective economy is weak: ``collective_income`` < C, to the fen.

    Returns a nullable boolean Series on ``villages``' index: True (weak),
    False, ``<NA>`` where the income is blank or the column is absent.

    >>> v = pd.DataFrame({"collective_income": [49999.99, 50000.0, None, 50000.001]})
    >>> collective_weak(v, 50000).tolist()
    [True, False, <NA>, False]
    """
    limit = fen(line)
    if limit is None:
        raise ValueError(f"村集体经济收入标准应为数字：{line}")
    incomes = villages["collective_income"] if "collective_income" in villages else pd.Series(
        np.nan, index=villages.index, dtype="float64"
    )
    weak = [None if f is None else f < limit for f in map(fen, incomes.tolist())]
    return pd.Series(pd.array(weak, dtype="boolean"), index=villages.index)


def collective_economy(table: pd.DataFrame, line: float = DEFAULT_COLLECTIVE_INCOME_LINE) -> dict[str, Any]:
    """metrics.json's ``collective_economy`` from a village table.

    ``table`` has ``village_id``, ``is_poor_village`` and ``collective_weak``
    (:func:`collective_weak`), as :func:`fupin.figures.frame.village_table` does.
    ``weak`` counts the villages with a known collective income below the
    line, poor and non-poor apart; ``unknown`` the villages without one.
    ``weak_villages`` and ``unknown_villages`` list their ids, sorted.

    >>> t = pd.DataFrame({"village_id": ["b", "a", "c", "d"], "is_poor_village": [True, False, True, False],
    ...                   "collective_weak": pd.array([True, True, None, False], dtype="boolean")})
    >>> collective_economy(t, 50000)
    {'line': 50000, 'weak': {'poor': 1, 'non_poor': 1}, 'unknown': 1, 'weak_villages': ['a', 'b'], 'unknown_villages': ['c']}
    """
    weak = table["collective_weak"].astype("boolean")
    known_weak = weak.fillna(False).to_numpy(dtype=bool)
    unknown = weak.isna().to_numpy(dtype=bool)
    poor = table["is_poor_village"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    ids = table["village_id"].astype(str).to_numpy(dtype=object)
    return {
        "line": json_number(line),
        "weak": {"poor": int((known_weak & poor).sum()), "non_poor": int((known_weak & ~poor).sum())},
        "unknown": int(unknown.sum()),
        "weak_villages": sorted(ids[known_weak].tolist()),
        "unknown_villages": sorted(ids[unknown].tolist()),
    }


def below_line(covered: int, known: int, line: float) -> bool:
    """``covered / known < line``, exactly (the line as the decimal it is written as,
    :func:`fupin.core.money.below_share`).

    False when nothing is known (``known`` is 0).

    >>> below_line(4, 5, 0.8), below_line(3, 4, 0.8), below_line(0, 0, 0.8), below_line(7, 10, 0.7)
    (False, True, False, False)
    """
    if known <= 0:
        return False
    return bool(below_share(covered, known, line))


def _known_and_covered(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Remaining(Y) households whose industry_support is known, and those covered (numpy bools)."""
    support = frame["industry_support"].astype("boolean")
    remaining = frame["remaining"].to_numpy(dtype=bool)
    known = remaining & support.notna().to_numpy(dtype=bool)
    covered = known & support.fillna(False).to_numpy(dtype=bool)
    return known, covered


def industry_by_village(
    villages: pd.DataFrame, frame: pd.DataFrame, line: float = DEFAULT_INDUSTRY_COVERAGE_LINE
) -> pd.DataFrame | None:
    """Industry coverage per village, in ``villages``' order; ``None`` without the column.

    ``frame`` is a :func:`fupin.figures.frame.household_frame` (``village_id``,
    ``size``, ``remaining`` and, when the households table has it,
    ``industry_support``). Columns (:data:`INDUSTRY_COLUMNS`):
    ``industry_known_households``/``_people`` (remaining(Y) households whose
    industry_support is known), ``industry_covered_households``/``_people``
    (those covered), ``industry_share`` (covered / known households, NaN
    when none is known) and ``industry_below`` (:func:`below_line`).

    >>> v = pd.DataFrame({"village_id": ["a", "b"]})
    >>> f = pd.DataFrame({"village_id": ["a", "a", "a", "b"], "size": [2, 3, 4, 1],
    ...                   "remaining": [True, True, True, False],
    ...                   "industry_support": pd.array([True, False, None, True], dtype="boolean")})
    >>> industry_by_village(v, f).to_dict("records")[0]
    {'village_id': 'a', 'industry_known_households': 2, 'industry_known_people': 5, 'industry_covered_households': 1, 'industry_covered_people': 2, 'industry_share': 0.5, 'industry_below': True}
    """
    if "industry_support" not in frame:
        return None
    n = len(villages)
    where = pd.Index(villages["village_id"]).get_indexer(frame["village_id"])
    where = np.where(where >= 0, where, n)  # households of unknown villages: last slot
    sizes = frame["size"].to_numpy(dtype="int64")
    known, covered = _known_and_covered(frame)
    out = pd.DataFrame({"village_id": villages["village_id"].to_numpy()})
    for name, mask in (("known", known), ("covered", covered)):
        out[f"industry_{name}_households"] = np.bincount(where[mask], minlength=n + 1)[:n].astype("int64")
        out[f"industry_{name}_people"] = np.bincount(
            where[mask], weights=sizes[mask], minlength=n + 1
        )[:n].astype("int64")
    known_hh = out["industry_known_households"].to_numpy()
    covered_hh = out["industry_covered_households"].to_numpy()
    out["industry_share"] = np.where(known_hh > 0, covered_hh / np.where(known_hh > 0, known_hh, 1), np.nan)
    out["industry_below"] = [below_line(c, k, line) for c, k in zip(covered_hh, known_hh)]
    return out


def industry_coverage(
    table: pd.DataFrame, frame: pd.DataFrame, line: float = DEFAULT_INDUSTRY_COVERAGE_LINE
) -> dict[str, Any] | None:
    """metrics.json's ``industry_coverage``; ``None`` when there is no industry_support column.

    ``table`` is a village table carrying :func:`industry_by_village`'s
    columns; ``frame`` the :func:`fupin.figures.frame.household_frame`. Keys:
    ``known`` and ``covered`` ({households, people}, over the area's
    remaining(Y) households), ``share`` (covered / known households; None
    when none is known), ``share_people`` (the same in people), ``line``,
    ``below`` (the area's share is below the line), ``below_villages`` (ids
    of the villages below the line, sorted) and ``unknown`` (remaining
    households whose industry_support is blank).

    >>> v = pd.DataFrame({"village_id": ["a", "b"]})
    >>> f = pd.DataFrame({"village_id": ["a", "a", "b", "b"], "size": [2, 3, 4, 1],
    ...                   "remaining": [True, True, True, True],
    ...                   "industry_support": pd.array([True, False, True, None], dtype="boolean")})
    >>> c = industry_coverage(v.join(industry_by_village(v, f).drop(columns="village_id")), f)
    >>> c["known"], c["covered"], c["share"], c["below_villages"], c["unknown"]
    ({'households': 3, 'people': 9}, {'households': 2, 'people': 6}, 0.6666666666666666, ['a'], {'households': 1, 'people': 1})
    """
    if "industry_support" not in frame:
        return None
    sizes = frame["size"].to_numpy(dtype="int64")
    known, covered = _known_and_covered(frame)
    remaining = frame["remaining"].to_numpy(dtype=bool)
    blank = remaining & ~known

    def count(mask: np.ndarray) -> dict[str, int]:
        return {"households": int(mask.sum()), "people": int(sizes[mask].sum())}

    k, c = count(known), count(covered)
    below = table["industry_below"].to_numpy(dtype=bool)
    return {
        "known": k,
        "covered": c,
        "share": c["households"] / k["households"] if k["households"] else None,
        "share_people": c["people"] / k["people"] if k["people"] else None,
        "line": json_number(line),
        "below": below_line(c["households"], k["households"], line),
        "below_villages": sorted(table.loc[below, "village_id"].astype(str).tolist()),
        "unknown": count(blank),
    }
