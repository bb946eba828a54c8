"""Output looks the same in JupyterLab as in the report: inline styles from report.css, charts that show themselves."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter
from IPython.core.interactiveshell import InteractiveShell
from matplotlib.figure import Figure

from fupin.core import config
from fupin.report import charts as plots, show as display
from fupin.report.html import notebook_to_html, without_inline_styles


@pytest.fixture
def outputs():
    """The display messages the helpers send, as the kernel would record them."""
    shell = InteractiveShell.instance()
    sent: list[tuple[dict, dict]] = []
    publisher = shell.display_pub
    original = publisher.publish
    publisher.publish = lambda data, metadata=None, **kw: sent.append((data, metadata or {}))
    try:
        yield sent
    finally:
        publisher.publish = original


def test_headline_boxes_carry_the_report_css_inline(outputs):
    display.show_kpis([("3.23%", "2018年底贫困发生率"), ("1.01%", "2019年预计贫困发生率")])
    (data, metadata), = outputs
    markup = data["text/html"]
    assert metadata == {config.INLINE_STYLED: True}
    assert '<div class="headline" style="display: flex; flex-wrap: wrap; gap: 8px; margin: 14px 0">' in markup
    assert markup.count('<b style="display: block; font-size: 20px; white-space: nowrap">') == 2
    assert ('style="flex: 1 1 150px; min-width: 0; border: 1px solid #d9dee3; border-top: 3px solid #b3261e; '
            'padding: 6px 10px; line-height: 1.45"') in markup
    assert "var(" not in markup  # Lab drops declarations with unresolved variables


def test_tables_and_notes_are_styled_inline(outputs):
    display.show_table(pd.DataFrame({"村": ["东风村"], "人数": ["12"]}), caption="说明")
    (data, _), = outputs  # the caption and its table in one block, kept together on paper
    block = data["text/html"]
    assert '<p class="note caption" style="margin: 8px 0; color: #616e7c; font-size: 13px">说明</p>' in block
    assert '<td class="text" data-label="村" style="border: 1px solid #d9dee3; padding: 4px 8px; ' \
           'vertical-align: top; white-space: nowrap; text-align: left">东风村</td>' in block
    assert '<table style="border-collapse: collapse;' in block


def test_data_text_cannot_smuggle_a_style_or_tag(outputs):
    display.show_paragraph('x" style="color:red"><script>')
    (data, _), = outputs
    assert data["text/html"] == '<p style="margin: 8px 0">x&quot; style=&quot;color:red&quot;&gt;&lt;script&gt;</p>'


def test_the_report_export_drops_the_inline_styles_and_keeps_the_classes(outputs):
    display.show_kpis([("3.23%", "2018年底贫困发生率")])
    data, metadata = outputs[0]
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show.show_kpis(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]
    unmarked = nbformat.v4.new_output("display_data", data={"text/html": '<p style="color: red">x</p>'})
    cell.outputs.append(unmarked)
    nb.cells = [cell]
    page = notebook_to_html(nb, "t")
    assert '<div class="headline"><div class="kpi"><b>3.23%</b><span>2018年底贫困发生率</span></div></div>' in page
    assert '<p style="color: red">x</p>' in page  # only our own outputs are touched
    assert "style=" in nb.cells[0].outputs[0]["data"]["text/html"]  # the notebook itself is unchanged
    assert without_inline_styles(nb) is not nb


def test_show_figure_leaves_the_word_documents_copy_only_when_asked(outputs, report_metrics, tmp_path):
    """With output_dir, show_figure also writes the chart at 300 dpi where the Word document
    takes it (display.docx_picture); the cell shows the same PNG as without: at 2× (240 dpi), shown
    at its size (width: its pixels halved)."""
    import base64
    import io

    from PIL import Image

    fig = plots.income_band_chart(report_metrics())
    alone = display.figure_png(fig, fig.dpi * 2)
    display.show_figure(plots.income_band_chart(report_metrics()), alt="收入分组", output_dir=tmp_path)
    display.show_figure(plots.income_band_chart(report_metrics()), alt="收入分组", output_dir="")
    assert [base64.b64decode(data["image/png"]) for data, _ in outputs] == [alone, alone]
    assert [meta["image/png"]["width"] for _, meta in outputs] == [Image.open(io.BytesIO(alone)).size[0] // 2] * 2
    path = config.docx_picture(tmp_path, "income_band_chart")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [path.name]
    printed = Image.open(io.BytesIO(path.read_bytes()))
    assert [round(d) for d in printed.info["dpi"]] == [300, 300]
    assert printed.size[0] > 1.2 * Image.open(io.BytesIO(alone)).size[0]  # 300 dpi, 240


@pytest.mark.parametrize("chart", [plots.income_band_chart, plots.sensitivity_chart])
def test_a_chart_as_a_cells_last_line_shows_the_chart(chart, report_metrics):
    fig = chart(report_metrics())
    assert isinstance(fig, Figure) and isinstance(fig, plots.Chart)
    formats, _ = DisplayFormatter().format(fig)
    png = formats["image/png"]
    # the PNG the report embeds, of the same chart drawn afresh (figure_png freezes the layout of the figure it draws)
    assert png.startswith(b"\x89PNG") and png == display.figure_png(chart(report_metrics()))
    assert re.match(r"<Chart size \d+x\d+ with \d+ Axes>", formats["text/plain"])
