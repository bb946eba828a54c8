"""Runs inside a report kernel: heavy imports once, a clean slate per township.

The runner keeps one warm kernel per worker. :func:`prime` imports what the
report notebooks use and records the kernel's clean state; :func:`reset`
brings the kernel back to that state between townships: the user namespace
and execution counter (``InteractiveShell.reset``), matplotlib figures and
rcParams, the working folder, ``sys.path``, environment variables, warning
filters and pandas options. Imported modules stay imported: that is the
point. ``tests/test_warm_kernel.py`` proves a township run after another in
one kernel gives the same notebook as in a fresh kernel.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from dataclasses import dataclass


@dataclass
class _Baseline:
    cwd: str
    path: list
    environ: dict
    filters: list
    rc: dict


_baseline: _Baseline | None = None


def prime() -> None:
    """Import the report's libraries and record the clean state."""
    global _baseline
    import matplotlib
    import matplotlib.figure  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    from IPython.display import display  # noqa: F401

    import fupin  # noqa: F401
    from fupin.batch import prepare  # noqa: F401
    from fupin.figures import analysis, metrics  # noqa: F401
    from fupin.io import loading  # noqa: F401
    from fupin.report import charts, headline, narrative, national, show as _display, style, tables, workbook  # noqa: F401

    _display.inline_style("td")  # reads report.css once

    _baseline = _Baseline(
        cwd=os.getcwd(),
        path=list(sys.path),
        environ=dict(os.environ),
        filters=list(warnings.filters),
        rc=dict(matplotlib.rcParams),
    )
    style.use_report_style()  # loads the CJK font once; the rcParams go back below
    reset()
    # What is alive now (modules, fonts, the shell) stays for the kernel's life: move it out of
    # the collector's way, so the full collection of every reset scans one township's objects only.
    gc.freeze()


def reset() -> None:
    """Bring the kernel back to the state :func:`prime` recorded."""
    if _baseline is None:
        raise RuntimeError("kernel_state.prime() was not run in this kernel")
    import matplotlib
    import pandas as pd

    shell = _shell()
    if shell is not None:
        shell.reset(new_session=True)  # namespace, history, execution_count = 1
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(_baseline.rc)
        pd.reset_option("all")
    os.chdir(_baseline.cwd)
    sys.path[:] = _baseline.path
    for key in set(os.environ) - set(_baseline.environ):
        del os.environ[key]
    os.environ.update(_baseline.environ)
    warnings.filters[:] = _baseline.filters
    gc.collect()


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - always there in a kernel
        return None
    return get_ipython()
