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
from typing import TYPE_CHECKING

import pandas as pd

# IPython and matplotlib are imported where a cell shows something or a chart is rendered:
# importing this module costs neither.
from fupin.core.config import INLINE_STYLED, METRICS_MIME, docx_picture

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
_VAR = re.compile(r"var\((--[\w-]+)\)")


@lru_cache(maxsize=1)
def _declarations() -> dict[str, str]:
    """Top-level rules of report.css by single selector, CSS variables resolved."""
    from fupin.report.style import report_css  # not fupin.report.html: a report kernel never imports nbconvert

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
    ' style="border: 1px solid #d9dee3; padding: 4px 8px; vertical-align: top; white-space: nowrap; text-align: left"'
    """
    rules = _declarations()
    body = "; ".join(rules[s].strip().rstrip(";") for s in selectors if s in rules)
    return f' style="{esc(body)}"' if body else ""


def _show_html(markup: str) -> None:
    """Display HTML whose inline styles the report export removes (:data:`INLINE_STYLED`)."""
    from IPython.display import HTML, display

    display(HTML(markup), metadata={INLINE_STYLED: True})


def esc(value: object) -> str:
    """HTML-escape any value's text (control characters removed).

    >>> esc('<b>&"x\x0b')
    '&lt;b&gt;&amp;&quot;x'
    """
    from fupin.core.text import without_controls

    return html.escape(without_controls("" if value is None else str(value)))


#: zlib level of the charts' PNG (:func:`png_bytes`). On the palette images of a township's nine
#: charts (six at 120 dpi, three at 300 dpi; the sample's 990101001, min of 10 runs): level 1
#: 85 ms and 548 KB, 3: 90 ms and 524 KB, 6 (Pillow's default): 123 ms and 455 KB. zlib is about
#: a third of the encoding at level 1.
PNG_COMPRESS_LEVEL = 1
#: Colours in a chart's PNG palette (8-bit palette PNG, Pillow mode "P"). A chart is a few flat
#: colours and their antialiased blends: the sample's charts have 239 to 3,426 distinct colours,
#: 98-100 % of the pixels in the 256 most frequent ones, and are opaque (white background).
#: Pillow encodes a palette image without PNG's per-row filter search, which is most of its time
#: on RGB(A). A township's nine charts (990101001, min of 15 runs on the same rendered pixels, CPU):
#: lossless RGBA as ``savefig`` wrote it 0.19 s, lossless RGB 0.16 s, this palette 0.08 s (counting
#: the colours 0.02, choosing the palette 0.01, mapping the pixels 0.01, zlib 0.03), in 548 KB
#: instead of 1,226 KB: the report page 787 KB -> 370 KB, the Word document 604 KB -> 321 KB.
#: Pillow's own quantizers were no better: FASTOCTREE (0.11 s) shifts flat colours, the white
#: background to (254, 254, 254) or (253, 251, 251), a box on the white page (1-3/255 on average
#: over a chart); MEDIANCUT and MAXCOVERAGE take longer than RGB; this Pillow has no libimagequant.
PNG_PALETTE_COLOURS = 256
#: Of :data:`PNG_PALETTE_COLOURS`, how many are the chart's most frequent colours, kept exact
#: (background, bars, lines, text); the rest are picked among the rarer colours, each time the one
#: farthest from the palette so far, so a small marker of its own colour keeps it and no pixel
#: ends up far from its colour. On the sample's 63 charts (seven townships) at most 19/255 in a
#: channel, on at most 3 % of a chart's pixels (antialiased edges), 0.06/255 on average at most;
#: the 256 most frequent alone would be 72/255 off. A chart with no more colours than the palette
#: holds keeps every pixel.
PNG_EXACT_COLOURS = 192
#: More distinct colours than this (a photograph or a colour gradient, not a chart): lossless RGBA,
#: as for an image with any pixel that is not opaque.
PNG_MAX_COLOURS = 1 << 16


def png_bytes(rgba: object, dpi: float) -> bytes:
    """An RGBA image (rows x columns x 4, uint8, such as a chart's Agg buffer) as a PNG marked with
    ``dpi`` (pHYs, which Word reads for the picture's size): 8-bit palette if it is opaque.

    Its colours, most frequent first (ties by colour): all of them if they are at most
    :data:`PNG_PALETTE_COLOURS`, else the :data:`PNG_EXACT_COLOURS` most frequent and, one by one,
    the colour farthest from those already taken (squared RGB distance); every pixel becomes its
    nearest palette colour. Deterministic: the same pixels give the same bytes. Pixels with any
    transparency, or more than :data:`PNG_MAX_COLOURS` colours: lossless RGBA.

    >>> import numpy as np
    >>> from PIL import Image
    >>> pixels = np.full((2, 3, 4), 255, np.uint8); pixels[0, 0, :3] = (200, 16, 46)
    >>> image = Image.open(io.BytesIO(png_bytes(pixels, 120)))
    >>> image.mode, image.size, [round(d) for d in image.info["dpi"]]
    ('P', (3, 2), [120, 120])
    >>> bool((np.asarray(image.convert("RGBA")) == pixels).all())
    True
    """
    import numpy as np
    from PIL import Image

    rgba = np.require(rgba, np.uint8, "C")
    height, width, _ = rgba.shape
    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
    counted = image.getcolors(PNG_MAX_COLOURS)  # [(pixels, (r, g, b, a))], None if more colours
    if counted is not None and all(colour[3] == 255 for _, colour in counted):
        counted.sort(key=lambda item: (-item[0], item[1]))
        colours = np.array([colour[:3] for _, colour in counted], dtype=np.int64)
        palette, index = _palette(colours)
        # each pixel's palette index through a table over all 2**24 RGB values, a slice of pixels
        # at a time; left uninitialised (no 16 MB to clear): only the counted colours, every
        # pixel's among them, are set and read
        table = np.empty(1 << 24, np.uint8)
        table[colours[:, 0] | colours[:, 1] << 8 | colours[:, 2] << 16] = index
        pixels = rgba.view("<u4").reshape(-1)  # little-endian: r | g << 8 | b << 16 | a << 24
        indices = np.empty(pixels.size, np.uint8)
        keys = np.empty(1 << 16, np.intp)  # a slice's table positions, small enough to stay in cache
        for start in range(0, pixels.size, keys.size):
            part = pixels[start:start + keys.size]
            np.bitwise_and(part, 0xFFFFFF, out=keys[:part.size])
            np.take(table, keys[:part.size], out=indices[start:start + part.size], mode="clip")
        image = Image.frombuffer("P", (width, height), indices, "raw", "P", 0, 1)
        image.putpalette(palette.astype(np.uint8).tobytes())
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL, dpi=(dpi, dpi))
    return buffer.getvalue()


def _palette(colours: object) -> tuple[object, object]:
    """The palette (at most :data:`PNG_PALETTE_COLOURS` rows of RGB) for ``colours`` (n x 3 ints,
    most frequent first) and each colour's row in it (:func:`png_bytes`).

    Squared distances are computed as ``|a|² + |b|² - 2 a·b`` in float32, exact (integers below
    2**24), column by column: a matrix product would go to BLAS, which may run threads that
    spin on the cores the other report kernels need.
    """
    import numpy as np

    if len(colours) <= PNG_PALETTE_COLOURS:
        return colours, np.arange(len(colours))
    exact = PNG_EXACT_COLOURS
    points = colours.astype(np.float32)
    kept = points[:exact]
    red, green, blue = np.ascontiguousarray(points[exact:].T)  # the rarer colours, channel by channel
    square = red * red + green * green + blue * blue
    cross = red[:, None] * kept[:, 0] + green[:, None] * kept[:, 1] + blue[:, None] * kept[:, 2]
    distance = (kept * kept).sum(1) - 2 * cross  # each rarer colour's to each kept one, less its own |a|²
    nearest = distance.argmin(1)
    gap = distance[np.arange(len(red)), nearest] + square
    taken = list(range(exact))
    for row in range(exact, PNG_PALETTE_COLOURS):
        farthest = int(gap.argmax())  # the first, so the most frequent, of the farthest
        taken.append(exact + farthest)
        distance = square + square[farthest] - 2 * (red * red[farthest] + green * green[farthest] + blue * blue[farthest])
        closer = distance < gap
        gap[closer] = distance[closer]
        nearest[closer] = row
    return colours[taken], np.concatenate([np.arange(exact), nearest])


class _Pixels(io.BytesIO):
    """A file for ``savefig(format="rgba")`` that keeps the Agg buffer matplotlib writes to it
    (rows x columns x RGBA, not copied) for :func:`png_bytes`."""

    rgba: object = None

    def write(self, data: object) -> int:
        import numpy as np

        self.rgba = np.asarray(data)
        if self.rgba.ndim != 3 or self.rgba.shape[2] != 4:
            raise RuntimeError(f"matplotlib wrote raw RGBA of shape {self.rgba.shape}, not rows x columns x 4")
        return self.rgba.nbytes


def _png(fig: Figure, dpi: float, box: object) -> bytes:
    """``fig`` rendered at ``dpi``, cut to ``box`` (``bbox_inches``), as :func:`png_bytes` encodes it."""
    pixels = _Pixels()
    fig.savefig(pixels, format="rgba", dpi=dpi, bbox_inches=box)
    return png_bytes(pixels.rgba, dpi)


#: Inches of canvas rendered around a chart without a layout engine (:func:`figure_pngs`), for text
#: that runs past the figure's edge (a long left-aligned title): wider than any the charts draw.
CANVAS_MARGIN = 2.0


def figure_pngs(fig: Figure, dpis: Sequence[float | None]) -> list[bytes]:
    """The figure as PNG bytes at each of ``dpis`` (None: the figure's own), cut to what is drawn
    and ``savefig.pad_inches`` of white around it.

    Rendered once per resolution, nothing measured in between: ``savefig(bbox_inches="tight")``
    draws a figure twice (once to measure the box, once to render it). The charts of
    :mod:`fupin.report.charts` have fixed positions (no layout engine): the first resolution is
    rendered with :data:`CANVAS_MARGIN` inches of canvas around the figure, and cut to its
    pixels that are not the white background, padded; the box, in inches, is kept for every
    later rendering. Every text of such a chart starts inside the figure, so a text running
    past the canvas reaches its edge: should anything reach it, or the background not be
    white, the box is measured as ``"tight"`` measures it instead, as for any other figure.
    A figure with a layout engine (``constrained``, say) is laid out once, at the first
    resolution, its tight box measured then, and both kept for every rendering.

    Each rendering is ``savefig(format="rgba")`` (the same crop), whose Agg buffer
    :func:`png_bytes` encodes as a palette PNG with the resolution's dpi, in half the time and
    bytes of ``savefig``'s lossless RGBA PNG.
    """
    import matplotlib as mpl

    shown_dpi = fig.dpi
    dpis = [dpi or shown_dpi for dpi in dpis]
    engine = fig.get_layout_engine()
    with mpl.rc_context(getattr(fig, "rc", {})):
        pad = mpl.rcParams["savefig.pad_inches"]
    pad = pad if isinstance(pad, (int, float)) else 0.1
    if engine is None and getattr(fig, "name", ""):  # a chart of fupin.report.charts: every text starts inside it
        first, box = _drawn(fig, dpis[0], pad)
        if first is not None:
            return [first] + [_png(fig, dpi, box) for dpi in dpis[1:]]
    try:
        fig.dpi = dpis[0]
        with mpl.rc_context(getattr(fig, "rc", {})):  # text the measurement makes (tick labels) gets the chart's font
            if engine is not None and fig.axes:  # as Figure.draw does
                engine.execute(fig)  # the layout, at the resolution it is first rendered at
            box = fig.get_tightbbox().padded(pad)
        if engine is not None:
            with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)  # keeps the positions just computed; savefig then draws once
        return [_png(fig, dpi, box) for dpi in dpis]
    finally:
        fig.dpi = shown_dpi
        if engine is not None:
            fig.set_layout_engine(engine)


def _drawn(fig: Figure, dpi: float, pad: float) -> tuple[bytes | None, object]:
    """``fig`` rendered at ``dpi`` on a canvas :data:`CANVAS_MARGIN` inches wider on each side,
    cut to its non-white pixels padded by ``pad`` inches, as a PNG; and that box in inches
    (``bbox_inches`` for another resolution). (None, None) if something reaches the canvas's
    edge or the corner is not white (the box must then be measured)."""
    import numpy as np
    from matplotlib.transforms import Bbox

    width, height = fig.get_size_inches()
    margin = CANVAS_MARGIN
    pixels = _Pixels()
    fig.savefig(pixels, format="rgba", dpi=dpi,
                bbox_inches=Bbox.from_extents(-margin, -margin, width + margin, height + margin))
    rgba = pixels.rgba
    if not (rgba[0, 0] == 255).all():
        return None, None
    # a pixel as one 32-bit word: white is 0xFFFFFFFF (one comparison a pixel, not four and an any
    # along an axis of four: 0.3 ms instead of 25 ms on a 1,300 x 1,400 canvas)
    ink = np.ascontiguousarray(rgba).view("<u4")[..., 0] != 0xFFFFFFFF
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size or rows[0] == 0 or cols[0] == 0 or rows[-1] == ink.shape[0] - 1 or cols[-1] == ink.shape[1] - 1:
        return None, None
    step = round(pad * dpi)
    top, bottom = max(rows[0] - step, 0), min(rows[-1] + 1 + step, ink.shape[0])
    left, right = max(cols[0] - step, 0), min(cols[-1] + 1 + step, ink.shape[1])
    box = Bbox.from_extents(left / dpi - margin, (ink.shape[0] - bottom) / dpi - margin,
                            right / dpi - margin, (ink.shape[0] - top) / dpi - margin)
    return png_bytes(rgba[top:bottom, left:right], dpi), box


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure as PNG bytes at ``dpi`` (default: the figure's own), cut to its tight bounding box,
    laid out once and rendered once (:func:`figure_pngs`)."""
    return figure_pngs(fig, [dpi])[0]


def emit_metrics(metrics: dict) -> None:
    """Hand the metrics dict to the runner (hidden from the HTML report)."""
    from IPython.display import display

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


def show_section(text: str) -> None:
    """A section heading (h2) whose words depend on the data, with the id a markdown heading gets
    (the text percent-encoded), so that the report's table of contents lists it (:func:`fupin.report.html.add_toc`)."""
    from fupin.core.text import url_segment

    _show_html(f'<h2 id="{esc(url_segment(text))}">{esc(text)}</h2>')
def show_paragraphs(texts: Iterable[str], css_class: str = "") -> None:
    """Paragraphs of generated text, one after another (the 存在问题 as 一是…二是…)."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    style = inline_style("p", *(f".{c}" for c in css_class.split()))
    html = "".join(f"<p{cls}{style}>{esc(text)}</p>" for text in texts)
    if html:
        _show_html(html)


def show_measures(headings: Sequence[str], measures: Sequence[tuple[str, str]], empty: str = "") -> None:
    """The 下一步工作打算: each measure's heading (（一）…, an h3) and its text (the second item of
    each of `measures`, :func:`fupin.report.brief.measures`); ``empty`` when there is none."""
    parts = [f"<h3{inline_style('h3')}>{esc(h)}</h3><p{inline_style('p')}>{esc(t)}</p>"
             for h, (_, t) in zip(headings, measures)]
    if not parts:
        show_paragraph(empty)
        return
    _show_html("".join(parts))


def show_list(items: Iterable[str], empty: str = "未发现问题。", css_class: str = "problems") -> None:
    """A numbered list; ``empty`` is shown when there is nothing to list."""
    li = inline_style(f"ol.{css_class} li")
    rows = [f"<li{li}>{esc(item)}</li>" for item in items]
    if not rows:
        show_paragraph(empty, "note")
        return
    _show_html(f'<ol class="{esc(css_class)}"{inline_style(f"ol.{css_class}")}>{"".join(rows)}</ol>')


def show_kpis(kpis: Sequence[tuple[str, str]]) -> None:
    """Headline figures as boxes: ``[(value, label), ...]``."""
    box, value, label = (inline_style(".headline .kpi"), inline_style(".headline .kpi b"),
                         inline_style(".headline .kpi span"))
    boxes = "".join(f'<div class="kpi"{box}><b{value}>{esc(v)}</b><span{label}>{esc(k)}</span></div>'
                    for v, k in kpis)
    _show_html(f'<div class="headline"{inline_style(".headline")}>{boxes}</div>')


def number_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` that hold numbers: those its builder named
    (``frame.attrs["number_columns"]``, see :func:`fupin.report.tables.numbered`),
    else those of a numeric dtype. Never guessed from the cells' text.

    >>> number_columns(pd.DataFrame({"村": ["A"], "人数": [3]}))
    ['人数']
    """
    named = frame.attrs.get("number_columns")
    if named is not None:
        return [c for c in frame.columns if c in set(named)]
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]


#: A table of more columns than this is shown on a phone as one card per row (``class="cards"``):
#: the village table's eleven columns were 1,008 pixels wide on a 390-pixel phone.
CARD_COLUMNS = 5
#: A card holds two values a line, each beside its column's name, in half of a 390-pixel phone
#: (164 pixels inside): a name and value wider than this many ems of 13.5-pixel text take the whole
#: line (``class="wide"``).
CARD_HALF_EMS = 12.0


def card_class(label: object, value: object) -> str:
    """``"wide"`` when a card's cell (its column's name and its value) is too wide for half a card's
    line (:data:`CARD_HALF_EMS`), else ``""``: a full-width character is an em, others about half.

    >>> card_class("2019年预计发生率", "0.48%"), card_class("村集体经济收入（元）", "31,841（薄弱）")
    ('', 'wide')
    """
    import unicodedata

    text = f"{label}{value}"
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text) + 0.6  # the gap: 8 pixels
    return "wide" if ems > CARD_HALF_EMS else ""


def table_html(frame: pd.DataFrame, text_columns: Sequence[str] = (), css_class: str = "") -> str:
    """A DataFrame as an escaped HTML table in its own horizontally scrolling box.

    Number columns (:func:`number_columns`) get ``class="num"`` (right-aligned,
    never wrapped), the others ``class="text"`` (left-aligned); ``text_columns``
    forces columns to text; ``css_class`` is the table's class (``info``: long text wraps). Each
    cell carries its column's name (``data-label``), which a phone shows beside it when a table of
    more than :data:`CARD_COLUMNS` columns is laid out as cards.
    """
    numbers = set(number_columns(frame)) - set(text_columns)
    kind = {c: "num" if c in numbers else "text" for c in frame.columns}
    th = {k: inline_style("th", f"th.{k}") for k in ("text", "num")}
    td = {k: inline_style("td", f"td.{k}") for k in ("text", "num")}
    head = "".join(f'<th class="{kind[c]}" scope="col"{th[kind[c]]}>{esc(c)}</th>' for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{" ".join(filter(None, (kind[c], card_class(c, _cell(v)))))}" data-label="{esc(c)}"'
                  f'{td[kind[c]]}>{esc(_cell(v))}</td>' for c, v in zip(frame.columns, row))
        + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    size = "small" if len(frame) <= 12 else "long"
    # more columns than a phone shows: there, each row is a card of labelled values (report.css)
    classes = [css_class] * bool(css_class) + ["cards"] * (len(frame.columns) > CARD_COLUMNS)
    cls = f' class="{esc(" ".join(classes))}"' if classes else ""
    return (f'<div class="table-wrap {size}"{inline_style(".table-wrap")}><table{cls}{inline_style("table")}>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def show_table(frame: pd.DataFrame, caption: str = "", empty: str = "无。", text_columns: Sequence[str] = (),
               css_class: str = "") -> None:
    """Show a table as a person reads it (:func:`fupin.report.tables.for_people`), with an optional caption
    above it; a small table is kept on one sheet of paper. The number columns its builder named
    stay right-aligned (:func:`number_columns`)."""
    if frame.empty:
        if caption:
            show_paragraph(caption, "note")
        show_paragraph(empty, "note")
        return
    from fupin.report.tables import for_people

    shown = for_people(frame)
    if "number_columns" in frame.attrs:
        shown.attrs["number_columns"] = [shown.columns[frame.columns.get_loc(c)] for c in frame.attrs["number_columns"]]
    cap = f'<p class="note caption"{inline_style("p", ".note")}>{esc(caption)}</p>' if caption else ""
    size = "small" if len(frame) <= 12 else "long"
    _show_html(f'<div class="block {size}">{cap}{table_html(shown, text_columns, css_class)}</div>')


def show_lists(items: Sequence[tuple[str, str]], where: str) -> None:
    """Where the household-level lists are, and how many rows each holds.

    ``items`` are ``(list name, count text)``; ``where`` names the workbook.
    No household appears on the page.
    """
    rows = "".join(f"<li>「{esc(name)}」：{esc(count)}</li>" for name, count in items)
    _show_html(f'<div class="block lists"><p{inline_style("p")}>{esc(where)}</p><ul>{rows}</ul></div>')


def show_download(path: str | Path | None, text: str, note: str = "", empty: str = "") -> None:
    """A link to a file written beside the report (``href`` is the file's name alone).

    With no ``path`` (nothing was written) the ``empty`` note is shown instead.
    """
    if not path:
        if empty:
            show_paragraph(empty, "note")
        return
    tail = f'<span class="note"{inline_style(".note")}>{esc(note)}</span>' if note else ""
    _show_html(f'<p class="download screen-only"{inline_style("p")}><a href="{esc(Path(path).name)}">{esc(text)}</a> {tail}</p>')


def show_figure(fig: Figure, alt: str = "", output_dir: str | Path | None = None) -> None:
    """Embed a chart as a PNG, drawn at :data:`~fupin.report.style.PIXEL_RATIO` times its dpi and
    shown at its size (:func:`shown_width`), and release the figure's memory.

    With an ``output_dir`` (a run's folder; ``""`` or None: nothing is written), the
    chart, one of :mod:`fupin.report.charts`, is also written at the Word document's
    resolution to :func:`docx_picture`, from the same layout (:func:`figure_pngs`),
    for :func:`fupin.report.word.township_document` to take instead of drawing it again.
    """
    from IPython.display import Image, display

    from fupin.report.style import PIXEL_RATIO

    if not output_dir:
        png = figure_png(fig, fig.dpi * PIXEL_RATIO)
    else:
        from fupin.core.config import DOCX_PICTURE_DPI
        from fupin.core.files import atomic_write_bytes

        path = docx_picture(output_dir, getattr(fig, "name", ""))
        png, printed = figure_pngs(fig, [fig.dpi * PIXEL_RATIO, DOCX_PICTURE_DPI])
        atomic_write_bytes(path, printed)
    display(Image(data=png, format="png", width=shown_width(png), metadata={"alt": alt} if alt else None))
    fig.clf()


def shown_width(png: bytes) -> int:
    """The CSS width, in pixels, of a chart's PNG drawn at :data:`~fupin.report.style.PIXEL_RATIO`
    device pixels to a CSS pixel: its width in pixels (the PNG header's) divided by that ratio, down
    (an odd pixel more: never fewer than two image pixels to a CSS pixel).

    >>> shown_width(png_bytes(__import__("numpy").full((2, 1081, 4), 255, "uint8"), 240))
    540
    """
    from fupin.report.style import PIXEL_RATIO

    return int.from_bytes(png[16:20], "big") // PIXEL_RATIO


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "—"
    return str(value)
