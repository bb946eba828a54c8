"""Paths and defaults, derived in one place from the project root."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The project checkout (lib/fupin -> lib -> root). Valid for the editable
#: install that `make` and `environment.yml` use.
PROJECT_ROOT = PACKAGE_DIR.parent.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
SAMPLE_WORKBOOK = DATA_DIR / "sample.xlsx"
#: The same county as the national system's export: the person roster (人员表) in place of 户表.
SAMPLE_ROSTER = DATA_DIR / "sample_roster.xlsx"
REFERENCE_DIR = DATA_DIR / "reference"
REPORTS_DIR = PROJECT_ROOT / "reports"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

#: Defaults of the figures' parameters (docs/data.md). Bands not given follow
#: the poverty line L: (L, L + BAND_STEP) (fupin.figures.parameters.default_bands).
DEFAULT_POVERTY_LINE = 3500.0
BAND_STEP = 500.0
DEFAULT_BANDS: tuple[float, ...] = (DEFAULT_POVERTY_LINE, DEFAULT_POVERTY_LINE + BAND_STEP)
DEFAULT_GROWTH = 0.0
DEFAULT_VILLAGE_THRESHOLD = 0.02
#: Collective economy (data.md): a village is weak below this collective
#: income (yuan a year); the weak-or-unknown exit condition is off by default.
DEFAULT_COLLECTIVE_INCOME_LINE = 50000.0
DEFAULT_COLLECTIVE_INCOME_EXIT = False
#: Industry coverage (data.md): a village whose covered share of known
#: remaining households is below this line is named in 存在问题.
DEFAULT_INDUSTRY_COVERAGE_LINE = 0.8
#: Monitoring (防返贫监测, data.md): the monitoring line when none is given is
#: this factor times the poverty line (the provinces' first monitoring lines,
#: data/reference/README.md); an exited household whose income fell by more
#: than this share since its exit year is monitored.
MONITORING_FACTOR = 1.5
DEFAULT_INCOME_DROP_SHARE = 0.3

#: The Word documents beside report.html and index.html (fupin.report.word).
TOWNSHIP_DOCX = "report.docx"
COUNTY_DOCX = "county.docx"
#: The A4 PDFs ``fupin run --pdf`` prints beside report.html and index.html (fupin.report.pdf).
TOWNSHIP_PDF = "report.pdf"
COUNTY_PDF = "index.pdf"
#: The county office's 数据核查 workbook in DIR (:mod:`fupin.report.audit_workbook`).
AUDIT_XLSX = "audit.xlsx"
#: The run record beside index.html, for the office: parameters, input files with SHA-256, code, environment.
RUN_RECORD = "run.json"
#: Resolution of the Word documents' charts (printed as wide as the A4 text, 156 mm).
DOCX_PICTURE_DPI = 300
#: Folder inside a run's ``output_dir`` where the report notebook leaves the charts the Word
#: document shows, already rendered at :data:`DOCX_PICTURE_DPI` (``<chart function>.png``;
#: fupin.report.show.show_figure writes them, fupin.report.word.township_document takes them;
#: :func:`docx_picture` names each file).
DOCX_PICTURES = "docx-pictures"

#: The township the seed report describes; the notebooks open on it.
REFERENCE_TOWNSHIP_ID = "990101001"
REFERENCE_YEAR = 2018

#: Output metadata key of HTML whose inline styles are for JupyterLab only: the
#: display helpers (fupin.report.show) mark such outputs, the HTML export
#: (fupin.report.html) drops their inline styles.
INLINE_STYLED = "fupin_inline_styles"
#: MIME type of the hidden output that carries metrics.json to the runner (fupin.report.show.emit_metrics).
METRICS_MIME = "application/vnd.fupin.metrics+json"


def docx_picture(output_dir: str | Path, chart: str) -> Path:
    """Where a run leaves a chart for its Word document: ``output_dir/docx-pictures/<chart>.png``
    (:data:`DOCX_PICTURES`; `chart` is the :mod:`fupin.report.charts` function's name).

    >>> docx_picture("/tmp/r/001", "income_band_chart").as_posix()
    '/tmp/r/001/docx-pictures/income_band_chart.png'
    """
    if not re.fullmatch(r"[a-z_]+", chart):
        raise ValueError(f"not a chart function's name: {chart!r}")
    return Path(output_dir) / DOCX_PICTURES / f"{chart}.png"
