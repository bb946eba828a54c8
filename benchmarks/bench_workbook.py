"""What the follow-up workbook (follow_up.xlsx) costs per township, in CPU seconds.

For each township of the data, as the report notebook does it: the area
(``county.area``), its analysis (``analyse``) with its metrics computed first
(untimed), then ``followup.write_analysis`` timed (process CPU time). Each
repeat starts from a fresh analysis, so the household lists the workbook
needs are computed inside the timed call as in a report run. After the
total, the same analysis' two parts are timed again: the sheets
(``analysis_sheets``, caches now warm) and the xlsx bytes (``workbook_bytes``).

Prints min and median over ``--repeat`` runs (one warm-up run first, not
counted). ``--profile N`` prints the top N functions of a cProfile of
``write_analysis`` on ``--township`` instead.

    python benchmarks/bench_workbook.py [--data data/sample] [--year 2018] [--repeat 7]
    python benchmarks/bench_workbook.py --profile 30 [--township 990101001]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _analysis(county, township: str, year: int):
    """A fresh analysis of one township with its metrics computed, as the notebook's metrics cell does."""
    from fupin.figures.analysis import analyse
    from fupin.figures.parameters import report_parameters

    a = analyse(county.area(township), report_parameters(year=year))
    a.metrics  # noqa: B018 (the notebook reads the metrics before it writes the workbook)
    return a


def bench(data: Path, year: int, repeat: int) -> None:
    import fupin
    from fupin.report import workbook as followup

    county = fupin.load(data)
    townships = list(county.townships()["township_id"])
    print(f"follow_up.xlsx, CPU seconds per township; {repeat} runs each (min / median), one warm-up run first")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| township | rows | write_analysis min | median | sheets min | xlsx bytes min | size KB |")
    print("|---|---|---|---|---|---|---|")
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        for tid in townships:
            path = Path(tmp) / tid / followup.FILENAME
            path.parent.mkdir()
            whole, sheets_t, bytes_t = [], [], []
            for i in range(repeat + 1):
                a = _analysis(county, tid, year)
                started = time.process_time()
                followup.write_analysis(a, path)
                whole_t = time.process_time() - started
                started = time.process_time()
                sheets = followup.analysis_sheets(a)
                s_t = time.process_time() - started
                started = time.process_time()
                followup.workbook_bytes(sheets, a.area_name, dt.date.today().isoformat())
                b_t = time.process_time() - started
                if i:
                    whole.append(whole_t), sheets_t.append(s_t), bytes_t.append(b_t)
            rows = sum(len(frame) for frame, _ in sheets.values())
            totals.append(statistics.median(whole))
            print(f"| {tid} | {rows} | {min(whole):.3f} | {statistics.median(whole):.3f} | {min(sheets_t):.3f} | "
                  f"{min(bytes_t):.3f} | {path.stat().st_size / 1024:.0f} |")
    print()
    print(f"mean of the medians: {statistics.mean(totals):.3f} s per township")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def profile(data: Path, year: int, township: str, top: int) -> None:
    import fupin
    from fupin.report import workbook as followup

    county = fupin.load(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / followup.FILENAME
        followup.write_analysis(_analysis(county, township, year), path)  # warm-up
        a = _analysis(county, township, year)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        followup.write_analysis(a, path)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--township", default="990101001")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N functions of a profile")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.data, args.year, args.township, args.profile)
    else:
        bench(args.data, args.year, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
