"""Per-township slices of a validated county, prepared once per batch.

``fupin run`` loads and validates the county once, then writes each
township's rows as Parquet into its own folder with a ``fupin-prepared.json``
manifest. Personal data does not travel into the report folder: head and
cadre names are masked (王*明) and ID numbers dropped before anything is
written. A township's notebook reads only that folder, so its cost does not
grow with the size of the county. :func:`fupin.load` recognises such a folder
and reads it back with :func:`load_prepared`, keeping the original input
files and checksums in ``County.sources`` for the report's 数据说明.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fupin.columns import TABLES
from fupin.county import County, Source
from fupin.fsutil import atomic_write_json

MANIFEST = "fupin-prepared.json"
FORMAT_VERSION = 1


def _dtypes(table: str) -> dict[str, str]:
    from fupin.generate import contract_dtype

    return {c.name: contract_dtype(c) for c in TABLES[table].columns}


def _without_personal_data(county: County) -> County:
    """Names masked, ID numbers blanked: what the reports may see."""
    from dataclasses import replace

    from fupin.privacy import mask_names

    households = county.households
    if "head_name" in households:
        households = households.assign(head_name=mask_names(households["head_name"]).replace("", pd.NA))
    if "id_number" in households:
        households = households.assign(id_number=pd.Series(pd.NA, index=households.index, dtype="string"))
    cadres = county.cadres
    if cadres is not None and "name" in cadres:
        cadres = cadres.assign(name=mask_names(cadres["name"]).replace("", pd.NA))
    return replace(county, households=households, cadres=cadres)


def _slices(county: County) -> dict[str, dict[str, pd.DataFrame]]:
    """Every table split by township in one pass each (no per-township scans)."""
    village_town = county.villages.set_index("village_id")["township_id"]
    hh_town = county.households["village_id"].map(village_town)
    household_town = pd.Series(hh_town.to_numpy(), index=county.households["household_id"].to_numpy())
    inc_town = county.incomes["household_id"].map(household_town)
    tables = {
        "villages": county.villages.groupby("township_id", sort=False),
        "households": county.households.groupby(hh_town.to_numpy(), sort=False),
        "incomes": county.incomes.groupby(inc_town.to_numpy(), sort=False),
    }
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for name, groups in tables.items():
        for tid, frame in groups:
            out.setdefault(str(tid), {})[name] = frame
    if county.cadres is not None:
        cadres = county.cadres.set_index("cadre_id", drop=False)
        for tid, frames in out.items():
            hh = frames.get("households")
            used = hh["cadre_id"].dropna().unique() if hh is not None else []
            frames["cadres"] = cadres.loc[cadres.index.intersection(used)].reset_index(drop=True)
    return out


def slice_digest(frames: dict[str, pd.DataFrame]) -> str:
    """SHA-256 of a township's rows: the same data gives the same digest."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name].reset_index(drop=True)
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        digest.update(",".join(frame.columns).encode())
    return digest.hexdigest()


def prepare(county: County, root: Path, township_ids: Iterable[str], tmp_dir: Path | None = None) -> dict[str, Path]:
    """Write one folder per township under ``root``; returns township -> folder."""
    wanted = set(township_ids)
    county = _without_personal_data(county)
    slices = _slices(county)
    sources = [
        {"table": t, "path": str(s.path), "sheet": s.sheet, "sha256": s.sha256}
        for t, s in county.sources.items()
    ]
    folders: dict[str, Path] = {}
    for tid in sorted(wanted):
        frames = {
            name: slices.get(tid, {}).get(name, getattr(county, name).iloc[0:0])
            for name in ("villages", "households", "incomes", *(["cadres"] if county.cadres is not None else []))
        }
        folders[tid] = write_slice(root / tid, tid, frames, sources, tmp_dir)
    return folders


def write_slice(
    folder: Path, township_id: str, frames: dict[str, pd.DataFrame], sources: list[dict], tmp_dir: Path | None = None
) -> Path:
    """Write one township's tables and manifest (replacing an older copy whole).

    The tables are written into a scratch folder (``tmp_dir``, same file
    system) and renamed into place, so a reader never sees a half slice.
    """
    tmp = (Path(tmp_dir) / f"prepared-{folder.name}") if tmp_dir else folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, frame in frames.items():
        pq.write_table(pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False), tmp / f"{name}.parquet")
    atomic_write_json(tmp / MANIFEST, {
        "format": FORMAT_VERSION,
        "township_id": township_id,
        "digest": slice_digest(frames),
        "sources": sources,
    })
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(folder)
    return folder


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def load_prepared(folder: Path) -> County:
    """Read a prepared township folder back as a :class:`County`."""
    manifest = read_manifest(folder)
    frames = {}
    for name in ("villages", "households", "incomes", "cadres"):
        path = folder / f"{name}.parquet"
        if path.is_file():
            frames[name] = pd.read_parquet(path).astype(_dtypes(name))
    sources = {
        s["table"]: Source(Path(s["path"]), s.get("sheet"), s.get("sha256", ""))
        for s in manifest.get("sources", [])
    }
    return County(frames["villages"], frames["households"], frames["incomes"], frames.get("cadres"), sources)
