"""The 汇报: the words that make a township's (or the county's) figures a report an office hands in.

The seed report's frame around the figures, built from the metrics dict
(metrics.json) and shared by the HTML report and the Word document, so both
read the same and number their sections the same:

* :func:`title`: 关于城关镇2018年脱贫攻坚工作情况的汇报;
* :func:`lead_in`: the sentence before 一、基本情况;
* :data:`SECTIONS`: 一、基本情况 / 二、存在的主要问题 / 三、下一步工作打算;
* :func:`problem_points`: the 存在问题 as 一是…二是…, each with its count;
* :func:`measures`: the 下一步工作打算 as （一）（二）…, only for problems found;
* :func:`closing`, :func:`office`, :func:`date_text`: the closing sentence,
  the 落款 and the 成文日期 (二〇一九年一月十五日);
* :func:`data_notes`: the leader's 数据说明 (the 口径, the lines, the date:
  nothing technical; the run's files, checksums and versions stay in the
  folder's run record).

Nothing here computes a figure: every number comes from the metrics dict
through :mod:`fupin.report.narrative` and :mod:`fupin.core.formats`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from fupin.core import formats
from fupin.report import narrative

Metrics = Mapping[str, Any]

#: The report's first three sections, in the HTML report and in the Word document alike.
SECTIONS = ("一、基本情况", "二、存在的主要问题", "三、下一步工作打算")

_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals as ordinals are written (一, 十, 十一, 二十一).

    >>> [chinese_number(n) for n in (1, 10, 11, 20, 21)]
    ['一', '十', '十一', '二十', '二十一']
    """
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def date_text(day: dt.date) -> str:
    """A date as a 公文's 成文日期: the year's digits one by one, month and day as numbers.

    >>> date_text(dt.date(2019, 1, 15)), date_text(dt.date(2020, 10, 1))
    ('二〇一九年一月十五日', '二〇二〇年十月一日')
    """
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def title(m: Metrics) -> str:
    """关于{乡镇}{年}年脱贫攻坚工作情况的汇报.

    >>> title({"township_id": "001", "township_name": "城关镇", "year": 2018})
    '关于城关镇2018年脱贫攻坚工作情况的汇报'
    """
    return f"关于{narrative.area_name(m)}{m.get('year')}年脱贫攻坚工作情况的汇报"


def lead_in(m: Metrics) -> str:
    """The sentence before 一、基本情况: what is reported, on which data.

    >>> lead_in({"township_id": "001", "township_name": "河口乡", "year": 2018, "target_year": 2019})
    '根据全乡建档立卡数据，现将河口乡截至2018年底的脱贫攻坚工作情况和2019年脱贫退出预测汇报如下：'
    """
    return (f"根据{narrative.whole_area(m)}建档立卡数据，现将{narrative.area_name(m)}截至{m.get('year')}年底的"
            f"脱贫攻坚工作情况和{m.get('target_year')}年脱贫退出预测汇报如下：")


def problems_intro(m: Metrics) -> str:
    """The sentence before the 一是…二是… (or the one that says nothing was found)."""
    if not narrative.problem_items(m):
        return (f"对照贫困户退出和贫困村出列标准逐项核查，{narrative.whole_area(m)}"
                "建档立卡数据中未发现需要整改的问题。")
    return "对照贫困户退出和贫困村出列标准逐项核查，梳理出的主要问题如下："


def problem_points(m: Metrics) -> list[str]:
    """The 存在问题 as the seed writes them: 一是…。二是…。, each once, with its count.

    >>> problem_points({"township_id": "1", "township_name": "城关镇", "year": 2018, "target_year": 2019,
    ...     "unsafe_houses_outside_program": {"households": 20, "people": 41}})
    ['一是危房改造尚有缺口。全镇尚有20户贫困户的危房没有纳入危房改造。']
    """
    return [f"{chinese_number(i)}是{text}" for i, (_, text, _) in enumerate(narrative.problem_items(m), start=1)]


#: The 下一步工作打算 measures: a title and the 存在问题 codes it answers, in the order they are listed.
#: A measure is listed only when one of its problems was found; its text is those problems' actions.
MEASURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("发展壮大村集体经济", ("collective_economy", "collective_unknown")),
    ("强化产业带动", ("industry_coverage",)),
    ("推进贫困村按期出列", ("villages_infrastructure", "villages_high_incidence")),
    ("补齐“两不愁三保障”短板", ("food_clothing_ok", "education_ok", "medical_ok", "water_ok")),
    ("保障住房安全", ("unsafe_houses", "housing_ok")),
    ("落实结对帮扶责任", ("no_cadre",)),
    ("巩固脱贫成果，防止返贫", ("exited_village_high_incidence", "exited_income_below_line",
                        "exited_guarantee_gap")),
)
#: Every other problem (data to check or complete) falls under this last measure.
DATA_MEASURE = "夯实建档立卡数据基础"


def measures(m: Metrics) -> list[tuple[str, str]]:
    """The 下一步工作打算 as ``(title, text)``, one per group of problems found, in :data:`MEASURES`' order.

    Only measures tied to a problem of :func:`fupin.report.narrative.problem_items`:
    no problem, no measure. A measure's text is its problems' actions, each once.

    >>> measures({"township_id": "1", "township_name": "城关镇", "year": 2018, "target_year": 2019,
    ...     "unsafe_houses_outside_program": {"households": 20, "people": 41}})
    [('保障住房安全', '针对危房改造尚有缺口的问题，尽快将危房未纳入改造的贫困户纳入危房改造计划，落实改造资金。')]
    """
    found: dict[str, tuple[list[str], list[str]]] = {}  # measure -> (problems' judgements, actions)
    for code, text, action in narrative.problem_items(m):
        group = next((name for name, codes in MEASURES if code in codes), DATA_MEASURE)
        judgements, actions = found.setdefault(group, ([], []))
        judgement = re.split("[，。；]", text, maxsplit=1)[0]
        if judgement not in judgements:
            judgements.append(judgement)
        if action and action not in actions:
            actions.append(action)
    out = []
    for name in [name for name, _ in MEASURES] + [DATA_MEASURE]:
        if name not in found or not found[name][1]:
            continue
        judgements, actions = found[name]
        steps = "；".join(a.rstrip("。") for a in actions) + "。"
        out.append((name, f"针对{'、'.join(judgements)}的问题，{steps}"))
    return out


def measure_headings(m: Metrics) -> list[str]:
    """The measures' headings: （一）发展壮大村集体经济 …"""
    return [f"（{chinese_number(i)}）{name}" for i, (name, _) in enumerate(measures(m), start=1)]


def no_measures(m: Metrics) -> str:
    """三、下一步工作打算 when no problem was found: no measure is made up."""
    return f"{narrative.area_name(m)}将继续巩固脱贫成果，做好防返贫监测，防止返贫。"


def closing(m: Metrics) -> str:
    """The closing sentence: what the area will do with the problems found, and 特此汇报."""
    if narrative.problem_items(m):
        return (f"{narrative.area_name(m)}将对照以上问题逐项整改、逐户落实，确保{m.get('target_year')}年"
                "脱贫退出任务如期完成。以上情况，特此汇报。")
    return "以上情况，特此汇报。"


def office(m: Metrics, name: str | None = None) -> str:
    """The 落款: `name` when given, else {乡镇}人民政府 ({县}人民政府 for the county).

    In `name` (``fupin run --office``, ``--county-office``), ``{乡镇}`` stands for the
    area's own name (the township's, or the county's in the county's document) and
    ``{县}`` for the county's.

    >>> office({"township_id": "001", "township_name": "河口乡"}), office({}, "城关镇扶贫办")
    ('河口乡人民政府', '城关镇扶贫办')
    >>> office({"township_id": "001", "township_name": "河口乡", "county_name": "示例县"}, "{县}扶贫办驻{乡镇}工作组")
    '示例县扶贫办驻河口乡工作组'
    """
    if name:
        county = str(m.get("county_name") or narrative.area_name(m))
        return str(name).replace("{乡镇}", narrative.area_name(m)).replace("{县}", county)
    return f"{narrative.area_name(m)}人民政府"


def run_date(day: dt.date | None = None) -> dt.date:
    """The 成文日期's date: `day`, else today (the run's date)."""
    return day if day is not None else dt.date.today()


def trend_summary(m: Metrics) -> str:
    """The 收入分组与贫困发生率 paragraph: the incidence over the years and who stays below the lowest
    band edge in T (the bands in full are the last sentence of 基本情况, and the chart's).

    >>> trend_summary({"township_id": "1", "township_name": "城关镇", "year": 2018, "target_year": 2019,
    ...     "incidence_trend": [{"year": 2016, "incidence": 0.04, "projected": False},
    ...                         {"year": 2018, "incidence": 0.0323, "projected": False},
    ...                         {"year": 2019, "incidence": 0.0125, "projected": True}],
    ...     "income_bands": [{"band": "<3500", "lower": None, "upper": 3500, "households": 163, "people": 358}]})
    '全镇贫困发生率由2016年底的4%降至2018年底的3.23%，2019年预计降至1.25%。按2019年预计收入，人均纯收入在3,500元以下的有163户358人。'
    """
    actual = [p for p in m.get("incidence_trend") or [] if not p.get("projected")]
    projected = [p for p in m.get("incidence_trend") or [] if p.get("projected")]
    whole, text = narrative.whole_area(m), ""
    if len(actual) >= 2:
        first, last = actual[0], actual[-1]
        verb = "降至" if last["incidence"] < first["incidence"] else "变为"
        text = (f"{whole}贫困发生率由{first['year']}年底的{formats.fmt_pct_short(first['incidence'])}"
                f"{verb}{last['year']}年底的{formats.fmt_pct_short(last['incidence'])}")
    elif actual:
        text = f"{actual[-1]['year']}年底{whole}贫困发生率为{formats.fmt_pct_short(actual[-1]['incidence'])}"
    if projected and text:
        text += f"，{projected[-1]['year']}年预计降至{formats.fmt_pct_short(projected[-1]['incidence'])}"
    text = text + "。" if text else ""
    lowest = next((b for b in m.get("income_bands") or [] if b.get("lower") is None and b.get("upper") is not None),
                  None)
    if lowest is not None:
        text += (f"按{m.get('target_year')}年预计收入，人均纯收入在{formats.fmt_yuan(lowest['upper'])}以下的有"
                 f"{formats.fmt_hh_people(lowest)}。")
    return text


def data_notes(m: Metrics, *, national: bool = True, day: dt.date | None = None) -> list[tuple[str, str]]:
    """数据说明 for a leader: the 口径, the lines and conditions, the date. Nothing technical.

    >>> dict(data_notes({"year": 2018, "target_year": 2019, "population": 30,
    ...                  "parameters": {"poverty_line": 2000, "village_threshold": 0.02}},
    ...                 national=False, day=dt.date(2019, 1, 15)))["统计时间"]
    '截至2018年底，测算日期2019年1月15日'
    """
    from fupin.report import style

    p = m.get("parameters") or {}
    year, target = m.get("year"), m.get("target_year")
    rows = [
        ("统计口径", f"建档立卡数据，按{year}年底状态统计，预测{target}年"),
        ("贫困线", f"人均纯收入{formats.fmt_yuan(p.get('poverty_line'))}/人·年"),
        *([("各年贫困线", f"{style.fmt_parameter('poverty_lines', p['poverty_lines'])}（元/人·年）："
                        "已脱贫户按脱贫当年的贫困线核查")] if p.get("poverty_lines") else []),
        ("收入分组", "、".join(style.band_label(b) for b in m.get("income_bands") or []) or formats.MISSING),
        ("收入年增长率", formats.fmt_pct_short(p.get("growth"))),
        ("贫困发生率", f"未脱贫人口÷户籍人口（{formats.fmt_people(m.get('population'))}）"),
        ("贫困户脱贫", "预计人均纯收入不低于贫困线，且“两不愁三保障”及饮水安全均有保障"),
        ("贫困村出列", f"贫困发生率降到{formats.fmt_pct_short(p.get('village_threshold'))}以下，"
                      "且村级活动场所、道路达标"),
    ]
    if p.get("collective_income_line") is not None:
        rows.append(("村集体经济收入标准", f"{formats.fmt_wan(p['collective_income_line'])}/年，低于它为集体经济薄弱村"))
    if p.get("industry_coverage_line") is not None:
        rows.append(("产业帮扶覆盖率标准", formats.fmt_pct_short(p["industry_coverage_line"])))
    line, reg = (m.get("monitoring") or {}).get("line"), m.get("registry")
    if reg is not None:  # the registry's lines of Y and T; the income warning's only where it differs from T's
        rows.append(("防返贫监测收入线", f"{reg.get('year')}年{formats.fmt_yuan(reg.get('line'))}/人·年；"
                                          f"{reg.get('target_year')}年{formats.fmt_yuan(reg.get('target_line'))}/人·年"))
        if line is not None and line != reg.get("target_line"):
            rows.append((f"{narrative.INCOME_WARNING}收入线", f"{formats.fmt_yuan(line)}/人·年"))
    elif line is not None:
        rows.append(("防返贫监测收入线", f"{formats.fmt_yuan(line)}/人·年"))
    if national:
        rows.append(("全国参考", "全国农村贫困发生率（国家统计局，2010年标准）"))
    day = run_date(day)
    rows.append(("统计时间", f"截至{year}年底，测算日期{day.year}年{day.month}月{day.day}日"))
    return rows
