"""Reading a township slice that ``fupin run`` prepared (:mod:`fupin.batch.prepare` writes it).

A prepared folder holds one Parquet file per table, already validated and
in contract dtypes, and a ``fupin-prepared.json`` manifest naming the
original input files. :func:`fupin.load` recognises the manifest and reads
the folder with :func:`load_prepared` instead of validating again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fupin.core.contract import TABLES
from fupin.core.county import County, Source

MANIFEST = "fupin-prepared.json"
FORMAT_VERSION = 1


def read_manifest(folder: Path) -> dict:
    """The manifest of a prepared township folder (format, township id, digest, sources)."""
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def load_prepared(folder: Path) -> County:
    """Read a prepared township folder back as a :class:`County`."""
    manifest = read_manifest(folder)
    frames = {}
    for name in ("villages", "households", "incomes", "cadres"):
        path = folder / f"{name}.parquet"
        if path.is_file():
            frame = pd.read_parquet(path)  # an omit_if_absent column may be left out
            frames[name] = frame.astype({k: v for k, v in TABLES[name].dtypes.items() if k in frame})
    sources = {
        s["table"]: Source(Path(s["path"]), s.get("sheet"), s.get("sha256", ""))
        for s in manifest.get("sources", [])
    }
    return County(frames["villages"], frames["households"], frames["incomes"], frames.get("cadres"), sources)
