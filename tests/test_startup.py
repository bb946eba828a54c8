"""Start-up costs: what a worker, the runner and a report kernel import, and what they defer."""

from __future__ import annotations

import json
import subprocess
import sys

from fupin.core.config import NOTEBOOKS_DIR


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         encoding="utf-8")
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_report_kernel_imports_neither_nbconvert_nor_jsonschema():
    """The report's display code takes its stylesheet from fupin.report.style, not from the exporter."""
    seen = _run(
        "import json, sys\n"
        "from fupin.batch.kernel_state import prime\n"
        "prime()\n"
        "from fupin import display\n"
        "display.show_title('标题', '副标题')\n"
        "print(json.dumps({m: m in sys.modules for m in ('nbconvert', 'nbformat', 'jsonschema', 'papermill')}))"
    )
    assert seen == {"nbconvert": False, "nbformat": False, "jsonschema": False, "papermill": False}


def test_the_console_command_defers_the_iri_grammar_until_an_iri_is_checked():
    """``fupin`` defers rfc3987_syntax before anything imports jsonschema; notebooks still validate,
    and an IRI check still gives the real module's answer."""
    notebook = NOTEBOOKS_DIR / "township_report.ipynb"
    seen = _run(
        "import contextlib, io, json, sys\n"
        "from fupin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n"
        "import nbformat, papermill\n"
        f"nbformat.validate(nbformat.read({str(notebook)!r}, as_version=4))\n"
        "before = getattr(sys.modules['rfc3987_syntax'], '_fupin_stand_in', False)\n"
        "from jsonschema import FormatChecker\n"
        "checks = [FormatChecker().conforms('http://例子.测试/路径', 'iri'), FormatChecker().conforms('not an iri', 'iri')]\n"
        "after = getattr(sys.modules['rfc3987_syntax'], '_fupin_stand_in', False)\n"
        "print(json.dumps({'deferred': before, 'checks': checks, 'real_after_a_check': not after}))"
    )
    assert seen == {"deferred": True, "checks": [True, False], "real_after_a_check": True}


def test_the_runner_reads_parameter_names_as_papermill_does(tmp_path):
    """fupin run refuses unknown -p names by reading the parameters cell itself (no papermill import):
    the same names papermill finds in our notebooks; in a hand-made one, every name the first
    parameters cell assigns (papermill's line parser misses ``c: str = 'x = 3'`` and ``f = g = 6``)."""
    import nbformat
    from papermill import inspect_notebook

    from fupin.batch.runner import notebook_parameter_names

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["other"]}),
        nbformat.v4.new_code_cell(
            "# comment\na = 1  # 说明\nb: int = 2\nc: str = 'x = 3'\nd, e = 4, 5\nf = g = 6\n",
            metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("h = 7", metadata={"tags": ["parameters"]}),
    ]
    nbformat.write(nb, tmp_path / "hand.ipynb")
    for name in ["township_report.ipynb", "getting_started.ipynb"]:
        assert notebook_parameter_names(NOTEBOOKS_DIR, [name]) == set(inspect_notebook(str(NOTEBOOKS_DIR / name)))
    assert set(inspect_notebook(str(tmp_path / "hand.ipynb"))) == {"a", "b"}
    assert notebook_parameter_names(tmp_path, ["hand.ipynb"]) == {"a", "b", "c", "f", "g"}


def test_the_runner_process_imports_no_notebook_library():
    """The runner loads, prepares, checks parameters and builds the county page without nbformat,
    nbconvert or papermill (they cost about a second of CPU beside the workers' start-up)."""
    seen = _run(
        "import json, sys\n"
        "from fupin import county_page, loading, prepare, run_state, runner, slices\n"
        "runner.check_parameter_names({}, runner.notebook_parameter_names())\n"
        "print(json.dumps({m: m in sys.modules for m in ('nbconvert', 'nbformat', 'papermill')}))"
    )
    assert seen == {"nbconvert": False, "nbformat": False, "papermill": False}


def test_a_worker_imports_neither_matplotlib_nor_ipython():
    """A `fupin run` worker imports what its townships need (papermill, nbconvert, the Word and HTML
    writers) at start-up, but not matplotlib, seaborn or IPython: the notebook draws the charts in
    its kernel, and fupin.report.show's constants live in fupin.core.config."""
    seen = _run(
        "import json, sys\n"
        "from fupin.core.startup import defer_iri_grammar\n"
        "defer_iri_grammar()\n"
        "from fupin.batch.kernel import WarmKernel\n"  # what init_worker imports, no kernel started
        "from fupin.batch.jobs import _import_worker_libraries, init_worker, run_township\n"
        "_import_worker_libraries()\n"
        "from fupin.report.show import METRICS_MIME, docx_picture\n"  # what run_township takes from there
        "print(json.dumps({m: m in sys.modules for m in ('matplotlib', 'seaborn', 'IPython', 'pandera',\n"
        "                                                 'papermill', 'nbconvert', 'docx', 'fupin.report.word')}))"
    )
    assert seen == {"matplotlib": False, "seaborn": False, "IPython": False, "pandera": False,
                    "papermill": True, "nbconvert": True, "docx": True, "fupin.report.word": True}


def test_a_word_document_from_the_notebook_s_pictures_imports_no_matplotlib(tmp_path):
    """The worker builds report.docx from the three pictures the notebook left without importing
    matplotlib; with one picture missing, that one is drawn (matplotlib imported then) and the
    other two are still taken as they are."""
    import io

    from depth_fixtures import Y, Z, county
    from PIL import Image

    import fupin
    from fupin.core.config import docx_picture
    from fupin.report.word import TOWNSHIP_CHARTS

    metrics = fupin.township_metrics(county().township("001"), Y, poverty_line=Z, bands=[Z])
    (tmp_path / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    for folder, charts in (("all", TOWNSHIP_CHARTS), ("two", TOWNSHIP_CHARTS[::2])):
        for colour, chart in zip(("red", "green", "blue"), charts):
            png = io.BytesIO()
            Image.new("RGB", (40, 30), colour).save(png, format="png", dpi=(300, 300))
            docx_picture(tmp_path / folder, chart).parent.mkdir(parents=True, exist_ok=True)
            docx_picture(tmp_path / folder, chart).write_bytes(png.getvalue())
    seen = _run(
        "import io, json, sys\n"
        "from pathlib import Path\n"
        "from fupin.batch.jobs import _import_worker_libraries\n"
        "_import_worker_libraries()\n"
        "import docx\n"
        "from PIL import Image\n"
        "from fupin.core.config import docx_picture\n"
        "from fupin.report.word import TOWNSHIP_CHARTS, document_bytes, township_document\n"
        f"root = Path({str(tmp_path)!r})\n"
        "metrics = json.loads((root / 'metrics.json').read_text(encoding='utf-8'))\n"
        "seen = {}\n"
        "for folder in ('all', 'two'):\n"
        "    doc = docx.Document(io.BytesIO(document_bytes(township_document(metrics, pictures=root / folder))))\n"
        "    blobs = [doc.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob\n"
        "             for s in doc.inline_shapes]\n"
        "    left = [docx_picture(root / folder, c) for c in TOWNSHIP_CHARTS]\n"
        "    seen[folder] = {'taken': [p.is_file() and b == p.read_bytes() for p, b in zip(left, blobs)],\n"
        "                    'widths': [Image.open(io.BytesIO(b)).size[0] for b in blobs],\n"
        "                    'matplotlib': 'matplotlib' in sys.modules}\n"
        "print(json.dumps(seen))"
    )
    assert seen["all"] == {"taken": [True, True, True], "widths": [40, 40, 40], "matplotlib": False}
    assert seen["two"]["taken"] == [True, False, True]  # the income-band chart was missing
    assert seen["two"]["widths"][0] == seen["two"]["widths"][2] == 40
    assert seen["two"]["widths"][1] > 1000  # drawn here at 300 dpi
    assert seen["two"]["matplotlib"] is True


def test_a_report_kernel_imports_no_pandera_and_fupin_load_still_validates(tmp_path):
    """A report kernel reads a prepared slice and imports no pandera (fupin.io.loading imports
    fupin.io.schema where a county is validated); fupin.load on a user's folder validates as before."""
    import csv
    import shutil

    from fupin.core.config import SAMPLE_DIR

    data = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, data)
    households = data / "households.csv"
    with open(households, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("家庭人口数")] = "99"  # converts as an integer; the schema's range refuses it
    with open(households, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    seen = _run(
        "import json, sys\n"
        "from fupin.batch.kernel_state import prime\n"
        "prime()\n"
        "import fupin, fupin.io.loading\n"
        "after_prime = 'pandera' in sys.modules\n"
        "try:\n"
        f"    fupin.load({str(data)!r})\n"
        "    problems = []\n"
        "except fupin.DataError as exc:\n"
        "    problems = [[p.file, p.row, p.column, p.message, p.value] for p in exc.problems]\n"
        "print(json.dumps({'after_prime': after_prime, 'problems': problems,\n"
        "                  'after_load': 'pandera' in sys.modules}, ensure_ascii=False))"
    )
    assert seen == {"after_prime": False, "after_load": True,
                    "problems": [["households.csv", 2, "家庭人口数", "应为1到30的整数", "99"]]}
