"""Per-township slices of a validated county, prepared once per batch.

``fupin run`` loads and validates the county once, then writes each
township's rows as Parquet into its own folder with a ``fupin-prepared.json``
manifest. Personal data does not travel into the report folder: head and
cadre names are masked (王*明) and ID numbers dropped before anything is
written. A township's notebook reads only that folder, so its cost does not
grow with the size of the county. :func:`fupin.load` recognises such a folder
and reads it back with :func:`fupin.io.slices.load_prepared`, keeping the original input
files and checksums in ``County.sources`` for the report's 数据说明.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fupin import removed_name
from fupin.core.contract import TEXT_DTYPE
from fupin.core.county import County
from fupin.core.files import atomic_write_json, id_path
from fupin.io.slices import FORMAT_VERSION, MANIFEST

__all__ = ["prepare", "write_slice"]


def _masked(names: pd.Series) -> pd.Series:
    """:func:`fupin.core.privacy.mask_names` computed once per distinct name."""
    from fupin.core.privacy import mask_names

    codes, uniques = pd.factorize(names)
    masked = mask_names(pd.Series(uniques, dtype=TEXT_DTYPE)).replace("", pd.NA).to_numpy()
    out = pd.Series(pd.NA, index=names.index, dtype=TEXT_DTYPE)
    known = codes >= 0
    out[known] = masked[codes[known]]
    return out


def _without_personal_data(county: County) -> County:
    """Names masked, ID numbers blanked: what the reports may see."""
    from dataclasses import replace

    households = county.households
    if "head_name" in households:
        households = households.assign(head_name=_masked(households["head_name"]))
    if "id_number" in households:
        households = households.assign(id_number=pd.Series(pd.NA, index=households.index, dtype=TEXT_DTYPE))
    cadres = county.cadres
    if cadres is not None and "name" in cadres:
        cadres = cadres.assign(name=_masked(cadres["name"]))
    return replace(county, households=households, cadres=cadres)


def _township_keys(county: County) -> dict[str, np.ndarray]:
    """The township of every row of every table (cadres: of the households they help)."""
    village_town = county.villages.set_index("village_id")["township_id"]
    hh_town = county.households["village_id"].map(village_town)
    household_town = pd.Series(hh_town.to_numpy(), index=county.households["household_id"].to_numpy())
    keys = {
        "villages": county.villages["township_id"].to_numpy(dtype=object),
        "households": hh_town.to_numpy(dtype=object),
        "incomes": county.incomes["household_id"].map(household_town).to_numpy(dtype=object),
    }
    return keys


def _cadre_rows(county: County, household_towns: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Cadres repeated once per township whose households they help, and those townships."""
    pairs = (
        pd.DataFrame({"township_id": household_towns, "cadre_id": county.households["cadre_id"]})
        .dropna()
        .drop_duplicates()
    )
    rows = pairs.merge(county.cadres.reset_index(drop=True).reset_index(), on="cadre_id").sort_values("index")
    return county.cadres.iloc[rows["index"].to_numpy()].reset_index(drop=True), rows["township_id"].to_numpy(dtype=object)


def _split(frame: pd.DataFrame, keys: np.ndarray) -> dict[str, pa.Table]:
    """One Arrow table per township: one conversion, then zero-copy slices in original row order."""
    codes, townships = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    table = pa.Table.from_pandas(frame.iloc[order].reset_index(drop=True), preserve_index=False)
    counts = np.bincount(codes[codes >= 0], minlength=len(townships))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) + int((codes < 0).sum())
    return {str(t): table.slice(int(a), int(n)) for t, a, n in zip(townships, starts, counts)}


def prepare(county: County, root: Path, township_ids: Iterable[str], tmp_dir: Path | None = None) -> dict[str, Path]:
    """Write one folder per township under ``root``; returns township -> folder.

    Each table is converted to Arrow once and cut by township, so the cost
    is one pass over the county plus one small write per township.
    """
    wanted = sorted(set(township_ids))
    county = _without_personal_data(county)
    keys = _township_keys(county)
    parts = {name: _split(getattr(county, name), keys[name]) for name in ("villages", "households", "incomes")}
    if county.cadres is not None:
        parts["cadres"] = _split(*_cadre_rows(county, keys["households"]))
    empty = {name: pa.Table.from_pandas(getattr(county, name).iloc[0:0], preserve_index=False) for name in parts}
    sources = [
        {"table": t, "path": str(s.path), "sheet": s.sheet, "sha256": s.sha256}
        for t, s in county.sources.items()
    ]
    return {
        tid: write_slice(id_path(root, tid), tid, {name: parts[name].get(tid, empty[name]) for name in parts}, sources, tmp_dir)
        for tid in wanted
    }


def write_slice(
    folder: Path, township_id: str, tables: dict[str, pa.Table], sources: list[dict], tmp_dir: Path | None = None
) -> Path:
    """Write one township's tables and manifest (replacing an older copy whole).

    The tables are written into a scratch folder (``tmp_dir``, same file
    system) and renamed into place, so a reader never sees a half slice.
    The manifest's ``digest`` is the SHA-256 of the Parquet bytes: the same
    rows give the same digest (for one pyarrow version).
    """
    tmp = (Path(tmp_dir) / f"prepared-{folder.name}") if tmp_dir else folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    digest = hashlib.sha256()
    for name in sorted(tables):
        sink = pa.BufferOutputStream()
        pq.write_table(tables[name], sink)
        data = sink.getvalue().to_pybytes()
        digest.update(name.encode())
        digest.update(data)
        (tmp / f"{name}.parquet").write_bytes(data)
    atomic_write_json(tmp / MANIFEST, {
        "format": FORMAT_VERSION,
        "township_id": township_id,
        "digest": digest.hexdigest(),
        "sources": sources,
    })
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(folder)
    return folder


def __getattr__(name: str):
    """A name of 0.1.0 that moved: the error names its new import (:func:`fupin.removed_name`)."""
    raise removed_name(__name__, name)
