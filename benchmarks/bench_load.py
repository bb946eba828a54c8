"""Benchmark: how long ``fupin.load`` takes, and its peak memory, at county and province scale.

A script, not a test. It generates synthetic counties (``fupin.sample.generate.write_county``,
about 1,000 households per township) into a temporary folder, each in its own
process, then loads each one in a fresh Python process and reports the wall
and CPU seconds of ``load()`` (imports excluded) and the process's peak
resident memory (``VmHWM``, imports included; the ``(import)`` column is the
peak before ``load()``).

    .venv/bin/python benchmarks/bench_load.py                 # 10k and 1M, parquet and csv
    .venv/bin/python benchmarks/bench_load.py --households 10000 50000 --formats parquet
    .venv/bin/python benchmarks/bench_load.py --data /tmp/bench    # keep the generated data

On the 2-core development machine (1M households = 4.7M income rows), before
the columnar loader: parquet 119 s / 3.3 GB, CSV 124 s / 4.4 GB; after it:
parquet ~9 s / 1.8 GB, CSV ~12 s / 1.9 GB (wall time varies with the load
of the machine; the CPU seconds are steadier)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Runs inside the child process: import first (not timed), then time load().
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import fupin.io.loading
from fupin.io.loading import load

path = Path(sys.argv[1])
def peak_kb():
    # This process's peak resident memory in KiB: VmHWM (Linux), else ru_maxrss.
    # ru_maxrss can carry the parent's peak across fork+exec; VmHWM cannot.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

base = peak_kb()
start, start_cpu = time.perf_counter(), cpu()
county = load(path)
seconds, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
peak = peak_kb()
print(json.dumps({
    "seconds": seconds,
    "cpu": cpu_seconds,
    "peak_mb": peak / 1024,
    "import_mb": base / 1024,
    "households": len(county.households),
    "incomes": len(county.incomes),
    "villages": len(county.villages),
}))
"""


def townships_for(households: int) -> int:
    """About 1,000 households per township, as ``fupin generate`` is used at scale."""
    return max(1, households // 1000)


#: Runs in its own process, so that this one stays small while the children are measured.
GENERATE = r"""
import sys
from fupin.sample.generate import write_county

folder, townships, households, fmt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
write_county(folder, townships=townships, households=households, seed=0, fmt=fmt)
"""


def generate(root: Path, households: int, fmt: str) -> tuple[Path, float]:
    """The county's folder (generated unless already there) and the seconds it took."""
    folder = root / f"{fmt}-{households}"
    if (folder / f"incomes.{fmt}").exists():
        return folder, 0.0
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", GENERATE, str(folder), str(townships_for(households)), str(households), fmt],
        check=True,
    )
    return folder, time.perf_counter() - start


def measure(folder: Path) -> dict:
    """Load ``folder`` in a fresh interpreter; its figures."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"load({folder}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"], choices=["parquet", "csv", "xlsx"])
    parser.add_argument("--data", type=Path, default=None, help="where to keep generated data (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=1, help="loads per county (the best time is shown)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fupin-bench-") as tmp:
        root = args.data or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        print(f"{'households':>10} {'format':>8} {'incomes':>10} {'on disk':>9} "
              f"{'load s':>8} {'cpu s':>7} {'peak MB':>8} {'(import)':>8}  {'gen s':>6}", flush=True)
        for households in args.households:
            for fmt in args.formats:
                folder, gen_seconds = generate(root, households, fmt)
                size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
                runs = [measure(folder) for _ in range(args.repeat)]
                best = min(runs, key=lambda r: r["seconds"])
                assert best["households"] == households, best
                print(f"{households:>10,} {fmt:>8} {best['incomes']:>10,} {size:>7.1f}MB "
                      f"{best['seconds']:>8.2f} {best['cpu']:>7.2f} {max(r['peak_mb'] for r in runs):>8.0f} "
                      f"{best['import_mb']:>8.0f}  {gen_seconds:>6.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
