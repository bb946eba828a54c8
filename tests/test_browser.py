"""The real report pages in a real browser: Debian's chromium driven by Playwright.

Opens the sample batch's report.html of the reference township and the
county page (index.html) in headless Chromium and checks what a leader sees:
no sideways scrolling on a 390-pixel phone, the number of A4 sheets when
printed, numbers right-aligned, no household code or server path in the
visible text. Skipped, with the reason, where Chromium or Playwright is
missing (a Windows office PC): `.ci/run` installs both.
"""

from __future__ import annotations

import re
from collections import Counter
import shutil
import subprocess
from pathlib import Path

import pytest

from fupin.core.config import REFERENCE_TOWNSHIP_ID, SAMPLE_DIR

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE, TABLET, DESK = 390, 700, 1400
MAX_SHEETS = {"report": 8, "index": 3}

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e .[test])")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium fonts-noto-cjk)"),
]

#: A cell that shows a number: 1,872 / 3.23% / 31.4万元 / 820户1,872人 / 3,500元 / 2019 / —
NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?(%|元|万元|人|户|个)?(\d[\d,]*人)?$")
CODE = re.compile(r"\d{14,}")
ABSOLUTE = re.compile(r"(?<![\w.])/(?:[A-Za-z0-9._-]+/)+[A-Za-z0-9._-]+|\b[A-Za-z]:\\")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(sample_batch) -> dict[str, Path]:
    out, proc = sample_batch
    assert proc.returncode == 0, proc.stderr
    return {"report": out / REFERENCE_TOWNSHIP_ID / "report.html", "index": out / "index.html"}


def _open(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 844})
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


def _sheets(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("name", ["report", "index"])
def test_no_sideways_scrolling_on_a_phone(browser, pages, name):
    page = _open(browser, pages[name], PHONE)
    try:
        width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        assert width <= PHONE, f"{name}: {width} px wide in a {PHONE} px viewport"
        # wide tables scroll in their own box instead
        wide = page.evaluate("""Array.from(document.querySelectorAll('table')).filter(
            t => t.getBoundingClientRect().width > window.innerWidth).map(
            t => getComputedStyle(t.closest('.table-wrap') || t).overflowX)""")
        assert all(v == "auto" for v in wide), wide
    finally:
        page.close()


@pytest.mark.parametrize("name", ["report", "index"])
def test_a_table_of_many_columns_is_a_card_a_row_on_a_phone(browser, pages, name):
    """On a phone, no table is wider than the screen: one of many columns shows each row as a card,
    each value beside its column's name; on a desk it is a table with its header."""
    page = _open(browser, pages[name], PHONE)
    try:
        tables = page.evaluate("""Array.from(document.querySelectorAll('table')).map(t => Math.round(t.getBoundingClientRect().right))""")
        overflowing = page.evaluate("""Array.from(document.querySelectorAll('table.cards td, table.cards tfoot th')).filter(
            td => td.scrollWidth > td.clientWidth + 1).map(td => td.textContent)""")
        cards = page.evaluate("""Array.from(document.querySelectorAll('table.cards')).map(t => {
            const headers = Array.from(t.querySelectorAll('thead th')).map(th => th.textContent);
            const cells = Array.from(t.querySelectorAll('tbody tr')).filter(tr => !tr.querySelector('[colspan]'))
              .flatMap(tr => Array.from(tr.children).slice(1).map((td, i) => [headers[i + 1],
                 getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''), Math.round(td.getBoundingClientRect().width)]));
            return [getComputedStyle(t).display, t.querySelector('thead').getBoundingClientRect().height, cells];
          })""")
    finally:
        page.close()
    assert tables and max(tables) <= PHONE, tables
    assert not overflowing, overflowing  # no value runs out of its cell
    assert cards, f"{name}: no table of many columns"
    for display, head, cells in cards:
        assert display == "block" and head <= 1 and cells
        assert all(header == shown and width > 150 for header, shown, width in cells), cells[:3]  # two to a line
    page = _open(browser, pages[name], DESK)
    try:
        shown = page.evaluate("""Array.from(document.querySelectorAll('table.cards')).map(t =>
            [getComputedStyle(t).display, t.querySelector('thead').getBoundingClientRect().height])""")
    finally:
        page.close()
    assert all(display == "table" and head > 10 for display, head in shown), shown


@pytest.mark.parametrize("width", [PHONE, TABLET])
@pytest.mark.parametrize("name", ["report", "index"])
def test_a_table_scrolled_to_its_end_still_shows_its_first_column(browser, pages, name, width):
    """A table wider than its box scrolls sideways in it and keeps its first column (the village, the
    township) in view: on a phone none is left wider than the screen (a wide one is cards); on a
    tablet (700 pixels) the wide tables scroll."""
    page = _open(browser, pages[name], width)
    try:
        shown = page.evaluate("""Array.from(document.querySelectorAll('.table-wrap')).filter(
            w => w.scrollWidth > w.clientWidth).map(w => {
              w.scrollLeft = w.scrollWidth;
              const box = w.getBoundingClientRect(), first = w.querySelector('tbody td').getBoundingClientRect();
              return [w.scrollLeft > 0, Math.round(first.left - box.left), Math.round(first.right)];
            })""")
    finally:
        page.close()
    if width == TABLET:
        assert shown, f"{name}: no table wider than a tablet"
    assert all(scrolled and -1 <= left <= 1 and right <= width for scrolled, left, right in shown), shown


@pytest.mark.parametrize("name", ["report", "index"])
def test_charts_at_2x_and_across_a_phone_s_width(browser, pages, name):
    """Every chart has two image pixels or more to a CSS pixel, on a phone and on a desk; a phone shows
    it across the page's width, 362 CSS pixels (tests/test_plots.py: its text is then 11 pixels or more)."""
    from test_plots import PHONE_CHART_PX

    for width in (PHONE, DESK):
        page = _open(browser, pages[name], width)
        try:
            shown = page.evaluate("""Array.from(document.querySelectorAll('.output_png img')).map(
                i => [i.naturalWidth / i.clientWidth, i.clientWidth, i.naturalWidth])""")
        finally:
            page.close()
        assert shown and all(ratio >= 2 for ratio, _, _ in shown), (width, shown)
        if width == PHONE:
            assert all(abs(css - PHONE_CHART_PX) <= 1 for _, css, _ in shown), shown
        else:  # at its own size: 120 CSS pixels to the chart's inch, no wider than a 4.4-inch chart and its padding
            assert all(css <= 4.6 * 120 for _, css, _ in shown), shown


@pytest.mark.parametrize("name", ["report", "index"])
def test_prints_on_few_a4_sheets_with_a_header(browser, pages, name, tmp_path):
    page = _open(browser, pages[name], DESK)
    try:
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        hints = page.evaluate("document.body.innerText")
    finally:
        page.close()
    sheets = _sheets(pdf)
    assert 1 <= sheets <= MAX_SHEETS[name], f"{name}: {sheets} A4 sheets"
    assert "点击表头可排序" not in hints and "下载跟踪清单" not in hints  # screen-only hints are not printed
    if shutil.which("pdftotext"):  # poppler-utils: read the header the page margin boxes draw
        (tmp_path / "p.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "p.pdf"), "-"], capture_output=True,
                              text=True, encoding="utf-8", check=True).stdout
        assert f"第 {sheets} 页，共 {sheets} 页" in text and "2018年" in text.splitlines()[0]


@pytest.mark.parametrize("name", ["report", "index"])
def test_every_number_cell_right_aligned_text_left(browser, pages, name):
    page = _open(browser, pages[name], DESK)
    try:
        # 数据说明 (table.info) is a text column of mixed values: left-aligned as a whole
        cells = page.evaluate("""Array.from(document.querySelectorAll('table:not(.info) tbody td')).map(
            td => [td.innerText.trim(), getComputedStyle(td).textAlign])""")
    finally:
        page.close()
    numbers = [(text, align) for text, align in cells if NUMBER.match(text)]
    assert len(numbers) >= (100 if name == "report" else 15)
    assert [c for c in numbers if c[1] != "right"] == []
    # names and labels; "未填报"/"未知" stand in for a missing number and align with their column
    words = [(text, align) for text, align in cells
             if re.match(r"^[\u4e00-\u9fff]{2,}", text) and text not in ("未填报", "未知")]
    assert words and [c for c in words if c[1] not in ("left", "start")] == []


@pytest.mark.parametrize("name", ["report", "index"])
def test_no_household_code_or_server_path_in_visible_text(browser, pages, name):
    page = _open(browser, pages[name], DESK)
    try:
        text = page.evaluate("document.body.innerText")
    finally:
        page.close()
    assert not CODE.search(text), CODE.search(text)
    assert not ABSOLUTE.search(text), ABSOLUTE.search(text)
    assert str(SAMPLE_DIR) not in text and str(pages[name].parent) not in text


def test_county_table_does_not_wrap_names_or_counts_at_1400(browser, pages):
    page = _open(browser, pages["index"], DESK)
    try:
        lines = page.evaluate("""Array.from(document.querySelectorAll('#townships-table tbody td')).map(td => {
            const r = document.createRange(); r.selectNodeContents(td);
            const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
            return [td.innerText.trim(), tops.size]; })""")
    finally:
        page.close()
    assert ["城关镇", 1] in lines and ["415户924人", 1] in lines
    assert [c for c in lines if c[1] > 1] == []


@pytest.fixture(scope="module")
def emails(sample_batch, tmp_path_factory) -> dict[str, Path]:
    """The township's and the county's messages (``fupin email --dry-run``), as a mail client shows them:
    the HTML part with each ``cid:`` image put in place, written to a page of its own."""
    import base64
    from email import policy
    from email.parser import BytesParser

    import yaml

    from conftest import fupin_cli

    out, _ = sample_batch
    work = tmp_path_factory.mktemp("emails")
    config = work / "email.yml"
    config.write_text(yaml.safe_dump({
        "smtp": {"host": "127.0.0.1", "port": 25, "tls": "none"},
        "sender": "示例县扶贫办 <report-bot@example.gov.cn>",
        "recipients": {REFERENCE_TOWNSHIP_ID: {"to": ["head@example.gov.cn"]}, "county": {"to": ["leader@example.gov.cn"]}},
    }, allow_unicode=True), encoding="utf-8")
    reports = Path(shutil.copytree(out, work / "reports"))
    proc = fupin_cli("email", reports, "--config", config, "--dry-run", work / "eml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = {}
    for key in (REFERENCE_TOWNSHIP_ID, "county"):
        msg = BytesParser(policy=policy.default).parsebytes((work / "eml" / f"{key}.eml").read_bytes())
        html = msg.get_body(("html",)).get_content()
        for part in msg.walk():
            if cid := part.get("Content-ID"):
                data = base64.b64encode(part.get_payload(decode=True)).decode("ascii")
                html = html.replace(f"cid:{cid.strip('<>')}", f"data:{part.get_content_type()};base64,{data}")
        pages[key] = work / f"{key}.html"
        pages[key].write_text(html, encoding="utf-8")
    return pages


@pytest.mark.parametrize("key", [REFERENCE_TOWNSHIP_ID, "county"])
def test_emails_do_not_scroll_sideways_on_a_phone(browser, emails, key):
    page = _open(browser, emails[key], PHONE)
    try:
        width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        assert width <= PHONE, f"{key}.eml: {width} px wide in a {PHONE} px viewport"
        images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth > 0)")
        assert images and all(images), "every chart shows"
    finally:
        page.close()


@pytest.mark.parametrize("key", [REFERENCE_TOWNSHIP_ID, "county"])
def test_email_headline_boxes_two_by_two_and_charts_at_2x_on_a_phone(browser, emails, key):
    page = _open(browser, emails[key], PHONE)
    try:
        boxes = page.evaluate("""Array.from(document.querySelectorAll('td[style*="background-color:#f4f8fb"]')).map(td => {
            const [value, label] = td.querySelectorAll('p'), line = p => parseFloat(getComputedStyle(p).lineHeight);
            return [Math.round(td.getBoundingClientRect().top), value.offsetHeight / line(value),
                    label.offsetHeight / line(label)];
        })""")
        images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth / i.clientWidth)")
        shown = page.evaluate("Array.from(document.images).map(i => [i.clientWidth, i.width, +i.getAttribute('width')])")
    finally:
        page.close()
    assert len(boxes) == 4 and sorted(Counter(top for top, _, _ in boxes).values()) == [2, 2], boxes
    assert all(value < 1.5 and label < 1.5 for _, value, label in boxes), boxes  # each on one line, unbroken
    assert images and min(images) >= 2, images  # two image pixels or more to a CSS pixel
    # a chart's smallest text is 10 points (tests/test_plots.py), drawn at CHART_DPI pixels an inch for the
    # message's own width: on the phone, 11 CSS pixels or more
    from fupin.mail.content import CHART_DPI

    smallest = [10 / 72 * CHART_DPI * on_phone / own for on_phone, _, own in shown]
    assert min(smallest) >= 11, (shown, smallest)
