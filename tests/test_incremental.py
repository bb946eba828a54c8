"""`fupin run` with every figure's parameter set, and the reruns after each kind of change.

One small generated county (2 townships) and one report folder, run four times in
order: every parameter away from its default; one township's data changed; the
notebooks changed; nothing changed. Each run's log says exactly which townships
ran and which were skipped. (A run at the defaults is every other test's.)
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import fupin
from conftest import fupin_cli
from fupin.core.config import NOTEBOOKS_DIR
from fupin.figures.frame import household_frame
from fupin.figures.analysis import analyse

pytestmark = pytest.mark.slow

Y = 2018
#: Every figure's parameter away from its default (config.py, depth.py).
OPTIONS = ["--poverty-line", 3600, "--bands", "3000,3600,4500", "--growth", 0.05,
           "--village-threshold", 0.03, "--collective-income-line", 60000, "--industry-coverage-line", 0.7,
           "-p", "monitoring_line=5000", "-p", "income_drop_share=0.4", "-p", "collective_income_exit=true",
           "--poverty-lines", "2016:3000,2017:3200"]
PARAMETERS = dict(poverty_line=3600, bands=[3000, 3600, 4500], growth=0.05, village_threshold=0.03,
                  collective_income_line=60000, industry_coverage_line=0.7, collective_income_exit=True,
                  monitoring_line=5000, income_drop_share=0.4, poverty_lines={2016: 3000, 2017: 3200})


def _roundtrip(obj: object) -> object:
    return json.loads(json.dumps(obj))


def _metrics(out: Path, township: str) -> dict:
    return json.loads((out / township / "metrics.json").read_text(encoding="utf-8"))


def _run(data: Path, out: Path, log: Path, *args: object) -> dict[str, set[str]]:
    """One ``fupin run`` logged to a fresh ``log``: {"ran": ids, "skipped": ids}."""
    log.unlink(missing_ok=True)
    proc = fupin_cli("run", data, "--year", Y, "--out", out, "--quiet", "--log", log, *args, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    ran = {m.group(1) for line in lines if (m := re.search(r" (\d+) \S+ 完成 [\d.]+秒", line))}
    skipped = {m.group(1) for line in lines if (m := re.search(r" (\d+) \S+ 跳过：输入未变化", line))}
    return {"ran": ran, "skipped": skipped}


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("incremental") / "data"
    proc = fupin_cli("generate", data, "--townships", 2, "--households", 160, "--seed", 3)
    assert proc.returncode == 0, proc.stderr
    return data


def test_parameters_and_reruns_after_each_kind_of_change(county, tmp_path):
    out, log = tmp_path / "out", tmp_path / "run.log"
    a, b = sorted(fupin.load(county).townships()["township_id"])

    # 1. every parameter away from its default: both townships run, and metrics.json carries the
    #    new figures (not the defaults')
    assert _run(county, out, log, *OPTIONS) == {"ran": {a, b}, "skipped": set()}
    loaded = fupin.load(county)
    for t in (a, b):
        written = _metrics(out, t)
        assert written == _roundtrip(analyse(loaded.township(t), year=Y, **PARAMETERS).metrics), t
        assert written["parameters"] == {"poverty_line": 3600, "poverty_lines": {"2016": 3000, "2017": 3200},
                                         "bands": [3000, 3600, 4500],
                                         "growth": 0.05, "village_threshold": 0.03,
                                         "collective_income_line": 60000, "collective_income_exit": True,
                                         "industry_coverage_line": 0.7}
        assert [x["band"] for x in written["income_bands"]][:4] == ["<3000", "3000–3600", "3600–4500", ">=4500"]
        assert written["depth"]["poverty_line"] == 3600 and written["sensitivity"]["growth"] == 0.05
        assert (written["monitoring"]["line"], written["monitoring"]["line_source"]) == (5000.0, "given")
        assert written["monitoring"]["income_drop_share"] == 0.4
        assert written["sensitivity"]["village_thresholds"] == [0.02, 0.03]
        assert written["income_bands"] != _roundtrip(analyse(loaded.township(t), year=Y).metrics["income_bands"]), t
    changed = {t: _metrics(out, t) for t in (a, b)}
    untouched = (out / b / "report.html").stat().st_mtime_ns

    # 2. a registered household of township a below 3000 yuan earns 9,999 in every year:
    #    only a reruns
    town = loaded.township(a)
    frame = household_frame(town.households, town.incomes, Y, poverty_line=3600, growth=0.05)
    household = frame.loc[frame["registered"] & (frame["income_T"] < 3000), "household_id"].iloc[0]
    incomes = county / "incomes.csv"
    frame = pd.read_csv(incomes, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    frame.loc[frame["户编号"] == household, "人均纯收入"] = "9999"
    frame.to_csv(incomes, index=False, encoding="utf-8-sig")
    assert _run(county, out, log, *OPTIONS) == {"ran": {a}, "skipped": {b}}
    written = _metrics(out, a)
    assert written == _roundtrip(analyse(fupin.load(county).township(a), year=Y, **PARAMETERS).metrics)
    before, after = ([x["households"] for x in m["income_bands"]] for m in (changed[a], written))
    assert (after[0], after[3]) == (before[0] - 1, before[3] + 1)  # from <3000 to >=4500
    assert _metrics(out, b) == changed[b]
    assert (out / b / "report.html").stat().st_mtime_ns == untouched

    # 3. the notebooks changed (a copy with one more cell): both rerun
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    path = notebooks / "township_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("（本报告由 fupin 生成。）"))
    nbformat.write(nb, path)
    assert _run(county, out, log, *OPTIONS, "--notebooks", notebooks) == {"ran": {a, b}, "skipped": set()}
    assert "（本报告由 fupin 生成。）" in (out / b / "report.html").read_text(encoding="utf-8")

    # 4. nothing changed: nothing runs
    assert _run(county, out, log, *OPTIONS, "--notebooks", notebooks) == {"ran": set(), "skipped": {a, b}}
