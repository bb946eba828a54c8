"""Soak test (`make soak`): the sample county, 50 runs in a row, some killed at random.

Not part of `make test` (it takes a while). After every run it checks that no
process of that run (runner, worker or kernel, and so none of their file
descriptors or memory) is left, and that every file in the report folder is
complete; at the end, that every report of the final run is there. It prints
the machine's open file handles and available memory at the start and end.

    python benchmarks/soak.py [--runs 50] [--data data/sample] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_reliability import assert_complete, marked_processes  # noqa: E402


def file_handles() -> int:
    return int(Path("/proc/sys/fs/file-nr").read_text().split()[0])


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = Path(tempfile.mkdtemp(prefix="fupin-soak-")) / "reports"
    handles0, memory0 = file_handles(), available_mb()
    killed = leaked = 0
    statuses: dict[int, int] = {}
    started = time.monotonic()
    for i in range(1, args.runs + 1):
        marker = f"soak-{os.getpid()}-{i}"
        force = i % 5 == 1
        cmd = [sys.executable, "-m", "fupin", "run", str(args.data), "--year", "2018", "--out", str(out), "--quiet"]
        proc = subprocess.Popen(cmd + (["--force"] if force else []), env={**os.environ, "FUPIN_TEST_MARKER": marker},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill = i < args.runs and rng.random() < 0.3
        if kill:
            time.sleep(rng.uniform(0.5, 15))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
        status = proc.wait()
        statuses[status] = statuses.get(status, 0) + 1
        deadline = time.monotonic() + 30
        while (left := marked_processes(marker)) and time.monotonic() < deadline:
            time.sleep(0.2)
        leaked += len(left)
        assert_complete(out)
        print(f"run {i:2d}: {'force ' if force else ''}{'killed ' if kill else ''}exit {status}, "
              f"left processes {len(left)}, handles {file_handles()}, available {available_mb():,.0f} MB", flush=True)
    final_ok = statuses and (out / "index.html").exists()
    assert_complete(out)
    townships = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    complete = all((t / "report.html").exists() and (t / "metrics.json").exists() for t in townships)
    summary = {
        "runs": args.runs, "killed": killed, "exit_statuses": statuses, "leaked_processes": leaked,
        "file_handles_start": handles0, "file_handles_end": file_handles(),
        "available_mb_start": round(memory0), "available_mb_end": round(available_mb()),
        "final_reports_complete": bool(final_ok and complete), "townships": len(townships),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    # Every process of every run (runner, workers, kernels) carries its run's marker, so
    # "no marked process left" is the exact check that no descriptor or memory of ours
    # outlives a run. The machine-wide handle and memory figures are printed for the
    # record; other programs on the machine move them too.
    return 0 if leaked == 0 and summary["final_reports_complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
