"""Deliver each township's report to its leaders by email (``fupin email``).

One message per configured township of a report folder, and one for the
county page, built with the standard :mod:`email` package in the shape that
corporate mail clients (Outlook included) render reliably::

    multipart/mixed                     only with ``attach_report`` or ``attach_docx: true``
      multipart/alternative
        text/plain                      headline figures, 基本情况, 存在问题
        multipart/related
          text/html                     inline styles, table layout, < 100 KB
          image/png  x 2-3              charts: Content-ID + Content-Disposition inline
      text/html  (attachment)           the full report.html, RFC 2231 file name
      application/vnd...document        report.docx (county.docx), with ``attach_docx``

What was delivered is recorded per recipient in ``DIR/email-ledger.json``
(:class:`Ledger`), keyed by the report's checksum, so running the command
again sends nothing new unless a report changed or ``resend`` is asked for.
The SMTP password comes only from ``FUPIN_SMTP_PASSWORD`` (or a prompt) and
is never printed, logged or recorded. Configuration: docs/email.md.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import re
import secrets
import smtplib
import socket
import ssl
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any

from fupin.config import COUNTY_DOCX, TOWNSHIP_DOCX
from fupin.errors import EXIT_FAILED, EXIT_OK, DeliveryError, ReportIncomplete, UsageError
from fupin.fsutil import atomic_write_bytes, atomic_write_json, inside, is_safe_name, sha256_file
from fupin.literal import file_name, finalize, url_segment, without_controls
from fupin.state import FolderLock

#: The only place the SMTP password is read from (besides an interactive prompt).
PASSWORD_ENV = "FUPIN_SMTP_PASSWORD"
#: The recipients key of the county page's message.
COUNTY = "county"
#: The delivery record inside the report folder, and its lock while sending.
LEDGER_NAME = "email-ledger.json"
LOCK_NAME = ".email-ledger.lock"
LEDGER_FORMAT = "fupin-email-ledger/1"

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT = 30.0
DEFAULT_SUBJECT = "【{county}】{township}{year}年脱贫攻坚情况报告：贫困发生率{incidence}"
DEFAULT_COUNTY_SUBJECT = "【{county}】{year}年脱贫攻坚情况（乡镇汇总）：全县贫困发生率{incidence}"

#: Chart resolution and display width: sharp enough, each PNG a few tens of KB.
CHART_DPI = 96
BODY_WIDTH = 640
CHART_WIDTH = BODY_WIDTH - 40
#: Gmail clips bodies past ~102 KB; the HTML part stays under this (UTF-8 bytes).
HTML_LIMIT = 100_000

#: Placeholders of the subject templates, with what each stands for.
SUBJECT_FIELDS: dict[str, str] = {
    "county": "县名",
    "township": "乡镇名（县汇总邮件中为县名）",
    "township_id": "乡镇代码（县汇总邮件中为 county）",
    "year": "统计年度 Y",
    "target_year": "预测年度 Y+1",
    "incidence": "Y年底贫困发生率，如 3.23%",
    "projected_incidence": "Y+1年预计贫困发生率",
    "remaining": "Y年底未脱贫，如 415户924人",
    "exits": "Y+1年拟脱贫户数人数",
    "title": "报告标题，如 城关镇2018年脱贫攻坚情况报告",
}

_TOP_KEYS = ("smtp", "sender", "subject", "county_subject", "attach_report", "attach_docx", "report_url",
             "recipients")
#: The MIME type of the Word documents ``fupin run`` writes (fupin.docx_report).
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
_SMTP_KEYS = ("host", "port", "tls", "user", "cafile", "timeout")
_ENTRY_KEYS = ("to", "cc")
_ADDR = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")

Metrics = Mapping[str, Any]


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Recipients:
    """The To and Cc addresses of one message, as written in the configuration."""

    to: tuple[str, ...]
    cc: tuple[str, ...] = ()

    def envelope(self) -> list[str]:
        """Bare addresses (addr-spec) for RCPT TO: To then Cc, each once (case-insensitive)."""
        seen: set[str] = set()
        out: list[str] = []
        for _name, addr in getaddresses([*self.to, *self.cc]):
            if addr and addr.lower() not in seen:
                seen.add(addr.lower())
                out.append(addr)
        return out


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect; no password here (see :func:`smtp_password`)."""

    host: str | None = None
    port: int = 587
    tls: str = "starttls"
    user: str | None = None
    cafile: Path | None = None
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class MailConfig:
    """The checked email configuration (docs/email.md)."""

    smtp: SmtpSettings
    sender: str
    recipients: dict[str, Recipients]
    subject: str = DEFAULT_SUBJECT
    county_subject: str = DEFAULT_COUNTY_SUBJECT
    attach_report: bool = False
    report_url: str | None = None
    attach_docx: bool = False

    @property
    def sender_address(self) -> str:
        """The sender's bare address, for MAIL FROM and Message-ID domains."""
        return getaddresses([self.sender])[0][1]


def load_config(path: Path, overrides: Mapping[str, Any] | None = None) -> MailConfig:
    """Read the YAML configuration at `path`; `overrides` replace keys of ``smtp``.

    Every problem found is listed in one :class:`UsageError` (exit 2).
    Relative ``smtp.cafile`` paths are taken from the configuration's folder.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"找不到邮件配置文件：{path}（写法见项目根目录的 email.example.yml 和 docs/email.md）")
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"邮件配置文件不是有效的 UTF-8 YAML：{path}\n{exc}") from None
    return parse_config(raw, source=str(path), base=path.parent, overrides=overrides)


def parse_config(
    raw: object, source: str = "邮件配置", base: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> MailConfig:
    """Check a configuration mapping (as YAML gives it) and return it typed.

    >>> c = parse_config({"sender": "扶贫办 <bot@example.cn>", "smtp": {"host": "mail", "tls": "ssl"},
    ...                   "recipients": {"county": {"to": "a@example.cn"}}})
    >>> c.smtp.port, c.recipients["county"].envelope(), c.sender_address
    (465, ['a@example.cn'], 'bot@example.cn')
    """
    if not isinstance(raw, Mapping):
        raise UsageError(f"{source}：内容应为“键: 值”的映射（见 email.example.yml）")
    problems: list[str] = []
    problems += [f"未知的配置项「{key}」（可用：{'、'.join(_TOP_KEYS)}）" for key in raw if key not in _TOP_KEYS]
    smtp = _parse_smtp({**(raw.get("smtp") or {}), **(overrides or {})} if _is_map_or_none(raw.get("smtp")) else None,
                       base or Path.cwd(), problems)
    sender = _parse_sender(raw.get("sender"), problems)
    subject = _parse_subject(raw.get("subject", DEFAULT_SUBJECT), "subject", problems)
    county_subject = _parse_subject(raw.get("county_subject", DEFAULT_COUNTY_SUBJECT), "county_subject", problems)
    attach = raw.get("attach_report", False)
    if not isinstance(attach, bool):
        problems.append(f"attach_report 应为 true 或 false，而不是「{attach}」")
    attach_docx = raw.get("attach_docx", False)
    if not isinstance(attach_docx, bool):
        problems.append(f"attach_docx 应为 true 或 false，而不是「{attach_docx}」")
    report_url = raw.get("report_url")
    if report_url is not None and not (isinstance(report_url, str) and re.match(r"https?://\S+$", report_url)):
        problems.append(f"report_url 应为 http:// 或 https:// 开头的网址，而不是「{report_url}」")
    recipients = _parse_recipients(raw.get("recipients"), problems)
    if problems:
        raise UsageError(f"{source} 有 {len(problems)} 处问题：\n" + "\n".join(f"  - {p}" for p in problems))
    return MailConfig(smtp=smtp, sender=sender, recipients=recipients, subject=subject,
                      county_subject=county_subject, attach_report=bool(attach), report_url=report_url,
                      attach_docx=bool(attach_docx))


def _is_map_or_none(value: object) -> bool:
    """True for a mapping or a missing value."""
    return value is None or isinstance(value, Mapping)


def _parse_smtp(raw: Mapping[str, Any] | None, base: Path, problems: list[str]) -> SmtpSettings:
    """The ``smtp`` section (command-line overrides already merged in)."""
    if raw is None:
        problems.append("smtp 应为映射（host、port、tls、user）")
        return SmtpSettings()
    if "password" in raw:
        problems.append(f"smtp.password：密码不能写在配置文件里，请用环境变量 {PASSWORD_ENV} 提供")
    problems += [f"未知的配置项「smtp.{key}」（可用：{'、'.join(_SMTP_KEYS)}）"
                 for key in raw if key not in _SMTP_KEYS and key != "password"]
    tls = raw.get("tls", "starttls") if raw.get("tls") is not None else "starttls"
    if tls not in TLS_MODES:
        problems.append(f"smtp.tls「{tls}」无效，应为 {' | '.join(TLS_MODES)} 之一")
        tls = "starttls"
    port = _parse_port(raw.get("port"), DEFAULT_PORTS[tls], problems)
    host, user = raw.get("host"), raw.get("user")
    for key, value in (("host", host), ("user", user)):
        if value is not None and (not isinstance(value, str) or not value.strip() or re.search(r"\s", value.strip())):
            problems.append(f"smtp.{key}「{value}」无效")
    cafile = raw.get("cafile")
    if cafile is not None:
        cafile = (base / str(cafile)).resolve()
        if not cafile.is_file():
            problems.append(f"smtp.cafile 文件不存在：{cafile}")
    timeout = raw.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        problems.append(f"smtp.timeout 应为正数（秒），而不是「{timeout}」")
        timeout = DEFAULT_TIMEOUT
    return SmtpSettings(host=host.strip() if isinstance(host, str) else None, port=port, tls=tls,
                        user=user.strip() if isinstance(user, str) else None, cafile=cafile, timeout=float(timeout))


def _parse_port(value: object, default: int, problems: list[str]) -> int:
    """A TCP port (int or digits); missing -> the TLS mode's default."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        problems.append(f"smtp.port「{value}」无效，应为 1–65535 的整数")
        return default
    return value


def _mailbox(text: object) -> str | None:
    """The addr-spec of one mailbox (``a@b`` or ``名字 <a@b>``), or None when it is not one."""
    if not isinstance(text, str) or re.search(r"[\r\n]", text):
        return None
    pairs = getaddresses([text])
    if len(pairs) != 1 or not _ADDR.fullmatch(pairs[0][1]):
        return None
    return pairs[0][1]


def _parse_sender(value: object, problems: list[str]) -> str:
    """``sender``: required, one mailbox."""
    if value is None or value == "":
        problems.append("缺少 sender（发件人，如 \"示例县扶贫办 <report-bot@example.gov.cn>\"）")
        return ""
    if _mailbox(value) is None:
        problems.append(f"sender「{value}」不是有效的邮件地址")
        return ""
    return str(value).strip()


def _parse_subject(value: object, key: str, problems: list[str]) -> str:
    """A subject template: one line whose placeholders are all in SUBJECT_FIELDS."""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key} 应为非空文字")
        return DEFAULT_SUBJECT
    try:
        value.format_map({name: "x" for name in SUBJECT_FIELDS})
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        names = "、".join("{" + n + "}" for n in SUBJECT_FIELDS)
        problems.append(f"{key}「{value}」的占位符无效（{exc}）；可用：{names}")
    return " ".join(value.split())


def _addresses(value: object, where: str, problems: list[str]) -> tuple[str, ...]:
    """A list of mailboxes (or one as a string); bad ones are problems."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        problems.append(f"{where} 应为邮件地址列表")
        return ()
    bad = [str(item) for item in items if _mailbox(item) is None]
    problems += [f"{where}：「{item}」不是有效的邮件地址" for item in bad]
    return tuple(str(item).strip() for item in items if _mailbox(item) is not None)


def _parse_recipients(raw: object, problems: list[str]) -> dict[str, Recipients]:
    """``recipients``: township id (or ``county``) -> {to, cc}."""
    if not isinstance(raw, Mapping) or not raw:
        problems.append("缺少 recipients（每个乡镇代码及 county 的收件人 to / 抄送 cc）")
        return {}
    out: dict[str, Recipients] = {}
    for key, entry in raw.items():
        name = str(key)
        where = f"recipients.{name}"
        if isinstance(entry, (str, list)):
            entry = {"to": entry}
        if not isinstance(entry, Mapping):
            problems.append(f"{where} 应为 {{to: [...], cc: [...]}}")
            continue
        problems += [f"未知的配置项「{where}.{k}」（可用：to、cc）" for k in entry if k not in _ENTRY_KEYS]
        to = _addresses(entry.get("to"), f"{where}.to", problems)
        cc = _addresses(entry.get("cc"), f"{where}.cc", problems)
        if not entry.get("to"):
            problems.append(f"{where}.to 至少要有一个收件人")
        out[name] = Recipients(to=to, cc=cc)
    return out


def smtp_password(user: str | None, environ: Mapping[str, str] | None = None,
                  interactive: bool | None = None) -> str | None:
    """The SMTP password: ``$FUPIN_SMTP_PASSWORD``, else a prompt on a terminal.

    None when no user is configured (no login). With a user, no variable and
    no terminal, a UsageError (exit 2) says how to provide it.
    """
    if not user:
        return None
    password = (os.environ if environ is None else environ).get(PASSWORD_ENV)
    if password:
        return password
    if interactive if interactive is not None else sys.stdin.isatty():
        try:
            return getpass.getpass(f"SMTP 用户 {user} 的密码：")
        except EOFError:
            raise UsageError(f"没有输入 SMTP 用户 {user} 的密码；也可以用环境变量 {PASSWORD_ENV} 提供") from None
    raise UsageError(f"SMTP 用户 {user} 需要密码：请设置环境变量 {PASSWORD_ENV}（不要写进配置文件）")


# ---------------------------------------------------------------- the report folder


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


def _read_json(path: Path) -> dict[str, Any]:
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
    return Report(key=key, metrics=_read_json(data), html=html, checksum=report_checksum(files),
                  docx=word if docx else None)


def township_metrics_in(folder: Path, ids: Sequence[str]) -> list[dict[str, Any]]:
    """metrics.json of each township folder that has one, in id order."""
    out = []
    for tid in ids:
        path = folder / tid / "metrics.json"
        if path.is_file():
            try:
                out.append(_read_json(path))
            except ReportIncomplete:
                continue
    return out


# ---------------------------------------------------------------- message content


@dataclass(frozen=True)
class Chart:
    """One inline chart: PNG bytes, its Content-ID (no brackets) and display size."""

    name: str
    title: str
    png: bytes
    cid: str
    width: int
    height: int


@dataclass(frozen=True)
class Table:
    """A plain table for the county message: header labels and cell dicts (label, href)."""

    headers: list[str]
    rows: list[list[dict[str, Any]]]


@dataclass(frozen=True)
class Content:
    """Everything a message shows, in both the HTML and the plain-text part."""

    title: str
    subtitle: str
    kpis: list[tuple[str, str]]
    overview_heading: str
    paragraph: str
    problems: list[str]
    charts: list[Chart]
    note: str
    link: str | None
    footer: list[str]
    table: Table | None = None
    table_heading: str = "各乡镇情况"
    charts_heading: str = "主要图表"
    problems_heading: str = "存在问题"


def subject_fields(m: Metrics) -> dict[str, str]:
    """The values of the subject placeholders (see SUBJECT_FIELDS) for a metrics dict."""
    from fupin import report
    from fupin.narrative import area_name
    from fupin.style import fmt_hh_people, fmt_pct

    projection = m.get("projection") or {}
    return {
        "county": str(m.get("county_name") or ""),
        "township": area_name(m),
        "township_id": str(m.get("township_id") or COUNTY),
        "year": str(m.get("year", "")),
        "target_year": str(m.get("target_year", "")),
        "incidence": fmt_pct(m.get("incidence")),
        "projected_incidence": fmt_pct(projection.get("incidence")),
        "remaining": fmt_hh_people(m.get("remaining")),
        "exits": fmt_hh_people(projection.get("exits")),
        "title": report.title(dict(m)),
    }


def render_subject(template: str, m: Metrics) -> str:
    """The subject line: `template` filled from `m`, on one line.

    >>> render_subject("【{county}】{township}{year}年：{incidence}", {"county_name": "示例县",
    ...     "township_id": "1", "township_name": "城关镇", "year": 2018, "incidence": 0.0323})
    '【示例县】城关镇2018年：3.23%'
    """
    return " ".join(without_controls(template.format_map(subject_fields(m))).split())


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _chart(name: str, fig: Any, title: str, domain: str) -> Chart:
    """Render `fig` at CHART_DPI and size it for the message body (never upscaled)."""
    from fupin.display import figure_png

    png = figure_png(fig, dpi=CHART_DPI)
    fig.clf()
    width, height = png_size(png)
    shown = min(width, CHART_WIDTH)
    return Chart(name=name, title=title, png=png, cid=content_id(name, domain),
                 width=shown, height=round(height * shown / width))


def content_id(name: str, domain: str) -> str:
    """A short unique Content-ID (no brackets), so its header never needs folding."""
    return f"{name}.{secrets.token_hex(6)}@{domain}"


def township_charts(m: Metrics, domain: str) -> list[Chart]:
    """The key charts of a township: incidence trend, income bands, exits by village."""
    from fupin import plots
    from fupin.reference import national_series

    return [
        _chart("incidence-trend", plots.incidence_trend_chart(m, national_series()), "贫困发生率变化", domain),
        _chart("income-bands", plots.income_band_chart(m), "贫困户人均纯收入预计分布", domain),
        _chart("exits-by-village", plots.exits_by_village_chart(m), "各村未退出贫困人口及预计退出", domain),
    ]


def county_charts(summary: Metrics, townships: Sequence[Metrics], domain: str) -> list[Chart]:
    """The county's charts: incidence per township (index.html's chart) and the county trend."""
    from fupin import plots
    from fupin.reference import national_series

    charts = []
    if townships:
        charts.append(_chart("townships", plots.county_overview_chart(townships), "各乡镇贫困发生率", domain))
    charts.append(_chart("incidence-trend", plots.incidence_trend_chart(summary, national_series()),
                         "全县贫困发生率变化", domain))
    return charts


#: The columns of index.html's township table that fit a 640-pixel message.
TABLE_COLUMNS = ("乡镇", "建档立卡", "未脱贫", "贫困发生率", "预计脱贫", "预计发生率", "拟出列贫困村")


def county_table(townships: Sequence[Metrics], report_url: str | None) -> Table:
    """index.html's table of townships (its cells, TABLE_COLUMNS only); names link when report_url is set."""
    from fupin.county_table import HEADERS, township_row

    keep = [HEADERS.index(h) for h in TABLE_COLUMNS]
    rows = []
    for m in townships:
        row = [township_row(dict(m))[i] for i in keep]
        row[0] = {**row[0], "href": f"{report_url.rstrip('/')}/{url_segment(m['township_id'])}/report.html" if report_url else ""}
        rows.append(row)
    return Table(headers=list(TABLE_COLUMNS), rows=rows)


def attachment_name(report: Report) -> str:
    """The attached HTML's file name, e.g. ``城关镇2018年脱贫攻坚情况报告.html``."""
    from fupin import report as words

    if report.key == COUNTY:
        return file_name(f"{report.name}{report.metrics.get('year', '')}年脱贫攻坚情况（乡镇汇总）.html")
    return file_name(f"{words.title(report.metrics)}.html")


def docx_attachment_name(report: Report) -> str:
    """The attached Word document's file name, e.g. ``城关镇2018年脱贫攻坚情况报告.docx``."""
    return str(Path(attachment_name(report)).with_suffix(".docx"))


def _note(report: Report, config: MailConfig) -> tuple[str, str | None]:
    """Where the full report is: attached, online, or kept with the report folder."""
    what = "全县汇总页（各乡镇报告链接、数据说明）" if report.key == COUNTY else "完整报告（各村情况、数据说明等）"
    link = None
    if config.report_url:
        page = "index.html" if report.key == COUNTY else f"{url_segment(report.key)}/report.html"
        link = f"{config.report_url.rstrip('/')}/{page}"
    word = f"Word版（公文格式）见附件《{docx_attachment_name(report)}》。" if report.docx else ""
    if config.attach_report:
        note = f"{what}见附件《{attachment_name(report)}》，请用浏览器打开。{word}"
        return (note + "也可在线查看：" if link else note), link
    if word:
        return (f"{word}{what}可在线查看：", link) if link else (word, None)
    if link:
        return f"{what}可在线查看：", link
    return f"{what}已随本期报告生成，如需查阅请与发件人联系。", None


def _footer(report: Report) -> list[str]:
    """Traceability lines: the generator, the report's checksum and the time."""
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    return [
        "本邮件由扶贫监测系统（fupin）根据报告文件自动生成，图表数字与完整报告一致。",
        f"报告校验码 sha256:{report.checksum[:16]} · 生成于 {stamp}",
    ]


def build_content(report: Report, config: MailConfig, folder: Path, township_ids: Sequence[str]) -> Content:
    """What the message of `report` shows: words from fupin.narrative/report, charts from fupin.plots."""
    from fupin import narrative
    from fupin import report as words

    m = report.metrics
    domain = config.sender_address.rpartition("@")[2]
    note, link = _note(report, config)
    common = {"subtitle": words.subtitle(dict(m)), "kpis": words.kpis(dict(m)),
              "paragraph": narrative.basic_situation(m), "problems": narrative.problems(m),
              "note": note, "link": link, "footer": _footer(report)}
    if report.key != COUNTY:
        return Content(title=words.title(dict(m)), overview_heading="基本情况",
                       charts=township_charts(m, domain), **common)
    townships = township_metrics_in(folder, township_ids)
    return Content(title=f"{report.name}{m.get('year', '')}年脱贫攻坚情况（乡镇汇总）",
                   overview_heading=f"{narrative.whole_area(m)}基本情况",
                   charts=county_charts(m, townships, domain), table=county_table(townships, config.report_url),
                   problems_heading=f"{narrative.whole_area(m)}存在问题", **common)


def html_body(content: Content) -> str:
    """The HTML part, from templates/email.html.j2 (autoescaped)."""
    import jinja2

    from fupin.config import TEMPLATES_DIR

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False, finalize=finalize)
    return env.get_template("email.html.j2").render(c=content, width=BODY_WIDTH)


def fitted_html(content: Content) -> str:
    """The HTML part, under HTML_LIMIT bytes: a county with very many townships
    keeps its township table in the plain-text part (and the summary page) only."""
    html = html_body(content)
    if len(html.encode("utf-8")) > HTML_LIMIT and content.table:
        note = f"乡镇较多，{content.table_heading}表见本邮件的纯文本部分。{content.note}"
        html = html_body(replace(content, table=None, note=note))
    return html


def text_body(content: Content) -> str:
    """The plain-text part: title, headline figures, 基本情况, 存在问题, where the full report is."""
    lines = [content.title, content.subtitle, "", "【主要指标】"]
    lines += [f"  {label}：{value}" for value, label in content.kpis]
    lines += ["", f"【{content.overview_heading}】", content.paragraph]
    if content.table:
        lines += ["", f"【{content.table_heading}】"]
        for row in content.table.rows:
            cells = (f"{h} {c['label']}" for h, c in zip(content.table.headers[1:], row[1:]))
            lines.append(f"  {row[0]['label']}：" + "；".join(cells))
    lines += ["", f"【{content.problems_heading}】"]
    lines += [f"  {i}. {item}" for i, item in enumerate(content.problems, 1)] or ["  未发现问题。"]
    lines += ["", content.note + (f" {content.link}" if content.link else ""), "", "-- ", *content.footer]
    return "\n".join(lines) + "\n"


def build_message(report: Report, config: MailConfig, folder: Path, township_ids: Sequence[str]) -> EmailMessage:
    """The complete message of one report, addressed to its configured To and Cc."""
    content = build_content(report, config, folder, township_ids)
    recipients = config.recipients[report.key]
    template = config.county_subject if report.key == COUNTY else config.subject
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = render_subject(template, report.metrics)
    msg["From"] = config.sender
    msg["To"] = ", ".join(recipients.to)
    if recipients.cc:
        msg["Cc"] = ", ".join(recipients.cc)
    msg["Date"] = format_datetime(dt.datetime.now().astimezone())
    msg["Message-ID"] = make_msgid("fupin", config.sender_address.rpartition("@")[2])
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Fupin-Report"] = f"{report.key}; sha256={report.checksum}"
    msg.set_content(text_body(content))
    msg.add_alternative(fitted_html(content), subtype="html")
    html_part = msg.get_payload()[1]
    for chart in content.charts:
        html_part.add_related(chart.png, "image", "png", cid=f"<{chart.cid}>", disposition="inline",
                              filename=f"{chart.name}.png")
    if content.charts:
        html_part.set_param("type", "text/html")  # RFC 2387: the root part's type
    if config.attach_report:
        msg.add_attachment(report.html.read_bytes(), "text", "html", filename=attachment_name(report),
                           params={"charset": "utf-8"})
    if report.docx is not None:
        msg.add_attachment(report.docx.read_bytes(), *DOCX_TYPE, filename=docx_attachment_name(report))
    return msg


# ---------------------------------------------------------------- ledger


def _now() -> str:
    """The current local time, ISO 8601 with offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Ledger:
    """What was delivered, per recipient: ``DIR/email-ledger.json``, written atomically.

    ``sent`` only grows: one entry per (message, recipient) accepted by the
    server, with the report checksum. ``failed`` holds the recipients whose
    latest attempt failed and who have not received that checksum since.
    """

    path: Path
    sent: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> "Ledger":
        """The ledger at `path` (empty when absent); an unreadable one is a UsageError."""
        if not path.exists():
            return cls(path)
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            return cls(path, list(data["sent"]), list(data.get("failed") or []))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"发送记录无法读取：{path}（{exc}）。请修复或移走该文件后重试") from None

    def delivered(self, key: str, recipient: str, checksum: str) -> bool:
        """True when `recipient` already received the message of `key` with this checksum."""
        who = recipient.lower()
        return any(e["key"] == key and e["recipient"].lower() == who and e["checksum"] == checksum for e in self.sent)

    def record_sent(self, key: str, recipients: Sequence[str], checksum: str, msg: EmailMessage) -> None:
        """Add one ``sent`` entry per recipient and clear their failures for `key`."""
        at = _now()
        for who in recipients:
            self.sent.append({"key": key, "recipient": who, "checksum": checksum, "sent_at": at,
                              "message_id": str(msg["Message-ID"]), "subject": str(msg["Subject"])})
        self._clear(key, recipients)

    def record_failed(self, key: str, errors: Mapping[str, str], checksum: str) -> None:
        """Replace the failures of `key` for these recipients by the new errors."""
        self._clear(key, list(errors))
        at = _now()
        self.failed += [{"key": key, "recipient": who, "checksum": checksum, "at": at, "error": error}
                        for who, error in errors.items()]

    def _clear(self, key: str, recipients: Sequence[str]) -> None:
        """Drop the failure entries of (key, recipient) pairs."""
        drop = {r.lower() for r in recipients}
        self.failed = [e for e in self.failed if not (e["key"] == key and e["recipient"].lower() in drop)]

    def save(self) -> None:
        """Write the whole ledger atomically (complete or absent, never half-written)."""
        atomic_write_json(self.path, {"format": LEDGER_FORMAT, "sent": self.sent, "failed": self.failed})


def folder_lock(folder: Path) -> FolderLock:
    """Refuse a second concurrent sender on the same folder (an OS lock: a killed sender leaves none)."""
    return FolderLock(folder / LOCK_NAME, "fupin email")


# ---------------------------------------------------------------- SMTP


def _reply(code: int, text: bytes | str) -> str:
    """An SMTP reply as one line: ``550 5.1.1 no such user``."""
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}"


def describe_error(exc: BaseException, settings: SmtpSettings) -> str:
    """A short Chinese description of an SMTP or network error."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"登录邮件服务器失败（用户 {settings.user}）：{_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"邮件服务器 {where} 不支持所需功能（{exc}）；请检查 smtp.tls 与 smtp.user"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器拒绝：{_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"邮件服务器 {where} 断开了连接"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"邮件服务器 {where} 的证书校验失败（{exc.verify_message}）；内部 CA 可用 smtp.cafile 指定"
    if isinstance(exc, ssl.SSLError):
        return f"与 {where} 的 TLS 握手失败（{exc.reason}）；请检查 smtp.tls 与端口"
    if isinstance(exc, ConnectionRefusedError):
        return f"无法连接邮件服务器 {where}：连接被拒绝"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"连接邮件服务器 {where} 超时"
    if isinstance(exc, socket.gaierror):
        return f"找不到邮件服务器 {settings.host}"
    if isinstance(exc, OSError):
        return f"无法连接邮件服务器 {where}：{exc.strerror or exc}"
    return f"发送失败：{type(exc).__name__}: {exc}"


class Postman:
    """One SMTP session for a batch: opened on first use, reopened after a drop.

    A failed (re)connection, login included, is not retried in the same
    batch, so a dead server or a wrong password costs one attempt, not one
    per message.
    """

    def __init__(self, settings: SmtpSettings, password: str | None) -> None:
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None
        self._broken: str | None = None

    def _redact(self, text: str) -> str:
        """`text` with the password replaced by ``***`` (servers may echo input)."""
        return text.replace(self._password, "***") if self._password else text

    def _connect(self) -> smtplib.SMTP:
        """Connect, secure the channel as configured, and log in when a user is set."""
        s = self.settings
        context = ssl.create_default_context(cafile=str(s.cafile) if s.cafile else None)
        if s.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host or "", s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host or "", s.port, timeout=s.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if s.tls == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _session(self) -> smtplib.SMTP:
        """The open session, connecting if needed; DeliveryError once connecting failed."""
        if self._broken:
            raise DeliveryError(self._broken)
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (OSError, smtplib.SMTPException) as exc:
                self._broken = self._redact(describe_error(exc, self.settings))
                raise DeliveryError(self._broken) from None
        return self._smtp

    def send(self, msg: EmailMessage, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        """Send `msg` to `recipients` (envelope); returns the refused ones with the server's reply.

        Raises DeliveryError when no recipient got it.
        """
        smtp = self._session()
        try:
            refused = smtp.send_message(msg, from_addr=sender, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            return {who: self._redact(_reply(code, text)) for who, (code, text) in exc.recipients.items()}
        except (OSError, smtplib.SMTPException) as exc:
            if not isinstance(exc, smtplib.SMTPResponseException) or exc.smtp_code == 421:
                self._drop()
            raise DeliveryError(self._redact(describe_error(exc, self.settings))) from None
        return {who: self._redact(_reply(code, text)) for who, (code, text) in refused.items()}

    def _drop(self) -> None:
        """Forget a session that the server closed (or that broke)."""
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
        self._smtp = None

    def close(self) -> None:
        """QUIT politely; errors on the way out do not matter."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._drop()


# ---------------------------------------------------------------- the batch


@dataclass
class Outcome:
    """What happened to one message of the batch."""

    key: str
    name: str
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # recipient -> error
    already: list[str] = field(default_factory=list)  # delivered before, same checksum
    error: str | None = None  # the message could not be built (incomplete report)
    file: Path | None = None  # dry run: the .eml written

    @property
    def ok(self) -> bool:
        """True when nothing about this message failed."""
        return not self.failed and self.error is None

    def line(self) -> str:
        """One line of the command's output."""
        label = f"{self.name}（{self.key}）" if self.key != COUNTY else f"{self.name}（县汇总）"
        if self.error:
            return f"未发送：{label}：{self.error}"
        if self.file:
            return f"已写出：{label} → {self.file}"
        parts = []
        if self.sent:
            parts.append(f"已发送：{label} → {', '.join(self.sent)}")
        errors: dict[str, list[str]] = {}
        for who, error in self.failed.items():
            errors.setdefault(error, []).append(who)
        parts += [f"未发送：{label} → {', '.join(whos)}：{error}" for error, whos in errors.items()]
        if not parts:
            parts.append(f"已发送过（报告未变）：{label}")
        return "\n".join(parts)


@dataclass
class Batch:
    """A whole ``fupin email`` run: one outcome per configured message, and the skips."""

    outcomes: list[Outcome]
    unconfigured: list[tuple[str, str]]  # (township id, name) without recipients
    ledger: Path | None = None

    @property
    def exit_status(self) -> int:
        """0 when every message reached every recipient (or was written), else 1."""
        return EXIT_OK if all(o.ok for o in self.outcomes) else EXIT_FAILED

    def summary(self) -> list[str]:
        """The closing lines: skips, failures, totals."""
        lines = []
        if self.unconfigured:
            names = "、".join(f"{name}（{tid}）" for tid, name in self.unconfigured)
            lines.append(f"未配置收件人，跳过 {len(self.unconfigured)} 个乡镇：{names}")
        failed = [o for o in self.outcomes if not o.ok]
        sent = sum(1 for o in self.outcomes if o.sent)
        already = sum(1 for o in self.outcomes if o.ok and not o.sent and not o.file)
        if self.ledger is None:
            lines.append(f"试运行：写出 {sum(1 for o in self.outcomes if o.file)} 封邮件，未发送任何邮件。")
        else:
            lines.append(f"本次发送 {sent} 封，此前已发送 {already} 封，未发送或未送达 {len(failed)} 封。发送记录：{self.ledger}")
        if failed:
            lines.append("未完成的邮件再次运行本命令即可补发（只发给尚未收到的收件人）。")
        return lines


def plan(folder: Path, config: MailConfig, only: Sequence[str] | None = None,
         sending: bool = False) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(township ids of the folder, message keys to handle, unconfigured townships).

    Every usage problem is a UsageError (exit 2), raised before anything is
    built or sent: folder or summary.json missing, a configured township
    without a folder, an unknown ``--township``, and (`sending`) no SMTP host.
    """
    townships = check_folder(folder)
    unknown = [key for key in config.recipients if key != COUNTY and key not in townships]
    if unknown:
        raise UsageError(
            f"邮件配置中的乡镇代码在 {folder} 中没有报告：{'、'.join(unknown)}"
            "（检查代码是否写错；以 0 开头的代码请加引号，如 \"0101\"）"
        )
    wanted = list(only) if only else None
    if wanted:
        missing = [key for key in wanted if key not in config.recipients]
        if missing:
            raise UsageError(f"--township 指定的 {'、'.join(missing)} 在邮件配置的 recipients 中没有收件人")
    keys = [t for t in townships if t in config.recipients] + ([COUNTY] if COUNTY in config.recipients else [])
    keys = [k for k in keys if wanted is None or k in wanted]
    skipped = [(t, _township_name(folder, t)) for t in townships if t not in config.recipients]
    if sending and not config.smtp.host:
        raise UsageError("未指定邮件服务器：在配置的 smtp.host 中填写，或用 --smtp-host 指定")
    return townships, keys, skipped


def _township_name(folder: Path, tid: str) -> str:
    """A township's name from its metrics.json (its id when unreadable)."""
    try:
        return str(_read_json(folder / tid / "metrics.json").get("township_name") or tid)
    except ReportIncomplete:
        return tid


def _name_of(folder: Path, key: str) -> str:
    """The display name of a message key."""
    if key == COUNTY:
        try:
            return str(_read_json(folder / "summary.json").get("county_name") or "全县")
        except ReportIncomplete:
            return "全县"
    return _township_name(folder, key)


def dry_run(folder: Path, config: MailConfig, out: Path, only: Sequence[str] | None = None,
            echo: Callable[[str], None] = lambda _line: None) -> Batch:
    """Write every configured message to ``out/<key>.eml``; send nothing, touch no ledger."""
    townships, keys, skipped = plan(Path(folder), config, only)
    outcomes = []
    for key in keys:
        outcome = Outcome(key, _name_of(folder, key))
        try:
            msg = _build(load_report(folder, key, config.attach_docx), config, folder, townships)
            outcome.file = atomic_write_bytes(inside(out, f"{key}.eml"), msg.as_bytes(policy=policy.SMTP))
        except ReportIncomplete as exc:
            outcome.error = str(exc)
        echo(outcome.line())
        outcomes.append(outcome)
    return Batch(outcomes, skipped)


def send_reports(folder: Path, config: MailConfig, password: str | None, resend: bool = False,
                 only: Sequence[str] | None = None, echo: Callable[[str], None] = lambda _line: None) -> Batch:
    """Send each configured report to the recipients that have not received it yet.

    A recipient is due when the ledger has no ``sent`` entry for it with the
    report's current checksum (or always, with `resend`). Messages are built
    only when due. The ledger is saved after every message, so an interrupted
    batch resumes where it stopped.
    """
    folder = Path(folder)
    townships, keys, skipped = plan(folder, config, only, sending=True)
    ledger_path = folder / LEDGER_NAME
    outcomes = []
    with folder_lock(folder):
        ledger = Ledger.load(ledger_path)
        postman = Postman(config.smtp, password)
        try:
            for key in keys:
                outcome = _deliver(folder, key, config, ledger, postman, townships, resend)
                echo(outcome.line())
                outcomes.append(outcome)
        finally:
            postman.close()
    return Batch(outcomes, skipped, ledger=ledger_path)


def _deliver(folder: Path, key: str, config: MailConfig, ledger: Ledger, postman: Postman,
             townships: Sequence[str], resend: bool) -> Outcome:
    """Send one message to its due recipients and record the result in the ledger."""
    outcome = Outcome(key, _name_of(folder, key))
    try:
        report = load_report(folder, key, config.attach_docx)
    except ReportIncomplete as exc:
        outcome.error = str(exc)
        return outcome
    everyone = config.recipients[key].envelope()
    due = [who for who in everyone if resend or not ledger.delivered(key, who, report.checksum)]
    outcome.already = [who for who in everyone if who not in due]
    if not due:
        return outcome
    try:
        msg = _build(report, config, folder, townships)
    except ReportIncomplete as exc:
        outcome.error = str(exc)
        return outcome
    try:
        refused = postman.send(msg, config.sender_address, due)
    except DeliveryError as exc:
        refused = {who: str(exc) for who in due}
    outcome.sent = [who for who in due if who not in refused]
    outcome.failed = dict(refused)
    ledger.record_sent(key, outcome.sent, report.checksum, msg)
    ledger.record_failed(key, outcome.failed, report.checksum)
    ledger.save()
    return outcome


def _build(report: Report, config: MailConfig, folder: Path, townships: Sequence[str]) -> EmailMessage:
    """:func:`build_message`; a report whose figures cannot be shown fails alone (ReportIncomplete)."""
    try:
        return build_message(report, config, folder, townships)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReportIncomplete(f"无法生成邮件（{report.metrics_name()} 缺少或有误：{type(exc).__name__}: {exc}）") from None


def with_smtp_overrides(**values: Any) -> dict[str, Any]:
    """The command-line SMTP options that were given (None means: keep the configuration's)."""
    return {key: value for key, value in values.items() if value is not None}


__all__ = [
    "COUNTY", "PASSWORD_ENV", "Batch", "Ledger", "MailConfig", "Recipients", "SmtpSettings", "build_message",
    "check_folder", "dry_run", "load_config", "parse_config", "plan", "render_subject", "send_reports", "smtp_password",
]
