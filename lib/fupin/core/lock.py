"""An exclusive lock on a report folder, held by the OS.

``fupin run`` holds ``DIR/.fupin/lock`` while it writes into ``DIR`` and
``fupin email`` holds ``DIR/.email-ledger.lock`` while it sends, so two
processes never interleave on one folder. The OS releases the lock when
its holder exits, however it exits (a ``kill -9`` included): a killed run
never leaves a stale lock, and nothing has to be deleted by hand.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from fupin.core.errors import UsageError


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
