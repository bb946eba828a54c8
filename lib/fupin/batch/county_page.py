"""The county page (``index.html``), ``summary.json`` and the run record ``run.json`` of a batch.

``run.json`` is the office's: the parameters, the input files with their
SHA-256, the code and the environment, so any output can be traced to its
inputs. A leader's page, document or email shows none of it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from fupin.core.config import AUDIT_XLSX, COUNTY_DOCX, RUN_RECORD, TEMPLATES_DIR
from fupin.core.county import County
from fupin.report.county_table import (
    HEADERS, REGISTRY_HEADERS, cell, headers, registry_rows, report_href, total_row, township_row,
)
from fupin.core.files import atomic_write_bytes, atomic_write_json, atomic_write_text, id_path, inside
from fupin.core.text import finalize
from fupin.report.style import report_css  # not from fupin.report.html: the runner never imports nbconvert

if TYPE_CHECKING:
    from fupin.batch.jobs import TownshipResult
    from fupin.figures.parameters import Parameters


def _env() -> jinja2.Environment:
    from fupin.report.show import card_class

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
    )
    env.globals["card_class"] = card_class  # a phone's card: a cell too wide for half a line takes it all
    return env


def failed_row(r: "TownshipResult") -> list[dict]:
    """A failed township's row: its name, then one cell across the figures saying it has no report."""
    return [
        cell(r.township_name, r.township_id, text=True),
        {**cell("报告未能生成，本行无数据（原因见下文「未能生成的报告」）", "", text=True), "span": len(HEADERS) - 1},
    ]


@dataclass(frozen=True)
class PreparedCountyPage:
    """The parts of the county page that need no township's report (:func:`prepare_county_page`)."""

    #: The county's metrics (``summary.json``).
    summary: dict
    title: str
    #: The page template, compiled.
    template: jinja2.Template
    #: The template's values that come from the county and the parameters alone.
    context: dict[str, Any]
    #: The county document's charts of the county's own figures, as PNG bytes by chart name.
    docx_charts: dict[str, bytes]
    #: The input files' names.
    sources: list[str]
    #: The run record (``run.json``) but its time: parameters, input files with SHA-256, code, environment.
    record: dict[str, Any] = field(default_factory=dict)


def prepare_county_page(county: County, params: "Parameters", summary: dict | None = None) -> PreparedCountyPage:
    """Everything of the county page that does not depend on the townships' results.

    The modules are imported, the report font loaded, the county document's
    charts of the county's own figures drawn, the narrative and the
    parameter and input rows written, the page template compiled.
    ``fupin run`` calls this in a side thread while the townships run;
    :func:`write_county_page` then adds the townships' parts. ``summary`` is
    the county's :func:`fupin.figures.analysis.Analysis.metrics` (computed when None).
    Charts are drawn here on their own Agg canvases, but matplotlib's
    rcParams are global: no other thread may draw while this runs.

    >>> import fupin
    >>> from fupin.core.config import SAMPLE_DIR
    >>> from fupin.figures.parameters import report_parameters
    >>> prepared = prepare_county_page(fupin.load(SAMPLE_DIR), report_parameters(year=2018))
    >>> prepared.title, sorted(prepared.docx_charts)
    ('示例县2018年脱贫攻坚情况（乡镇汇总）', ['incidence_trend_chart', 'income_band_chart'])
    """
    from fupin.report import headline, narrative
    from fupin.core.contract import INPUT_TABLES
    from fupin.report.word import county_charts
    import platform

    import pandas as pd

    from fupin.figures.analysis import analyse
    from fupin.report.style import PARAMETER_LABELS, fmt_parameter, print_header_css, use_report_style
    from fupin.report.tables import code_version

    if summary is None:
        summary = analyse(county, params).metrics
    use_report_style()
    name = county.name or "全县"
    title = f"{name}{params.year}年脱贫攻坚情况（乡镇汇总）"
    shown = params.as_dict()
    context = dict(
        title=title,
        docx=COUNTY_DOCX,
        subtitle=headline.subtitle(summary),
        css=report_css(),
        print_css=print_header_css(title),
        summary=summary,
        kpis=headline.kpis(summary),
        paragraph=narrative.basic_situation(summary),
        whole=narrative.whole_area(summary),
        problems=narrative.problems(summary),
        registry_paragraph=narrative.registry_summary(summary),
        headers=headers(summary),
        total=total_row(summary),
        info=[(PARAMETER_LABELS[k], fmt_parameter(k, v)) for k, v in shown.items()],  # what a leader needs
    )
    record = {
        "county": county.name,
        "parameters": {PARAMETER_LABELS[k]: fmt_parameter(k, v) for k, v in shown.items()},
        "inputs": [{"table": INPUT_TABLES[t].label if t in INPUT_TABLES else t, "file": s.path.name, "sheet": s.sheet or "",
                    "sha256": s.sha256} for t, s in county.sources.items()],
        "code": code_version(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
    }
    return PreparedCountyPage(
        summary=summary, title=title, template=_env().get_template("index.html.j2"), context=context,
        docx_charts=county_charts(summary), sources=[s.path.name for s in county.sources.values()], record=record,
    )


def write_county_page(
    out: Path, county: County, params: "Parameters", results: Sequence["TownshipResult"],
    tmp_dir: Path | None = None, summary: dict | None = None, prepared: PreparedCountyPage | None = None,
    office: str = "",
) -> Path:
    """Write ``summary.json`` (the county's metrics), ``run.json`` (the run record), ``county.docx`` and ``index.html``.

    ``summary`` is the county's :func:`fupin.figures.analysis.Analysis.metrics` when
    the caller computed it already. ``prepared`` is what
    :func:`prepare_county_page` made of this county and these parameters
    (``fupin run`` makes it while the townships run): only the townships'
    parts are made here then (and ``summary`` is the one it carries). The
    files are the same either way. ``office`` is county.docx's 落款 (``--county-office``, with
    ``{县}`` for the county's name; "" for the default).
    """
    from fupin.report import charts as plots
    from fupin.report.show import figure_pngs, shown_width
    from fupin.report.style import PIXEL_RATIO
    from fupin.report import brief
    from fupin.report.word import PICTURE_DPI, county_document, document_bytes
    from fupin.report.style import fmt_local_date, fmt_local_time, use_report_style

    if prepared is None:
        prepared = prepare_county_page(county, params, summary)
    summary = prepared.summary
    atomic_write_json(inside(out, "summary.json"), summary, tmp_dir)
    atomic_write_json(inside(out, RUN_RECORD), {**prepared.record, "generated": fmt_local_time(),
                                                "townships": [{"township_id": r.township_id, "township_name": r.township_name,
                                                               "ok": r.ok} for r in results]}, tmp_dir)

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
    charts = dict(prepared.docx_charts)
    if per_township:
        use_report_style()
        fig = plots.county_overview_chart(per_township)  # built and laid out once, for the page and the document
        shown, printed = figure_pngs(fig, [fig.dpi * PIXEL_RATIO, PICTURE_DPI])
        chart = {"png": base64.b64encode(shown).decode("ascii"), "width": shown_width(shown)}
        charts[plots.county_overview_chart.__name__] = printed
        fig.clf()

    failed = [
        {**r.__dict__, "notebook_href": report_href(r.township_id, Path(r.notebook).name) if r.notebook else ""}
        for r in results
        if not r.ok
    ]
    docx = county_document(prepared.title, summary, per_township, failed=[r.township_name for r in results if not r.ok],
                           sources=prepared.sources, charts=charts,
                           office=brief.office(summary, office) if office else None)
    atomic_write_bytes(inside(out, COUNTY_DOCX), document_bytes(docx), tmp_dir)
    from fupin.report.audit_words import BACKTEST_HEADERS, audit_counts, backtest_rows

    html = prepared.template.render({
        **prepared.context,
        "audit": {"counts": audit_counts(summary), "headers": BACKTEST_HEADERS, "href": AUDIT_XLSX,
                  "rows": backtest_rows(per_township, summary)},
        "rows": rows,
        "registry_rows": registry_rows(per_township),
        "registry_headers": REGISTRY_HEADERS,
        "failed": failed,
        "chart": chart,
        "info": [*prepared.context["info"], ("生成时间", fmt_local_date())],
    })
    return atomic_write_text(inside(out, "index.html"), html, tmp_dir)
