"""Beyond the headcount: how poor the poor are, how the figures move with the line,
and who may fall back into poverty.

Three groups of figures, each computed from the :func:`fupin.metrics.household_frame`
that :func:`fupin.metrics.township_metrics` builds (so they use the same status
at the end of Y and the same income(h, T)):

* **depth** (:func:`depth`): the Foster–Greer–Thorbecke indices FGT0, FGT1,
  FGT2 and the Watts index over people, at the poverty line z, for the area
  and each village, with the total income gap in yuan and its split by
  village.
* **sensitivity** (:func:`sensitivity`): projected exits and incidence in T
  over a grid of poverty lines and a few growth rates, and the households
  within ±10% of the line.
* **monitoring** (:func:`monitoring`, 防返贫监测): exited(Y) households whose
  income in T is below a monitoring line or fell sharply since they exited.

Denominator (N) of every index: the area's registered rural population, the
sum of ``population`` over its villages: the incidence denominator of
docs/data.md (which also defines every figure here). An index over N = 0 is ``None``.

The poor (for depth): remaining(Y) households whose income(h, T) is known and
below z, each weighing its ``size`` (people). Remaining households with an
unknown income cannot be placed on either side of the line: they are left
out of every sum and counted apart (``income_unknown``), so FGT0 here can be
below the projected incidence, which also counts them (and households
failing a guarantee) as remaining.

Amounts are compared in whole fen (:func:`fupin.money.to_fen`), shares
of amounts as exact decimals (:func:`fupin.money.below_share`): an income
of 3000 grown by 15% is on a line of 3450, a drop of exactly 30% is not
"more than 30%".

Everything is vectorised (``np.bincount``, ``np.searchsorted``); functions
return new objects and never modify their inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from fupin.columns import GUARANTEES, TEXT_DTYPE
from fupin.county import County
from fupin.frame import (
    counts,
    household_frame,
    household_sizes,
    income_in_year,
    json_number,
    json_plain,
    population,
    rate,
    select_area,
    village_positions,
)
from fupin.money import below_share, exact, to_fen, to_yuan
from fupin.privacy import mask_names

#: Incomes below this many yuan count as this many in the Watts index, whose
#: ln(z / y) is undefined at y = 0 (an income of 0 yuan is allowed by the contract).
WATTS_FLOOR = 1.0

#: Growth rates of the sensitivity curves (the run's own growth is added).
GROWTH_RATES: tuple[float, ...] = (0.0, 0.05, 0.10)
#: Village exit thresholds marked on the sensitivity chart (the run's V is added).
VILLAGE_THRESHOLDS: tuple[float, ...] = (0.02, 0.03)
#: Width of the "near the line" window, as a share of the line.
NEAR_LINE_SHARE = 0.10
#: Default sensitivity grid: every ``LINE_STEP`` yuan from L - ``LINE_BELOW`` to L + ``LINE_ABOVE``.
LINE_STEP, LINE_BELOW, LINE_ABOVE = 100.0, 500.0, 1000.0

#: The monitoring line when none is given: this factor times the poverty line
#: (the provinces' first monitoring lines, data/reference/README.md).
MONITORING_FACTOR = 1.5
#: A drop in income (since the exit year) larger than this share triggers monitoring.
INCOME_DROP_SHARE = 0.3
#: main_cause when the household has none.
NO_CAUSE = "未填写"


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


# --------------------------------------------------------------------------- sensitivity


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

    For growth g, income(h, T) is recomputed (:func:`fupin.metrics.income_in_year`);
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


# --------------------------------------------------------------------------- monitoring


def choose_monitoring_line(given: float | Mapping[Any, float] | None, poverty_line: float,
                    target_year: int) -> dict[str, Any]:
    """The monitoring income line for T and where it came from.

    ``given`` None: :data:`MONITORING_FACTOR` × L (``source`` "default"); a
    number: that number ("given"); a table {year: line} (keys may be text):
    the line of T, else of the latest earlier year ("table", ``table_year``
    naming the year used). Raises ValueError for a non-positive line or a
    table without a year <= T.

    >>> choose_monitoring_line(None, 3500, 2019)
    {'line': 5250.0, 'source': 'default', 'table_year': None}
    >>> choose_monitoring_line({"2018": 5000, 2020: 6000}, 3500, 2019)
    {'line': 5000.0, 'source': 'table', 'table_year': 2018}
    """
    table_year = None
    if given is None:
        line, source = MONITORING_FACTOR * float(poverty_line), "default"
    elif isinstance(given, Mapping):
        years = {int(float(k)): float(v) for k, v in given.items()}
        usable = [y for y in years if y <= target_year]
        if not usable:
            raise ValueError(f"监测收入线表中没有{target_year}年及以前的年度：{sorted(years)}")
        table_year = max(usable)
        line, source = years[table_year], "table"
    else:
        line, source = float(given), "given"
    if not (math.isfinite(line) and line > 0):
        raise ValueError(f"监测收入线应为正数：{line}")
    return {"line": float(line), "source": source, "table_year": table_year}


def _income_at_exit(frame: pd.DataFrame, incomes: pd.DataFrame, growth: float) -> np.ndarray:
    """income(h, exit_year) for exited households (NaN otherwise or when unknown)."""
    exit_year = frame["exit_year"].to_numpy(dtype="float64", na_value=np.nan)
    exited = frame["exited"].to_numpy()
    out = np.full(len(frame), np.nan)
    incomes = incomes[incomes["household_id"].isin(frame.loc[exited, "household_id"])]
    for e in np.unique(exit_year[exited]):  # one pass per exit year, each vectorised
        rows = exited & (exit_year == e)
        known = income_in_year(incomes, int(e), growth)
        where = pd.Index(known["household_id"]).get_indexer(frame.loc[rows, "household_id"])
        values = np.full(int(rows.sum()), np.nan)
        values[where >= 0] = known["income"].to_numpy()[where[where >= 0]]
        out[rows] = values
    return out


def monitoring_frame(county: County, frame: pd.DataFrame, *, line: float, growth: float = 0.0,
                     drop_share: float = INCOME_DROP_SHARE) -> pd.DataFrame:
    """``frame`` with the monitoring columns, for every household (flags only for exited(Y)).

    * ``income_exit``: income(h, exit_year) (the contract's income(h, t) at
      growth g; NaN when unknown or not exited);
    * ``income_drop``: 1 − income_T / income_exit, the share of income lost
      since the exit year (NaN when either income is unknown or income_exit is 0);
      computed from whole fen, so a drop of exactly 30% is 0.3;
    * ``below_line``: exited(Y) and income_T < ``line``, in whole fen (unknown income: false);
    * ``dropped``: exited(Y) and income_drop > ``drop_share``, tested exactly as
      income_T < (1 − drop_share) × income_exit in fen with the share as written
      (a drop of exactly the share, 1300 -> 715 at 0.45, is not flagged);
    * ``monitor``: below_line or dropped;
    * ``main_cause``: from ``county.households`` (same order as ``frame``).
    """
    exited = frame["exited"].to_numpy()
    income_T = frame["income_T"].to_numpy(dtype="float64")
    base = _income_at_exit(frame, county.incomes, growth)
    now_fen, base_fen = to_fen(income_T), to_fen(base)
    drop = np.where(base_fen > 0, (base_fen - now_fen) / np.where(base_fen > 0, base_fen, 1.0), np.nan)
    below = exited & (now_fen < to_fen(line))
    dropped = exited & below_share(now_fen, base_fen, 1 - exact(drop_share))
    cause = (county.households["main_cause"].reset_index(drop=True).astype(TEXT_DTYPE).array
             if "main_cause" in county.households else pd.NA)
    return frame.assign(income_exit=base, income_drop=drop, below_line=below, dropped=dropped,
                        monitor=below | dropped, main_cause=cause)


def _group_counts(frame: pd.DataFrame, mask: np.ndarray, key: str) -> list[dict[str, Any]]:
    """{key, households, people} per value of ``key`` among rows where ``mask``, largest first."""
    rows = frame.loc[mask, [key, "size"]]
    grouped = rows.groupby(key, dropna=False, sort=True)["size"].agg(["count", "sum"])
    grouped = grouped.sort_values(["sum", "count"], ascending=False, kind="stable")
    return [{key: k, "households": int(c), "people": int(s)}
            for k, c, s in zip(grouped.index, grouped["count"], grouped["sum"])]


def monitoring(county: County, frame: pd.DataFrame, year: int, *, poverty_line: float,
               growth: float = 0.0, monitoring_line: float | Mapping[Any, float] | None = None,
               income_drop_share: float = INCOME_DROP_SHARE) -> dict[str, Any]:
    """metrics.json's ``monitoring`` (防返贫监测): counts of exited(Y) households to watch.

    Keys: ``line`` (the monitoring line used), ``line_source`` ("default" =
    1.5 × L, "given", "table"), ``line_table_year``, ``given`` (the
    parameter as given), ``poverty_line``, ``income_drop_share``;
    ``exited``, ``monitored`` (below the line or income dropped),
    ``below_line``, ``income_drop``, ``income_unknown`` (exited, income(h, T)
    unknown: cannot be judged) as {households, people}; ``by_village``
    (village_id, village_name, households, people) and ``by_cause``
    (main_cause, blank read as 未填写) of the monitored, largest first.
    See :func:`monitoring_frame`.
    """
    chosen = choose_monitoring_line(monitoring_line, poverty_line, year + 1)
    if not 0 < income_drop_share < 1:
        raise ValueError(f"收入下降比例应在0到1之间：{income_drop_share}")
    m = monitoring_frame(county, frame, line=chosen["line"], growth=growth,
                         drop_share=income_drop_share)
    names = county.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    flagged = m["monitor"].to_numpy()
    m = m.assign(main_cause=m["main_cause"].fillna(NO_CAUSE))
    by_village = _group_counts(m, flagged, "village_id")
    for row in by_village:
        row["village_name"] = names.get(row["village_id"], "")
    return json_plain({
        "line": chosen["line"],
        "line_source": chosen["source"],
        "line_table_year": chosen["table_year"],
        "given": dict(monitoring_line) if isinstance(monitoring_line, Mapping)
        else monitoring_line,
        "poverty_line": json_number(poverty_line),
        "income_drop_share": float(income_drop_share),
        "exited": counts(m, m["exited"]),
        "monitored": counts(m, flagged),
        "below_line": counts(m, m["below_line"]),
        "income_drop": counts(m, m["dropped"]),
        "income_unknown": counts(m, m["exited"].to_numpy() & m["income_T"].isna().to_numpy()),
        "by_village": by_village,
        "by_cause": _group_counts(m, flagged, "main_cause"),
    })


def monitoring_reasons(m: pd.DataFrame, line: float, drop_share: float) -> pd.Series:
    """Why each household is monitored, in Chinese: ``收入低于监测线5,250元；收入较脱贫当年下降35.0%``."""
    from fupin.style import fmt_pct, fmt_yuan

    below = np.where(m["below_line"].to_numpy(), f"收入低于监测线{fmt_yuan(line)}", "")
    pct = np.array(["" if pd.isna(x) else fmt_pct(x, 1, beyond=drop_share) for x in m["income_drop"]],
                   dtype=object)  # a drop just over the share never reads as the share itself
    dropped = np.where(m["dropped"].to_numpy(), "收入较脱贫当年下降" + pct, "")
    both = np.where((below != "") & (dropped != ""), "；", "")
    return pd.Series(below + both + dropped, index=m.index, dtype=TEXT_DTYPE)


def monitoring_households(
    county: County,
    year: int,
    *,
    poverty_line: float = 3500.0,
    growth: float = 0.0,
    monitoring_line: float | Mapping[Any, float] | None = None,
    income_drop_share: float = INCOME_DROP_SHARE,
    township_id: str | None = None,
) -> pd.DataFrame:
    """The exited(Y) households to monitor (防返贫监测户), one row each, masked names only.

    A household is listed when its income(h, T) is below the monitoring line
    (:func:`choose_monitoring_line`; default 1.5 × L) or fell by more than
    ``income_drop_share`` since its exit year (:func:`monitoring_frame`).
    Columns: ``household_id``, ``village_id``, ``village_name``,
    ``head_name_masked`` (:func:`fupin.privacy.mask_names`), ``size``,
    ``main_cause`` (blank: 未填写), ``exit_year``, ``income_exit``,
    ``income_T``, ``income_drop`` (share, NaN when unknown), ``below_line``,
    ``dropped``, ``reasons``. Sorted by village and household.
    """
    area = select_area(county, township_id)[0]
    frame = household_frame(area.households, area.incomes, year, poverty_line=poverty_line,
                            growth=growth)
    line = choose_monitoring_line(monitoring_line, poverty_line, year + 1)["line"]
    m = monitoring_frame(area, frame, line=line, growth=growth, drop_share=income_drop_share)
    flagged = m["monitor"].to_numpy()
    names = (area.households["head_name"] if "head_name" in area.households
             else pd.Series(pd.NA, index=area.households.index, dtype=TEXT_DTYPE))
    rows = m[flagged]
    village_names = area.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    out = pd.DataFrame({
        "household_id": rows["household_id"],
        "village_id": rows["village_id"],
        "village_name": rows["village_id"].map(village_names).astype(TEXT_DTYPE),
        "head_name_masked": mask_names(names.reset_index(drop=True)[flagged]).to_numpy(),
        "size": rows["size"],
        "main_cause": rows["main_cause"].fillna(NO_CAUSE).astype(TEXT_DTYPE),
        "exit_year": rows["exit_year"],
        "income_exit": rows["income_exit"],
        "income_T": rows["income_T"],
        "income_drop": rows["income_drop"],
        "below_line": rows["below_line"],
        "dropped": rows["dropped"],
        "reasons": monitoring_reasons(rows, line, income_drop_share),
    })
    return out.astype({"head_name_masked": TEXT_DTYPE}).sort_values(
        ["village_id", "household_id"], ignore_index=True)
