"""The county page (``index.html``) and ``summary.json`` of a batch."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from fupin.config import COUNTY_DOCX, TEMPLATES_DIR
from fupin.county import County
from fupin.county_table import HEADERS, cell, report_href, township_row  # noqa: F401 (re-exported)
from fupin.export import report_css
from fupin.fsutil import atomic_write_bytes, atomic_write_json, atomic_write_text, id_path, inside
from fupin.literal import finalize

if TYPE_CHECKING:
    from fupin.jobs import RunParameters, TownshipResult


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
    )


def failed_row(r: "TownshipResult") -> list[dict]:
    """A failed township's row: its name, then one cell across the figures saying it has no report."""
    return [
        cell(r.township_name, r.township_id, text=True),
        {**cell("报告未能生成，本行无数据（原因见下文「未能生成的报告」）", "", text=True), "span": len(HEADERS) - 1},
    ]


def write_county_page(
    out: Path, county: County, params: "RunParameters", results: Sequence["TownshipResult"],
    tmp_dir: Path | None = None, summary: dict | None = None,
) -> Path:
    """Write ``summary.json`` (the county's metrics), ``county.docx`` and ``index.html``.

    ``summary`` is the county's :func:`fupin.metrics.township_metrics` when
    the caller computed it already (``fupin run`` does, while the townships run).
    """
    from fupin import narrative, plots, report
    from fupin.columns import TABLES
    from fupin.display import figure_png
    from fupin.docx_report import county_document, document_bytes
    from fupin.export import print_header_css
    from fupin.metrics import township_metrics
    from fupin.style import PARAMETER_LABELS, fmt_checksum, fmt_local_time, fmt_parameter, use_report_style
    from fupin.tables import code_version

    if summary is None:
        summary = township_metrics(county, params.year, **params.metrics_kwargs())
    atomic_write_json(inside(out, "summary.json"), summary, tmp_dir)

    per_township = []
    rows = []
    for r in results:
        if r.ok and (path := id_path(out, r.township_id, "metrics.json")).exists():
            m = json.loads(path.read_text(encoding="utf-8"))
            per_township.append(m)
            rows.append(township_row(m))
        else:
            rows.append(failed_row(r))

    chart = ""
    if per_township:
        use_report_style()
        fig = plots.county_overview_chart(per_township)
        chart = base64.b64encode(figure_png(fig)).decode("ascii")
        fig.clf()

    failed = [
        {**r.__dict__, "notebook_href": report_href(r.township_id, Path(r.notebook).name) if r.notebook else ""}
        for r in results
        if not r.ok
    ]
    name = county.name or "全县"
    title = f"{name}{params.year}年脱贫攻坚情况（乡镇汇总）"
    docx = county_document(title, summary, per_township, failed=[r.township_name for r in results if not r.ok],
                           sources=[s.path.name for s in county.sources.values()])
    atomic_write_bytes(inside(out, COUNTY_DOCX), document_bytes(docx), tmp_dir)
    shown = {"year": params.year, "poverty_line": params.poverty_line, "bands": params.used_bands,
             "growth": params.growth, "village_threshold": params.village_threshold,
             "collective_income_line": params.collective_income_line,
             "collective_income_exit": bool(params.metrics_kwargs().get("collective_income_exit")),
             "industry_coverage_line": params.industry_coverage_line}
    html = _env().get_template("index.html.j2").render(
        title=title,
        docx=COUNTY_DOCX,
        subtitle=report.subtitle(summary),
        css=report_css(),
        print_css=print_header_css(title),
        summary=summary,
        kpis=report.kpis(summary),
        paragraph=narrative.basic_situation(summary),
        whole=narrative.whole_area(summary),
        problems=narrative.problems(summary),
        headers=HEADERS,
        rows=rows,
        failed=failed,
        chart=chart,
        info=[
            *[(PARAMETER_LABELS[k], fmt_parameter(k, v)) for k, v in shown.items()],
            *[(f"输入：{TABLES[t].label if t in TABLES else t}",
               f"{s.path.name}{f'（工作表「{s.sheet}」）' if s.sheet else ''}，SHA-256 {fmt_checksum(s.sha256)}")
              for t, s in county.sources.items()],
            ("代码版本", code_version()),
            ("生成时间", fmt_local_time()),
        ],
    )
    return atomic_write_text(inside(out, "index.html"), html, tmp_dir)
