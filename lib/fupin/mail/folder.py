"""The report folder a message is built from: its townships, each report's files and checksum."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin.config import COUNTY_DOCX, TOWNSHIP_DOCX
from fupin.errors import ReportIncomplete, UsageError
from fupin.fsutil import is_safe_name, sha256_file
from fupin.mail.config import COUNTY


@dataclass(frozen=True)
class Report:
    """One message's source: a township's folder, or the county page."""

    key: str  # township id, or COUNTY
    metrics: dict[str, Any]  # metrics.json, or summary.json for the county
    html: Path  # report.html, or index.html
    checksum: str  # :func:`report_checksum` of the metrics file and the HTML (and the Word document)
    docx: Path | None = None  # report.docx, or county.docx: only when it is to be attached

    def metrics_name(self) -> str:
        """The file the figures come from."""
        return "summary.json" if self.key == COUNTY else f"{self.key}/metrics.json"

    @property
    def name(self) -> str:
        """The township's (or county's) name."""
        return str(self.metrics.get("township_name") or self.metrics.get("county_name") or self.key)


def report_checksum(files: Sequence[Path]) -> str:
    """sha256 over each file's name and its own sha256, in order.

    For a township: metrics.json then report.html; for the county:
    summary.json then index.html. It changes when either file does.
    """
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.name}\0{sha256_file(path)}\n".encode("utf-8"))
    return digest.hexdigest()


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a report folder; unreadable -> ReportIncomplete."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ReportIncomplete(f"无法读取 {path.name}：{exc}") from None
    if not isinstance(data, dict):
        raise ReportIncomplete(f"{path.name} 不是 JSON 对象")
    return data


def check_folder(folder: Path) -> list[str]:
    """The township ids of a report folder (sub-folders written by ``fupin run``).

    Raises UsageError (exit 2) when the folder or its summary.json is missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"报告文件夹不存在：{folder}")
    if not (folder / "summary.json").is_file():
        raise UsageError(f"{folder} 中没有 summary.json：这不是 fupin run 生成的报告文件夹，或生成尚未完成")
    return sorted(
        p.name for p in folder.iterdir()
        if is_safe_name(p.name) and not p.is_symlink() and p.is_dir() and ((p / "metrics.json").exists() or (p / "report.html").exists() or any(p.glob("*.ipynb")))
    )


def load_report(folder: Path, key: str, docx: bool = False) -> Report:
    """The report behind one message; ReportIncomplete when a file is missing.

    With ``docx`` the Word document is part of the report (attached, and in the checksum).
    """
    if key == COUNTY:
        data, html, word = folder / "summary.json", folder / "index.html", folder / COUNTY_DOCX
    else:
        data, html, word = folder / key / "metrics.json", folder / key / "report.html", folder / key / TOWNSHIP_DOCX
    files = [data, html, word] if docx else [data, html]
    missing = [p.name for p in files if not p.is_file()]
    if missing:
        raise ReportIncomplete(f"报告不完整，缺少 {'、'.join(missing)}（请先重新运行 fupin run）")
    return Report(key=key, metrics=read_json(data), html=html, checksum=report_checksum(files),
                  docx=word if docx else None)


def township_metrics_in(folder: Path, ids: Sequence[str]) -> list[dict[str, Any]]:
    """metrics.json of each township folder that has one, in id order."""
    out = []
    for tid in ids:
        path = folder / tid / "metrics.json"
        if path.is_file():
            try:
                out.append(read_json(path))
            except ReportIncomplete:
                continue
    return out
