"""The console command ``fupin``: validate, generate, run, email.

Every error a user can cause is printed as a message in their terms with a
documented exit status (docs/scheduling.md); a traceback is shown
only with ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fupin.core.errors import EXIT_FAILED, FupinError, describe_os_error
from fupin.core.text import safe_text
from fupin.core.startup import defer_iri_grammar


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter with the usage line headed 用法： (its ``prefix`` argument)."""

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 - argparse's signature
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help reads in Chinese throughout.

    Arguments go into argument groups of its own titled 位置参数 and 选项
    (argparse's own groups, titled in English, stay empty and are not shown),
    ``-h`` says 显示本帮助并退出, the usage line is headed 用法： and a usage
    error reads ``fupin run：错误：...``. Subcommands' parsers are of this class too.
    """

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self.positional_group = self.add_argument_group("位置参数")
        self.option_group = self.add_argument_group("选项")
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def add_argument(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - argparse's signature
        optional = bool(args) and args[0][:1] in self.prefix_chars
        return (self.option_group if optional else self.positional_group).add_argument(*args, **kwargs)

    def error(self, message: str):  # noqa: ANN201 - never returns
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="fupin",
        description="扶贫监测分析：校验建档立卡数据，批量生成乡镇报告并发送给领导。",
    )
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的调用栈（报告问题给开发者时使用）")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令", help="fupin 命令 --help 显示该命令的用法")
    sub.required = True

    from fupin import commands

    for register in commands.REGISTRY:
        register(sub)
    return parser




def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fupin`` console script; returns the exit status."""
    _utf8_stdio()
    defer_iri_grammar()  # before anything imports jsonschema (nbformat): see fupin.core.startup
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except FupinError as exc:
        if args.debug:
            raise
        print(f"错误：{safe_text(exc, keep=chr(10))}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(f"错误：{safe_text(describe_os_error(exc), keep=chr(10))}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - last resort: no traceback for users
        if args.debug:
            raise
        print(
            f"内部错误：{type(exc).__name__}: {safe_text(exc)}\n请加 --debug 重新运行并把输出报告给开发者。",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _utf8_stdio() -> None:
    """Print Chinese on any console (Windows cmd defaults to GBK)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
