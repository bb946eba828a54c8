"""Benchmark the batch three ways on the same county, in one run (`make bench`).

(a) naive: the `papermill` CLI, then `jupyter nbconvert --to html --no-input`,
    per township, one after another;
(b) `fupin run` with 1 worker and with 2;
(c) floor: the report notebook's own code cells executed in one plain Python
    process for all townships (same figures, same charts rendered to PNG, the
    follow-up workbook written), then the Word document built, as the runner
    does; no Jupyter at all.

Prints each figure and each ratio as a Markdown table. With ``--province``
it also measures validation and preparation on a generated 1,000,000-household
county, and one township's run time at 10,000 vs 1,000,000 households.

    python benchmarks/bench_batch.py [--data data/sample] [--year 2018] [--skip-naive] [--province]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "township_report.ipynb"


def timed(cmd: list[str], **kw) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - started


def townships(data: Path) -> list[str]:
    import fupin

    return list(fupin.load(data).townships()["township_id"])


def naive_commands(data: Path, year: int, tid: str, work: Path) -> tuple[list[str], list[str], Path]:
    """The naive loop's two commands for one township, and the HTML report they write.

    ``-r`` passes the id as text: with ``-p`` papermill would read 990101001 as an int,
    and the notebook would report on the whole county instead of the township.
    """
    out = work / f"naive-{tid}.ipynb"
    papermill = [str(BIN / "papermill"), str(NOTEBOOK), str(out), "-r", "township_id", tid,
                 "-p", "year", str(year), "-r", "data", str(data), "--cwd", str(NOTEBOOK.parent),
                 "--no-progress-bar"]
    nbconvert = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)]
    return papermill, nbconvert, out.with_suffix(".html")


def names_its_township(html: Path, name: str, year: int) -> bool:
    """The report's title is the township's (report.title): ``城关镇2018年脱贫攻坚情况报告``."""
    return f"{name}{year}年脱贫攻坚情况报告" in html.read_text(encoding="utf-8")


def naive(data: Path, year: int, ids: list[str], work: Path) -> float:
    """(a) papermill CLI + nbconvert CLI per township, sequentially; each report checked
    (outside the timing) to be about its own township."""
    import fupin

    names = dict(fupin.load(data).townships()[["township_id", "township_name"]].itertuples(index=False))
    seconds = 0.0
    for tid in ids:
        papermill, nbconvert, html = naive_commands(data, year, tid, work)
        started = time.perf_counter()
        subprocess.run(papermill, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(nbconvert, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds += time.perf_counter() - started
        if not names_its_township(html, names[tid], year):
            raise SystemExit(f"naive report {html} is not about township {tid} ({names[tid]})")
    return seconds


def fupin_run(data: Path, year: int, workers: int, work: Path) -> float:
    """(b) the real console command, from a cold start."""
    out = work / f"run-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    return timed([str(BIN / "fupin"), "run", str(data), "--year", str(year), "--out", str(out),
                  "--workers", str(workers), "--quiet"])


FLOOR = r"""
import contextlib, io, json, sys, time
started = time.perf_counter()
import fupin
from fupin.batch.prepare import prepare
from fupin.report.word import document_bytes, township_document
data, year, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
county = fupin.load(data)
ids = list(county.townships()["township_id"])
slices = prepare(county, __import__("pathlib").Path(work) / "floor-prepared", ids)
with open(sys.argv[4], encoding="utf-8") as f:  # plain JSON: the floor pays for no notebook validation
    cells = json.load(f)["cells"]
code = [("".join(c["source"]), c.get("metadata", {}).get("tags", [])) for c in cells if c["cell_type"] == "code"]
params = [src for src, tags in code if "parameters" in tags][0]
cells = [src for src, tags in code if "parameters" not in tags]
for tid in ids:
    ns = {}
    exec(params, ns)
    out = __import__("pathlib").Path(work) / "floor-out" / tid
    out.mkdir(parents=True, exist_ok=True)
    ns.update(township_id=tid, year=year, data=str(slices[tid]), output_dir=str(out))
    with contextlib.redirect_stdout(io.StringIO()):
        for src in cells:
            exec(src, ns)
    document_bytes(township_document(ns["m"], pictures=out))  # the Word version, as the runner makes it
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def floor(data: Path, year: int, work: Path) -> float:
    """(c) the notebook's code cells and the Word document in one plain Python process
    (display prints to nowhere)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR, str(data), str(year), str(work), str(NOTEBOOK)],
                   check=True, stdout=subprocess.DEVNULL, cwd=NOTEBOOK.parent)
    return time.perf_counter() - started


def measured(code: str, *args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a fresh Python process running ``code``."""
    wrapper = (
        "import resource, sys, time\nt = time.perf_counter()\n" + code +
        "\nprint(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *args], check=True, capture_output=True, text=True)
    seconds, mb = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(mb)


ONE_TOWNSHIP = r"""
import json, sys
from pathlib import Path
from fupin.batch.runner import RunParameters, run_batch
batch = run_batch(Path(sys.argv[1]), RunParameters(year=2018), out=Path(sys.argv[2]), townships=[sys.argv[3]],
                  workers=1, progress=False)
print(json.dumps({"township_seconds": batch.results[0].seconds, "ok": batch.results[0].ok}))
"""


def province(work: Path) -> list[tuple[str, str]]:
    """Validation + preparation at 1,000,000 households; one township at 10k vs 1M."""
    from fupin.sample.generate import write_county

    rows: list[tuple[str, str]] = []
    sizes = {"10k": (10, 10_000), "1M": (1000, 1_000_000)}
    per_township: dict[str, float] = {}
    for label, (towns, households) in sizes.items():
        data = work / f"county-{label}"
        write_county(data, townships=towns, households=households, seed=1, fmt="parquet")
        seconds, mb = measured("import sys, fupin\nfupin.load(sys.argv[1])", str(data))
        rows.append((f"`fupin validate` (load + validate), {label} households", f"{seconds:.1f} s, peak {mb:,.0f} MB"))
        seconds, mb = measured(
            "import sys, fupin\nfrom pathlib import Path\nfrom fupin.batch.prepare import prepare\n"
            "c = fupin.load(sys.argv[1])\nprepare(c, Path(sys.argv[2]), c.townships()['township_id'])",
            str(data), str(work / f"prepared-{label}"),
        )
        rows.append((f"validate + prepare all townships, {label} households", f"{seconds:.1f} s, peak {mb:,.0f} MB"))
        import fupin

        first = str(fupin.load(data).townships()["township_id"].iloc[0]) if label == "10k" else None
        if first is None:
            first = sorted(p.name for p in (work / "prepared-1M").iterdir())[0]
        out = subprocess.run([sys.executable, "-c", ONE_TOWNSHIP, str(data), str(work / f"one-{label}"), first],
                             check=True, capture_output=True, text=True)
        per_township[label] = json.loads(out.stdout.strip().splitlines()[-1])["township_seconds"]
        rows.append((f"one township's run, county of {label} households", f"{per_township[label]:.2f} s"))
    rows.append(("ratio one township 1M / 10k (target ≤ 1.3)", f"{per_township['1M'] / per_township['10k']:.2f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--province", action="store_true")
    args = parser.parse_args()
    data = args.data.resolve()
    ids = townships(data)
    n = len(ids)
    work = Path(tempfile.mkdtemp(prefix="fupin-bench-"))
    try:
        figures: dict[str, float] = {}
        if not args.skip_naive:
            figures["a_naive"] = naive(data, args.year, ids, work)
        figures["b_run_1"] = fupin_run(data, args.year, 1, work)
        figures["b_run_2"] = fupin_run(data, args.year, 2, work)
        figures["c_floor"] = floor(data, args.year, work)
        print(f"# fupin batch benchmark — {dt.date.today()} — {platform.node()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"\nCounty: {data} ({n} townships), year {args.year}.\n")
        print("| run | wall time | per township |\n|---|---|---|")
        names = {"a_naive": "(a) naive papermill + nbconvert CLI loop", "b_run_1": "(b) `fupin run --workers 1`",
                 "b_run_2": "(b) `fupin run --workers 2`", "c_floor": "(c) floor: same work, plain Python"}
        for key, value in figures.items():
            print(f"| {names[key]} | {value:.1f} s | {value / n:.2f} s |")
        print("\n| ratio | value | target |\n|---|---|---|")
        if "a_naive" in figures:
            print(f"| naive / fupin run (2 workers) | {figures['a_naive'] / figures['b_run_2']:.2f}× | ≥ 4× |")
            print(f"| naive / fupin run (1 worker) | {figures['a_naive'] / figures['b_run_1']:.2f}× | |")
        print(f"| fupin run (1 worker) / floor, per township | {figures['b_run_1'] / figures['c_floor']:.2f}× | ≤ 1.3× |")
        print(f"| 1 worker / 2 workers (the same batch, measured side by side) | "
              f"{figures['b_run_1'] / figures['b_run_2']:.2f}× | |")
        if args.province:
            print("\n| province scale | figure |\n|---|---|")
            for name, value in province(work):
                print(f"| {name} | {value} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
