"""The figures' parameters, read and checked in one place.

The report notebook and ``fupin run`` both go through
:func:`report_parameters`: values arrive as Python values (``-y``, ``fupin
run``), as numbers papermill guessed (``-p poverty_line 4000``) or as text
(``-r``, or ``-p bands "[4000,4500]"`` which papermill passes as a string).
Each is read into its one type, every problem is collected, and one
:class:`~fupin.core.errors.ParameterError` lists them all.

When the bands are not given they follow the poverty line: ``(L, L + 500)``,
the seed report's pattern (3,500 and 4,000 for the default line). Definitions
of every parameter: docs/data.md.

The result is one frozen :class:`Parameters`: the year Y and every figure
parameter, read and checked together (the monitoring-line table is checked
against T = Y + 1). :func:`fupin.figures.analysis.analyse` takes it as it is;
:func:`fupin.figures.analysis.Analysis.metrics` and the notebook build it here.

Every number is checked the same way: NaN, infinities and subnormal floats
(``1e-320``) are refused as such, then each parameter's own range applies
(money below :data:`MAX_LINE` or :data:`MAX_COLLECTIVE_INCOME_LINE`, shares
from :data:`MIN_SHARE`). :func:`check_injected_names` refuses, in the
notebook, a parameter name papermill injected that its parameters cell does
not declare (papermill itself only warns).
"""

from __future__ import annotations

import ast
import csv
import difflib
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin.core.config import (
    BAND_STEP,
    DEFAULT_COLLECTIVE_INCOME_EXIT,
    DEFAULT_COLLECTIVE_INCOME_LINE,
    DEFAULT_GROWTH,
    DEFAULT_INCOME_DROP_SHARE,
    DEFAULT_INDUSTRY_COVERAGE_LINE,
    DEFAULT_POVERTY_LINE,
    DEFAULT_VILLAGE_THRESHOLD,
    MONITORING_FACTOR,
    REFERENCE_DIR,
)
from fupin.core.errors import ParameterError

#: How a parameter is named in a message: ``spell(name, value)``.
Spelling = Callable[[str, object], str]


#: A per-person line (poverty line, band edge, monitoring line, a year's line) is below this
#: many yuan per person per year: far above any real line, small enough that money in fen stays exact.
MAX_LINE = 1_000_000.0
#: The village collective-income standard is below this many yuan per year (10亿).
MAX_COLLECTIVE_INCOME_LINE = 1_000_000_000.0
#: The smallest share a threshold may be (0.01%): below it no count of people could differ.
MIN_SHARE = 0.0001
#: Years a parameter may name.
FIRST_YEAR, LAST_YEAR = 1980, 2100
#: ``poverty_lines="national"``: the national rural lines by year bundled with the project.
NATIONAL_LINES = REFERENCE_DIR / "poverty_lines.csv"
#: The comment papermill puts on the first line of the cell it injects (``injected-parameters``).
INJECTED_HEADER = "# Parameters"


@dataclass(frozen=True)
class Declared:
    """One figure parameter, declared once: everything else is made from this.

    ``name`` is the notebook's and papermill's name (``-p name=value``); ``kind`` its type in the
    notebook's parameters cell; ``default`` its value when not given; ``label`` how 数据说明 names it
    (with the unit its values are shown in); ``help`` the notebook cell's comment, which
    ``papermill --help-notebook`` prints and ``fupin run --help`` shows; ``option`` the
    ``fupin run`` option that sets it (None: set with ``-p``).
    """

    name: str
    kind: str
    default: Any
    label: str
    help: str
    option: str | None = None

    @property
    def spelling(self) -> str:
        """How ``fupin run`` sets it: ``--poverty-line``, or ``-p monitoring_line``."""
        return self.option or f"-p {self.name}"


#: The figures' parameters, each declared once, in the order the notebook's parameters cell, 数据说明
#: and docs/notebooks.md list them. The CLI options, the checks (:func:`report_parameters`), the
#: notebook's parameters cell and its ``--help-notebook``, docs/notebooks.md and 数据说明 all come
#: from here, and tests/test_parameter_declaration.py fails when one of them disagrees.
PARAMETERS: tuple[Declared, ...] = (
    Declared("year", "int", 2018, "统计年度",
             "统计年度 Y：按 Y 年底状态统计，预测 Y+1 年", "--year"),
    Declared("poverty_line", "float", DEFAULT_POVERTY_LINE, "贫困线（元/人·年）",
             "贫困线 L（元/人·年）", "--poverty-line"),
    Declared("poverty_lines", "object", None, "各年贫困线（元/人·年，核查往年脱贫）",
             "各年贫困线（元/人·年），如 {2016: 3000, 2017: 3200} 或 \"2016:3000,2017:3200\"、\"national\"："
             "已脱贫户按脱贫当年的贫困线核查；None 为各年均按 L", "--poverty-lines"),
    Declared("bands", "object", None, "收入分组边界（元/人·年）",
             "收入分组边界 E（升序，元/人·年），如 [3500, 4000] 或 \"3500,4000\"；None 为 L 与 L+500", "--bands"),
    Declared("growth", "float", DEFAULT_GROWTH, "收入年增长率",
             "收入年增长率 g：缺当年收入时按最近一年收入递推", "--growth"),
    Declared("village_threshold", "float", DEFAULT_VILLAGE_THRESHOLD, "贫困村出列标准（贫困发生率）",
             "贫困村出列的贫困发生率标准 V（西部省份 0.03）", "--village-threshold"),
    Declared("monitoring_line", "object", None, "防返贫监测收入线（元/人·年）",
             "防返贫监测收入线（元/人·年）：None 取贫困线的1.5倍；或一个数；或按年度的表，如 {2019: 5250, 2020: 6000}"),
    Declared("income_drop_share", "float", DEFAULT_INCOME_DROP_SHARE, "收入下降监测比例（较脱贫当年）",
             "已脱贫户收入较脱贫当年下降超过此比例即列为监测户（0.3 即30%）"),
    Declared("collective_income_line", "float", DEFAULT_COLLECTIVE_INCOME_LINE, "村集体经济收入标准（元/年）",
             "村集体经济收入标准 C（元/年）：低于它为集体经济薄弱村", "--collective-income-line"),
    Declared("collective_income_exit", "bool", DEFAULT_COLLECTIVE_INCOME_EXIT, "村集体经济达标作为贫困村出列条件",
             "True：集体经济薄弱或未填报的未出列贫困村不能出列（村集体经济收入未达标）"),
    Declared("industry_coverage_line", "float", DEFAULT_INDUSTRY_COVERAGE_LINE, "产业帮扶覆盖率标准",
             "产业帮扶覆盖率标准：未脱贫户覆盖率低于它的村列入存在问题（0.8 即80%）", "--industry-coverage-line"),
)
DECLARED = {p.name: p for p in PARAMETERS}
#: The notebook parameters that are not figures' parameters: which area, which data, where the lists go.
AREA_PARAMETERS = ("township_id", "data", "output_dir")


def spell_option(name: str, value: object) -> str:
    """A parameter as the user typed it to ``fupin run``: ``--poverty-line -1``, ``-p income_drop_share=1.5``.

    >>> spell_option("bands", (4000.0, 3500.0)), spell_option("income_drop_share", 1.5)
    ('--bands 4000,3500', '-p income_drop_share=1.5')
    """
    option = DECLARED[name].option if name in DECLARED else None
    if option:
        shown = ",".join(f"{b:g}" for b in value) if isinstance(value, (list, tuple)) else value
        return f"{option} {shown}"
    return f"-p {name}={value}"


def option_name(name: str) -> str:
    """How ``fupin run`` sets a notebook parameter: ``--poverty-line``, or ``-p name``.

    >>> option_name("poverty_line"), option_name("monitoring_line"), option_name("township_id")
    ('--poverty-line', '-p monitoring_line', '-p township_id')
    """
    return DECLARED[name].spelling if name in DECLARED else f"-p {name}"


def _as_written(name: str, value: object) -> str:
    return f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}"


@dataclass(frozen=True)
class Parameters:
    """The checked parameters of one report: the year Y and every figure parameter.

    Built and checked by :func:`report_parameters` only (the one place); frozen,
    so an :class:`fupin.figures.analysis.Analysis` and everything shown from it use the
    same values. ``bands`` are the edges in use (following the line when
    ``bands_follow_line``); ``monitoring_line`` is None (1.5 × L), a number or
    a table {year: line}.
    """

    year: int
    poverty_line: float = DEFAULT_POVERTY_LINE
    poverty_lines: dict[int, float] | None = None  # the lines by year L(t), ascending years; None: L for all
    bands: tuple[float, ...] = ()
    growth: float = DEFAULT_GROWTH
    village_threshold: float = DEFAULT_VILLAGE_THRESHOLD
    monitoring_line: float | dict[int, float] | None = None
    income_drop_share: float = DEFAULT_INCOME_DROP_SHARE
    collective_income_line: float = DEFAULT_COLLECTIVE_INCOME_LINE
    collective_income_exit: bool = DEFAULT_COLLECTIVE_INCOME_EXIT
    industry_coverage_line: float = DEFAULT_INDUSTRY_COVERAGE_LINE
    bands_follow_line: bool = True  # bands not given: (L, L + 500)

    def as_dict(self) -> dict[str, Any]:
        """Every declared parameter (:data:`PARAMETERS`, in order) with its value in use: what 数据说明 lists
        (:func:`fupin.report.tables.run_info`) and what ``metrics.json`` records."""
        return {d.name: list(self.bands) if d.name == "bands" else getattr(self, d.name) for d in PARAMETERS}

    def notebook_values(self) -> dict[str, Any]:
        """The values papermill passes to the report notebook (``fupin run``): every parameter that has a
        ``fupin run`` option (``bands`` as the edges in use), the others only where they differ from the
        default, so that a notebook (``--notebooks``) declaring only those runs as before.

        >>> report_parameters(year=2018, poverty_line=4000, income_drop_share=0.25).notebook_values()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'year': 2018, 'poverty_line': 4000.0, 'bands': [4000.0, 4500.0], 'growth': 0.0, 'village_threshold': 0.02,
         'income_drop_share': 0.25, 'collective_income_line': 50000.0, 'industry_coverage_line': 0.8}
        """
        values = self.as_dict()
        return {d.name: values[d.name] for d in PARAMETERS
                if (d.option and values[d.name] is not None) or (not d.option and values[d.name] != d.default)}

    @property
    def target_year(self) -> int:
        """T = Y + 1."""
        return self.year + 1

    def line_in(self, year: int) -> float:
        """L(t), the line a rule about year ``year`` uses (:func:`line_of_year`)."""
        return line_of_year(year, self.poverty_lines, self.poverty_line)

    def monitoring(self) -> dict[str, Any]:
        """The monitoring line for T and where it came from (:func:`choose_monitoring_line`)."""
        return choose_monitoring_line(self.monitoring_line, self.poverty_line, self.target_year)


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


def line_of_year(year: float, table: Mapping[int, float] | None, poverty_line: float) -> float:
    """L(t): the line of year t in ``table``, else of the latest earlier year in it, else L.

    The report's own projection uses L; every rule about a past year (income at
    exit against the line) uses L(t), so that a what-if line for next year never
    re-judges past exits.

    >>> table = {2016: 3000.0, 2018: 3500.0}
    >>> [line_of_year(t, table, 4000.0) for t in (2015, 2016, 2017, 2018, 2019)]
    [4000.0, 3000.0, 3000.0, 3500.0, 3500.0]
    >>> line_of_year(2016, None, 4000.0)
    4000.0
    """
    earlier = [y for y in (table or {}) if y <= year]
    return float(table[max(earlier)]) if earlier else float(poverty_line)


def national_poverty_lines(path: Path | None = None) -> dict[int, float]:
    """The national rural poverty lines by year bundled with the project (``data/reference/poverty_lines.csv``).

    >>> lines = national_poverty_lines()
    >>> lines[2016], lines[2020]
    (2952.0, 4000.0)
    """
    with open(path or NATIONAL_LINES, encoding="utf-8", newline="") as f:
        return {int(row["year"]): float(row["nbs_line_yuan"]) for row in csv.DictReader(f)}


def default_bands(poverty_line: float) -> tuple[float, ...]:
    """The bands used when none are given: the line and the line plus 500 yuan.

    >>> default_bands(3500), default_bands(4000)
    ((3500.0, 4000.0), (4000.0, 4500.0))
    """
    return (float(poverty_line), float(poverty_line) + BAND_STEP)


def parse_numbers(value: object) -> tuple[float, ...]:
    """A list of numbers from a list, one number, or text such as ``"[4000, 4500]"`` or ``"4000,4500"``.

    Full-width commas and ``、`` separate too. Raises ValueError for anything else.

    >>> parse_numbers("[4000, 4500]"), parse_numbers("4000，4500"), parse_numbers([3500, "4000"])
    ((4000.0, 4500.0), (4000.0, 4500.0), (3500.0, 4000.0))
    """
    if isinstance(value, str):
        text = value.strip().strip("[]()（）").replace("，", ",").replace("、", ",")
        items: list[object] = [x for x in text.split(",") if x.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    return tuple(_number(x) for x in items)


def _number(value: object) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"不是数字：{value}")
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ValueError(f"不是数字：{value}") from None
    raise ValueError(f"不是数字：{value}")


def _whole(value: object) -> int:
    number = _number(value)
    if not number.is_integer():
        raise ValueError(f"不是整数：{value}")
    return int(number)


def _flag(value: object) -> bool:
    """True/False, also as text (``true``/``false``, ``是``/``否``, ``1``/``0``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "是", "1", "yes", "y"}:
        return True
    if text in {"false", "否", "0", "no", "n"}:
        return False
    raise ValueError(f"不是 true/false：{value}")


def _monitoring(value: object) -> float | dict[int, float] | None:
    """None, a number, or a table {year: line}; text is read as YAML (``"{2019: 5250}"``), or as
    the table of lines by year is (``"2021:6000,2022:6300"``, :func:`_lines_table`).

    >>> _monitoring("2022：6300，2021:6000"), _monitoring("6000"), _monitoring("{2019: 5250}")
    ({2021: 6000.0, 2022: 6300.0}, 6000.0, {2019: 5250.0})
    """
    if isinstance(value, str):
        import yaml

        text = value.strip()
        if ":" in text.replace("：", ":"):
            return _lines_table(text)
        value = None if text.lower() in {"", "none", "null"} else yaml.safe_load(text)
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {_whole(k): _number(v) for k, v in value.items()}
    return _number(value)


def _lines_table(value: object) -> dict[int, float] | None:
    """None, a table {year: line}, ``"national"`` (:func:`national_poverty_lines`) or text:
    ``"2016:3000,2017:3200"`` (full-width ``：`` and ``，`` too) or YAML ``"{2016: 3000}"``.

    >>> _lines_table("2017:3200，2016：3000")
    {2016: 3000.0, 2017: 3200.0}
    >>> _lines_table("{2016: 3000}"), _lines_table(" none ")
    ({2016: 3000.0}, None)
    >>> _lines_table("2016:3000,2016:3100")
    Traceback (most recent call last):
    ...
    ValueError: 2016年出现了两次
    """
    if isinstance(value, str):
        text = value.strip().replace("：", ":").replace("，", ",").replace("、", ",")
        if text.lower() in {"", "none", "null"}:
            return None
        if text.lower() == "national":
            return national_poverty_lines()
        if text.startswith("{"):
            import yaml

            try:
                value = yaml.safe_load(text)
            except yaml.YAMLError:
                raise ValueError(f"无法读成按年度的表：{value}") from None
        else:
            pairs = [item.partition(":") for item in text.split(",") if item.strip()]
            if not pairs or any(not sep for _, sep, _ in pairs):
                raise ValueError(f"应写成 年度:贫困线，如 2016:3000,2017:3200：{value}")
            return _year_table([(year, line) for year, _, line in pairs])
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"不是按年度的表：{value}")
    return _year_table(list(value.items()))


def _year_table(items: list[tuple[object, object]]) -> dict[int, float]:
    table: dict[int, float] = {}
    for k, v in items:
        year = _whole(k)
        if year in table:
            raise ValueError(f"{year}年出现了两次")
        table[year] = _number(v)
    return dict(sorted(table.items()))


def _numbers_in(value: object) -> Iterable[float]:
    """Every number a parameter's value holds (a number, a list, a table's keys and values)."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _numbers_in(k)
            yield from _numbers_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _numbers_in(v)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        yield float(value)


def unusable_number(value: object) -> str | None:
    """Why a parameter's value holds a number no computation can use, or None.

    NaN, an infinity and a subnormal float (``1e-320``: nonzero, but below the
    smallest normal float, so that no exact share or fen can be made of it).

    >>> unusable_number(0.02), unusable_number(float("nan")), unusable_number([3500, 1e-320])
    (None, '不是数（NaN）', '数值过小（1e-320：不为0的数，绝对值不能小于 2.2e-308）')
    """
    for x in _numbers_in(value):
        if math.isnan(x):
            return "不是数（NaN）"
        if math.isinf(x):
            return "不能是无穷大"
        if x != 0 and abs(x) < sys.float_info.min:
            return f"数值过小（{x!r}：不为0的数，绝对值不能小于 {sys.float_info.min:.1e}）"
    return None


def _money(limit: float) -> str:
    return f"{limit:,.0f}"


def close_name(name: str, declared: Iterable[str]) -> str:
    """`` （是否想写 X？）`` naming the declared name closest to ``name``, or ``""``.

    >>> close_name("povrety_line", ["poverty_line", "poverty_lines", "year"])
    '（是否想写 poverty_line？）'
    """
    match = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
    return f"（是否想写 {match[0]}？）" if match else ""


def unknown_parameter_problems(names: Iterable[str], declared: Iterable[str], *, where: str = "报告笔记本") -> list[str]:
    """One problem per name in ``names`` that ``declared`` lacks, each with the closest declared name.

    >>> unknown_parameter_problems(["povrety_line", "year"], ["poverty_line", "year"])
    ['povrety_line：报告笔记本的参数单元没有这个参数（是否想写 poverty_line？）']
    """
    declared = set(declared)
    return [f"{name}：{where}的参数单元没有这个参数{close_name(name, declared)}"
            for name in sorted(set(names) - declared)]


def assigned_names(source: str) -> set[str]:
    r"""The names a cell's top-level assignments set (``a = 1``, ``b: int = 2``, ``c = d = 3``), as papermill's cell.

    >>> sorted(assigned_names("# Parameters\nyear = 2019\nbands: object = None\na = b = 1\n"))
    ['a', 'b', 'bands', 'year']
    """
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def check_injected_names(history: Sequence[str] | None = None) -> None:
    r"""Refuse a parameter name papermill injected that the notebook's parameters cell does not declare.

    Called first thing in the cell after the ``parameters`` cell. papermill runs
    the ``parameters`` cell, then the cell it injected (its first line is
    :data:`INJECTED_HEADER`), then this one: ``history`` (the kernel's inputs,
    IPython's ``In``, by default) then ends with those three. Each name the
    injected cell assigns must be one the parameters cell assigns, else a
    :class:`ParameterError` names it with the closest declared name
    (``papermill -p povrety_line 4000`` would otherwise give a report at the
    default line). papermill's own ``PAPERMILL_*`` names (``--inject-paths``)
    are allowed. Run interactively (JupyterLab, top to bottom) no injected cell
    comes just before, and nothing is checked; an executed notebook opened
    again holds its injected cell, which is checked as papermill's run was.

    >>> params = "year: int = 2018\npoverty_line: float = 3500.0\n"
    >>> check_injected_names(["", params, "# Parameters\npoverty_line = 4000\n", "check_injected_names()"])
    >>> check_injected_names(["", params, "# Parameters\npovrety_line = 4000\n", "check_injected_names()"])
    Traceback (most recent call last):
    ...
    fupin.core.errors.ParameterError: 参数有误：povrety_line：报告笔记本的参数单元没有这个参数（是否想写 poverty_line？）
    """
    if history is None:
        try:
            from IPython import get_ipython
        except ImportError:  # plain Python: papermill always runs a kernel
            return
        shell = get_ipython()
        if shell is None:
            return
        history = list(shell.user_ns.get("In") or [])
    history = [str(h) for h in history]
    if len(history) < 3 or not history[-2].lstrip().startswith(INJECTED_HEADER):
        return
    try:
        injected, declared = assigned_names(history[-2]), assigned_names(history[-3])
    except SyntaxError:
        return  # not papermill's cells (papermill writes plain assignments)
    unknown = {n for n in injected if not n.startswith("PAPERMILL_")}
    problems = unknown_parameter_problems(unknown, declared)
    if problems:
        raise ParameterError(problems)


def report_parameters(*, spell: Spelling = _as_written, **given: object) -> Parameters:
    """Read and check the figures' parameters (:data:`PARAMETERS`); every problem at once in one ParameterError.

    ``given`` are values by name (``year`` is required); a parameter not given takes its declared
    default, and a name not declared is refused with the closest declared one.

    ``bands`` None (or empty) follows the line: :func:`default_bands`.
    ``poverty_lines`` is the table of lines by year (:func:`line_of_year`):
    None, a table {year: line}, text ``"2016:3000,2017:3200"`` or
    ``"national"`` (:func:`national_poverty_lines`).
    ``spell(name, value)`` names a parameter in messages the way the user
    wrote it (``poverty_line=-1`` in a notebook, ``--poverty-line -1`` for
    ``fupin run``).

    >>> p = report_parameters(year="2018", poverty_line=4000, bands="")
    >>> p.bands, p.bands_follow_line
    ((4000.0, 4500.0), True)
    >>> report_parameters(year=2018, bands="[4500, 4000]")
    Traceback (most recent call last):
    ...
    fupin.core.errors.ParameterError: 参数有误：bands='[4500, 4000]'：收入分组边界应严格升序（数字，如 [3500, 4000]）
    """
    problems: list[str] = []
    unknown = sorted(set(given) - set(DECLARED))
    problems += [f"{name}：没有这个参数{close_name(name, DECLARED)}" for name in unknown]
    if "year" not in given:
        problems.append("year：请给出统计年度")
    values = {d.name: given.get(d.name, d.default) for d in PARAMETERS}
    year, poverty_line, bands, growth = (values[k] for k in ("year", "poverty_line", "bands", "growth"))
    village_threshold, monitoring_line, income_drop_share = (
        values[k] for k in ("village_threshold", "monitoring_line", "income_drop_share"))
    collective_income_line, collective_income_exit, industry_coverage_line, poverty_lines = (
        values[k] for k in ("collective_income_line", "collective_income_exit", "industry_coverage_line",
                            "poverty_lines"))

    def read(name: str, raw: object, convert: Callable[[object], Any], ok: Callable[[Any], bool], rule: str,
             *, why: bool = False) -> Any:
        """``convert(raw)`` when usable and ``ok``; else one problem naming the real cause."""
        try:
            value = convert(raw)
        except (TypeError, ValueError, ArithmeticError) as exc:
            problems.append(f"{spell(name, raw)}：{rule}" + (f"（{exc}）" if why else ""))
            return None
        cause = unusable_number(value)
        if cause is None and ok(value):
            return value
        problems.append(f"{spell(name, raw)}：{cause or rule}")
        return None

    y = read("year", year, _whole, lambda v: FIRST_YEAR <= v <= LAST_YEAR,
             f"年度应为{FIRST_YEAR}到{LAST_YEAR}之间的整数")
    line = read("poverty_line", poverty_line, _number, lambda v: 0 < v < MAX_LINE,
                f"贫困线应为正数且小于{_money(MAX_LINE)}（元/人·年）")
    follow = bands is None or bands == "" or bands == [] or bands == ()
    if follow:
        edges = default_bands(line) if line is not None else ()
    else:
        edges = read("bands", bands, parse_numbers, lambda v: bool(v) and all(a < b for a, b in zip(v, v[1:])),
                     "收入分组边界应严格升序（数字，如 [3500, 4000]）")
        if edges is not None and not all(-MAX_LINE < e < MAX_LINE for e in edges):
            problems.append(f"{spell('bands', bands)}：收入分组边界应在 ±{_money(MAX_LINE)} 元/人·年以内")
    g = read("growth", growth, _number, lambda v: -1 < v < 1,
             "年增长率应在 -1 到 1 之间（如 0.05 表示 5%）")
    share = f"0到1之间的比例（不小于{MIN_SHARE:g}，"
    v = read("village_threshold", village_threshold, _number, lambda v: MIN_SHARE <= v < 1,
             f"阈值应为{share}如 0.02）")
    drop = read("income_drop_share", income_drop_share, _number, lambda v: MIN_SHARE <= v < 1,
                f"应为{share}如 0.3）")
    collective = read("collective_income_line", collective_income_line, _number,
                      lambda v: 0 <= v < MAX_COLLECTIVE_INCOME_LINE,
                      f"村集体经济收入标准应为不小于0的金额（元，小于{_money(MAX_COLLECTIVE_INCOME_LINE)}，如 50000）")
    exit_rule = read("collective_income_exit", collective_income_exit, _flag, lambda v: True, "应为 true 或 false")
    coverage = read("industry_coverage_line", industry_coverage_line, _number, lambda v: MIN_SHARE <= v <= 1,
                    f"产业帮扶覆盖率标准应为{share}如 0.8）")
    lines = read("poverty_lines", poverty_lines, _lines_table,
                 lambda t: t is None or all(FIRST_YEAR <= k <= LAST_YEAR and 0 < x < MAX_LINE for k, x in t.items()),
                 f"各年贫困线应为按年度的表，如 2016:3000,2017:3200（年度{FIRST_YEAR}到{LAST_YEAR}，"
                 f"贫困线为正数且小于{_money(MAX_LINE)}元/人·年）", why=True)
    monitor = None
    try:
        monitor = _monitoring(monitoring_line)
        cause = unusable_number(monitor)
        if cause:
            raise ValueError(cause)
        if any(x >= MAX_LINE for x in ([monitor] if isinstance(monitor, float) else (monitor or {}).values())):
            raise ValueError(f"监测收入线应小于{_money(MAX_LINE)}元/人·年")
        if y is not None and line is not None:
            choose_monitoring_line(monitor, line, y + 1)
    except Exception as exc:  # noqa: BLE001 - YAML, type and value errors alike: the user's value is wrong
        problems.append(f"{spell('monitoring_line', monitoring_line)}：应为正数或按年度的表，如 {{2019: 5250}}（{exc}）")
    if problems:
        raise ParameterError(problems)
    return Parameters(
        year=y, poverty_line=line, bands=tuple(edges), growth=g, village_threshold=v,
        monitoring_line=monitor, income_drop_share=drop, collective_income_line=collective,
        collective_income_exit=exit_rule, industry_coverage_line=coverage, bands_follow_line=follow,
        poverty_lines=lines,
    )
