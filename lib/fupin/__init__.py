"""fupin: poverty-alleviation monitoring (扶贫监测) for county and township offices.

The public API is small::

    import fupin
    county = fupin.load("data/sample")          # typed, validated tables
    town = county.township("990101001")
    m = fupin.township_metrics(town, year=2018)  # every figure of the report

Submodules (``fupin.metrics``, ``fupin.plots``, ``fupin.narrative``, ...) are
imported on first use, so ``fupin --help`` stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

__all__ = ["County", "DataError", "Problem", "load", "township_metrics", "__version__"]

_NAMES = {
    "load": ("fupin.loading", "load"),
    "township_metrics": ("fupin.metrics", "township_metrics"),
    "County": ("fupin.county", "County"),
    "DataError": ("fupin.errors", "DataError"),
    "Problem": ("fupin.errors", "Problem"),
}


def __getattr__(name: str):
    if name in _NAMES:
        module, attr = _NAMES[name]
        return getattr(importlib.import_module(module), attr)
    try:
        return importlib.import_module(f"fupin.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"fupin.{name}":
            raise
        raise AttributeError(f"module 'fupin' has no attribute {name!r}") from None
