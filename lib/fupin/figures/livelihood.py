"""What the roster and the income components tell: households without labour, exits resting on transfers.

Two of the seed's problems (docs/data.md, "Real exports"):

* :func:`labour` (四是 "致富本领不强"): remaining(Y) households none of whose
  members is able to work (无劳动力户), who cannot exit by work and need
  兜底保障. A household has labour when one of its members' ``labor`` is
  技能劳动力 or 普通劳动力; one none of whose members has a 劳动技能 recorded is
  unknown, not counted. ``None`` without a roster that records 劳动技能.
* :func:`transfer_dependence` (二是 "持续增收机制还不够完善"): exited(Y)
  households and projected exits in T whose per-capita income without
  transfers in Y, (net - transfer) / size, is below the line, and the
  area's transfer share. ``None`` when no household has components for Y.

Each figure is computed here once; :class:`fupin.figures.analysis.Analysis` puts it
in metrics.json and hands the households to the follow-up workbook. Money
is compared in whole fen (:func:`fupin.core.money.to_fen`), exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fupin.core.contract import ABLE_LABOR, BUSINESS_COST, INCOME_COMPONENTS
from fupin.core.county import County
from fupin.core.money import to_fen


def _counts(sizes: np.ndarray, mask: np.ndarray) -> dict[str, int]:
    return {"households": int(mask.sum()), "people": int(sizes[mask].sum())}


def _by_village(frame: pd.DataFrame, masks: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """Per village (sorted ids) with any household in one of ``masks``: the counts of each mask."""
    sizes = frame["size"].to_numpy(dtype="int64")
    villages = frame["village_id"].astype(str).to_numpy()
    any_mask = np.logical_or.reduce(list(masks.values()))
    out = {}
    for village in sorted(set(villages[any_mask])):
        here = villages == village
        out[village] = {name: _counts(sizes, here & mask) for name, mask in masks.items()}
    return out


def household_labour(frame: pd.DataFrame, persons: pd.DataFrame | None) -> pd.Series | None:
    """Per household of ``frame`` (in order): True with labour, False without, NA unknown; ``None``
    without a roster that records 劳动技能 (``labor``).

    >>> f = pd.DataFrame({"household_id": ["a", "b", "c", "d"]})
    >>> p = pd.DataFrame({"household_id": ["a", "a", "b", "c"],
    ...                   "labor": ["无劳动力", "普通劳动力", "丧失劳动力", None]})
    >>> household_labour(f, p).tolist()
    [True, False, <NA>, <NA>]
    """
    if persons is None or "labor" not in persons:
        return None
    recorded = persons[persons["labor"].notna()]
    able = recorded["labor"].isin(ABLE_LABOR).groupby(recorded["household_id"].astype(str)).any()
    ids = frame["household_id"].astype(str)
    return pd.Series(ids.map(able).to_numpy(), index=frame.index, dtype="boolean")


def without_labour_mask(frame: pd.DataFrame, persons: pd.DataFrame | None) -> np.ndarray | None:
    """The remaining(Y) households of ``frame`` known to have no labour; ``None`` without 劳动技能."""
    has = household_labour(frame, persons)
    if has is None:
        return None
    return frame["remaining"].to_numpy(dtype=bool) & (~has).fillna(False).to_numpy(dtype=bool)


def labour(frame: pd.DataFrame, persons: pd.DataFrame | None) -> dict[str, Any] | None:
    """metrics.json's ``labour``: remaining(Y) households without labour, for the area and by village.

    ``frame`` is a :func:`fupin.figures.frame.household_frame`; ``persons`` the area's roster.

    >>> f = pd.DataFrame({"household_id": ["a", "b", "c"], "village_id": ["v1", "v2", "v2"], "size": [2, 1, 3],
    ...                   "remaining": [True, True, False]})
    >>> p = pd.DataFrame({"household_id": ["a", "a", "b", "c"], "labor": ["无劳动力", "丧失劳动力", "普通劳动力", "无劳动力"]})
    >>> labour(f, p)
    {'without_labour': {'households': 1, 'people': 2}, 'villages': {'v1': {'households': 1, 'people': 2}}}
    """
    mask = without_labour_mask(frame, persons)
    if mask is None:
        return None
    sizes = frame["size"].to_numpy(dtype="int64")
    villages = {v: c["without_labour"] for v, c in _by_village(frame, {"without_labour": mask}).items()}
    return {"without_labour": _counts(sizes, mask), "villages": villages}


def components_in_year(frame: pd.DataFrame, incomes: pd.DataFrame, year: int) -> pd.DataFrame | None:
    """Per household of ``frame`` (in order), its income components for ``year`` in fen: ``gross``
    (wage + business + property + transfer), ``transfer``, ``without_transfer`` (net - transfer) and
    ``known``; ``None`` when no household has components for the year.

    A household has components for the year when its incomes row of the year
    holds the four incomes (生产经营性支出 blank is 0).
    """
    if not all(c in incomes for c in INCOME_COMPONENTS):
        return None
    rows = incomes[incomes["year"] == year]
    rows = rows[rows[list(INCOME_COMPONENTS)].notna().all(axis=1)].drop_duplicates("household_id")
    if rows.empty:
        return None
    fen = {c: to_fen(rows[c].to_numpy(dtype="float64")) for c in INCOME_COMPONENTS}
    cost = to_fen(rows[BUSINESS_COST].to_numpy(dtype="float64")) if BUSINESS_COST in rows else np.zeros(len(rows))
    gross = sum(fen.values())
    per_household = pd.DataFrame(
        {"gross": gross, "transfer": fen["transfer"], "without_transfer": gross - np.nan_to_num(cost) - fen["transfer"]},
        index=rows["household_id"].astype(str).to_numpy(),
    )
    out = per_household.reindex(frame["household_id"].astype(str).to_numpy())
    return out.assign(known=out["gross"].notna().to_numpy()).set_index(frame.index)


def transfer_dependent_masks(
    frame: pd.DataFrame, incomes: pd.DataFrame, year: int, poverty_line: float
) -> tuple[dict[str, np.ndarray], pd.DataFrame] | None:
    """The exited(Y) and projected-exit households whose income without transfers in Y is below the
    line (``{"exited": mask, "projected_exits": mask}``), and :func:`components_in_year`; ``None``
    when no household has components for Y. (net - transfer) / size < L is decided as
    net - transfer < L × size, in whole fen."""
    parts = components_in_year(frame, incomes, year)
    if parts is None:
        return None
    sizes = frame["size"].to_numpy(dtype="float64")
    below = parts["known"].to_numpy(dtype=bool) & (
        np.nan_to_num(parts["without_transfer"].to_numpy(dtype="float64")) < float(to_fen(poverty_line)) * sizes
    )
    masks = {
        "exited": frame["exited"].to_numpy(dtype=bool) & below,
        "projected_exits": frame["projected_exit"].to_numpy(dtype=bool) & below,
    }
    return masks, parts


def transfer_dependence(
    frame: pd.DataFrame, incomes: pd.DataFrame, year: int, poverty_line: float
) -> dict[str, Any] | None:
    """metrics.json's ``transfer_dependence`` (year Y, the run's line L); ``None`` without components.

    ``exited`` and ``projected_exits``: households whose per-capita income
    without transfers in Y is below L (exactly at L is not below);
    ``transfer_share``: the sum of transfer over the sum of wage + business +
    property + transfer, over the area's households with components for Y
    (``None`` when that sum is 0); ``villages``: the counts by village, for
    villages with any such household.
    """
    found = transfer_dependent_masks(frame, incomes, year, poverty_line)
    if found is None:
        return None
    masks, parts = found
    sizes = frame["size"].to_numpy(dtype="int64")
    known = parts["known"].to_numpy(dtype=bool)
    gross = int(parts["gross"].to_numpy(dtype="float64")[known].sum())
    transfer = int(parts["transfer"].to_numpy(dtype="float64")[known].sum())
    return {
        "year": int(year),
        "exited": _counts(sizes, masks["exited"]),
        "projected_exits": _counts(sizes, masks["projected_exits"]),
        "transfer_share": transfer / gross if gross else None,
        "villages": _by_village(frame, masks),
    }


def _per_person(fen: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Household amounts in fen per person, in yuan to the fen (half up); NaN stays NaN."""
    out = np.full(len(fen), np.nan)
    known = ~np.isnan(fen)
    total, n = fen[known].astype("int64"), sizes[known].astype("int64")
    out[known] = ((2 * total + n) // (2 * n)) / 100
    return out


def _listed(area: County, frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The households of ``frame`` where ``mask`` holds: id, village id and name, head's name (not
    masked here: whoever shows it masks it), size; by village, then household id."""
    names = area.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    heads = (area.households.drop_duplicates("household_id").set_index("household_id")["head_name"]
             if "head_name" in area.households else None)
    chosen = frame.loc[np.asarray(mask, dtype=bool)]
    out = pd.DataFrame({
        "household_id": chosen["household_id"].astype("string").to_numpy(),
        "village_id": chosen["village_id"].astype("string").to_numpy(),
        "village_name": chosen["village_id"].map(names).astype("string").to_numpy(),
        "head_name": (chosen["household_id"].map(heads).astype("string").to_numpy() if heads is not None
                      else pd.array([pd.NA] * len(chosen), dtype="string")),
        "size": chosen["size"].to_numpy(dtype="int64"),
    }, index=chosen.index)
    return out


def without_labour_households(area: County, frame: pd.DataFrame) -> pd.DataFrame | None:
    """The households of :func:`labour`, for the follow-up workbook: :func:`_listed`'s columns, the
    household's ``attribute`` and ``main_cause`` where given, and ``labor`` (each member's 劳动技能,
    ``、``-joined) and ``health`` (where the roster has it); ``None`` without 劳动技能."""
    mask = without_labour_mask(frame, area.persons)
    if mask is None:
        return None
    out = _listed(area, frame, mask)
    households = area.households.drop_duplicates("household_id").set_index("household_id")
    for column in ("attribute", "main_cause"):
        if column in households:
            out[column] = out["household_id"].map(households[column]).astype("string")
    persons = area.persons
    for column in ("labor", "health"):
        if column in persons:
            joined = persons[column].fillna("未填").astype(str).groupby(persons["household_id"].astype(str)).agg("、".join)
            out[column] = out["household_id"].astype(str).map(joined).astype("string")
    return out.sort_values(["village_id", "household_id"], ignore_index=True)


def transfer_dependent_households(
    area: County, frame: pd.DataFrame, year: int, poverty_line: float
) -> pd.DataFrame | None:
    """The households of :func:`transfer_dependence`, for the follow-up workbook: :func:`_listed`'s
    columns, ``status`` (``exited`` or ``projected_exit``), ``exit_year``, and per person in Y, in
    yuan to the fen: ``income`` (net / size), ``without_transfer`` and ``transfer``; ``transfer_share``
    (the household's transfer over its wage + business + property + transfer). ``None`` without components."""
    found = transfer_dependent_masks(frame, area.incomes, year, poverty_line)
    if found is None:
        return None
    masks, parts = found
    mask = masks["exited"] | masks["projected_exits"]
    out = _listed(area, frame, mask)
    chosen = parts.loc[out.index]
    sizes = out["size"].to_numpy(dtype="int64")
    transfer = chosen["transfer"].to_numpy(dtype="float64")
    without = chosen["without_transfer"].to_numpy(dtype="float64")
    gross = chosen["gross"].to_numpy(dtype="float64")
    out = out.assign(
        status=np.where(masks["exited"][mask], "exited", "projected_exit"),
        exit_year=frame.loc[out.index, "exit_year"].astype("Int64").array,
        income=_per_person(without + transfer, sizes),
        without_transfer=_per_person(without, sizes),
        transfer=_per_person(transfer, sizes),
        transfer_share=np.where(gross > 0, transfer / np.where(gross > 0, gross, 1), np.nan),
    )
    return out.sort_values(["village_id", "household_id"], ignore_index=True)
