"""Executed notebook -> self-contained HTML report.

Built on nbconvert's HTMLExporter with the project's own small template
(``templates/report``, on top of nbconvert's ``classic`` cell markup): no
input cells, no prompts, no parameters cells, no scripts or stylesheets from
the internet, a table of contents built from the section headings, and a
print stylesheet for A4.
"""

from __future__ import annotations

import copy
import html
import re
from functools import lru_cache

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from fupin import removed_name
from fupin.core.config import INLINE_STYLED, TEMPLATES_DIR
from fupin.report.style import print_header_css, report_css

#: Cells with these tags never reach the HTML (they stay in the .ipynb).
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "metrics"})
TOC_MARK = "<!--fupin:toc-->"
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>.*?</a>)?</h\1>', re.S)


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """One exporter per process: its Jinja templates compile once."""
    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_TAGS), enabled=True), enabled=True
    )
    return exporter


def notebook_to_html(nb: nbformat.NotebookNode, title: str, docx_href: str | None = None) -> str:
    """Render an executed notebook as the report page, with a table of contents, a print header
    and, with ``docx_href``, a link to the report's Word version."""
    body, _ = _exporter().from_notebook_node(
        without_inline_styles(nb),
        resources={"fupin_title": title, "fupin_css": report_css(), "fupin_print_css": print_header_css(title)},
    )
    page = add_toc(body)
    return add_docx_link(page, docx_href) if docx_href else page


def add_docx_link(page: str, href: str) -> str:
    """A link to the Word version, before the table of contents (else at the end of the page).

    >>> add_docx_link('<h1>报告</h1><nav class="toc"></nav>', "report.docx")
    '<h1>报告</h1><p class="download screen-only"><a href="report.docx">Word版（公文格式）</a></p><nav class="toc"></nav>'
    """
    link = f'<p class="download screen-only"><a href="{html.escape(href)}">Word版（公文格式）</a></p>'
    at = page.find('<nav class="toc">')
    if at == -1:
        at = page.rfind("</body>")
    return page + link if at == -1 else page[:at] + link + page[at:]


_INLINE_STYLE = re.compile(r' style="[^"]*"')


def without_inline_styles(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy whose marked HTML outputs lose the inline styles meant for JupyterLab.

    The display helpers (:mod:`fupin.report.show`) style each element inline so
    that Lab shows it as the report does; in the report the stylesheet alone
    decides. Data text is escaped there, so `` style="`` only ever is ours.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.get("metadata", {}).get(INLINE_STYLED) and "text/html" in data:
                text = data["text/html"]
                text = "".join(text) if isinstance(text, list) else text
                data["text/html"] = _INLINE_STYLE.sub("", text)
    return nb


def add_toc(page: str) -> str:
    """Insert a table of contents of the ``h2`` sections before the first one.

    The template's TOC mark is removed; without sections nothing is added.

    The headings carry their own numbers (一、二、…), so the list is not numbered again.

    >>> add_toc('<!--fupin:toc--><h2 id="a">一、基本情况<a class="anchor-link" href="#a">¶</a></h2>').split("</ul>")[0]
    '<nav class="toc"><strong>目录</strong><ul><li><a href="#a">一、基本情况</a></li>'
    """
    items = [
        f'<li><a href="#{anchor}">{_heading_text(text)}</a></li>'
        for level, anchor, text in _HEADING.findall(page)
        if level == "2"
    ]
    page = page.replace(TOC_MARK, "", 1)
    if not items:
        return page
    toc = f'<nav class="toc"><strong>目录</strong><ul>{"".join(items)}</ul></nav>'
    first = page.find("<h2")
    cell = page.rfind('<div class="cell', 0, first)  # before the cell holding the first section
    at = cell if cell != -1 else first
    return page[:at] + toc + page[at:]


def _heading_text(fragment: str) -> str:
    """Heading HTML -> escaped text (drops any inner tags)."""
    return html.escape(html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip())


def __getattr__(name: str):
    """A name of 0.1.0 that moved: the error names its new import (:func:`fupin.removed_name`)."""
    raise removed_name(__name__, name)
