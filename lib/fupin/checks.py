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

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from fupin.columns import GUARANTEES
from fupin.county import County
from fupin.frame import (
    BLOCKER_CODES,
    counts,
    flag_values,
    household_frame,
    number_text,
    village_table,
    year_values,
)
from fupin.money import below_share, to_fen, to_yuan
from fupin.style import fmt_pct

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

LIST_LIMIT = 10


def _ids(values: Iterable[object], limit: int = LIST_LIMIT) -> str:
    """``a、b、c`` or, past ``limit`` items, ``a、b…等N个``."""
    values = [str(v) for v in values]
    text = "、".join(values[:limit])
    return f"{text}等{len(values)}个" if len(values) > limit else text


def _pct(x: float) -> str:
    return fmt_pct(x)


def _warning(code: str, count: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "count": int(count)}


def _village_warnings(villages: pd.DataFrame, year: int, threshold: float) -> list[dict]:
    """Warnings about villages, from a :func:`fupin.metrics.village_table`."""
    out = []
    name = villages["village_id"].astype(str) + "（" + villages["village_name"].astype(str) + "）"
    for code, column, what in (
        ("remaining_exceeds_population", "remaining_people", "未脱贫人口"),
        ("registered_exceeds_population", "registered_people", "建档立卡人口"),
    ):
        bad = villages[column] > villages["population"]
        if bad.any():
            people = villages.loc[bad, column].astype(str)
            population = villages.loc[bad, "population"].astype(str)
            items = name[bad] + f"：{what}" + people + "人，户籍人口" + population + "人"
            message = f"{bad.sum()}个村{what}多于户籍人口：村{_ids(items)}"
            out.append(_warning(code, bad.sum(), message))
    bad = villages["exited_by_year"] & (villages["population"] > 0) & ~below_share(
        villages["remaining_people"], villages["population"], threshold)  # incidence >= V, exactly
    if bad.any():
        items = name[bad] + "：" + villages.loc[bad, "incidence"].map(_pct)
        out.append(_warning(
            "exited_village_high_incidence", bad.sum(),
            f"{bad.sum()}个贫困村已于{year}年底前出列，但{year}年底贫困发生率仍不低于"
            f"{_pct(threshold)}：村{_ids(items)}",
        ))
    bad = villages["is_deep_poor_village"] & ~villages["is_poor_village"]
    if bad.any():
        out.append(_warning(
            "deep_poor_not_poor", bad.sum(),
            f"{bad.sum()}个村标为深度贫困村却不是贫困村：村{_ids(name[bad])}",
        ))
    return out


def _exit_year_incomes(
    households: pd.DataFrame, incomes: pd.DataFrame, growth: float
) -> np.ndarray:
    """income(h, exit_year) of each household given, in order (NaN where unknown)."""
    exit_year = year_values(households, "exit_year")
    owner = pd.Index(households["household_id"]).get_indexer(incomes["household_id"])
    year = incomes["year"].to_numpy(dtype="float64")
    value = incomes["per_capita_income"].to_numpy(dtype="float64")
    use = (owner >= 0) & ~np.isnan(value)
    use[use] &= year[use] <= exit_year[owner[use]]
    owner, year, value = owner[use], year[use], value[use]
    order = np.lexsort((year, owner))  # by household, then year: the last row per household wins
    owner, year, value = owner[order], year[order], value[order]
    last = np.append(owner[1:] != owner[:-1], True) if len(owner) else np.zeros(0, bool)
    income = np.full(len(households), np.nan)
    grown = value[last] * (1.0 + growth) ** (exit_year[owner[last]] - year[last])
    income[owner[last]] = to_yuan(to_fen(grown))  # income(h, t) is kept to the fen
    return income


def _household_masks(
    county: County,
    frame: pd.DataFrame,
    year: int,
    poverty_line: float,
    growth: float,
    poverty_lines: Mapping[int, float] | None,
) -> dict[str, tuple[np.ndarray, str]]:
    """For each household warning: which rows of ``frame`` it concerns, and what to say."""
    hh = county.households
    exited = frame["exited"].to_numpy()
    at_exit = _exit_year_incomes(frame, county.incomes, growth)
    lines = frame["exit_year"].map(dict(poverty_lines or {})).astype("float64").fillna(poverty_line)
    line_text = "当年贫困线" if poverty_lines else f"{number_text(poverty_line)}元"
    failing = np.logical_or.reduce([~flag_values(hh, g, True) for g in GUARANTEES])
    exit_year, returned_year = year_values(hh, "exit_year"), year_values(hh, "returned_year")
    cadres_named = "cadre_id" in hh and bool(hh["cadre_id"].notna().any())
    no_cadre = hh["cadre_id"].isna().to_numpy() if cadres_named else np.zeros(len(hh), bool)
    remaining = frame["remaining"].to_numpy()
    return {
        "registered_after_year": (
            (frame["registered_year"] > year).to_numpy(),
            f"识别年度晚于{year}年，未计入{year}年底的统计",
        ),
        "exited_income_below_line": (
            exited & (to_fen(at_exit) < to_fen(lines.to_numpy())),
            f"已脱贫，但脱贫当年人均纯收入低于{line_text}",
        ),
        "exited_income_unknown": (exited & np.isnan(at_exit), "已脱贫，但没有脱贫当年及以前的收入记录"),
        "exited_guarantee_gap": (exited & failing, "已脱贫，但仍有“两不愁三保障”或饮水安全未保障"),
        "returned_without_exit": (
            ~np.isnan(returned_year) & ~(returned_year > exit_year), "有返贫年度，却没有早于它的脱贫年度"
        ),
        "projection_income_unknown": (
            frame["reason_income_unknown"].to_numpy(),
            f"未脱贫，且没有{year + 1}年及以前的收入记录，无法测算能否脱贫",
        ),
        "no_cadre": (remaining & no_cadre, "未脱贫，且没有帮扶责任人"),
    }


def household_warning_masks(
    county: County, frame: pd.DataFrame, year: int, *, poverty_line: float = 3500.0, growth: float = 0.0,
    poverty_lines: Mapping[int, float] | None = None,
) -> dict[str, np.ndarray]:
    """For each household warning of :func:`consistency_warnings`: which rows of ``frame``
    (a :func:`fupin.metrics.household_frame` of ``county``) it concerns.

    The follow-up workbook lists these households; the report only counts them.
    """
    masks = _household_masks(county, frame, year, poverty_line=poverty_line, growth=growth,
                             poverty_lines=poverty_lines)
    return {code: np.asarray(mask, dtype=bool) for code, (mask, _) in masks.items()}


def _household_warnings(county: County, frame: pd.DataFrame, year: int, **params) -> list[dict]:
    """Warnings about households, from a :func:`fupin.metrics.household_frame`."""
    out = []
    for code, (mask, what) in _household_masks(county, frame, year, **params).items():
        if mask.any():
            n = counts(frame, mask)
            out.append(_warning(
                code, n["households"],
                f"{n['households']}户（{n['people']}人）{what}：户{_ids(frame.loc[mask, 'household_id'])}",
            ))
    inc = county.incomes
    closed = (inc["year"] <= year).to_numpy() & flag_values(inc, "is_estimate", False)
    if closed.any():
        out.append(_warning(
            "estimate_in_closed_year", closed.sum(),
            f"{closed.sum()}条{year}年及以前（已结账年度）的收入记录标为预计，应为实际收入：户"
            + _ids(inc.loc[closed, "household_id"].unique()),
        ))
    return out


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
      ``growth``) is below the line: ``poverty_lines[exit_year]`` where
      given, else ``poverty_line``;
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
    :func:`fupin.metrics.household_frame` of the same county and parameters,
    to save computing it again.
    """
    if frame is None:
        frame = household_frame(
            county.households, county.incomes, year, poverty_line=poverty_line, growth=growth
        )
    villages = village_table(county.villages, frame, year, threshold=village_threshold)
    found = [
        *_village_warnings(villages, year, village_threshold),
        *_household_warnings(
            county, frame, year,
            poverty_line=poverty_line, growth=growth, poverty_lines=poverty_lines,
        ),
    ]
    return sorted(found, key=lambda w: WARNING_CODES.index(w["code"]))


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
    "exited_households": "已退出贫困户数",
    "exited_people": "已退出贫困人口",
    "remaining_households": "未退出贫困户数",
    "remaining_people": "未退出贫困人口",
    "incidence": "贫困发生率",
    "projected_exits_households": "拟退出贫困户数",
    "projected_exits_people": "拟退出贫困人口",
    "projected_remaining_households": "预计年底未退出贫困户数",
    "projected_remaining_people": "预计年底未退出贫困人口",
    "projected_incidence": "预计贫困发生率",
    "villages_exiting": "拟退出贫困村数",
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
    """The figures of a metrics dict (:func:`fupin.metrics.township_metrics`) under claim names.

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
    return number_text(value) if key not in RATE_FIGURES else _pct(value)


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
    '材料自相矛盾：拟退出贫困村数为5，但未出列贫困村数为4（应 <= 4）'
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
                    "message": f"材料自相矛盾：{_label(rate_key)}为{_pct(claims[rate_key])}，"
                               f"但{_label(people)}{claims[people]}÷{_label(pop)}{claims[pop]}"
                               f"为{_pct(implied)}",
                })
    return out
