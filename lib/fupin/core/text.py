"""Text from the data, written literally: never a formula, a link scheme or mathtext.

Validation refuses control characters and over-long text; the writers do not
rely on it. Each output applies the one function of its kind here:

* :func:`cell_text`: a text cell of an xlsx workbook (controls removed, a
  leading ``= + - @``, tab or CR neutralised with ``'`` as the OWASP
  CSV-injection guidance says);
* :func:`chart_text`: a label drawn by matplotlib (``$`` escaped, so no
  mathtext);
* :func:`url_segment`: one path segment of a link (percent-encoded, never a
  scheme, never ``.`` or ``..``);
* :func:`safe_text`: text on its way to a terminal, a log line, the email
  ledger, a file name or a mail header (control, bidi and other invisible
  format characters escaped, or removed).

HTML text is escaped by the templates (Jinja autoescape, :func:`fupin.report.show.esc`).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

#: C0 and C1 control characters other than tab, line feed and carriage return
#: (those are legal in xlsx and HTML; a leading tab or CR is neutralised by :func:`cell_text`).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Unicode categories never shown as they are (:func:`safe_text`): controls (Cc), format characters
#: (Cf: bidi overrides and isolates, zero-width spaces and joiners, the BOM...), lone surrogates (Cs,
#: which no file or terminal can encode) and the line and paragraph separators (Zl, Zp).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: The invisible characters that :meth:`str.split` takes for whitespace: a line break becomes a space.
_BREAKS = "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"
#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def without_controls(text: str) -> str:
    """``text`` without control characters (tab, LF and CR kept).

    >>> without_controls("a\\x0bb\\x00c\\td")
    'abc\\td'
    """
    return _CONTROLS.sub("", text)


def safe_text(value: object, keep: str = "", remove: bool = False) -> str:
    r"""Text from data or from a server, as a terminal, a log, the ledger, a file name or a mail header gets it.

    Every character of :data:`INVISIBLE_CATEGORIES` (a terminal escape, a
    right-to-left override, a zero-width space, a line break...) is written
    as a Python escape (``\x1b``, ``\u202e``), so a message shows what the
    text holds; with ``remove`` it is dropped instead (file names and mail
    headers). Characters in ``keep`` (a message's own ``"\n"``) stay.

    >>> print(safe_text("城关镇\u202eslx.exe"), safe_text("\x1b[2J550 no\ta"))
    城关镇\u202eslx.exe \x1b[2J550 no\x09a
    >>> safe_text("城关镇\u202eslx\u200b.exe", remove=True), safe_text("a\nb", keep="\n")
    ('城关镇slx.exe', 'a\nb')
    """
    text = str(value)
    if text.isprintable():  # the common case: nothing to do
        return text
    out = []
    for ch in text:
        if ch in keep or unicodedata.category(ch) not in INVISIBLE_CATEGORIES:
            out.append(ch)
        elif not remove:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def one_line(value: object) -> str:
    r"""Text for a mail header or a file name: one line, each run of whitespace (line breaks
    included) one space, every other invisible character removed (:func:`safe_text`).

    >>> one_line("城关镇\r\nBcc: x@evil.example\u202e\x00 2018年")
    '城关镇 Bcc: x@evil.example 2018年'
    """
    return " ".join(safe_text(value, keep=_BREAKS, remove=True).split())


def file_name(text: str) -> str:
    r"""A file name offered to a reader (an attachment): one line (:func:`one_line`: no controls,
    no bidi overrides), no separators, no reserved characters.

    >>> file_name("城关镇/../x:y.html"), file_name("城关镇\u202elmth.exe")
    ('城关镇_.._x_y.html', '城关镇lmth.exe')
    """
    return re.sub(r'[\\/:*?"<>|]', "_", one_line(text))


def finalize(value: object) -> object:
    """Jinja ``finalize``: every plain text a template prints loses its control characters (before escaping).

    Markup the template marked safe (``|safe``, already escaped) is left as it is.

    >>> finalize("镇\\x0b\\x00"), finalize(3)
    ('镇', 3)
    """
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return without_controls(value)
    return value


def cell_text(value: object) -> str:
    """The text of an xlsx cell: controls removed, a formula start neutralised with ``'``.

    >>> cell_text('=HYPERLINK("http://x","y")'), cell_text("-1+2"), cell_text("王*明")
    ('\\'=HYPERLINK("http://x","y")', "'-1+2", '王*明')
    >>> cell_text("\\x00=1")
    "'=1"
    """
    text = without_controls(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def chart_text(value: object) -> str:
    """A label for matplotlib, drawn as written: ``$`` escaped so it never starts mathtext.

    >>> print(chart_text("$x^2$村"))
    \\$x^2\\$村
    """
    return without_controls(str(value)).replace("$", r"\$")


def url_segment(value: object) -> str:
    """One path segment of a relative link: percent-encoded, so never a scheme nor a parent folder.

    >>> url_segment("990101001"), url_segment("javascript:alert(1)"), url_segment("..")
    ('990101001', 'javascript%3Aalert%281%29', '%2E%2E')
    """
    segment = quote(str(value), safe="")
    if segment.strip(".") == "":  # "", "." and ".." would name this folder or its parent
        return segment.replace(".", "%2E") or "%20"
    return segment
