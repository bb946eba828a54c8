"""What an auditor would check (数据核查): the backtest of the projection, bunching, round incomes, id numbers.

The county office's own checks before a third-party assessment (第三方评估)
or an audit (审计), as numbers and codes; the words are the report's. Every
definition is in docs/data.md ("数据核查"):

* :func:`backtest`: for each year t from the area's first registered year + 1
  to Y, the projection rule applied as of t − 1 (incomes rows of years <= t − 1
  only, the line L(t)) against what happened in t, for households and poor
  villages;
* :func:`bunching`: incomes at exit piled just above that year's line, by village;
* :func:`round_incomes`: actual incomes in whole hundreds of yuan, by village;
* :func:`id_numbers`: 18-character id numbers with a wrong check character or
  birth date, and numbers held by two or more households.

:func:`audit` assembles the ``audit`` key of metrics.json;
:func:`audit_households` lists the households behind bunching, round incomes
and id numbers (for ``audit.xlsx``). A township's prepared slice carries no id
number: :func:`id_number_facts` is computed from the numbers before they are
dropped, and :func:`id_numbers` reads either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from fupin.core.county import County
from fupin.figures.frame import (
    counts,
    flag_values,
    household_frame,
    household_sizes,
    income_at_exit,
    village_table,
    year_values,
)
from fupin.core.money import below_share, to_fen
from fupin.figures.parameters import Parameters, line_of_year

#: The bunching window w as a share of the year's line (5%).
BUNCHING_WINDOW = Fraction(5, 100)
#: A village is flagged for bunching when a >= this and a >= 2 × max(b, c, 1).
BUNCHING_MIN = 5
#: A village is flagged for round incomes when at least this many rows ...
ROUND_MIN_ROWS = 10
#: ... and at least this share of them are whole hundreds of yuan.
ROUND_SHARE = Fraction(1, 2)
#: The weights of the first 17 characters of an 18-character id number (GB 11643, ISO 7064 MOD 11-2).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: The check character for each remainder of the weighted sum mod 11.
ID_CHECK = "10X98765432"
#: The columns :func:`id_number_facts` adds (what a prepared slice carries in place of the numbers).
ID_FACTS = ("id_checked", "id_invalid", "id_group")


# --------------------------------------------------------------------------- backtest


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def backtest(area: County, params: Parameters) -> list[dict[str, Any]]:
    """The projection replayed for every year t from the area's first registered year + 1 to Y.

    As of t − 1 (status at the end of t − 1; income(h, t) from incomes rows of
    years <= t − 1 only, carried forward with the run's g; the line L(t); the
    guarantees as the data holds them), the households projected to exit in t
    (:func:`fupin.figures.frame.household_frame`) against those with exit_year = t
    (also one registered in t); ``both``; ``precision`` = both / projected and
    ``recall`` = both / exited in households (None over 0). Villages: the poor
    villages projected to exit in t (:func:`fupin.figures.frame.village_table` as of
    t − 1, the run's threshold and exit conditions) against those with
    village_exit_year = t. The first registered year has no backtest: an
    area registered only in Y has an empty list.

    >>> from fupin.figures.parameters import report_parameters
    >>> v = pd.DataFrame({"village_id": ["v"], "village_name": ["甲村"], "population": [100],
    ...                   "is_poor_village": [False]})
    >>> h = pd.DataFrame({"household_id": ["a", "b"], "village_id": ["v", "v"], "size": [2, 3],
    ...                   "registered_year": [2015, 2015], "exit_year": pd.array([2016, None], dtype="Int64")})
    >>> inc = pd.DataFrame({"household_id": ["a", "b"], "year": [2015, 2015], "per_capita_income": [4000.0, 3000.0]})
    >>> [r["year"] for r in backtest(County(v, h, inc), report_parameters(year=2017))]
    [2016, 2017]
    >>> r = backtest(County(v, h, inc), report_parameters(year=2016))[0]
    >>> r["projected"], r["exited"], r["both"], r["precision"], r["recall"]
    ({'households': 1, 'people': 2}, {'households': 1, 'people': 2}, {'households': 1, 'people': 2}, 1.0, 1.0)
    """
    households, incomes = area.households, area.incomes
    registered = year_values(households, "registered_year")
    if np.isnan(registered).all():
        return []
    first = int(np.nanmin(registered))
    exit_year = year_values(households, "exit_year")
    poor = flag_values(area.villages, "is_poor_village", False)
    village_exit = year_values(area.villages, "village_exit_year")
    village_ids = area.villages["village_id"].astype(str).to_numpy()
    income_years = incomes["year"].to_numpy(dtype="float64")
    rows = []
    for t in range(first + 1, int(params.year) + 1):
        known = incomes[income_years <= t - 1]
        frame = household_frame(households, known, t - 1, poverty_line=params.line_in(t), growth=params.growth)
        projected = frame["projected_exit"].to_numpy()
        exited = exit_year == t
        both = projected & exited
        table = village_table(
            area.villages, frame, t - 1, threshold=params.village_threshold,
            collective_income_line=params.collective_income_line,
            collective_income_exit=params.collective_income_exit,
            industry_coverage_line=params.industry_coverage_line,
        )
        rows.append({
            "year": t,
            "projected": counts(frame, projected),
            "exited": counts(frame, exited),
            "both": counts(frame, both),
            "precision": _share(int(both.sum()), int(projected.sum())),
            "recall": _share(int(both.sum()), int(exited.sum())),
            "villages_projected": sorted(table.loc[table["status"] == "exiting", "village_id"].astype(str)),
            "villages_exited": sorted(village_ids[poor & (village_exit == t)].tolist()),
        })
    return rows


# --------------------------------------------------------------------------- bunching


def bunching_windows(income: np.ndarray, line: np.ndarray) -> dict[str, np.ndarray]:
    """Which incomes fall in [L, L + w), [L − w, L) and [L + w, L + 2w), w = 5% of L, compared in fen.

    ``income`` and ``line`` are yuan (taken to the fen half up, :func:`fupin.core.money.to_fen`);
    the edges L ± w are exact (5% of the line in fen, never a rounded float). NaN is in none.

    >>> w = bunching_windows(np.array([3500, 3674.99, 3675, 3499.99, 3325, 3324.99, 3849.99, 3850]), np.full(8, 3500.0))
    >>> [k for i in range(8) for k in ("a", "b", "c") if w[k][i]]
    ['a', 'a', 'c', 'b', 'b', 'c']
    """
    fen, line_fen = to_fen(income), to_fen(line)
    below = {k: below_share(fen, line_fen, k * BUNCHING_WINDOW + 1) for k in (-1, 0, 1, 2)}
    return {
        "a": ~below[0] & below[1] & ~np.isnan(fen),
        "b": ~below[-1] & below[0] & ~np.isnan(fen),
        "c": ~below[1] & below[2] & ~np.isnan(fen),
    }


def _by_village(village_ids: list[str], where: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.bincount(where[mask & (where >= 0)], minlength=len(village_ids))


def _area_villages(villages: pd.DataFrame) -> list[str]:
    return sorted(villages["village_id"].astype(str).unique().tolist())


def bunching_masks(frame: pd.DataFrame, at_exit: np.ndarray, params: Parameters) -> dict[str, np.ndarray]:
    """:func:`bunching_windows` of every household of ``frame``: exited(Y) households only,
    income at exit (``at_exit``, :func:`fupin.figures.frame.income_at_exit`) against L(exit_year)."""
    exit_year = year_values(frame, "exit_year")
    years = np.unique(exit_year[~np.isnan(exit_year)])
    line_of = {t: line_of_year(t, params.poverty_lines, params.poverty_line) for t in years.tolist()}
    lines = pd.Series(exit_year).map(line_of).to_numpy(dtype="float64")  # NaN without an exit year
    income = np.where(frame["exited"].to_numpy(dtype=bool), at_exit, np.nan)
    return bunching_windows(income, lines)


def bunching(villages: pd.DataFrame, frame: pd.DataFrame, at_exit: np.ndarray, params: Parameters) -> dict[str, Any]:
    """Bunching at the line (算账脱贫): a, b, c for the area and every village, and the flagged villages.

    For exited(Y) households, income at exit against L(exit_year) with w = 5%
    of it (:func:`bunching_masks`): a, b, c count households in [L, L + w),
    [L − w, L) and [L + w, L + 2w). A village is flagged when a >= 5 and
    a >= 2 × max(b, c, 1). Every village of ``villages`` is listed, zeros included.
    """
    masks = bunching_masks(frame, at_exit, params)
    ids = _area_villages(villages)
    where = pd.Index(ids).get_indexer(frame["village_id"].astype(str))
    per = {k: _by_village(ids, where, m) for k, m in masks.items()}
    table = {v: {k: int(per[k][i]) for k in ("a", "b", "c")} for i, v in enumerate(ids)}
    return {
        "area": {k: int(m.sum()) for k, m in masks.items()},
        "villages": table,
        "flagged_villages": [v for v, c in table.items() if bunching_flagged(c["a"], c["b"], c["c"])],
    }


def bunching_flagged(a: int, b: int, c: int) -> bool:
    """a >= 5 and a >= 2 × max(b, c, 1).

    >>> bunching_flagged(5, 2, 0), bunching_flagged(5, 3, 0), bunching_flagged(4, 0, 0)
    (True, False, False)
    """
    return a >= BUNCHING_MIN and a >= 2 * max(b, c, 1)


# --------------------------------------------------------------------------- round incomes


def round_rows(area: County) -> tuple[pd.DataFrame, np.ndarray]:
    """The actual incomes rows (is_estimate false, income given) of the area's households, and
    which are whole hundreds of yuan (compared in fen); the rows carry the household's ``village_id``."""
    incomes = area.incomes
    village = pd.Series(area.households["village_id"].astype(str).to_numpy(),
                        index=area.households["household_id"].to_numpy())
    value = incomes["per_capita_income"].to_numpy(dtype="float64")
    keep = ~flag_values(incomes, "is_estimate", False) & ~np.isnan(value)
    rows = incomes[keep].assign(village_id=incomes.loc[keep, "household_id"].map(village).to_numpy())
    rows = rows[rows["village_id"].notna()]
    fen = to_fen(rows["per_capita_income"].to_numpy(dtype="float64"))
    return rows, (fen % 10000) == 0


def round_incomes(villages: pd.DataFrame, area: County) -> dict[str, Any]:
    """Round incomes: per village, its households' actual incomes rows and how many are whole hundreds.

    Every actual row (is_estimate false) of every household of the village,
    whatever its registered year and the row's year. A village is flagged when
    round >= 50% of rows and rows >= 10. Every village is listed, zeros included.
    """
    rows, is_round = round_rows(area)
    ids = _area_villages(villages)
    where = pd.Index(ids).get_indexer(rows["village_id"].astype(str))
    total = _by_village(ids, where, np.ones(len(rows), dtype=bool))
    rounds = _by_village(ids, where, is_round)
    table = {v: {"rows": int(total[i]), "round": int(rounds[i])} for i, v in enumerate(ids)}
    return {"villages": table,
            "flagged_villages": [v for v, c in table.items() if round_flagged(c["rows"], c["round"])]}


def round_flagged(rows: int, round_: int) -> bool:
    """round >= 50% of rows, with at least 10 rows.

    >>> round_flagged(10, 5), round_flagged(10, 4), round_flagged(9, 9)
    (True, False, False)
    """
    return rows >= ROUND_MIN_ROWS and round_ >= ROUND_SHARE * rows


# --------------------------------------------------------------------------- id numbers


def id_number_problem(number: object, today: dt.date) -> str | None:
    """Why an 18-character id number is wrong: ``check`` (check character), ``birth_date``, or None.

    Letters are read in capitals (a check character ``x`` is ``X``). The
    first 17 characters must be digits whose weighted sum (GB 11643, ISO 7064
    MOD 11-2) gives the 18th; characters 7–14 must be a real calendar date
    not after ``today``. Only 18-character numbers are checked (see
    :func:`normal_id`).

    >>> d = dt.date(2020, 1, 1)
    >>> id_number_problem("11010519491231002X", d), id_number_problem("110105194912310021", d)
    (None, 'check')
    >>> id_number_problem("110101200002290018", d), id_number_problem("110101190002290011", d)
    (None, 'birth_date')
    >>> id_number_problem("11010520300101001X", d)
    'birth_date'
    """
    text = str(number).strip().upper()
    head, check = text[:17], text[17:]
    if len(text) != 18 or not (head.isascii() and head.isdigit()):
        return "check"
    if ID_CHECK[sum(int(c) * w for c, w in zip(head, ID_WEIGHTS)) % 11] != check:
        return "check"
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "birth_date"
    return "birth_date" if born > today else None


def id_problems(numbers: Sequence[str], today: dt.date) -> np.ndarray:
    """:func:`id_number_problem` of many 18-character numbers at once (capitals), vectorised:
    ``""`` where the number is right, else ``check`` or ``birth_date``.

    >>> id_problems(["11010519491231002X", "110105194912310021", "110101190002290011"], dt.date(2020, 1, 1)).tolist()
    ['', 'check', 'birth_date']
    """
    text = np.asarray(numbers, dtype="<U18")
    if not len(text):
        return np.zeros(0, dtype=object)
    chars = text.view(np.uint32).reshape(len(text), 18).astype(np.int32)  # code points, no copy of the text
    digits = chars - ord("0")
    head_ok = ((digits[:, :17] >= 0) & (digits[:, :17] <= 9)).all(axis=1)
    total = (np.clip(digits[:, :17], 0, 9) * np.array(ID_WEIGHTS)).sum(axis=1) % 11
    expected = np.array([ord(c) for c in ID_CHECK])[total]
    check_ok = head_ok & (chars[:, 17] == expected)
    d = np.clip(digits, 0, 9)
    year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    month, day = d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)] + (
        leap & (month == 2))
    real = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    not_future = year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    return np.array(["", "check", "birth_date"], dtype=object)[np.where(~check_ok, 1, np.where(real & not_future, 0, 2))]


def normal_id(numbers: pd.Series) -> pd.Series:
    """Id numbers stripped and in capitals; NA for blanks and for numbers not of 18 characters."""
    text = numbers.astype("string").str.strip().str.upper()
    return text.where(text.str.len() == 18)


def id_number_facts(households: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """Per household: ``id_checked`` (an 18-character number), ``id_invalid`` (:func:`id_number_problem`),
    ``id_group`` (one code per distinct number, NA without one): what a slice keeps of the numbers.

    >>> h = pd.DataFrame({"id_number": ["11010519491231002x", "11010519491231002X", None, "123"]})
    >>> f = id_number_facts(h, dt.date(2020, 1, 1))
    >>> f["id_checked"].tolist(), f["id_invalid"].tolist(), f["id_group"].tolist()
    ([True, True, False, False], [False, False, False, False], [0, 0, <NA>, <NA>])
    """
    today = today or dt.date.today()
    text = normal_id(households["id_number"]) if "id_number" in households else pd.Series(
        pd.NA, index=households.index, dtype="string")
    checked = text.notna().to_numpy(dtype=bool)
    invalid = np.zeros(len(text), dtype=bool)
    invalid[checked] = id_problems(text[checked].to_numpy(dtype=str), today) != ""
    codes, _ = pd.factorize(text)
    group = pd.array(np.where(codes >= 0, codes, 0), dtype="Int64")
    group[codes < 0] = pd.NA
    return pd.DataFrame({"id_checked": checked, "id_invalid": invalid.astype(bool), "id_group": group},
                        index=households.index)


def id_facts_of(households: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame | None:
    """The id facts of ``households``: the columns a prepared slice carries, else computed from
    ``id_number``; None when the households have neither (no id number column)."""
    if all(c in households for c in ID_FACTS):
        return pd.DataFrame({"id_checked": flag_values(households, "id_checked", False),
                             "id_invalid": flag_values(households, "id_invalid", False),
                             "id_group": households["id_group"].astype("Int64")}, index=households.index)
    if "id_number" in households:
        return id_number_facts(households, today)
    return None


def duplicated_ids(facts: pd.DataFrame) -> np.ndarray:
    """Which households hold a number that two or more households of ``facts`` hold."""
    group = facts["id_group"]
    sizes = group.map(group.value_counts())
    return (sizes.fillna(0).to_numpy(dtype="int64") >= 2)


def id_numbers(households: pd.DataFrame, today: dt.date | None = None) -> dict[str, int] | None:
    """``checked`` (households with an 18-character number), ``invalid`` (households whose check
    character or birth date is wrong) and ``duplicated`` (distinct numbers held by two or more
    households); None when the households have no id numbers.

    >>> h = pd.DataFrame({"id_number": ["11010519491231002X", "11010519491231002X", "110105194912310021", "1234"]})
    >>> id_numbers(h, dt.date(2020, 1, 1))
    {'checked': 3, 'invalid': 1, 'duplicated': 1}
    """
    facts = id_facts_of(households, today)
    if facts is None:
        return None
    group = facts["id_group"].dropna()
    sizes = group.value_counts()
    return {"checked": int(facts["id_checked"].sum()), "invalid": int(facts["id_invalid"].sum()),
            "duplicated": int((sizes >= 2).sum())}


# --------------------------------------------------------------------------- the audit


def audit(area: County, frame: pd.DataFrame, villages: pd.DataFrame, params: Parameters, *,
          at_exit: np.ndarray | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """The ``audit`` key of metrics.json: backtest, bunching, round incomes, id numbers.

    ``frame`` and ``villages`` are the area's :func:`fupin.figures.frame.household_frame`
    and village table (as of Y); ``at_exit`` its incomes at exit (computed when None).
    """
    if at_exit is None:
        at_exit = income_at_exit(frame, area.incomes, params.growth)
    return {
        "backtest": backtest(area, params),
        "bunching": bunching(villages, frame, at_exit, params),
        "round_incomes": round_incomes(villages, area),
        "id_numbers": id_numbers(area.households, today),
    }


#: The reasons a household is listed in audit.xlsx, in order (codes; the words are the workbook's).
AUDIT_REASONS = ("bunching", "round_incomes", "id_invalid", "id_duplicated")


def audit_households(area: County, frame: pd.DataFrame, params: Parameters, audit_figures: Mapping[str, Any], *,
                     at_exit: np.ndarray | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """The households behind the audit's flags, one row per household and reason.

    * ``bunching``: exited(Y) households of a flagged village whose income at
      exit is in [L, L + w) (``income``: that income, ``income_year``: the exit year);
    * ``round_incomes``: households of a flagged village with at least one
      round actual income (``round_rows``: how many of its rows);
    * ``id_invalid`` and ``id_duplicated``: households whose number is wrong
      (``id_problem``: ``check`` or ``birth_date``) or held by another household too.

    Columns: ``reason``, ``household_id``, ``village_id``, ``size``,
    ``exit_year``, ``income``, ``income_year``, ``round_rows``, ``id_problem``,
    ``id_group`` (a code shared by the households of one number)
    and, when the households have them, ``head_name`` and ``id_number`` as
    they are: the caller masks them (:func:`fupin.core.privacy.mask_personal`).
    """
    if at_exit is None:
        at_exit = income_at_exit(frame, area.incomes, params.growth)
    today = today or dt.date.today()
    hh = area.households.reset_index(drop=True)
    base_cols = ["household_id", "village_id", "size", "exit_year",
                 *[c for c in ("head_name", "id_number") if c in hh]]
    base = hh[base_cols].assign(village_id=hh["village_id"].astype(str))
    parts = []
    a = bunching_masks(frame, at_exit, params)["a"]
    flagged = base["village_id"].isin(audit_figures["bunching"]["flagged_villages"]).to_numpy()
    exit_year = year_values(frame, "exit_year")
    parts.append(base[a & flagged].assign(reason="bunching", income=at_exit[a & flagged],
                                          income_year=exit_year[a & flagged]))
    rows, is_round = round_rows(area)
    per_household = rows.loc[is_round].groupby("household_id").size()
    n_round = base["household_id"].map(per_household).fillna(0).to_numpy(dtype="int64")
    flagged = base["village_id"].isin(audit_figures["round_incomes"]["flagged_villages"]).to_numpy()
    parts.append(base[(n_round > 0) & flagged].assign(reason="round_incomes", round_rows=n_round[(n_round > 0) & flagged]))
    facts = id_facts_of(hh, today)
    if facts is not None and "id_number" in hh:
        invalid = facts["id_invalid"].to_numpy(dtype=bool)
        numbers = normal_id(hh["id_number"])[invalid].fillna("").to_numpy(dtype=str)
        parts.append(base[invalid].assign(reason="id_invalid", id_problem=id_problems(numbers, today)))
        dup = duplicated_ids(facts)
        parts.append(base[dup].assign(reason="id_duplicated", id_group=facts["id_group"][dup].to_numpy()))
    columns = ["reason", *base_cols, "income", "income_year", "round_rows", "id_problem", "id_group"]
    out = pd.concat([p for p in parts if len(p)] or [base.iloc[0:0].assign(reason="")], ignore_index=True)
    order = {r: i for i, r in enumerate(AUDIT_REASONS)}
    if "id_group" in out:
        out = out.sort_values(["reason", "id_group", "village_id", "household_id"],
                              key=lambda s: s.map(order) if s.name == "reason" else s, kind="stable")
    else:
        out = out.sort_values(["reason", "village_id", "household_id"],
                              key=lambda s: s.map(order) if s.name == "reason" else s, kind="stable")
    return out.reindex(columns=columns).reset_index(drop=True)
