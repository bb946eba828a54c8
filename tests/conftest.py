"""Shared fixtures: the real console command, one sample batch per test session, and the
metrics the report tests read, made by the library from hand-made counties."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

try:
    import fcntl
except ImportError:  # Windows: each worker runs its own sample batch
    fcntl = None

import fupin
import metrics_fixtures as fx
from fupin.core.config import SAMPLE_DIR
from fupin.core.county import County

#: A run time as the workbook and run.json write it ("2026-11-29 22:14（UTC+08:00）"), as older pages did
#: ("… 22:14:05 +0800"), or the run's day as a leader's 数据说明 writes it ("测算日期2026年11月29日").
RUN_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2} [+-]\d{4}|（UTC[+-]\d{2}:\d{2}）)"
                      r"|测算日期\d{4}年\d{1,2}月\d{1,2}日")


#: Test files of a few long tests (whole batches, notebooks, reruns), collected first. Under
#: ``make test`` (``--dist loadfile --no-loadscope-reorder``) the workers take them on at the start
#: and finish on many short files, instead of one worker running the last long file alone.
LONG_FILES = ("test_reliability.py", "test_incremental.py", "test_papermill.py", "test_report_folder.py",
              "test_untrusted_output.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    first = {name: rank for rank, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))  # stable: the rest keep their order


def fupin_args(*args: object, default_workers: bool = False) -> list[str]:
    """``python -m fupin ...`` as a test runs it: a ``fupin run`` that names neither ``--workers``
    nor ``--cluster`` gets ``--workers 1``, unless ``default_workers`` (one worker per core).

    A test county's townships take a second or two each: a second worker costs the start of its
    kernel (a 2-township run took 10.6 s of CPU with one worker, 14.8 s with two, in the same 8 s)
    and two test processes share CI's two cores. The default (a worker per core: two on CI) is
    the sample batch's (:func:`sample_batch`), which the report, browser, email and cluster tests read.
    """
    args = [str(a) for a in args]
    if args[:1] == ["run"] and not default_workers and not any(
            a.split("=")[0] in ("--workers", "--cluster") for a in args):
        args += ["--workers", "1"]
    return [sys.executable, "-m", "fupin", *args]


def fupin_cli(*args: object, timeout: float = 600, default_workers: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """The real console command, as a user runs it (``python -m fupin ...``; :func:`fupin_args`)."""
    return subprocess.run(
        fupin_args(*args, default_workers=default_workers),
        capture_output=True, text=True, encoding="utf-8", timeout=timeout, **kwargs,
    )


@pytest.fixture(scope="session")
def sample_batch(request, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The bundled sample county run once by the real ``fupin run``: (report folder, process).

    Shared by every test module, and by every worker process under pytest-xdist
    (``make test``): the first worker to need it runs it while holding a lock in
    the session's shared temporary folder, the others wait and read it. Tests
    that change files must work on a copy.
    """
    def run(out: Path) -> subprocess.CompletedProcess:
        return fupin_cli("run", SAMPLE_DIR, "--year", 2018, "--out", out, "--quiet", timeout=900, default_workers=True)

    if not hasattr(request.config, "workerinput") or fcntl is None:  # one process: no one to share with
        out = tmp_path_factory.mktemp("sample-reports") / "2018"
        return out, run(out)
    shared = tmp_path_factory.getbasetemp().parent  # the session's folder, above each worker's own
    out, record = shared / "sample-reports" / "2018", shared / "sample-reports.json"
    with open(shared / "sample-reports.lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # blocks while another worker runs the batch
        if not record.exists():
            proc = run(out)
            record.write_text(json.dumps({"args": proc.args, "returncode": proc.returncode,
                                          "stdout": proc.stdout, "stderr": proc.stderr}), encoding="utf-8")
        proc = subprocess.CompletedProcess(**json.loads(record.read_text(encoding="utf-8")))
    return out, proc


@pytest.fixture(scope="session")
def sample_county():
    """The bundled sample county, loaded and validated."""
    return fupin.load(SAMPLE_DIR)


@lru_cache(maxsize=1)
def _report_metrics() -> dict[str, Any]:
    return fupin.analyse(fx.report_county(), year=2018).metrics


@pytest.fixture
def report_metrics() -> Callable[..., dict[str, Any]]:
    """``report_metrics(edit=None, **parameters)``: the metrics dict of the seed's township
    (:func:`metrics_fixtures.report_county`, Y = 2018) exactly as the library returns it.

    ``edit`` changes the county (a function County -> County) before the figures are
    computed; ``parameters`` go to :func:`fupin.analyse`. Every call returns a
    fresh dict.
    """
    def make(edit: Callable[[County], County] | None = None, **parameters: Any) -> dict[str, Any]:
        if edit is None and not parameters:
            return copy.deepcopy(_report_metrics())
        county = fx.report_county()
        area = edit(county) if edit else county
        if "township_id" in parameters:  # None: the county as it is; "county": the whole county on purpose
            key = parameters.pop("township_id")
            area = area.area(None if key == "county" else key) if key is not None else area
        return fupin.analyse(area, year=2018, **parameters).metrics
    return make


@pytest.fixture(scope="session")
def county_summaries() -> list[dict[str, Any]]:
    """The metrics of the four townships of :func:`metrics_fixtures.report_county_of_four`
    (城关镇 first), as the county page reads them."""
    county = fx.report_county_of_four()
    return [fupin.analyse(county.area(t), year=2018).metrics for t in ("001", "002", "003", "004")]
