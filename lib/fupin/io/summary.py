"""The per-township summary of the input data that ``fupin validate`` prints (not ``summary.json``)."""

from __future__ import annotations

import pandas as pd

from fupin.core.contract import TABLES, Column
from fupin.core.county import County, Source

SUMMARY_COLUMNS: tuple[str, ...] = ("乡镇代码", "乡镇", "村数", "建档立卡户数", "人数", "收入年度")


def _year_span(years: pd.Series) -> str:
    """``"2014–2019"`` for the years' range, ``"2019"`` for one year, ``""`` for none."""
    years = years.dropna()
    if years.empty:
        return ""
    low, high = int(years.min()), int(years.max())
    return str(low) if low == high else f"{low}–{high}"


def township_summary(county: County) -> pd.DataFrame:
    """One row per township, in township id order, with Chinese headers.

    乡镇代码, 乡镇; 村数 = villages of the township; 建档立卡户数 = households
    in those villages (every registered household, whatever its years);
    人数 = the sum of their ``size``; 收入年度 = first–last year of their
    incomes rows (blank when they have none). Townships without households
    show 0.

    >>> import fupin
    >>> from fupin.core.config import SAMPLE_DIR
    >>> township_summary(fupin.load(SAMPLE_DIR)).columns.tolist()
    ['乡镇代码', '乡镇', '村数', '建档立卡户数', '人数', '收入年度']
    """
    place = county.villages[["village_id", "township_id"]]
    households = county.households.merge(place, on="village_id", how="inner")
    incomes = county.incomes.merge(
        households[["household_id", "township_id"]], on="household_id", how="inner"
    )
    villages = county.villages.groupby("township_id").agg(
        乡镇=("township_name", "first"), 村数=("village_id", "size")
    )
    people = households.groupby("township_id").agg(
        建档立卡户数=("household_id", "size"), 人数=("size", "sum")
    )
    years = incomes.groupby("township_id")["year"].agg(_year_span).rename("收入年度")
    return (
        villages.join(people, how="left")
        .join(years, how="left")
        .fillna({"建档立卡户数": 0, "人数": 0, "收入年度": ""})
        .astype({"村数": "int64", "建档立卡户数": "int64", "人数": "int64"})
        .rename_axis("乡镇代码")
        .reset_index()
        .sort_values("乡镇代码", kind="stable")
        .reset_index(drop=True)
        .loc[:, list(SUMMARY_COLUMNS)]
    )


def _file(source: Source) -> str:
    return source.path.name + (f" 工作表「{source.sheet}」" if source.sheet else "")


def _default(column: Column) -> str:
    """What a missing optional column stands for, in the user's words."""
    if column.default is True:
        return "按“是”"
    if column.default is False:
        return "按“否”"
    return "按空白"


def column_notes(county: County) -> list[str]:
    """The notices ``fupin validate`` prints after its summary: per table, the columns it did not use
    (a misspelt header shows here) and the optional columns the file lacks, with what stands for them.

    Empty when every column of every file was used and every column is present.
    """
    unused, absent = [], []
    for name, source in county.sources.items():
        table = TABLES[name]
        if source.unused:
            unused.append(f"  {table.label}（{_file(source)}）：" + "、".join(f"「{h}」" for h in source.unused))
        filled = [table.column(c) for c in source.absent if not table.column(c).omit_if_absent]
        if filled:  # a column left out when absent is only not reported (industry coverage)
            absent.append(f"  {table.label}（{_file(source)}）：" + "、".join(f"{c.label}（{_default(c)}）" for c in filled))
    notes = []
    if unused:
        notes += ["提示：以下列没有使用（不是数据规范中的列名；如是列名写错，请改正后重新校验）：", *unused]
    if absent:
        notes += ["提示：以下可选列文件中没有，按默认处理：", *absent]
    return notes
