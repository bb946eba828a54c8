"""Report-level words around the figures: title, subtitle, headline boxes."""

from __future__ import annotations

from fupin.style import fmt_hh_people, fmt_pct, fmt_pct_short


def area_name(m: dict) -> str:
    """The township's name, or the county's for the county summary."""
    return m.get("township_name") or m.get("county_name") or ""


def title(m: dict) -> str:
    """e.g. ``城关镇2018年脱贫攻坚情况报告``."""
    return f"{area_name(m)}{m['year']}年脱贫攻坚情况报告"


def subtitle(m: dict) -> str:
    """County, township code and the parameters in one grey line."""
    p = m["parameters"]
    county = m.get("county_name") or ""
    code = "" if m["township_id"] == "county" else f" · 乡镇代码 {m['township_id']}"
    return (
        f"{county}{code} · 截至{m['year']}年底，预测{m['target_year']}年 · "
        f"贫困线{p['poverty_line']:,.0f}元/人·年 · 贫困村退出阈值{fmt_pct_short(p['village_threshold'])}"
    )


def kpis(m: dict) -> list[tuple[str, str]]:
    """Headline boxes: incidence now and projected, remaining and exiting."""
    y, t = m["year"], m["target_year"]
    return [
        (fmt_pct(m["incidence"]), f"{y}年底贫困发生率"),
        (fmt_pct(m["projection"]["incidence"]), f"{t}年预计贫困发生率"),
        (fmt_hh_people(m["remaining"]), f"{y}年底未脱贫"),
        (fmt_hh_people(m["projection"]["exits"]), f"{t}年拟脱贫"),
    ]
