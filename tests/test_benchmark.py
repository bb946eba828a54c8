"""The benchmark's naive baseline reports on the township it names (benchmarks/bench_batch.py).

papermill reads ``-p township_id 990101001`` as the int 990101001, and the report
notebook then describes the whole county: a baseline that timed the wrong report.
The parameters are checked as papermill's own command line resolves them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from papermill.cli import _resolve_type
from papermill.cli import papermill as papermill_command

from fupin.core.config import PROJECT_ROOT, REFERENCE_TOWNSHIP_ID


def _bench():
    path = PROJECT_ROOT / "benchmarks" / "bench_batch.py"
    spec = importlib.util.spec_from_file_location("bench_batch", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_batch", module)
    spec.loader.exec_module(module)
    return module


def _notebook_parameters(command: list[str]) -> dict[str, object]:
    """The parameters papermill hands the notebook for ``command`` (its CLI's own parsing)."""
    ctx = papermill_command.make_context("papermill", command[1:])
    with ctx:
        params = {name: _resolve_type(value) for name, value in ctx.params["parameters"]}
        params.update(dict(ctx.params["parameters_raw"]))
    return params


def test_naive_baseline_passes_the_township_id_as_text(tmp_path):
    bench = _bench()
    papermill, nbconvert, html = bench.naive_commands(Path("data/sample"), 2018, REFERENCE_TOWNSHIP_ID, tmp_path)
    params = _notebook_parameters(papermill)
    assert params["township_id"] == REFERENCE_TOWNSHIP_ID  # the text "990101001", not an int
    assert params["year"] == 2018 and params["data"] == "data/sample"
    assert _resolve_type(REFERENCE_TOWNSHIP_ID) == int(REFERENCE_TOWNSHIP_ID)  # what -p would have passed
    assert nbconvert[-1] == papermill[2] and html == tmp_path / f"naive-{REFERENCE_TOWNSHIP_ID}.html"


def test_naive_report_check_reads_the_title(tmp_path):
    bench = _bench()
    page = tmp_path / "r.html"
    page.write_text("<h1>城关镇2018年脱贫攻坚情况报告</h1>", encoding="utf-8")
    assert bench.names_its_township(page, "城关镇", 2018)
    page.write_text("<h1>示例县2018年脱贫攻坚情况报告</h1>", encoding="utf-8")  # the county: wrong area
    assert not bench.names_its_township(page, "城关镇", 2018)
