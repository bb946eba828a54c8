"""The figures' parameters, read and checked in one place.

The report notebook and ``fupin run`` both go through
:func:`report_parameters`: values arrive as Python values (``-y``, ``fupin
run``), as numbers papermill guessed (``-p poverty_line 4000``) or as text
(``-r``, or ``-p bands "[4000,4500]"`` which papermill passes as a string).
Each is read into its one type, every problem is collected, and one
:class:`~fupin.errors.ParameterError` lists them all.

When the bands are not given they follow the poverty line: ``(L, L + 500)``,
the seed report's pattern (3,500 and 4,000 for the default line). Definitions
of every parameter: docs/data.md.

The result is one frozen :class:`Parameters`: the year Y and every figure
parameter, read and checked together (the monitoring-line table is checked
against T = Y + 1). :func:`fupin.analysis.analyse` takes it as it is;
:func:`fupin.metrics.township_metrics` and the notebook build it here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fupin.config import (
    BAND_STEP,
    DEFAULT_COLLECTIVE_INCOME_EXIT,
    DEFAULT_COLLECTIVE_INCOME_LINE,
    DEFAULT_GROWTH,
    DEFAULT_INCOME_DROP_SHARE,
    DEFAULT_INDUSTRY_COVERAGE_LINE,
    DEFAULT_POVERTY_LINE,
    DEFAULT_VILLAGE_THRESHOLD,
    MONITORING_FACTOR,
)
from fupin.errors import ParameterError

#: How a parameter is named in a message: ``spell(name, value)``.
Spelling = Callable[[str, object], str]


def _as_written(name: str, value: object) -> str:
    return f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}"


@dataclass(frozen=True)
class Parameters:
    """The checked parameters of one report: the year Y and every figure parameter.

    Built and checked by :func:`report_parameters` only (the one place); frozen,
    so an :class:`fupin.analysis.Analysis` and everything shown from it use the
    same values. ``bands`` are the edges in use (following the line when
    ``bands_follow_line``); ``monitoring_line`` is None (1.5 × L), a number or
    a table {year: line}.
    """

    year: int
    poverty_line: float = DEFAULT_POVERTY_LINE
    bands: tuple[float, ...] = ()
    growth: float = DEFAULT_GROWTH
    village_threshold: float = DEFAULT_VILLAGE_THRESHOLD
    monitoring_line: float | dict[int, float] | None = None
    income_drop_share: float = DEFAULT_INCOME_DROP_SHARE
    collective_income_line: float = DEFAULT_COLLECTIVE_INCOME_LINE
    collective_income_exit: bool = DEFAULT_COLLECTIVE_INCOME_EXIT
    industry_coverage_line: float = DEFAULT_INDUSTRY_COVERAGE_LINE
    bands_follow_line: bool = True  # bands not given: (L, L + 500)

    def metrics_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`fupin.metrics.township_metrics` (and the follow-up lists)."""
        return {
            "poverty_line": self.poverty_line, "bands": list(self.bands), "growth": self.growth,
            "village_threshold": self.village_threshold, "monitoring_line": self.monitoring_line,
            "income_drop_share": self.income_drop_share, "collective_income_line": self.collective_income_line,
            "collective_income_exit": self.collective_income_exit, "industry_coverage_line": self.industry_coverage_line,
        }

    def as_dict(self) -> dict[str, Any]:
        """``year`` then :meth:`metrics_kwargs`: the parameters as 数据说明 lists them (:func:`fupin.tables.run_info`)."""
        return {"year": self.year, **self.metrics_kwargs()}

    @property
    def target_year(self) -> int:
        """T = Y + 1."""
        return self.year + 1

    def monitoring(self) -> dict[str, Any]:
        """The monitoring line for T and where it came from (:func:`choose_monitoring_line`)."""
        return choose_monitoring_line(self.monitoring_line, self.poverty_line, self.target_year)


#: The name :func:`report_parameters` has always returned.
ReportParameters = Parameters


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
        return float(value.strip())
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
    """None, a number, or a table {year: line}; text is read as YAML (``"{2019: 5250}"``)."""
    if isinstance(value, str):
        import yaml

        text = value.strip()
        value = None if text.lower() in {"", "none", "null"} else yaml.safe_load(text)
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {_whole(k): _number(v) for k, v in value.items()}
    return _number(value)


def report_parameters(
    *,
    year: object,
    poverty_line: object = DEFAULT_POVERTY_LINE,
    bands: object = None,
    growth: object = DEFAULT_GROWTH,
    village_threshold: object = DEFAULT_VILLAGE_THRESHOLD,
    monitoring_line: object = None,
    income_drop_share: object = DEFAULT_INCOME_DROP_SHARE,
    collective_income_line: object = DEFAULT_COLLECTIVE_INCOME_LINE,
    collective_income_exit: object = DEFAULT_COLLECTIVE_INCOME_EXIT,
    industry_coverage_line: object = DEFAULT_INDUSTRY_COVERAGE_LINE,
    spell: Spelling = _as_written,
) -> Parameters:
    """Read and check the figures' parameters; every problem at once in one ParameterError.

    ``bands`` None (or empty) follows the line: :func:`default_bands`.
    ``spell(name, value)`` names a parameter in messages the way the user
    wrote it (``poverty_line=-1`` in a notebook, ``--poverty-line -1`` for
    ``fupin run``).

    >>> p = report_parameters(year="2018", poverty_line=4000, bands="")
    >>> p.bands, p.bands_follow_line
    ((4000.0, 4500.0), True)
    >>> report_parameters(year=2018, bands="[4500, 4000]")
    Traceback (most recent call last):
    ...
    fupin.errors.ParameterError: 参数有误：bands='[4500, 4000]'：收入分组边界应严格升序（数字，如 [3500, 4000]）
    """
    problems: list[str] = []

    def read(name: str, raw: object, convert: Callable[[object], Any], ok: Callable[[Any], bool], rule: str) -> Any:
        try:
            value = convert(raw)
            if ok(value):
                return value
        except (TypeError, ValueError, ArithmeticError):
            pass
        problems.append(f"{spell(name, raw)}：{rule}")
        return None

    y = read("year", year, _whole, lambda v: 1980 <= v <= 2100, "年度应为1980到2100之间的整数")
    line = read("poverty_line", poverty_line, _number, lambda v: math.isfinite(v) and v > 0,
                "贫困线应为正数（元/人·年）")
    follow = bands is None or bands == "" or bands == [] or bands == ()
    if follow:
        edges = default_bands(line) if line is not None else ()
    else:
        edges = read("bands", bands, parse_numbers,
                     lambda v: bool(v) and all(map(math.isfinite, v)) and all(a < b for a, b in zip(v, v[1:])),
                     "收入分组边界应严格升序（数字，如 [3500, 4000]）")
    g = read("growth", growth, _number, lambda v: math.isfinite(v) and -1 < v < 1,
             "年增长率应在 -1 到 1 之间（如 0.05 表示 5%）")
    v = read("village_threshold", village_threshold, _number, lambda v: 0 < v < 1,
             "阈值应为0到1之间的比例（如 0.02）")
    share = read("income_drop_share", income_drop_share, _number, lambda v: 0 < v < 1,
                 "应为0到1之间的比例（如 0.3）")
    collective = read("collective_income_line", collective_income_line, _number, lambda v: math.isfinite(v) and v >= 0,
                      "村集体经济收入标准应为不小于0的金额（元，如 50000）")
    exit_rule = read("collective_income_exit", collective_income_exit, _flag, lambda v: True, "应为 true 或 false")
    coverage = read("industry_coverage_line", industry_coverage_line, _number, lambda v: 0 < v <= 1,
                    "产业帮扶覆盖率标准应为0到1之间的比例（如 0.8）")
    monitor = None
    try:
        monitor = _monitoring(monitoring_line)
        if y is not None and line is not None:
            choose_monitoring_line(monitor, line, y + 1)
    except Exception as exc:  # noqa: BLE001 - YAML, type and value errors alike: the user's value is wrong
        problems.append(f"{spell('monitoring_line', monitoring_line)}：应为正数或按年度的表，如 {{2019: 5250}}（{exc}）")
    if problems:
        raise ParameterError(problems)
    return Parameters(
        year=y, poverty_line=line, bands=tuple(edges), growth=g, village_threshold=v,
        monitoring_line=monitor, income_drop_share=share, collective_income_line=collective,
        collective_income_exit=exit_rule, industry_coverage_line=coverage, bands_follow_line=follow,
    )
