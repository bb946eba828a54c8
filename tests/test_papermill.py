"""The report notebook run by papermill itself, as a scheduled job or an analyst runs it.

papermill passes ``-p township_id 990101002`` as an int and ``-r`` as text;
either must give that township's report, and an unknown township must fail
(exit non-zero, the failed notebook kept) instead of reporting on nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from fupin.config import NOTEBOOKS_DIR, SAMPLE_DIR

pytestmark = pytest.mark.slow

PAPERMILL = Path(sys.executable).with_name("papermill")
REPORT = NOTEBOOKS_DIR / "township_report.ipynb"


def papermill(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real ``papermill`` console command of the environment."""
    assert PAPERMILL.is_file(), PAPERMILL
    return subprocess.run([str(PAPERMILL), *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=600, cwd=cwd)


def html_outputs(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(
        str(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells for out in cell.get("outputs", [])
    )


def test_papermill_int_township_id_gives_that_townships_report(tmp_path):
    """The issue's own command: an int id, a new poverty line and the default bands."""
    out = tmp_path / "out.ipynb"
    proc = papermill(REPORT, out, "-p", "township_id", "990101002", "-p", "poverty_line", "4000",
                     "--cwd", NOTEBOOKS_DIR)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shown = html_outputs(out)
    assert "<h1>河口乡2018年脱贫攻坚情况报告</h1>" in shown
    assert "乡镇代码 990101002" in shown and "全县" not in shown
    assert "贫困线4,000元/人·年" in shown
    assert "收入预计在4,000元以下" in shown and "3,500" not in shown  # the bands followed the line
    assert re.search(r"参数 bands</td><td [^>]*>4,000, 4,500</td>", shown)  # 数据说明 says which were used


def test_papermill_bands_as_text_are_parsed_and_checked(tmp_path):
    out = tmp_path / "out.ipynb"
    proc = papermill(REPORT, out, "-p", "bands", "4500,4000", "-p", "data", SAMPLE_DIR)
    assert proc.returncode != 0
    assert "ParameterError" in proc.stderr and "bands='4500,4000'" in proc.stderr
    assert "脱贫攻坚情况报告" not in html_outputs(out)


@pytest.mark.parametrize("flag", ["-p", "-r"])
def test_papermill_unknown_township_fails_and_names_it(tmp_path, flag):
    out = tmp_path / "out.ipynb"
    proc = papermill(REPORT, out, flag, "township_id", "990101099", "-p", "data", SAMPLE_DIR)
    assert proc.returncode != 0
    assert "UnknownTownshipError" in proc.stderr
    assert "990101099" in proc.stderr and "990101002 河口乡" in proc.stderr  # the value and the choices
    assert out.is_file()  # papermill keeps the failed notebook, for the analyst to open
    shown = html_outputs(out)
    assert "脱贫攻坚情况报告" not in shown and "全县" not in shown  # no report on an empty area
