"""Report-level words around the figures: title, subtitle, headline boxes."""

from __future__ import annotations

from fupin.report.narrative import area_name
from fupin.core.formats import fmt_hh_people, fmt_pct_short, fmt_yuan


def title(m: dict) -> str:
    """e.g. ``城关镇2018年脱贫攻坚情况报告``."""
    return f"{area_name(m)}{m['year']}年脱贫攻坚情况报告"


def subtitle(m: dict) -> str:
    """County (and township), the date and the lines in one grey line: no code a leader would not read.

    >>> subtitle({"township_id": "990101001", "township_name": "城关镇", "county_name": "示例县", "year": 2018,
    ...           "target_year": 2019, "parameters": {"poverty_line": 3500, "village_threshold": 0.02}})
    '示例县城关镇 · 截至2018年底，预测2019年 · 贫困线3,500元/人·年 · 贫困村出列阈值2%'
    """
    p = m["parameters"]
    county = m.get("county_name") or ""
    area = county if m["township_id"] == "county" else f"{county}{m.get('township_name') or ''}"
    return (
        f"{area} · 截至{m['year']}年底，预测{m['target_year']}年 · "
        f"贫困线{fmt_yuan(p['poverty_line'])}/人·年 · 贫困村出列阈值{fmt_pct_short(p['village_threshold'])}"
    )


def kpis(m: dict) -> list[tuple[str, str]]:
    """Headline boxes: incidence now and projected, remaining and exiting."""
    y, t = m["year"], m["target_year"]
    return [
        (fmt_pct_short(m["incidence"]), f"{y}年底贫困发生率"),
        (fmt_pct_short(m["projection"]["incidence"]), f"{t}年预计贫困发生率"),
        (fmt_hh_people(m["remaining"]), f"{y}年底未脱贫"),
        (fmt_hh_people(m["projection"]["exits"]), f"{t}年拟脱贫"),
    ]


def follow_up_lists(m: dict) -> list[tuple[str, str]]:
    """The household-level lists of the cadres' workbook and how much each holds, from the metrics.

    未脱贫户 are the remaining households not projected to exit in T
    (``projection.remaining``): said so, beside the headline's remaining at Y
    and those of them projected to exit, so the count never reads as the
    headline's. 监测户 are the exited households to monitor
    (``monitoring.monitored``; 收入监测预警 beside the registry), 受阻贫困村 the poor villages that cannot
    exit in T (``projection.villages_blocked``), 存在问题 the report's items
    (:func:`fupin.report.narrative.problem_items`) with the households they concern;
    with the monitoring registry, 监测对象, 应纳未纳 and 风险消除不稳 (``registry``).

    >>> follow_up_lists({"year": 2018, "target_year": 2019, "remaining": {"households": 415, "people": 924},
    ...     "projection": {"remaining": {"households": 163, "people": 358}, "exits": {"households": 252, "people": 566},
    ...     "villages_blocked": {"v1": ["road_ok"]}}, "monitoring": {"monitored": {"households": 2, "people": 5}}})[0]
    ('未脱贫户', '163户358人：2019年预计仍未脱贫的户（2018年底未脱贫415户924人，其中252户566人2019年拟脱贫）')
    """
    from fupin.report.narrative import income_warning_list, problem_items

    projection = m.get("projection") or {}
    monitored = (m.get("monitoring") or {}).get("monitored") or {"households": 0, "people": 0}
    remaining = (f"{fmt_hh_people(projection.get('remaining'))}：{m.get('target_year')}年预计仍未脱贫的户"
                 f"（{m.get('year')}年底未脱贫{fmt_hh_people(m.get('remaining'))}，"
                 f"其中{fmt_hh_people(projection.get('exits'))}{m.get('target_year')}年拟脱贫）")
    lists = [
        ("未脱贫户", remaining),
        (income_warning_list(m), fmt_hh_people(monitored)),
        ("受阻贫困村", f"{len(projection.get('villages_blocked') or {})}个"),
        ("存在问题", f"{len(problem_items(m))}项"),
    ]
    registry = m.get("registry")
    if registry:  # the monitoring registry's lists: 监测对象, 应纳未纳, 风险消除不稳
        lists += [(name, fmt_hh_people(registry.get(key))) for name, key in (
            ("监测对象", "monitored"), ("应纳未纳", "possibly_missed"), ("风险消除不稳", "shaky_elimination"))]
    return lists


def follow_up_where(m: dict) -> str:
    """The sentence that sends the reader to the workbook for the household rows."""
    return (f"逐户名单不在本报告中，见{area_name(m)}的跟踪清单（Excel工作簿，与本报告同在一个文件夹），"
            "供乡镇、村逐户跟踪使用，户主姓名已脱敏。各清单户数：")
