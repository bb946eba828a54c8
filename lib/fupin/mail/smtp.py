"""The SMTP session of a batch (:class:`Postman`) and errors described in the user's terms."""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from fupin.core.errors import DeliveryError
from fupin.core.text import safe_text
from fupin.mail.config import SmtpSettings


#: What a masked secret shows.
MASKED = "***"


def secret_pattern(password: str | None, user: str | None = None) -> re.Pattern[str] | None:
    r"""What masks `password` in a server's reply, whatever the server did to its spacing.

    The password as typed, with any run of whitespace matching where it has
    whitespace (a server may collapse or turn into tabs), and as the base64
    that AUTH LOGIN and AUTH PLAIN (``\0user\0password``) send, padding or not.
    None when there is nothing to mask.

    >>> secret_pattern("a  b\tc").sub(MASKED, "535 bad password 'a b  c' for x")
    "535 bad password '***' for x"
    >>> secret_pattern("pw", "bot").sub(MASKED, "535 AUTH PLAIN AGJvdABwdw== refused, cHc=")
    '535 AUTH PLAIN *** refused, ***'
    """
    if not password or not password.strip():
        return None
    forms = [r"\s+".join(re.escape(word) for word in password.split())]
    for raw in (password, f"\0{user or ''}\0{password}", f"{user or ''}\0{user or ''}\0{password}"):
        forms.append(re.escape(base64.b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")) + "=*")
    return re.compile("|".join(sorted(forms, key=len, reverse=True)))


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
        self._secret = secret_pattern(password, settings.user)
        self._smtp: smtplib.SMTP | None = None
        self._broken: str | None = None

    def _redact(self, text: str) -> str:
        """What the user may read of `text`: the password masked in any spacing or base64
        (:func:`secret_pattern`; servers may echo input), terminal escapes and other invisible
        characters escaped (:func:`fupin.core.text.safe_text`)."""
        return safe_text(self._secret.sub(MASKED, text) if self._secret else text)

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
            except UnicodeEncodeError:  # smtplib sends the login as ASCII; the message must not quote it
                self._broken = (f"无法登录邮件服务器（用户 {safe_text(self.settings.user)}）："
                                "用户名或密码含有非 ASCII 字符，SMTP 登录只支持 ASCII")
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
