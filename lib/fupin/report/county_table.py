"""The county table: one row per township, from its metrics.json.

The county page (:mod:`fupin.batch.county_page`), the county Word document
(:mod:`fupin.report.word`) and the email (:mod:`fupin.mail.content`) show it.
"""

from __future__ import annotations

from fupin.core.text import url_segment

HEADERS = (
    "乡镇", "行政村", "贫困村", "建档立卡", "未脱贫", "贫困发生率",
    "拟脱贫", "预计发生率", "拟出列贫困村", "收入缺口", "防返贫监测户",
    "集体经济薄弱村", "产业帮扶覆盖率",
)
#: The monitoring column: the exited households the income warning picks (``monitoring.monitored``), or,
#: when the data holds the monitoring registry, the registry's 监测对象 at the end of Y (``registry.monitored``).
MONITORING_HEADER, REGISTRY_MONITORED_HEADER = "防返贫监测户", "监测对象"


def headers(summary: dict) -> tuple[str, ...]:
    """The table's headers for a county whose metrics are `summary`: :data:`HEADERS`, the monitoring
    column named 监测对象 when the data holds the monitoring registry (its rows count the registry then).

    >>> headers({"registry": None}) == HEADERS
    True
    >>> headers({"registry": {"monitored": {"households": 1, "people": 2}}})[HEADERS.index("防返贫监测户")]
    '监测对象'
    """
    if summary.get("registry") is None:
        return HEADERS
    return tuple(REGISTRY_MONITORED_HEADER if h == MONITORING_HEADER else h for h in HEADERS)


def cell(label: object, sort: object = None, href: str = "", text: bool = False) -> dict:
    """One cell of the table: what it shows, how it sorts, its link, whether it is text.

    >>> cell("城关镇", "990101001", text=True)["sort"]
    '990101001'
    """
    return {"label": label, "sort": label if sort is None else sort, "href": href, "text": text, "span": 0}


def township_row(m: dict) -> list[dict]:
    """One township's row of the county table (:func:`headers`), from its metrics.json: with the monitoring
    registry, its monitoring column counts the registry's 监测对象, not the income warning's households.

    >>> row = township_row({"township_id": "1", "township_name": "甲镇", "villages": {"total": 1, "poor": 0,
    ...     "poor_exited": 0}, "registered": {"households": 3, "people": 7}, "remaining": {"households": 1,
    ...     "people": 2}, "incidence": 0.02, "projection": {"exits": {"households": 1, "people": 2},
    ...     "incidence": 0.0, "villages_exiting": []}, "monitoring": {"monitored": {"households": 5, "people": 9}},
    ...     "registry": {"monitored": {"households": 2, "people": 4}}})
    >>> row[HEADERS.index("防返贫监测户")]["label"]
    '2户4人'
    """
    from fupin.core.formats import fmt_hh_people, fmt_pct, fmt_wan

    v, p = m["villages"], m["projection"]
    gap = (m.get("depth") or {}).get("income_gap")
    registry = m.get("registry")
    monitored = (m.get("monitoring") or {}).get("monitored") if registry is None else registry.get("monitored")
    ce, ic = m.get("collective_economy") or {}, m.get("industry_coverage") or {}
    weak = ce.get("weak") or {}
    weak_n = int(weak.get("poor") or 0) + int(weak.get("non_poor") or 0)
    return [
        cell(m["township_name"], m["township_id"], report_href(m["township_id"]), text=True),
        cell(v["total"]),
        cell(f"{v['poor']}（已出列{v['poor_exited']}）", v["poor"]),
        cell(fmt_hh_people(m["registered"]), m["registered"]["people"]),
        cell(fmt_hh_people(m["remaining"]), m["remaining"]["people"]),
        cell(fmt_pct(m["incidence"]), sort_key(m["incidence"])),
        cell(fmt_hh_people(p["exits"]), p["exits"]["people"]),
        cell(fmt_pct(p["incidence"]), sort_key(p["incidence"])),
        cell(len(p["villages_exiting"])),
        cell(fmt_wan(gap), sort_key(gap)),
        cell(fmt_hh_people(monitored), monitored["people"] if monitored else -1),
        cell(f"{weak_n}（贫困村{int(weak.get('poor') or 0)}）" if ce else "—", weak_n if ce else -1),
        cell(fmt_pct(ic.get("share")), sort_key(ic.get("share"))),
    ]


#: The columns of the townships ranked by 应纳未纳 (the monitoring registry, after 2020).
REGISTRY_HEADERS = ("乡镇", "应纳未纳", "风险消除不稳", "监测对象", "预计消除风险", "年内新识别")


def registry_rows(per_township: list[dict]) -> list[list[dict]]:
    """The townships that hold the monitoring registry, ranked by 应纳未纳 (households, then people,
    most first; then by id), one row each: :data:`REGISTRY_HEADERS`. Empty when none holds it.

    >>> rows = registry_rows([
    ...     {"township_id": "1", "township_name": "甲镇", "registry": {"possibly_missed": {"households": 1, "people": 3}}},
    ...     {"township_id": "2", "township_name": "乙乡", "registry": {"possibly_missed": {"households": 4, "people": 9}}},
    ...     {"township_id": "3", "township_name": "丙乡", "registry": None}])
    >>> [(r[0]["label"], r[1]["label"]) for r in rows]
    [('乙乡', '4户9人'), ('甲镇', '1户3人')]
    """
    from fupin.core.formats import fmt_hh_people

    def count(reg: dict, key: str) -> tuple[int, int]:
        c = reg.get(key) or {}
        return int(c.get("households") or 0), int(c.get("people") or 0)

    held = [m for m in per_township if m.get("registry")]
    held.sort(key=lambda m: (-count(m["registry"], "possibly_missed")[0], -count(m["registry"], "possibly_missed")[1],
                             str(m["township_id"])))
    return [[cell(m["township_name"], m["township_id"], report_href(m["township_id"]), text=True),
             *(cell(fmt_hh_people(m["registry"].get(key) or {"households": 0, "people": 0}),
                    count(m["registry"], key)[0])
               for key in ("possibly_missed", "shaky_elimination", "monitored", "projected_elimination",
                           "newly_identified"))]
            for m in held]
def total_row(summary: dict) -> list[dict]:
    """The 全县合计 row under the townships: the county as a whole (summary.json), not a sum of rows.

    >>> summary = {"township_id": "county", "county_name": "示例县", "villages": {"total": 2, "poor": 1,
    ...     "poor_exited": 0}, "registered": {"households": 3, "people": 7}, "remaining": {"households": 1,
    ...     "people": 2}, "incidence": 0.02, "projection": {"exits": {"households": 1, "people": 2},
    ...     "incidence": 0.0, "villages_exiting": ["v1"]}}
    >>> [c["label"] for c in total_row(summary)][:6]
    ['全县合计', 2, '1（已出列0）', '3户7人', '1户2人', '2.00%']
    """
    from fupin.report.narrative import whole_area

    first = cell(f"{whole_area(summary)}合计", "", text=True)
    return [first, *township_row({**summary, "township_name": "", "township_id": ""})[1:]]


def report_href(township_id: object, page: str = "report.html") -> str:
    """The relative link to a township's page: its id percent-encoded, never a scheme.

    >>> report_href("990101001"), report_href("javascript:alert(1)")
    ('990101001/report.html', 'javascript%3Aalert%281%29/report.html')
    """
    return f"{url_segment(township_id)}/{url_segment(page)}"


def sort_key(x: float | None) -> float:
    """A figure as the table sorts it: unknown (None) first.

    >>> sort_key(None), sort_key(0.5)
    (-1.0, 0.5)
    """
    return -1.0 if x is None else float(x)
