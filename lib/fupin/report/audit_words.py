"""The audit (数据核查) as the report and the county page show it: sentences and the backtest table.

From the ``audit`` key of metrics.json (:mod:`fupin.figures.audit`). The township
report gets one short backtest paragraph (:func:`backtest_paragraph`, with
:func:`fupin.report.charts.backtest_chart`) and one sentence with the counts
(:func:`audit_counts`); the county page a 数据核查 section with the counts
and the backtest by township (:func:`backtest_rows`). The households behind
the counts are in ``audit.xlsx``, for the county office only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fupin.core.formats import fmt_int, fmt_pct
from fupin.report.narrative import area_name

Metrics = Mapping[str, Any]

#: The columns of the county page's backtest table (:func:`backtest_rows`).
BACKTEST_HEADERS: tuple[str, ...] = ("乡镇", "回溯年度", "拟脱贫（户）", "实际脱贫（户）", "预计与实际一致（户）",
                                     "预计的准确率", "实际脱贫中预计到的", "拟出列村", "实际出列村")


def _latest(metrics: Metrics) -> Mapping[str, Any] | None:
    rows = (metrics.get("audit") or {}).get("backtest") or []
    return rows[-1] if rows else None


def backtest_paragraph(metrics: Metrics) -> str:
    """One short paragraph on how the projection for Y fared (the backtest's last year).

    >>> m = {"year": 2018, "audit": {"backtest": [{"year": 2018, "projected": {"households": 127},
    ...      "exited": {"households": 134}, "both": {"households": 103}, "precision": 103 / 127,
    ...      "recall": 103 / 134, "villages_projected": [], "villages_exited": []}]}}
    >>> backtest_paragraph(m)
    '按2017年底的数据和当年贫困线回溯，2018年拟脱贫127户，实际脱贫134户，其中103户与预计一致（预计的81.10%如期脱贫，实际脱贫户的76.87%在预计之中）。'
    >>> backtest_paragraph({"year": 2014, "audit": {"backtest": []}})
    '2014年是最早的识别年度，没有更早的数据可供回溯预测。'
    """
    last = _latest(metrics)
    if last is None:
        return f"{metrics.get('year', '')}年是最早的识别年度，没有更早的数据可供回溯预测。"
    t = int(last["year"])
    shares = []
    if last.get("precision") is not None:
        shares.append(f"预计的{fmt_pct(last['precision'])}如期脱贫")
    if last.get("recall") is not None:
        shares.append(f"实际脱贫户的{fmt_pct(last['recall'])}在预计之中")
    tail = f"（{'，'.join(shares)}）" if shares else ""
    villages = ""
    projected, exited = last.get("villages_projected") or [], last.get("villages_exited") or []
    if projected or exited:
        both = len(set(projected) & set(exited))
        villages = f"拟出列贫困村{len(projected)}个，实际出列{len(exited)}个，其中{both}个与预计一致。"
    return (f"按{t - 1}年底的数据和当年贫困线回溯，{t}年拟脱贫{last['projected']['households']}户，"
            f"实际脱贫{last['exited']['households']}户，其中{last['both']['households']}户与预计一致{tail}。{villages}")


def audit_counts(metrics: Metrics) -> str:
    """One sentence with the audit's counts (the households are in the county office's audit.xlsx).

    >>> audit_counts({"audit": {"bunching": {"flagged_villages": ["a", "b"]},
    ...                         "round_incomes": {"flagged_villages": []},
    ...                         "id_numbers": {"checked": 800, "invalid": 3, "duplicated": 1}}})
    '数据核查：脱贫收入扎堆在贫困线上方的村2个，收入多为整百元的村0个；核查证件号码800户，有误3户，重复号码1个（名单由县扶贫办核实）。'
    """
    audit = metrics.get("audit") or {}
    bunching = len((audit.get("bunching") or {}).get("flagged_villages") or [])
    rounds = len((audit.get("round_incomes") or {}).get("flagged_villages") or [])
    ids = audit.get("id_numbers")
    id_text = ("数据中没有证件号码" if ids is None else
               f"核查证件号码{ids['checked']}户，有误{ids['invalid']}户，重复号码{ids['duplicated']}个")
    return (f"数据核查：脱贫收入扎堆在贫困线上方的村{bunching}个，收入多为整百元的村{rounds}个；"
            f"{id_text}（名单由县扶贫办核实）。")


def backtest_row(metrics: Metrics) -> list[str]:
    """One row of :data:`BACKTEST_HEADERS` for an area: its backtest's last year (— without one)."""
    name = area_name(metrics)
    last = _latest(metrics)
    if last is None:
        return [name, "—", "—", "—", "—", "—", "—", "—", "—"]
    return [
        name, f"{last['year']}年", fmt_int(last["projected"]["households"]),
        fmt_int(last["exited"]["households"]), fmt_int(last["both"]["households"]),
        fmt_pct(last.get("precision")), fmt_pct(last.get("recall")),
        f"{len(last.get('villages_projected') or [])}个", f"{len(last.get('villages_exited') or [])}个",
    ]


def backtest_rows(townships: Sequence[Metrics], summary: Metrics | None = None) -> list[list[str]]:
    """The county page's backtest table: one row per township (in the order given), then the county."""
    rows = [backtest_row(m) for m in townships]
    if summary:
        rows.append(backtest_row(summary))
    return rows
