"""`fupin run` end to end: real notebooks through papermill, real HTML export."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

import fupin
from fupin.report import narrative
from fupin.core.config import NOTEBOOKS_DIR, REFERENCE_TOWNSHIP_ID, SAMPLE_DIR
from fupin.figures.analysis import analyse
from conftest import fupin_cli
from notebook_fixtures import faulty_notebooks

pytestmark = pytest.mark.slow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|<link\b|@import|<script[^>]+src=""", re.I)


def roundtrip(obj: object) -> object:
    return json.loads(json.dumps(obj))


def test_batch_exits_0_and_prints_nothing_under_quiet(sample_batch):
    out, proc = sample_batch  # fupin run --quiet, as cron runs it: any output would be mailed
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.html").is_file()
    assert proc.stdout == "" and proc.stderr == ""


def test_every_township_has_its_complete_files(sample_batch, sample_county):
    out, _ = sample_batch
    townships = list(sample_county.townships()["township_id"])
    assert len(townships) >= 6
    for tid in townships:
        files = sorted(p.name for p in (out / tid).iterdir())
        assert files == ["follow_up.xlsx", "metrics.json", "report.docx", "report.html", "township_report.ipynb"], tid
        nbformat.validate(nbformat.read(out / tid / "township_report.ipynb", as_version=4))
        assert (out / tid / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == ["audit.xlsx", "county.docx", "index.html", "run.json",
                                                                 "summary.json"]
    assert not [p for p in out.rglob("*") if p.suffix == ".tmp" or ".tmp" in p.name], "temporary files left behind"
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name.startswith(".")) == [".fupin"]


def test_each_metrics_json_equals_the_library_result(sample_batch, sample_county):
    out, _ = sample_batch
    for tid in sample_county.townships()["township_id"]:
        written = json.loads((out / tid / "metrics.json").read_text(encoding="utf-8"))
        expected = analyse(sample_county.township(tid), year=2018).metrics
        assert written == roundtrip(expected), tid


def test_summary_json_is_the_county_as_a_whole(sample_batch, sample_county):
    out, _ = sample_batch
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == roundtrip(analyse(sample_county, year=2018).metrics)
    assert summary["township_id"] == "county"


def test_reference_report_carries_the_seed_figures(sample_batch):
    out, _ = sample_batch
    html = (out / REFERENCE_TOWNSHIP_ID / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    for figure in [
        "城关镇下辖20个行政村", "共有贫困村5个", "无深度贫困村", "820户1,872人", "帮扶干部共计150人",
        "已出列贫困村1个", "未出列贫困村4个", "已脱贫人口405户948人",
        "未脱贫人口415户924人", "贫困发生率为3.23%", "拟脱贫人口252户566人",
        "贫困发生率预计下降为1.25%", "163户358人", "252户566人", "405户948人",
        "20户贫困户的危房没有纳入危房改造",
    ]:
        assert figure in text, figure
    for heading in ["一、基本情况", "二、存在的主要问题", "三、下一步工作打算", "四、脱贫退出预测", "五、收入分组",
                    "六、贫困发生率趋势", "七、贫困深度", "八、贫困线敏感性", "九、收入监测预警", "十、跟踪清单",
                    "十一、数据说明"]:  # 一、二、三 as in report.docx
        assert re.search(rf'<h2 id="[^"]+">{heading}', html), heading
        assert f">{heading}</a></li>" in html, f"{heading} missing from the table of contents"
    assert '<nav class="toc"><strong>目录</strong><ul>' in html  # the headings carry the numbers: no <ol>


def test_reports_have_no_code_no_prompts_no_internet(sample_batch):
    out, _ = sample_batch
    pages = [*out.glob("*/report.html"), out / "index.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "input_area" not in html and "In&nbsp;[" not in html and "Out[" not in html, page
        assert "import fupin" not in html and "township_id: str" not in html, page
        assert not EXTERNAL.search(html), (page, EXTERNAL.search(html))
        assert "@media print" in html and "@page" in html


def test_charts_are_png_embedded_in_the_html(sample_batch):
    out, _ = sample_batch
    html = (out / REFERENCE_TOWNSHIP_ID / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 7  # exits by village, backtest, income bands, incidence trend, village trends, gap, sensitivity
    assert all(base64.b64decode(b64)[:8] == PNG_MAGIC for b64 in images)
    assert not re.search(r'<img[^>]+src="(?!data:image/png;base64,)', html)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'src="data:image/png;base64,', index)) == 1


def test_county_page_links_every_township_with_its_figures(sample_batch, sample_county):
    out, _ = sample_batch
    index = (out / "index.html").read_text(encoding="utf-8")
    for tid, name in sample_county.townships().itertuples(index=False):
        assert f'<a href="{tid}/report.html">{name}</a>' in index
    assert "3.23%" in index and "1.25%" in index and "sortable" in index


def test_no_personal_data_in_any_report_file(sample_batch, sample_county):
    out, _ = sample_batch
    households = sample_county.households
    secrets = set(households["id_number"].dropna()) | {n for n in households["head_name"].dropna() if len(n) >= 2}
    assert len(secrets) > 100
    pattern = re.compile("|".join(map(re.escape, sorted(secrets, key=len, reverse=True))))
    checked = set()
    for path in out.rglob("*"):
        if path.suffix in {".html", ".json", ".ipynb"}:
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            text = _xlsx_text(path)
        elif path.suffix == ".docx":
            text = _docx_text(path)
        elif path.suffix == ".parquet":  # the runner's prepared slices
            text = pd.read_parquet(path).to_csv()
        else:
            continue
        checked.add(path.suffix)
        found = pattern.search(text)
        assert found is None, f"{path} shows {found.group(0)!r}"
    assert checked == {".html", ".json", ".ipynb", ".parquet", ".xlsx", ".docx"}


def _docx_text(path: Path) -> str:
    """Every paragraph and table cell of a Word document (and its properties), one per line."""
    import docx

    doc = docx.Document(path)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    props = doc.core_properties
    return "\n".join([*(p.text for p in doc.paragraphs), *cells, props.title, props.author])


def _xlsx_text(path: Path) -> str:
    """Every cell of a workbook as text, one per line."""
    book = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def test_depth_sensitivity_monitoring_and_the_follow_up_workbook(sample_batch, sample_county):
    out, _ = sample_batch
    tid = REFERENCE_TOWNSHIP_ID
    written = json.loads((out / tid / "metrics.json").read_text(encoding="utf-8"))
    expected = roundtrip(analyse(sample_county.township(tid), year=2018).metrics)
    for key in ("depth", "sensitivity", "monitoring"):
        assert written[key] == expected[key], key
    assert written["monitoring"]["line"] == 5250.0 and written["monitoring"]["line_source"] == "default"
    html = (out / tid / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert '<a href="follow_up.xlsx">' in html
    assert "才能使全部未脱贫人口达到贫困线" in text and "户籍人口28,600人为分母" in text
    assert "防返贫监测收入线为5,250元/人·年" in text
    book = openpyxl.load_workbook(out / tid / "follow_up.xlsx")
    assert book.sheetnames == ["未脱贫户", "监测户", "受阻贫困村", "存在问题", "说明"]
    assert all(ws.freeze_panes == "A2" for ws in book)
    assert book["未脱贫户"].max_row - 1 == written["projection"]["remaining"]["households"]
    assert book["监测户"].max_row - 1 == written["monitoring"]["monitored"]["households"]
    assert book["受阻贫困村"].max_row - 1 == len(written["projection"]["villages_blocked"])
    assert all(isinstance(c.value, str) for (c,) in book["未脱贫户"].iter_rows(min_col=1, max_col=1))
    # the report counts the lists and sends the reader to the workbook; it lists no household
    remaining = written["projection"]["remaining"]
    assert f"「未脱贫户」：{remaining['households']}户{remaining['people']:,}人" in text
    assert "跟踪清单" in text and "follow_up.xlsx" not in text and not re.search(r"\d{14,}", text)  # the link is an href
    items = {r[1] for r in book["存在问题"].iter_rows(min_row=2, values_only=True)}
    assert items == {t for _, t, _ in narrative.problem_items(written)}


# --- small counties, made by the generator ------------------------------------


@pytest.fixture(scope="module")
def generated_county(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("small-county") / "data"
    proc = fupin_cli("generate", data, "--townships", 2, "--households", 240, "--seed", 7)
    assert proc.returncode == 0, proc.stderr
    return data


@pytest.fixture()
def small_county(generated_county, tmp_path) -> Path:
    """A private copy of a small generated county (2 townships): tests may edit it."""
    return Path(shutil.copytree(generated_county, tmp_path / "data"))


def _townships(data: Path) -> list[str]:
    return sorted(fupin.load(data).townships()["township_id"])


def test_text_from_the_data_is_escaped(small_county, tmp_path):
    villages = small_county / "villages.csv"
    frame = pd.read_csv(villages, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    frame.loc[0, "村名称"] = "<b>坏</b>&村"
    frame.loc[:, "乡镇名称"] = frame["乡镇名称"].where(frame["乡镇代码"] != frame.loc[0, "乡镇代码"], "<i>镇</i>")
    frame.to_csv(villages, index=False, encoding="utf-8-sig")
    tid = frame.loc[0, "乡镇代码"]
    out = tmp_path / "out"
    proc = fupin_cli("run", small_county, "--year", 2018, "--out", out, "--township", tid, "--quiet")
    assert proc.returncode == 0, proc.stderr
    for page in (out / tid / "report.html", out / "index.html"):
        html = page.read_text(encoding="utf-8")
        assert "<b>坏</b>" not in html and "<i>镇</i>" not in html, page
        assert "&lt;i&gt;镇&lt;/i&gt;" in html, page
    assert "&lt;b&gt;坏&lt;/b&gt;&amp;村" in (out / tid / "report.html").read_text(encoding="utf-8")
    for word in (out / tid / "report.docx", out / "county.docx"):  # plain text in the Word documents too
        text = _docx_text(word)
        assert "<i>镇</i>" in text, word
    assert "<b>坏</b>&村" in _docx_text(out / tid / "report.docx")


def test_a_failing_township_does_not_stop_the_others(small_county, tmp_path):
    bad, good = _townships(small_county)
    notebooks = faulty_notebooks(tmp_path, bad, 'raise AssertionError("deliberate failure")')
    out = tmp_path / "out"
    proc = fupin_cli("run", small_county, "--year", 2018, "--out", out, "--notebooks", notebooks, "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert sorted(p.name for p in (out / good).iterdir()) == [
        "follow_up.xlsx", "metrics.json", "report.docx", "report.html", "township_report.ipynb"]
    assert sorted(p.name for p in (out / bad).iterdir()) == ["township_report.ipynb"]
    executed = nbformat.read(out / bad / "township_report.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["evalue"] == "deliberate failure"
    assert f"失败：" in proc.stdout and str(out / bad / "township_report.ipynb") in proc.stdout
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "未能生成的报告" in index and f"{bad}/township_report.ipynb" in index


def test_unknown_notebook_parameter_is_refused_before_anything_runs(small_county, tmp_path):
    out = tmp_path / "out"
    proc = fupin_cli("run", small_county, "--year", 2018, "--out", out, "-p", "povrety_line=4000")
    assert proc.returncode == 2
    assert "未知的笔记本参数：povrety_line（是否想写 poverty_line？）" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_notebook_without_a_parameter_the_run_passes_is_refused(small_county, tmp_path):
    """--notebooks with a copy that lacks poverty_lines: it would run at its own default (L for every year)."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.read(NOTEBOOKS_DIR / "township_report.ipynb", as_version=4)
    [params] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    params.source = "\n".join(line for line in params.source.splitlines() if not line.startswith("poverty_lines"))
    nbformat.write(nb, notebooks / "township_report.ipynb")
    out = tmp_path / "out"
    proc = fupin_cli("run", small_county, "--year", 2018, "--out", out, "--notebooks", notebooks,
                     "--poverty-lines", "2016:3000")
    assert proc.returncode == 2, proc.stderr
    assert "报告笔记本的参数单元没有声明 fupin run 要传入的参数：poverty_lines" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_known_extra_parameter_is_accepted_but_runner_parameters_need_their_option(small_county, tmp_path):
    proc = fupin_cli("run", small_county, "--year", 2018, "--out", tmp_path / "o", "-p", "year=2017")
    assert proc.returncode == 2 and "--year" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--township", "000000000"], "--township 数据中没有乡镇「000000000」"),
        (["--bands", "4000,3500"], "收入分组边界应严格升序"),
        (["--village-threshold", "2"], "阈值应为0到1之间的比例"),
        (["--poverty-line", "-1"], "贫困线应为正数"),
        (["--workers", "0"], "--workers 应为正整数"),
        (["--bands", "3500,nan"], "--bands 3500,nan：不是数（NaN）"),
        (["-p", "income_drop_share=1.5"], "income_drop_share=1.5：应为0到1之间的比例"),
        (["-p", "monitoring_line=abc"], "monitoring_line=abc：应为正数或按年度的表"),
        (["-p", "monitoring_line=[1,"], "参数值无法解析"),
        (["--cluster", "local:0"], "local:0"),
        (["--collective-income-line", "-1"], "村集体经济收入标准应为不小于0的金额"),
        (["--industry-coverage-line", "1.5"], "产业帮扶覆盖率标准应为0到1之间的比例"),
        (["-p", "collective_income_exit=maybe"], "collective_income_exit=maybe：应为 true 或 false"),
        (["-p", "collective_income_line=60000"], "参数 collective_income_line 请用对应的命令行选项设置"),
        (["--poverty-line", "1e20"], "--poverty-line 1e20：贫困线应为正数且小于1,000,000（元/人·年）"),
        (["--village-threshold", "1e-320"], "--village-threshold 1e-320：数值过小"),
        (["--year", "2030"], "--year 2030：统计年度应在数据的年度范围"),
    ],
)
def test_bad_options_exit_2_before_anything_runs(small_county, tmp_path, args, message):
    out = tmp_path / "out"
    proc = fupin_cli("run", small_county, "--year", 2018, "--out", out, *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_bad_data_exits_2_before_anything_runs(small_county, tmp_path):
    households = small_county / "households.csv"
    text = households.read_text(encoding="utf-8-sig").splitlines()
    fields = text[1].split(",")
    fields[2] = "abc"  # 家庭人口数
    text[1] = ",".join(fields)
    households.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    out = tmp_path / "out"
    proc = fupin_cli("run", small_county, "--year", 2018, "--out", out)
    assert proc.returncode == 2
    assert "households.csv" in proc.stderr and "第2行" in proc.stderr and "家庭人口数" in proc.stderr
    assert not out.exists()
