"""The words the figures carry: the one table of messages and household reasons.

The figures (:mod:`fupin.figures.checks`, :mod:`fupin.figures.monitoring`, :mod:`fupin.figures.analysis`)
return codes and numbers; the Chinese text a reader sees for them is made
here, from those codes and numbers, with the report's number formats
(:mod:`fupin.core.formats`). It sits below the figures because ``metrics.json``
carries some of these words (each warning's ``message``), and every
presentation reads them from there.

* :func:`warning_message`: the ``message`` of a consistency warning
  (:func:`fupin.figures.checks.consistency_findings` gives its facts);
* :func:`reason_texts`: a household's reasons not to exit, ``收入差150元；住房安全未保障``;
* :func:`monitoring_reason_texts`: why an exited household is monitored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from fupin.core.contract import REASON_LABELS, TEXT_DTYPE
from fupin.core.formats import fmt_pct, fmt_yuan

#: Ids named in a message before it says ``等N个``.
LIST_LIMIT = 10

# --------------------------------------------------------------------------- vocabulary

#: The words every face uses for the three things a report counts (as the seed's 汇报 does): a
#: household not yet out of poverty at the end of Y (未脱贫), one projected to leave it in T (拟脱贫),
#: and a poor village's exit (出列: 已出列, 拟出列, 出列标准).
REMAINING, PROJECTED, VILLAGE_EXIT = "未脱贫", "拟脱贫", "出列"
#: Other words for the same things, each with the word written instead. None of them is in the
#: library's text, nor in the pages, documents and emails of the sample (tests/test_vocabulary.py).
SYNONYMS: dict[str, str] = {
    "未退出": REMAINING,
    "已退出": "已脱贫",
    "预计脱贫": PROJECTED,
    "拟退出": f"{PROJECTED}、拟{VILLAGE_EXIT}",
    "预计出列": f"拟{VILLAGE_EXIT}",
    "贫困村退出": f"贫困村{VILLAGE_EXIT}",
    "退出阈值": f"{VILLAGE_EXIT}标准",
}


def id_list(values: Iterable[object], limit: int = LIST_LIMIT) -> str:
    """``a、b、c`` or, past ``limit`` items, ``a、b…等N个``.

    >>> id_list(["V1", "V2"]), id_list(range(12), limit=2)
    ('V1、V2', '0、1等12个')
    """
    values = [str(v) for v in values]
    text = "、".join(values[:limit])
    return f"{text}等{len(values)}个" if len(values) > limit else text


def number_text(x: float) -> str:
    """A number as band labels and messages print it: integers without decimals.

    >>> number_text(3500.0), number_text(3500.5)
    ('3500', '3500.5')
    """
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


# --------------------------------------------------------------------------- consistency warnings

#: What each village warning says about a village's people (``remaining_people`` / ``registered_people``).
PEOPLE_WARNINGS: dict[str, str] = {
    "remaining_exceeds_population": "未脱贫人口",
    "registered_exceeds_population": "建档立卡人口",
}

#: What each household warning says about its households; ``{year}``, ``{target_year}`` and
#: ``{line}`` (the poverty line, or 当年贫困线 when the lines are given by year) are filled in.
HOUSEHOLD_WARNINGS: dict[str, str] = {
    "registered_after_year": "识别年度晚于{year}年，未计入{year}年底的统计",
    "exited_income_below_line": "已脱贫，但脱贫当年人均纯收入低于{line}",
    "exited_income_unknown": "已脱贫，但没有脱贫当年及以前的收入记录",
    "exited_guarantee_gap": "已脱贫，但仍有“两不愁三保障”或饮水安全未保障",
    "returned_without_exit": "有返贫年度，却没有早于它的脱贫年度",
    "projection_income_unknown": "未脱贫，且没有{target_year}年及以前的收入记录，无法测算能否脱贫",
    "no_cadre": "未脱贫，且没有帮扶责任人",
}


def _village(v: Mapping[str, Any]) -> str:
    return f"{v['village_id']}（{v['village_name']}）"


def warning_message(finding: Mapping[str, Any]) -> str:
    """The Chinese message of one consistency finding (:func:`fupin.figures.checks.consistency_findings`).

    It names the villages and households by id only (the first
    :data:`LIST_LIMIT`, then ``等N个``), never a person's name.

    >>> warning_message({"code": "no_cadre", "count": 1, "households": 1, "people": 3,
    ...                  "household_ids": ["H1"], "year": 2018})
    '1户（3人）未脱贫，且没有帮扶责任人：户H1'
    >>> warning_message({"code": "exited_village_high_incidence", "count": 1, "year": 2018,
    ...                  "threshold": 0.02, "villages": [{"village_id": "V1", "village_name": "东村",
    ...                                                   "incidence": 0.0325}]})
    '1个贫困村已于2018年底前出列，但2018年底贫困发生率仍不低于2.00%：村V1（东村）：3.25%'
    """
    code, count = finding["code"], finding["count"]
    if code in PEOPLE_WARNINGS:
        what = PEOPLE_WARNINGS[code]
        items = [f"{_village(v)}：{what}{v['people']}人，户籍人口{v['population']}人" for v in finding["villages"]]
        return f"{count}个村{what}多于户籍人口：村{id_list(items)}"
    if code == "exited_village_high_incidence":
        year = finding["year"]
        items = [f"{_village(v)}：{fmt_pct(v['incidence'])}" for v in finding["villages"]]
        return (f"{count}个贫困村已于{year}年底前出列，但{year}年底贫困发生率仍不低于"
                f"{fmt_pct(finding['threshold'])}：村{id_list(items)}")
    if code == "deep_poor_not_poor":
        return f"{count}个村标为深度贫困村却不是贫困村：村{id_list(map(_village, finding['villages']))}"
    if code == "estimate_in_closed_year":
        return (f"{count}条{finding['year']}年及以前（已结账年度）的收入记录标为预计，应为实际收入：户"
                + id_list(finding["household_ids"]))
    line = finding.get("poverty_line")
    what = HOUSEHOLD_WARNINGS[code].format(
        year=finding["year"], target_year=finding["year"] + 1,
        line="当年贫困线" if line is None else f"{number_text(line)}元",
    )
    return f"{finding['households']}户（{finding['people']}人）{what}：户{id_list(finding['household_ids'])}"


# --------------------------------------------------------------------------- household reasons


def yuan_up_text(values: pd.Series) -> pd.Series:
    """Amounts as text with thousands separators, rounded up to the fen, trailing zeros dropped.

    A gap is never shown smaller than it is: 150.0 -> ``150``, 1076.451 -> ``1,076.46``.

    >>> yuan_up_text(pd.Series([150.0, 1076.451, 0.001])).tolist()
    ['150', '1,076.46', '0.01']
    """
    fen = np.ceil(np.round(values.to_numpy(dtype="float64") * 100, 6)) / 100
    return pd.Series(fen, index=values.index).map(lambda x: f"{x:,.2f}".rstrip("0").rstrip("."))


def reason_texts(codes: pd.Series, gap: pd.Series, sep: str = "；") -> pd.Series:
    """Each household's reasons as Chinese text, from its ``,``-joined reason codes and its gap.

    The labels of :data:`fupin.core.contract.REASON_LABELS` joined with ``sep`` in
    the codes' order; ``income_short`` reads ``收入差N元`` with N the gap
    rounded up to the fen (:func:`yuan_up_text`). No code: ``""``.

    >>> reason_texts(pd.Series(["income_short,housing_ok", "", "income_unknown"]),
    ...              pd.Series([150.0, float("nan"), float("nan")])).tolist()
    ['收入差150元；住房安全未保障', '', '收入未知']
    """
    codes = pd.Series(codes).fillna("").astype(str)
    split = codes.str.split(",")
    out = np.full(len(codes), "", dtype=object)
    for code, label in REASON_LABELS.items():
        flag = split.map(lambda c, code=code: code in c).to_numpy(dtype=bool)
        if not flag.any():
            continue
        text: Any = label
        if code == "income_short":
            text = np.full(len(codes), "", dtype=object)
            text[flag] = ("收入差" + yuan_up_text(pd.Series(gap).reset_index(drop=True)[flag]) + "元").to_numpy(dtype=object)
        out = out + np.where(flag, text + sep, "")
    return pd.Series(out, index=codes.index, dtype=object).str.rstrip(sep)


def monitoring_reason_texts(below_line: pd.Series, dropped: pd.Series, income_drop: pd.Series,
                            line: float, drop_share: float) -> pd.Series:
    """Why each household is monitored: ``收入低于监测线5,250元；收入较脱贫当年下降35.0%``.

    A drop just over the share never reads as the share itself (:func:`fupin.core.formats.fmt_pct`
    with ``beyond``).

    >>> monitoring_reason_texts(pd.Series([True, False]), pd.Series([True, True]),
    ...                         pd.Series([0.35, 0.3004]), 5250, 0.3).tolist()
    ['收入低于监测线5,250元；收入较脱贫当年下降35.0%', '收入较脱贫当年下降30.04%']
    """
    index = below_line.index
    below = np.where(below_line.to_numpy(dtype=bool), f"收入低于监测线{fmt_yuan(line)}", "")
    pct = np.array(["" if pd.isna(x) else fmt_pct(x, 1, beyond=drop_share) for x in income_drop], dtype=object)
    drop = np.where(dropped.to_numpy(dtype=bool), "收入较脱贫当年下降" + pct, "")
    both = np.where((below != "") & (drop != ""), "；", "")
    return pd.Series(below + both + drop, index=index, dtype=TEXT_DTYPE)
