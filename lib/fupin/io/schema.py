"""What a valid county is: one pandera schema per table plus cross-table rules.

The schemas run on the tables as :mod:`fupin.io.loading` converted them: canonical
English columns, nullable dtypes (:data:`fupin.core.contract.CHECK_DTYPES`: text,
``Int64``, ``float64``, ``boolean``) and an index that *is* the row number the user sees in Excel.
Every failure becomes a :class:`~fupin.core.errors.Problem` in the user's terms
(file, sheet, row, the header they wrote, the value as written). Nothing
stops at the first failure: :func:`check` returns every problem it finds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from fupin.core.contract import (
    CADRES, CHECK_DTYPES, HOUSEHOLDS, ID_PATTERN, INCOMES, TABLES, TEXT_MAX_CHARS, VILLAGES, Column, Table,
)
from fupin.core.errors import Problem
from fupin.core.files import is_reserved_name
from fupin.core.money import MONEY_LIMIT, MONEY_TOO_LARGE
from fupin.core.privacy import masked

#: Plausible calendar years for every year column.
YEAR_MIN, YEAR_MAX = 1980, 2100
YEAR_COLUMNS = frozenset(
    {"registered_year", "exit_year", "returned_year", "village_exit_year", "year"}
)

REQUIRED = "必填，不能为空"
ID_EXPECTED = "应为1到32个字符，只能是英文字母、数字、-或_（如 990101001）"
TOO_LONG = f"文字过长：最多{TEXT_MAX_CHARS}个字符"
CONTROL = "含有控制字符（换行符、制表符或其他不可见字符）：请删除"
FUTURE_INCOME = "年度晚于今年的收入只能是预计值：是否预计应为“是”，否则请改正年度"
BOOL_EXPECTED = "应为是/否（也可写 有/无、√/×、Y/N、true/false、1/0）"
UNASSIGNED = "含有无效字符（未分配的 Unicode 码位或非字符，如 U+FFFF）：请删除"
#: Ids that name report folders and files: a name Windows or macOS cannot hold is refused here, before any run.
NAME_IDS: tuple[tuple[str, str], ...] = (("villages", "township_id"), ("villages", "village_id"))
RESERVED_ID = (
    "不能用作文件或文件夹名（Windows 保留的设备名 CON、PRN、AUX、NUL、COM1–9、LPT1–9，不分大小写）：请改用其他代码"
)

#: What a column expects, where its kind alone says too little.
_EXPECT: dict[str, str] = {
    "size": "应为1到30的整数",
    "population": "应为大于0的整数",
    "per_capita_income": "应为不小于0的数字（元）",
    **{name: f"应为{YEAR_MIN}到{YEAR_MAX}之间的年份（整数）" for name in YEAR_COLUMNS},
}


def expectation(column: Column) -> str:
    """The Chinese message saying what ``column`` expects, e.g. ``应为1到30的整数``.

    Used both when a value cannot be converted (``abc`` in an int column)
    and when a converted value breaks the column's rule (``0`` for ``size``),
    so the user reads one message for one column.
    """
    if column.name in _EXPECT:
        return _EXPECT[column.name]
    return {
        "int": "应为整数",
        "number": "应为数字",
        "bool": BOOL_EXPECTED,
        "enum": "应为以下之一：" + "、".join(column.choices),
        "id": ID_EXPECTED,
    }.get(column.kind, REQUIRED)


def is_identifier(column: Column) -> bool:
    """Whether ``column`` is an identifier (``*_id``) under the id rule; other text, ``id_number``
    included, is a text field (at most 200 characters, no control characters).

    >>> is_identifier(HOUSEHOLDS.column("cadre_id")), is_identifier(HOUSEHOLDS.column("id_number"))
    (True, False)
    """
    return column.kind == "id" and column.name.endswith("_id")


def current_year() -> int:
    """The current calendar year, from today's date: an income row for a later year must be an estimate.

    >>> current_year() >= 2024
    True
    """
    return date.today().year


def _arrow_text(values: pd.Series) -> pyarrow.Array:
    """A text column as an Arrow string array (``null`` where missing), for vectorized checks."""
    return pyarrow.array(values.to_numpy(dtype=object, na_value=None), pyarrow.string(), from_pandas=True)


def _holds(values: pd.Series, test: pyarrow.Array) -> pd.Series:
    """``test`` (Arrow booleans, ``null`` for missing cells) as a check result: missing cells pass."""
    return pd.Series(test.fill_null(True).to_numpy(zero_copy_only=False), index=values.index)


def ids_ok(values: pd.Series) -> pd.Series:
    """Whether each id follows the contract's rule (:data:`~fupin.core.contract.ID_PATTERN`); blanks pass.

    >>> ids_ok(pd.Series(["990101001", "BF-01_a", "../x", "一号", "9" * 33, None], dtype="string")).tolist()
    [True, True, False, False, False, True]
    """
    return _holds(values, pc.match_substring_regex(_arrow_text(values), f"^{ID_PATTERN}$"))


def short_enough(values: pd.Series) -> pd.Series:
    """Whether each text holds at most :data:`~fupin.core.contract.TEXT_MAX_CHARS` characters; blanks pass.

    >>> short_enough(pd.Series(["东风村", "村" * 201, None], dtype="string")).tolist()
    [True, False, True]
    """
    return _holds(values, pc.less_equal(pc.utf8_length(_arrow_text(values)), TEXT_MAX_CHARS))


def no_control(values: pd.Series) -> pd.Series:
    r"""Whether each text is free of control characters (Unicode category Cc); blanks pass.

    >>> no_control(pd.Series(["东风村", "东风\x0b村", "a\x00", "两\n行", None], dtype="string")).tolist()
    [True, False, False, False, True]
    """
    found = pc.match_substring_regex(_arrow_text(values), r"[\x{00}-\x{1f}\x{7f}-\x{9f}]")
    return _holds(values, pc.invert(found))


#: Text made only of characters that are surely assigned (ASCII, Latin-1, Greek, CJK, full-width forms):
#: any other text is checked character by character (:func:`assigned`).
_UNCOMMON = (
    r"[^\x{20}-\x{7e}\x{a0}-\x{377}\x{3000}-\x{303f}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{ff01}-\x{ff9f}]"
)


def assigned(values: pd.Series) -> pd.Series:
    r"""Whether each text holds only assigned characters: no noncharacter (U+FFFF), unassigned or
    surrogate code point, which no report, workbook or Word document can hold; blanks pass.

    >>> assigned(pd.Series(["东风村", "东风\uffff", "\U0010fffe", "\U00020000", None], dtype="string")).tolist()
    [True, False, False, True, True]
    """
    text = _arrow_text(values)
    uncommon = pc.match_substring_regex(text, _UNCOMMON).fill_null(False).to_numpy(zero_copy_only=False)
    ok = np.ones(len(values), dtype=bool)
    if uncommon.any():  # each distinct text once
        texts = values.to_numpy(dtype=object, na_value="")[uncommon]
        bad = {t for t in set(texts) if any(unicodedata.category(c) in ("Cn", "Cs") for c in t)}
        ok[np.flatnonzero(uncommon)] = [t not in bad for t in texts]
    return pd.Series(ok, index=values.index)


@dataclass(frozen=True)
class Origin:
    """Where a table came from, to locate problems as the user sees them.

    ``rows`` holds the user's row number of each kept row, in order; ``cells``
    maps a canonical column name to a function giving the cell at a position
    (0-based, as in ``rows``) as written: text, or ``None`` when blank.
    Cells are looked up only when a problem quotes one, so no table keeps a
    copy of its cells as Python objects. ``headers`` maps a canonical name to
    the header the user wrote; ``missing`` lists the table's columns that
    the file lacks; ``ragged`` the CSV rows wider than the header, whose
    shifted cells are not worth reporting one by one; ``unused`` the
    headers of the file's other columns, which no column of the table reads.
    """

    table: Table
    file: str
    sheet: str | None = None
    header_row: int | None = None
    rows: pd.Index = field(default_factory=lambda: pd.Index([], dtype="int64"))
    cells: Mapping[str, Callable[[int], str | None]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()
    ragged: frozenset[int] = frozenset()
    unused: tuple[str, ...] = ()

    def written(self, column: str) -> str:
        """The header the user wrote for ``column`` (the Chinese label if absent)."""
        return self.headers.get(column, self.table.column(column).label)

    def value(self, row: object, column: str) -> str | None:
        """The cell at ``row``/``column`` as written, stripped; ``None`` when blank."""
        if column not in self.cells:
            return None
        numbers = self.rows.to_numpy()  # ascending
        position = int(np.searchsorted(numbers, row))
        if position >= len(numbers) or numbers[position] != row:
            return None
        cell = self.cells[column](position)
        text = None if cell is None else str(cell).strip()
        return text or None

    def problem(
        self, message: str, row: int | None = None, column: str | None = None,
        value: object = None,
    ) -> Problem:
        """A :class:`Problem` located in this table; ``value`` defaults to the cell,
        masked when the column holds personal data (:func:`fupin.core.privacy.masked`)."""
        if column is not None and value is None and row is not None:
            value = self.value(row, column)
        if column is not None:
            value = masked(column, value)
        return Problem(
            file=self.file,
            sheet=self.sheet,
            row=None if row is None else int(row),
            column=None if column is None else self.written(column),
            column_en=column,
            value=value,
            message=message,
        )


# ---------------------------------------------------------------------------
# The declarative part: one schema per table.


def _column(table: Table, name: str, *checks: pa.Check) -> pa.Column:
    """A pandera column for ``table.name``: dtype by kind, required = not nullable.

    Every check carries the column's :func:`expectation` as its error; enum
    columns get their ``isin`` check from :mod:`fupin.core.contract`.
    """
    col = table.column(name)
    message = expectation(col)
    rules = [_with_error(c, message) for c in checks]
    if col.kind == "enum":
        rules.append(_with_error(pa.Check.isin(list(col.choices)), message))
    if name in YEAR_COLUMNS:
        rules.append(_with_error(pa.Check.in_range(YEAR_MIN, YEAR_MAX), message))
    if is_identifier(col):
        rules.append(pa.Check(ids_ok, error=ID_EXPECTED))
    elif col.kind in ("id", "text"):
        rules += [
            pa.Check(short_enough, error=TOO_LONG), pa.Check(no_control, error=CONTROL),
            pa.Check(assigned, error=UNASSIGNED),
        ]
    if col.kind == "number":
        rules.append(pa.Check(lambda s: s.abs() < MONEY_LIMIT, error=MONEY_TOO_LARGE))
    return pa.Column(
        CHECK_DTYPES[col.kind],
        rules,
        nullable=not col.required,
        required=not col.omit_if_absent,
    )


def _with_error(check: pa.Check, message: str) -> pa.Check:
    """``check`` whose failure message is ``message``."""
    check.error = message
    return check


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row, reported on ``column``."""

    column: str
    message: str
    holds: Callable[[pd.DataFrame], pd.Series]
    #: The other columns it reads: a file without one of them is not judged by the rule.
    reads: tuple[str, ...] = ()

    def check(self) -> pa.Check:
        """The rule as a pandera dataframe check (missing values pass)."""
        return pa.Check(
            lambda df: self.holds(df).fillna(True).astype(bool),
            error=self.message,
            ignore_na=False,
        )


VILLAGE_RULES: tuple[RowRule, ...] = (
    RowRule(
        "village_exit_year", "只有贫困村才有出列年度",
        lambda df: df["village_exit_year"].isna() | df["is_poor_village"],
    ),
)

HOUSEHOLD_RULES: tuple[RowRule, ...] = (
    RowRule(
        "exit_year", "脱贫年度不应早于识别年度",
        lambda df: df["exit_year"] >= df["registered_year"],
        reads=("registered_year",),
    ),
    RowRule(
        "returned_year", "返贫年度应晚于脱贫年度",
        lambda df: df["returned_year"] > df["exit_year"],
        reads=("exit_year",),
    ),
    RowRule(
        "returned_year", "有返贫年度的户应有脱贫年度",
        lambda df: df["returned_year"].isna() | df["exit_year"].notna(),
        reads=("exit_year",),
    ),
)

INCOME_RULES: tuple[RowRule, ...] = (
    RowRule(
        "year", FUTURE_INCOME,
        lambda df: df["is_estimate"] | (df["year"] <= current_year()),
    ),
)

RULES: dict[str, tuple[RowRule, ...]] = {
    "villages": VILLAGE_RULES, "households": HOUSEHOLD_RULES, "incomes": INCOME_RULES, "cadres": (),
}


def _schema(table: Table, special: dict[str, tuple[pa.Check, ...]]) -> pa.DataFrameSchema:
    """The schema of ``table``: every column, its ``special`` checks, its row rules."""
    return pa.DataFrameSchema(
        {c.name: _column(table, c.name, *special.get(c.name, ())) for c in table.columns},
        checks=[rule.check() for rule in RULES[table.name]],
        name=table.name,
    )


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "villages": _schema(VILLAGES, {"population": (pa.Check.gt(0),)}),
    "households": _schema(HOUSEHOLDS, {"size": (pa.Check.in_range(1, 30),)}),
    "incomes": _schema(INCOMES, {"per_capita_income": (pa.Check.ge(0),)}),
    "cadres": _schema(CADRES, {}),
}

#: Foreign keys: (table, column) must exist in (parent table, its column).
FOREIGN_KEYS: tuple[tuple[str, str, str], ...] = (
    ("households", "village_id", "villages"),
    ("incomes", "household_id", "households"),
    ("households", "cadre_id", "cadres"),
)


# ---------------------------------------------------------------------------
# Running the rules.


def check(
    frames: dict[str, pd.DataFrame],
    origins: dict[str, Origin],
    skip: frozenset[tuple[str, int, str]] = frozenset(),
) -> list[Problem]:
    """Every problem of the converted ``frames``, per table then across tables.

    ``frames`` holds the tables that could be read (a table that could not
    be read is simply absent and its dependent rules are skipped). ``skip``
    names cells (table, row, column) already reported as unconvertible, so
    they are not reported again as blank.
    """
    problems: list[Problem] = []
    for name, frame in frames.items():
        problems += schema_problems(frame, origins[name], skip)
        problems += key_problems(frame, origins[name])
    problems += foreign_key_problems(frames, origins)
    if "villages" in frames:
        problems += township_problems(frames["villages"], origins["villages"])
    for table, column in NAME_IDS:
        if table in frames:
            problems += name_problems(frames[table], origins[table], column, skip)
    if "households" in frames:
        problems += status_problems(frames["households"], origins["households"], skip)
    return problems


def schema_problems(
    frame: pd.DataFrame, origin: Origin, skip: frozenset[tuple[str, int, str]] = frozenset()
) -> list[Problem]:
    """The failures of the table's pandera schema (lazy: all of them), as problems."""
    table = origin.table.name
    try:
        SCHEMAS[table].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    targets = {rule.message: rule.column for rule in RULES[table]}
    unjudged = {rule.message for rule in RULES[table] if origin.missing.intersection(rule.reads)}
    unconverted = {row for name, row, _ in skip if name == table}
    problems = []
    seen: set[tuple[object, str, str]] = set()
    for case in cases.itertuples(index=False):
        row = None if pd.isna(case.index) else int(case.index)
        column = targets.get(case.check, case.column)
        message = REQUIRED if case.check == "not_nullable" else str(case.check)
        if (table, row, column) in skip or column in origin.missing:
            continue
        if case.check in targets and row in unconverted:  # a row rule on a value not read
            continue
        if case.check in unjudged:  # a row rule on a column the file lacks (reported as missing)
            continue
        if (row, column, message) in seen:
            continue
        seen.add((row, column, message))
        problems.append(origin.problem(message, row, column))
    return problems


def key_problems(frame: pd.DataFrame, origin: Origin) -> list[Problem]:
    """Rows whose key repeats an earlier row's: ``户编号重复（另见第7行）``."""
    key = list(origin.table.key)
    if not key or origin.missing.intersection(key):
        return []
    keyed = frame[key]
    complete = keyed.notna().all(axis=1)
    if not complete.all():
        keyed = keyed[complete]
    repeated = keyed.duplicated(keep=False)  # only rows whose key repeats need their first row
    if not repeated.any():
        return []
    keyed = keyed[repeated]
    first = keyed.index.to_series(index=keyed.index).groupby(
        [keyed[k] for k in key], sort=False
    ).transform("min")
    repeats = first[first != first.index]
    headers = "与".join(origin.written(k) for k in key)
    return [
        origin.problem(
            f"{headers}重复（另见第{int(earlier)}行）",
            int(row),
            key[-1],
            value="、".join(str(origin.value(row, k)) for k in key),
        )
        for row, earlier in repeats.items()
    ]


def foreign_key_problems(
    frames: dict[str, pd.DataFrame], origins: dict[str, Origin]
) -> list[Problem]:
    """Rows naming a village, household or cadre the parent table does not hold."""
    problems = []
    for child, column, parent in FOREIGN_KEYS:
        if child not in frames or parent not in frames:
            continue
        if column in origins[child].missing or column in origins[parent].missing:
            continue
        values = frames[child][column]
        unknown = values[values.notna() & ~values.isin(frames[parent][column])]
        label = TABLES[parent].label
        problems += [
            origins[child].problem(
                f"{origins[child].written(column)}在{label}中不存在", int(row), column
            )
            for row in unknown.index
        ]
    return problems


def township_problems(villages: pd.DataFrame, origin: Origin) -> list[Problem]:
    """Villages whose township id already has another township name."""
    if origin.missing.intersection({"township_id", "township_name"}):
        return []
    named = villages[["township_id", "township_name"]].dropna().assign(_row=lambda df: df.index)
    first = named.groupby("township_id", sort=False)[["township_name", "_row"]].transform("first")
    clash = named[named["township_name"] != first["township_name"]]
    return [
        origin.problem(
            f"{origin.written('township_id')}「{r.township_id}」已对应乡镇名称"
            f"「{first.at[idx, 'township_name']}」（第{int(first.at[idx, '_row'])}行），"
            "同一乡镇只能有一个名称",
            int(idx),
            "township_name",
        )
        for idx, r in clash.iterrows()
    ]


def name_problems(
    frame: pd.DataFrame, origin: Origin, column: str, skip: frozenset[tuple[str, int, str]] = frozenset()
) -> list[Problem]:
    """Ids that become folder and file names but cannot: Windows device names (``NUL``), and ids
    that differ only by case (``A1``, ``a1``: one folder on Windows and macOS).

    Each distinct id is reported once, at its first row; ids that break the id rule are left to it.
    """
    if column in origin.missing or column not in frame:
        return []
    values = frame[column].dropna()
    values = values[ids_ok(values)]
    first = values[~values.duplicated()]  # each id at its first row
    label = origin.written(column)
    problems = [
        origin.problem(RESERVED_ID, int(row), column) for row, value in first.items() if is_reserved_name(value)
    ]
    folded = first.str.casefold()
    earlier = folded.duplicated()
    owner = {key: (int(row), str(first[row])) for row, key in folded[~earlier].items()}
    for row in folded.index[earlier.to_numpy()]:
        other_row, other = owner[folded[row]]
        problems.append(origin.problem(
            f"与第{other_row}行的{label}「{other}」只有大小写不同：在 Windows 和 macOS 上会写入同一个报告文件夹或文件，"
            "请改为不同的代码",
            int(row), column,
        ))
    return [p for p in problems if (origin.table.name, p.row, column) not in skip]


def status_problems(
    frame: pd.DataFrame, origin: Origin, skip: frozenset[tuple[str, int, str]] = frozenset()
) -> list[Problem]:
    """Households whose stated status (``exit_status``) disagrees with their years.

    已脱贫 needs an exit_year and no returned_year; 未脱贫 has no exit_year
    unless it returned (a returned_year); 返贫 needs a returned_year. Rows
    whose years could not be read, and tables without the year columns, are
    left to the problems already reported.
    """
    if "exit_status" not in frame or origin.missing.intersection({"exit_year", "exit_status"}):
        return []
    label = origin.written("exit_status")
    exit_label, return_label = origin.written("exit_year"), origin.written("returned_year")
    status = frame["exit_status"]
    exited, returned = frame["exit_year"].notna(), frame["returned_year"].notna()
    rules = (
        ("已脱贫", ~exited, f"{label}为“已脱贫”，但{exit_label}为空：请填写{exit_label}或改正{label}"),
        ("已脱贫", returned, f"{label}为“已脱贫”，但有{return_label}：返贫户应为“返贫”"),
        ("未脱贫", exited & ~returned, f"{label}为“未脱贫”，但有{exit_label}：请删除{exit_label}或改正{label}"),
        ("返贫", ~returned, f"{label}为“返贫”，但{return_label}为空：请填写{return_label}或改正{label}"),
    )
    unread = {row for name, row, col in skip if name == "households" and col in ("exit_year", "returned_year")}
    problems = []
    for value, wrong, message in rules:
        rows = frame.index[((status == value).fillna(False) & wrong).to_numpy()]
        problems += [origin.problem(message, int(row), "exit_status") for row in rows if int(row) not in unread]
    return sorted(problems, key=lambda p: p.row or 0)
