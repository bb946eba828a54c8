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
(:class:`fupin.mail.ledger.Ledger`), keyed by the report's checksum, so running the command
again sends nothing new unless a report changed or ``resend`` is asked for.
The SMTP password comes only from ``FUPIN_SMTP_PASSWORD`` (or a prompt) and
is never printed, logged or recorded. Configuration: docs/email.md.

The modules, from the bottom up: :mod:`~fupin.mail.config` (the checked
configuration and the password), :mod:`~fupin.mail.folder` (the report
folder and each report's checksum), :mod:`~fupin.mail.content` (what a
message shows), :mod:`~fupin.mail.message` (the MIME message),
:mod:`~fupin.mail.ledger` (what was delivered, and the sending lock),
:mod:`~fupin.mail.smtp` (the SMTP session) and :mod:`~fupin.mail.send`
(the whole run). Mail reads only the report folder: it imports the report
layer, never the batch (``fupin run``).
"""
