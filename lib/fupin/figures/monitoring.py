"""Who may fall back into poverty (防返贫监测): exited(Y) households whose income in T is
below a monitoring line or fell sharply since they exited.

Computed from the :func:`fupin.figures.frame.household_frame` of the area; income at
exit is :func:`fupin.figures.frame.income_at_exit` (the one implementation, shared with
the consistency checks). Amounts are compared in whole fen, the drop share as
an exact decimal (:mod:`fupin.core.money`): a drop of exactly 30% is not "more than
30%". The monitoring line in use is chosen by
:func:`fupin.figures.parameters.choose_monitoring_line`. Definitions: docs/data.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fupin import removed_name
from fupin.core.contract import TEXT_DTYPE
from fupin.core.config import DEFAULT_INCOME_DROP_SHARE
from fupin.core.county import County
from fupin.core.formats import json_number, json_plain
from fupin.figures.frame import counts, household_frame, income_at_exit, select_area
from fupin.figures.labels import monitoring_reason_texts
from fupin.core.money import below_share, exact, to_fen
from fupin.figures.parameters import choose_monitoring_line
from fupin.core.privacy import mask_names

#: A drop in income (since the exit year) larger than this share triggers monitoring.
INCOME_DROP_SHARE = DEFAULT_INCOME_DROP_SHARE
#: main_cause when the household has none.
NO_CAUSE = "未填写"


def monitoring_frame(county: County, frame: pd.DataFrame, *, line: float, growth: float = 0.0,
                     drop_share: float = INCOME_DROP_SHARE, at_exit: np.ndarray | None = None) -> pd.DataFrame:
    """``frame`` with the monitoring columns, for every household (flags only for exited(Y)).

    * ``income_exit``: income(h, exit_year) (the contract's income(h, t) at
      growth g; NaN when unknown or not exited);
    * ``income_drop``: 1 − income_T / income_exit, the share of income lost
      since the exit year (NaN when either income is unknown or income_exit is 0);
      computed from whole fen, so a drop of exactly 30% is 0.3;
    * ``below_line``: exited(Y) and income_T < ``line``, in whole fen (unknown income: false);
    * ``dropped``: exited(Y) and income_drop > ``drop_share``, tested exactly as
      income_T < (1 − drop_share) × income_exit in fen with the share as written
      (a drop of exactly the share, 1300 -> 715 at 0.45, is not flagged);
    * ``monitor``: below_line or dropped;
    * ``main_cause``: from ``county.households`` (same order as ``frame``).

    ``at_exit`` may pass in :func:`fupin.figures.frame.income_at_exit` of the same frame and growth.
    """
    exited = frame["exited"].to_numpy()
    income_T = frame["income_T"].to_numpy(dtype="float64")
    if at_exit is None:
        at_exit = income_at_exit(frame, county.incomes, growth)
    base = np.where(exited, at_exit, np.nan)
    now_fen, base_fen = to_fen(income_T), to_fen(base)
    drop = np.where(base_fen > 0, (base_fen - now_fen) / np.where(base_fen > 0, base_fen, 1.0), np.nan)
    below = exited & (now_fen < to_fen(line))
    dropped = exited & below_share(now_fen, base_fen, 1 - exact(drop_share))
    cause = (county.households["main_cause"].reset_index(drop=True).astype(TEXT_DTYPE).array
             if "main_cause" in county.households else pd.NA)
    return frame.assign(income_exit=base, income_drop=drop, below_line=below, dropped=dropped,
                        monitor=below | dropped, main_cause=cause)


def _group_counts(frame: pd.DataFrame, mask: np.ndarray, key: str) -> list[dict[str, Any]]:
    """{key, households, people} per value of ``key`` among rows where ``mask``, largest first."""
    rows = frame.loc[mask, [key, "size"]]
    grouped = rows.groupby(key, dropna=False, sort=True)["size"].agg(["count", "sum"])
    grouped = grouped.sort_values(["sum", "count"], ascending=False, kind="stable")
    return [{key: k, "households": int(c), "people": int(s)}
            for k, c, s in zip(grouped.index, grouped["count"], grouped["sum"])]


def monitoring(county: County, frame: pd.DataFrame, year: int, *, poverty_line: float,
               growth: float = 0.0, monitoring_line: float | Mapping[Any, float] | None = None,
               income_drop_share: float = INCOME_DROP_SHARE, m: pd.DataFrame | None = None) -> dict[str, Any]:
    """metrics.json's ``monitoring`` (防返贫监测): counts of exited(Y) households to watch.

    Keys: ``line`` (the monitoring line used), ``line_source`` ("default" =
    1.5 × L, "given", "table"), ``line_table_year``, ``given`` (the
    parameter as given), ``poverty_line``, ``income_drop_share``;
    ``exited``, ``monitored`` (below the line or income dropped),
    ``below_line``, ``income_drop``, ``income_unknown`` (exited, income(h, T)
    unknown: cannot be judged) as {households, people}; ``by_village``
    (village_id, village_name, households, people) and ``by_cause``
    (main_cause, blank read as 未填写) of the monitored, largest first.
    See :func:`monitoring_frame`.
    """
    chosen = choose_monitoring_line(monitoring_line, poverty_line, year + 1)
    if not 0 < income_drop_share < 1:
        raise ValueError(f"收入下降比例应在0到1之间：{income_drop_share}")
    if m is None:
        m = monitoring_frame(county, frame, line=chosen["line"], growth=growth, drop_share=income_drop_share)
    names = county.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    flagged = m["monitor"].to_numpy()
    m = m.assign(main_cause=m["main_cause"].fillna(NO_CAUSE))
    by_village = _group_counts(m, flagged, "village_id")
    for row in by_village:
        row["village_name"] = names.get(row["village_id"], "")
    return json_plain({
        "line": chosen["line"],
        "line_source": chosen["source"],
        "line_table_year": chosen["table_year"],
        "given": dict(monitoring_line) if isinstance(monitoring_line, Mapping)
        else monitoring_line,
        "poverty_line": json_number(poverty_line),
        "income_drop_share": float(income_drop_share),
        "exited": counts(m, m["exited"]),
        "monitored": counts(m, flagged),
        "below_line": counts(m, m["below_line"]),
        "income_drop": counts(m, m["dropped"]),
        "income_unknown": counts(m, m["exited"].to_numpy() & m["income_T"].isna().to_numpy()),
        "by_village": by_village,
        "by_cause": _group_counts(m, flagged, "main_cause"),
    })


def monitoring_reasons(m: pd.DataFrame, line: float, drop_share: float) -> pd.Series:
    """Why each household of a :func:`monitoring_frame` is monitored, in Chinese
    (:func:`fupin.figures.labels.monitoring_reason_texts`, the one table of these words)."""
    return monitoring_reason_texts(m["below_line"], m["dropped"], m["income_drop"], line, drop_share)


def monitoring_households(
    county: County,
    year: int,
    *,
    poverty_line: float = 3500.0,
    growth: float = 0.0,
    monitoring_line: float | Mapping[Any, float] | None = None,
    income_drop_share: float = INCOME_DROP_SHARE,
    township_id: str | None = None,
) -> pd.DataFrame:
    """The exited(Y) households to monitor (防返贫监测户), one row each, masked names only.

    A household is listed when its income(h, T) is below the monitoring line
    (:func:`choose_monitoring_line`; default 1.5 × L) or fell by more than
    ``income_drop_share`` since its exit year (:func:`monitoring_frame`).
    Columns: ``household_id``, ``village_id``, ``village_name``,
    ``head_name_masked`` (:func:`fupin.core.privacy.mask_names`), ``size``,
    ``main_cause`` (blank: 未填写), ``exit_year``, ``income_exit``,
    ``income_T``, ``income_drop`` (share, NaN when unknown), ``below_line``,
    ``dropped``, ``reasons``. Sorted by village and household.
    """
    area = select_area(county, township_id)[0]
    frame = household_frame(area.households, area.incomes, year, poverty_line=poverty_line,
                            growth=growth)
    line = choose_monitoring_line(monitoring_line, poverty_line, year + 1)["line"]
    m = monitoring_frame(area, frame, line=line, growth=growth, drop_share=income_drop_share)
    return monitored_list(area, m, line, income_drop_share)


def monitored_list(area: County, m: pd.DataFrame, line: float, drop_share: float) -> pd.DataFrame:
    """The rows of :func:`monitoring_households` from the area's :func:`monitoring_frame` ``m``."""
    flagged = m["monitor"].to_numpy()
    names = (area.households["head_name"] if "head_name" in area.households
             else pd.Series(pd.NA, index=area.households.index, dtype=TEXT_DTYPE))
    rows = m[flagged]
    village_names = area.villages.drop_duplicates("village_id").set_index("village_id")["village_name"]
    out = pd.DataFrame({
        "household_id": rows["household_id"],
        "village_id": rows["village_id"],
        "village_name": rows["village_id"].map(village_names).astype(TEXT_DTYPE),
        "head_name_masked": mask_names(names.reset_index(drop=True)[flagged]).to_numpy(),
        "size": rows["size"],
        "main_cause": rows["main_cause"].fillna(NO_CAUSE).astype(TEXT_DTYPE),
        "exit_year": rows["exit_year"],
        "income_exit": rows["income_exit"],
        "income_T": rows["income_T"],
        "income_drop": rows["income_drop"],
        "below_line": rows["below_line"],
        "dropped": rows["dropped"],
        "reasons": monitoring_reasons(rows, line, drop_share),
    })
    return out.astype({"head_name_masked": TEXT_DTYPE}).sort_values(
        ["village_id", "household_id"], ignore_index=True)


def __getattr__(name: str):
    """A name of 0.1.0 that moved: the error names its new import (:func:`fupin.removed_name`)."""
    raise removed_name(__name__, name)
