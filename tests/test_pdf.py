"""``fupin run --pdf``: the report pages printed to A4 PDF (for 微信) by the browser on the machine.

The real Chromium prints a copy of the sample batch's reference township and
county page as the runner does after the townships; the rest needs no
browser: a machine without one is told once, and a PDF never outlives its page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fupin.batch.jobs import BatchResult, TownshipResult
from fupin.batch.runner import print_pdfs
from fupin.core.config import REFERENCE_TOWNSHIP_ID, SAMPLE_DIR
from fupin.report.headline import title
from fupin.report.pdf import BROWSER_ENV, print_pages

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium")
A4_POINTS = (595.28, 841.89)  # 210 × 297 mm


def _pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext"):  # poppler-utils
        return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, encoding="utf-8",
                              check=True, timeout=60).stdout
    pypdf = pytest.importorskip("pypdf", reason="neither pdftotext nor pypdf to read the PDF's text")
    return "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)


def _a4(pdf: Path) -> bool:
    """True when every sheet of ``pdf`` is A4 portrait (its /MediaBox, to 2 points: Chromium rounds to pixels)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    return bool(boxes) and all(abs(float(w) - A4_POINTS[0]) < 2 and abs(float(h) - A4_POINTS[1]) < 2 for w, h in boxes)


@needs_chromium
def test_the_sample_reports_print_on_a4_with_their_title(sample_batch, tmp_path):
    pytest.importorskip("playwright.sync_api")
    made, proc = sample_batch
    assert proc.returncode == 0, proc.stderr
    town = tmp_path / REFERENCE_TOWNSHIP_ID  # a copy: the shared batch is never changed
    shutil.copytree(made / REFERENCE_TOWNSHIP_ID, town)
    shutil.copy(made / "index.html", tmp_path / "index.html")
    (town / "report.pdf").write_bytes(b"%PDF- the last run's")
    batch = BatchResult(tmp_path, [TownshipResult(REFERENCE_TOWNSHIP_ID, "城关镇", True, 3.0)], tmp_path / "index.html")
    print_pdfs(batch, pdf=True, tmp=tmp_path / "tmp")
    assert batch.notes == [] and batch.pdf_failed == [] and batch.exit_status == 0
    for pdf in (town / "report.pdf", tmp_path / "index.pdf"):
        assert pdf.read_bytes().startswith(b"%PDF-") and _a4(pdf), pdf
    heading = title(json.loads((town / "metrics.json").read_text(encoding="utf-8")))
    text = _pdf_text(town / "report.pdf")
    assert heading and heading in re.sub(r"\s+", "", text)
    assert "第 1 页" in text  # the print view's header (@page margin boxes)
    assert not list((tmp_path / "tmp").iterdir())  # no partial file left behind


def test_fupin_run_pdf_passes_the_option_and_says_once_when_nothing_can_print(tmp_path, monkeypatch, capsys):
    import fupin.batch.runner as runner
    from fupin.cli import main

    asked = {}

    def run_batch(data, params, **options):
        asked.update(options)
        return BatchResult(tmp_path, [TownshipResult("1", "城关镇", True, 1.0)], tmp_path / "index.html",
                           notes=["未找到可用于生成 PDF 的浏览器，未生成 PDF（其余报告已生成）。"])

    monkeypatch.setattr(runner, "run_batch", run_batch)
    assert main(["run", str(SAMPLE_DIR), "--year", "2018", "--out", str(tmp_path), "--pdf", "--quiet"]) == 0
    assert asked["pdf"] is True
    assert capsys.readouterr().out.count("未找到可用于生成 PDF 的浏览器") == 1


@needs_chromium
def test_a_page_that_fails_to_print_does_not_stop_the_others(tmp_path):
    pytest.importorskip("playwright.sync_api")
    good = tmp_path / "good.html"
    good.write_text("<!DOCTYPE html><html lang=zh-CN><meta charset=utf-8><title>t</title><h1>城关镇</h1>", encoding="utf-8")
    printed = print_pages({tmp_path / "gone.html": tmp_path / "gone.pdf", good: tmp_path / "good.pdf"}, browser=CHROMIUM)
    assert printed.missing == "" and list(printed.failed) == [tmp_path / "gone.html"]
    assert printed.written == [tmp_path / "good.pdf"] and not (tmp_path / "gone.pdf").exists()
    assert _a4(tmp_path / "good.pdf")


def test_without_a_browser_the_run_says_so_once_and_no_pdf_outlives_its_page(tmp_path, monkeypatch):
    monkeypatch.setenv(BROWSER_ENV, str(tmp_path / "no-browser"))
    for town in ("1", "2"):
        (tmp_path / town).mkdir()
        (tmp_path / town / "report.html").write_text("<p>新</p>", encoding="utf-8")
        (tmp_path / town / "report.pdf").write_bytes(b"%PDF- the last run's")
    (tmp_path / "index.html").write_text("<p>县</p>", encoding="utf-8")
    (tmp_path / "index.pdf").write_bytes(b"%PDF- the last run's")
    results = [TownshipResult("1", "城关镇", True, 1.0), TownshipResult("2", "河口乡", True, 0.0, skipped=True)]
    batch = BatchResult(tmp_path, results, tmp_path / "index.html")
    print_pdfs(batch, pdf=True, tmp=tmp_path / "tmp")
    assert len(batch.notes) == 1 and "未找到可用于生成 PDF 的浏览器" in batch.notes[0] and BROWSER_ENV in batch.notes[0]
    assert batch.pdf_failed == [] and batch.exit_status == 0
    # 城关镇's page was made again: its old PDF goes; 河口乡's page is unchanged: its PDF stays
    assert not (tmp_path / "1" / "report.pdf").exists() and (tmp_path / "2" / "report.pdf").exists()
    assert not (tmp_path / "index.pdf").exists()  # the county page is written on every run


def test_without_pdf_nothing_is_printed_and_nothing_said(tmp_path, monkeypatch):
    monkeypatch.setenv(BROWSER_ENV, str(tmp_path / "no-browser"))
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "report.html").write_text("<p>新</p>", encoding="utf-8")
    (tmp_path / "1" / "report.pdf").write_bytes(b"%PDF- the last run's")
    batch = BatchResult(tmp_path, [TownshipResult("1", "城关镇", True, 1.0)], None)
    print_pdfs(batch, pdf=False, tmp=tmp_path / "tmp")
    assert batch.notes == [] and batch.pdf_failed == [] and not (tmp_path / "1" / "report.pdf").exists()
