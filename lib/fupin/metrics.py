"""Every figure a leader reads, computed exactly as docs/data.md defines it.

Parameters throughout: ``year`` is the as-of year Y (status at the end of
Y), the target year is T = Y + 1, ``poverty_line`` is L (yuan per person per
year), ``bands`` the ascending band edges E, ``growth`` the yearly income
growth g, ``threshold`` the village exit threshold V.

The central table is :func:`household_frame`: one row per household with its
status at the end of Y, its income in T and why it is (not) projected to
exit. Every count is derived from it with numpy/pandas vectorised code (no
per-household Python loop), so a county of a million households takes
seconds. Functions return new frames and never modify their inputs. Rates are
fractions with full precision; a rate over a population of 0 is ``None`` (in
frames: NaN), never a ZeroDivisionError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from fupin import economy
from fupin.checks import consistency_warnings
from fupin import depth as beyond
from fupin.columns import REASON_LABELS, TEXT_DTYPE
from fupin.config import (
    BAND_STEP,
    DEFAULT_COLLECTIVE_INCOME_EXIT,
    DEFAULT_COLLECTIVE_INCOME_LINE,
    DEFAULT_INDUSTRY_COVERAGE_LINE,
)
from fupin.county import County
# The household frame and the village table live in fupin.frame; their public
# names stay importable from here, where notebooks and users have always found them.
from fupin.frame import (  # noqa: F401 (re-exported)
    BLOCKER_CODES,
    REASON_CODES,
    VILLAGE_STATUSES,
    counts,
    household_frame,
    household_sizes,
    household_status,
    incidence,
    income_in_year,
    json_number,
    json_plain,
    number_text,
    population,
    rate,
    rates,
    select_area,
    village_counts,
    village_positions,
    village_sums,
    village_table,
    year_values,
    flag_values,
)
from fupin.money import below_share, exact, to_fen, to_yuan  # noqa: F401 (re-exported)
from fupin.privacy import mask_names

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


def _yuan(values: pd.Series) -> pd.Series:
    """Amounts as text with thousands separators, rounded up to the fen: 150.0 -> "150", 1076.451 -> "1,076.46"."""
    fen = np.ceil(np.round(values.to_numpy(dtype="float64") * 100, 6)) / 100
    return pd.Series(fen, index=values.index).map(lambda x: f"{x:,.2f}".rstrip("0").rstrip("."))


def reason_labels(frame: pd.DataFrame, sep: str = "；") -> pd.DataFrame:
    """Each household's reasons as text: ``reason_codes`` (``,``-joined) and ``reasons``.

    ``reasons`` joins the Chinese labels with ``sep`` in :data:`REASON_CODES`
    order; ``income_short`` reads ``收入差N元`` with N = L - income_T rounded
    up to the fen, trailing zeros dropped, thousands separated (``收入差150元``, ``收入差1,076元``, ``收入差0.01元``). Households without a reason get
    ``""``. Returns a frame on ``frame``'s index.
    """
    codes = np.full(len(frame), "", dtype=object)
    labels = np.full(len(frame), "", dtype=object)
    for code in REASON_CODES:
        flag = frame[f"reason_{code}"].to_numpy(dtype=bool)
        if not flag.any():
            continue
        label: object = REASON_LABELS[code]
        if code == "income_short":
            label = np.full(len(frame), "", dtype=object)
            label[flag] = ("收入差" + _yuan(frame["gap"][flag]) + "元").to_numpy(dtype=object)
        codes = codes + np.where(flag, code + ",", "")
        labels = labels + np.where(flag, label + sep, "")
    return pd.DataFrame(
        {
            "reason_codes": pd.Series(codes, index=frame.index, dtype=object).str.rstrip(","),
            "reasons": pd.Series(labels, index=frame.index, dtype=object).str.rstrip(sep),
        }
    )


# --------------------------------------------------------------------------- income bands


def _edges(bands: Sequence[float]) -> np.ndarray:
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
    text = [number_text(x) for x in _edges(bands)]
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
    edges = _edges(bands)
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


# --------------------------------------------------------------------------- the whole report


def _projection(frame: pd.DataFrame, villages: pd.DataFrame, pop: int) -> dict[str, Any]:
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


def township_metrics(
    county: County,
    year: int,
    *,
    poverty_line: float = 3500.0,
    bands: Sequence[float] | None = None,
    growth: float = 0.0,
    village_threshold: float = 0.02,
    township_id: str | None = None,
    monitoring_line: float | Mapping[Any, float] | None = None,
    income_drop_share: float = 0.3,
    collective_income_line: float = DEFAULT_COLLECTIVE_INCOME_LINE,
    collective_income_exit: bool = DEFAULT_COLLECTIVE_INCOME_EXIT,
    industry_coverage_line: float = DEFAULT_INDUSTRY_COVERAGE_LINE,
) -> dict[str, Any]:
    """Every figure of one township's report: the metrics.json of the report folder (definitions: docs/data.md).

    ``county`` is a township slice (``County.township(id)``) or a whole
    county. ``township_id`` picks a township out of a county; without it a
    one-township ``county`` reports as that township, and a county of
    several (or ``township_id="county"``) reports as ``"county"`` named
    after the county (``summary.json``). Numbers are plain Python types at
    full precision (rates as fractions, ``None`` where the population is 0);
    ``bands`` None (the default) follows the poverty line: (L, L + 500), as
    :func:`fupin.parameters.default_bands`;
    ``json.dumps`` takes the result as it is.

    Keys of outputs.md: township_id, township_name, year, target_year,
    parameters, villages, population, registered, exited, remaining,
    incidence, projection {exits, remaining, incidence, villages_exiting,
    villages_blocked}, income_bands, incidence_trend. Extra keys:

    * ``county_name``: the county's name ("" if not given);
    * ``projection.reasons``: ``{code: {households, people, label}}`` for
      every code of :data:`REASON_CODES` (see :func:`household_frame`);
    * ``projection.villages_below_threshold``: poor villages not exited by Y
      whose projected incidence is below V, whatever their venue and road;
    * ``cadres``: :func:`cadre_count`;
    * ``unsafe_houses_outside_program``: ``{households, people}``
      (:func:`unsafe_houses_outside_program`);
    * ``income_unknown``: ``{households, people}`` (:func:`income_unknown`);
    * ``villages_table``: one dict per village (:func:`village_table`):
      village_id, village_name, is_poor_village, is_deep_poor_village,
      exited_by_year, population, registered/exited/remaining/
      projected_exits/projected_remaining _households and _people,
      incidence, projected_incidence, status, blockers;
    * ``incidence_trend_by_village``: :func:`incidence_trend_by_village`
      as a list of dicts;
    * ``warnings``: :func:`fupin.checks.consistency_warnings`;
    * ``depth``: FGT0/1/2, Watts and the income gap at L, for the area and
      each village (:func:`fupin.depth.depth`);
    * ``sensitivity``: projected exits and incidence in T over a grid of
      lines and growth rates, households near the line (:func:`fupin.depth.sensitivity`);
    * ``collective_economy``: weak collective economies against
      ``collective_income_line`` (:func:`fupin.economy.collective_economy`);
      with ``collective_income_exit`` a poor village not exited by Y whose
      collective income is weak or unknown is blocked by ``collective_income``;
    * ``industry_coverage``: the covered share of remaining(Y) households with
      a known industry_support, against ``industry_coverage_line``
      (:func:`fupin.economy.industry_coverage`); None when the households
      table has no industry_support column;
    * ``monitoring``: exited(Y) households to monitor (防返贫监测), with the
      monitoring line used (:func:`fupin.depth.monitoring`).
      ``monitoring_line``: None (default) means 1.5 × L; a number; or a
      table {year: line} from which T's (or the latest earlier) line is
      taken. ``income_drop_share`` (default 0.3): an exited household whose
      income fell by more than this share since its exit year is monitored.
    """
    if bands is None:  # bands follow the line: (L, L + 500)
        bands = (float(poverty_line), float(poverty_line) + BAND_STEP)
    area, area_id, area_name = select_area(county, township_id)
    frame = household_frame(
        area.households, area.incomes, year, poverty_line=poverty_line, growth=growth
    )
    villages = village_table(
        area.villages, frame, year, threshold=village_threshold,
        collective_income_line=collective_income_line, collective_income_exit=collective_income_exit,
        industry_coverage_line=industry_coverage_line,
    )
    pop = population(area.villages)
    remaining = counts(frame, frame["remaining"])
    result = {
        "township_id": area_id,
        "township_name": area_name,
        "county_name": county.name,
        "year": int(year),
        "target_year": int(year) + 1,
        "parameters": {
            "poverty_line": json_number(poverty_line),
            "bands": [json_number(b) for b in _edges(bands)],
            "growth": float(growth),
            "village_threshold": float(village_threshold),
            "collective_income_line": json_number(collective_income_line),
            "collective_income_exit": bool(collective_income_exit),
            "industry_coverage_line": float(industry_coverage_line),
        },
        "villages": village_counts(villages),
        "population": pop,
        "registered": counts(frame, frame["registered"]),
        "exited": counts(frame, frame["exited"]),
        "remaining": remaining,
        "incidence": rate(remaining["people"], pop),
        "projection": _projection(frame, villages, pop),
        "income_bands": income_bands(frame, bands).to_dict("records"),
        "incidence_trend": incidence_trend(area.villages, frame, year).to_dict("records"),
        "cadres": cadre_count(area.households, year),
        "unsafe_houses_outside_program": unsafe_houses_outside_program(area.households, year),
        "income_unknown": income_unknown(frame),
        "collective_economy": economy.collective_economy(villages, collective_income_line),
        "industry_coverage": economy.industry_coverage(villages, frame, industry_coverage_line),
        "villages_table": villages.to_dict("records"),
        "incidence_trend_by_village": incidence_trend_by_village(
            area.villages, frame, year
        ).to_dict("records"),
        "warnings": consistency_warnings(
            area, year, village_threshold, poverty_line=poverty_line, growth=growth, frame=frame
        ),
        "depth": beyond.depth(area.villages, frame, poverty_line),
        "sensitivity": beyond.sensitivity(
            area, frame, year, poverty_line=poverty_line, growth=growth,
            village_threshold=village_threshold,
        ),
        "monitoring": beyond.monitoring(
            area, frame, year, poverty_line=poverty_line, growth=growth,
            monitoring_line=monitoring_line, income_drop_share=income_drop_share,
        ),
    }
    return json_plain(result)


def non_exit_households(
    county: County,
    year: int,
    *,
    poverty_line: float = 3500.0,
    growth: float = 0.0,
    township_id: str | None = None,
) -> pd.DataFrame:
    """The remaining(Y) households not projected to exit in T, with their reasons.

    ``county`` and ``township_id`` pick the area as in :func:`township_metrics`.

    Columns: ``household_id``, ``village_id``, ``village_name``,
    ``head_name_masked`` (:func:`fupin.privacy.mask_names`; ``""`` when
    unknown), ``size``, ``income_T`` (NaN if unknown), ``gap`` (L - income_T
    where short), ``reasons`` (Chinese labels joined by ``；``, e.g.
    ``收入差150元；住房安全未保障``), ``reason_codes`` (``,``-joined codes of
    :data:`REASON_CODES`). Sorted by village and household. No unmasked
    personal data.
    """
    county = select_area(county, township_id)[0]
    frame = household_frame(
        county.households, county.incomes, year, poverty_line=poverty_line, growth=growth
    )
    stuck = (frame["remaining"] & ~frame["projected_exit"]).to_numpy()
    rows = frame[stuck]
    names = pd.Series(
        county.households["head_name"].to_numpy()[stuck] if "head_name" in county.households
        else pd.NA,
        index=rows.index,
        dtype=TEXT_DTYPE,
    )
    village_names = county.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    out = pd.DataFrame(
        {
            "household_id": rows["household_id"],
            "village_id": rows["village_id"],
            "village_name": rows["village_id"].map(village_names).astype(TEXT_DTYPE),
            "head_name_masked": mask_names(names).to_numpy(),
            "size": rows["size"],
            "income_T": rows["income_T"],
            "gap": rows["gap"],
        }
    ).join(reason_labels(rows)[["reasons", "reason_codes"]])
    return out.astype(
        {"head_name_masked": TEXT_DTYPE, "reasons": TEXT_DTYPE, "reason_codes": TEXT_DTYPE}
    ).sort_values(["village_id", "household_id"], ignore_index=True)
