"""The headcount figures of an area, each from the household frame and the village table.

Status at the end of Y, the projection for T = Y + 1 and why households do
not exit, income bands, the incidence trend, cadres and unsafe houses: every
figure of docs/data.md that counts households and people. Each takes the
:func:`fupin.figures.frame.household_frame` and/or :func:`fupin.figures.frame.village_table`
(built once per area by :func:`fupin.figures.analysis.analyse`) and returns numbers
and codes, never words, with numpy/pandas vectorised code (no per-household
Python loop). Rates are fractions with full precision; a rate over a
population of 0 is ``None`` (in frames: NaN), never a ZeroDivisionError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fupin.core.contract import REASON_LABELS, TEXT_DTYPE
from fupin.core.formats import json_number
from fupin.figures.frame import (
    REASON_CODES,
    counts,
    flag_values,
    household_sizes,
    population,
    rate,
    rates,
    village_positions,
    village_sums,
    year_values,
)
from fupin.core.county import County
from fupin.figures.labels import number_text, reason_texts
from fupin.core.money import to_fen
from fupin.core.privacy import mask_names

UNKNOWN_BAND = "unknown"


def reason_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Households and people per reason code (a household with two reasons counts in both).

    Columns ``code``, ``label``, ``households``, ``people``; every code of
    :data:`REASON_CODES` in order, zeros included. ``frame`` is a
    :func:`household_frame`.
    """
    rows = [
        {"code": code, "label": REASON_LABELS[code], **counts(frame, frame[f"reason_{code}"])}
        for code in REASON_CODES
    ]
    return pd.DataFrame(rows, columns=["code", "label", "households", "people"])

def reason_codes(frame: pd.DataFrame) -> pd.Series:
    """Each household's reasons not to exit as codes: ``,``-joined in :data:`REASON_CODES` order.

    ``""`` for a household without a reason. ``frame`` is a
    :func:`household_frame`; returns a Series on its index. The words are
    :func:`fupin.figures.labels.reason_texts`.
    """
    codes = np.full(len(frame), "", dtype=object)
    for code in REASON_CODES:
        flag = frame[f"reason_{code}"].to_numpy(dtype=bool)
        if flag.any():
            codes = codes + np.where(flag, code + ",", "")
    return pd.Series(codes, index=frame.index, dtype=object).str.rstrip(",")


# --------------------------------------------------------------------------- income bands


def band_edges(bands: Sequence[float]) -> np.ndarray:
    """The band edges as float64, checked: at least one, finite, strictly ascending (else ValueError).

    >>> band_edges([3500, 4000]).tolist()
    [3500.0, 4000.0]
    """
    edges = np.asarray(bands, dtype="float64")
    if edges.ndim != 1 or len(edges) == 0 or not np.isfinite(edges).all():
        raise ValueError(f"收入分组界限应为至少一个有限数值：{list(bands)}")
    if (np.diff(edges) <= 0).any():
        raise ValueError(f"收入分组界限应严格递增：{list(bands)}")
    return edges



def band_labels(bands: Sequence[float]) -> list[str]:
    """The labels of the bands cut at ``bands`` (ascending, at least one edge).

    Integer-looking edges print without decimals; the middle bands use an EN
    DASH (U+2013).

    >>> band_labels([3500, 4000])
    ['<3500', '3500–4000', '>=4000']
    >>> band_labels([3500.5])
    ['<3500.5', '>=3500.5']
    """
    text = [number_text(x) for x in band_edges(bands)]
    middle = [f"{a}\u2013{b}" for a, b in zip(text, text[1:])]
    return [f"<{text[0]}", *middle, f">={text[-1]}"]


def income_bands(frame: pd.DataFrame, bands: Sequence[float] = (3500.0, 4000.0)) -> pd.DataFrame:
    """Registered(Y) households by income(h, T) in the bands [E_i, E_i+1).

    An income exactly on an edge goes to the upper band (compared in whole
    fen, :func:`to_fen`). Columns ``band``,
    ``lower``, ``upper`` (None for open ends), ``households``, ``people``;
    every band appears, zeros included, and an ``unknown`` band (lower and
    upper None) follows only when some registered household's income is
    unknown. ``frame`` is a :func:`household_frame`.
    """
    edges = band_edges(bands)
    registered = frame[frame["registered"]]
    income = registered["income_T"].to_numpy(dtype="float64")
    index = np.searchsorted(to_fen(edges), to_fen(income), side="right")  # exact, in fen
    index[np.isnan(income)] = len(edges) + 1
    n = len(edges) + 2
    households = np.bincount(index, minlength=n)
    people = np.bincount(index, weights=household_sizes(registered), minlength=n).astype("int64")
    lowers = [None, *(json_number(e) for e in edges)]
    uppers = [*(json_number(e) for e in edges), None]
    rows = [
        {"band": label, "lower": lo, "upper": up, "households": int(h), "people": int(p)}
        for label, lo, up, h, p in zip(band_labels(edges), lowers, uppers, households, people)
    ]
    if households[-1]:
        rows.append(
            {"band": UNKNOWN_BAND, "lower": None, "upper": None,
             "households": int(households[-1]), "people": int(people[-1])}
        )
    columns = ["band", "lower", "upper", "households", "people"]
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in columns}).astype(
        {"band": TEXT_DTYPE, "households": "int64", "people": "int64"}
    )


# --------------------------------------------------------------------------- trend


def trend_years(frame: pd.DataFrame, year: int) -> list[int]:
    """Every year from the first registered_year (among registered(Y)) to Y; ``[Y]`` if none.

    >>> trend_years(pd.DataFrame({"registered_year": [2015, 2014, 2020]}), 2018)
    [2014, 2015, 2016, 2017, 2018]
    """
    registered = year_values(frame, "registered_year")
    registered = registered[registered <= year]
    first = int(registered.min()) if len(registered) else year
    return list(range(first, year + 1))


def _remaining_people_by_year(
    where: np.ndarray, frame: pd.DataFrame, years: Sequence[int], n: int
) -> np.ndarray:
    """remaining(y) people per (year, village row) for ``n`` villages, the last column
    holding unknown villages (``where``: :func:`village_positions`); the same rule
    as :func:`household_status`."""
    registered = year_values(frame, "registered_year")
    exit_year = year_values(frame, "exit_year")
    returned_year = year_values(frame, "returned_year")
    sizes = household_sizes(frame)
    out = np.zeros((len(years), n + 1), dtype="int64")
    for i, y in enumerate(years):  # a handful of years, each one vectorised
        remaining = (registered <= y) & ~((exit_year <= y) & ~(returned_year <= y))
        out[i] = village_sums(where, sizes, remaining, n)[1]
    return out


def _projected_people_by_village(where: np.ndarray, frame: pd.DataFrame, n: int) -> np.ndarray:
    mask = frame["remaining"].to_numpy() & ~frame["projected_exit"].to_numpy()
    return village_sums(where, household_sizes(frame), mask, n)[1]


def _trend_people(villages: pd.DataFrame, frame: pd.DataFrame, years: Sequence[int]) -> np.ndarray:
    """People per (year of ``years`` then T, village row + unknown-village slot)."""
    where = village_positions(villages, frame)
    return np.vstack(
        [
            _remaining_people_by_year(where, frame, years, len(villages)),
            _projected_people_by_village(where, frame, len(villages)),
        ]
    )


def incidence_trend(villages: pd.DataFrame, frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """incidence(y) for every year of :func:`trend_years`, then the projection for T.

    Columns ``year``, ``remaining_people``, ``incidence`` (NaN when the
    population is 0), ``projected`` (true only for the T row, whose people
    are remaining(Y) less the projected exits). ``frame`` is a
    :func:`household_frame` for Y.
    """
    years = trend_years(frame, year)
    people = _trend_people(villages, frame, years).sum(axis=1)
    return pd.DataFrame(
        {
            "year": [*years, year + 1],
            "remaining_people": people,
            "incidence": rates(people, np.full(len(people), population(villages))),
            "projected": [False] * len(years) + [True],
        }
    )


def incidence_trend_by_village(
    villages: pd.DataFrame, frame: pd.DataFrame, year: int
) -> pd.DataFrame:
    """:func:`incidence_trend` per village: ``village_id`` then the same columns.

    The years are the area's (so every village has the same rows); each
    village's denominator is its own population. Sorted by village, year.
    """
    villages = villages.sort_values("village_id", kind="stable", ignore_index=True)
    years = trend_years(frame, year)
    people = _trend_people(villages, frame, years)[:, : len(villages)]
    all_years = np.array([*years, year + 1])
    pop = villages["population"].to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "village_id": np.repeat(villages["village_id"].to_numpy(), len(all_years)),
            "year": np.tile(all_years, len(villages)),
            "remaining_people": people.T.ravel(),
            "incidence": rates(people, pop[None, :]).T.ravel(),
            "projected": np.tile(all_years == year + 1, len(villages)),
        }
    ).astype({"village_id": villages["village_id"].dtype})


# --------------------------------------------------------------------------- other figures


def cadre_count(households: pd.DataFrame, year: int) -> int:
    """Cadres helping the area: distinct non-blank ``cadre_id`` among registered(Y) households.

    >>> cadre_count(pd.DataFrame({"registered_year": [2014, 2014, 2015, 2020],
    ...                           "cadre_id": ["c1", "c1", None, "c2"]}), 2018)
    1
    """
    if "cadre_id" not in households:
        return 0
    registered = year_values(households, "registered_year") <= year
    return int(households.loc[registered, "cadre_id"].dropna().nunique())


def unsafe_houses_outside_program(households: pd.DataFrame, year: int) -> dict[str, int]:
    """Registered(Y) households in unsafe houses (grade C or D) outside the renovation programme.

    ``in_renovation_program`` blank counts as not in the programme.
    Returns ``{"households": n, "people": m}``.

    >>> h = pd.DataFrame({"size": [2, 3, 4], "registered_year": [2014, 2014, 2014],
    ...                   "house_risk_grade": ["C", "D", None],
    ...                   "in_renovation_program": pd.array([None, True, None], dtype="boolean")})
    >>> unsafe_houses_outside_program(h, 2018)
    {'households': 1, 'people': 2}
    """
    return counts(households, unsafe_house_mask(households, year))


def unsafe_house_mask(households: pd.DataFrame, year: int) -> np.ndarray:
    """Which households :func:`unsafe_houses_outside_program` counts (one bool per row)."""
    if "house_risk_grade" not in households:
        return np.zeros(len(households), dtype=bool)
    registered = year_values(households, "registered_year") <= year
    grade = households["house_risk_grade"]
    unsafe = (grade.eq("C") | grade.eq("D")).fillna(False).to_numpy(dtype=bool)
    return registered & unsafe & ~flag_values(households, "in_renovation_program", False)


def income_unknown(frame: pd.DataFrame) -> dict[str, int]:
    """Registered(Y) households whose income(h, T) is unknown (the ``unknown`` band)."""
    return counts(frame, frame["registered"].to_numpy() & frame["income_T"].isna().to_numpy())



def projection(frame: pd.DataFrame, villages: pd.DataFrame, pop: int) -> dict[str, Any]:
    """metrics.json's ``projection`` from a :func:`household_frame` and :func:`village_table`."""
    remaining = counts(frame, frame["remaining"])
    exits = counts(frame, frame["projected_exit"])
    left = {k: remaining[k] - exits[k] for k in remaining}
    open_ = villages[villages["is_poor_village"] & ~villages["exited_by_year"]]
    blocked = open_[open_["status"] == "blocked"]
    below = np.array(["incidence" not in b for b in open_["blockers"]], dtype=bool)
    return {
        "exits": exits,
        "remaining": left,
        "incidence": rate(left["people"], pop),
        "villages_exiting": open_.loc[open_["status"] == "exiting", "village_id"].tolist(),
        "villages_blocked": dict(zip(blocked["village_id"], blocked["blockers"])),
        "villages_below_threshold": open_.loc[below, "village_id"].tolist(),
        "reasons": {
            r.code: {"households": r.households, "people": r.people, "label": r.label}
            for r in reason_counts(frame).itertuples()
        },
    }


def non_exit_list(area: County, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`fupin.figures.metrics.non_exit_households` from the area's :func:`household_frame`.

    The reasons' words come from :func:`fupin.figures.labels.reason_texts` (codes and gap given).
    """
    stuck = (frame["remaining"] & ~frame["projected_exit"]).to_numpy()
    rows = frame[stuck]
    names = pd.Series(
        area.households["head_name"].to_numpy()[stuck] if "head_name" in area.households else pd.NA,
        index=rows.index,
        dtype=TEXT_DTYPE,
    )
    village_names = area.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    codes = reason_codes(rows)
    out = pd.DataFrame(
        {
            "household_id": rows["household_id"],
            "village_id": rows["village_id"],
            "village_name": rows["village_id"].map(village_names).astype(TEXT_DTYPE),
            "head_name_masked": mask_names(names).to_numpy(),
            "size": rows["size"],
            "income_T": rows["income_T"],
            "gap": rows["gap"],
            "reasons": reason_texts(codes, rows["gap"]),
            "reason_codes": codes,
        }
    )
    return out.astype(
        {"head_name_masked": TEXT_DTYPE, "reasons": TEXT_DTYPE, "reason_codes": TEXT_DTYPE}
    ).sort_values(["village_id", "household_id"], ignore_index=True)
