"""What was delivered, per recipient (``DIR/email-ledger.json``), and the lock held while sending."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from fupin.core.errors import UsageError
from fupin.core.files import atomic_write_json
from fupin.core.text import safe_text
from fupin.core.lock import FolderLock


#: The delivery record inside the report folder, and its lock while sending.
LEDGER_NAME = "email-ledger.json"
LOCK_NAME = ".email-ledger.lock"
LEDGER_FORMAT = "fupin-email-ledger/1"


def _now() -> str:
    """The current local time, ISO 8601 with offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Ledger:
    """What was delivered, per recipient: ``DIR/email-ledger.json``, written atomically.

    ``sent`` only grows: one entry per (message, recipient) accepted by the
    server, with the report checksum. ``failed`` holds the recipients whose
    latest attempt failed and who have not received that checksum since.
    """

    path: Path
    sent: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> "Ledger":
        """The ledger at `path` (empty when absent); an unreadable one is a UsageError."""
        if not path.exists():
            return cls(path)
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            return cls(path, list(data["sent"]), list(data.get("failed") or []))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"发送记录无法读取：{path}（{exc}）。请修复或移走该文件后重试") from None

    def delivered(self, key: str, recipient: str, checksum: str) -> bool:
        """True when `recipient` already received the message of `key` with this checksum."""
        who = recipient.lower()
        return any(e["key"] == key and e["recipient"].lower() == who and e["checksum"] == checksum for e in self.sent)

    def record_sent(self, key: str, recipients: Sequence[str], checksum: str, msg: EmailMessage) -> None:
        """Add one ``sent`` entry per recipient and clear their failures for `key`."""
        at = _now()
        for who in recipients:
            self.sent.append({"key": key, "recipient": who, "checksum": checksum, "sent_at": at,
                              "message_id": safe_text(msg["Message-ID"]), "subject": safe_text(msg["Subject"])})
        self._clear(key, recipients)

    def record_failed(self, key: str, errors: Mapping[str, str], checksum: str) -> None:
        """Replace the failures of `key` for these recipients by the new errors (invisible
        characters escaped: a server's reply may hold terminal escapes)."""
        self._clear(key, list(errors))
        at = _now()
        self.failed += [{"key": key, "recipient": who, "checksum": checksum, "at": at, "error": safe_text(error)}
                        for who, error in errors.items()]

    def _clear(self, key: str, recipients: Sequence[str]) -> None:
        """Drop the failure entries of (key, recipient) pairs."""
        drop = {r.lower() for r in recipients}
        self.failed = [e for e in self.failed if not (e["key"] == key and e["recipient"].lower() in drop)]

    def save(self) -> None:
        """Write the whole ledger atomically (complete or absent, never half-written)."""
        atomic_write_json(self.path, {"format": LEDGER_FORMAT, "sent": self.sent, "failed": self.failed})


def folder_lock(folder: Path) -> FolderLock:
    """Refuse a second concurrent sender on the same folder (an OS lock: a killed sender leaves none)."""
    return FolderLock(folder / LOCK_NAME, "fupin email")
