"""The household frame and the village table: the base every figure is derived from.

:func:`household_frame` is one row per household with its status at the end
of Y, its income in T and why it is (not) projected to exit;
:func:`village_table` is one row per village with its counts and its status
in T. :mod:`fupin.figures.analysis` assembles metrics.json from these, and
:mod:`fupin.figures.depth` and :mod:`fupin.figures.checks` build on them. Parameters as in
:mod:`fupin.figures.analysis`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fupin.figures import collective as economy
from fupin.core.contract import GUARANTEES
from fupin.core.config import (
    DEFAULT_COLLECTIVE_INCOME_EXIT,
    DEFAULT_COLLECTIVE_INCOME_LINE,
    DEFAULT_INDUSTRY_COVERAGE_LINE,
)
from fupin.core.county import County
from fupin.core.money import below_share, to_fen, to_yuan

#: Why a remaining household is not projected to exit in T, in report order.
REASON_CODES: tuple[str, ...] = ("income_short", "income_unknown", *GUARANTEES)

#: Chinese label of each reason. A household's own ``income_short`` label names
#: The conditions a poor village can fail in T, in this order
#: (``collective_income`` only when the run asks for it).
BLOCKER_CODES: tuple[str, ...] = ("incidence", "venue_ok", "road_ok", "collective_income")

#: ``status`` of a village in T: exited by Y, meets every exit condition,
#: poor but blocked, or never a poor village.
VILLAGE_STATUSES: tuple[str, ...] = ("exited", "exiting", "blocked", "non_poor")


# --------------------------------------------------------------------------- helpers


def year_values(df: pd.DataFrame, column: str) -> np.ndarray:
    """A year column as float64 with NaN for blanks (NaN compares False)."""
    if column not in df:
        return np.full(len(df), np.nan)
    return df[column].to_numpy(dtype="float64", na_value=np.nan)


def flag_values(df: pd.DataFrame, column: str, default: bool) -> np.ndarray:
    """A boolean column as numpy bools, blanks and a missing column read as ``default``."""
    if column not in df:
        return np.full(len(df), default)
    return df[column].astype("boolean").fillna(default).to_numpy(dtype=bool)


def household_sizes(df: pd.DataFrame) -> np.ndarray:
    """The ``size`` column (people per household) as int64.

    >>> household_sizes(pd.DataFrame({"size": [2, 3]})).tolist()
    [2, 3]
    """
    return df["size"].to_numpy(dtype="int64")


def _take(values: pd.Series, where: np.ndarray, fill: float | bool) -> np.ndarray:
    """``values`` at positions ``where`` (as from ``get_indexer``), ``fill`` where -1."""
    out = np.full(len(where), fill)  # float64 for NaN, bool for False
    found = where >= 0
    out[found] = values.to_numpy()[where[found]]
    return out


def rate(people: float, population: float) -> float | None:
    """``people / population``, or ``None`` when the population is 0 (or unknown).

    >>> rate(924, 28600) == 924 / 28600, rate(0, 0)
    (True, None)
    """
    if population is None or not population > 0:
        return None
    return float(people) / float(population)


def rates(people: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Elementwise :func:`rate`, NaN where the population is not positive."""
    population = np.asarray(population, dtype="float64")
    safe = np.where(population > 0, population, 1.0)
    return np.where(population > 0, np.asarray(people, dtype="float64") / safe, np.nan)


def counts(frame: pd.DataFrame, mask: np.ndarray | pd.Series | None = None) -> dict[str, int]:
    """``{"households": n, "people": sum of size}`` over the rows where ``mask`` holds.

    >>> counts(pd.DataFrame({"size": [2, 3, 4]}), [True, False, True])
    {'households': 2, 'people': 6}
    """
    sizes = household_sizes(frame)
    if mask is not None:
        sizes = sizes[np.asarray(mask, dtype=bool)]
    return {"households": int(len(sizes)), "people": int(sizes.sum())}


def population(villages: pd.DataFrame) -> int:
    """The incidence denominator: the sum of ``population`` over the villages (0 if none)."""
    return int(villages["population"].sum())


# --------------------------------------------------------------------------- households


def household_status(households: pd.DataFrame, year: int) -> pd.DataFrame:
    """``households`` with three boolean columns for the status at the end of ``year``.

    * ``registered``: registered_year <= Y;
    * ``exited``: registered and exit_year <= Y, unless returned_year <= Y
      (a household that returned to poverty counts as remaining);
    * ``remaining``: registered and not exited.

    A blank exit_year or returned_year never satisfies ``<= Y``.

    >>> h = pd.DataFrame({"registered_year": [2014, 2014, 2015, 2019],
    ...                   "exit_year": pd.array([None, 2016, 2016, None], dtype="Int64"),
    ...                   "returned_year": pd.array([None, None, 2018, None], dtype="Int64")})
    >>> household_status(h, 2018)[["registered", "exited", "remaining"]].values.tolist()
    [[True, False, True], [True, True, False], [True, False, True], [False, False, False]]
    """
    registered = year_values(households, "registered_year") <= year
    exited = (
        registered
        & (year_values(households, "exit_year") <= year)
        & ~(year_values(households, "returned_year") <= year)
    )
    return households.assign(registered=registered, exited=exited, remaining=registered & ~exited)


def incidence(villages: pd.DataFrame, households: pd.DataFrame, year: int) -> float | None:
    """Poverty incidence at the end of ``year``: remaining(Y) people / population.

    The population is the sum of the villages' ``population``; ``None`` when
    it is 0 (an empty area).

    >>> v = pd.DataFrame({"population": [100, 100]})
    >>> h = pd.DataFrame({"size": [3, 2], "registered_year": [2014, 2014],
    ...                   "exit_year": pd.array([None, 2016], dtype="Int64")})
    >>> incidence(v, h, 2018)
    0.015
    """
    status = household_status(households, year)
    return rate(counts(status, status["remaining"])["people"], population(villages))


def income_in_year(incomes: pd.DataFrame, year: int, growth: float = 0.0) -> pd.DataFrame:
    """income(h, t) for ``t = year``: one row per household that has one.

    The household's incomes row for t (actual or ``is_estimate``) if there
    is one; otherwise its latest earlier row times (1 + g)^(t - that year),
    rounded half up to the fen (:func:`to_fen`), so that 3000 at 15% growth
    is 3450 exactly. Households with no row at or before t are absent (their income is
    unknown). Rows with a blank income are ignored. Rows come in no
    particular order. Columns:
    ``household_id``, ``income``, ``income_year`` (the row's year),
    ``is_estimate`` (of that row).

    >>> inc = pd.DataFrame({"household_id": ["a", "a", "b"], "year": [2017, 2018, 2017],
    ...                     "per_capita_income": [3000.0, 3200.0, 3000.0]})
    >>> income_in_year(inc, 2019, growth=0.1).set_index("household_id")["income"].sort_index().to_dict()
    {'a': 3520.0, 'b': 3630.0}
    """
    rows = incomes[(incomes["year"] <= year) & incomes["per_capita_income"].notna()]
    latest = rows.sort_values("year", kind="stable").drop_duplicates("household_id", keep="last")
    source_year = latest["year"].to_numpy(dtype="int64")
    factor = (1.0 + growth) ** (year - source_year).astype("float64")
    return pd.DataFrame(
        {
            "household_id": latest["household_id"].to_numpy(),
            "income": to_yuan(to_fen(latest["per_capita_income"].to_numpy(dtype="float64") * factor)),
            "income_year": source_year,
            "is_estimate": flag_values(latest, "is_estimate", False),
        }
    )


def household_frame(
    households: pd.DataFrame,
    incomes: pd.DataFrame,
    year: int,
    *,
    poverty_line: float = 3500.0,
    growth: float = 0.0,
) -> pd.DataFrame:
    """One row per household (in ``households``' order): status in Y, income in T, projection.

    Columns: ``household_id``, ``village_id``, ``size``, ``registered_year``,
    ``exit_year``, ``returned_year``; ``registered``, ``exited``,
    ``remaining`` (:func:`household_status`); ``industry_support`` where the
    households table has it; ``income_T`` = income(h, T)
    for T = Y + 1 (:func:`income_in_year`, NaN if unknown) and
    ``income_year`` and ``income_is_estimate``, the year and the
    ``is_estimate`` flag of the incomes row it comes from;
    ``gap`` = L - income_T where the income is short (else NaN); one boolean
    ``reason_<code>`` per code of :data:`REASON_CODES`, true only for
    remaining(Y) households; ``projected_exit``.

    A remaining(Y) household is projected to exit in T when income_T >= L
    (exactly on the line exits; amounts compared in whole fen, :func:`to_fen`)
    and all five guarantees are true. Its
    reasons otherwise: ``income_short`` (income_T < L), ``income_unknown``
    (no incomes row at or before T), and each guarantee that is false. A
    blank guarantee reads as true, the contract's default.
    """
    keep = ["household_id", "village_id", "size", "registered_year", "exit_year", "returned_year"]
    optional = [c for c in ("industry_support",) if c in households]  # absent stays absent
    base = households[[c for c in keep + optional if c in households]].reset_index(drop=True)
    missing = {c: pd.array([None] * len(base), dtype="Int64") for c in keep if c not in base}
    status = household_status(base.assign(**missing), year)
    remaining = status["remaining"].to_numpy()
    known = income_in_year(incomes, year + 1, growth)
    where = pd.Index(known["household_id"]).get_indexer(base["household_id"])
    income = _take(known["income"], where, np.nan)
    income_year = pd.array(_take(known["income_year"], where, np.nan), dtype="Int64")
    line_fen, income_fen = to_fen(poverty_line), to_fen(income)
    short = remaining & (income_fen < line_fen)
    reasons = {
        "reason_income_short": short,
        "reason_income_unknown": remaining & np.isnan(income),
        **{f"reason_{g}": remaining & ~flag_values(households, g, True) for g in GUARANTEES},
    }
    blocked = np.logical_or.reduce(list(reasons.values()))
    return status.assign(
        income_T=income,
        income_year=income_year,
        income_is_estimate=_take(known["is_estimate"], where, False),
        gap=np.where(short, to_yuan(line_fen - income_fen), np.nan),
        **reasons,
        projected_exit=remaining & ~blocked,
    )


def income_at_exit(frame: pd.DataFrame, incomes: pd.DataFrame, growth: float = 0.0) -> np.ndarray:
    """income(h, exit_year) of each household of ``frame``, in order (NaN where unknown or no exit year).

    The contract's income(h, t) at t = the household's exit_year: its incomes
    row of that year, else its latest earlier row times (1 + g)^(t - that
    year), kept to the fen (as :func:`income_in_year`). One pass over the
    incomes for every exit year at once. The one implementation the
    consistency checks and the monitoring use.

    >>> f = pd.DataFrame({"household_id": ["a", "b", "c"], "exit_year": pd.array([2017, 2016, None], dtype="Int64")})
    >>> inc = pd.DataFrame({"household_id": ["a", "a", "b"], "year": [2015, 2018, 2017],
    ...                     "per_capita_income": [3000.0, 9000.0, 2000.0]})
    >>> income_at_exit(f, inc, growth=0.1).tolist()
    [3630.0, nan, nan]
    """
    exit_year = year_values(frame, "exit_year")
    owner = pd.Index(frame["household_id"]).get_indexer(incomes["household_id"])
    year = incomes["year"].to_numpy(dtype="float64")
    value = incomes["per_capita_income"].to_numpy(dtype="float64")
    use = (owner >= 0) & ~np.isnan(value)
    use[use] &= year[use] <= exit_year[owner[use]]
    owner, year, value = owner[use], year[use], value[use]
    order = np.lexsort((year, owner))  # by household, then year: the last row per household wins
    owner, year, value = owner[order], year[order], value[order]
    last = np.append(owner[1:] != owner[:-1], True) if len(owner) else np.zeros(0, bool)
    income = np.full(len(frame), np.nan)
    grown = value[last] * (1.0 + growth) ** (exit_year[owner[last]] - year[last])
    income[owner[last]] = to_yuan(to_fen(grown))  # income(h, t) is kept to the fen
    return income


# --------------------------------------------------------------------------- projection

# --------------------------------------------------------------------------- villages


def village_positions(villages: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Each household's row in ``villages``; ``len(villages)`` for an unknown village."""
    where = pd.Index(villages["village_id"]).get_indexer(frame["village_id"])
    return np.where(where >= 0, where, len(villages))


def village_sums(where: np.ndarray, sizes: np.ndarray, mask: np.ndarray, n: int):
    """Households and people per village row (the last slot collects unknown villages)."""
    households = np.bincount(where[mask], minlength=n + 1)
    people = np.bincount(where[mask], weights=sizes[mask], minlength=n + 1).astype("int64")
    return households, people


def village_table(
    villages: pd.DataFrame,
    frame: pd.DataFrame,
    year: int,
    *,
    threshold: float = 0.02,
    collective_income_line: float = DEFAULT_COLLECTIVE_INCOME_LINE,
    collective_income_exit: bool = DEFAULT_COLLECTIVE_INCOME_EXIT,
    industry_coverage_line: float = DEFAULT_INDUSTRY_COVERAGE_LINE,
) -> pd.DataFrame:
    """One row per village (by village_id) with its counts, rates and exit status in T.

    Counts (households and people, from the :func:`household_frame`):
    ``registered_*``, ``exited_*``, ``remaining_*``, ``projected_exits_*``,
    ``projected_remaining_*``. ``incidence`` = remaining people /
    population; ``projected_incidence`` = projected remaining people /
    population (NaN when the population is 0).

    ``exited_by_year``: a poor village with village_exit_year <= Y. A poor
    village not exited by Y exits in T when its projected incidence is
    below V (``threshold``) and ``venue_ok`` and ``road_ok`` hold (blank
    reads true); otherwise ``blockers`` lists what fails, in the order
    ``incidence`` (also when the incidence is NaN), ``venue_ok``,
    ``road_ok``. ``status`` is ``exited``, ``exiting``, ``blocked`` or
    ``non_poor``.

    Collective economy (:mod:`fupin.figures.collective`): ``collective_income`` (NaN
    when not given) and ``collective_weak`` (below ``collective_income_line``
    to the fen; ``<NA>`` when unknown). With ``collective_income_exit`` a poor
    village not exited by Y whose collective income is weak or unknown is
    also blocked by ``collective_income`` (last in the blockers); off by
    default, when nothing else changes.

    Industry coverage (:func:`fupin.figures.collective.industry_by_village`, against
    ``industry_coverage_line``): the columns of
    :data:`fupin.figures.collective.INDUSTRY_COLUMNS`, all missing (None) when the
    households table has no ``industry_support`` column.
    """
    villages = villages.sort_values("village_id", kind="stable", ignore_index=True)
    n = len(villages)
    where = village_positions(villages, frame)
    sizes = household_sizes(frame)
    table = villages[["village_id", "village_name"]].copy()
    table["township_name"] = (villages["township_name"] if "township_name" in villages
                              else pd.Series(pd.NA, index=villages.index, dtype="string"))
    poor = flag_values(villages, "is_poor_village", False)
    table["is_poor_village"] = poor
    table["is_deep_poor_village"] = flag_values(villages, "is_deep_poor_village", False)
    table["exited_by_year"] = poor & (year_values(villages, "village_exit_year") <= year)
    table["population"] = villages["population"].to_numpy(dtype="int64")
    projected_remaining = frame["remaining"].to_numpy() & ~frame["projected_exit"].to_numpy()
    for name, mask in (
        ("registered", frame["registered"].to_numpy()),
        ("exited", frame["exited"].to_numpy()),
        ("remaining", frame["remaining"].to_numpy()),
        ("projected_exits", frame["projected_exit"].to_numpy()),
        ("projected_remaining", projected_remaining),
    ):
        hh, pp = village_sums(where, sizes, mask, n)
        table[f"{name}_households"] = hh[:n]
        table[f"{name}_people"] = pp[:n]
    table["incidence"] = rates(table["remaining_people"], table["population"])
    table["projected_incidence"] = rates(table["projected_remaining_people"], table["population"])
    weak = economy.collective_weak(villages, collective_income_line)
    table["collective_income"] = (
        villages["collective_income"].to_numpy(dtype="float64") if "collective_income" in villages
        else np.full(n, np.nan)
    )
    table["collective_weak"] = weak.to_numpy()
    coverage = economy.industry_by_village(villages, frame, industry_coverage_line)
    for column in economy.INDUSTRY_COLUMNS:
        table[column] = (
            coverage[column].to_numpy() if coverage is not None else pd.Series([None] * n, dtype=object)
        )
    open_ = poor & ~table["exited_by_year"].to_numpy()
    fails = {
        "incidence": open_ & ~below_share(  # people < V × population, exactly
            table["projected_remaining_people"], table["population"], threshold),
        "venue_ok": open_ & ~flag_values(villages, "venue_ok", True),
        "road_ok": open_ & ~flag_values(villages, "road_ok", True),
        "collective_income": open_ & bool(collective_income_exit) & weak.fillna(True).to_numpy(dtype=bool),
    }
    table["blockers"] = pd.Series(
        [
            [code for code, failed in zip(BLOCKER_CODES, row) if failed]  # per village, not household
            for row in zip(*(fails[c] for c in BLOCKER_CODES))
        ],
        index=table.index,
        dtype=object,
    )
    blocked = np.logical_or.reduce([fails[c] for c in BLOCKER_CODES])
    table["status"] = np.select(
        [~poor, table["exited_by_year"].to_numpy(), blocked],
        ["non_poor", "exited", "blocked"],
        default="exiting",
    ).astype(object)
    return table


def village_counts(table: pd.DataFrame) -> dict[str, int]:
    """``total``, ``poor``, ``deep_poor``, ``poor_exited`` (by Y), ``poor_remaining`` of a :func:`village_table`."""
    poor = int(table["is_poor_village"].sum())
    exited = int(table["exited_by_year"].sum())
    return {
        "total": int(len(table)),
        "poor": poor,
        "deep_poor": int(table["is_deep_poor_village"].sum()),
        "poor_exited": exited,
        "poor_remaining": poor - exited,
    }



# --------------------------------------------------------------------------- the area


def data_years(county: County) -> tuple[int | None, int | None]:
    """The years the data covers: (the first registered_year, the latest year of an actual income).

    An income marked ``is_estimate`` is not actual. None where the data has no
    registered household, or no actual income.

    >>> from fupin.core.county import County
    >>> hh = pd.DataFrame({"registered_year": pd.array([2015, 2014], dtype="Int64")})
    >>> inc = pd.DataFrame({"year": pd.array([2018, 2019], dtype="Int64"),
    ...                     "is_estimate": pd.array([False, True], dtype="boolean")})
    >>> data_years(County(villages=pd.DataFrame(), households=hh, incomes=inc))
    (2014, 2018)
    """
    registered = year_values(county.households, "registered_year")
    incomes = county.incomes
    actual = year_values(incomes, "year")[~flag_values(incomes, "is_estimate", False)]
    first = None if np.isnan(registered).all() else int(np.nanmin(registered))
    last = None if np.isnan(actual).all() else int(np.nanmax(actual))
    return first, last


def select_area(area: County) -> tuple[County, str, str]:
    """The area the figures cover (picked by :meth:`fupin.core.county.County.area`), its id and its name:
    a county of one township is that township, unless picked whole on purpose (``county.area()``);
    a county of several is ``"county"``, named after it."""
    ids = area.villages["township_id"].dropna().unique().tolist()
    if area.whole or len(ids) != 1:
        return area, "county", area.name or "全县"
    names = area.villages["township_name"].dropna()
    return area, str(ids[0]), str(names.iloc[0]) if len(names) else ""
