"""Warm kernels: one kernel runs township after township, and none leaks into the next."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

import fupin
from conftest import RUN_TIME
from fupin.core.config import NOTEBOOKS_DIR, SAMPLE_DIR
from fupin.batch.papermill_engine import ENGINE
from fupin.batch.kernel import WarmKernel
from fupin.batch.prepare import prepare

pytestmark = pytest.mark.slow

STAMP = RUN_TIME


@pytest.fixture(scope="module")
def slices(tmp_path_factory):
    county = fupin.load(SAMPLE_DIR)
    a, b = list(county.townships()["township_id"])[:2]
    folders = prepare(county, tmp_path_factory.mktemp("prepared"), [a, b])
    return a, b, folders


@pytest.fixture()
def kernel():
    k = WarmKernel(NOTEBOOKS_DIR)
    yield k
    k.shutdown()
    assert not k.alive()


def _params(tid: str, folder: Path) -> dict:
    return {"township_id": tid, "data": str(folder)}


def _run(path: Path, out: Path, params: dict, kernel: WarmKernel | None) -> nbformat.NotebookNode:
    extra = {"engine_name": ENGINE, "km": kernel.km} if kernel else {}
    if kernel:
        kernel.reset()
        extra.update(km=kernel.km, kc=kernel.kc)  # as the runner does: the kernel's one client
    return papermill.execute_notebook(
        str(path), str(out), parameters=params, kernel_name="python3", progress_bar=False,
        cwd=str(path.parent), **extra,
    )


def _comparable(nb: nbformat.NotebookNode) -> list:
    """Cells' sources, execution counts and outputs, without timings and run times."""
    cells = []
    for cell in nb.cells:
        outputs = []
        for output in cell.get("outputs", []):
            output = dict(output)
            output.pop("metadata", None)
            outputs.append(STAMP.sub("<time>", json.dumps(output, ensure_ascii=False, sort_keys=True)))
        cells.append((cell.cell_type, cell.source, cell.get("execution_count"), outputs))
    return cells


def test_b_after_a_in_one_kernel_equals_b_in_a_fresh_kernel(slices, kernel, tmp_path):
    a, b, folders = slices
    report = NOTEBOOKS_DIR / "township_report.ipynb"
    _run(report, tmp_path / "a.ipynb", _params(a, folders[a]), kernel)
    warm = _run(report, tmp_path / "b-warm.ipynb", _params(b, folders[b]), kernel)
    cold = _run(report, tmp_path / "b-cold.ipynb", _params(b, folders[b]), None)
    assert kernel.runs == 2
    assert _comparable(warm) == _comparable(cold)
    assert "<time>" in repr(_comparable(warm)), "the run time the report writes was not recognised"
    assert [c.get("execution_count") for c in warm.cells if c.cell_type == "code"][:2] == [1, 2]


LEAKY = [
    "leaked_variable = 42",
    "import os, matplotlib, warnings\nimport matplotlib.pyplot as plt\n"
    "os.chdir('/')\nmatplotlib.rcParams['lines.linewidth'] = 9\nos.environ['FUPIN_LEAK'] = '1'\n"
    "plt.figure()\nwarnings.simplefilter('ignore')\nimport sys\nsys.path.append('/leak')",
]
CHECK = (
    "import os, sys, warnings, matplotlib\nimport matplotlib.pyplot as plt\n"
    "print(repr(['leaked_variable' in globals(), os.getcwd(), matplotlib.rcParams['lines.linewidth'], "
    "os.environ.get('FUPIN_LEAK'), plt.get_fignums(), '/leak' in sys.path, "
    "('ignore', None, Warning, None, 0) in warnings.filters]))"
)


def _notebook(tmp_path: Path, name: str, sources: list[str]) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_no_variable_figure_rc_cwd_env_path_or_warning_filter_leaks(kernel, tmp_path):
    leaky = _notebook(tmp_path, "leaky.ipynb", LEAKY)
    check = _notebook(tmp_path, "check.ipynb", [CHECK])
    fresh = _run(check, tmp_path / "fresh.ipynb", {}, None).cells[0].outputs[0]["text"]
    _run(leaky, tmp_path / "leaky-out.ipynb", {}, kernel)
    after = _run(check, tmp_path / "after.ipynb", {}, kernel).cells[0].outputs[0]["text"]
    assert after == fresh.replace(str(tmp_path), str(NOTEBOOKS_DIR))
    assert after.startswith(f"[False, '{NOTEBOOKS_DIR}', ")


def test_a_dead_kernel_is_replaced_before_the_next_run(kernel, tmp_path):
    kernel.reset()
    pid_before = kernel.km.provisioner.process.pid
    kernel.km.provisioner.process.kill()
    kernel.km.provisioner.process.wait()
    check = _notebook(tmp_path, "one.ipynb", ["print(1 + 1)"])
    out = _run(check, tmp_path / "one-out.ipynb", {}, kernel)
    assert out.cells[0].outputs[0]["text"] == "2\n"
    assert kernel.km.provisioner.process.pid != pid_before


def test_shutdown_leaves_no_kernel_process_nor_connection_file():
    """The kernel is killed and reaped at once (not left to jupyter_client's 0.1 s polling), and
    jupyter_client still cleans up after it: no process, not even a zombie, and no connection file."""
    import psutil

    k = WarmKernel(NOTEBOOKS_DIR)
    k.start()
    pid, connection_file = k.km.provisioner.process.pid, Path(k.km.connection_file)
    assert psutil.pid_exists(pid) and connection_file.is_file()
    k.shutdown()
    assert not psutil.pid_exists(pid)  # reaped: a zombie would still exist
    assert not connection_file.exists()
    assert k.km is None and k.kc is None and not k.alive()


def test_the_kernel_s_own_output_stays_off_the_console_and_is_its_last_words(capfd):
    """What the kernel process prints on its own stdout and stderr (not a cell's output: a start-up
    traceback, a crash) goes to a file, not to the batch's console; its last line is last_words()."""
    k = WarmKernel(NOTEBOOKS_DIR)
    k.start()
    output = k.output
    k._run("import os; os.write(1, b'to stdout\\n'); os.write(2, b'first line\\nlast \\x1b[31mwords\\n')", 60)
    captured = capfd.readouterr()
    assert "words" not in captured.err and "to stdout" not in captured.out
    assert k.last_words() == "last [31mwords"  # control characters removed
    k.shutdown()
    assert not output.exists() and k.last_words() == ""
