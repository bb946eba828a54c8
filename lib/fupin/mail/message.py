"""One complete message (MIME structure in :mod:`fupin.mail`), built from a report and its content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from fupin.mail.config import COUNTY, MailConfig
from fupin.mail.content import (
    attachment_name, build_content, docx_attachment_name, fitted_html, render_subject, text_body,
)
from fupin.mail.folder import Report


#: The MIME type of the Word documents ``fupin run`` writes (fupin.report.word).
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


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
