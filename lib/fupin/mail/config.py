"""The email configuration (docs/email.md): server, sender, subjects, recipients, and the password.

Every problem of a configuration is listed at once in one
:class:`~fupin.core.errors.UsageError` (exit 2). The SMTP password comes only
from ``FUPIN_SMTP_PASSWORD`` (or a prompt) and is never stored here.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import getaddresses
from string import Formatter
from pathlib import Path
from typing import Any

from fupin.core.errors import UsageError
from fupin.core.files import read_yaml
from fupin.core.text import safe_text


#: The only place the SMTP password is read from (besides an interactive prompt).
PASSWORD_ENV = "FUPIN_SMTP_PASSWORD"
#: The recipients key of the county page's message.
COUNTY = "county"

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT = 30.0
DEFAULT_SUBJECT = "【{county}】{township}{year}年脱贫攻坚情况报告：贫困发生率{incidence}"
DEFAULT_COUNTY_SUBJECT = "【{county}】{year}年脱贫攻坚情况（乡镇汇总）：全县贫困发生率{incidence}"

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

#: A subject template's bounds: its length, and the widest a placeholder may be padded
#: (``{township:<8}``); a placeholder takes no other format, conversion or attribute.
SUBJECT_MAX_CHARS = 200
SUBJECT_MAX_WIDTH = 40
_SUBJECT_SPEC = re.compile(r"(?:[^{}]?[<>^])?(\d{0,2})")

_TOP_KEYS = ("smtp", "sender", "subject", "county_subject", "attach_report", "attach_docx", "report_url",
             "recipients")
_SMTP_KEYS = ("host", "port", "tls", "user", "cafile", "timeout")
_ENTRY_KEYS = ("to", "cc")
_ADDR = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


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

    Every problem found is listed in one :class:`UsageError` (exit 2). The file is
    read within bounds (:func:`fupin.core.files.read_yaml`: a regular file, size and
    alias expansion limited). Relative ``smtp.cafile`` paths are taken from the configuration's folder.
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"找不到邮件配置文件：{path}（写法见项目根目录的 email.example.yml 和 docs/email.md）")
    raw = read_yaml(path, "邮件配置文件")
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
    """The addr-spec of one mailbox (``a@b`` or ``名字 <a@b>``), or None when it is not one
    (a line break, a control or an invisible format character such as a bidi override included)."""
    if not isinstance(text, str) or safe_text(text) != text:
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
    """A subject template: one line of at most SUBJECT_MAX_CHARS whose placeholders are all
    in SUBJECT_FIELDS, each plain (``{township}``) or with a small width (``{township:<8}``).

    Anything else (an attribute or index, a conversion, a nested field, a width
    over SUBJECT_MAX_WIDTH such as ``{township:>999999999}``) is a problem.
    """
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key} 应为非空文字")
        return DEFAULT_SUBJECT
    shown = safe_text(value if len(value) <= 60 else value[:60] + "…")
    if len(value) > SUBJECT_MAX_CHARS:
        problems.append(f"{key} 过长：最多 {SUBJECT_MAX_CHARS} 个字符")
        return DEFAULT_SUBJECT
    names = "、".join("{" + n + "}" for n in SUBJECT_FIELDS)
    try:
        fields = [(name, spec, conversion) for _text, name, spec, conversion in Formatter().parse(value)
                  if name is not None]
    except ValueError as exc:
        problems.append(f"{key}「{shown}」的花括号不成对（{exc}）；文字中的花括号请写成 {{{{ 和 }}}}")
        return DEFAULT_SUBJECT
    for name, spec, conversion in fields:
        field = safe_text("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
        if name not in SUBJECT_FIELDS:
            problems.append(f"{key} 的占位符无效：{field}（可用：{names}）")
        elif conversion or not _small_width(spec):
            problems.append(f"{key} 的占位符无效：{field}（只能写 {{{name}}}，或加不超过 {SUBJECT_MAX_WIDTH} 的宽度，"
                            f"如 {{{name}:<8}}）")
    return " ".join(value.split())


def _small_width(spec: str) -> bool:
    """Whether a placeholder's format is none or an alignment with a width up to SUBJECT_MAX_WIDTH.

    >>> [_small_width(s) for s in ("", "<8", "*^12", "40", ">999999999", ".3", ",")]
    [True, True, True, True, False, False, False]
    """
    match = _SUBJECT_SPEC.fullmatch(spec)
    return bool(match) and int(match[1] or 0) <= SUBJECT_MAX_WIDTH


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


def with_smtp_overrides(**values: Any) -> dict[str, Any]:
    """The command-line SMTP options that were given (None means: keep the configuration's)."""
    return {key: value for key, value in values.items() if value is not None}
