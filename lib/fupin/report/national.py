"""Public reference figures shown beside local data (data/reference/)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fupin.core.config import REFERENCE_DIR

NATIONAL_FILE = "national_rural_poverty.csv"


def national_series(path: Path | None = None) -> pd.DataFrame:
    """National rural poverty by year-end (2010 standard), NBS monitoring.

    Columns: ``year`` (int), ``rural_poor_10k_people`` (10,000 people),
    ``incidence_pct`` (percent, as published), ``incidence`` (the same as a
    fraction, like every rate in metrics.json) and ``source_note``. Sorted by
    year; rows without an incidence are dropped.

    >>> float(national_series().set_index("year").loc[2018, "incidence"])
    0.017
    """
    csv = Path(path) if path is not None else REFERENCE_DIR / NATIONAL_FILE
    with open(csv, encoding="utf-8-sig", newline="") as handle:
        frame = pd.read_csv(handle, dtype={"year": "int64"})
    return (
        frame.dropna(subset=["incidence_pct"])
        .assign(incidence=lambda f: f["incidence_pct"].astype(float) / 100)
        .sort_values("year")
        .reset_index(drop=True)
    )
