"""A whole ``fupin email`` run: plan the messages, write them (dry run) or send them, record each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

from fupin.core.errors import EXIT_FAILED, EXIT_OK, DeliveryError, ReportIncomplete, UsageError
from fupin.core.files import atomic_write_bytes, inside
from fupin.mail.config import COUNTY, MailConfig
from fupin.mail.folder import Report, check_folder, load_report, read_json
from fupin.mail.ledger import LEDGER_NAME, Ledger, folder_lock
from fupin.mail.message import build_message
from fupin.mail.smtp import Postman


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
        return str(read_json(folder / tid / "metrics.json").get("township_name") or tid)
    except ReportIncomplete:
        return tid


def _name_of(folder: Path, key: str) -> str:
    """The display name of a message key."""
    if key == COUNTY:
        try:
            return str(read_json(folder / "summary.json").get("county_name") or "全县")
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
