"""Subcommands of ``fupin``: argument parsing here, the work in the library."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin.errors import EXIT_OK


def _validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="校验输入数据（文件夹或工作簿）")
    p.add_argument("data", type=Path, help="数据文件夹或 .xlsx 工作簿")
    p.set_defaults(func=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from fupin.load import load
    from fupin.summary import township_summary

    county = load(args.data)
    table = township_summary(county)
    print(f"数据有效：{args.data}")
    print(table.to_string(index=False))
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
    from fupin.generate import write_county

    paths = write_county(
        args.out,
        townships=args.townships,
        households=args.households,
        seed=args.seed,
        fmt=args.format,
    )
    for path in paths:
        print(path)
    return EXIT_OK


REGISTRY = [_validate, _generate]
