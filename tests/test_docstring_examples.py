"""The library's docstring examples run once, as tests of their own, under ``--doctest-modules``
over lib/fupin (pyproject.toml). This checks that they keep running, and that the modules whose
figures and words leaders read still carry examples (a module without any would pass silently)."""

from __future__ import annotations

import doctest
import importlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MODULES = ["figures.audit", "report.audit_words", "core.county", "core.money", "core.privacy", "figures.checks", "figures.collective",
           "figures.depth", "figures.headcount", "figures.labels", "figures.parameters",
           "report.narrative", "report.national", "report.style", "report.tables", "report.word",
           "report.workbook"]


def test_doctests_of_the_library_are_collected():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in options["addopts"].split()
    assert "lib/fupin" in options["testpaths"]


@pytest.mark.parametrize("name", MODULES)
def test_module_carries_examples(name):
    module = importlib.import_module(f"fupin.{name}")
    assert sum(len(test.examples) for test in doctest.DocTestFinder().find(module)) > 0, name
