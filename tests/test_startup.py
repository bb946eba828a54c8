"""Start-up costs: what a worker, the runner and a report kernel import, and what they defer."""

from __future__ import annotations

import json
import subprocess
import sys

from fupin.config import NOTEBOOKS_DIR


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         encoding="utf-8")
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_report_kernel_imports_neither_nbconvert_nor_jsonschema():
    """The report's display code takes its stylesheet from fupin.style, not from the exporter."""
    seen = _run(
        "import json, sys\n"
        "from fupin.kernel_state import prime\n"
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

    from fupin.runner import notebook_parameter_names

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
