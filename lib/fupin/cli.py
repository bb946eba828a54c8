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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fupin",
        description="扶贫监测分析：校验建档立卡数据，批量生成乡镇报告并发送给领导。",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
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
