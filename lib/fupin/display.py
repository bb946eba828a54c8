"""What a report notebook shows, as escaped HTML and embedded PNG.

Notebooks call these and nothing else to show things, so the report looks
the same everywhere and every text value from the data is escaped here.

Each element carries its look inline, taken from the report's own
stylesheet (``templates/report.css``), so a JupyterLab cell shows the
headline boxes, tables and notes as the report does (Lab keeps ``style``
attributes even in untrusted notebooks, not ``<style>`` blocks). Those
outputs are marked (:data:`INLINE_STYLED`) and the HTML export drops the
inline styles again: in the report the stylesheet alone decides, print and
narrow screens included.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, display
from matplotlib.figure import Figure

#: MIME type of the hidden output that carries metrics.json to the runner.
METRICS_MIME = "application/vnd.fupin.metrics+json"
#: Output metadata key of HTML whose inline styles are for JupyterLab only.
INLINE_STYLED = "fupin_inline_styles"
_RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
_VAR = re.compile(r"var\((--[\w-]+)\)")


@lru_cache(maxsize=1)
def _declarations() -> dict[str, str]:
    """Top-level rules of report.css by single selector, CSS variables resolved."""
    from fupin.export import report_css

    css = re.sub(r"/\*.*?\*/", "", report_css(), flags=re.S)
    css = re.sub(r"@[\w-]+[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)  # @media, @page blocks
    rules: dict[str, str] = {}
    for selectors, body in _RULE.findall(css):
        for selector in selectors.split(","):
            key = " ".join(selector.split())
            rules[key] = "; ".join(filter(None, (rules.get(key, ""), body.strip().rstrip(";"))))
    variables = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+)", rules.get(":root", "")))
    return {k: _VAR.sub(lambda v: variables.get(v.group(1), v.group(0)).strip(), " ".join(body.split()))
            for k, body in rules.items()}


def inline_style(*selectors: str) -> str:
    """`` style="..."`` with report.css's declarations for these selectors, later ones winning.

    >>> inline_style("td", "td.text")
    ' style="border: 1px solid #d9dee3; padding: 4px 10px; text-align: right; vertical-align: top; text-align: left"'
    """
    rules = _declarations()
    body = "; ".join(rules[s].strip().rstrip(";") for s in selectors if s in rules)
    return f' style="{esc(body)}"' if body else ""


def _show_html(markup: str) -> None:
    """Display HTML whose inline styles the report export removes (:data:`INLINE_STYLED`)."""
    display(HTML(markup), metadata={INLINE_STYLED: True})


def esc(value: object) -> str:
    """HTML-escape any value's text (control characters removed).

    >>> esc('<b>&"x\x0b')
    '&lt;b&gt;&amp;&quot;x'
    """
    from fupin.literal import without_controls

    return html.escape(without_controls("" if value is None else str(value)))


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """The figure as PNG bytes (tight bounding box)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def emit_metrics(metrics: dict) -> None:
    """Hand the metrics dict to the runner (hidden from the HTML report)."""
    display({METRICS_MIME: metrics}, raw=True)


def show_title(title: str, subtitle: str = "") -> None:
    """The report's title and a grey subtitle line."""
    sub = f'<p class="subtitle"{inline_style("p", ".subtitle")}>{esc(subtitle)}</p>' if subtitle else ""
    _show_html(f'<h1{inline_style("h1")}>{esc(title)}</h1>{sub}')


def show_paragraph(text: str, css_class: str = "") -> None:
    """One paragraph of generated Chinese text."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    styles = ("p", *(f".{c}" for c in css_class.split()))
    _show_html(f"<p{cls}{inline_style(*styles)}>{esc(text)}</p>")


def show_heading(text: str, level: int = 3) -> None:
    """A sub-heading inside a section (h3 by default)."""
    _show_html(f"<h{level}{inline_style(f'h{level}')}>{esc(text)}</h{level}>")


def show_list(items: Iterable[str], empty: str = "未发现问题。", css_class: str = "problems") -> None:
    """A bulleted list; ``empty`` is shown when there is nothing to list."""
    li = inline_style(f"ul.{css_class} li")
    rows = [f"<li{li}>{esc(item)}</li>" for item in items]
    if not rows:
        show_paragraph(empty, "note")
        return
    _show_html(f'<ul class="{esc(css_class)}">{"".join(rows)}</ul>')


def show_kpis(kpis: Sequence[tuple[str, str]]) -> None:
    """Headline figures as boxes: ``[(value, label), ...]``."""
    box, value, label = (inline_style(".headline .kpi"), inline_style(".headline .kpi b"),
                         inline_style(".headline .kpi span"))
    boxes = "".join(f'<div class="kpi"{box}><b{value}>{esc(v)}</b><span{label}>{esc(k)}</span></div>'
                    for v, k in kpis)
    _show_html(f'<div class="headline"{inline_style(".headline")}>{boxes}</div>')


def table_html(frame: pd.DataFrame, text_columns: Sequence[str] = ()) -> str:
    """A DataFrame as an escaped HTML table; ``text_columns`` (by default: object and string columns) align left.

    String columns count whatever their storage, so a table aligns alike
    under pandas 2 (text as ``object``) and pandas 3 (text as ``str``).
    """
    text = set(text_columns) or {c for c in frame.columns if _is_text(frame[c].dtype)}
    th = {k: inline_style("th", f"th.{k}") for k in ("text", "num")}
    td = {k: inline_style("td", f"td.{k}") for k in ("text", "num")}
    kind = ["text" if c in text else "num" for c in frame.columns]
    head = "".join(f'<th class="{k}"{th[k]}>{esc(c)}</th>' for c, k in zip(frame.columns, kind))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{k}"{td[k]}>{esc(_cell(v))}</td>' for k, v in zip(kind, row))
        + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return f'<table{inline_style("table")}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _is_text(dtype: object) -> bool:
    """Whether a column of ``dtype`` holds text: ``object``, or any pandas string dtype (``str``, ``string``)."""
    return dtype == object or isinstance(dtype, pd.StringDtype)


def show_table(frame: pd.DataFrame, caption: str = "", empty: str = "无。", text_columns: Sequence[str] = ()) -> None:
    """Show a table as a person reads it (:func:`fupin.tables.for_people`), with an optional caption above."""
    if caption:
        show_paragraph(caption, "note")
    if frame.empty:
        show_paragraph(empty, "note")
        return
    from fupin.tables import for_people

    _show_html(table_html(for_people(frame), text_columns))


def show_download(path: str | Path | None, text: str, note: str = "", empty: str = "") -> None:
    """A link to a file written beside the report (``href`` is the file's name alone).

    With no ``path`` (nothing was written) the ``empty`` note is shown instead.
    """
    if not path:
        if empty:
            show_paragraph(empty, "note")
        return
    tail = f'<span class="note"{inline_style(".note")}>{esc(note)}</span>' if note else ""
    _show_html(f'<p class="download"{inline_style("p")}><a href="{esc(Path(path).name)}">{esc(text)}</a> {tail}</p>')


def show_figure(fig: Figure, alt: str = "") -> None:
    """Embed a chart as a PNG and release the figure's memory."""
    png = figure_png(fig)
    display(Image(data=png, format="png", metadata={"alt": alt} if alt else None))
    fig.clf()


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "—"
    return str(value)
