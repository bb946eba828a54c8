"""What a message shows: subject, headline figures, paragraphs, charts, the county table; HTML and text bodies.

Words come from the report layer (:mod:`fupin.report.headline`, :mod:`fupin.report.narrative`),
charts from :mod:`fupin.report.charts`; everything is read from the report folder.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fupin.core.text import file_name, finalize, one_line, url_segment
from fupin.report.style import PIXEL_RATIO
from fupin.mail.config import COUNTY, MailConfig
from fupin.mail.folder import Report, township_metrics_in


#: Chart resolution and display width: each PNG is drawn at ``CHART_DPI * PIXEL_RATIO``
#: (:data:`fupin.report.style.PIXEL_RATIO`) and shown at ``CHART_DPI``: sharp on a phone's or a
#: laptop's 2× screen, each PNG still under 100 KB.
CHART_DPI = 96
BODY_WIDTH = 640
CHART_WIDTH = BODY_WIDTH - 40
#: Gmail clips bodies past ~102 KB; the HTML part stays under this (UTF-8 bytes).
HTML_LIMIT = 100_000

Metrics = Mapping[str, Any]


@dataclass(frozen=True)
class Chart:
    """One inline chart: PNG bytes, its Content-ID (no brackets) and display size."""

    name: str
    title: str
    png: bytes
    cid: str
    width: int
    height: int


@dataclass(frozen=True)
class Table:
    """A plain table for the county message: header labels and cell dicts (label, href)."""

    headers: list[str]
    rows: list[list[dict[str, Any]]]


@dataclass(frozen=True)
class Content:
    """Everything a message shows, in both the HTML and the plain-text part."""

    title: str
    subtitle: str
    kpis: list[tuple[str, str]]
    overview_heading: str
    paragraph: str
    problems: list[str]
    charts: list[Chart]
    note: str
    link: str | None
    footer: list[str]
    table: Table | None = None
    table_heading: str = "各乡镇情况"
    charts_heading: str = "主要图表"
    problems_heading: str = "存在问题"


def subject_fields(m: Metrics) -> dict[str, str]:
    """The values of the subject placeholders (see SUBJECT_FIELDS) for a metrics dict."""
    from fupin.report import headline as report
    from fupin.report.narrative import area_name
    from fupin.core.formats import fmt_hh_people, fmt_pct

    projection = m.get("projection") or {}
    return {
        "county": str(m.get("county_name") or ""),
        "township": area_name(m),
        "township_id": str(m.get("township_id") or COUNTY),
        "year": str(m.get("year", "")),
        "target_year": str(m.get("target_year", "")),
        "incidence": fmt_pct(m.get("incidence")),
        "projected_incidence": fmt_pct(projection.get("incidence")),
        "remaining": fmt_hh_people(m.get("remaining")),
        "exits": fmt_hh_people(projection.get("exits")),
        "title": report.title(dict(m)),
    }


def render_subject(template: str, m: Metrics) -> str:
    """The subject line: `template` filled from `m`, on one line, without invisible characters
    (:func:`fupin.core.text.one_line`: a right-to-left override in a name does not reach the header).

    >>> render_subject("【{county}】{township}{year}年：{incidence}", {"county_name": "示例县",
    ...     "township_id": "1", "township_name": "城关镇", "year": 2018, "incidence": 0.0323})
    '【示例县】城关镇2018年：3.23%'
    """
    return one_line(template.format_map(subject_fields(m)))


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _chart(name: str, fig: Any, title: str, domain: str) -> Chart:
    """Render `fig` at CHART_DPI × PIXEL_RATIO and size it for the message body: CHART_DPI's size
    at most, never wider than the body (two or more image pixels to a CSS pixel)."""
    from fupin.report.show import figure_png

    png = figure_png(fig, dpi=CHART_DPI * PIXEL_RATIO)
    fig.clf()
    width, height = png_size(png)
    shown = min(round(width / PIXEL_RATIO), CHART_WIDTH)
    return Chart(name=name, title=title, png=png, cid=content_id(name, domain),
                 width=shown, height=round(height * shown / width))


def content_id(name: str, domain: str) -> str:
    """A short unique Content-ID (no brackets), so its header never needs folding."""
    return f"{name}.{secrets.token_hex(6)}@{domain}"


def township_charts(m: Metrics, domain: str) -> list[Chart]:
    """The key charts of a township: incidence trend, income bands, exits by village."""
    from fupin.report import charts as plots
    from fupin.report.national import national_series

    return [
        _chart("incidence-trend", plots.incidence_trend_chart(m, national_series()), "贫困发生率变化", domain),
        _chart("income-bands", plots.income_band_chart(m), "贫困户人均纯收入预计分布", domain),
        _chart("exits-by-village", plots.exits_by_village_chart(m), "各村未脱贫人口及拟脱贫人口", domain),
    ]


def county_charts(summary: Metrics, townships: Sequence[Metrics], domain: str) -> list[Chart]:
    """The county's charts: incidence per township (index.html's chart) and the county trend."""
    from fupin.report import charts as plots
    from fupin.report.national import national_series

    charts = []
    if townships:
        charts.append(_chart("townships", plots.county_overview_chart(townships), "各乡镇贫困发生率", domain))
    charts.append(_chart("incidence-trend", plots.incidence_trend_chart(summary, national_series()),
                         "全县贫困发生率变化", domain))
    return charts


#: The columns of index.html's township table a leader reads first, in that order: on a phone, those past
#: the screen's width are reached by scrolling the table (建档立卡 is in the message's 基本情况).
TABLE_COLUMNS = ("乡镇", "未脱贫", "贫困发生率", "预计发生率", "拟出列贫困村", "拟脱贫")


def county_table(townships: Sequence[Metrics], report_url: str | None, summary: Metrics | None = None) -> Table:
    """index.html's table of townships (its cells, TABLE_COLUMNS only); names link when report_url is set;
    the 全县合计 row of `summary` (the county as a whole) last."""
    from fupin.report.county_table import HEADERS, total_row, township_row

    keep = [HEADERS.index(h) for h in TABLE_COLUMNS]
    rows = []
    for m in townships:
        row = [township_row(dict(m))[i] for i in keep]
        row[0] = {**row[0], "href": f"{report_url.rstrip('/')}/{url_segment(m['township_id'])}/report.html" if report_url else ""}
        rows.append(row)
    if summary is not None and rows:
        rows.append([total_row(dict(summary))[i] for i in keep])
    return Table(headers=list(TABLE_COLUMNS), rows=rows)


def attachment_name(report: Report) -> str:
    """The attached HTML's file name, e.g. ``城关镇2018年脱贫攻坚情况报告.html``."""
    from fupin.report import headline as words

    if report.key == COUNTY:
        return file_name(f"{report.name}{report.metrics.get('year', '')}年脱贫攻坚情况（乡镇汇总）.html")
    return file_name(f"{words.title(report.metrics)}.html")


def docx_attachment_name(report: Report) -> str:
    """The attached Word document's file name, e.g. ``城关镇2018年脱贫攻坚情况报告.docx``."""
    return str(Path(attachment_name(report)).with_suffix(".docx"))


def _note(report: Report, config: MailConfig) -> tuple[str, str | None]:
    """Where the full report is: attached, online, or kept with the report folder."""
    what = "全县汇总页（各乡镇报告链接、数据说明）" if report.key == COUNTY else "完整报告（各村情况、数据说明等）"
    link = None
    if config.report_url:
        page = "index.html" if report.key == COUNTY else f"{url_segment(report.key)}/report.html"
        link = f"{config.report_url.rstrip('/')}/{page}"
    word = f"Word版（公文格式）见附件《{docx_attachment_name(report)}》。" if report.docx else ""
    if config.attach_report:
        note = f"{what}见附件《{attachment_name(report)}》，请用浏览器打开。{word}"
        return (note + "也可在线查看：" if link else note), link
    if word:
        return (f"{word}{what}可在线查看：", link) if link else (word, None)
    if link:
        return f"{what}可在线查看：", link
    return (f"{what}及Word版保存在本期报告文件夹中，未随本邮件发送：请直接回复本邮件"
            f"（{config.sender_address}）索取。"), None


def _footer(report: Report) -> list[str]:
    """The closing lines a leader reads: where the figures come from and the day. The report's
    checksum stays in the message's ``X-Fupin-Report`` header, for the office."""
    now = dt.datetime.now().astimezone()
    return [
        "本邮件根据本期报告自动生成，图表数字与完整报告一致。",
        f"生成日期：{now.year}年{now.month}月{now.day}日",
    ]


def build_content(report: Report, config: MailConfig, folder: Path, township_ids: Sequence[str]) -> Content:
    """What the message of `report` shows: words from fupin.report.narrative/report, charts from fupin.report.charts."""
    from fupin.report import narrative
    from fupin.report import headline as words

    m = report.metrics
    domain = config.sender_address.rpartition("@")[2]
    note, link = _note(report, config)
    common = {"subtitle": words.subtitle(dict(m)), "kpis": words.kpis(dict(m)),
              "paragraph": narrative.basic_situation(m), "problems": narrative.problems(m),
              "note": note, "link": link, "footer": _footer(report)}
    if report.key != COUNTY:
        return Content(title=words.title(dict(m)), overview_heading="基本情况",
                       charts=township_charts(m, domain), **common)
    townships = township_metrics_in(folder, township_ids)
    return Content(title=f"{report.name}{m.get('year', '')}年脱贫攻坚情况（乡镇汇总）",
                   overview_heading=f"{narrative.whole_area(m)}基本情况",
                   charts=county_charts(m, townships, domain), table=county_table(townships, config.report_url, m),
                   problems_heading=f"{narrative.whole_area(m)}存在问题", **common)


def html_body(content: Content) -> str:
    """The HTML part, from templates/email.html.j2 (autoescaped)."""
    import jinja2

    from fupin.core.config import TEMPLATES_DIR

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False, finalize=finalize)
    return env.get_template("email.html.j2").render(c=content, width=BODY_WIDTH)


def fitted_html(content: Content) -> str:
    """The HTML part, under HTML_LIMIT bytes: a county with very many townships
    keeps its township table in the plain-text part (and the summary page) only."""
    html = html_body(content)
    if len(html.encode("utf-8")) > HTML_LIMIT and content.table:
        note = f"乡镇较多，{content.table_heading}表见本邮件的纯文本部分。{content.note}"
        html = html_body(replace(content, table=None, note=note))
    return html


def text_body(content: Content) -> str:
    """The plain-text part: title, headline figures, 基本情况, 存在问题, where the full report is."""
    lines = [content.title, content.subtitle, "", "【主要指标】"]
    lines += [f"  {label}：{value}" for value, label in content.kpis]
    lines += ["", f"【{content.overview_heading}】", content.paragraph]
    if content.table:
        lines += ["", f"【{content.table_heading}】"]
        for row in content.table.rows:
            cells = (f"{h} {c['label']}" for h, c in zip(content.table.headers[1:], row[1:]))
            lines.append(f"  {row[0]['label']}：" + "；".join(cells))
    lines += ["", f"【{content.problems_heading}】"]
    lines += [f"  {i}. {item}" for i, item in enumerate(content.problems, 1)] or ["  未发现问题。"]
    lines += ["", content.note + (f" {content.link}" if content.link else ""), "", "-- ", *content.footer]
    return "\n".join(lines) + "\n"
