"""A province, end to end from cold (`make bench-province`).

Generates a county of ``--townships`` townships and ``--households``
households (default 1,000 and 1,000 per township) as Parquet with
``fupin.sample.generate``, then times the real ``fupin run`` with every core into a
fresh report folder: wall time and the peak memory of the whole process tree
(the runner, its workers and their kernels, sampled with psutil every 0.2 s).
Each township's seconds (from the run's own ``.fupin/state.json``) are then
set against its size (villages, households). The naive loop (``papermill``
CLI then ``nbconvert`` CLI, as in ``bench_batch.py``) is timed on
``--naive`` townships and multiplied by the number of townships.

Prints Markdown tables. On a shared machine absolute times are noisy; the
ratios are measured within one run.

    python benchmarks/bench_province.py [--townships 1000] [--households N] [--naive 2] [--year 2018] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import BIN, naive  # noqa: E402


def tree_rss(root) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants now."""
    import psutil

    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_measured(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of ``cmd``'s process tree."""
    import psutil

    started = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc))
            stop.wait(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    status = proc.wait()
    seconds = time.perf_counter() - started
    stop.set()
    watcher.join()
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {status}")
    return seconds, peak


def sizes(data: Path) -> dict[str, tuple[int, int]]:
    """township_id -> (villages, households)."""
    import fupin

    county = fupin.load(data)
    villages = county.villages[["village_id", "township_id"]]
    per_village = county.households.groupby("village_id").size()
    out: dict[str, tuple[int, int]] = {}
    for tid, group in villages.groupby("township_id"):
        out[str(tid)] = (len(group), int(per_village.reindex(group["village_id"]).fillna(0).sum()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--townships", type=int, default=1000)
    parser.add_argument("--households", type=int, help="households in all (default 1,000 per township)")
    parser.add_argument("--naive", type=int, default=2, help="townships the naive loop is timed on (0: skip)")
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the generated data and reports in this folder")
    args = parser.parse_args()
    households = args.households or args.townships * 1000
    work = (args.keep or Path(tempfile.mkdtemp(prefix="fupin-province-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    data, out = work / "county", work / "reports"
    try:
        from fupin.sample.generate import write_county

        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        write_county(data, townships=args.townships, households=households, seed=args.seed, fmt="parquet")
        generated = time.perf_counter() - started
        # from cold: a fresh report folder, the workers' kernels started by the run itself
        wall, peak = run_measured([str(BIN / "fupin"), "run", str(data), "--year", str(args.year), "--out", str(out),
                                   "--quiet"])
        state = json.loads((out / ".fupin" / "state.json").read_text(encoding="utf-8"))["townships"]
        seconds = {t: float(v["seconds"]) for t, v in state.items() if v.get("ok", True)}
        failed = len(state) - len(seconds)
        size = sizes(data)
        naive_each = None
        if args.naive:
            ids = sorted(size)[: args.naive]
            naive_each = naive(data, args.year, ids, work) / len(ids)

        n = args.townships
        print(f"# fupin province benchmark — {time.strftime('%Y-%m-%d')} — {platform.node()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"\nGenerated county: {n:,} townships, {households:,} households, Parquet "
              f"(generated in {generated:.1f} s, not counted). `fupin run` with every core, from cold.\n")
        print("| figure | value |\n|---|---|")
        print(f"| `fupin run` wall time | {wall:.1f} s ({wall / 60:.1f} min) |")
        print(f"| per township (wall / townships) | {wall / n:.2f} s |")
        print(f"| peak memory, process tree (runner + workers + kernels) | {peak / 2**20:,.0f} MB |")
        print(f"| townships failed | {failed} |")
        if naive_each is not None:
            print(f"| naive loop, per township (timed on {args.naive}) | {naive_each:.2f} s |")
            print(f"| naive loop × {n:,} (estimate) | {naive_each * n:.1f} s |")
            print(f"| naive / `fupin run` | {naive_each * n / wall:.2f}× |")
        # cost against size: townships in four groups by households
        rows = sorted((size[t][1], size[t][0], s) for t, s in seconds.items() if t in size)
        if rows:
            print("\n| households per township | townships | villages (mean) | seconds per township: mean | median |"
                  "\n|---|---|---|---|---|")
            groups = 4 if len(rows) >= 8 else 1
            for g in range(groups):
                part = rows[g * len(rows) // groups:(g + 1) * len(rows) // groups]
                secs = [r[2] for r in part]
                print(f"| {part[0][0]:,}–{part[-1][0]:,} | {len(part)} | {statistics.mean(r[1] for r in part):.1f} | "
                      f"{statistics.mean(secs):.2f} | {statistics.median(secs):.2f} |")
            if len(rows) >= 3 and len({r[0] for r in rows}) > 1:
                slope, intercept = statistics.linear_regression([r[0] for r in rows], [r[2] for r in rows])
                print(f"\nLeast squares over the townships: seconds ≈ {intercept:.2f} + {slope * 1000:.2f} × "
                      f"(households / 1,000). Per-township seconds are measured in the worker, with the other "
                      f"workers running beside it.")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
