"""The report folder a message is built from: its townships, each report's files and checksum."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin.core.config import COUNTY_DOCX, TOWNSHIP_DOCX
from fupin.core.errors import ReportIncomplete, UsageError
from fupin.core.files import sha256_file, shown_value
from fupin.mail.config import COUNTY
from fupin.core.run_state import read_run_record, township_folders


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


#: The keys of metrics.json that one run gives every township and the county page alike.
RUN_KEYS = ("year", "parameters", "county_name")


def check_folder(folder: Path) -> list[str]:
    """The township ids of a report folder (sub-folders written by ``fupin run``).

    Raises UsageError (exit 2) when the folder or its summary.json is missing,
    and when its townships do not all belong to one run: a township folder
    that the folder's run record (``.fupin/state.json``) does not list, a
    township whose metrics.json has another year, other parameters or
    another county than summary.json, or a run that did not finish.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"报告文件夹不存在：{folder}")
    if not (folder / "summary.json").is_file():
        raise UsageError(f"{folder} 中没有 summary.json：这不是 fupin run 生成的报告文件夹，或生成尚未完成")
    townships = township_folders(folder)
    problems = mixed_runs(folder, townships)
    if problems:
        raise UsageError("\n".join([
            f"{folder} 中的报告不属于同一次运行，未发送任何邮件：",
            *(f"  - {p}" for p in problems),
            "请用 fupin run 重新生成该文件夹（换一个 --out，或加 --replace 替换），再发送。",
        ]))
    return townships


def mixed_runs(folder: Path, townships: Sequence[str]) -> list[str]:
    """What in ``folder`` does not belong to the run of its county page (empty when all does)."""
    problems = []
    record = read_run_record(folder)
    if record is not None:
        strays = [t for t in townships if t not in record.townships]
        if strays:
            problems.append(f"乡镇文件夹 {'、'.join(strays)} 不在本文件夹的运行记录中（可能是另一次运行留下的）")
        if record.unfinished:
            problems.append(f"上次 fupin run 没有完成（乡镇 {'、'.join(record.unfinished[:10])} 的报告可能不是最新的）")
    try:
        county = read_json(folder / "summary.json")
    except ReportIncomplete:
        return problems  # the county message fails alone
    for tid in townships:
        try:
            metrics = read_json(folder / tid / "metrics.json")
        except ReportIncomplete:
            continue  # an incomplete township fails alone
        if "township_id" in metrics and str(metrics["township_id"]) != tid:
            problems.append(f"{tid}/metrics.json 是乡镇 {metrics['township_id']} 的报告")
        for key in RUN_KEYS:
            if key in metrics and key in county and metrics[key] != county[key]:
                mine, theirs = metrics[key], county[key]
                if isinstance(mine, dict) and isinstance(theirs, dict):
                    changed = [k for k in sorted(set(mine) | set(theirs)) if mine.get(k) != theirs.get(k)]
                    shown = "，".join(f"{k} {_shown(mine.get(k))}（县汇总 {_shown(theirs.get(k))}）" for k in changed)
                    problems.append(f"{tid}/metrics.json 的参数与县汇总 summary.json 不同：{shown}")
                else:
                    problems.append(f"{tid}/metrics.json 的 {key} 为 {_shown(mine)}，县汇总 summary.json 为 {_shown(theirs)}")
    return problems


def _shown(value: object) -> str:
    """A value of metrics.json in a message (bounded)."""
    return shown_value(json.dumps(value, ensure_ascii=False, sort_keys=True))


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
