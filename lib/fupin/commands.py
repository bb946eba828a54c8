"""Subcommands of ``fupin``: argument parsing here, the work in the library."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from fupin.core.errors import EXIT_OK, UsageError
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
    from fupin.core.config import (
        DEFAULT_COLLECTIVE_INCOME_LINE, DEFAULT_GROWTH, DEFAULT_INDUSTRY_COVERAGE_LINE,
        DEFAULT_POVERTY_LINE, DEFAULT_VILLAGE_THRESHOLD,
    )

    p = sub.add_parser("run", help="按乡镇执行报告笔记本并导出 HTML 报告")
    p.add_argument("data", type=Path, help="数据文件夹或 .xlsx 工作簿")
    p.add_argument("--year", type=int, required=True, help="统计年度 Y（按 Y 年底状态，预测 Y+1 年）")
    p.add_argument("--out", type=Path, default=None, help="报告文件夹（默认 reports/<Y>）")
    p.add_argument("--township", action="append", default=None, metavar="ID", help="只运行这些乡镇（可重复）")
    p.add_argument("--poverty-line", type=float, default=DEFAULT_POVERTY_LINE, help="贫困线，元/人·年（默认 3500；大于0、小于1,000,000）：预测用它；往年脱贫户也按它核查，除非给出 --poverty-lines")
    p.add_argument("--poverty-lines", default=None, metavar="YEAR:LINE,...",
                   help="各年贫困线，如 2016:3000,2017:3200；national 为自带的国家农村贫困标准。"
                        "往年的规则（已脱贫户脱贫当年的收入）按当年的贫困线（表中该年，或之前最近一年）判断，"
                        "表中没有的更早年份和本次预测按 --poverty-line")
    p.add_argument("--bands", type=_floats, default=None, help="收入分组边界（默认随贫困线：L,L+500，即 3500,4000）")
    p.add_argument("--growth", type=float, default=DEFAULT_GROWTH, help="收入年增长率（默认 0）")
    p.add_argument("--village-threshold", type=float, default=DEFAULT_VILLAGE_THRESHOLD, help="贫困村退出阈值（默认 0.02）")
    p.add_argument("--collective-income-line", type=float, default=DEFAULT_COLLECTIVE_INCOME_LINE, metavar="C",
                   help="村集体经济收入标准，元/年：低于它为集体经济薄弱村（默认 50000）；"
                        "-p collective_income_exit=true 时也作为贫困村出列条件")
    p.add_argument("--industry-coverage-line", type=float, default=DEFAULT_INDUSTRY_COVERAGE_LINE, metavar="SHARE",
                   help="产业帮扶覆盖率标准：未脱贫户覆盖率低于它的村列入存在问题（默认 0.8）")
    p.add_argument("--workers", type=int, default=None, help="并行数（默认：CPU 核数）")
    p.add_argument("-p", "--parameter", type=_param, action="append", default=[], metavar="NAME=VALUE",
                   help="其他笔记本参数（未知名称会被拒绝）")
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
    p.add_argument("--log", type=Path, default=None, metavar="FILE",
                   help="把带时间戳的运行记录追加到 FILE（每个乡镇一行；超过 10 MB 自动轮换）")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
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
    from fupin.batch.jobs import RunParameters
    from fupin.batch.runner import REPORT_NOTEBOOKS, run_batch

    notebooks = args.notebooks or NOTEBOOKS_DIR
    out = args.out or REPORTS_DIR / str(args.year)
    # before the log is opened: no option may name an input file or a place inside the data
    check_outputs({"--out": out, "--log": args.log}, args.data, [notebooks / n for n in REPORT_NOTEBOOKS])
    _log_to(args.log)
    params = RunParameters(
        year=args.year, poverty_line=args.poverty_line, bands=args.bands, growth=args.growth,
        village_threshold=args.village_threshold, collective_income_line=args.collective_income_line,
        industry_coverage_line=args.industry_coverage_line, extra=dict(args.parameter),
        poverty_lines=args.poverty_lines,
    )
    if not notebooks.is_dir():
        raise UsageError(f"笔记本文件夹不存在：{notebooks}")
    batch = run_batch(
        args.data, params, out=args.out, townships=args.township, workers=args.workers,
        notebooks_dir=notebooks, cluster=args.cluster, force=args.force, replace=args.replace,
        start_timeout=args.start_timeout, cell_timeout=args.cell_timeout, progress=not args.quiet,
    )
    skipped = sum(r.skipped for r in batch.results)
    done = len(batch.results) - len(batch.failed)
    note = f"（其中 {skipped} 个输入未变化，沿用上次的报告；--force 可全部重跑）" if skipped else ""
    _say(f"完成 {done}/{len(batch.results)} 个乡镇{note}，用时 {batch.seconds:.1f} 秒。")
    for r in batch.failed:
        _say(f"失败：{r.township_name}（{r.township_id}）：{r.error}")
        if r.notebook:
            _say(f"  执行记录：{r.notebook}")
    _say(batch.index)
    return batch.exit_status


REGISTRY = [_validate, _generate, _run]


def _sample(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="重新生成自带的示例数据（sample/ 文件夹与 sample.xlsx）")
    p.add_argument("out", type=Path, nargs="?", default=None, help="输出文件夹（默认项目的 data/）")
    p.set_defaults(func=_run_sample)


def _run_sample(args: argparse.Namespace) -> int:
    from fupin.core.config import DATA_DIR
    from fupin.sample.generate import write_sample

    for path in write_sample(args.out or DATA_DIR):
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
    p.add_argument("--township", action="append", default=None, metavar="ID",
                   help="只处理这些乡镇（可重复；county 为县汇总）")
    p.add_argument("--smtp-host", default=None, help="SMTP 服务器（覆盖配置 smtp.host）")
    p.add_argument("--smtp-port", type=int, default=None, help="SMTP 端口（覆盖配置 smtp.port）")
    p.add_argument("--tls", default=None, metavar="MODE", help="starttls | ssl | none（覆盖配置 smtp.tls）")
    p.add_argument("--smtp-user", default=None, help="SMTP 用户名（覆盖配置 smtp.user）；密码只从环境变量 FUPIN_SMTP_PASSWORD 读取")
    p.set_defaults(func=_run_email)


def _run_email(args: argparse.Namespace) -> int:
    from fupin.mail import send
    from fupin.mail.config import load_config, smtp_password, with_smtp_overrides

    overrides = with_smtp_overrides(host=args.smtp_host, port=args.smtp_port, tls=args.tls, user=args.smtp_user)
    config = load_config(args.config, overrides)
    if args.dry_run is not None:
        from fupin.core.files import check_outputs
        from fupin.core.run_state import read_run_record

        record = read_run_record(args.dir)  # the data the reports were made from is never written either
        check_outputs({"--dry-run": args.dry_run}, Path(record.data) if record else None,
                      [args.config])
        batch = send.dry_run(args.dir, config, args.dry_run, only=args.township, echo=_say)
    else:
        send.plan(args.dir, config, args.township, sending=True)  # exit 2 before any password prompt
        password = smtp_password(config.smtp.user)
        batch = send.send_reports(args.dir, config, password, resend=args.resend, only=args.township, echo=_say)
    for line in batch.summary():
        _say(line)
    return batch.exit_status


REGISTRY.append(_email)
