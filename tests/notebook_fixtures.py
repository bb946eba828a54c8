"""Copies of the report notebooks with a fault injected, for failure tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from fupin.config import NOTEBOOKS_DIR


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
