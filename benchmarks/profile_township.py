"""Where one township's report spends its time: the plain-Python floor and the warm-kernel path.

(1) floor: the report notebook's code cells executed in this process (as
    ``bench_batch.py``'s floor does), with timers around each part: the
    slice's load, the analysis (``township_metrics``), each chart (built,
    then encoded to PNG), each table (built, then rendered to HTML), the
    workbook, the text.
(2) warm: ``fupin.batch.jobs.run_township`` in this process with a warm kernel
    (``init_worker``, as each ``fupin run`` worker does), the first township
    run once to warm up, then timed: kernel reset, the notebook's cells in the
    kernel (papermill's per-cell durations), papermill's own work and the
    notebook write, the Word document, the HTML export, the file writes, and
    what is left (the runner's own overhead).

Prints Markdown tables: the mean over ``--repeat`` runs, and each part's share.
The machine may be shared: shares are meaningful, absolute times are noisy.

    python benchmarks/profile_township.py [--data data/sample] [--year 2018] [--township 990101001] [--repeat 3]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "township_report.ipynb"

def _wrap(owner: object, name: str, label: str | None, clock: dict[str, float],
          label_of=None) -> None:
    """Replace ``owner.name`` by a version that adds its wall time to ``clock[label]``."""
    original = getattr(owner, name)
    if getattr(original, "__wrapped_timer__", False):
        return

    @functools.wraps(original)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            key = label_of(*args, **kwargs) if label_of else label
            clock[key] += time.perf_counter() - started

    timed.__wrapped_timer__ = True
    setattr(owner, name, timed)


def floor(data: Path, year: int, township: str, repeat: int, work: Path) -> dict[str, float]:
    """Mean seconds per part of the floor (plain Python) for one township."""
    import nbformat

    import fupin
    from fupin.report import charts as plots, show, tables, workbook as followup
    from fupin.batch.prepare import prepare

    try:
        from fupin.figures import analysis
    except ImportError:  # before the one-analysis redesign
        analysis = None

    clock: dict[str, float] = collections.defaultdict(float)
    county = fupin.load(data)
    slices = prepare(county, work / "floor-prepared", [township])
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    params = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    # the parts: charts are built (plots.*) then drawn and encoded (show.figure_pngs); tables built (tables.*)
    # then rendered (show.show_table); fupin.load, analyse and the workbook are looked up on their modules.
    for name in [n for n in dir(plots) if n.endswith("_chart")]:
        _wrap(plots, name, f"chart build: {name}", clock)
    # every chart's PNG goes through figure_pngs (figure_png too): the six at 120 dpi, and three of them
    # also at 300 dpi for the Word document (show_figure with output_dir), from the same layout
    _wrap(display, "figure_pngs" if hasattr(display, "figure_pngs") else "figure_png",
          "charts: draw + PNG (show.figure_pngs; 3 of them also at 300 dpi for Word)", clock)
    for name in ["villages_outlook", "non_exit_reasons", "poor_villages", "income_bands", "incidence_trend",
                 "depth_indices", "near_line", "monitoring_groups", "run_info"]:
        if hasattr(tables, name):
            _wrap(tables, name, "tables: build frames", clock)
    _wrap(display, "show_table", "tables: render HTML", clock)
    _wrap(fupin, "load", "load the township's slice", clock)
    if analysis is not None:  # one analysis per township: frame, village table, metrics
        _wrap(analysis, "analyse", "analysis (analyse: frame, villages, metrics)", clock)
    _wrap(fupin, "township_metrics", "analysis (township_metrics)", clock)
    for name in ("write_analysis", "write_follow_up"):
        if hasattr(followup, name):
            _wrap(followup, name, "workbook (follow_up.xlsx)", clock)
    total = 0.0
    for i in range(repeat + 1):  # the first run warms imports and caches; not counted
        started = time.perf_counter()
        ns: dict[str, object] = {}
        exec(params, ns)
        ns.update(township_id=township, year=year, data=str(slices[township]), output_dir=str(work / "floor-out"))
        (work / "floor-out").mkdir(exist_ok=True)
        with contextlib.redirect_stdout(io.StringIO()):
            for src in cells:
                exec(src, ns)
        if i == 0:
            clock.clear()
            continue
        total += time.perf_counter() - started
    parts = {k: v / repeat for k, v in clock.items()}
    # nested: the chart builds include no encode; show_table includes nothing else timed
    parts["rest: text, KPIs, display calls"] = total / repeat - sum(parts.values())
    parts["TOTAL"] = total / repeat
    return parts


def warm(data: Path, year: int, township: str, repeat: int, work: Path) -> dict[str, float]:
    """Mean seconds per part of ``run_township`` in a warm kernel, for one township."""
    import nbformat
    import papermill
    import papermill.engines
    import papermill.execute

    import fupin
    from fupin.batch import jobs, kernel
    from fupin.core import files, run_state
    from fupin.report import html, word
    from fupin.batch.prepare import prepare
    from fupin.batch.jobs import RunParameters
    from fupin.batch.runner import REPORT_NOTEBOOKS, TOWNSHIP_OUTPUTS

    clock: dict[str, float] = collections.defaultdict(float)
    county = fupin.load(data)
    names = dict(county.townships()[["township_id", "township_name"]].itertuples(index=False))
    out = work / "warm-out"
    (out / run_state.STATE_DIR / "tmp").mkdir(parents=True)
    slices = prepare(county, out / run_state.STATE_DIR / "prepared", [township])
    job = jobs.Job(township, names[township], RunParameters(year=year).notebook_parameters(
        township, slices[township], out / township), out, NOTEBOOK.parent, REPORT_NOTEBOOKS, 120.0, 600.0,
        TOWNSHIP_OUTPUTS)
    started = time.perf_counter()
    jobs.init_worker(NOTEBOOK.parent, 120.0)
    worker_start = time.perf_counter() - started

    _wrap(kernel.WarmKernel, "reset", "kernel reset (between townships)", clock)
    _wrap(papermill, "execute_notebook", "papermill.execute_notebook (all)", clock)
    _wrap(papermill.execute, "write_ipynb", "notebook write (papermill)", clock)
    _wrap(papermill.engines, "write_ipynb", "notebook write (papermill)", clock)
    _wrap(jobs, "_read_notebook", "notebook re-read (nbformat.read)", clock)
    _wrap(docx_report, "township_document", "Word: build (tables; its 3 charts from the notebook's folder)", clock)
    _wrap(docx_report, "document_bytes", "Word: save", clock)
    _wrap(export, "without_inline_styles", "HTML: copy without inline styles", clock)
    _wrap(export, "notebook_to_html", "HTML export (notebook_to_html, all)", clock)
    for name in ("atomic_write_bytes", "atomic_write_text", "atomic_write_json"):
        _wrap(fsutil, name, "file writes (atomic)", clock)

    cells: dict[str, float] = collections.defaultdict(float)
    totals = 0.0
    for i in range(repeat + 1):
        result = jobs.run_township(job)
        if not result.ok:
            raise SystemExit(f"{township}: {result.error}")
        executed = nbformat.read(out / township / REPORT_NOTEBOOKS[0], as_version=4)
        if i == 0:
            clock.clear()
            continue
        totals += result.seconds
        for cell in executed.cells:
            if cell.cell_type == "code":
                first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else "(empty)"
                cells[first] += float(cell.metadata.get("papermill", {}).get("duration") or 0.0)
    jobs.shutdown_kernel()
    parts = {k: v / repeat for k, v in clock.items()}
    in_kernel = sum(cells.values()) / repeat
    parts["  of which: cells in the kernel (papermill durations)"] = in_kernel
    parts["  of which: papermill + messaging + write"] = parts["papermill.execute_notebook (all)"] - in_kernel
    parts["  of which: HTML template (nbconvert)"] = (
        parts["HTML export (notebook_to_html, all)"] - parts.get("HTML: copy without inline styles", 0.0))
    accounted = sum(parts[k] for k in ("kernel reset (between townships)", "papermill.execute_notebook (all)",
                                       "notebook re-read (nbformat.read)", "Word: build (tables; its 3 charts from the notebook's folder)",
                                       "Word: save", "HTML export (notebook_to_html, all)", "file writes (atomic)")
                   if k in parts)
    parts["runner's own overhead (rest)"] = totals / repeat - accounted
    parts["TOTAL (TownshipResult.seconds)"] = totals / repeat
    parts["(worker start: kernel + prime, once per worker)"] = worker_start
    return parts, {k: v / repeat for k, v in cells.items()}


def table(title: str, parts: dict[str, float], total_key: str) -> None:
    total = parts[total_key]
    print(f"\n| {title} | seconds | share |\n|---|---|---|")
    for key, value in sorted(parts.items(), key=lambda kv: (kv[0].startswith(("TOTAL", "(")), -kv[1])):
        share = "" if key.startswith("(") else f"{value / total:.0%}"
        print(f"| {key} | {value:.3f} | {share} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--township", default="990101001")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--skip-warm", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fupin-profile-"))
    try:
        print(f"Township {args.township} of {args.data}, year {args.year}; mean of {args.repeat} runs after one "
              "warm-up run. Shared machine: shares are meaningful, absolute times are noisy.")
        if not args.skip_floor:
            table("floor (plain Python), part", floor(args.data.resolve(), args.year, args.township, args.repeat, work),
                  "TOTAL")
        if not args.skip_warm:
            parts, cells = warm(args.data.resolve(), args.year, args.township, args.repeat, work)
            table("warm kernel (`run_township`), part", parts, "TOTAL (TownshipResult.seconds)")
            print("\n| cell in the kernel (first line) | seconds |\n|---|---|")
            for key, value in sorted(cells.items(), key=lambda kv: -kv[1]):
                print(f"| `{key}` | {value:.3f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
