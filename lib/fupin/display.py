"""What a report notebook shows, as escaped HTML and embedded PNG.

Notebooks call these and nothing else to show things, so the report looks
the same everywhere and every text value from the data is escaped here.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, display
from matplotlib.figure import Figure

#: MIME type of the hidden output that carries metrics.json to the runner.
METRICS_MIME = "application/vnd.fupin.metrics+json"


def esc(value: object) -> str:
    """HTML-escape any value's text."""
    return html.escape("" if value is None else str(value))


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
    sub = f'<p class="subtitle">{esc(subtitle)}</p>' if subtitle else ""
    display(HTML(f"<h1>{esc(title)}</h1>{sub}"))


def show_paragraph(text: str, css_class: str = "") -> None:
    """One paragraph of generated Chinese text."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    display(HTML(f"<p{cls}>{esc(text)}</p>"))


def show_heading(text: str, level: int = 3) -> None:
    """A sub-heading inside a section (h3 by default)."""
    display(HTML(f"<h{level}>{esc(text)}</h{level}>"))


def show_list(items: Iterable[str], empty: str = "未发现问题。", css_class: str = "problems") -> None:
    """A bulleted list; ``empty`` is shown when there is nothing to list."""
    rows = [f"<li>{esc(item)}</li>" for item in items]
    if not rows:
        show_paragraph(empty, "note")
        return
    display(HTML(f'<ul class="{esc(css_class)}">{"".join(rows)}</ul>'))


def show_kpis(kpis: Sequence[tuple[str, str]]) -> None:
    """Headline figures as boxes: ``[(value, label), ...]``."""
    boxes = "".join(f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for v, k in kpis)
    display(HTML(f'<div class="headline">{boxes}</div>'))


def table_html(frame: pd.DataFrame, text_columns: Sequence[str] = ()) -> str:
    """A DataFrame as an escaped HTML table; ``text_columns`` align left."""
    text = set(text_columns) or {c for c in frame.columns if frame[c].dtype == object}
    head = "".join(
        f'<th class="{"text" if c in text else "num"}">{esc(c)}</th>' for c in frame.columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"text" if c in text else "num"}">{esc(_cell(v))}</td>'
            for c, v in zip(frame.columns, row)
        )
        + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show_table(frame: pd.DataFrame, caption: str = "", empty: str = "无。", text_columns: Sequence[str] = ()) -> None:
    """Show a table (with an optional caption line above it)."""
    if caption:
        show_paragraph(caption, "note")
    if frame.empty:
        show_paragraph(empty, "note")
        return
    display(HTML(table_html(frame, text_columns)))


def show_download(path: str | Path | None, text: str, note: str = "", empty: str = "") -> None:
    """A link to a file written beside the report (``href`` is the file's name alone).

    With no ``path`` (nothing was written) the ``empty`` note is shown instead.
    """
    if not path:
        if empty:
            show_paragraph(empty, "note")
        return
    tail = f'<span class="note">{esc(note)}</span>' if note else ""
    display(HTML(f'<p class="download"><a href="{esc(Path(path).name)}">{esc(text)}</a> {tail}</p>'))


def show_figure(fig: Figure, alt: str = "") -> None:
    """Embed a chart as a PNG and release the figure's memory."""
    png = figure_png(fig)
    display(Image(data=png, format="png", metadata={"alt": alt} if alt else None))
    fig.clf()


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "—"
    return str(value)
