"""Copies of the report notebooks with a fault injected, for failure tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from fupin.core.config import NOTEBOOKS_DIR


def faulty_notebooks(tmp_path: Path, township: str, code: str) -> Path:
    """A copy of the report notebooks whose run for ``township`` executes ``code`` early on."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for nb_file in NOTEBOOKS_DIR.glob("*.ipynb"):
        shutil.copy2(nb_file, folder / nb_file.name)
    path = folder / "township_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    indented = "\n".join("    " + line for line in code.splitlines())
    nb.cells.insert(3, nbformat.v4.new_code_cell(f'if township_id == "{township}":\n{indented}'))
    nbformat.write(nb, path)
    return folder


def blocking_notebooks(tmp_path: Path, township: str) -> tuple[Path, Path, Path]:
    """A copy of the report notebooks whose run for ``township`` stops at a known point:
    it writes its kernel's pid to ``started``, then waits until the file ``go`` exists.

    Returns (notebooks folder, started, go). A test acts (kills, starts a second run)
    while the township is held there, then creates ``go``; no timing is involved.
    """
    started, go = tmp_path / "started", tmp_path / "go"
    code = (
        "import os, pathlib, time\n"
        f"pathlib.Path(r\"{started}\").write_text(str(os.getpid()))\n"
        f"while not os.path.exists(r\"{go}\"):\n"
        "    time.sleep(0.05)"
    )
    return faulty_notebooks(tmp_path, township, code), started, go


def wait_for(condition, seconds: float = 300, what: str = "") -> None:
    """Poll ``condition()`` until it holds; fail the test after ``seconds``."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds} s: {what}")
        time.sleep(0.05)
