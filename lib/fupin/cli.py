"""The console command ``fupin``: validate, sample, generate, run, email.

Argument parsing is here, the work in the library (imported inside each command, so that
``fupin --help`` stays fast). Every error a user can cause is printed as a message in their
terms with a documented exit status (docs/scheduling.md); a traceback is shown only with
``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from fupin.core.errors import EXIT_FAILED, EXIT_OK, FupinError, UsageError, describe_os_error
from fupin.core.startup import defer_iri_grammar
from fupin.core.text import safe_text


def _say(line: object) -> None:
    """Print one message for the user: text from the data or a server in it (a name, a reply)
    shows its control and invisible characters escaped, never as terminal escapes."""
    print(safe_text(line, keep="\n"))


def _validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="校验输入数据（文件夹或工作簿）")
    p.add_argument("data", type=Path, help="数据文件夹或 .xlsx 工作簿")
    p.set_defaults(func=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from fupin.io.loading import load
    from fupin.io.summary import column_notes, township_summary

    county = load(args.data)
    table = township_summary(county)
    _say(f"数据有效：{args.data}")
    _say(table.to_string(index=False))
    for line in column_notes(county):
        _say(line)
    return EXIT_OK


def _generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="生成一个合成县的数据（测试与基准用）")
    p.add_argument("out", type=Path, help="输出文件夹")
    p.add_argument("--townships", type=int, default=6, help="乡镇数")
    p.add_argument("--households", type=int, default=5000, help="建档立卡户数（全县）")
    p.add_argument("--seed", type=int, default=0, help="随机种子")
    p.add_argument(
        "--format", choices=("csv", "parquet", "xlsx"), default="csv", help="文件格式"
    )
    p.set_defaults(func=_run_generate)


def _run_generate(args: argparse.Namespace) -> int:
    from fupin.sample.generate import write_county

    paths = write_county(
        args.out,
        townships=args.townships,
        households=args.households,
        seed=args.seed,
        fmt=args.format,
    )
    for path in paths:
        _say(path)
    return EXIT_OK


def _floats(text: str) -> tuple[float, ...]:
    from fupin.figures.parameters import parse_numbers

    try:
        return parse_numbers(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为逗号分隔的数字，如 3500,4000：{text}") from None


def _param(text: str) -> tuple[str, object]:
    import yaml

    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"应写成 NAME=VALUE：{text}")
    try:
        return name.strip(), yaml.safe_load(value)
    except yaml.YAMLError:
        raise argparse.ArgumentTypeError(f"参数值无法解析（数字、文字、列表如 [1, 2] 或表如 {{2019: 5250}}）：{text}") from None


def _run(sub: argparse._SubParsersAction) -> None:
    from fupin.figures.parameters import PARAMETERS

    p = sub.add_parser("run", help="按乡镇执行报告笔记本并导出 HTML 报告")
    p.add_argument("data", type=Path, help="数据文件夹或 .xlsx 工作簿")
    p.add_argument("--out", type=Path, default=None, help="报告文件夹（默认 reports/<Y>）")
    p.add_argument("--township", action="append", default=None, metavar="乡镇",
                   help="只运行这个乡镇：乡镇代码或名称，如 990101002 或 河口乡（可重复）")
    for d in PARAMETERS:  # the figures' parameters with an option, from their one declaration
        if d.option:
            shown = f"{d.default:g}" if isinstance(d.default, float) else d.default
            default = "必填" if d.name == "year" else f"默认 {shown}" if d.default is not None else "默认不设"
            p.add_argument(d.option, dest=d.name, default=None, required=d.name == "year",
                           metavar=d.name.upper(), help=f"{d.help}（{default}）".replace("%", "%%"))
    p.add_argument("--workers", type=int, default=None, help="并行数（默认：CPU 核数）")
    p.add_argument("-p", "--parameter", type=_param, action="append", default=[], metavar="NAME=VALUE",
                   help="其他笔记本参数，如 -p monitoring_line=5250、-p income_drop_share=0.25、"
                        "-p collective_income_exit=true（未知名称会被拒绝）")
    p.add_argument("--cell-timeout", type=float, default=600.0, help="单个代码单元的超时秒数（默认 600）")
    p.add_argument("--start-timeout", type=float, default=120.0, help="内核启动超时秒数（默认 120）")
    p.add_argument("--notebooks", type=Path, default=None, metavar="DIR",
                   help="使用 DIR 中的报告笔记本（默认为项目的 notebooks/）")
    p.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="在 Dask 集群上运行：调度器地址（如 tcp://host:8786）或 local:N（本机 N 个工作进程）")
    p.add_argument("--force", action="store_true", help="全部重新运行（默认跳过输入未变化的乡镇）")
    p.add_argument("--replace", action="store_true",
                   help="报告文件夹中已有另一次运行（其他数据或参数）的报告时，用本次运行替换它们："
                        "删除不属于本次运行的乡镇报告和县汇总页（只删除 fupin 生成的文件）")
    p.add_argument("--office", default="", metavar="落款",
                   help="乡镇 Word 汇报的落款，{乡镇} 代表乡镇名称，如 \"{乡镇}脱贫攻坚领导小组\"（默认 {乡镇}人民政府）")
    p.add_argument("--county-office", default="", metavar="落款",
                   help="县汇总 Word 汇报的落款，{县} 代表县名称（默认 {县}扶贫开发领导小组办公室）")
    p.add_argument("--pdf", action="store_true",
                   help="同时把每个乡镇的报告和县汇总页打印成 A4 PDF（report.pdf、index.pdf，便于微信转发）；"
                        "需要本机已安装 Chromium、Chrome 或 Edge，没有时提示一次，其余报告照常生成")
    p.add_argument("--log", type=Path, default=None, metavar="FILE",
                   help="把带时间戳的运行记录追加到 FILE（每个乡镇一行；超过 10 MB 自动轮换）")
    p.add_argument("--quiet", action="store_true",
                   help="成功时什么也不显示（供 cron 使用：只有失败时才列出失败的乡镇和原因）")
    p.set_defaults(func=_run_run)


class LogFormatter(logging.Formatter):
    """The ``--log`` line format: one line per record, text from the data in it escaped (:func:`safe_text`)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return safe_text(super().formatMessage(record))

    def formatException(self, ei) -> str:  # noqa: N802, ANN001 - logging's name
        return safe_text(super().formatException(ei), keep="\n")


def _log_to(path: Path | None) -> None:
    """``--log FILE``: timestamped lines of the ``fupin`` loggers, rotated at 10 MB."""
    import logging
    from logging.handlers import RotatingFileHandler

    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=10 * 2**20, backupCount=5, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"无法写入日志文件 {path}：{exc.strerror or exc}") from exc
    handler.setFormatter(LogFormatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger = logging.getLogger("fupin")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _run_run(args: argparse.Namespace) -> int:
    from fupin.core.config import NOTEBOOKS_DIR, REPORTS_DIR
    from fupin.core.files import check_outputs
    from fupin.batch.runner import REPORT_NOTEBOOKS, run_batch
    from fupin.figures.parameters import DECLARED, PARAMETERS, report_parameters, spell_option

    notebooks = args.notebooks or NOTEBOOKS_DIR
    given = {d.name: getattr(args, d.name) for d in PARAMETERS if d.option and getattr(args, d.name) is not None}
    by_p = {k: v for k, v in args.parameter if k in DECLARED and not DECLARED[k].option}
    extra = {k: v for k, v in args.parameter if k not in by_p}  # checked against the notebooks by run_batch
    params = report_parameters(spell=spell_option, **given, **by_p)  # every problem at once, exit 2
    out = args.out or REPORTS_DIR / str(params.year)
    # before the log is opened: no option may name an input file or a place inside the data
    check_outputs({"--out": out, "--log": args.log}, args.data, [notebooks / n for n in REPORT_NOTEBOOKS])
    _log_to(args.log)
    if not notebooks.is_dir():
        raise UsageError(f"笔记本文件夹不存在：{notebooks}")
    batch = run_batch(
        args.data, params, out=args.out, townships=args.township, workers=args.workers,
        notebooks_dir=notebooks, cluster=args.cluster, force=args.force, replace=args.replace,
        start_timeout=args.start_timeout, cell_timeout=args.cell_timeout, progress=not args.quiet, extra=extra,
        pdf=args.pdf, office=args.office.strip(), county_office=args.county_office.strip(),
    )
    for note in batch.notes:  # asked for and not done (no browser): said even under --quiet
        _say(note)
    if args.quiet and batch.exit_status == EXIT_OK:
        return EXIT_OK  # cron mails any output: nothing on success
    skipped = sum(r.skipped for r in batch.results)
    done = len(batch.results) - len(batch.failed)
    note = f"（其中 {skipped} 个输入未变化，沿用上次的报告；--force 可全部重跑）" if skipped else ""
    _say(f"完成 {done}/{len(batch.results)} 个乡镇{note}，用时 {batch.seconds:.1f} 秒。")
    for r in batch.failed:
        _say(f"失败：{r.township_name}（{r.township_id}）：{r.error}")
        if r.notebook:
            _say(f"  执行记录：{r.notebook}")
    for line in batch.pdf_failed:
        _say(f"PDF 生成失败：{line}")
    _say(batch.index)
    return batch.exit_status


REGISTRY = [_validate, _generate, _run]


def _sample(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="重新生成自带的示例数据（sample/ 文件夹、sample.xlsx、人员表形式的 sample_roster.xlsx，以及续到2021年、带监测对象表的 sample_2021/）")
    p.add_argument("out", type=Path, nargs="?", default=None, help="输出文件夹（默认项目的 data/）")
    p.set_defaults(func=_run_sample)


def _run_sample(args: argparse.Namespace) -> int:
    from fupin.core.config import DATA_DIR
    from fupin.sample.generate import write_sample

    from fupin.sample.generate_registry import write_sample_2021

    for path in [*write_sample(args.out or DATA_DIR), *write_sample_2021(args.out or DATA_DIR)]:
        _say(path)
    return EXIT_OK


REGISTRY.append(_sample)


def _email(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("email", help="把各乡镇报告（及县汇总）发送给配置的收件人")
    p.add_argument("dir", type=Path, help="fupin run 生成的报告文件夹")
    p.add_argument("--config", type=Path, default=Path("email.yml"), metavar="FILE",
                   help="邮件配置 YAML（默认当前目录的 email.yml；示例见 email.example.yml）")
    p.add_argument("--dry-run", type=Path, default=None, metavar="OUTDIR",
                   help="不发送，把每封邮件写成 OUTDIR/<乡镇代码>.eml、county.eml")
    p.add_argument("--resend", action="store_true", help="已发送过的也重新发送")
    p.add_argument("--township", action="append", default=None, metavar="乡镇",
                   help="只处理这个乡镇：乡镇代码或名称（可重复；county 为县汇总）")
    p.add_argument("--smtp-host", default=None, help="SMTP 服务器（覆盖配置 smtp.host）")
    p.add_argument("--smtp-port", type=int, default=None, help="SMTP 端口（覆盖配置 smtp.port）")
    p.add_argument("--tls", default=None, metavar="MODE", help="starttls | ssl | none（覆盖配置 smtp.tls）")
    p.add_argument("--smtp-user", default=None, help="SMTP 用户名（覆盖配置 smtp.user）；密码只从环境变量 FUPIN_SMTP_PASSWORD 读取")
    p.add_argument("--quiet", action="store_true",
                   help="全部成功时什么也不显示（供 cron 使用：只有失败时才有输出）")
    p.set_defaults(func=_run_email)


def _run_email(args: argparse.Namespace) -> int:
    from fupin.mail import send
    from fupin.mail.config import load_config, smtp_password, with_smtp_overrides

    echo = (lambda _line: None) if args.quiet else _say
    overrides = with_smtp_overrides(host=args.smtp_host, port=args.smtp_port, tls=args.tls, user=args.smtp_user)
    config = load_config(args.config, overrides)
    if args.dry_run is not None:
        from fupin.core.files import check_outputs
        from fupin.core.run_state import read_run_record

        record = read_run_record(args.dir)  # the data the reports were made from is never written either
        check_outputs({"--dry-run": args.dry_run}, Path(record.data) if record else None,
                      [args.config])
        batch = send.dry_run(args.dir, config, args.dry_run, only=args.township, echo=echo)
    else:
        send.plan(args.dir, config, args.township, sending=True)  # exit 2 before any password prompt
        password = smtp_password(config.smtp.user)
        batch = send.send_reports(args.dir, config, password, resend=args.resend, only=args.township, echo=echo)
    if args.quiet:  # cron mails any output: only what failed, and why
        for outcome in batch.outcomes:
            if not outcome.ok:
                _say(outcome.line())
        if batch.exit_status == EXIT_OK:
            return EXIT_OK
    for line in batch.summary(skips=not args.quiet):
        _say(line)
    return batch.exit_status


REGISTRY.append(_email)


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

    for register in REGISTRY:
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
