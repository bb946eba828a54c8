"""Fault injection: the batch survives faults, never leaves a partial file, and reruns only what is missing."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

import fupin
from notebook_fixtures import blocking_notebooks, faulty_notebooks, wait_for
from conftest import fupin_args

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="uses /proc and POSIX signals")]

#: What the killed kernel prints on its own stderr before it dies.
LAST_WORDS = "kernel-last-words-7f3a"
TOWN_FILES = ["follow_up.xlsx", "metrics.json", "report.docx", "report.html", "township_report.ipynb"]


def marked_env(marker: str) -> dict:
    """The environment of a run whose every process (workers, kernels) carries ``marker``."""
    return {**os.environ, "FUPIN_TEST_MARKER": marker}


def marked_processes(marker: str) -> list[int]:
    """PIDs of live processes (not zombies reaped) whose environment carries ``marker``."""
    found = []
    needle = f"FUPIN_TEST_MARKER={marker}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if needle in (proc / "environ").read_bytes():
                state = (proc / "stat").read_text().split(") ", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(proc.name))
        except OSError:
            continue
    return found


def wait_gone(marker: str, seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.3)
    return left


def fupin_cmd(*args: object) -> list[str]:
    return fupin_args(*args)


def run(*args: object, marker: str | None = None, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    if marker:
        env = {**(env or os.environ), **marked_env(marker)}
    return subprocess.run(fupin_cmd(*args), capture_output=True, text=True, encoding="utf-8",
                          timeout=600, env=env, **kw)


def _generate(data: Path, townships: int) -> Path:
    """A small generated county: a run's cost is its processes and kernels, not its households."""
    proc = run("generate", data, "--townships", townships, "--households", 60 * townships, "--seed", 11)
    assert proc.returncode == 0, proc.stderr
    return data


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """Two townships: one to fail, one that must not notice."""
    return _generate(tmp_path_factory.mktemp("county") / "data", 2)


@pytest.fixture(scope="module")
def townships(county) -> list[str]:
    return sorted(fupin.load(county).townships()["township_id"])


@pytest.fixture(scope="module")
def county_of_three(tmp_path_factory) -> Path:
    """Three townships: one done, one held, one not yet started when the runner is killed."""
    return _generate(tmp_path_factory.mktemp("county3") / "data", 3)


def assert_complete(out: Path) -> None:
    """Every file in DIR (outside the runner's .fupin) is complete and valid."""
    for path in out.rglob("*"):
        if ".fupin" in path.relative_to(out).parts or not path.is_file():
            continue
        assert not path.name.startswith("."), f"stray temporary file {path}"
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), path
        elif path.suffix == ".ipynb":
            nbformat.validate(nbformat.reads(data.decode("utf-8"), as_version=4))
        elif path.suffix == ".xlsx":
            import openpyxl

            openpyxl.load_workbook(path).close()
        elif path.suffix == ".docx":
            import docx

            assert docx.Document(path).paragraphs, path


def files_of(out: Path, township: str) -> list[str]:
    folder = out / township
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_raising_notebook_fails_one_township_and_a_rerun_retries_only_it(county, townships, tmp_path):
    bad = townships[0]
    flag = tmp_path / "still-broken"
    flag.touch()
    notebooks = faulty_notebooks(
        tmp_path, bad, f'import os\nif os.path.exists(r"{flag}"):\n    raise RuntimeError("数据核对未通过")'
    )
    out = tmp_path / "out"
    proc = run("run", county, "--year", 2018, "--out", out, "--notebooks", notebooks, "--quiet")
    assert proc.returncode == 1
    assert "RuntimeError: 数据核对未通过" in proc.stdout
    assert files_of(out, bad) == ["township_report.ipynb"]
    for good in townships[1:]:
        assert files_of(out, good) == TOWN_FILES
    assert_complete(out)
    # The cause is fixed: the rerun runs the failed township and skips the others.
    flag.unlink()
    log = tmp_path / "run.log"
    proc = run("run", county, "--year", 2018, "--out", out, "--log", log, "--notebooks", notebooks)
    assert proc.returncode == 0, proc.stderr
    assert "其中 1 个输入未变化" in proc.stdout and proc.stdout.strip().splitlines()[-1] == str(out / "index.html")
    lines = log.read_text(encoding="utf-8").splitlines()
    assert sum("跳过：输入未变化" in line for line in lines) == 1
    assert any(f"{bad} " in line and "完成" in line for line in lines)
    assert files_of(out, bad) == TOWN_FILES
    # --force reruns everything.
    proc = run("run", county, "--year", 2018, "--out", out, "--quiet", "--force", "--notebooks", notebooks)
    assert proc.returncode == 0 and "未变化" not in proc.stdout


@pytest.fixture(scope="module")
def faulty_run(county_of_three, tmp_path_factory):
    """One run, one worker, three townships in turn: the first kills its kernel, the second
    hangs past the cell timeout, the third is fine (so it runs in a kernel started after
    both faults). Every process of the run carries a marker: (townships, out, process, marker)."""
    tmp = tmp_path_factory.mktemp("faulty-run")
    killed, hanging, fine = sorted(fupin.load(county_of_three).townships()["township_id"])
    notebooks = faulty_notebooks(tmp, killed, "import os, signal\n"  # its last words on its own stderr, then dead
                                 f"os.write(2, b'{LAST_WORDS}\\n')\nos.kill(os.getpid(), signal.SIGKILL)")
    path = notebooks / "township_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(f'if township_id == "{hanging}":\n    import time\n    time.sleep(3600)'))
    nbformat.write(nb, path)
    out = tmp / "out"
    marker = uuid.uuid4().hex
    proc = run("run", county_of_three, "--year", 2018, "--out", out, "--notebooks", notebooks, "--quiet",
               "--workers", 1, "--cell-timeout", 8, marker=marker)
    return (killed, hanging, fine), out, proc, marker


def _failure_line(proc: subprocess.CompletedProcess, township: str) -> str:
    lines = [line for line in proc.stdout.splitlines() if township in line and "失败" in line]
    assert lines, proc.stdout
    return lines[0]


def test_killed_kernel_fails_its_township_only(faulty_run):
    (bad, _, fine), out, proc, marker = faulty_run
    assert proc.returncode == 1
    assert "内核意外退出" in _failure_line(proc, bad)
    assert f"内核最后输出：{LAST_WORDS}" in _failure_line(proc, bad)  # why it died, in the failure
    # the kernel's own output never reaches the console as it printed it (the runner's log quotes it)
    assert LAST_WORDS not in [line.strip() for line in proc.stderr.splitlines()]
    assert files_of(out, bad) == ["township_report.ipynb"]
    assert files_of(out, fine) == TOWN_FILES
    assert_complete(out)
    assert wait_gone(marker) == []


def test_hanging_notebook_is_stopped_at_its_timeout_and_its_kernel_killed(faulty_run):
    (_, bad, fine), out, proc, marker = faulty_run
    assert proc.returncode == 1
    assert "超时" in _failure_line(proc, bad)
    assert files_of(out, bad) == ["township_report.ipynb"]
    assert files_of(out, fine) == TOWN_FILES
    assert_complete(out)
    assert wait_gone(marker) == []


def test_sigkill_of_the_runner_leaves_only_complete_files_and_a_rerun_finishes(county_of_three, tmp_path):
    county = county_of_three
    townships = sorted(fupin.load(county).townships()["township_id"])
    out = tmp_path / "out"
    marker = uuid.uuid4().hex
    # one worker: township 0 completes, township 1 is held, township 2 never starts
    notebooks, started, go = blocking_notebooks(tmp_path, townships[1])
    runner = subprocess.Popen(
        fupin_cmd("run", county, "--year", 2018, "--out", out, "--workers", 1, "--quiet", "--notebooks", notebooks),
        env=marked_env(marker), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    state = out / ".fupin" / "state.json"
    try:
        wait_for(lambda: started.exists() and townships[0] in (
            json.loads(state.read_text(encoding="utf-8")).get("townships", {}) if state.exists() else {}),
            what="township 1 held, 0 recorded")
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait()
    assert files_of(out, townships[0]) == TOWN_FILES
    assert "metrics.json" not in files_of(out, townships[1]) and files_of(out, townships[2]) == []
    assert not (out / "index.html").exists()
    assert_complete(out)
    assert wait_gone(marker, 30) == [], "workers or kernels outlived the killed run"
    go.touch()
    log = tmp_path / "rerun.log"
    proc = run("run", county, "--year", 2018, "--out", out, "--quiet", "--log", log, "--notebooks", notebooks)
    assert proc.returncode == 0, proc.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if "跳过：输入未变化" in line][0].split()[3] == townships[0]
    assert sum("跳过：输入未变化" in line for line in lines) == 1
    for t in townships:
        assert files_of(out, t) == TOWN_FILES
    assert (out / "index.html").exists()
    assert_complete(out)


def test_a_second_run_on_the_same_folder_refuses_while_the_first_runs(county, tmp_path):
    out = tmp_path / "out"
    held = sorted(fupin.load(county).townships()["township_id"])[0]
    notebooks, started, go = blocking_notebooks(tmp_path, held)
    first = subprocess.Popen(fupin_cmd("run", county, "--year", 2018, "--out", out, "--quiet", "--workers", 1,
                                       "--township", held, "--notebooks", notebooks),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        wait_for(started.exists, what="the first run holding its first township")
        second = run("run", county, "--year", 2018, "--out", out, "--quiet")
    finally:
        go.touch()
    stdout, stderr = first.communicate(timeout=600)
    assert second.returncode == 2
    assert "正被另一个 fupin run 使用" in second.stderr and "Traceback" not in second.stderr
    assert first.returncode == 0, stderr
    assert_complete(out)


def test_read_only_output_folder_is_refused_before_anything_runs(county, tmp_path):
    out = tmp_path / "readonly"
    out.mkdir()
    out.chmod(0o555)
    immutable = False
    if os.geteuid() == 0:  # root writes through permissions; an immutable folder stops even root
        immutable = subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode == 0
        if not immutable:
            pytest.skip("running as root on a file system without chattr +i")
    try:
        proc = run("run", county, "--year", 2018, "--out", out)
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(out)], check=True)
        out.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert "无法写入报告文件夹" in proc.stderr and "Traceback" not in proc.stderr
    assert list(out.iterdir()) == []


def _small_file_limit() -> None:
    limit = 150 * 1024  # a report is larger than this: writes fail as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_full_disk_fails_cleanly_and_a_later_run_completes(county, townships, tmp_path):
    out = tmp_path / "out"
    proc = run("run", county, "--year", 2018, "--out", out, "--quiet", preexec_fn=_small_file_limit)
    assert proc.returncode == 1, proc.stderr
    assert "磁盘空间不足或文件超出限制" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert_complete(out)
    proc = run("run", county, "--year", 2018, "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    for t in townships:
        assert files_of(out, t) == TOWN_FILES
    assert_complete(out)
