"""The report notebook run by papermill itself, as a scheduled job or an analyst runs it.

papermill passes ``-p township_id 990101002`` as an int and ``-r`` as text;
either must give that township's report, and an unknown township must fail
(exit non-zero, the failed notebook kept) instead of reporting on nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from fupin.core.config import NOTEBOOKS_DIR, SAMPLE_DIR
from fupin.report.html import without_inline_styles

pytestmark = pytest.mark.slow

PAPERMILL = Path(sys.executable).with_name("papermill")
REPORT = NOTEBOOKS_DIR / "township_report.ipynb"


def papermill(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real ``papermill`` console command of the environment."""
    assert PAPERMILL.is_file(), PAPERMILL
    return subprocess.run([str(PAPERMILL), *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=600, cwd=cwd)


def html_outputs(path: Path) -> str:
    """The notebook's HTML outputs as the report shows them (without the inline styles for Lab)."""
    nb = without_inline_styles(nbformat.read(path, as_version=4))
    return "\n".join(
        str(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells for out in cell.get("outputs", [])
    )


def readme_papermill_example() -> str:
    """The README's papermill example: the shell block that runs ``papermill notebooks/township_report.ipynb``."""
    readme = (NOTEBOOKS_DIR.parent / "README.md").read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```bash\n(.*?)```", readme, re.S) if "papermill notebooks/" in b]
    return block


def test_papermill_int_township_id_gives_that_townships_report(tmp_path):
    """The README's example, run as written in a checkout (its folders linked into a fresh one): an
    int id, a new poverty line and the default bands."""
    for name in ("notebooks", "data"):
        (tmp_path / name).symlink_to(NOTEBOOKS_DIR.parent / name, target_is_directory=True)
    env = {**os.environ, "PATH": f"{PAPERMILL.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-e", "-c", readme_papermill_example()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out" / "990101002.ipynb"
    shown = html_outputs(out)
    assert "<h1>河口乡2018年脱贫攻坚情况报告</h1>" in shown
    assert "示例县河口乡 · " in shown and "乡镇代码" not in shown and "全县" not in shown
    assert "贫困线4,000元/人·年" in shown
    assert "收入预计在4,000元以下" in shown and "3,500元以下" not in shown  # the bands followed the line
    assert "4,000元以下、4,000元—4,500元、4,500元以上" in shown  # 数据说明 says which bands were used


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


def run_tutorial(tmp_path: Path, *params: object) -> tuple[subprocess.CompletedProcess, str, str]:
    """getting_started.ipynb executed by papermill in notebooks/ as Lab runs it: (process, text outputs, HTML outputs)."""
    out = tmp_path / "getting_started.ipynb"
    proc = papermill(NOTEBOOKS_DIR / "getting_started.ipynb", out, "-p", "output_folder", tmp_path / "out", *params,
                     "--cwd", NOTEBOOKS_DIR)
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells for o in c.get("outputs", []))
    assert "TCP" not in text and "WARNING" not in text  # no kernel start-up chatter in a cell's output
    pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pngs) == 3  # the chart at the default line, with the analyst's bands, at 4,000
    return proc, text, html_outputs(out)


def test_getting_started_runs_top_to_bottom_on_the_sample(tmp_path):
    """The analyst's tour, executed by papermill: every step shows something, in Chinese, without <NA>."""
    proc, text, shown = run_tutorial(tmp_path)
    assert "households.csv 第2行 列「识别年度」(registered_year) 值「二〇一四」" in text  # problems read as the user's file
    assert "未指定乡镇，取第一个：城关镇（990101001）" in text and "未指定村，取第一个：牛湾村（990101001001）" in text
    assert "County 示例县 城关镇：1个乡镇，20个村" in text  # the township's short summary, no table
    assert "<NA>" not in shown and "venue_ok" not in shown and "head_name" not in shown
    assert "<th class=\"text\" scope=\"col\">村级活动场所达标</th>" in shown and "村级活动场所未达标" in shown
    assert "未脱贫原因" in shown and "收入差" in shown
    assert "收入分组： [3000, 3500, 4000, 5000]" in text
    assert "收入分组： [4000, 4500]" in text
    assert "没有一户未脱贫户明年能达到这条线，所以预计发生率等于今天的发生率" in text  # the sample at 4,000
    page = (tmp_path / "out" / "990101001.html").read_text(encoding="utf-8")
    assert page.count("<h1") == 1 and "城关镇2018年脱贫攻坚情况报告" in page
    for made in ("990101001未脱贫户.xlsx", "990101001.docx", "990101001/follow_up.xlsx"):
        assert (tmp_path / "out" / made).is_file(), made


def test_getting_started_runs_unchanged_on_another_county(tmp_path):
    """Only ``data`` changed, as section 1 says: the first township and village are taken, and said."""
    data = tmp_path / "另一个县"
    made = subprocess.run([sys.executable, "-m", "fupin", "generate", str(data), "--townships", "2",
                           "--households", "120", "--seed", "7"], capture_output=True, text=True, encoding="utf-8")
    assert made.returncode == 0, made.stderr
    proc, text, shown = run_tutorial(tmp_path, "-p", "data", data)
    assert "未指定乡镇，取第一个：" in text and "未指定村，取第一个：" in text
    assert "<NA>" not in shown and "head_name" not in shown
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1 and len(list((tmp_path / "out").glob("*/follow_up.xlsx"))) == 1


def test_papermill_misspelt_parameter_fails_at_the_check_naming_the_closest(tmp_path):
    """papermill only warns about a name the notebook does not declare; the report would be made at
    the default line. The cell after the parameters refuses it, before the data is read."""
    out = tmp_path / "out.ipynb"
    proc = papermill(REPORT, out, "-p", "povrety_line", "4000", "--cwd", NOTEBOOKS_DIR)
    assert proc.returncode != 0
    assert "ParameterError" in proc.stderr
    assert "povrety_line：报告笔记本的参数单元没有这个参数（是否想写 poverty_line？）" in proc.stderr
    assert "脱贫攻坚情况报告" not in html_outputs(out)
