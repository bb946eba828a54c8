"""Files that are either complete or absent, file checksums, safe output paths, and bounded YAML reads.

Identifiers from the data (township ids) are data, never paths: every output
path built from one goes through :func:`id_path`, which accepts only a plain
file name (:func:`is_safe_name`), resolves the result and refuses
(:class:`~fupin.core.errors.UnsafePath`, exit 2) anything that would leave the
report folder or pass through a symbolic link, whatever validation let in.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from fupin.core.errors import UnsafePath, UsageError

#: The most bytes a YAML file of ours (the email configuration) may have, and the most nodes its
#: document may hold once every alias (``*name``) is expanded: a "billion laughs" is refused.
YAML_MAX_BYTES = 1 << 20
YAML_MAX_NODES = 100_000
#: A name an id may give a file or folder: the contract's id characters (ASCII letters,
#: digits, ``-`` and ``_``), 1 to 32 of them, on every platform.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")
#: Names Windows keeps for devices, whatever their case.
_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))})
#: What a refused id may be, in the user's words.
SAFE_NAME_RULE = "只能由1到32个英文字母、数字、-、_组成"


def is_reserved_name(name: str) -> bool:
    """Whether Windows keeps ``name`` for a device (CON, PRN, AUX, NUL, COM0-9, LPT0-9), in any case, any extension.

    >>> [is_reserved_name(x) for x in ("nul", "Com1.txt", "990101001", "CONSOLE")]
    [True, True, False, False]
    """
    return name.split(".", 1)[0].strip().upper() in _DEVICES


def is_safe_name(name: object) -> bool:
    """True when ``name`` may be used as a file or folder name as it is.

    >>> [is_safe_name(x) for x in ("990101001", "a-b_C", "../../x", "..", "/etc", "a b", "NUL", "")]
    [True, True, False, False, False, False, False, False]
    """
    return isinstance(name, str) and bool(_SAFE_NAME.fullmatch(name)) and name.upper() not in _DEVICES


def safe_name(name: object) -> str:
    """``name`` itself when :func:`is_safe_name`, else :class:`~fupin.core.errors.UnsafePath`.

    >>> safe_name("990101001")
    '990101001'
    """
    if not is_safe_name(name):
        raise UnsafePath(f"代码「{shown_value(name)}」不能用作文件或文件夹名（{SAFE_NAME_RULE}），未写入任何文件")
    return str(name)


def shown_value(value: object) -> str:
    r"""A value for a message: invisible characters spelt out, long text cut.

    >>> print(shown_value("a\x00b"), shown_value("城关镇"), shown_value("x" * 200)[-5:])
    a\x00b 城关镇 xx...
    """
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(value))
    return text if len(text) <= 120 else text[:117] + "..."


def _is_link(path: Path) -> bool:
    """A symbolic link or (Windows) a junction: never followed out of DIR."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    if stat.S_ISLNK(mode):
        return True
    isjunction = getattr(os.path, "isjunction", None)
    return bool(isjunction and isjunction(path))


def inside(root: Path, *parts: str) -> Path:
    """``root/part/...``, checked: each part one plain name, no symlink on the way, result inside ``root``.

    ``root`` is resolved first (the user chose it, links and all); below it
    nothing that exists may be a symbolic link, and the resolved result must
    lie inside the resolved root. Otherwise :class:`~fupin.core.errors.UnsafePath`.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> inside(root, ".fupin", "tmp") == root.resolve() / ".fupin" / "tmp"
    True
    >>> inside(root, "..")
    Traceback (most recent call last):
    fupin.core.errors.UnsafePath: 路径「..」不在报告文件夹中，未写入任何文件
    """
    base = Path(root).resolve()
    path = base
    for part in parts:
        name = str(part)
        if name in ("", ".", "..") or any(sep in name for sep in ("/", "\\", "\0", ":")) or Path(name).is_absolute():
            raise UnsafePath(f"路径「{shown_value(name)}」不在报告文件夹中，未写入任何文件")
        path = path / name
        if _is_link(path):
            raise UnsafePath(f"{path} 是符号链接：报告只写在报告文件夹 {base} 之内，不跟随链接。请删除该链接后重试")
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise UnsafePath(f"路径 {path} 不在报告文件夹 {base} 中，未写入任何文件")
    return path


def id_path(root: Path, identifier: object, *parts: str) -> Path:
    """``root/<identifier>/parts...``: the one way an id from the data becomes a path.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> id_path(root, "990101001", "report.html").relative_to(root.resolve()).as_posix()
    '990101001/report.html'
    """
    return inside(root, safe_name(identifier), *parts)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def atomic_write_bytes(path: Path, data: bytes, tmp_dir: Path | None = None) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    The temporary file lives in ``tmp_dir`` (default: the target's folder),
    which must be on the same file system so the rename is atomic on every
    platform, Windows included; it is removed if anything fails. The runner
    passes its private ``DIR/.fupin/tmp`` so that even a ``kill -9`` leaves
    no partial file among the reports.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    where = Path(tmp_dir) if tmp_dir is not None else path.parent
    where.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=where)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; reports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str, tmp_dir: Path | None = None) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"), tmp_dir)


def atomic_write_json(path: Path, obj: object, tmp_dir: Path | None = None) -> Path:
    """Write JSON (UTF-8, Chinese kept readable, full precision) atomically."""
    return atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n", tmp_dir)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _compared(path: Path) -> Path:
    """``path`` as paths are compared: absolute, links and ``..`` resolved, case folded where the OS folds it."""
    return Path(os.path.normcase(str(Path(path).expanduser().resolve())))


def same_path(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file or folder (links, ``..``, Windows case).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> same_path(root / "a" / ".." / "b", root / "b"), same_path(root / "a", root / "b")
    (True, False)
    """
    if _compared(a) == _compared(b):
        return True
    try:
        return os.path.samefile(a, b)  # a case-insensitive disk outside Windows, a hard link
    except OSError:
        return False


def is_within(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies inside it, once both are resolved.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> is_within(root / "data" / "x" / ".." / "log.txt", root / "data"), is_within(root / "log.txt", root / "data")
    (True, False)
    """
    target, base = _compared(path), _compared(folder)
    return target == base or base in target.parents or same_path(path, folder)


def check_outputs(outputs: Mapping[str, Path | None], data: Path | None, inputs: Iterable[Path] = ()) -> None:
    """Refuse (:class:`~fupin.core.errors.UsageError`, exit 2) an output path that would write an input.

    ``outputs`` maps an option (``--out``, ``--log``) to the path it names
    (None: not given). An output may not be an input file (``inputs``, or
    the data workbook), nor lie inside the data folder: fupin never writes
    into its data. Paths are compared resolved (links, ``..``, case on
    Windows). Files inside the data folder that are links to elsewhere count
    as inputs too.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / "data").mkdir()
    >>> check_outputs({"--log": root / "run.log"}, root / "data")
    >>> check_outputs({"--log": root / "data" / "incomes.csv"}, root / "data")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    fupin.core.errors.UsageError: --log 指向数据文件夹之内（...）：fupin 从不写入输入数据。请把它换到数据文件夹之外
    """
    files = [Path(p) for p in inputs]
    folder = None
    if data is not None:
        data = Path(data)
        if data.is_dir():
            folder = data
            try:
                files += [p for p in data.iterdir() if p.is_symlink()]
            except OSError:
                pass
        else:
            files.append(data)
    problems = []
    for option, path in outputs.items():
        if path is None:
            continue
        if folder is not None and is_within(path, folder):
            problems.append(f"{option} 指向数据文件夹之内（{shown_value(path)}，数据文件夹 {shown_value(folder)}）：fupin 从不写入输入数据。请把它换到数据文件夹之外")
        elif any(same_path(path, f) for f in files):
            problems.append(f"{option} 指向输入文件（{shown_value(path)}）：fupin 从不写入输入文件。请换一个路径")
    if problems:
        raise UsageError("；".join(problems))


def read_yaml(path: Path, what: str, max_bytes: int = YAML_MAX_BYTES, max_nodes: int = YAML_MAX_NODES) -> object:
    """The YAML document of `path` (UTF-8, a BOM allowed), read within bounds.

    `path` must be a regular file (not a folder, a device such as ``/dev/zero``
    or a pipe) of at most `max_bytes`, and its document may hold at most
    `max_nodes` nodes with every alias expanded, however deep (each alias
    counts the whole node it names). Anything else is a
    :class:`~fupin.core.errors.UsageError` naming `what` and the file; so is text
    that is not UTF-8 YAML. Only plain YAML types are built (``safe_load``).
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{what}不是普通文件：{path}（不能是文件夹、设备或管道）")
    with open(path, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UsageError(f"{what}不是普通文件：{path}（不能是文件夹、设备或管道）")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UsageError(f"{what}过大：{path}（最多 {max_bytes // 1024} KB）")

    class BoundedLoader(yaml.SafeLoader):
        """safe_load's loader that refuses a document larger than `max_nodes` once expanded."""

        def compose_document(self):  # type: ignore[no-untyped-def]
            node = super().compose_document()
            if not _nodes_within(node, max_nodes):
                raise UsageError(f"{what}展开后超过 {max_nodes:,} 个节点：{path}"
                                 "（YAML 别名 *名称 引用过多或层层嵌套；请直接写出各项）")
            return node

    try:
        return yaml.load(data.decode("utf-8-sig"), Loader=BoundedLoader)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{what}不是有效的 UTF-8 YAML：{path}\n{exc}") from None
    except RecursionError:
        raise UsageError(f"{what}嵌套过深：{path}") from None


def _nodes_within(root: object, limit: int) -> bool:
    """Whether the YAML node graph under `root`, aliases expanded, has at most `limit` nodes.

    Stops counting past `limit`, so a document that would expand without end costs `limit` steps.
    """
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            return False
        value = getattr(node, "value", None)
        if isinstance(value, list):  # a sequence holds nodes, a mapping (key, value) pairs of nodes
            for item in value:
                stack.extend(item if isinstance(item, tuple) else (item,))
    return True
