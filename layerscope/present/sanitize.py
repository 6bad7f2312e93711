"""Make untrusted text harmless for terminals and Markdown.

Everything a peer controls (certificate fields, DNS names, headers, error strings)
passes through :func:`safe_text` before a human-facing renderer shows it. Invisible or
terminal-active characters are shown as escapes (``\\x1b``, ``\\u202e``) instead of being
dropped, so an on-call engineer sees that they were there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["md_escape", "safe_text", "summarize_list"]

# Unicode categories shown escaped: C0/DEL/C1 controls (Cc), format characters such as
# the bidi overrides, zero-width spaces and the BOM (Cf), lone surrogates (Cs), and the
# line/paragraph separators (Zl, Zp) that some terminals and editors treat as newlines.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

# Markdown punctuation that can start emphasis, code, links, raw HTML, entities,
# headings, tables, strikethrough or math anywhere in a line (CommonMark + GFM).
_MD_SPECIAL = frozenset("\\`*_[]<>#|~&$")
# Markers that only matter at the start of a line: bullets and setext underlines, and
# ordered list items ("1. ", "2) ") which need a space or the end after them.
_MD_LINE_START = re.compile(r"^([-+=])|^(\d{1,9})([.)])(?=\s|$)")


def _escape_char(char: str) -> str:
    """Return the visible escape of one character that must not reach the output."""
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(char: str) -> bool:
    """Tell whether a character is invisible or active in a terminal or renderer."""
    return unicodedata.category(char) in _ESCAPED_CATEGORIES


def safe_text(value: str, limit: int = 500, *, multiline: bool = False) -> str:
    """Return ``value`` made harmless for a terminal or a Markdown document.

    Control characters (C0 including TAB/CR/LF, DEL, C1), format characters (bidi
    controls such as U+202E, zero-width characters, the BOM), lone surrogates and the
    Unicode line/paragraph separators are replaced by visible escapes: ``\\t``, ``\\n``,
    ``\\r``, ``\\x1b``, ``\\u202e``. With ``multiline`` a line feed (and a CR LF pair,
    as one line feed) is kept; every other control is still escaped.

    When the escaped text would be longer than ``limit`` characters it is cut (never
    inside an escape) and a marker gives how much of the original value was left out
    and its full length, e.g. ``…(+1,234 chars, 1,734 total)``.

    Args:
        value: untrusted text.
        limit: most characters of escaped text to keep before the marker.
        multiline: keep line feeds (for error messages and config snippets).

    Returns:
        Text without characters a terminal or Markdown renderer would act on.
    """
    if multiline:
        value = value.replace("\r\n", "\n")
    pieces: list[str] = []
    used = 0
    for index, char in enumerate(value):
        if (multiline and char == "\n") or not _needs_escape(char):
            piece = char
        else:
            piece = _escape_char(char)
        if used + len(piece) > limit:
            left = len(value) - index
            pieces.append(f"…(+{left:,} chars, {len(value):,} total)")
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces)


def md_escape(value: str, limit: int = 500) -> str:
    """Return untrusted ``value`` as literal inline Markdown, safe inside a table cell.

    The value first goes through :func:`safe_text` (single line, so it cannot end a
    table row), then every character Markdown could act on is backslash-escaped:
    ``\\ ` * _ [ ] < > # | ~ & $``, plus a leading ``-``, ``+``, ``=`` or ``1.``
    that would start a list or heading at the start of a line. Pass the raw value, not the output of
    :func:`safe_text`: the escaping is applied once, here.

    Args:
        value: untrusted text.
        limit: passed to :func:`safe_text`.

    Returns:
        Markdown source that renders as the sanitised text, literally.
    """
    text = safe_text(value, limit)
    escaped = "".join(f"\\{c}" if c in _MD_SPECIAL else c for c in text)
    return _MD_LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    """Escape the list or heading marker matched at the start of a line."""
    if match.group(1) is not None:
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def summarize_list(items: Iterable[str], limit: int = 10) -> str:
    """Join the first ``limit`` items with ", " and count the rest.

    ``summarize_list(names, 3)`` gives ``"a, b, c (+2,974 more)"``. The items are
    joined as given: pass the result through :func:`safe_text` or :func:`md_escape`
    before showing it.

    Args:
        items: values to list, in display order.
        limit: how many to show.

    Returns:
        The shown items and, when some were left out, how many.
    """
    values = list(items)
    shown = ", ".join(values[: max(limit, 0)])
    rest = len(values) - max(limit, 0)
    if rest <= 0:
        return shown
    more = f"(+{rest:,} more)"
    return f"{shown} {more}" if shown else more
