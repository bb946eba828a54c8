"""The runner's memory of a report folder: what is up to date, and who is writing.

``DIR/.fupin/state.json`` records, per township, the digest of everything its
report depends on (its slice of the data, the notebooks, the parameters and
the code) once the township's files are complete. A rerun skips a township
whose digest and files are unchanged. ``DIR/.fupin/lock`` is held (an OS file
lock, released by the OS even when the process is killed) while a batch
writes into DIR, so two runs on one folder never interleave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from fupin import __version__
from fupin.config import PACKAGE_DIR
from fupin.errors import UsageError
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


class FolderLock:
    """An exclusive, non-blocking lock file (POSIX flock / Windows msvcrt).

    The OS releases it when the holder exits, however it exits, so a killed
    run never leaves a stale lock behind. ``command`` names the holder in
    the message a second process gets.
    """

    def __init__(self, path: Path, command: str = "fupin run") -> None:
        self.path = Path(path)
        self.command = command
        self._handle = None

    def __enter__(self) -> "FolderLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # never through a symlink planted at the lock's place (it would truncate the link's target)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        handle = open(fd, "a+", encoding="utf-8")
        try:
            _lock(handle)
        except OSError:
            try:
                handle.seek(0)
                holder = handle.read().strip() or "另一个进程"
            except OSError:  # Windows: the holder's locked byte cannot be read
                holder = "另一个进程"
            handle.close()
            folder = self.path.parent.parent if self.path.parent.name.startswith(".") else self.path.parent
            raise UsageError(
                f"报告文件夹 {folder} 正被另一个 {self.command} 使用（{holder}）。"
                "请等它结束后再运行，或换一个文件夹。"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"进程 {os.getpid()}，开始于 {dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
