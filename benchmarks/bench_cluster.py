"""Benchmark `fupin run --cluster`: 1 vs 2 local Dask workers on a generated county.

Generates a county (default 40 townships, 4,000 households, seed 1), then runs
the real console command from a cold start with ``--cluster local:1`` and
``--cluster local:2`` (and, for reference, the local process pool with
``--workers 1`` and ``--workers 2``), each into a fresh report folder. Prints
the wall times and the speed-up as Markdown tables for docs/performance.md.

    python benchmarks/bench_cluster.py [--townships 40] [--households 4000] [--seed 1] [--year 2018] [--skip-local]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def fupin(*args: object) -> float:
    """Wall seconds of one `fupin` command (must exit 0)."""
    started = time.perf_counter()
    subprocess.run([str(BIN / "fupin"), *map(str, args)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--townships", type=int, default=40)
    parser.add_argument("--households", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--skip-local", action="store_true", help="only the Dask runs")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fupin-bench-cluster-"))
    try:
        data = work / "county"
        fupin("generate", data, "--townships", args.townships, "--households", args.households, "--seed", args.seed)
        runs = {}  # interleaved, so that a change in the machine's load hits both runners alike
        for n_workers in (1, 2):
            if not args.skip_local:
                runs[f"`--workers {n_workers}` (process pool)"] = ["--workers", str(n_workers)]
            runs[f"`--cluster local:{n_workers}`"] = ["--cluster", f"local:{n_workers}"]
        times = {
            name: fupin("run", data, "--year", args.year, "--out", work / f"out-{i}", *option, "--quiet")
            for i, (name, option) in enumerate(runs.items())
        }
        n = args.townships
        print(f"# fupin cluster benchmark — {dt.date.today()} — {platform.node()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}")
        print(f"\nGenerated county: {n} townships, {args.households:,} households, seed {args.seed}; year {args.year}. "
              "Cold start each time (workers, kernels and imports included).\n")
        print("| run | wall time | per township |\n|---|---|---|")
        for name, seconds in times.items():
            print(f"| {name} | {seconds:.1f} s | {seconds / n:.2f} s |")
        one, two = times["`--cluster local:1`"], times["`--cluster local:2`"]
        print("\n| ratio | value |\n|---|---|")
        print(f"| speed-up, 2 Dask workers over 1 | {one / two:.2f}× |")
        if not args.skip_local:
            pool = times["`--workers 2` (process pool)"]
            print(f"| Dask local:2 / process pool --workers 2 (overhead of Dask) | {two / pool:.2f}× |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
