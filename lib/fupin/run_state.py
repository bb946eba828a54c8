"""The incremental-run state of a report folder: what is up to date.

``DIR/.fupin/state.json`` records, per township, the digest of everything its
report depends on (its slice of the data, the notebooks, the parameters and
the code) once the township's files are complete. A rerun skips a township
whose digest and files are unchanged. ``DIR/.fupin/lock``
(:class:`fupin.lock.FolderLock`, an OS lock) is held while a batch writes
into DIR, so two runs on one folder never interleave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from fupin import __version__
from fupin.config import PACKAGE_DIR
from fupin.fsutil import atomic_write_json

STATE_FILE = "state.json"
LOCK_FILE = "lock"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over the installed package's code and templates."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in {".py", ".j2", ".css", ".json"}):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_digest(slice_digest: str, notebooks: Iterable[Path], parameters: Mapping[str, object]) -> str:
    """The digest of one township's inputs: data slice, notebooks, parameters, code."""
    digest = hashlib.sha256()
    digest.update(slice_digest.encode())
    for path in notebooks:
        digest.update(Path(path).read_bytes())
    digest.update(json.dumps(dict(parameters), sort_keys=True, ensure_ascii=False, default=str).encode())
    digest.update(code_digest().encode())
    return digest.hexdigest()


class BatchState:
    """``state.json`` of one report folder, saved atomically after every change."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / STATE_FILE
        self.townships: dict[str, dict] = {}
        if self.path.is_file():
            try:
                self.townships = json.loads(self.path.read_text(encoding="utf-8")).get("townships", {})
            except (OSError, ValueError):
                self.townships = {}  # unreadable state only costs a full rerun

    def is_current(self, township_id: str, digest: str, files: Iterable[Path]) -> bool:
        """True when the township last completed with these inputs and its files exist."""
        entry = self.townships.get(township_id, {})
        return entry.get("digest") == digest and entry.get("ok") is True and all(Path(f).is_file() for f in files)

    def files(self, township_id: str) -> list[str]:
        """Names of the files the last run wrote into ``DIR/<township_id>`` (only plain names)."""
        names = self.townships.get(township_id, {}).get("files", [])
        return [n for n in names if isinstance(n, str) and n and Path(n).name == n and n not in (".", "..")]

    def record(self, township_id: str, digest: str, ok: bool, seconds: float, tmp_dir: Path | None = None,
               files: Iterable[str] = ()) -> None:
        self.townships[township_id] = {
            "digest": digest,
            "ok": ok,
            "seconds": round(seconds, 3),
            "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "files": sorted(set(files) | set(self.files(township_id))) if not ok else sorted(set(files)),
        }
        atomic_write_json(self.path, {"format": 1, "townships": self.townships}, tmp_dir=tmp_dir)
