"""`fupin run --cluster`: the same reports from Dask workers, and a lost worker costs nothing.

Real Dask throughout: a LocalCluster of worker processes, the real notebooks,
the real console command. No mocks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import openpyxl
import psutil
import pytest

import fupin
from conftest import RUN_TIME
from fupin.batch.cluster import ClusterAddress, batch_size, batches, execute_on_cluster, parse_address
from fupin.core.config import NOTEBOOKS_DIR, SAMPLE_DIR
from fupin.core.errors import UsageError
from fupin.figures.analysis import analyse
from fupin.batch.jobs import Job, notebook_parameters
from fupin.figures.parameters import report_parameters
from fupin.batch.runner import run_batch
from notebook_fixtures import blocking_notebooks

STAMP = RUN_TIME
CODE = re.compile(r"\(git [0-9a-f]+[^)]*\)")  # another engineer may commit between the two runs


def fupin_cli(*args: object, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fupin", *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", timeout=timeout,
    )


def comparable(html: str) -> str:
    """A page without its run time and commit (the 数据说明 table)."""
    return CODE.sub("(git …)", STAMP.sub("<time>", html))


def workbook_values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {
        ws.title: [tuple(STAMP.sub("<time>", v) if isinstance(v, str) else v for v in row)
                   for row in ws.iter_rows(values_only=True)]
        for ws in book.worksheets
    }


# --- the address and the batches ----------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("local:4", ClusterAddress(local_workers=4)),
    ("LOCAL:1", ClusterAddress(local_workers=1)),
    ("tcp://10.0.0.5:8786", ClusterAddress(scheduler="tcp://10.0.0.5:8786")),
    ("10.0.0.5:8786", ClusterAddress(scheduler="tcp://10.0.0.5:8786")),
    (" tls://sched.example.gov.cn:8786/ ", ClusterAddress(scheduler="tls://sched.example.gov.cn:8786")),
    ("tcp://[::1]:8786", ClusterAddress(scheduler="tcp://[::1]:8786")),
])
def test_addresses(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["local:0", "local", "local:", "local:two", "local:-1", "tcp://host", "host",
                                  "http://host:8786", "tcp://host:0", "tcp://host:70000", "", "tcp://a b:8786"])
def test_bad_addresses(text):
    with pytest.raises(UsageError, match="--cluster"):
        parse_address(text)


def test_batch_size_gives_each_worker_about_four_tasks():
    assert [batch_size(n, 2) for n in (1, 7, 8, 9, 40, 41)] == [1, 1, 1, 2, 5, 6]
    assert batch_size(1000, 16) == 16 and batch_size(3, 0) == 1 and batch_size(0, 4) == 1
    jobs = list(range(11))
    assert batches(jobs, 4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    assert sum(batches(jobs, 1), []) == jobs


# --- the sample county through the real command: cluster and local agree --------------


#: Townships the cluster runs: three on two workers, so one worker reuses its warm kernel.
ON_CLUSTER = 3
#: A row of the county page's township table, keyed by its township id.
ROW = re.compile(r'<tr><td class="text"[^>]*? data-sort="([^"]+)">.*?</tr>', re.S)


#: The body of the county page's backtest table (数据核查), and one of its rows (by the area's name).
AUDIT_BODY = re.compile(r'(<table id="audit-table"[^>]*>.*?<tbody>)(.*?)(</tbody>)', re.S)
AUDIT_ROW = re.compile(r'<tr><td class="text"[^>]*>([^<]*)</td>.*?</tr>', re.S)


def audit_rows(html: str) -> dict[str, str]:
    """The rows of the county page's backtest table (one per township run, then the county) by name."""
    return {m.group(1): m.group(0) for m in AUDIT_ROW.finditer(AUDIT_BODY.search(html).group(2))}


def county_page_parts(html: str) -> tuple[str, dict[str, str]]:
    """The county page without its township rows, backtest rows and charts (which depend on the
    townships run), and its township rows by id."""
    rows = {m.group(1): m.group(0) for m in ROW.finditer(html)}
    html = AUDIT_BODY.sub(r"\1<audit rows>\3", html)
    rest = re.sub(r"(?:<row>\s*)+", "<rows>", ROW.sub("<row>", re.sub(r"<img [^>]*>", "<img>", comparable(html))))
    return rest, {t: comparable(row) for t, row in rows.items()}


@pytest.fixture(scope="module")
def two_runs(sample_batch, tmp_path_factory):
    """The session's local run of the sample (``fupin run``, one worker process per core), and
    ``fupin run --cluster local:2`` of its last three townships."""
    local, local_proc = sample_batch
    townships = sorted(p.name for p in local.iterdir() if p.is_dir() and not p.name.startswith("."))
    chosen = townships[-ON_CLUSTER:]
    cluster = tmp_path_factory.mktemp("cluster-vs-local") / "2018"
    proc = fupin_cli("run", SAMPLE_DIR, "--year", 2018, "--out", cluster, "--cluster", "local:2",
                     *(x for t in chosen for x in ("--township", t)))
    return {"cluster": (cluster, proc, chosen), "local": (local, local_proc, townships)}


@pytest.mark.slow
def test_cluster_run_exits_0_like_the_local_run(two_runs):
    for name, (out, proc, townships) in two_runs.items():
        assert proc.returncode == 0, (name, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, name
    out, proc, townships = two_runs["cluster"]
    assert proc.stdout.strip().splitlines()[-1] == str(out / "index.html")
    assert f"完成 {len(townships)}/{len(townships)} 个乡镇" in proc.stdout
    assert two_runs["local"][1].stdout == ""  # --quiet: nothing on success


@pytest.mark.slow
def test_cluster_writes_the_same_files_and_figures(two_runs):
    cluster, _, chosen = two_runs["cluster"]
    local, _, townships = two_runs["local"]
    assert len(townships) == 7 and len(chosen) == ON_CLUSTER

    def listing(out: Path) -> list[str]:
        return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and ".fupin" not in p.parts
                      and (p.parent == out or p.relative_to(out).parts[0] in chosen))

    assert listing(cluster) == listing(local)
    for tid in chosen:
        assert (cluster / tid / "metrics.json").read_bytes() == (local / tid / "metrics.json").read_bytes(), tid
        a = (cluster / tid / "report.html").read_text(encoding="utf-8")
        b = (local / tid / "report.html").read_text(encoding="utf-8")
        assert comparable(a) == comparable(b), tid
        assert workbook_values(cluster / tid / "follow_up.xlsx") == workbook_values(local / tid / "follow_up.xlsx"), tid
    assert (cluster / "summary.json").read_bytes() == (local / "summary.json").read_bytes()  # the county as a whole
    (page, rows), (local_page, local_rows) = (
        county_page_parts((out / "index.html").read_text(encoding="utf-8")) for out in (cluster, local))
    assert page == local_page
    assert sorted(rows) == chosen and sorted(local_rows) == townships
    assert rows == {t: local_rows[t] for t in chosen}
    audit, local_audit = (audit_rows((out / "index.html").read_text(encoding="utf-8")) for out in (cluster, local))
    assert len(audit) == len(chosen) + 1 and len(local_audit) == len(townships) + 1  # and the county's
    assert audit == {name: local_audit[name] for name in audit}


# --- a cluster started by the test, as on real machines ----------------------------


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") as cluster:
        with Client(cluster, set_as_default=False) as client:
            yield cluster, client


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_worker_killed_mid_batch_costs_no_township(dask_cluster, tmp_path):
    cluster, client = dask_cluster
    out = tmp_path / "out"
    killed: dict[str, object] = {}
    stop = threading.Event()
    # three townships on two workers: the first two start at once, the last is held in its kernel
    townships = sorted(fupin.load(SAMPLE_DIR).townships()["township_id"])[-3:]
    held = townships[-1]
    notebooks, started, go = blocking_notebooks(tmp_path, held)

    def kernel_pid():  # runs in a worker (pickled by value)
        kernel = sys.modules["fupin.batch.jobs"]._kernel if "fupin.batch.jobs" in sys.modules else None
        return kernel.km.provisioner.pid if kernel is not None and kernel.km is not None else None

    def killer() -> None:
        """While township ``held`` waits in its kernel, SIGKILL the worker running it; then let it go."""
        try:
            while not stop.wait(0.05) and not (started.exists() and started.read_text()):
                pass
            deadline = time.monotonic() + 60  # held: its worker must be found by now
            while not stop.wait(0.05) and time.monotonic() < deadline:
                pid = int(started.read_text())
                workers = [w for w, k in client.run(kernel_pid).items() if k == pid]
                if workers:
                    worker = workers[0]
                    killed.update(worker=worker, kernel=pid, finished=len(list(out.glob("*/metrics.json"))))
                    os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
                    return
        finally:
            go.touch()  # the retried township runs through

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        batch = run_batch(SAMPLE_DIR, report_parameters(year=2018), out=out, townships=townships,
                          cluster=cluster.scheduler_address, progress=False, notebooks_dir=notebooks)
    finally:
        stop.set()
        thread.join()
    assert killed, "no worker was killed while the batch ran"
    assert killed["finished"] < 3
    assert [(r.township_id, r.ok, r.error) for r in batch.results] == [(t, True, "") for t in townships]
    assert batch.exit_status == 0
    county = fupin.load(SAMPLE_DIR)
    for tid in townships:
        written = json.loads((out / tid / "metrics.json").read_text(encoding="utf-8"))
        assert written == json.loads(json.dumps(analyse(county.township(tid), year=2018).metrics)), tid
        assert (out / tid / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>"), tid
    # the killed worker's kernel does not outlive it (it polls its parent)
    deadline = time.monotonic() + 15
    while _alive(killed["kernel"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(killed["kernel"])
    # and the run leaves no idle kernel of its own on the shared cluster's workers
    deadline = time.monotonic() + 15
    while set(client.run(kernel_pid).values()) != {None} and time.monotonic() < deadline:
        time.sleep(0.2)
    assert set(client.run(kernel_pid).values()) == {None}


@pytest.mark.slow
def test_a_failing_notebook_is_a_result_not_retried(dask_cluster, tmp_path):
    cluster, _ = dask_cluster
    county = fupin.load(SAMPLE_DIR)
    bad, good = list(county.townships()["township_id"])[:2]
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    attempts = tmp_path / "attempts.txt"
    path = notebooks / "township_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(
        f'if township_id == "{bad}":\n'
        f'    open(r"{attempts}", "a").write("x")\n'
        f'    raise RuntimeError("deliberate failure")'
    ))
    nbformat.write(nb, path)
    batch = run_batch(SAMPLE_DIR, report_parameters(year=2018), out=tmp_path / "out", townships=[bad, good],
                      notebooks_dir=notebooks, cluster=cluster.scheduler_address, progress=False)
    results = {r.township_id: r for r in batch.results}
    assert results[good].ok and not results[bad].ok
    assert "deliberate failure" in results[bad].error
    assert results[bad].notebook == str(tmp_path / "out" / bad / "township_report.ipynb")
    assert attempts.read_text() == "x", "a failing notebook must run once, not be retried"
    assert batch.exit_status == 1


@pytest.mark.slow
def test_workers_that_cannot_see_the_prepared_data_are_refused(dask_cluster, tmp_path):
    cluster, _ = dask_cluster
    params = notebook_parameters(report_parameters(year=2018), "990101001", tmp_path / "elsewhere", tmp_path / "990101001")
    job = Job("990101001", "城关镇", params, tmp_path, NOTEBOOKS_DIR, ("township_report.ipynb",), 120.0, 600.0)
    with pytest.raises(UsageError, match=r"找不到 .*elsewhere.*共享"):
        execute_on_cluster([job], cluster.scheduler_address, progress=False)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
def test_ctrl_c_stops_a_local_cluster_run_without_tracebacks(tmp_path):
    """The terminal sends SIGINT to the whole process group, Dask workers included."""
    out = tmp_path / "out"

    def terminal_child() -> None:  # own process group, SIGINT not ignored (as under a shell)
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        [sys.executable, "-m", "fupin", "run", SAMPLE_DIR, "--year", "2018", "--out", out, "--cluster", "local:2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=terminal_child,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("*/metrics.json")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        output = proc.communicate(timeout=60)[0].decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, output
    assert "已中断" in output and "Traceback" not in output and "KeyboardInterrupt" not in output, output
    deadline = time.monotonic() + 30
    while (left := _group(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, left


def _group(pgid: int) -> list:
    """Live processes of the process group ``pgid``."""
    return [p for p in psutil.process_iter(["pid"]) if _pgid(p.pid) == pgid and _alive(p.pid)]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


# --- addresses the user got wrong: exit 2, one clear line, no traceback -----------


@pytest.fixture
def closed_port():
    """A loopback port bound but not listening for the whole test: connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("address, message", [
    ("local:0", "local:N"),
    ("nonsense", "tcp://主机:端口"),
    ("tcp://127.0.0.1:{closed_port}", "无法连接 Dask 调度器"),
])
def test_bad_cluster_address_exits_2(address, message, tmp_path, closed_port):
    address = address.format(closed_port=closed_port)
    proc = fupin_cli("run", SAMPLE_DIR, "--year", 2018, "--township", "990101001", "--out", tmp_path / "out",
                     "--cluster", address, "--quiet", timeout=120)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert message in proc.stderr and proc.stderr.startswith("错误："), proc.stderr
    assert "Traceback" not in proc.stderr
