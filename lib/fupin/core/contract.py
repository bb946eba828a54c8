"""The input tables: canonical English columns, Chinese aliases and types.

This module is the single statement of the data contract's column lists
(docs/data.md). The loader, the validator, the generator and
the Excel writers all read it; no other module spells a header.

Kinds:

* ``id``    text that must keep leading zeros (``"0012"`` stays ``"0012"``); an
  identifier (``*_id``) is 1-32 ASCII letters, digits, ``-`` and ``_`` (:data:`ID_PATTERN`),
  any other (``id_number``) follows the rules of text;
* ``text``  free text: at most :data:`TEXT_MAX_CHARS` characters, no control characters;
* ``int``   whole number (``2016.0`` is accepted, ``2016.5`` is not);
* ``number`` real number (``3,500``, ``3500元``, ``３５００`` are accepted);
* ``bool``  ``是/否``, ``有/无``, ``√/×``, ``Y/N``, ``true/false``, ``1/0``;
* ``enum``  one of a fixed list of Chinese labels.

Every kind has one pandas dtype (:func:`contract_dtype`, and
:data:`CHECK_DTYPES` while a table is being validated). Text of every kind
is :data:`TEXT_DTYPE`: Python-backed strings with ``pd.NA`` as the missing
value, spelled out so that pandas 2.2+ and pandas 3 (whose default ``str``
dtype is Arrow-backed with ``NaN`` as missing, and whose ``"string"`` alias
follows an option) hold the tables alike: the same enum checks, masks,
``isna``, grouping and Parquet round trips under both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

ATTRIBUTES: tuple[str, ...] = ("一般贫困户", "低保贫困户", "特困供养贫困户")
CAUSES: tuple[str, ...] = (
    "因病", "因残", "因学", "因灾", "缺土地", "缺水", "缺技术", "缺劳力",
    "缺资金", "交通条件落后", "自身发展动力不足", "其他",
)
HOUSE_GRADES: tuple[str, ...] = ("C", "D")
#: A household's status as the export states it (``exit_status``), and other words for them.
EXIT_STATUSES: tuple[str, ...] = ("已脱贫", "未脱贫", "返贫")
EXIT_STATUS_SYNONYMS: tuple[tuple[str, str], ...] = (("脱贫", "已脱贫"), ("是", "已脱贫"), ("否", "未脱贫"))

#: An identifier (every ``id`` column): 1-32 ASCII letters, digits, ``-`` and ``_``.
ID_PATTERN = r"[A-Za-z0-9_-]{1,32}"
#: The most characters a text field (``text`` column) may hold.
TEXT_MAX_CHARS = 200

#: The five household guarantees ("两不愁三保障" plus safe water), in report order.
GUARANTEES: tuple[str, ...] = (
    "food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok",
)


#: Chinese label of each reason a remaining household is not projected to exit
#: (fupin.figures.frame.REASON_CODES). A household's own ``income_short`` label names
#: its gap instead (``收入差150元``, see :func:`fupin.figures.metrics.reason_labels`).
REASON_LABELS: dict[str, str] = {
    "income_short": "收入低于贫困线",
    "income_unknown": "收入未知",
    "food_clothing_ok": "不愁吃穿未保障",
    "education_ok": "义务教育未保障",
    "medical_ok": "基本医疗未保障",
    "housing_ok": "住房安全未保障",
    "water_ok": "饮水安全未保障",
}

#: The one dtype of every id, text and enum column, under pandas 2.2+ and 3.x alike.
TEXT_DTYPE = pd.StringDtype("python")  # missing: pd.NA (the default of both majors)

#: The nullable dtype each kind has while it is being checked (:mod:`fupin.io.schema`).
CHECK_DTYPES: dict[str, object] = {
    "id": TEXT_DTYPE, "text": TEXT_DTYPE, "enum": TEXT_DTYPE,
    "int": "Int64", "number": "float64", "bool": "boolean",
}


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    label: str  # the Chinese header we write and show
    kind: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    default: object = None  # filled in where the column or a value is missing
    choices: tuple[str, ...] = ()
    personal: bool = False
    #: Optional column that stays out of the loaded table when the file lacks
    #: it: its absence means "not recorded", which a blank default would hide.
    omit_if_absent: bool = False
    #: What the figures would wrongly take if the file lacked this column (its
    #: cells may be blank): non-empty for a column every file must carry.
    absent_means: str = ""
    #: Other words for a choice (``脱贫`` for ``已脱贫``), case-folded on reading.
    synonyms: tuple[tuple[str, str], ...] = ()

    @property
    def always_present(self) -> bool:
        """Whether every file of the table must carry this column (required values or not)."""
        return self.required or bool(self.absent_means)

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that names this column: English, label, aliases."""
        return (self.name, self.label, *self.aliases)


def contract_dtype(column: Column) -> object:
    """The pandas dtype of ``column`` in a loaded county (see :class:`fupin.core.county.County`).

    Text is :data:`TEXT_DTYPE`; required whole numbers ``int64``, optional
    ones ``Int64``; numbers ``float64``; booleans that are required or have
    a default ``bool``, the others ``boolean``.

    >>> contract_dtype(Column("size", "家庭人口数", "int", True))
    'int64'
    >>> contract_dtype(Column("head_name", "户主姓名", "text")) == TEXT_DTYPE
    True
    """
    if column.kind in ("id", "text", "enum"):
        return TEXT_DTYPE
    if column.kind == "int":
        return "int64" if column.required else "Int64"
    if column.kind == "number":
        return "float64"
    if column.kind == "bool":
        return "bool" if column.required or column.default is not None else "boolean"
    raise ValueError(f"unknown kind {column.kind!r}")


@dataclass(frozen=True)
class Table:
    """One input table: its names and its columns in canonical order."""

    name: str
    label: str  # Chinese sheet name
    columns: tuple[Column, ...]
    required: bool = True
    key: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """The canonical column names, in order."""
        return [c.name for c in self.columns]

    @property
    def dtypes(self) -> dict[str, object]:
        """Column name -> its dtype in a loaded county (:func:`contract_dtype`), in order.

        >>> TABLES["villages"].dtypes["is_poor_village"], TABLES["households"].dtypes["exit_year"]
        ('bool', 'Int64')
        """
        return {c.name: contract_dtype(c) for c in self.columns}


VILLAGES = Table(
    "villages", "村表",
    (
        Column("village_id", "村代码", "id", True, ("行政村代码",)),
        Column("village_name", "村名称", "text", True, ("行政村",)),
        Column("township_id", "乡镇代码", "id", True),
        Column("township_name", "乡镇名称", "text", True, ("乡镇",)),
        Column("county_name", "县名称", "text"),
        Column("population", "户籍人口", "int", True, ("农业户籍人口",)),
        Column("is_poor_village", "是否贫困村", "bool", True),
        Column("is_deep_poor_village", "是否深度贫困村", "bool", default=False),
        Column("village_exit_year", "出列年度", "int", absent_means="每个贫困村都会被当作未出列"),
        Column("venue_ok", "村级活动场所达标", "bool", default=True),
        Column("road_ok", "通硬化路", "bool", default=True),
        Column("collective_income", "村集体经济收入", "number"),
    ),
    key=("village_id",),
)

HOUSEHOLDS = Table(
    "households", "户表",
    (
        Column("household_id", "户编号", "id", True, ("户编码",)),
        Column("village_id", "村代码", "id", True, ("行政村代码",)),
        Column("size", "家庭人口数", "int", True, ("家庭人口",)),
        Column("registered_year", "识别年度", "int", True, ("纳入年度",)),
        Column("exit_year", "脱贫年度", "int", aliases=("退出年度",), absent_means="每户都会被当作未脱贫"),
        Column("returned_year", "返贫年度", "int"),
        Column("exit_status", "脱贫标志", "enum", aliases=("是否脱贫", "贫困户状态"), choices=EXIT_STATUSES,
               synonyms=EXIT_STATUS_SYNONYMS, omit_if_absent=True),
        Column("attribute", "贫困户属性", "enum", choices=ATTRIBUTES),
        Column("main_cause", "主要致贫原因", "enum", choices=CAUSES),
        Column("food_clothing_ok", "不愁吃穿", "bool", default=True),
        Column("education_ok", "义务教育保障", "bool", default=True),
        Column("medical_ok", "基本医疗保障", "bool", default=True),
        Column("housing_ok", "住房安全保障", "bool", default=True),
        Column("water_ok", "饮水安全保障", "bool", default=True),
        Column("house_risk_grade", "危房等级", "enum", choices=HOUSE_GRADES),
        Column("in_renovation_program", "纳入危房改造", "bool"),
        Column("industry_support", "产业帮扶", "bool", aliases=("享受产业扶持",), omit_if_absent=True),
        Column("cadre_id", "帮扶责任人编号", "id"),
        Column("head_name", "户主姓名", "text", personal=True),
        Column("id_number", "证件号码", "id", aliases=("身份证号",), personal=True),
    ),
    key=("household_id",),
)

INCOMES = Table(
    "incomes", "收入表",
    (
        Column("household_id", "户编号", "id", True, ("户编码",)),
        Column("year", "年度", "int", True),
        Column("per_capita_income", "人均纯收入", "number", True),
        Column("is_estimate", "是否预计", "bool", default=False),
    ),
    key=("household_id", "year"),
)

CADRES = Table(
    "cadres", "帮扶干部表",
    (
        Column("cadre_id", "帮扶责任人编号", "id", True),
        Column("name", "姓名", "text", personal=True),
        Column("unit", "单位", "text"),
    ),
    required=False,
    key=("cadre_id",),
)

TABLES: dict[str, Table] = {t.name: t for t in (VILLAGES, HOUSEHOLDS, INCOMES, CADRES)}

#: Columns that hold personal data and must never reach a report unmasked.
PERSONAL_COLUMNS: frozenset[str] = frozenset(
    c.name for t in TABLES.values() for c in t.columns if c.personal
)
