"""`fupin email` end to end: the real sample reports through a real SMTP server.

The report folder is the session's sample batch (the real ``fupin run``: every
township and the county page); every test sends it through an aiosmtpd server on
127.0.0.1 and inspects what the server received, the ledger and the output.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
from collections import Counter
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from fupin.mail import config as mail_config
from fupin.mail import content as mail_content
from fupin.mail import ledger as mail_ledger
from fupin.cli import main
from fupin.core.config import SAMPLE_DIR

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

TOWN, OTHER = "990101001", "990101002"  # 城关镇 (configured), 河口乡 (no entry by default)
SENDER = "示例县扶贫办 <report-bot@example.gov.cn>"
HEAD, OFFICE, LEADER = "head@example.gov.cn", "office@example.gov.cn", "leader@example.gov.cn"
PASSWORD = "Tr0ub4dor&3-fupin-test"
SUBJECT = "【示例县】城关镇2018年脱贫攻坚情况报告：贫困发生率3.23%"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample_reports(sample_batch) -> Path:
    """The sample county's townships and county page, made once per session by the real `fupin run`."""
    out, proc = sample_batch
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / TOWN / "report.html").is_file() and (out / OTHER / "report.html").is_file()
    return out


@pytest.fixture
def reports(sample_reports, tmp_path) -> Path:
    """A private copy of the report folder (tests write ledgers and change reports)."""
    return Path(shutil.copytree(sample_reports, tmp_path / "reports"))


def free_port() -> int:
    """A loopback port free now: only for a server started at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HeldPort:
    """A loopback port kept bound, not listening (a connection is refused, as to a server
    that is down), until :meth:`release`: no other process can take it meanwhile."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]

    def release(self) -> int:
        self.sock.close()
        return self.port


class Mailbox:
    """aiosmtpd handler: keeps every accepted envelope; can refuse addresses or stop accepting."""

    def __init__(self, refuse: tuple[str, ...] = (), accept_messages: int | None = None) -> None:
        self.refuse = {a.lower() for a in refuse}
        self.accept_messages = accept_messages
        self.envelopes: list = []
        self.logins: list[tuple[str, str]] = []
        self.login_peers: set = set()  # one per connection that tried to log in

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.accept_messages is not None and len(self.envelopes) >= self.accept_messages:
            server.transport.close()  # the server goes away mid-batch
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        self.login_peers.add(session.peer)
        return AuthResult(success=(login, password) == ("report-bot", PASSWORD), handled=False)

    def messages(self) -> list[EmailMessage]:
        return [BytesParser(policy=policy.default).parsebytes(e.original_content) for e in self.envelopes]

    def deliveries(self) -> Counter:
        """(subject, recipient) -> how many times it arrived."""
        return Counter((msg["Subject"], rcpt.lower()) for e, msg in zip(self.envelopes, self.messages())
                       for rcpt in e.rcpt_tos)


@pytest.fixture
def smtp_server():
    """Start aiosmtpd servers on 127.0.0.1; all are stopped at the end of the test."""
    started: list[Controller] = []

    def start(handler: Mailbox | None = None, port: int | None = None, **kwargs) -> tuple[Mailbox, Controller]:
        handler = handler or Mailbox()
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return handler, controller

    yield start
    for controller in started:
        if controller._thread is not None:
            controller.stop()


def write_config(path: Path, port: int, recipients: dict | None = None, **extra) -> Path:
    config = {
        "smtp": {"host": "127.0.0.1", "port": port, "tls": "none"},
        "sender": SENDER,
        "subject": "【{county}】{township}{year}年脱贫攻坚情况报告：贫困发生率{incidence}",
        "recipients": recipients or {TOWN: {"to": [HEAD], "cc": [OFFICE]}, "county": {"to": [LEADER]}},
        **extra,
    }
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, allow_unicode=True, sort_keys=False)
    return path


def email_cli(capsys, *args: object) -> tuple[int, str, str]:
    """`fupin email ...` in process: (exit status, stdout, stderr)."""
    status = main(["email", *map(str, args)])
    out = capsys.readouterr()
    return status, out.out, out.err


def by_key(mailbox: Mailbox) -> dict[str, tuple[object, EmailMessage]]:
    """Received messages by report key (from the X-Fupin-Report header)."""
    return {str(msg["X-Fupin-Report"]).split(";")[0]: (env, msg)
            for env, msg in zip(mailbox.envelopes, mailbox.messages())}


def structure(part: EmailMessage) -> object:
    """The MIME tree as nested (type, [children]) / type."""
    if part.is_multipart():
        return (part.get_content_type(), [structure(p) for p in part.iter_parts()])
    return part.get_content_type()


def html_of(msg: EmailMessage) -> str:
    return msg.get_body(("html",)).get_content()


# ---------------------------------------------------------------- the message


def test_sends_each_configured_report_with_the_robust_structure(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port))
    assert status == 0, out + err
    received = by_key(box)
    assert set(received) == {TOWN, "county"}

    env, msg = received[TOWN]
    assert env.mail_from == "report-bot@example.gov.cn"
    assert env.rcpt_tos == [HEAD, OFFICE]  # To and Cc both in RCPT TO
    assert msg["Subject"] == SUBJECT
    assert "=?utf-8?" in env.original_content.split(b"\r\n\r\n", 1)[0].decode("ascii")  # RFC 2047 on the wire
    assert msg["To"] == HEAD and msg["Cc"] == OFFICE
    assert msg["From"].addresses[0].display_name == "示例县扶贫办"

    tree = structure(msg)
    assert tree[0] == "multipart/alternative"
    plain, related = tree[1]
    assert plain == "text/plain"
    assert related[0] == "multipart/related" and related[1][0] == "text/html"
    assert related[1][1:] == ["image/png"] * 3

    html = html_of(msg)
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    cids = {p["Content-ID"].strip("<>") for p in images}
    refs = re.findall(r'src="cid:([^"]+)"', html)
    assert len(refs) == 3 and set(refs) == cids  # every chart referenced, every reference resolves
    for part in images:
        assert part.get_content_disposition() == "inline"
        assert part.get_payload(decode=True).startswith(b"\x89PNG\r\n\x1a\n")
    assert len(html.encode("utf-8")) < 100_000
    assert "data:" not in html and "<script" not in html.lower() and "<style" not in html.lower()
    assert "基本情况" in html and "存在问题" in html and "3.23%" in html

    text = msg.get_body(("plain",)).get_content()
    assert "3.23%" in text and "1.25%" in text and "基本情况" in text
    assert not [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
    assert "河口乡（990101002）" in out  # no entry: skipped and listed


def test_county_message_has_the_township_table_and_overview_chart(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port))
    assert status == 0, out + err
    env, msg = by_key(box)["county"]
    assert env.rcpt_tos == [LEADER]
    assert msg["Subject"].startswith("【示例县】2018年脱贫攻坚情况（乡镇汇总）：全县贫困发生率")
    html = html_of(msg)
    assert "城关镇" in html and "河口乡" in html and "各乡镇情况" in html
    refs = re.findall(r'src="cid:([^"]+)"', html)
    cids = {p["Content-ID"].strip("<>") for p in msg.walk() if p.get_content_type() == "image/png"}
    assert len(refs) == 2 and set(refs) == cids
    assert len(html.encode("utf-8")) < 100_000 and "data:" not in html


def test_report_is_attached_only_with_attach_report(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    config = write_config(tmp_path / "e.yml", ctl.port, attach_report=True)
    status, out, err = email_cli(capsys, reports, "--config", config, "--township", TOWN)
    assert status == 0, out + err
    env, msg = by_key(box)[TOWN]
    assert structure(msg)[0] == "multipart/mixed"
    [attachment] = [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
    assert attachment.get_filename() == "城关镇2018年脱贫攻坚情况报告.html"
    assert b"filename*" in env.original_content  # RFC 2231 parameter on the wire
    assert attachment.get_payload(decode=True) == (reports / TOWN / "report.html").read_bytes()
    assert "见附件《城关镇2018年脱贫攻坚情况报告.html》" in html_of(msg)


def test_word_document_is_attached_with_attach_docx(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    config = write_config(tmp_path / "e.yml", ctl.port, attach_docx=True)
    status, out, err = email_cli(capsys, reports, "--config", config)
    assert status == 0, out + err
    for key, docx, name in ((TOWN, reports / TOWN / "report.docx", "城关镇2018年脱贫攻坚情况报告.docx"),
                            ("county", reports / "county.docx", "示例县2018年脱贫攻坚情况（乡镇汇总）.docx")):
        env, msg = by_key(box)[key]
        assert structure(msg)[0] == "multipart/mixed"
        [attachment] = [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
        assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert attachment.get_filename() == name
        assert attachment.get_payload(decode=True) == docx.read_bytes()
        assert f"见附件《{name}》" in html_of(msg)


def test_missing_word_document_fails_alone_with_attach_docx(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    (reports / TOWN / "report.docx").unlink()
    config = write_config(tmp_path / "e.yml", ctl.port, attach_docx=True)
    status, out, err = email_cli(capsys, reports, "--config", config)
    assert status == 1
    assert "report.docx" in out + err
    assert set(by_key(box)) == {"county"}


def test_message_shows_no_personal_data(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    status, *_ = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port))
    assert status == 0
    households = pd.read_csv(SAMPLE_DIR / "households.csv", dtype=str, encoding="utf-8-sig")
    cadres = pd.read_csv(SAMPLE_DIR / "cadres.csv", dtype=str, encoding="utf-8-sig")
    secrets = {*households["户主姓名"].dropna(), *households["证件号码"].dropna(), *cadres["姓名"].dropna()}
    for msg in box.messages():
        shown = msg.get_body(("plain",)).get_content() + html_of(msg)
        assert not [s for s in secrets if len(s) >= 2 and s in shown]


def test_data_text_is_escaped_in_html(reports, tmp_path, capsys):
    metrics_path = reports / TOWN / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    metrics["township_name"] = "城关镇<b>&"
    metrics_path.write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", 1),
                                 "--dry-run", tmp_path / "eml", "--township", TOWN)
    assert status == 0, out + err
    msg = BytesParser(policy=policy.default).parsebytes((tmp_path / "eml" / f"{TOWN}.eml").read_bytes())
    html = html_of(msg)
    assert "城关镇&lt;b&gt;&amp;" in html and "<b>" not in html
    assert msg["Subject"].startswith("【示例县】城关镇<b>&2018年")  # a header is text, not HTML


# ---------------------------------------------------------------- exactly once


def test_second_run_sends_nothing(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    config = write_config(tmp_path / "e.yml", ctl.port)
    assert email_cli(capsys, reports, "--config", config)[0] == 0
    assert len(box.envelopes) == 2
    status, out, _ = email_cli(capsys, reports, "--config", config)
    assert status == 0 and len(box.envelopes) == 2
    assert "已发送过（报告未变）：城关镇（990101001）" in out
    ledger = json.loads((reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8"))
    assert ledger["format"] == mail_ledger.LEDGER_FORMAT and ledger["failed"] == []
    assert sorted((e["key"], e["recipient"]) for e in ledger["sent"]) == [
        (TOWN, HEAD), (TOWN, OFFICE), ("county", LEADER)]
    assert all(e["checksum"] and e["sent_at"] and e["message_id"] for e in ledger["sent"])


def test_resend_sends_again(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    config = write_config(tmp_path / "e.yml", ctl.port)
    assert email_cli(capsys, reports, "--config", config)[0] == 0
    assert email_cli(capsys, reports, "--config", config, "--resend")[0] == 0
    assert set(box.deliveries().values()) == {2}
    assert len(box.deliveries()) == 3


def test_quiet_prints_nothing_on_success_and_the_failures_on_failure(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    config = write_config(tmp_path / "e.yml", ctl.port)
    assert email_cli(capsys, reports, "--config", config, "--quiet") == (0, "", "")  # cron mails nothing
    assert len(box.envelopes) == 2
    (reports / TOWN / "report.html").write_text("changed", encoding="utf-8")
    (reports / TOWN / "metrics.json").write_text("{", encoding="utf-8")  # unreadable: the message fails
    status, out, err = email_cli(capsys, reports, "--config", config, "--quiet")
    assert status == 1 and f"未发送：{TOWN}：" in out and "未配置收件人" not in out + err
    assert f"{TOWN}（{TOWN}）" not in out  # a township whose name is unknown is named by its id, once


def test_township_by_name_and_resend_report_only_the_township_asked_for(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    recipients = {TOWN: {"to": [HEAD]}, OTHER: {"to": ["hekou@example.gov.cn"]}, "county": {"to": [LEADER]}}
    config = write_config(tmp_path / "e.yml", ctl.port, recipients)
    status, out, err = email_cli(capsys, reports, "--config", config, "--township", "河口乡", "--resend")
    assert status == 0, out + err
    assert [e.rcpt_tos for e in box.envelopes] == [["hekou@example.gov.cn"]]
    assert "城关镇" not in out and "跳过" not in out and "此前已发送" not in out, out
    status, out, err = email_cli(capsys, reports, "--config", config, "--township", "河口")
    assert status == 2 and "相近的有：990101002 河口乡" in err and "990101001 城关镇" in err, err


def test_changed_report_is_sent_again(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    config = write_config(tmp_path / "e.yml", ctl.port)
    assert email_cli(capsys, reports, "--config", config)[0] == 0
    html = reports / TOWN / "report.html"
    html.write_bytes(html.read_bytes() + b"\n<!-- re-exported -->\n")
    status, out, _ = email_cli(capsys, reports, "--config", config)
    assert status == 0
    again = box.envelopes[2:]
    assert [sorted(e.rcpt_tos) for e in again] == [[HEAD, OFFICE]]  # the township only, not the county
    assert "已发送过（报告未变）：示例县（县汇总）" in out


def test_server_stopping_mid_batch_then_later_run_completes(reports, smtp_server, tmp_path, capsys):
    port = free_port()
    config = write_config(tmp_path / "e.yml", port)
    first, ctl = smtp_server(Mailbox(accept_messages=1), port=port)
    status, out, _ = email_cli(capsys, reports, "--config", config)
    assert status == 1
    assert len(first.envelopes) == 1
    assert "未发送：" in out and "再次运行" in out
    ledger = json.loads((reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8"))
    assert ledger["failed"] and all("421" in e["error"] or "断开" in e["error"] for e in ledger["failed"])
    ctl.stop()

    second, _ = smtp_server(port=port)
    status, out, _ = email_cli(capsys, reports, "--config", config)
    assert status == 0, out
    total = first.deliveries() + second.deliveries()
    assert len(total) == 3 and set(total.values()) == {1}  # every recipient once, no duplicates
    assert json.loads((reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8"))["failed"] == []


def test_server_down_fails_every_message_and_next_run_sends_them(reports, smtp_server, tmp_path, capsys):
    held = HeldPort()
    config = write_config(tmp_path / "e.yml", held.port)
    try:
        status, out, err = email_cli(capsys, reports, "--config", config)
    finally:
        port = held.release()
    assert status == 1, out + err
    assert "连接被拒绝" in out and "Traceback" not in err
    box, _ = smtp_server(port=port)
    assert email_cli(capsys, reports, "--config", config)[0] == 0
    assert len(box.deliveries()) == 3 and set(box.deliveries().values()) == {1}


def test_refused_recipient_is_retried_alone(reports, smtp_server, tmp_path, capsys):
    port = free_port()
    config = write_config(tmp_path / "e.yml", port)
    refusing, ctl = smtp_server(Mailbox(refuse=(OFFICE,)), port=port)
    status, out, _ = email_cli(capsys, reports, "--config", config)
    assert status == 1
    assert f"未发送：城关镇（990101001） → {OFFICE}：550 5.1.1 Mailbox unavailable" in out
    assert [e.rcpt_tos for e in refusing.envelopes] == [[HEAD], [LEADER]]
    ledger = json.loads((reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8"))
    assert [(e["key"], e["recipient"]) for e in ledger["failed"]] == [(TOWN, OFFICE)]
    ctl.stop()

    accepting, _ = smtp_server(port=port)
    assert email_cli(capsys, reports, "--config", config)[0] == 0
    assert [e.rcpt_tos for e in accepting.envelopes] == [[OFFICE]]
    assert email_cli(capsys, reports, "--config", config)[0] == 0
    assert len(accepting.envelopes) == 1


def test_incomplete_report_fails_alone(reports, smtp_server, tmp_path, capsys):
    (reports / OTHER / "report.html").unlink()
    box, ctl = smtp_server()
    recipients = {TOWN: {"to": [HEAD]}, OTHER: {"to": ["hekou@example.gov.cn"]}, "county": {"to": [LEADER]}}
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port, recipients))
    assert status == 1
    assert "河口乡（990101002）：报告不完整，缺少 report.html" in out
    assert sorted(r for e in box.envelopes for r in e.rcpt_tos) == [HEAD, LEADER]


def test_report_with_broken_figures_fails_alone(reports, smtp_server, tmp_path, capsys):
    metrics_path = reports / TOWN / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    del metrics["projection"]
    metrics_path.write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    box, ctl = smtp_server()
    recipients = {TOWN: {"to": [HEAD]}, OTHER: {"to": ["hekou@example.gov.cn"]}}
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port, recipients))
    assert status == 1 and "Traceback" not in err
    assert f"未发送：城关镇（{TOWN}）：无法生成邮件（{TOWN}/metrics.json 缺少或有误" in out
    assert [e.rcpt_tos for e in box.envelopes] == [["hekou@example.gov.cn"]]


# ---------------------------------------------------------------- password and TLS


def test_password_from_environment_is_used_and_never_shown(reports, smtp_server, tmp_path):
    handler = Mailbox()
    box, ctl = smtp_server(handler, authenticator=handler.authenticate, auth_required=True, auth_require_tls=False)
    config = write_config(tmp_path / "e.yml", ctl.port)
    env = {**__import__("os").environ, mail_config.PASSWORD_ENV: PASSWORD}
    proc = subprocess.run(
        [sys.executable, "-m", "fupin", "email", str(reports), "--config", str(config), "--smtp-user", "report-bot"],
        capture_output=True, text=True, encoding="utf-8", env=env, stdin=subprocess.DEVNULL, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert box.logins and set(box.logins) == {("report-bot", PASSWORD)}
    assert len(box.envelopes) == 2
    ledger = (reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8")
    for text in (proc.stdout, proc.stderr, ledger, config.read_text(encoding="utf-8")):
        assert PASSWORD not in text


def test_wrong_password_fails_once_and_is_not_shown(reports, smtp_server, tmp_path, capsys, monkeypatch):
    handler = Mailbox()
    box, ctl = smtp_server(handler, authenticator=handler.authenticate, auth_required=True, auth_require_tls=False)
    wrong = "wrong-" + PASSWORD
    monkeypatch.setenv(mail_config.PASSWORD_ENV, wrong)
    config = write_config(tmp_path / "e.yml", ctl.port)
    status, out, err = email_cli(capsys, reports, "--config", config, "--smtp-user", "report-bot")
    assert status == 1
    assert "登录邮件服务器失败" in out
    assert len(box.login_peers) == 1  # one connection tried per batch, not one per message
    ledger = (reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8")
    assert wrong not in out + err + ledger and not box.envelopes


class EchoingServer(Mailbox):
    """A server whose login refusal quotes what it was sent: the password with its whitespace
    collapsed (as servers normalise it), and the AUTH PLAIN line."""

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        plain = base64.b64encode(f"\0{login}\0{password}".encode()).decode()
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 bad password {' '.join(password.split())} in {plain}")


def test_a_password_the_server_echoes_is_masked_in_any_spacing(reports, smtp_server, tmp_path, capsys, monkeypatch):
    spaced = "Tr0ub4dor  &3\tfupin"  # two spaces and a tab: the server shows "Tr0ub4dor &3 fupin"
    handler = EchoingServer()
    box, ctl = smtp_server(handler, authenticator=handler.authenticate, auth_required=True, auth_require_tls=False)
    monkeypatch.setenv(mail_config.PASSWORD_ENV, spaced)
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port),
                                 "--smtp-user", "report-bot")
    assert status == 1 and "535 5.7.8 bad password *** in ***" in out, out + err
    plain = base64.b64encode(f"\0report-bot\0{spaced}".encode()).decode()
    ledger = (reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8")
    for text in (out + err, ledger):
        assert "Tr0ub4dor" not in text and plain.rstrip("=") not in text


def test_a_password_smtp_cannot_send_is_a_clear_failure(reports, smtp_server, tmp_path, capsys, monkeypatch):
    handler = Mailbox()
    box, ctl = smtp_server(handler, authenticator=handler.authenticate, auth_required=True, auth_require_tls=False)
    monkeypatch.setenv(mail_config.PASSWORD_ENV, "扶贫密码2018")
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port),
                                 "--smtp-user", "report-bot")
    assert status == 1 and "用户名或密码含有非 ASCII 字符" in out, out + err
    assert "内部错误" not in err and "扶贫密码" not in out + err and not box.envelopes


class HostileReplies(Mailbox):
    """A server whose refusal carries terminal escapes (clear screen, set the window title) and a
    right-to-left override."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 \x1b[2J\x1b]0;owned\x07 gone\u202etxt.exe"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_a_server_reply_reaches_terminal_and_ledger_escaped(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server(HostileReplies(refuse=(OFFICE,)), enable_SMTPUTF8=True)
    config = write_config(tmp_path / "e.yml", ctl.port)
    status, out, err = email_cli(capsys, reports, "--config", config)
    shown = "550 5.1.1 \\x1b[2J\\x1b]0;owned\\x07 gone\\u202etxt.exe"
    assert status == 1 and shown in out, out + err
    failed = json.loads((reports / mail_ledger.LEDGER_NAME).read_text(encoding="utf-8"))["failed"]
    assert [e["error"] for e in failed] == [shown]
    status, out, err = email_cli(capsys, reports, "--config", config, "--township", "\x1b[2J\u202e")
    assert status == 2 and "\\x1b[2J\\u202e" in err  # the command's own messages too
    for text in (out, err):
        assert not re.search("[\x1b\x07\u202e]", text)


def test_user_without_password_is_a_usage_error(reports, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(mail_config.PASSWORD_ENV, raising=False)
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", 1),
                                 "--smtp-user", "report-bot")
    assert status == 2 and mail_config.PASSWORD_ENV in err and "Traceback" not in err


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_modes_with_a_private_ca(mode, certificate, reports, smtp_server, tmp_path, capsys, monkeypatch):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Mailbox()
    # aiosmtpd does not know an ssl_context socket is encrypted: let it offer AUTH there
    tls = ({"tls_context": context, "require_starttls": True} if mode == "starttls"
           else {"ssl_context": context, "auth_require_tls": False})
    box, ctl = smtp_server(handler, authenticator=handler.authenticate, auth_required=True, **tls)
    monkeypatch.setenv(mail_config.PASSWORD_ENV, PASSWORD)
    config = write_config(tmp_path / "e.yml", ctl.port)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["smtp"].update(tls=mode, user="report-bot", cafile=str(cert))
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    status, out, err = email_cli(capsys, reports, "--config", config, "--township", TOWN)
    assert status == 0, out + err
    assert box.logins == [("report-bot", PASSWORD)] and len(box.envelopes) == 1


def test_unknown_certificate_is_refused(certificate, reports, smtp_server, tmp_path, capsys):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box, ctl = smtp_server(ssl_context=context)
    status, out, _ = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port),
                               "--tls", "ssl", "--township", TOWN)
    assert status == 1 and "证书校验失败" in out and not box.envelopes


def test_command_line_overrides_the_smtp_settings(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    config = write_config(tmp_path / "e.yml", 1)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["smtp"] = {"host": "smtp.invalid", "port": 1, "tls": "ssl"}
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    status, out, err = email_cli(capsys, reports, "--config", config, "--smtp-host", "127.0.0.1",
                                 "--smtp-port", ctl.port, "--tls", "none", "--township", "county")
    assert status == 0, out + err
    assert [e.rcpt_tos for e in box.envelopes] == [[LEADER]]


# ---------------------------------------------------------------- dry run


def test_dry_run_writes_parseable_eml_and_sends_nothing(reports, smtp_server, tmp_path, capsys):
    box, ctl = smtp_server()
    out_dir = tmp_path / "eml"
    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", ctl.port),
                                 "--dry-run", out_dir)
    assert status == 0, out + err
    assert sorted(p.name for p in out_dir.iterdir()) == [f"{TOWN}.eml", "county.eml"]
    msg = BytesParser(policy=policy.default).parsebytes((out_dir / f"{TOWN}.eml").read_bytes())
    assert msg["Subject"] == SUBJECT and msg["To"] == HEAD and msg["Cc"] == OFFICE
    assert structure(msg)[0] == "multipart/alternative"
    assert not box.envelopes and not (reports / mail_ledger.LEDGER_NAME).exists()
    assert "未发送任何邮件" in out


#: What a leader never reads: file names, checksums, versions, the time zone, township or village
#: codes, FGT/Watts (and the program's own name).
TECHNICAL = re.compile(r"\.(csv|xlsx|json|ipynb)|SHA|sha256|UTC|fupin|\bgit\b|Python|pandas|FGT|Watts|乡镇代码|\d{9,}")


def visible_text(html: str) -> str:
    """What a reader sees of an HTML page or message: no style, script, comment, tag or attribute."""
    html = re.sub(r"(?is)<(style|script)\b.*?</\1>", "", html)
    html = re.sub(r"(?s)<!--.*?-->", "", html)
    return re.sub(r"<[^>]+>", " ", html)


def test_nothing_technical_in_front_of_a_leader(reports, tmp_path, capsys):
    """The pages, the Word documents and the emails show no file name, hash, version, UTC, code or
    FGT/Watts; the email says how to reach the full report; the run record (run.json) keeps the rest."""
    import docx

    status, out, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", free_port()),
                                 "--dry-run", tmp_path / "eml")
    assert status == 0, out + err
    texts = {}
    for name in (f"{TOWN}.eml", "county.eml"):
        msg = BytesParser(policy=policy.default).parsebytes((tmp_path / "eml" / name).read_bytes())
        texts[name] = (visible_text(html_of(msg)) + msg.get_body(("plain",)).get_content()
                       + str(msg["Subject"]))
        assert "回复本邮件" in texts[name] and SENDER.rpartition("<")[2].rstrip(">") in texts[name]  # how to get it
        assert not texts[name].lstrip().startswith("乡镇代码")
    for page in (reports / TOWN / "report.html", reports / "index.html"):
        texts[page.name] = visible_text(page.read_text(encoding="utf-8"))
    for document in (reports / TOWN / "report.docx", reports / "county.docx"):
        doc = docx.Document(document)
        texts[document.name] = "\n".join([p.text for p in doc.paragraphs]
                                         + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    found = {name: sorted({m.group(0) for m in TECHNICAL.finditer(text)}) for name, text in texts.items()}
    assert found == {name: [] for name in texts}
    # one vocabulary (fupin.figures.labels): 未脱贫, 拟脱贫, 出列, never another word for them
    from fupin.figures.labels import SYNONYMS

    assert {name: [w for w in SYNONYMS if w in text] for name, text in texts.items()} == {name: [] for name in texts}
    record = json.loads((reports / "run.json").read_text(encoding="utf-8"))
    assert [len(i["sha256"]) for i in record["inputs"]] == [64] * len(record["inputs"])
    assert record["code"].startswith("fupin ")


# ---------------------------------------------------------------- usage errors


def _config(tmp_path: Path, **changes) -> Path:
    path = write_config(tmp_path / "e.yml", 25)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        target, _, leaf = key.rpartition(".")
        node = raw[target] if target else raw
        if value is None:
            node.pop(leaf)
        else:
            node[leaf] = value
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"smtp.tls": "tls13"}, "smtp.tls「tls13」无效"),
        ({"sender": None}, "缺少 sender"),
        ({"recipients": {"990199999": {"to": [HEAD]}}}, "没有报告：990199999"),
        ({"smtp.password": "x"}, "密码不能写在配置文件里"),
        ({"subject": "{township}{nope}"}, "占位符无效"),
        ({"subject": "{township:>100000}"}, "占位符无效：{township:>100000}"),  # a width without bound
        ({"subject": "{township.__class__}"}, "占位符无效"),
        ({"recipients": {TOWN: {"to": ["not-an-address"]}}}, "不是有效的邮件地址"),
        ({"attach_reprot": True}, "未知的配置项「attach_reprot」"),
        ({"attach_docx": "yes"}, "attach_docx 应为 true 或 false"),
    ],
)
def test_bad_configuration_exits_2(change, message, reports, tmp_path, capsys):
    status, out, err = email_cli(capsys, reports, "--config", _config(tmp_path, **change))
    assert status == 2
    assert message in err and "Traceback" not in err


def _laughs(levels: int) -> str:
    """A "billion laughs": each level a list of ten aliases to the one below (10**levels leaves)."""
    lines = ['lol0: &lol0 ["lol"]']
    lines += [f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nrecipients: {{county: {{to: *lol{levels}}}}}\n"


def test_configuration_reads_are_bounded(tmp_path, capsys):
    """YAML aliases expanding past a small limit, an oversized file, a device or a pipe are refused
    (exit 2) with a message naming the file, before anything is read without end."""
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(_laughs(6), encoding="utf-8")
    status, _, err = email_cli(capsys, tmp_path, "--config", bomb)
    assert status == 2 and "邮件配置文件展开后超过" in err and str(bomb) in err and len(err) < 1000
    big = tmp_path / "big.yml"
    big.write_text("# padding\n" * 200_000, encoding="utf-8")
    status, _, err = email_cli(capsys, tmp_path, "--config", big)
    assert status == 2 and "邮件配置文件过大" in err and str(big) in err
    if hasattr(os, "mkfifo"):
        for special in (tmp_path / "zero.yml", tmp_path / "fifo.yml"):
            if special.name == "zero.yml":
                special.symlink_to("/dev/zero")
            else:
                os.mkfifo(special)
            status, _, err = email_cli(capsys, tmp_path, "--config", special)
            assert status == 2 and "邮件配置文件不是普通文件" in err, special


def test_missing_folder_summary_or_config_exits_2(reports, tmp_path, capsys):
    config = write_config(tmp_path / "e.yml", 25)
    status, _, err = email_cli(capsys, tmp_path / "nowhere", "--config", config)
    assert status == 2 and "报告文件夹不存在" in err
    (reports / "summary.json").unlink()
    status, _, err = email_cli(capsys, reports, "--config", config)
    assert status == 2 and "没有 summary.json" in err
    status, _, err = email_cli(capsys, reports, "--config", tmp_path / "missing.yml")
    assert status == 2 and "找不到邮件配置文件" in err


def test_concurrent_sender_is_refused(reports, tmp_path, capsys):
    with mail_ledger.folder_lock(reports):  # another sender holds the folder
        status, _, err = email_cli(capsys, reports, "--config", write_config(tmp_path / "e.yml", 25))
    assert status == 2 and "正被另一个 fupin email 使用" in err


HOLD_LOCK = """
import sys, time
from pathlib import Path
from fupin.mail.ledger import folder_lock
with folder_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_a_sender_killed_while_holding_the_lock_does_not_block_the_next(reports, smtp_server, tmp_path, capsys):
    """docs/email.md: the OS releases the lock of a killed sender; nothing has to be deleted."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(reports)], stdout=subprocess.PIPE,
                              text=True, encoding="utf-8")
    try:
        assert holder.stdout.readline().strip() == "locked"
        box, ctl = smtp_server()
        config = write_config(tmp_path / "e.yml", ctl.port)
        status, _, err = email_cli(capsys, reports, "--config", config)
        assert status == 2 and "正被另一个 fupin email 使用" in err and f"进程 {holder.pid}" in err
        assert not box.envelopes
    finally:
        holder.kill()  # SIGKILL on POSIX: no clean-up code of the holder runs
        holder.wait(timeout=30)
        holder.stdout.close()
    lock = reports / mail_ledger.LOCK_NAME
    assert lock.is_file() and f"进程 {holder.pid}" in lock.read_text(encoding="utf-8")  # left behind, as killed
    status, out, err = email_cli(capsys, reports, "--config", config)
    assert status == 0, out + err
    assert set(by_key(box)) == {TOWN, "county"}
    assert lock.is_file()  # the next run went ahead without anyone deleting the file


def test_example_configuration_is_valid():
    from fupin.core.config import PROJECT_ROOT

    config = mail_config.load_config(PROJECT_ROOT / "email.example.yml")
    assert config.smtp.tls in mail_config.TLS_MODES and config.sender_address
    assert "county" in config.recipients


# ---------------------------------------------------------------- library


@pytest.mark.parametrize(("townships", "table_kept"), [(40, True), (150, False)])
def test_html_body_stays_under_100_kb_for_any_county(townships, table_kept, sample_reports):
    town = json.loads((sample_reports / TOWN / "metrics.json").read_text(encoding="utf-8"))
    many = [{**town, "township_id": f"99{i:07d}", "township_name": f"第{i}镇"} for i in range(townships)]
    content = mail_content.Content(
        title="示例县2018年脱贫攻坚情况（乡镇汇总）", subtitle="示例县", kpis=[("2.60%", "2018年底贫困发生率")],
        overview_heading="全县基本情况", paragraph="示例。" * 200, problems=["问题。" * 40] * 12, charts=[],
        note="全县汇总页见附件。", link=None, footer=["本邮件由 fupin 自动生成。"],
        table=mail_content.county_table(many, "https://intranet.example.gov.cn/fupin/2018"),
    )
    html = mail_content.fitted_html(content)
    assert len(html.encode("utf-8")) < mail_content.HTML_LIMIT
    assert ("第39镇" in html) is table_kept
    assert ("纯文本部分" in html) is not table_kept
    assert f"第{townships - 1}镇" in mail_content.text_body(content)  # the last township, always in the text part
