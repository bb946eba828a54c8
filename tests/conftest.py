"""Shared fixtures: the real console command, and one sample batch per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import fupin
from fupin.config import SAMPLE_DIR


def fupin_cli(*args: object, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """The real console command, as a user runs it (``python -m fupin ...``)."""
    return subprocess.run(
        [sys.executable, "-m", "fupin", *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", timeout=timeout, **kwargs,
    )


@pytest.fixture(scope="session")
def sample_batch(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The bundled sample county run once by the real ``fupin run``: (report folder, process).

    Shared by every test module; tests that change files must work on a copy.
    """
    out = tmp_path_factory.mktemp("sample-reports") / "2018"
    proc = fupin_cli("run", SAMPLE_DIR, "--year", 2018, "--out", out, "--quiet", timeout=900)
    return out, proc


@pytest.fixture(scope="session")
def sample_county():
    """The bundled sample county, loaded and validated."""
    return fupin.load(SAMPLE_DIR)
