"""The national system's export forms: the person roster, wide income columns, income components.

Offices export the national registration system's tables (docs/data.md, "Real
exports"): one row per person (人员表) with the household's fields repeated on
each member's row or only on the head's, incomes as yearly columns
(``2017年人均纯收入``) and as components (工资性收入, 生产经营性收入, 财产性收入,
转移性收入, 生产经营性支出). :mod:`fupin.io.loading` reads their cells; this module
turns them into the contract's tables, exactly or with a problem naming the
rows:

* :func:`table_for_header` adds a table's wide income columns, as its header names them;
* :func:`collapse` makes the households table out of the roster (one row per 户主);
* :func:`split_wide` takes the wide income columns out of a table as incomes rows;
* :func:`settle_components` checks ``per_capita_income`` against the components, or derives it.

Money is compared in whole fen (:mod:`fupin.core.money`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fupin.core.contract import (
    BUSINESS_COST, CHECK_DTYPES, HEAD_RELATIONSHIP, HOUSEHOLDS, INCOME_COMPONENTS, INCOMES, PERSONS,
    ROSTER_HOUSEHOLD_COLUMNS, Column, Table,
)
from fupin.core.errors import Problem
from fupin.core.money import MONEY_LIMIT, MONEY_TOO_LARGE, to_fen

if TYPE_CHECKING:
    from fupin.io.schema import Origin

#: The money fields a wide column may carry, by the words of its header.
WIDE_FIELDS: dict[str, str] = {
    "人均纯收入": "per_capita_income",
    **{INCOMES.column(name).label: name for name in (*INCOME_COMPONENTS, BUSINESS_COST)},
}
_FIELD = "|".join(sorted(map(re.escape, WIDE_FIELDS), key=len, reverse=True))
#: ``2017年人均纯收入``, ``2018年度工资性收入``, ``2019年预计人均纯收入``, ``人均纯收入(2018年)``; a unit in
#: brackets may follow (``（元）``), read as any money header's (:func:`fupin.io.loading.unit_scale`).
_WIDE = re.compile(
    rf"(?:(?P<before>\d{{4}})年度?)?(?P<estimate>预计)?(?P<field>{_FIELD})(?:\((?P<after>\d{{4}})年度?\))?"
    r"(?:\([^()]*\))?"
)
#: A year in brackets at the end of a header (``人均纯收入(2018年)``) is part of its name, not a unit.
YEAR_BRACKET = re.compile(r"\(\d{4}年度?\)$")
#: The tables that may carry wide income columns.
WIDE_TABLES = ("households", "persons")
#: Income rows may differ from their components by at most this many fen per person.
AGREEMENT_FEN = 100


@dataclass(frozen=True)
class Wide:
    """One wide income column: the year, the field, whether the header says 预计."""

    year: int
    field: str
    estimate: bool

    @property
    def name(self) -> str:
        """Its column name in the table as read (``per_capita_income_2017``, ``per_capita_income_2019_estimate``).

        >>> Wide(2019, "transfer", True).name, _parse("transfer_2019_estimate") == Wide(2019, "transfer", True)
        ('transfer_2019_estimate', True)
        """
        return f"{self.field}_{self.year}" + ("_estimate" if self.estimate else "")


def wide_column(header: str) -> Wide | None:
    """The wide income column ``header`` names, or ``None``.

    >>> wide_column("2017年人均纯收入（元）"), wide_column("人均纯收入(2018年)")
    (Wide(year=2017, field='per_capita_income', estimate=False), Wide(year=2018, field='per_capita_income', estimate=False))
    >>> wide_column("2019年预计人均纯收入"), wide_column("2018年度转移性收入"), wide_column("人均纯收入")
    (Wide(year=2019, field='per_capita_income', estimate=True), Wide(year=2018, field='transfer', estimate=False), None)
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", header or ""))
    found = _WIDE.fullmatch(text)
    if found is None or (found["before"] is None) == (found["after"] is None):
        return None
    return Wide(int(found["before"] or found["after"]), WIDE_FIELDS[found["field"]], found["estimate"] is not None)


def table_for_header(table: Table, header: list[str]) -> Table:
    """``table`` as this header row reads it: the wide income columns it names added (households,
    persons), and, for incomes with income components, ``per_capita_income`` no longer required
    (it is derived from them where blank, :func:`settle_components`)."""
    if table.name == "incomes" and any(_names(h) & {*INCOME_COMPONENTS, BUSINESS_COST} for h in header if h):
        return replace(table, columns=tuple(
            replace(c, required=False) if c.name == "per_capita_income" else c for c in table.columns
        ))
    if table.name not in WIDE_TABLES:
        return table
    named: dict[str, list[str]] = {}
    for h in header:
        if h and (w := wide_column(h)):
            named.setdefault(w.name, []).append(h.strip())
    wide = tuple(Column(name, headers[0], "number", aliases=tuple(headers[1:])) for name, headers in named.items())
    return replace(table, columns=table.columns + wide) if wide else table


def _names(header: str) -> set[str]:
    """The income columns a header of the incomes table names (by label, case and width aside)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", header))
    text = re.sub(r"\([^()]*\)$", "", text)
    return {c.name for c in INCOMES.columns if text in (c.name, c.label)}


_WIDE_NAME = re.compile(rf"(?P<field>{'|'.join(WIDE_FIELDS.values())})_(?P<year>\d{{4}})(?P<estimate>_estimate)?")


def wide_names(frame: pd.DataFrame) -> list[str]:
    """The wide income columns of a table as read."""
    return [c for c in frame.columns if _WIDE_NAME.fullmatch(str(c))]


def _parse(name: str) -> Wide:
    found = _WIDE_NAME.fullmatch(name)
    return Wide(int(found["year"]), found["field"], found["estimate"] is not None)


# --------------------------------------------------------------------------- the roster


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(str(r) for r in rows[:10])
    return f"第{shown}行" + (f"等{len(rows)}行" if len(rows) > 10 else "")


def collapse(persons: pd.DataFrame, origin: Origin) -> tuple[pd.DataFrame, Origin, list[Problem]]:
    """The households table made out of the roster, its origin (the 户主 rows), and what disagrees.

    One household per household_id, at its 户主 row; each household column
    takes the one value its members' rows hold (blank rows aside: the value
    may stand on the head's row only); ``size`` is the number of member
    rows, and a 家庭人口数 column must agree with it; the head's name and id
    number are the 户主 row's. A household without a 户主 row, or with two,
    and members' rows that disagree, are problems naming the household and
    the rows.
    """
    from fupin.io.schema import Origin

    problems: list[Problem] = []
    known = persons[persons["household_id"].notna()]
    rows = known.index.to_numpy(dtype="int64")  # ascending
    codes, uniques = pd.factorize(known["household_id"].astype(str).to_numpy(dtype=object))
    n = len(uniques)

    def rows_of(code: int, mask: np.ndarray | None = None) -> list[int]:  # only for a problem
        return rows[(codes == code) & (True if mask is None else mask)].tolist()

    is_head = (known["relationship"].str.strip() == HEAD_RELATIONSHIP).fillna(False).to_numpy(dtype=bool)
    sizes = np.bincount(codes, minlength=n)
    head_count = np.bincount(codes[is_head], minlength=n)
    first = np.full(n, -1, dtype="int64")
    any_codes, at = np.unique(codes, return_index=True)
    first[any_codes] = rows[at]  # each household's first row
    head_codes, at = np.unique(codes[is_head], return_index=True)
    first[head_codes] = rows[is_head][at]  # its 户主 row where it has one
    relation = origin.written("relationship")
    id_label = origin.written("household_id")
    for code in np.flatnonzero(head_count != 1):
        household = uniques[code]
        if head_count[code] == 0:
            its = rows_of(code)
            problems.append(origin.problem(
                f"{id_label}「{household}」的户没有户主行（{_rows_text(its)}）：每户应有一行的{relation}为“户主”",
                its[0], "relationship"))
        else:
            found = rows_of(code, is_head)
            problems.append(origin.problem(
                f"{id_label}「{household}」的户有{len(found)}个户主行（{_rows_text(found)}）：每户只能有一个户主",
                found[1], "relationship"))
    columns = [c for c in (*ROSTER_HOUSEHOLD_COLUMNS, *wide_names(persons)) if c in known and c in origin.headers]
    for column in columns:
        values = known[column]
        filled = values.notna().to_numpy()
        counts = values[filled].groupby(codes[filled]).nunique()
        for code in counts.index[counts.to_numpy() > 1]:
            its = rows_of(int(code), filled)
            shown = "、".join(f"第{r}行「{origin.value(r, column)}」" for r in its[:6])
            problems.append(origin.problem(
                f"同一户（{id_label}「{uniques[code]}」）各成员行的{origin.written(column)}不一致：{shown}；"
                "应相同，或只填在户主行", its[1], column))
    if "size" in known and "size" in origin.headers:
        stated = known["size"].groupby(codes).first().reindex(range(n)).to_numpy(dtype="float64", na_value=np.nan)
        for code in np.flatnonzero(~np.isnan(stated) & (stated != sizes)):
            its = rows_of(code)
            problems.append(origin.problem(
                f"{origin.written('size')}为{int(stated[code])}，但人员表中{id_label}「{uniques[code]}」的户有{len(its)}行"
                f"（{_rows_text(its)}）：家庭人口数应等于该户的人数", int(first[code]), "size"))
    taken = known[columns].groupby(codes).first().reindex(range(n))
    by_row = np.argsort(first, kind="stable")  # households in the order of their 户主 rows
    taken = taken.iloc[by_row]
    order = [str(h) for h in uniques[by_row]]
    index = pd.Index(first[by_row], dtype="int64")
    sizes = pd.Series(sizes[by_row], index=order)
    households: dict[str, object] = {"household_id": pd.array(order, dtype=CHECK_DTYPES["id"])}
    for column in HOUSEHOLDS.columns:
        name = column.name
        if name in ("household_id", "size"):
            continue
        if name in columns:
            values = taken[name].to_numpy()
            series = pd.array(values, dtype=CHECK_DTYPES[column.kind])
            if column.default is not None:
                series = pd.Series(series).fillna(column.default).array
            households[name] = series
        elif name == "head_name" and "name" in known:
            households[name] = pd.array(known["name"].reindex(index).to_numpy(), dtype=CHECK_DTYPES["text"])
        elif name == "id_number" and "id_number" in known:
            households[name] = pd.array(known["id_number"].reindex(index).to_numpy(), dtype=CHECK_DTYPES["id"])
        elif not column.omit_if_absent:
            households[name] = pd.array([column.default] * len(order), dtype=CHECK_DTYPES[column.kind])
    households["size"] = pd.array(sizes.to_numpy(), dtype="Int64")
    for column in wide_names(persons):
        if column in columns:
            households[column] = taken[column].to_numpy(dtype="float64")
    wide = wide_names(persons)
    frame = pd.DataFrame(households, index=index)[
        [c.name for c in HOUSEHOLDS.columns if c.name in households] + [c for c in columns if c in wide]
    ]
    table = replace(HOUSEHOLDS, columns=HOUSEHOLDS.columns + tuple(c for c in origin.table.columns if c.name in wide))
    read = {*columns, "household_id", "size"} | ({"head_name"} if "name" in origin.headers else set())
    for column in HOUSEHOLDS.columns:
        if column.always_present and column.name not in read:
            problems.append(Problem(
                file=origin.file, sheet=origin.sheet, row=origin.header_row, column=column.label,
                column_en=column.name,
                message=f"人员表代替户表时，缺少这一列（列名可写作：{'、'.join(column.headers)}）"
                + (f"：即使全部为空也必须有这一列，否则{column.absent_means}" if column.absent_means else ""),
            ))
    numbers = origin.rows.to_numpy()  # ascending

    def cells(column: str):  # noqa: ANN202 - the cell of the household's 户主 row, as the roster holds it
        def at(position: int) -> str | None:
            where = int(np.searchsorted(numbers, index[position]))
            return origin.cells[column](where) if where < len(numbers) and numbers[where] == index[position] else None
        return at

    read_cells = {c: c for c in columns} | {"head_name": "name", "id_number": "id_number", "size": "size"}
    derived = Origin(
        table, origin.file, origin.sheet, origin.header_row, rows=index,
        cells={name: cells(source) for name, source in read_cells.items() if source in origin.cells},
        headers={name: origin.headers[source] for name, source in read_cells.items() if source in origin.headers},
        missing=frozenset(c.name for c in HOUSEHOLDS.columns if c.name not in read and c.name not in ("id_number",)),
    )
    return frame, derived, problems


def size_problems(households: pd.DataFrame, origin: Origin, persons: pd.DataFrame) -> list[Problem]:
    """Households whose 家庭人口数 is not the number of their rows in a roster given beside them."""
    if "size" in origin.missing:
        return []
    counts = persons["household_id"].value_counts()
    have = households["household_id"].map(counts).fillna(0).astype("int64")
    wrong = households["size"].notna() & (households["size"] != have)
    return [
        origin.problem(f"{origin.written('size')}为{int(households.at[row, 'size'])}，但人员表中该户有{int(have[row])}人："
                       "家庭人口数应等于该户在人员表中的行数", int(row), "size")
        for row in households.index[wrong.fillna(False).to_numpy(dtype=bool)]
    ]


def persons_table(persons: pd.DataFrame) -> pd.DataFrame:
    """The roster's person attributes: the household columns (now in households) left out."""
    keep = [c.name for c in PERSONS.columns if c.name not in ROSTER_HOUSEHOLD_COLUMNS and c.name in persons]
    return persons[keep]


# --------------------------------------------------------------------------- wide incomes


def split_wide(frame: pd.DataFrame, origin: Origin) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """The table without its wide income columns, those columns as incomes rows, and their problems.

    The rows: ``household_id``, ``year``, ``per_capita_income`` (blank where
    only components are given), the components given, ``is_estimate`` (the
    header said 预计), and ``source_row``, the table's row, to locate problems;
    one per household and year with some amount. A negative amount is a problem.
    """
    names = wide_names(frame)
    if not names:
        return frame, pd.DataFrame(), []
    from fupin.io.schema import FUTURE_INCOME, YEAR_MAX, YEAR_MIN, current_year

    problems = []
    for name in names:
        wide, values = _parse(name), frame[name]
        filled = frame.index[values.notna().to_numpy()]
        if not YEAR_MIN <= wide.year <= YEAR_MAX or (wide.year > current_year() and not wide.estimate):
            why = (f"表头中的年度应在{YEAR_MIN}到{YEAR_MAX}之间" if not YEAR_MIN <= wide.year <= YEAR_MAX
                   else f"{FUTURE_INCOME.split('：')[0]}：请在表头中写明“预计”（如 {wide.year}年预计人均纯收入）或改正年度")
            problems += [origin.problem(why, int(r), name) for r in filled[:1]]
        negative = (values < 0).fillna(False).to_numpy()
        problems += [origin.problem("应为不小于0的数字（元）", int(r), name) for r in frame.index[negative]]
        huge = (values.abs() >= MONEY_LIMIT).fillna(False).to_numpy()
        problems += [origin.problem(MONEY_TOO_LARGE, int(r), name) for r in frame.index[huge]]
    keys = sorted({(w.year, w.estimate) for w in map(_parse, names)})
    parts = []
    for year, estimate in keys:
        columns = {w.field: n for n in names if (w := _parse(n)).year == year and w.estimate == estimate}
        part = pd.DataFrame({field: frame[n].to_numpy(dtype="float64") for field, n in columns.items()})
        filled = part.notna().any(axis=1).to_numpy()
        part = part.assign(household_id=frame["household_id"].to_numpy(), year=year, is_estimate=estimate,
                           source_row=frame.index.to_numpy(dtype="int64"))[filled]
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True)
    if "per_capita_income" not in rows:
        rows["per_capita_income"] = np.nan
    doubled = rows.duplicated(["household_id", "year"], keep=False) & rows["household_id"].notna()
    for (household, year), group in rows[doubled].groupby(["household_id", "year"], sort=False):
        problems.append(origin.problem(
            f"{year}年的收入既有实际值又有预计值：同一户同一年只能有一个", int(group["source_row"].iloc[0]),
            "household_id", value=household))
    return frame.drop(columns=names), rows, problems


# --------------------------------------------------------------------------- components


def yuan_text(fen: int) -> str:
    """Whole fen as yuan with two decimals, exactly: ``-5`` -> ``-0.05``.

    >>> yuan_text(313333), yuan_text(-5), yuan_text(940001)
    ('3133.33', '-0.05', '9400.01')
    """
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def settle_components(
    rows: pd.DataFrame, sizes: pd.Series, locate, given: pd.Series | None = None,  # noqa: ANN001 - callable
) -> tuple[pd.DataFrame, list[Problem]]:
    """Income rows with ``per_capita_income`` checked against, or derived from, their components.

    ``sizes`` maps household_id to size; ``locate(position, field, message,
    value)`` makes the problem of row ``position`` (0-based in ``rows``) on
    ``field``. Where a row has any component, it must have the four
    incomes (wage, business, property, transfer; 生产经营性支出 blank is 0):
    net = wage + business + property + transfer - business_cost. Where
    ``per_capita_income`` is given, net / size must agree with it within 1
    yuan; where it is blank, it is net / size taken to the fen, half up.
    Rows without components are returned as they are.
    """
    present = [c for c in (*INCOME_COMPONENTS, BUSINESS_COST) if c in rows]
    if not present:
        return rows, []
    problems: list[Problem] = []
    parts = rows[present]
    has = parts.notna().any(axis=1).to_numpy()
    complete = np.ones(len(rows), dtype=bool)
    for field in INCOME_COMPONENTS:
        blank = ~rows[field].notna().to_numpy() if field in rows else np.ones(len(rows), dtype=bool)
        for position in np.flatnonzero(has & blank):
            problems.append(locate(int(position), field, "有收入构成的行应填齐工资性、生产经营性、财产性、转移性收入"
                                   "（没有该项收入的填0）", None))
        complete &= ~blank
    fen = {f: to_fen(rows[f].to_numpy(dtype="float64")) if f in rows else np.zeros(len(rows)) for f in present}
    cost = np.nan_to_num(fen.get(BUSINESS_COST, np.zeros(len(rows))))
    net = sum(fen[f] for f in INCOME_COMPONENTS if f in fen) - cost if complete.any() else np.zeros(len(rows))
    size = rows["household_id"].map(sizes).to_numpy(dtype="float64")
    usable = has & complete & ~np.isnan(size) & (size >= 1)
    income = rows["per_capita_income"].to_numpy(dtype="float64")
    stated = to_fen(income)
    out = income.copy()
    for position in np.flatnonzero(usable):
        n, total = int(size[position]), int(net[position])
        per_capita = (2 * total + n) // (2 * n)  # fen, half up
        if np.isnan(stated[position]):
            if total < 0:
                problems.append(locate(int(position), "per_capita_income",
                                       f"由收入构成算出的纯收入为负（{yuan_text(total)}元）：请核对收入构成", None))
                continue
            out[position] = per_capita / 100
        elif abs(int(stated[position]) * n - total) > AGREEMENT_FEN * n:
            problems.append(locate(
                int(position), "per_capita_income",
                f"人均纯收入{yuan_text(int(stated[position]))}元与收入构成不符：由收入构成算出的人均纯收入为"
                f"{yuan_text(per_capita)}元（纯收入{yuan_text(total)}元÷{n}人），相差超过1元", None))
    return rows.assign(per_capita_income=out), problems
