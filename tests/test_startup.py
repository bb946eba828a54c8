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
