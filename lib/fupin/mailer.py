"""Moved: ``fupin email`` lives in the :mod:`fupin.mail` package.

This module re-exports its public names so that old imports
(``from fupin.mailer import load_config``) keep working for one release,
with a DeprecationWarning.
"""

import warnings

from fupin.mail.config import (
    COUNTY,
    DEFAULT_COUNTY_SUBJECT,
    DEFAULT_PORTS,
    DEFAULT_SUBJECT,
    DEFAULT_TIMEOUT,
    PASSWORD_ENV,
    SUBJECT_FIELDS,
    TLS_MODES,
    MailConfig,
    Recipients,
    SmtpSettings,
    load_config,
    parse_config,
    smtp_password,
    with_smtp_overrides,
)
from fupin.mail.content import (
    BODY_WIDTH,
    CHART_DPI,
    CHART_WIDTH,
    HTML_LIMIT,
    TABLE_COLUMNS,
    Chart,
    Content,
    Table,
    attachment_name,
    build_content,
    content_id,
    county_charts,
    county_table,
    docx_attachment_name,
    fitted_html,
    html_body,
    png_size,
    render_subject,
    subject_fields,
    text_body,
    township_charts,
)
from fupin.mail.folder import Report, check_folder, load_report, report_checksum, township_metrics_in
from fupin.mail.ledger import LEDGER_FORMAT, LEDGER_NAME, LOCK_NAME, Ledger, folder_lock
from fupin.mail.message import DOCX_TYPE, build_message
from fupin.mail.send import Batch, Outcome, dry_run, plan, send_reports
from fupin.mail.smtp import Postman, describe_error

warnings.warn("fupin.mailer moved to the fupin.mail package (fupin.mail.send, fupin.mail.config, ...)",
              DeprecationWarning, stacklevel=2)

__all__ = [
    "BODY_WIDTH", "CHART_DPI", "CHART_WIDTH", "COUNTY", "DEFAULT_COUNTY_SUBJECT", "DEFAULT_PORTS",
    "DEFAULT_SUBJECT", "DEFAULT_TIMEOUT", "DOCX_TYPE", "HTML_LIMIT", "LEDGER_FORMAT", "LEDGER_NAME",
    "LOCK_NAME", "PASSWORD_ENV", "SUBJECT_FIELDS", "TABLE_COLUMNS", "TLS_MODES", "Batch", "Chart", "Content",
    "Ledger", "MailConfig", "Outcome", "Postman", "Recipients", "Report", "SmtpSettings", "Table",
    "attachment_name", "build_content", "build_message", "check_folder", "content_id", "county_charts",
    "county_table", "describe_error", "docx_attachment_name", "dry_run", "fitted_html", "folder_lock",
    "html_body", "load_config", "load_report", "parse_config", "plan", "png_size", "render_subject",
    "report_checksum", "send_reports", "smtp_password", "subject_fields", "text_body", "township_charts",
    "township_metrics_in", "with_smtp_overrides",
]
