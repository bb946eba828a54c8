"""Synthetic county data: a random county of any size, and the bundled sample.

:func:`generate_county` builds the four input tables (villages, households,
incomes, cadres) with the canonical English columns and contract dtypes of
:mod:`fupin.core.contract`; :func:`write_county` writes them as CSV (UTF-8 with
BOM, Chinese headers), Parquet or ``.xlsx``; :func:`write_sample` writes the
bundled sample county (``data/sample/`` and ``data/sample.xlsx``).

Everything is vectorised with numpy and pyarrow (no loop over households)
and drawn from ``numpy.random.default_rng(seed)``, so the same arguments give
the same tables. A province of 1,000,000 households takes well under a
minute.

The *reference township* (``reference=True``) is township number one,
城关镇: it is built explicitly, from a fixed seed of its own, so that it
reproduces every figure of the seed report for ``Y=2018, T=2019, L=3500,
E=3500,4000, g=0, V=0.02`` (see docs/data.md, "The sample county"); the other
townships are random.

Identifiers follow the shape of China's statistical area codes: county code
(6 digits) + township (3) = ``township_id``, + village (3) = ``village_id``,
+ household (4) = ``household_id``. The county codes start with ``99``, which
is no province, so every id and every 18-character ID number is obviously
synthetic while well formed (the ID numbers carry a valid check digit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fupin.core.contract import ATTRIBUTES, CAUSES, CHECK_DTYPES, GUARANTEES, HOUSE_GRADES, TABLES
from fupin.core.config import DATA_DIR, REFERENCE_TOWNSHIP_ID, REFERENCE_YEAR
from fupin.core.errors import UsageError

FIRST_YEAR = 2014  # first registration year (建档立卡 began in 2014)
AS_OF_YEAR = REFERENCE_YEAR  # Y: the tables describe the end of this year
TARGET_YEAR = AS_OF_YEAR + 1  # T: incomes for it are estimates or carried forward

#: County codes start with 99 (no such province): ids are obviously synthetic.
FIRST_COUNTY_CODE = 990101
TOWNSHIPS_PER_COUNTY = 30
COUNTY_NAME = "示例县"

#: The reference township (see module docstring); its seed is fixed so the
#: township is the same whatever seed the rest of the county uses.
REFERENCE_SEED = 20181231
REFERENCE_HOUSEHOLDS = 820

#: The bundled sample: the reference township and six random ones.
SAMPLE_TOWNSHIPS = 7
SAMPLE_HOUSEHOLDS = 4000
SAMPLE_SEED = 2018
SAMPLE_TITLES: dict[str, str] = {
    "households": f"{COUNTY_NAME}建档立卡贫困户信息表（{AS_OF_YEAR}年底）",
    "incomes": f"{COUNTY_NAME}建档立卡贫困户人均纯收入表（{FIRST_YEAR}—{TARGET_YEAR}年）",
    "villages": f"{COUNTY_NAME}行政村基本情况表（{AS_OF_YEAR}年底）",
    "cadres": f"{COUNTY_NAME}帮扶责任人名单（{AS_OF_YEAR}年底）",
}
SHEET_ORDER = ("households", "incomes", "villages", "cadres")
EXCEL_MAX_ROWS = 1_048_576

TOWNSHIP_NAMES = (
    "城关镇", "河口乡", "新集镇", "石桥镇", "白沙乡", "龙泉镇", "双河乡", "青山镇",
    "柳林乡", "高坪镇", "黄田乡", "太平镇", "三合乡", "马鞍镇", "长岭乡", "永安镇",
    "大坝乡", "松树乡", "红岩镇", "清水乡", "金山镇", "桃园乡", "凤凰镇", "东岳乡",
    "南坪镇", "西河乡", "北斗乡", "中和镇", "安乐乡", "兴隆镇",
)
_PLACE_FIRST = "东南西北上下大小新老石白黑红青黄金银龙凤马牛花桃李杨柳松竹梅兰山水河湖江溪沙土田"
_PLACE_SECOND = "山岭坪坝湾沟桥庄集口寨塘冲源港岗店铺场关台堡峪川"
_VILLAGE_FIRST = (
    "李家", "王家", "张家", "刘家", "陈家", "杨家", "赵家", "黄家", "周家", "吴家",
    "徐家", "孙家", "胡家", "朱家", "高家", "林家", "何家", "郭家", "马家", "罗家",
    "石", "白", "黑", "红", "青", "金", "银", "龙", "凤", "马", "牛", "花", "桃", "柳",
    "松", "竹", "梅", "山", "水", "河", "沙", "土", "田", "东", "西", "南", "北", "上",
    "下", "大", "小", "新", "老", "高", "中", "长", "双", "三", "五", "七",
)
_VILLAGE_SECOND = (
    "庄", "湾", "坪", "沟", "岭", "坝", "桥", "塘", "寨", "河", "山", "坡", "冲",
    "垭", "营", "铺", "店", "园", "台", "岗",
)
VILLAGE_NAMES: tuple[str, ...] = tuple(
    f"{a}{b}村" for a in _VILLAGE_FIRST for b in _VILLAGE_SECOND
)

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
    "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
    "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜",
    "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭",
    "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟",
)
#: Rough frequencies: the common surnames first.
_SURNAME_WEIGHTS = np.linspace(3.0, 0.5, len(SURNAMES))
GIVEN_CHARS = (
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
    "杰", "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "华", "建", "国", "志",
    "文", "玉", "珍", "福", "贵", "荣", "成", "德", "海", "山", "林", "春", "金", "秋",
    "云", "红", "兵", "军", "发", "生", "有", "长", "清", "正", "光", "永", "红", "梅",
)
CADRE_UNITS = (
    "县扶贫开发办公室", "县发展和改革局", "县教育局", "县卫生健康局", "县住房和城乡建设局",
    "县交通运输局", "县水利局", "县农业农村局", "县人力资源和社会保障局", "县财政局",
    "县民政局", "县自然资源局", "县人民医院", "县供电公司", "县农村商业银行",
)
#: Income of an exited household in its exit year is at least this (L=3500 plus a margin).
EXIT_INCOME_FLOOR = 3600.0
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))

_ATTRIBUTE_P = (0.66, 0.28, 0.06)
_CAUSE_P = (0.38, 0.10, 0.07, 0.04, 0.04, 0.03, 0.10, 0.10, 0.07, 0.02, 0.03, 0.02)
_REGISTRATION_P = (0.72, 0.08, 0.07, 0.07, 0.06)  # 2014..2018
#: Share of remaining households failing each guarantee, in GUARANTEES order.
_GUARANTEE_FAIL_P = (0.01, 0.02, 0.03, 0.04, 0.03)
#: 2019 income row of a household: 0 none (carried forward), 1 actual, 2 estimate.
_TARGET_ROW_P_REMAINING = (0.30, 0.10, 0.60)
_TARGET_ROW_P_EXITED = (0.75, 0.15, 0.10)
#: industry_support: each village's coverage level ~ Beta(a, b) (mean 0.89, so
#: some villages fall below the default line); exited households are covered
#: a little more often; a few households leave the cell blank.
_INDUSTRY_BETA = (16.0, 2.0)
_INDUSTRY_EXITED_BONUS = 0.1
_INDUSTRY_BLANK_P = 0.03


@dataclass
class _Villages:
    """Village-level draws of one part of the county (numpy, one row a village)."""

    township: np.ndarray  # global township number, 0-based
    seq: np.ndarray  # village number within its township, 1-based
    name: np.ndarray  # index into VILLAGE_NAMES
    population: np.ndarray
    is_poor: np.ndarray
    is_deep: np.ndarray
    exit_year: np.ndarray  # 0: not exited
    venue_ok: np.ndarray
    road_ok: np.ndarray
    collective_income: np.ndarray  # NaN: not given


@dataclass
class _Households:
    """Household-level draws (one row a household, sorted by village)."""

    village: np.ndarray  # index into the part's villages, ascending
    size: np.ndarray
    registered: np.ndarray
    exit_year: np.ndarray  # 0: not exited
    returned: np.ndarray  # 0: never returned to poverty
    attribute: np.ndarray  # index into ATTRIBUTES
    cause: np.ndarray  # index into CAUSES, -1 blank
    guarantees: np.ndarray  # (n, 5) bool, GUARANTEES order
    grade: np.ndarray  # index into HOUSE_GRADES, -1 blank
    program: np.ndarray  # in_renovation_program: 1, 0, -1 blank
    income: np.ndarray  # income(h, T) in yuan, NaN: no income rows at all
    growth: np.ndarray  # yearly factor of the income history
    last_year: np.ndarray  # last year before T with a row
    target_row: np.ndarray  # row for T: 0 none, 1 actual, 2 estimate


@dataclass
class _Part:
    """The reference township or the random townships, before ids are made."""

    villages: _Villages
    households: _Households
    first_township: int
    cadres: np.ndarray  # cadres per township of the part


# ---------------------------------------------------------------- public API


def generate_county(
    townships: int, households: int, seed: int, *, reference: bool = False
) -> dict[str, pd.DataFrame]:
    """A synthetic county as ``{"villages", "households", "incomes", "cadres"}`` frames.

    ``households`` is the exact number of registered households in all
    townships together; each township gets at least one. With
    ``reference=True`` township one is the seed report's 城关镇 (820
    households) and the rest are random. Columns and dtypes follow
    :mod:`fupin.core.contract` and :class:`fupin.core.county.County`.

    >>> frames = generate_county(3, 300, seed=1)
    >>> len(frames["households"]), str(frames["households"]["household_id"].dtype)
    (300, 'string')
    """
    tables = county_tables(townships, households, seed, reference=reference)
    return {name: _to_pandas(table, name) for name, table in tables.items()}


def write_county(
    out: Path | str,
    townships: int,
    households: int,
    seed: int,
    fmt: str = "csv",
    headers: str = "zh",
    *,
    reference: bool = False,
) -> list[Path]:
    """Generate a county and write its four tables into folder ``out``.

    ``fmt`` is ``csv`` (UTF-8 with BOM, booleans as 是/否 under Chinese
    headers), ``parquet`` (native types: use it at scale) or ``xlsx`` (one
    workbook per table, ids as text cells). ``headers`` is ``zh`` (the
    Chinese labels) or ``en`` (canonical names). Returns the paths written.
    """
    tables = county_tables(townships, households, seed, reference=reference)
    return write_tables(tables, Path(out), fmt=fmt, headers=headers)


def write_sample(root: Path | str = DATA_DIR) -> list[Path]:
    """Write the bundled sample county: ``root/sample/*.csv`` and ``root/sample.xlsx``.

    示例县: the reference township and six random townships, 4,000
    households; the CSV files have Chinese headers and a BOM, the workbook
    has Chinese sheet names and a title row above each header.
    """
    root = Path(root)
    tables = county_tables(SAMPLE_TOWNSHIPS, SAMPLE_HOUSEHOLDS, SAMPLE_SEED, reference=True)
    paths = write_tables(tables, root / "sample", fmt="csv", headers="zh")
    paths.append(write_workbook(tables, root / "sample.xlsx", titles=SAMPLE_TITLES))
    return paths


def county_tables(
    townships: int, households: int, seed: int, *, reference: bool = False
) -> dict[str, pa.Table]:
    """The county as pyarrow tables (canonical columns), the form the writers use."""
    _check_size(townships, households, reference)
    rng = np.random.default_rng(seed)
    parts = []
    first = 0
    if reference:
        parts.append(_reference_part())
        first, households, townships = 1, households - REFERENCE_HOUSEHOLDS, townships - 1
    if townships:
        parts.append(_random_part(rng, first, townships, households))
    own_rngs = [np.random.default_rng([REFERENCE_SEED, 1])] if reference else []
    own_rngs.append(rng)
    # industry_support has generators of its own: the other columns stay as they were
    industry_rngs = [np.random.default_rng([REFERENCE_SEED, 2])] if reference else []
    industry_rngs.append(np.random.default_rng([seed, 2]))
    built = [_part_tables(part, r, i) for part, r, i in zip(parts, own_rngs, industry_rngs)]
    return {name: pa.concat_tables([b[name] for b in built]) for name in TABLES}


def _check_size(townships: int, households: int, reference: bool) -> None:
    if townships < 1:
        raise UsageError("乡镇数至少为1")
    least = townships - 1 + REFERENCE_HOUSEHOLDS if reference else townships
    if households < least:
        raise UsageError(f"户数至少为{least}（每个乡镇至少一户）")
    if reference and townships == 1 and households != REFERENCE_HOUSEHOLDS:
        raise UsageError(f"只有参照乡镇时户数必须为{REFERENCE_HOUSEHOLDS}")


# ------------------------------------------------------ the random townships


def _random_part(
    rng: np.random.Generator, first: int, townships: int, households: int
) -> _Part:
    """Random townships ``first, first+1, ...`` holding ``households`` households."""
    level = rng.beta(2, 2, size=townships)  # how poor each township is, 0..1
    villages = _random_villages(rng, first, level)
    per_township = 1 + rng.multinomial(
        households - townships, _normalise(rng.gamma(3.0, size=townships))
    )
    village = _assign_villages(rng, villages, per_township, first)
    township = villages.township[village] - first
    unknown = np.where(rng.random(townships) < 0.5, 0.0, rng.uniform(0.02, 0.08, townships))
    hh = _random_households(rng, villages, village, level[township], unknown[township])
    villages.population = _populations(rng, villages, hh)
    cadres = np.clip(np.rint(per_township / rng.uniform(4, 7, townships)), 1, per_township)
    return _Part(villages, hh, first, cadres.astype(np.int64))


def _random_villages(rng: np.random.Generator, first: int, level: np.ndarray) -> _Villages:
    """15 to 20 villages a township; about a quarter poor, deep-poor where the township is poorest."""
    counts = rng.integers(15, 21, size=len(level))
    local = np.repeat(np.arange(len(level)), counts)
    n = len(local)
    is_poor = rng.random(n) < 0.12 + 0.3 * level[local]
    is_deep = is_poor & (level[local] > 0.6) & (rng.random(n) < 0.5)
    exited = is_poor & (rng.random(n) < np.where(is_deep, 0.1, 0.45))
    open_poor = is_poor & ~exited
    income = np.where(is_poor, rng.lognormal(np.log(3e4), 0.8, n), rng.lognormal(np.log(1.2e5), 0.9, n))
    income = np.where(rng.random(n) < 0.05, np.nan, np.rint(income))
    return _Villages(
        township=local + first,
        seq=_within(counts) + 1,
        name=_distinct_names(rng, counts),
        population=np.zeros(n, np.int64),
        is_poor=is_poor,
        is_deep=is_deep,
        exit_year=np.where(exited, rng.integers(2016, AS_OF_YEAR + 1, n), 0),
        venue_ok=~(rng.random(n) < np.where(open_poor, 0.2, np.where(exited, 0.0, 0.03))),
        road_ok=~(rng.random(n) < np.where(open_poor, 0.12, np.where(exited, 0.0, 0.03))),
        collective_income=income,
    )


def _assign_villages(
    rng: np.random.Generator, villages: _Villages, per_township: np.ndarray, first: int
) -> np.ndarray:
    """The village of every household, ascending: poor villages draw more households.

    Village ``v`` of township ``t`` owns the interval ``[t + c_{v-1}, t + c_v)``
    of the cumulative weights within the township; a household of township
    ``t`` falls at ``t + u``.
    """
    local = villages.township - first
    weight = rng.gamma(2.0, size=len(local)) * np.where(villages.is_poor, 3.0, 1.0)
    weight *= np.where(villages.is_deep, 1.5, 1.0)
    total = np.bincount(local, weight)
    cum = np.cumsum(weight)
    before = np.concatenate(([0.0], cum))[_starts(np.bincount(local))]
    ends = local + (cum - before[local]) / total[local]
    last = np.r_[local[1:] != local[:-1], True]
    ends[last] = local[last] + 1.0
    township = np.repeat(np.arange(len(per_township)), per_township)
    return np.sort(np.searchsorted(ends, township + rng.random(len(township)), side="right"))


def _random_households(
    rng: np.random.Generator,
    villages: _Villages,
    village: np.ndarray,
    level: np.ndarray,
    unknown: np.ndarray,
) -> _Households:
    """Statuses, guarantees, houses and incomes of households in ``village``.

    ``level`` (how poor the township is) and ``unknown`` (its share of
    households without income rows) are given per household.
    """
    n = len(village)
    registered = FIRST_YEAR + rng.choice(5, size=n, p=_REGISTRATION_P)
    deep = villages.is_deep[village]
    p_exit = 0.45 + 0.35 * (1 - level) - 0.2 * deep + 0.1 * (villages.exit_year[village] > 0)
    p_exit -= 0.05 * (registered - FIRST_YEAR)
    exited = rng.random(n) < np.clip(p_exit, 0.05, 0.95)
    exit_year = np.where(exited, _year_between(rng, np.maximum(registered, 2015), AS_OF_YEAR), 0)
    returned = exited & (exit_year < AS_OF_YEAR) & (rng.random(n) < 0.03)
    returned_year = np.where(returned, _year_between(rng, exit_year + 1, AS_OF_YEAR), 0)
    remaining = ~exited | returned
    guarantees, grade, program = _random_guarantees(rng, remaining)
    hh = _Households(
        village=village,
        size=1 + np.minimum(rng.poisson(1.3, n), 11),
        registered=registered,
        exit_year=exit_year,
        returned=returned_year,
        attribute=rng.choice(len(ATTRIBUTES), size=n, p=_ATTRIBUTE_P),
        cause=np.where(rng.random(n) < 0.005, -1, rng.choice(len(CAUSES), size=n, p=_CAUSE_P)),
        guarantees=guarantees,
        grade=grade,
        program=program,
        income=np.zeros(n),
        growth=rng.uniform(1.05, 1.25, n),
        last_year=np.full(n, AS_OF_YEAR),
        target_row=np.zeros(n, np.int64),
    )
    _random_incomes(rng, hh, remaining, level, unknown)
    return hh


def _random_guarantees(
    rng: np.random.Generator, remaining: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Failed guarantees and unsafe houses, mostly among the remaining households.

    Exited households meet every guarantee; a few of them lived in a C/D
    house that is in the renovation programme.
    """
    n = len(remaining)
    fails = rng.random((n, len(GUARANTEES))) < np.asarray(_GUARANTEE_FAIL_P)
    guarantees = ~(fails & remaining[:, None])
    graded = rng.random(n) < np.where(remaining, 0.08, 0.01)
    grade = np.where(graded, (rng.random(n) < 0.4).astype(np.int64), -1)
    in_program = ~remaining | (rng.random(n) < 0.65)
    program = np.where(graded, in_program.astype(np.int64), -1)
    unsafe = graded & remaining & (rng.random(n) < np.where(in_program, 0.3, 0.6))
    housing = GUARANTEES.index("housing_ok")
    guarantees[:, housing] &= ~unsafe
    return guarantees, grade, program


def _random_incomes(
    rng: np.random.Generator,
    hh: _Households,
    remaining: np.ndarray,
    level: np.ndarray,
    unknown: np.ndarray,
) -> None:
    """Fill income(h, T) and how its rows look (``unknown``: chance of no rows).

    Exited households mostly earn well above the line (a few fell back
    below it); of the remaining, a share that falls with the township's
    poverty ``level`` reaches the line.
    """
    n = len(remaining)
    exited_income = np.maximum(np.rint(rng.lognormal(np.log(6500), 0.35, n)), 1500)
    reaches = rng.random(n) < 0.8 - 0.4 * level
    remaining_income = np.where(
        reaches, rng.integers(3500, 5500, n), rng.integers(1500, 3500, n)
    ).astype(float)
    hh.income = np.where(remaining, remaining_income, exited_income)
    hh.income[remaining & (rng.random(n) < unknown)] = np.nan
    hh.target_row = np.where(
        remaining,
        rng.choice(3, size=n, p=_TARGET_ROW_P_REMAINING),
        rng.choice(3, size=n, p=_TARGET_ROW_P_EXITED),
    )
    _set_last_year(rng, hh, 0.1)
    _fit_exit_year_income(hh)


def _populations(rng: np.random.Generator, villages: _Villages, hh: _Households) -> np.ndarray:
    """Registered population per village so that incidence rates are realistic.

    Registered people are 2–7% of a non-poor village, 9–20% of a poor one
    and 18–32% of a deep-poor one; no village has fewer than 300 people;
    an exited poor village stays below 2% at Y.
    """
    n = len(villages.township)
    people = np.bincount(hh.village, hh.size, minlength=n)
    rate = np.where(
        villages.is_deep,
        rng.uniform(0.18, 0.32, n),
        np.where(villages.is_poor, rng.uniform(0.09, 0.20, n), rng.uniform(0.02, 0.07, n)),
    )
    pop = np.maximum(np.ceil(people / rate), rng.integers(300, 600, n))
    remaining = (hh.exit_year == 0) | ((hh.returned > 0) & (hh.returned <= AS_OF_YEAR))
    left = np.bincount(hh.village, hh.size * remaining, minlength=n)
    pop = np.where(villages.exit_year > 0, np.maximum(pop, np.ceil(left / 0.018)), pop)
    return pop.astype(np.int64)


def _set_last_year(rng: np.random.Generator, hh: _Households, share: float) -> None:
    """Leave out the Y row of ``share`` of the households without a row for T.

    Their income in T is then carried forward from Y-1. Returned households
    always have a Y row.
    """
    gap = (hh.target_row == 0) & (hh.registered < AS_OF_YEAR) & (hh.returned == 0)
    gap &= rng.random(len(gap)) < share
    hh.last_year = np.where(gap, AS_OF_YEAR - 1, AS_OF_YEAR)


def _fit_exit_year_income(hh: _Households) -> None:
    """Make every household that exited earn at least 3,600 in its exit year.

    Income rows are income(h, T) / growth^(years before the anchor year),
    so the growth factor is capped (below 1 for households that have since
    fallen back below the line) and, where the exit year is the anchor,
    income(h, T) itself is raised.
    """
    anchor = np.where((hh.target_row > 0) & ~np.isnan(hh.income), TARGET_YEAR, hh.last_year)
    exited = hh.exit_year > 0
    years = np.where(exited, np.maximum(anchor - hh.exit_year, 0), 0)
    hh.income = np.where(exited & (years == 0), np.maximum(hh.income, EXIT_INCOME_FLOOR), hh.income)
    cap = (hh.income / EXIT_INCOME_FLOOR) ** (1 / np.maximum(years, 1))
    hh.growth = np.where(years > 0, np.minimum(hh.growth, cap), hh.growth)


# ------------------------------------------------------ the reference township

_REF_POOR = (2, 5, 9, 13, 17)  # positions of the five poor villages P1..P5
_REF_POOR_POPULATION = (1520, 1480, 1390, 1450, 1360)
_REF_POPULATION = 28600
#: Households per group (X exited, J projected to exit, K not) in P1..P5;
#: the rest of each group lives in the 15 non-poor villages.
_REF_GROUPS = {
    # name: (households, people, per poor village, income range for T)
    "X": (405, 948, (60, 30, 28, 30, 22), (4000, 20000)),
    "J": (252, 566, (5, 14, 13, 14, 18), (3500, 4000)),
    "K": (163, 358, (2, 7, 7, 6, 22), (1800, 3500)),
}
_REF_RETURNED = {"J": 4, "K": 8}
_REF_UNSAFE_OUTSIDE = 20  # C/D houses not in the renovation programme, all in K
_REF_UNSAFE_INSIDE = 7
#: Further failed guarantees among K (households there earn below the line).
_REF_FAILS = {"food_clothing_ok": 2, "education_ok": 4, "medical_ok": 6, "water_ok": 5}


def _reference_part() -> _Part:
    """The seed report's 城关镇, built group by group so every figure is exact.

    Groups: X exited by 2018 (income in T >= 4000), J remaining and projected
    to exit in T (3500 <= income < 4000, every guarantee met), K remaining
    and not projected to exit (income < 3500; the failed guarantees and
    unsafe houses are here). Returned households are remaining, in J and K.
    """
    assert str(_township_codes(np.array([0]))[0]) == REFERENCE_TOWNSHIP_ID, "see fupin.core.config"
    rng = np.random.default_rng(REFERENCE_SEED)
    villages = _reference_villages(rng)
    groups = [_reference_group(rng, name, *spec) for name, spec in _REF_GROUPS.items()]
    hh = _concat_households(groups)
    hh = _take(hh, np.argsort(hh.village, kind="stable"))
    _reference_populations(rng, villages, hh)
    return _Part(villages, hh, 0, np.array([150]))


def _reference_villages(rng: np.random.Generator) -> _Villages:
    """20 villages; P1 exited in 2017; P2 and P3 lack a standard venue; one non-poor road gap.

    Collective incomes: every poor village but P3 is weak (P3 sits exactly
    on the 50,000-yuan line), one non-poor village is weak and one has no
    figure, so the collective-economy section and its exit condition show
    every case.
    """
    n = 20
    is_poor = np.zeros(n, bool)
    is_poor[list(_REF_POOR)] = True
    exit_year = np.zeros(n, np.int64)
    exit_year[_REF_POOR[0]] = 2017
    venue_ok = np.ones(n, bool)
    venue_ok[[_REF_POOR[1], _REF_POOR[2]]] = False
    road_ok = np.ones(n, bool)
    road_ok[11] = False  # not a poor village: blocks nothing
    income = np.where(
        is_poor, rng.lognormal(np.log(4e4), 0.5, n), rng.lognormal(np.log(1.2e5), 0.7, n)
    )
    income = np.rint(income)  # P1, P2, P4, P5 are weak (below 50,000 yuan)
    income[_REF_POOR[2]] = 50000.0  # P3 exactly on the default line: not weak
    income[18] = np.nan  # a non-poor village without a figure
    income[19] = 38600.0  # a weak non-poor village
    return _Villages(
        township=np.zeros(n, np.int64),
        seq=np.arange(1, n + 1),
        name=_distinct_names(rng, np.array([n])),
        population=np.zeros(n, np.int64),
        is_poor=is_poor,
        is_deep=np.zeros(n, bool),
        exit_year=exit_year,
        venue_ok=venue_ok,
        road_ok=road_ok,
        collective_income=income,
    )


def _reference_group(
    rng: np.random.Generator,
    name: str,
    households: int,
    people: int,
    poor: tuple[int, ...],
    income_range: tuple[int, int],
) -> _Households:
    """One group of the reference township with exactly ``households``/``people``."""
    n = households
    non_poor = np.setdiff1d(np.arange(20), _REF_POOR)
    counts = np.zeros(20, np.int64)
    counts[list(_REF_POOR)] = poor
    counts[non_poor] = rng.multinomial(n - sum(poor), _normalise(rng.gamma(3.0, size=15)))
    registered = FIRST_YEAR + rng.choice(5, size=n, p=(0.74, 0.08, 0.07, 0.06, 0.05))
    exited = name == "X"
    low, high = income_range
    income = (
        np.clip(np.rint(rng.lognormal(np.log(6000), 0.3, n)), low, high - 1)
        if exited
        else rng.integers(low, high, n).astype(float)
    )
    hh = _Households(
        village=np.repeat(np.arange(20), counts),
        size=_sizes_with_total(rng, n, people),
        registered=registered,
        exit_year=_year_between(rng, np.maximum(registered, 2015), AS_OF_YEAR) if exited else np.zeros(n, np.int64),
        returned=np.zeros(n, np.int64),
        attribute=rng.choice(len(ATTRIBUTES), size=n, p=_ATTRIBUTE_P),
        cause=rng.choice(len(CAUSES), size=n, p=_CAUSE_P),
        guarantees=np.ones((n, len(GUARANTEES)), bool),
        grade=np.full(n, -1),
        program=np.full(n, -1),
        income=income,
        growth=rng.uniform(1.05, 1.25, n),
        last_year=np.full(n, AS_OF_YEAR),
        target_row=rng.choice(3, size=n, p=(0.75, 0.15, 0.10) if exited else (0.30, 0.15, 0.55)),
    )
    _reference_returned(rng, hh, _REF_RETURNED.get(name, 0))
    _set_last_year(rng, hh, 0.15)
    _fit_exit_year_income(hh)
    if name == "K":
        _reference_failures(rng, hh)
    return hh


def _reference_returned(rng: np.random.Generator, hh: _Households, count: int) -> None:
    """Mark ``count`` households registered by 2016 as exited and since returned."""
    if not count:
        return
    pick = rng.choice(np.flatnonzero(hh.registered <= 2016), size=count, replace=False)
    hh.exit_year[pick] = _year_between(rng, np.maximum(hh.registered[pick], 2015), AS_OF_YEAR - 1)
    hh.returned[pick] = _year_between(rng, hh.exit_year[pick] + 1, AS_OF_YEAR)


def _reference_failures(rng: np.random.Generator, hh: _Households) -> None:
    """Unsafe houses (20 outside the programme, 7 inside) and failed guarantees in K."""
    n = len(hh.size)
    order = rng.permutation(n)
    outside = order[:_REF_UNSAFE_OUTSIDE]
    inside = order[_REF_UNSAFE_OUTSIDE:_REF_UNSAFE_OUTSIDE + _REF_UNSAFE_INSIDE]
    housing = GUARANTEES.index("housing_ok")
    hh.grade[outside] = np.r_[np.zeros(12, np.int64), np.ones(8, np.int64)]  # 12 C, 8 D
    hh.program[outside] = 0
    hh.guarantees[outside[8:], housing] = False  # every D and four C houses
    hh.grade[inside] = rng.integers(0, 2, len(inside))
    hh.program[inside] = 1
    hh.guarantees[inside[:4], housing] = False
    for name, count in _REF_FAILS.items():
        hh.guarantees[rng.choice(n, size=count, replace=False), GUARANTEES.index(name)] = False


def _reference_populations(rng: np.random.Generator, villages: _Villages, hh: _Households) -> None:
    """Fixed populations of P1..P5; the non-poor villages share the rest of 28,600."""
    pop = np.zeros(20, np.int64)
    pop[list(_REF_POOR)] = _REF_POOR_POPULATION
    non_poor = np.setdiff1d(np.arange(20), _REF_POOR)
    rest = _REF_POPULATION - sum(_REF_POOR_POPULATION)
    pop[non_poor] = _largest_remainder(rest, rng.uniform(900, 1900, len(non_poor)))
    villages.population = pop
    _check_reference(villages, hh)


def _check_reference(villages: _Villages, hh: _Households) -> None:
    """Assert the village figures the groups cannot guarantee by construction."""
    staying = _remaining(hh) & (hh.income < 3500)
    people = np.bincount(hh.village, hh.size * staying, minlength=20)
    registered = np.bincount(hh.village, hh.size, minlength=20)
    rate = people / villages.population
    p2, p3, p4, p5 = (_REF_POOR[i] for i in range(1, 5))
    assert (rate[[p2, p3, p4]] < 0.02).all() and rate[p5] >= 0.02, rate[list(_REF_POOR)]
    left = np.bincount(hh.village, hh.size * _remaining(hh), minlength=20)
    assert left[_REF_POOR[0]] / villages.population[_REF_POOR[0]] < 0.02  # P1 exited
    assert (registered <= villages.population).all()
    assert villages.population.sum() == _REF_POPULATION


# ------------------------------------------------------- ids, names, tables


def _part_tables(
    part: _Part, rng: np.random.Generator, industry_rng: np.random.Generator
) -> dict[str, pa.Table]:
    """Turn one part's draws into the four tables: ids, names, income rows, industry support."""
    v, hh = part.villages, part.households
    township_code = _township_codes(v.township)
    village_code = township_code * 1000 + v.seq
    household_id = _household_ids(village_code, hh.village)
    cadre_id, cadres = _cadres(rng, part, township_code)
    villages = _villages_table(v, village_code, township_code)
    households = _households_table(rng, hh, household_id, village_code, cadre_id, v)
    households = households.add_column(
        households.column_names.index("in_renovation_program") + 1,
        "industry_support", _industry_support(industry_rng, hh, len(v.township)),
    )
    return {
        "villages": villages,
        "households": households,
        "incomes": _incomes_table(hh, household_id),
        "cadres": cadres,
    }


def _township_codes(township: np.ndarray) -> np.ndarray:
    """9-digit township codes: county code (99PPCC) and a 3-digit number."""
    return _county_codes(township // TOWNSHIPS_PER_COUNTY) * 1000 + township % TOWNSHIPS_PER_COUNTY + 1


def _county_codes(county: np.ndarray) -> np.ndarray:
    """6-digit county codes 990101, 990102, ... (99 prefectures of 99 counties)."""
    return FIRST_COUNTY_CODE + (county // 99) * 100 + county % 99


def _household_ids(village_code: np.ndarray, village: np.ndarray) -> pa.Array:
    """village_id + a 4-digit number within the village (more digits if needed)."""
    counts = np.bincount(village, minlength=len(village_code))
    width = max(4, len(str(counts.max(initial=0))))
    seq = _within(counts) + 1
    return _digits(village_code[village] * 10**width + seq)


def _cadres(
    rng: np.random.Generator, part: _Part, township_code: np.ndarray
) -> tuple[pa.Array, pa.Table]:
    """Each household's cadre and the cadres table.

    A township's households (in village order) are cut into as many
    consecutive blocks as it has cadres, so a cadre helps neighbours and
    every cadre helps at least one household. Ids: ``BF`` + township + 4 digits.
    """
    hh_township = part.villages.township[part.households.village] - part.first_township
    per_township = np.bincount(hh_township, minlength=len(part.cadres))
    cadres = np.minimum(part.cadres, np.maximum(per_township, 1))
    k = _within(per_township)
    number = k * cadres[hh_township] // np.maximum(per_township[hh_township], 1)
    code_of = _township_codes(np.arange(len(cadres)) + part.first_township)
    width = max(4, len(str(cadres.max(initial=0))))
    hh_cadre = _prefixed("BF", code_of[hh_township] * 10**width + number + 1)
    township = np.repeat(np.arange(len(cadres)), cadres)
    code = code_of[township] * 10**width + _within(cadres) + 1
    names = _township_names(len(cadres) + part.first_township)[part.first_township:]
    own_unit = rng.random(len(code)) < 0.3  # township staff, not a county bureau
    unit = pc.if_else(
        pa.array(own_unit),
        pc.binary_join_element_wise(_pick(names, township), "人民政府", ""),
        _pick(CADRE_UNITS, rng.integers(0, len(CADRE_UNITS), len(code))),
    )
    table = pa.table(
        {"cadre_id": _prefixed("BF", code), "name": _names(rng, len(code)), "unit": unit}
    )
    return hh_cadre, table


def _villages_table(v: _Villages, village_code: np.ndarray, township_code: np.ndarray) -> pa.Table:
    """The villages table in contract column order."""
    n_townships = int(v.township.max(initial=-1)) + 1
    county = v.township // TOWNSHIPS_PER_COUNTY
    columns = {
        "village_id": _digits(village_code),
        "village_name": _pick(VILLAGE_NAMES, v.name),
        "township_id": _digits(township_code),
        "township_name": _pick(_township_names(n_townships), v.township),
        "county_name": _pick(_county_names(int(county.max(initial=0)) + 1), county),
        "population": pa.array(v.population, pa.int64()),
        "is_poor_village": pa.array(v.is_poor),
        "is_deep_poor_village": pa.array(v.is_deep),
        "village_exit_year": _optional_int(v.exit_year),
        "venue_ok": pa.array(v.venue_ok),
        "road_ok": pa.array(v.road_ok),
        "collective_income": pa.array(v.collective_income, pa.float64(), from_pandas=True),
    }
    return pa.table(columns)


def _households_table(
    rng: np.random.Generator,
    hh: _Households,
    household_id: pa.Array,
    village_code: np.ndarray,
    cadre_id: pa.Array,
    v: _Villages,
) -> pa.Table:
    """The households table in contract column order."""
    county = _county_codes(v.township[hh.village] // TOWNSHIPS_PER_COUNTY)
    columns = {
        "household_id": household_id,
        "village_id": _digits(village_code[hh.village]),
        "size": pa.array(hh.size, pa.int64()),
        "registered_year": pa.array(hh.registered, pa.int64()),
        "exit_year": _optional_int(hh.exit_year),
        "returned_year": _optional_int(hh.returned),
        "attribute": _pick(ATTRIBUTES, hh.attribute),
        "main_cause": _pick(CAUSES, hh.cause),
        **{name: pa.array(hh.guarantees[:, i]) for i, name in enumerate(GUARANTEES)},
        "house_risk_grade": _pick(HOUSE_GRADES, hh.grade),
        "in_renovation_program": pa.array(hh.program == 1, mask=hh.program < 0),
        "cadre_id": cadre_id,
        "head_name": _names(rng, len(hh.size)),
        "id_number": _id_numbers(rng, county),
    }
    return pa.table(columns)


def _incomes_table(hh: _Households, household_id: pa.Array) -> pa.Table:
    """Income rows: every year from registration to the last year, then T if given.

    A row's income is income(h, T) divided by the household's growth factor
    once per year before its anchor (T when T has a row, else the last
    year), so with g=0 the carried-forward value is exactly income(h, T).
    """
    known = ~np.isnan(hh.income)
    has_target = known & (hh.target_row > 0)
    last = np.where(has_target, AS_OF_YEAR, hh.last_year)
    rows = np.where(known, last - hh.registered + 1 + has_target, 0)
    h = np.repeat(np.arange(len(rows)), rows)
    year = hh.registered[h] + _within(rows)
    anchor = np.where(has_target, TARGET_YEAR, last)[h]
    income = np.rint(hh.income[h] / hh.growth[h] ** (anchor - year))
    return pa.table(
        {
            "household_id": household_id.take(pa.array(h)),
            "year": pa.array(year, pa.int64()),
            "per_capita_income": pa.array(income, pa.float64()),
            "is_estimate": pa.array((year == TARGET_YEAR) & (hh.target_row[h] == 2)),
        }
    )


def _names(rng: np.random.Generator, n: int) -> pa.Array:
    """Synthetic Chinese names: a surname and one or two given characters."""
    surname = _pick(SURNAMES, rng.choice(len(SURNAMES), size=n, p=_normalise(_SURNAME_WEIGHTS)))
    given = ("", *GIVEN_CHARS)
    first = _pick(given, rng.integers(1, len(given), n))
    second = _pick(given, np.where(rng.random(n) < 0.7, rng.integers(1, len(given), n), 0))
    return pc.binary_join_element_wise(surname, first, second, "")


def _id_numbers(rng: np.random.Generator, county: np.ndarray) -> pa.Array:
    """18-character resident ID numbers with a valid ISO 7064 check digit.

    Area code (the synthetic county code), birth date (1935–1995), a 3-digit
    sequence number and the check character.
    """
    n = len(county)
    birth = (
        rng.integers(1935, 1996, n) * 10000 + rng.integers(1, 13, n) * 100 + rng.integers(1, 29, n)
    )
    body = county.astype(np.int64) * 10**11 + birth * 1000 + rng.integers(0, 1000, n)
    total = np.zeros(n, np.int64)
    for power, weight in enumerate(_ID_WEIGHTS[::-1]):  # 17 digit positions
        total += (body // 10**power) % 10 * weight
    check = _ID_CHECK[total % 11]
    return pc.binary_join_element_wise(_digits(body), pa.array(check, pa.string()), "")


def _township_names(n: int) -> tuple[str, ...]:
    """``n`` distinct township names: the fixed list, then generated ones."""
    names = list(TOWNSHIP_NAMES[:n])
    seen = set(names)
    for i, (a, b) in enumerate((a, b) for a in _PLACE_FIRST for b in _PLACE_SECOND):
        if len(names) >= n:
            break
        name = f"{a}{b}{'镇' if i % 3 == 0 else '乡'}"
        if name not in seen:
            names.append(name)
            seen.add(name)
    names += [f"新区{i}乡" for i in range(1, n - len(names) + 1)]
    return tuple(names)


def _county_names(n: int) -> tuple[str, ...]:
    """``n`` county names, 示例县 first."""
    others = [f"{a}{b}县" for a in "东西南北新安永长" for b in "阳安平宁城川山江"]
    names = [COUNTY_NAME, *others][:n]
    return tuple(names + [f"示例{i}县" for i in range(len(names) + 1, n + 1)])


def _distinct_names(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """Village name indices, distinct within each township.

    Township ``t`` takes ``(a_t + k * s_t) mod C`` for its k-th village, with
    ``s_t`` coprime to ``C``: distinct for ``k < C``.
    """
    size = len(VILLAGE_NAMES)
    steps = np.array([s for s in range(1, size) if np.gcd(s, size) == 1])
    start = rng.integers(0, size, len(counts))
    step = rng.choice(steps, size=len(counts))
    township = np.repeat(np.arange(len(counts)), counts)
    return (start[township] + _within(counts) * step[township]) % size


# -------------------------------------------------------------- small helpers


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each run of a repeated index: ``[2, 3] -> [0, 1, 0, 1, 2]``."""
    counts = np.asarray(counts, np.int64)
    return np.arange(counts.sum()) - np.repeat(_starts(counts), counts)


def _starts(counts: np.ndarray) -> np.ndarray:
    """Start offset of each run: ``[2, 3] -> [0, 2]``."""
    return np.cumsum(counts) - counts


def _normalise(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _year_between(rng: np.random.Generator, low: np.ndarray, high: int | np.ndarray) -> np.ndarray:
    """A uniform whole year in ``[low, high]`` per element (``low <= high``)."""
    low = np.asarray(low, np.int64)
    span = np.maximum(np.asarray(high) - low + 1, 1)
    return low + np.floor(rng.random(low.shape) * span).astype(np.int64)


def _sizes_with_total(rng: np.random.Generator, n: int, total: int) -> np.ndarray:
    """``n`` household sizes of at least 1 that add up to exactly ``total``."""
    return 1 + rng.multinomial(total - n, _normalise(rng.gamma(2.0, size=n)))


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that add up to ``total``."""
    exact = total * _normalise(weights)
    whole = np.floor(exact).astype(np.int64)
    whole[np.argsort(whole - exact)[: total - whole.sum()]] += 1
    return whole


def _industry_support(rng: np.random.Generator, hh: _Households, villages: int) -> pa.Array:
    """industry_support of each household: covered by an industry-support project, or blank.

    Each village draws its own coverage level (:data:`_INDUSTRY_BETA`);
    exited households are covered :data:`_INDUSTRY_EXITED_BONUS` more often.
    """
    level = rng.beta(*_INDUSTRY_BETA, size=villages)
    chance = np.clip(level[hh.village] + np.where(_remaining(hh), 0.0, _INDUSTRY_EXITED_BONUS), 0.0, 1.0)
    covered = rng.random(len(hh.size)) < chance
    blank = rng.random(len(hh.size)) < _INDUSTRY_BLANK_P
    return pa.array(covered, mask=blank)


def _remaining(hh: _Households) -> np.ndarray:
    """remaining(Y): not exited by Y, or returned by Y."""
    exited = (hh.exit_year > 0) & (hh.exit_year <= AS_OF_YEAR)
    return ~exited | ((hh.returned > 0) & (hh.returned <= AS_OF_YEAR))


def _concat_households(parts: Sequence[_Households]) -> _Households:
    fields = _Households.__dataclass_fields__
    return _Households(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})


def _take(hh: _Households, order: np.ndarray) -> _Households:
    fields = _Households.__dataclass_fields__
    return _Households(**{f: getattr(hh, f)[order] for f in fields})


def _digits(codes: np.ndarray) -> pa.Array:
    """Whole numbers as decimal strings."""
    return pc.cast(pa.array(np.asarray(codes, np.int64)), pa.string())


def _prefixed(prefix: str, codes: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, _digits(codes), "")


def _pick(labels: Sequence[str], index: np.ndarray) -> pa.Array:
    """``labels[index]`` as strings; a negative index is a blank (null)."""
    index = np.asarray(index, np.int64)
    return pa.array(list(labels), pa.string()).take(pa.array(index, mask=index < 0))


def _optional_int(values: np.ndarray) -> pa.Array:
    """Years where 0 means blank."""
    values = np.asarray(values, np.int64)
    return pa.array(values, pa.int64(), mask=values == 0)


# ------------------------------------------------------------------ writers


def _to_pandas(table: pa.Table, name: str) -> pd.DataFrame:
    """An arrow table as a DataFrame with the contract dtypes (:attr:`fupin.core.contract.Table.dtypes`).

    Each column goes through its kind's nullable dtype (:data:`fupin.core.contract.CHECK_DTYPES`),
    so a blank stays missing on its way to the contract dtype.
    """
    data = {}
    for column in TABLES[name].columns:
        if column.omit_if_absent and column.name not in table.column_names:
            continue
        nullable = pd.api.types.pandas_dtype(CHECK_DTYPES[column.kind])
        extension = isinstance(nullable, pd.api.extensions.ExtensionDtype)
        mapper = (lambda _type, dtype=nullable: dtype) if extension else None
        series = table.column(column.name).to_pandas(types_mapper=mapper)
        data[column.name] = series.astype(TABLES[name].dtypes[column.name])
    return pd.DataFrame(data)


def write_tables(
    tables: dict[str, pa.Table], out: Path, *, fmt: str = "csv", headers: str = "zh"
) -> list[Path]:
    """Write each table as ``out/<name>.<fmt>``; refuses to mix formats in ``out``."""
    if fmt not in ("csv", "parquet", "xlsx") or headers not in ("zh", "en"):
        raise UsageError(f"不支持的格式或表头：{fmt} {headers}")
    out.mkdir(parents=True, exist_ok=True)
    _refuse_other_formats(out, fmt)
    paths = []
    for name, table in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            _write_csv(_for_text(table, name, headers), path)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(_rename(table, name, headers), path)
        else:
            _write_xlsx(_for_text(table, name, headers), path, TABLES[name].label)
        paths.append(path)
    return paths


def _refuse_other_formats(out: Path, fmt: str) -> None:
    """A folder holding a table in two forms is ambiguous (data.md): do not make one."""
    for name in TABLES:
        for other in ("csv", "parquet", "xlsx"):
            if other != fmt and (out / f"{name}.{other}").exists():
                raise UsageError(f"{out / f'{name}.{other}'} 已存在：请换一个输出文件夹")


def _rename(table: pa.Table, name: str, headers: str) -> pa.Table:
    if headers == "en":
        return table
    return table.rename_columns([TABLES[name].column(c).label for c in table.column_names])


def _for_text(table: pa.Table, name: str, headers: str) -> pa.Table:
    """Booleans as 是/否 under Chinese headers; whole-valued money as integers."""
    arrays = []
    for column in table.columns:
        if pa.types.is_boolean(column.type) and headers == "zh":
            column = pc.if_else(column, "是", "否")
        elif pa.types.is_floating(column.type) and pc.all(
            pc.equal(column, pc.round(column))
        ).as_py() in (True, None):
            column = pc.cast(column, pa.int64())
        arrays.append(column)
    return _rename(pa.table(arrays, names=table.column_names), name, headers)


def _write_csv(table: pa.Table, path: Path) -> None:
    """UTF-8 with BOM (Excel opens it); values unquoted unless one needs quotes."""
    import pyarrow.csv as pacsv

    with open(path, "wb") as f:
        f.write(("\ufeff" + ",".join(table.column_names) + "\n").encode("utf-8"))
        start = f.tell()
        try:
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        except pa.ArrowInvalid:  # a comma or quote in some value: quote strings
            f.seek(start)
            f.truncate()
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="needed"))


def _write_xlsx(table: pa.Table, path: Path, sheet: str) -> None:
    """One table as one workbook: a header row, then the rows."""
    _write_sheets({sheet: (table, None, set())}, path)


def write_workbook(
    tables: dict[str, pa.Table], path: Path, *, titles: dict[str, str] | None = None
) -> Path:
    """All tables in one workbook as a county office sends it.

    Chinese sheet names (户表, 收入表, 村表, 帮扶干部表), a merged title row
    above the Chinese header row where ``titles`` names one, ids as text
    cells (format ``@``), booleans as 是/否, blanks as empty cells.
    """
    sheets = {}
    for name in SHEET_ORDER:
        ids = {i for i, c in enumerate(tables[name].column_names) if TABLES[name].column(c).kind == "id"}
        title = (titles or {}).get(name)
        sheets[TABLES[name].label] = (_for_text(tables[name], name, "zh"), title, ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_sheets(sheets, path)
    return path


def _write_sheets(sheets: dict[str, tuple[pa.Table, str | None, set[int]]], path: Path) -> None:
    """Write ``{sheet: (table, title or None, text column positions)}`` with openpyxl.

    Write-only mode keeps memory flat; Excel's row limit is enforced.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for sheet, (table, title, ids) in sheets.items():
        if table.num_rows + 2 > EXCEL_MAX_ROWS:
            raise UsageError(f"{path.name}：{table.num_rows} 行超过 Excel 的行数上限，请用 parquet")
        ws = wb.create_sheet(sheet)
        first = table.slice(0, 1).to_pylist()[0] if table.num_rows else {}
        for j, header in enumerate(table.column_names, start=1):
            wide = max(2.2 * len(header), 1.2 * len(str(first.get(header) or "")))
            ws.column_dimensions[get_column_letter(j)].width = max(8, round(wide) + 2)
        ws.freeze_panes = f"A{3 if title else 2}"  # before the first row is written
        if title:
            cell = WriteOnlyCell(ws, title)
            cell.font, cell.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
            ws.append([cell])
            ws.merged_cells.add(f"A1:{get_column_letter(table.num_columns)}1")
        bold = Font(bold=True)
        ws.append([_styled(WriteOnlyCell(ws, h), font=bold) for h in table.column_names])
        for row in zip(*(c.to_pylist() for c in table.columns)):
            ws.append([
                _styled(WriteOnlyCell(ws, v), number_format="@") if j in ids and v is not None else v
                for j, v in enumerate(row)
            ])
    wb.save(path)


def _styled(cell, **style):  # noqa: ANN001, ANN202 - openpyxl cell
    for key, value in style.items():
        setattr(cell, key, value)
    return cell
