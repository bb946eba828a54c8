"""The per-township summary of the input data that ``fupin validate`` prints (not ``summary.json``)."""

from __future__ import annotations

import pandas as pd

from fupin.county import County

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
    >>> from fupin.config import SAMPLE_DIR
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
