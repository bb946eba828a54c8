"""Errors a user can cause, in the user's terms.

A :class:`Problem` names where in the user's file something is wrong (file,
sheet, the row number Excel shows, the header the user wrote) and what was
expected, in Chinese with the English column name alongside. Loading and
validation collect every problem and raise one :class:`DataError`; the CLI
prints them all and exits 2, never with a traceback.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field

from fupin.core.text import safe_text

#: The most characters of a cell that a message quotes.
QUOTE_CHARS = 40

#: Exit statuses of the console command (docs/scheduling.md).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as the user sees it."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None  # 1-based row number as Excel shows it
    column: str | None = None  # the header the user wrote
    column_en: str | None = None  # the canonical English name
    value: object = None

    def format(self) -> str:
        """One line, e.g. ``households.csv 第5行 「家庭人口数」(size) 值「abc」：应为1到30的整数``.

        What came from the file (its name, sheet, header, value, and any of it in
        the message) is shown with invisible characters escaped (:func:`quote`).
        A personal value is masked by whoever builds the problem (:func:`fupin.core.privacy.masked`).
        """
        where = [safe_text(self.file)]
        if self.sheet:
            where.append(f"工作表「{safe_text(self.sheet)}」")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            col = f"列「{safe_text(self.column)}」"
            if self.column_en and self.column_en != self.column:
                col += f"({self.column_en})"
            where.append(col)
        text = " ".join(where)
        if self.value is not None:
            text += f" 值「{quote(self.value)}」"
        return f"{text}：{safe_text(self.message, keep=chr(10))}"

    def __str__(self) -> str:
        return self.format()


def quote(value: object) -> str:
    r"""A cell as a message shows it: control and invisible format characters escaped
    (:func:`fupin.core.text.safe_text`), long text cut in the middle.

    >>> quote("东风\x0b村"), quote("城关镇\u202e")
    ('东风\\x0b村', '城关镇\\u202e')
    >>> quote("/tmp/" + "a" * 100 + "/abs")
    '/tmp/aaaaaaaaaaaaaaaaaaaaaaaaa…aaaaaa/abs（共109个字符）'
    """
    text = str(value)
    if len(text) > QUOTE_CHARS:
        tail = QUOTE_CHARS // 4
        return f"{safe_text(text[:QUOTE_CHARS - tail])}…{safe_text(text[-tail:])}（共{len(text)}个字符）"
    return safe_text(text)


class FupinError(Exception):
    """Base of every error the console command reports without a traceback."""

    exit_status = EXIT_USAGE


class UsageError(FupinError):
    """Bad command-line use or configuration: a one-line message, exit 2."""


class UnknownTownshipError(UsageError, KeyError):
    """A township asked for by id or name that the data does not hold.

    A :class:`KeyError` (``county.township(key)`` is a lookup) whose message
    names the value asked for, the close matches and every valid choice.
    """

    def __init__(self, key: object, choices: dict[str, str], close: list[str] | None = None,
                 ambiguous: bool = False) -> None:
        self.key = key
        self.ambiguous = ambiguous
        self.choices = dict(choices)
        self.close = list(close or [])
        super().__init__(self.format())

    def format(self) -> str:
        valid = "、".join(f"{tid} {name}" for tid, name in self.choices.items()) or "（数据中没有乡镇）"
        if self.ambiguous:
            return f"有多个乡镇名为「{self.key}」，请用乡镇代码指定：{'、'.join(self.close)}"
        near = f"相近的有：{'、'.join(self.close)}。" if self.close else ""
        return (f"数据中没有乡镇「{self.key}」（乡镇代码或乡镇名称须与村表完全一致）。"
                f"{near}可选：{valid}")

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return self.format()


class EmptyAreaError(UsageError, ValueError):
    """The area asked for holds no village: there is nothing to report on."""


class ParameterError(UsageError, ValueError):
    """A notebook or command parameter no analyst means; every problem is listed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("参数有误：" + "；".join(self.problems))


class UnsafePath(UsageError):
    """A path built from data (an id) that would leave the report folder or pass through a symlink."""


@dataclass
class DataError(FupinError):
    """The input data has problems; all of them are listed."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.format())

    def format(self) -> str:
        head = f"输入数据有 {len(self.problems)} 处问题："
        return "\n".join([head, *(f"  - {p.format()}" for p in self.problems)])

    def __str__(self) -> str:
        return self.format()


# Errors of fupin's own modules (reading files, the warm kernel, mail), handled by the package.


class KernelSetupError(RuntimeError):
    """The kernel could not be started, primed or reset."""


class Refused(ValueError):
    """A file refused at a row (and column) before it is read in full: too wide, a cell too long."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


class Unconvertible(ValueError):
    """A cell that does not hold a value of its column's kind."""


class ReportIncomplete(Exception):
    """A configured township's folder lacks metrics.json or report.html."""


class DeliveryError(Exception):
    """The message reached no recipient (connection, login, sender or data refused)."""


def describe_os_error(exc: OSError) -> str:
    """A file-system error in the user's terms (full disk, permissions, ...)."""
    where = f"：{exc.filename}" if getattr(exc, "filename", None) else ""
    if exc.errno in {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}:
        return f"磁盘空间不足或文件超出限制，无法写入{where}"
    if exc.errno in {errno.EACCES, errno.EPERM, errno.EROFS}:
        return f"没有写入权限{where}"
    return f"{exc.strerror or exc}{where}"


class RemovedName(ImportError):
    """A module or name of the unreleased 0.1.0 that is gone; the message names the import that replaces it
    (:data:`fupin.REMOVED_MODULES`, :data:`fupin.MOVED_NAMES`).

    An ImportError, not an AttributeError, so that ``from fupin.figures.metrics import income_bands`` shows this
    message: Python replaces an AttributeError there with its own, which names no new import.
    """
