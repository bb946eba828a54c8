"""A report folder's record of its run, and its incremental-run state: what is up to date.

``DIR/.fupin/state.json`` is the one record of what a report folder holds:

* ``run`` (:class:`RunRecord`): the run the folder belongs to: the data
  (its path, county and digest), the parameters, the notebooks and the code,
  and every township of the folder. ``fupin run`` refuses a run that does not
  fit it (other data or other parameters; :func:`check_fits`) unless asked
  to replace the folder, and ``fupin email`` refuses a folder whose
  townships it does not cover;
* ``townships``: per township, the digest of everything its report depends
  on (its slice of the data, the notebooks, the parameters and the code)
  once the township's files are complete. A rerun skips a township whose
  digest and files are unchanged.

``DIR/.fupin/lock`` (:class:`fupin.core.lock.FolderLock`, an OS lock) is held while
a batch writes into DIR, so two runs on one folder never interleave. This
module reads and writes only the record (both commands use it: base layer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from fupin import __version__
from fupin.core.config import AUDIT_XLSX, COUNTY_DOCX, COUNTY_PDF, PACKAGE_DIR, RUN_RECORD
from fupin.core.files import atomic_write_json, is_safe_name, same_path

#: The runner's own folder inside DIR (prepared slices, state, lock).
STATE_DIR = ".fupin"
STATE_FILE = "state.json"
LOCK_FILE = "lock"
#: Version of state.json: 2 added the run record (``run``).
STATE_FORMAT = 2
#: The county page's files in DIR (its PDF when printed), the county's 数据核查 workbook and the run record.
COUNTY_FILES = ("index.html", "summary.json", COUNTY_DOCX, AUDIT_XLSX, RUN_RECORD, COUNTY_PDF)


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


def files_digest(paths: Iterable[Path]) -> str:
    """SHA-256 over the names and bytes of ``paths`` (the report notebooks), in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode() + b"\0")
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def data_digest(checksums: Iterable[tuple[str, str, str]]) -> str:
    """SHA-256 over the input files' (table, sheet, sha256): the data's content, wherever it lies."""
    digest = hashlib.sha256()
    for table, sheet, sha in sorted(checksums):
        digest.update(f"{table}\0{sheet}\0{sha}\n".encode())
    return digest.hexdigest()


def _plain(obj: object) -> object:
    """``obj`` as JSON gives it back (tuples as lists), so a record compares equal to a fresh one."""
    return json.loads(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str))


@dataclass(frozen=True)
class RunRecord:
    """The run a report folder belongs to (``state.json`` → ``run``).

    ``data`` is the resolved path of the data folder or workbook and
    ``county`` its county's name: together the data set; ``data_digest``
    its content (:func:`data_digest`), which changes when an office updates
    its files. ``parameters`` are the notebook's parameters but the
    township's own (year, poverty line, bands, ..., ``-p`` ones);
    ``townships`` maps every township of the folder to its name;
    ``unfinished`` lists the townships of a run that has not finished
    (empty once the county page is written).
    """

    data: str
    data_digest: str
    county: str
    parameters: dict = field(default_factory=dict)
    notebooks: str = ""
    code: str = ""
    code_digest: str = ""
    townships: dict = field(default_factory=dict)
    unfinished: tuple = ()

    def to_json(self) -> dict:
        return {"data": self.data, "data_digest": self.data_digest, "county": self.county,
                "parameters": _plain(self.parameters), "notebooks": self.notebooks, "code": self.code,
                "code_digest": self.code_digest, "townships": dict(sorted(self.townships.items())),
                "unfinished": sorted(self.unfinished)}

    @classmethod
    def from_json(cls, obj: object) -> "RunRecord | None":
        """The record read back; None when it is missing or not one (an older folder)."""
        if not isinstance(obj, dict):
            return None
        try:
            record = cls(data=str(obj["data"]), data_digest=str(obj["data_digest"]), county=str(obj["county"]),
                         parameters=dict(obj["parameters"]), notebooks=str(obj.get("notebooks", "")),
                         code=str(obj.get("code", "")), code_digest=str(obj.get("code_digest", "")),
                         townships={str(k): str(v) for k, v in dict(obj["townships"]).items()},
                         unfinished=tuple(str(t) for t in obj.get("unfinished", ())))
        except (KeyError, TypeError, ValueError):
            return None
        return record

    def fresh(self) -> "RunRecord":
        """The record as JSON gives it back (for comparing with a stored one)."""
        return replace(self, parameters=_plain(self.parameters))


class BatchState:
    """``state.json`` of one report folder (``DIR/.fupin``), saved atomically after every change."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / STATE_FILE
        self.townships: dict[str, dict] = {}
        self.run: RunRecord | None = None
        self.exists = self.path.is_file()
        if self.exists:
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                townships = stored.get("townships", {})
                self.townships = townships if isinstance(townships, dict) else {}
                self.run = RunRecord.from_json(stored.get("run"))
            except (OSError, ValueError, AttributeError):
                self.townships = {}  # unreadable state only costs a full rerun (and a --replace)

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
        self.save(tmp_dir)

    def forget(self, township_id: str) -> None:
        """Drop a township's entry (its files were removed); saved with the next change."""
        self.townships.pop(township_id, None)

    def save(self, tmp_dir: Path | None = None) -> None:
        document: dict = {"format": STATE_FORMAT}
        if self.run is not None:
            document["run"] = self.run.to_json()
        document["townships"] = self.townships
        atomic_write_json(self.path, document, tmp_dir=tmp_dir)
        self.exists = True


def read_run_record(folder: Path) -> RunRecord | None:
    """The run record of the report folder ``folder`` (None when it has none)."""
    return BatchState(Path(folder) / STATE_DIR).run


def township_folders(folder: Path) -> list[str]:
    """The township report folders in ``folder``: plain-named sub-folders holding a report's files.

    A sub-folder counts when it holds ``metrics.json``, ``report.html`` or an
    executed notebook; links are never followed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir()
        if is_safe_name(p.name) and not p.is_symlink() and p.is_dir()
        and ((p / "metrics.json").exists() or (p / "report.html").exists() or any(p.glob("*.ipynb")))
    )


def holds_reports(folder: Path) -> bool:
    """True when ``folder`` holds a county page or a township's report."""
    return any((Path(folder) / name).exists() for name in COUNTY_FILES) or bool(township_folders(folder))


def is_report_folder(folder: Path) -> bool:
    """True when ``folder`` is absent, empty (but for ``.fupin``) or was made by ``fupin run`` (has state.json)."""
    folder = Path(folder)
    if not folder.exists():
        return True
    if (folder / STATE_DIR / STATE_FILE).is_file():
        return True
    return folder.is_dir() and all(p.name == STATE_DIR for p in folder.iterdir())


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return "（未设置）" if value is None else str(value)


def differences(old: RunRecord, new: RunRecord, *, partial: bool,
                spell: Callable[[str], str] = lambda name: name) -> tuple[list[str], list[str]]:
    """How a run (``new``) differs from the folder's record (``old``): (other run, partial only).

    The first list makes the run another run (other data set, other
    parameters): refused unless the folder is replaced. The second matters
    only to a ``--township`` run, which rewrites some townships and keeps the
    others: the data's content, the notebooks or the code changed since the
    folder's run, or that run did not finish. ``spell`` names a parameter
    as the user typed it (``--poverty-line``).

    >>> old = RunRecord("/d", "x", "示例县", {"year": 2018, "poverty_line": 3500.0}, townships={"1": "城关镇"})
    >>> differences(old, replace(old, parameters={"year": 2018, "poverty_line": 4000.0}), partial=False)
    (['参数 poverty_line：文件夹中为 3500，本次为 4000'], [])
    >>> differences(old, replace(old, data_digest="y"), partial=False)
    ([], [])
    >>> differences(old, replace(old, data_digest="y"), partial=True)[1]
    ['数据文件的内容自该文件夹的上次运行以来已改变']
    """
    old, new = old.fresh(), new.fresh()
    other: list[str] = []
    if not same_path(Path(old.data), Path(new.data)) or old.county != new.county:
        other.append(f"数据：文件夹中是「{old.county or '未命名县'}」（{old.data}）的报告，"
                     f"本次是「{new.county or '未命名县'}」（{new.data}）")
    for name in sorted(set(old.parameters) | set(new.parameters), key=lambda n: (n != "year", n)):
        was, now = old.parameters.get(name), new.parameters.get(name)
        if was != now:
            other.append(f"参数 {spell(name)}：文件夹中为 {_shown(was)}，本次为 {_shown(now)}")
    stale: list[str] = []
    if partial and not other:
        if old.data_digest != new.data_digest:
            stale.append("数据文件的内容自该文件夹的上次运行以来已改变")
        if old.notebooks != new.notebooks:
            stale.append("报告笔记本与该文件夹上次运行所用的不同")
        if old.code_digest != new.code_digest:
            stale.append(f"fupin 代码与该文件夹上次运行所用的不同（上次：{old.code or '未知'}）")
        left = sorted(set(old.unfinished) - set(new.townships))
        if left:
            stale.append(f"该文件夹的上次运行没有完成，乡镇 {'、'.join(left)} 的报告可能不是最新的")
    return other, stale


def check_fits(folder: Path, state: BatchState, new: RunRecord, *, data_townships: Sequence[str],
               partial: bool, replace_folder: bool, spell: Callable[[str], str] = lambda name: name) -> None:
    """Refuse (:class:`~fupin.core.errors.UsageError`, exit 2) a run that would mix with the folder's reports.

    ``new`` is this run's record (``townships``: the ones it runs);
    ``data_townships`` every township of its data. With ``replace_folder``
    the folder must only be one ``fupin run`` made (or empty).
    """
    from fupin.core.errors import UsageError

    if replace_folder:
        if not is_report_folder(folder):
            raise UsageError(
                f"{folder} 不是 fupin run 生成的报告文件夹（没有 {STATE_DIR}/{STATE_FILE}），"
                "--replace 只替换报告文件夹。请换一个空文件夹或新文件夹作为 --out"
            )
        return
    old = state.run
    if old is None:
        if holds_reports(folder):
            raise UsageError(
                f"报告文件夹 {folder} 中已有报告，但没有运行记录（由旧版本 fupin 生成，或从别处复制而来），"
                "无法确认它们与本次运行的数据和参数一致，本次未运行任何乡镇。请换一个报告文件夹（--out），"
                "或加 --replace 用本次运行替换该文件夹中的报告（只删除 fupin 生成的文件）"
            )
        return
    other, stale = differences(old, new, partial=partial, spell=spell)
    present = set(old.townships) | set(state.townships) | set(township_folders(folder))
    strays = sorted(present - set(data_townships))
    if strays and not other:
        other.append(f"文件夹中的乡镇 {'、'.join(strays[:20])}{'等' if len(strays) > 20 else ''} 不在本次数据中")
    if other:
        raise UsageError("\n".join([
            f"报告文件夹 {folder} 中是另一次运行的报告，与本次运行不同：",
            *(f"  - {line}" for line in other),
            "为免新旧报告混在一起，本次未运行任何乡镇。请换一个报告文件夹（--out），"
            "或加 --replace 用本次运行替换该文件夹中的报告（只删除 fupin 生成的文件）。",
        ]))
    if stale:
        raise UsageError("\n".join([
            f"只重跑部分乡镇（--township）会使报告文件夹 {folder} 中新旧报告混在一起：",
            *(f"  - {line}" for line in stale),
            "本次未运行任何乡镇。请不带 --township 运行（输入未变化的乡镇会被跳过），"
            "或加 --replace 让该文件夹只保留本次运行的乡镇。",
        ]))


def merged(state: BatchState, new: RunRecord, replace_folder: bool) -> RunRecord:
    """The record a run writes as it starts: the folder's townships and this run's, all unfinished."""
    old = None if replace_folder else state.run
    townships = {**(old.townships if old else {}), **new.townships}
    unfinished = set(old.unfinished if old else ()) | set(new.townships)
    return replace(new, townships=townships, unfinished=tuple(sorted(unfinished)))


__all__ = ["COUNTY_FILES", "LOCK_FILE", "STATE_DIR", "STATE_FILE", "BatchState", "RunRecord", "check_fits",
           "code_digest", "data_digest", "differences", "files_digest", "holds_reports", "inputs_digest",
           "is_report_folder", "merged", "read_run_record", "township_folders"]
