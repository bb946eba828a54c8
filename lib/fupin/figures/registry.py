"""The monitoring registry's figures (防返贫监测对象, after 2020): who is monitored, who is about to be
eliminated, who was eliminated too early, and who is missing.

Computed once per area from its :class:`~fupin.core.county.County` (the ``monitored``
table), the area's :func:`fupin.figures.frame.household_frame` (the status of registered
households at the end of Y) and the monitoring line M(t) of the run
(:func:`monitoring_lines`). Amounts are compared in whole fen (:mod:`fupin.core.money`).
Definitions (docs/data.md):

* monitored(Y): identified_year <= Y and not (risk_eliminated and eliminated_year <= Y);
* newly identified in Y, eliminated in Y: identified_year = Y; risk_eliminated and eliminated_year = Y;
* returned in Y: registered households with returned_year = Y;
* projected elimination in T: monitored(Y) with income(h, T) >= M(T) and the five guarantees true;
  every other monitored household gets its reasons (:data:`fupin.figures.frame.REASON_CODES`);
* possibly missed (应纳未纳): exited(Y) households not monitored(Y) whose income(h, Y) is known
  and < M(Y), or who fail a guarantee;
* shaky elimination (风险消除不稳): households eliminated in Y whose income(h, Y) is known and
  < M(Y), or who fail a guarantee.

A registered household's size and guarantees are those of households; a household outside
households carries its own (a blank guarantee reads true).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fupin.core.contract import GUARANTEES, MONITOR_TYPES, MULTIPLE_JOIN, RISK_TYPES, TEXT_DTYPE
from fupin.core.county import County
from fupin.core.errors import ParameterError
from fupin.core.formats import json_plain
from fupin.figures.frame import REASON_CODES, counts, flag_values, income_in_year, year_values
from fupin.figures.headcount import reason_codes
from fupin.figures.labels import reason_texts
from fupin.core.money import to_fen, to_yuan
from fupin.figures.parameters import choose_monitoring_line
from fupin.core.privacy import mask_names


def monitoring_lines(given: float | Mapping[Any, float] | None, poverty_line: float, year: int) -> tuple[float, float]:
    """(M(Y), M(T)): the run's ``monitoring_line`` for the as-of year and the target year.

    A number is the line of every year; a table {year: line} gives each year the
    line of that year, else of the latest earlier year; None is 1.5 × L. With a
    registry, a table without a year <= Y is refused (a :class:`~fupin.core.errors.ParameterError`).

    >>> monitoring_lines({2021: 6000, 2022: 6300}, 4000, 2021), monitoring_lines(6000, 4000, 2021)
    ((6000.0, 6300.0), (6000.0, 6000.0))
    >>> monitoring_lines(None, 4000, 2021)
    (6000.0, 6000.0)
    """
    try:
        line = choose_monitoring_line(given, poverty_line, year)["line"]
    except ValueError as exc:
        raise ParameterError([f"monitoring_line：有监测对象表时，监测收入线表应有{year}年及以前的年度（{exc}）"]) from None
    return line, choose_monitoring_line(given, poverty_line, year + 1)["line"]


def registry_frame(area: County, frame: pd.DataFrame, year: int, *, line: float, target_line: float,
                   growth: float = 0.0) -> pd.DataFrame | None:
    """One row per household of the area's registry, with its status in Y and its outlook in T.

    None when the data has no registry. Columns: ``household_id``, ``village_id``,
    ``size``, ``monitor_type``, ``risk_types`` (a list), ``identified_year``,
    ``eliminated_year`` (NaN unless eliminated), ``registered`` (in households); each
    guarantee; ``monitored``, ``newly_identified``, ``eliminated`` (in Y), ``income_Y`` and
    ``income_T`` (NaN when unknown); ``gap`` (M(T) - income_T where short); one boolean
    ``reason_<code>`` per :data:`~fupin.figures.frame.REASON_CODES` (monitored(Y) only);
    ``projected_elimination``; ``shaky`` (eliminated in Y with income_Y < M(Y) or a guarantee failing).

    >>> from fupin.core.county import County
    >>> hh = pd.DataFrame({"household_id": ["A"], "size": [3], "water_ok": [False]})
    >>> mon = pd.DataFrame({"household_id": ["A", "E"], "village_id": ["V", "V"], "size": pd.array([None, 2], "Int64"),
    ...                     "monitor_type": ["脱贫不稳定户", "边缘易致贫户"], "identified_year": [2020, 2021],
    ...                     "risk_types": ["因病、因学", "因灾"], "risk_eliminated": [False, False],
    ...                     "eliminated_year": pd.array([None, None], "Int64")})
    >>> inc = pd.DataFrame({"household_id": ["A", "E"], "year": [2021, 2021], "per_capita_income": [7000.0, 5999.99]})
    >>> r = registry_frame(County(pd.DataFrame(), hh, inc, monitored=mon), hh.assign(exited=[True]), 2021,
    ...                    line=6000, target_line=6000)
    >>> r[["size", "projected_elimination", "reason_water_ok", "gap"]].values.tolist()
    [[3, False, True, nan], [2, False, False, 0.01]]
    """
    mon = area.monitored
    if mon is None:
        return None
    mon = mon.reset_index(drop=True)
    households = area.households.drop_duplicates("household_id").set_index("household_id")
    where = households.index.get_indexer(mon["household_id"])
    registered = where >= 0
    own_size = mon["size"].to_numpy(dtype="float64", na_value=np.nan) if "size" in mon else np.full(len(mon), np.nan)
    size = np.where(registered, households["size"].to_numpy(dtype="float64")[np.where(registered, where, 0)]
                    if len(households) else np.nan, own_size)
    identified = year_values(mon, "identified_year")
    eliminated_flag = flag_values(mon, "risk_eliminated", False)
    eliminated_year = np.where(eliminated_flag, year_values(mon, "eliminated_year"), np.nan)
    out = pd.DataFrame({
        "household_id": mon["household_id"].astype(TEXT_DTYPE).array,
        "village_id": mon["village_id"].astype(TEXT_DTYPE).array,
        "size": np.nan_to_num(size, nan=0).astype("int64"),
        "monitor_type": mon["monitor_type"].astype(TEXT_DTYPE).array,
        "risk_types": [str(r).split(MULTIPLE_JOIN) if isinstance(r, str) else [] for r in mon["risk_types"]],
        "identified_year": identified.astype("int64") if not np.isnan(identified).any() else identified,
        "eliminated_year": eliminated_year,
        "registered": registered,
    })
    for g in GUARANTEES:
        theirs = flag_values(households, g, True)
        own = flag_values(mon, g, True)
        out[g] = np.where(registered, theirs[np.where(registered, where, 0)] if len(households) else True, own)
    out["monitored"] = (identified <= year) & ~(eliminated_year <= year)
    out["newly_identified"] = identified == year
    out["eliminated"] = eliminated_year == year
    incomes = {t: income_in_year(area.incomes, t, growth).set_index("household_id")["income"] for t in (year, year + 1)}
    out["income_Y"] = mon["household_id"].map(incomes[year]).to_numpy(dtype="float64", na_value=np.nan)
    out["income_T"] = mon["household_id"].map(incomes[year + 1]).to_numpy(dtype="float64", na_value=np.nan)
    monitored = out["monitored"].to_numpy()
    target_fen, income_fen = to_fen(target_line), to_fen(out["income_T"].to_numpy())
    short = monitored & (income_fen < target_fen)
    guarantee_ok = np.logical_and.reduce([out[g].to_numpy(dtype=bool) for g in GUARANTEES])
    reasons = {
        "reason_income_short": short,
        "reason_income_unknown": monitored & np.isnan(out["income_T"].to_numpy()),
        **{f"reason_{g}": monitored & ~out[g].to_numpy(dtype=bool) for g in GUARANTEES},
    }
    blocked = np.logical_or.reduce(list(reasons.values()))
    low_Y = to_fen(out["income_Y"].to_numpy()) < to_fen(line)  # unknown income: false
    return out.assign(
        gap=np.where(short, to_yuan(target_fen - income_fen), np.nan),
        **reasons,
        projected_elimination=monitored & ~blocked,
        shaky=out["eliminated"].to_numpy() & (low_Y | ~guarantee_ok),
    )


def possibly_missed(area: County, frame: pd.DataFrame, reg: pd.DataFrame, year: int, *, line: float,
                    growth: float = 0.0) -> np.ndarray:
    """应纳未纳: which households of the area's household ``frame`` are exited(Y), not monitored(Y), and
    have a known income(h, Y) < M(Y) or fail a guarantee (a boolean per row of ``frame``).

    >>> from fupin.core.county import County
    >>> hh = pd.DataFrame({"household_id": ["A", "B", "C", "D"], "size": [1, 1, 1, 1],
    ...                    "medical_ok": [True, False, True, True]})
    >>> frame = hh.assign(exited=[True, True, True, False])
    >>> inc = pd.DataFrame({"household_id": ["A", "C", "D"], "year": [2021] * 3, "per_capita_income": [5999.99, 6000.0, 10.0]})
    >>> reg = pd.DataFrame({"household_id": ["C"], "monitored": [False]})
    >>> possibly_missed(County(pd.DataFrame(), hh, inc), frame, reg, 2021, line=6000).tolist()
    [True, True, False, False]
    """
    watched = set(reg.loc[reg["monitored"].to_numpy(dtype=bool), "household_id"])
    income = frame["household_id"].map(
        income_in_year(area.incomes, year, growth).set_index("household_id")["income"]
    ).to_numpy(dtype="float64", na_value=np.nan)
    guarantee_ok = np.logical_and.reduce([flag_values(area.households, g, True) for g in GUARANTEES])  # frame's order
    low = to_fen(income) < to_fen(line)
    return frame["exited"].to_numpy(dtype=bool) & ~frame["household_id"].isin(watched).to_numpy() & (low | ~guarantee_ok)


def _each_village(villages: pd.DataFrame, village_ids: pd.Series, sizes: np.ndarray,
                  masks: Mapping[str, np.ndarray]) -> dict[str, dict[str, dict[str, int]]]:
    """{village_id: {name: counts}} for every village of the area (zeros included), sorted by id."""
    ids = sorted(str(v) for v in villages["village_id"].dropna().unique())
    position = pd.Index(ids).get_indexer(village_ids.astype(object))
    found = position >= 0
    result: dict[str, dict[str, dict[str, int]]] = {v: {} for v in ids}
    for name, mask in masks.items():
        take = found & np.asarray(mask, dtype=bool)
        households = np.bincount(position[take], minlength=len(ids))
        people = np.bincount(position[take], weights=sizes[take], minlength=len(ids))
        for i, v in enumerate(ids):
            result[v][name] = {"households": int(households[i]), "people": int(round(people[i]))}
    return result


def registry(area: County, frame: pd.DataFrame, reg: pd.DataFrame | None, year: int, *, line: float,
             target_line: float, missed: np.ndarray | None = None, growth: float = 0.0) -> dict[str, Any] | None:
    """metrics.json's ``registry``: the registry's figures of the area, or None when the data has no registry.

    Keys: ``line`` M(Y), ``target_line`` M(T), ``year``, ``target_year``; ``monitored``,
    ``newly_identified``, ``eliminated``, ``returned``, ``projected_elimination``,
    ``not_projected``, ``possibly_missed``, ``shaky_elimination`` as {households, people};
    ``by_type`` and ``by_risk`` (every category, zeros included; a household counts under each
    of its risks); ``reasons`` of the monitored households not projected to be eliminated (one
    household may have several); ``trend`` [{year, households, people}] of monitored(y) from the
    area's first identified_year to Y; ``villages`` {village_id: {monitored, newly_identified,
    eliminated, projected_elimination, possibly_missed, shaky_elimination, and one count per type}}.
    """
    if reg is None:
        return None
    if missed is None:
        missed = possibly_missed(area, frame, reg, year, line=line, growth=growth)
    monitored = reg["monitored"].to_numpy(dtype=bool)
    returned = year_values(frame, "returned_year") == year
    types = reg["monitor_type"].to_numpy(dtype=object)
    identified = reg["identified_year"].to_numpy(dtype="float64")
    eliminated_year = reg["eliminated_year"].to_numpy(dtype="float64")
    first = int(np.nanmin(identified)) if len(reg) and not np.isnan(identified).all() else None
    trend = []
    for y in range(first, year + 1) if first is not None and first <= year else ():
        watched = (identified <= y) & ~(eliminated_year <= y)
        trend.append({"year": y, **counts(reg, watched)})
    not_projected = monitored & ~reg["projected_elimination"].to_numpy(dtype=bool)
    sizes = reg["size"].to_numpy(dtype="int64")
    per_village = _each_village(area.villages, reg["village_id"], sizes, {
        "monitored": monitored,
        "newly_identified": reg["newly_identified"].to_numpy(dtype=bool),
        "eliminated": reg["eliminated"].to_numpy(dtype=bool),
        "projected_elimination": reg["projected_elimination"].to_numpy(dtype=bool),
        "shaky_elimination": reg["shaky"].to_numpy(dtype=bool),
        **{t: monitored & (types == t) for t in MONITOR_TYPES},
    })
    missed_by_village = _each_village(area.villages, frame["village_id"], frame["size"].to_numpy(dtype="int64"),
                                      {"possibly_missed": missed})
    for village, row in per_village.items():
        row.update(missed_by_village[village])
    return json_plain({
        "line": float(line),
        "target_line": float(target_line),
        "year": int(year),
        "target_year": int(year) + 1,
        "identified": counts(reg, identified <= year),
        "monitored": counts(reg, monitored),
        "newly_identified": counts(reg, reg["newly_identified"]),
        "eliminated": counts(reg, reg["eliminated"]),
        "returned": counts(frame, returned),
        "by_type": {t: counts(reg, monitored & (types == t)) for t in MONITOR_TYPES},
        "by_risk": {r: counts(reg, monitored & np.array([r in risks for risks in reg["risk_types"]], dtype=bool))
                    for r in RISK_TYPES},
        "projected_elimination": counts(reg, reg["projected_elimination"]),
        "not_projected": counts(reg, not_projected),
        "reasons": {c: counts(reg, reg[f"reason_{c}"]) for c in REASON_CODES},
        "possibly_missed": counts(frame, missed),
        "shaky_elimination": counts(reg, reg["shaky"]),
        "trend": trend,
        "villages": per_village,
    })


def _listed(area: County, ids: pd.Series, village_ids: pd.Series, sizes: pd.Series) -> pd.DataFrame:
    """household_id, village_id, village_name, head_name_masked (from households; blank for a household
    outside it), size: the first columns of every registry list."""
    village_names = area.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    households = area.households.drop_duplicates("household_id").set_index("household_id")
    heads = (ids.map(households["head_name"]) if "head_name" in households
             else pd.Series(pd.NA, index=ids.index)).astype(TEXT_DTYPE)
    return pd.DataFrame({
        "household_id": ids.astype(TEXT_DTYPE).to_numpy(),
        "village_id": village_ids.astype(TEXT_DTYPE).to_numpy(),
        "village_name": village_ids.map(village_names).astype(TEXT_DTYPE).to_numpy(),
        "head_name_masked": mask_names(heads).astype(TEXT_DTYPE).to_numpy(),
        "size": sizes.to_numpy(dtype="int64"),
    })


def _why(short: np.ndarray, gap: np.ndarray, guarantees: Mapping[str, np.ndarray]) -> tuple[pd.Series, pd.Series]:
    """Reason codes (``income_short`` and each failing guarantee) and their words (``收入差N元；…``)."""
    flags = pd.DataFrame({"reason_income_short": short, "reason_income_unknown": np.zeros(len(short), dtype=bool),
                          **{f"reason_{g}": ~guarantees[g] for g in GUARANTEES}})
    codes = reason_codes(flags)
    return codes, reason_texts(codes, pd.Series(gap))


def registry_lists(area: County, frame: pd.DataFrame, reg: pd.DataFrame, missed: np.ndarray, year: int, *,
                   line: float, growth: float = 0.0) -> dict[str, pd.DataFrame]:
    """The households behind the registry's figures, names masked, sorted by village and household.

    * ``monitored``: monitored(Y), with monitor_type, risk_types (``、``-joined), identified_year,
      income_T, gap (to M(T)), projected_elimination, reasons (words) and reason_codes;
    * ``possibly_missed`` (应纳未纳): with exit_year, eliminated_year (where its risk was
      eliminated), income_Y (income(h, Y) at the growth ``growth``), gap (to M(Y)), reasons and reason_codes;
    * ``shaky_elimination`` (风险消除不稳): with monitor_type, risk_types, identified_year,
      eliminated_year, income_Y, gap (to M(Y)), reasons and reason_codes.
    """
    order = ["village_id", "household_id"]
    risks = reg["risk_types"].map(MULTIPLE_JOIN.join)
    watched = reg[reg["monitored"].to_numpy(dtype=bool)]
    monitored = _listed(area, watched["household_id"], watched["village_id"], watched["size"]).assign(
        monitor_type=watched["monitor_type"].to_numpy(),
        risk_types=risks[watched.index].to_numpy(),
        identified_year=watched["identified_year"].to_numpy(),
        income_T=watched["income_T"].to_numpy(),
        gap=watched["gap"].to_numpy(),
        projected_elimination=watched["projected_elimination"].to_numpy(dtype=bool),
        reason_codes=reason_codes(watched).to_numpy(),
    )
    monitored["reasons"] = reason_texts(monitored["reason_codes"], monitored["gap"]).to_numpy()
    line_fen = to_fen(line)
    # possibly missed: households of households, from the frame
    rows = frame[np.asarray(missed, dtype=bool)]
    hh = area.households.reset_index(drop=True)[np.asarray(missed, dtype=bool)]
    income_y = rows["household_id"].map(income_in_year(area.incomes, year, growth).set_index("household_id")["income"]
                                        ).to_numpy(dtype="float64", na_value=np.nan) if len(rows) else np.zeros(0)
    short = to_fen(income_y) < line_fen
    gap = np.where(short, to_yuan(line_fen - to_fen(income_y)), np.nan)
    codes, words = _why(short, gap, {g: flag_values(hh, g, True) for g in GUARANTEES})
    gone = reg.set_index("household_id")["eliminated_year"]
    missed_list = _listed(area, rows["household_id"], rows["village_id"], rows["size"]).assign(
        exit_year=rows["exit_year"].to_numpy(),
        eliminated_year=rows["household_id"].map(gone).to_numpy(dtype="float64", na_value=np.nan),
        income_Y=income_y, gap=gap, reasons=words.to_numpy(), reason_codes=codes.to_numpy(),
    )
    # shaky eliminations: from the registry
    shaky = reg[reg["shaky"].to_numpy(dtype=bool)]
    income_y = shaky["income_Y"].to_numpy(dtype="float64")
    short = to_fen(income_y) < line_fen
    gap = np.where(short, to_yuan(line_fen - to_fen(income_y)), np.nan)
    codes, words = _why(short, gap, {g: shaky[g].to_numpy(dtype=bool) for g in GUARANTEES})
    shaky_list = _listed(area, shaky["household_id"], shaky["village_id"], shaky["size"]).assign(
        monitor_type=shaky["monitor_type"].to_numpy(),
        risk_types=risks[shaky.index].to_numpy(),
        identified_year=shaky["identified_year"].to_numpy(),
        eliminated_year=shaky["eliminated_year"].to_numpy(),
        income_Y=income_y, gap=gap, reasons=words.to_numpy(), reason_codes=codes.to_numpy(),
    )
    return {name: table.sort_values(order, ignore_index=True) for name, table in
            (("monitored", monitored), ("possibly_missed", missed_list), ("shaky_elimination", shaky_list))}
