"""Renamed :mod:`fupin.data_summary` (it is not ``summary.json``, which :mod:`fupin.county_page` writes).

Old imports keep working for one release, with a DeprecationWarning.
"""

import warnings

from fupin.data_summary import SUMMARY_COLUMNS, township_summary

warnings.warn("fupin.summary is renamed fupin.data_summary", DeprecationWarning, stacklevel=2)

__all__ = ["SUMMARY_COLUMNS", "township_summary"]
