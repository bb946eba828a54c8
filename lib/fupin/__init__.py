"""fupin: poverty-alleviation monitoring (扶贫监测) for county and township offices.

The public API is small::

    import fupin
    county = fupin.load("data/sample")          # typed, validated tables
    town = county.township("001")
    m = fupin.township_metrics(town, year=2018)  # every figure of the report
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["County", "DataError", "Problem", "load", "township_metrics", "__version__"]


def __getattr__(name: str):  # lazy: `fupin --help` must not import pandas
    if name == "load":
        from fupin.loading import load

        return load
    if name == "township_metrics":
        from fupin.metrics import township_metrics

        return township_metrics
    if name == "County":
        from fupin.county import County

        return County
    if name in ("DataError", "Problem"):
        from fupin import errors

        return getattr(errors, name)
    raise AttributeError(name)
