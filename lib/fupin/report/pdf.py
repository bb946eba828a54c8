"""The report pages printed to A4 PDF, for sending in 微信: ``fupin run --pdf``.

Each page is printed as a leader's browser prints it (the print stylesheet,
``@page`` A4 with its header and page numbers) by a Chromium-family browser
already on the machine (Debian's ``chromium``, Chrome, Edge), driven through
Playwright's public API (``page.pdf``). No browser is ever downloaded: where
none is found, or Playwright is missing, nothing is printed and the reason
is given once (:attr:`Printed.missing`). One browser prints the whole batch;
a page that fails is listed and never stops the others, and each PDF is
written atomically (complete or absent).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fupin.core.files import atomic_write_bytes

#: An explicit browser to print with (a path), before any found on PATH.
BROWSER_ENV = "FUPIN_CHROMIUM"
#: Browsers looked up on PATH, in this order.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")
#: Where Windows installs Chrome and Edge (under Program Files, Program Files (x86), the user's AppData).
WINDOWS_BROWSERS = ("Google/Chrome/Application/chrome.exe", "Microsoft/Edge/Application/msedge.exe")
#: Chromium's switches for printing offline: nothing in the background reaches the network.
BROWSER_ARGS = ("--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-extensions")
#: Longest a page may take to load and print (seconds).
PAGE_TIMEOUT = 120.0
#: How to get a browser, said when none is found.
INSTALL_HINT = ("安装 Chromium（Debian/Ubuntu：apt-get install chromium fonts-noto-cjk）或 Chrome、Edge，"
                f"或用环境变量 {BROWSER_ENV} 指定浏览器程序的路径")


@dataclass
class Printed:
    """What became of the pages: the PDFs written, the pages that failed (page → why), or why none was tried."""

    written: list[Path] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)
    missing: str = ""


def find_browser(environ: Mapping[str, str] | None = None) -> Path | None:
    """The Chromium-family browser to print with, or None.

    ``FUPIN_CHROMIUM`` when set (None when it names no file), else the first
    of :data:`BROWSER_NAMES` on PATH, else Chrome or Edge where Windows
    installs them.

    >>> find_browser({"FUPIN_CHROMIUM": "/nowhere/chromium"}) is None
    True
    """
    environ = os.environ if environ is None else environ
    explicit = environ.get(BROWSER_ENV, "").strip()
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    for name in BROWSER_NAMES:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return Path(found)
    for root in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"):
        base = environ.get(root)
        for relative in WINDOWS_BROWSERS if base else ():
            if (Path(base) / relative).is_file():
                return Path(base) / relative
    return None


def print_pages(pages: Mapping[Path, Path], tmp_dir: Path | None = None, browser: Path | None = None,
                timeout: float = PAGE_TIMEOUT) -> Printed:
    """Print each HTML page (key) to its PDF (value) on A4, as the page's print view.

    ``browser`` is the program to print with (default :func:`find_browser`).
    Nothing is printed, and :attr:`Printed.missing` says why in the user's
    words, when there is no browser, no Playwright, or the browser does not
    start. The browser runs offline: a page reaches nothing but its own file.
    """
    printed = Printed()
    if not pages:
        return printed
    browser = browser or find_browser()
    if browser is None or not Path(browser).is_file():
        printed.missing = f"未找到可用于生成 PDF 的浏览器，未生成 PDF（其余报告已生成）。{INSTALL_HINT}"
        return printed
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        printed.missing = "未安装 Playwright，未生成 PDF（其余报告已生成）。请先 pip install playwright（无需下载浏览器）"
        return printed
    try:
        with sync_playwright() as playwright:
            try:
                chromium = playwright.chromium.launch(executable_path=str(browser), args=list(BROWSER_ARGS),
                                                      timeout=timeout * 1000)
            except PlaywrightError as exc:
                printed.missing = f"浏览器 {browser} 无法启动，未生成 PDF（其余报告已生成）：{_first_line(exc)}"
                return printed
            try:
                context = chromium.new_context(offline=True)
                context.set_default_timeout(timeout * 1000)
                for html, pdf in pages.items():
                    try:
                        printed.written.append(atomic_write_bytes(pdf, _print(context, Path(html)), tmp_dir))
                    except (PlaywrightError, OSError, ValueError) as exc:
                        printed.failed[Path(html)] = _first_line(exc)
            finally:
                chromium.close()
    except PlaywrightError as exc:  # the driver itself did not start
        printed.missing = f"Playwright 无法启动，未生成 PDF（其余报告已生成）：{_first_line(exc)}"
    return printed


def _print(context, html: Path) -> bytes:  # noqa: ANN001 - a Playwright BrowserContext
    """One page's PDF: opened from its file, printed as A4 with its own @page rules and backgrounds."""
    if not html.is_file():
        raise ValueError(f"找不到 {html.name}")
    page = context.new_page()
    try:
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    if not pdf.startswith(b"%PDF-"):
        raise ValueError("浏览器没有给出 PDF")
    return pdf


def _first_line(exc: BaseException) -> str:
    """An error's first line (Playwright adds a call log below it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = ["BROWSER_ENV", "Printed", "find_browser", "print_pages"]
