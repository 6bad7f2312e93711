"""Find ``http://`` subresources, the upgrade meta tag and the title in an HTTPS page.

The page is untrusted: it is parsed with the standard library's tolerant
:class:`html.parser.HTMLParser` (never with regular expressions over HTML), malformed
markup never raises, and the work is linear in the size of the input. The parser is fed
once and never closed: ``HTMLParser.close()`` rescans unfinished constructs from every
``<`` to the end (quadratic time on inputs such as ``"<!--" * 250_000``), and what it
would recover (text after an unclosed comment or tag) is not markup for browsers either.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from layerscope.model import MixedRef

__all__ = [
    "MAX_CHARS",
    "MAX_TITLE",
    "MAX_URL",
    "PageScan",
    "csp_upgrades",
    "scan_page",
    "srcset_urls",
]

MAX_CHARS = 2 << 20
"""Characters of a page that are scanned; the rest is ignored (the fetcher sends 1 MiB)."""

MAX_URL = 2048
"""Longest URL kept in a :class:`MixedRef`; longer ones are cut and end with "…"."""

MAX_TITLE = 300
"""Longest title kept, after whitespace is collapsed."""

# element -> (attribute, active) pairs holding one URL each; active content is what
# browsers block (scripts, frames, forms, plugins), passive what they warn about
_URL_ATTRS: dict[str, tuple[tuple[str, bool], ...]] = {
    "script": (("src", True),),
    "iframe": (("src", True),),
    "frame": (("src", True),),
    "form": (("action", True),),
    "object": (("data", True),),
    "embed": (("src", True),),
    "img": (("src", False),),
    "audio": (("src", False),),
    "video": (("src", False), ("poster", False)),
    "track": (("src", False),),
}
_MEDIA = frozenset({"picture", "audio", "video"})
# elements whose content browsers read as text (or do not render): tags inside are not tags
_RAW_TEXT = frozenset({"title", "textarea", "xmp", "noembed", "noframes", "iframe", "noscript"})
# start tags that may appear before <body> without starting it
_HEAD_TAGS = frozenset(
    {"html", "head", "title", "base", "link", "meta", "style", "script", "noscript", "template"}
)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_C0_SPACE = "".join(chr(c) for c in range(0x21))


@dataclass(frozen=True)
class PageScan:
    """What one HTML page says about its subresources.

    Attributes:
        mixed: ``http://`` subresources in document order, each (element, attribute,
            URL) once, at most ``limit`` of them.
        upgrade_meta: a ``<meta http-equiv="Content-Security-Policy">`` in the head has
            the ``upgrade-insecure-requests`` directive.
        title: the first ``<title>``, whitespace collapsed, "" when none.
    """

    mixed: tuple[MixedRef, ...] = ()
    upgrade_meta: bool = False
    title: str = ""


def scan_page(html: str, *, limit: int = 200) -> PageScan:
    """Scan ``html`` (an HTTPS page) for mixed content, the upgrade meta tag and the title.

    Mixed content is an ``http://`` URL (any case) in a subresource attribute; relative
    URLs count only after a ``<base href="http://...">``, and are then reported resolved.
    Never raises on malformed input; scans at most :data:`MAX_CHARS` characters.
    """
    scanner = _Scanner(max(limit, 0))
    # the parser's odd corners (e.g. unknown marked sections) must not end the scan
    with contextlib.suppress(Exception):
        scanner.feed(html[:MAX_CHARS])
    return scanner.result()


def srcset_urls(value: str) -> Iterator[str]:
    """The URLs of a ``srcset`` attribute, following the HTML standard's parsing rules."""
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i] in " \t\n\r\f,"):
            i += 1
        start = i
        while i < n and value[i] not in " \t\n\r\f":
            i += 1
        url = value[start:i]
        if not url:
            return
        if url.endswith(","):
            # "a.png,b.png": the commas end the candidate, no descriptors follow
            url = url.rstrip(",")
            if url:
                yield url
            continue
        yield url
        # skip the descriptors up to the comma that ends this candidate
        depth = 0
        while i < n:
            ch = value[i]
            if ch == "(":
                depth += 1
            elif ch == ")" and depth:
                depth -= 1
            elif ch == "," and not depth:
                i += 1
                break
            i += 1


def csp_upgrades(policy: str) -> bool:
    """The Content-Security-Policy value (policies comma-separated) has the
    ``upgrade-insecure-requests`` directive (directive names are case-insensitive)."""
    for part in policy.split(","):
        for directive in part.split(";"):
            tokens = directive.split()
            if tokens and tokens[0].lower() == "upgrade-insecure-requests":
                return True
    return False


def _clean_url(value: str) -> str:
    # what browsers do before parsing a URL: strip C0 controls and spaces, drop tabs/newlines
    return value.strip(_C0_SPACE).translate(_TAB_NEWLINE)


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _cap(url: str) -> str:
    return url if len(url) <= MAX_URL else url[: MAX_URL - 1] + "…"


class _Scanner(HTMLParser):
    """Collects mixed content while parsing.

    ``<base href>`` applies to the elements after it: browsers fetch what they have
    parsed before they see the base element against the page's own URL.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self._limit = limit
        self._found: list[MixedRef] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._base: str | None = None
        self._media: list[str] = []
        self._raw: str | None = None  # inside a raw-text element: its name
        self._in_body = False
        self._upgrade_meta = False
        self._title: list[str] | None = None
        self._title_done = False
        self._title_len = 0

    # -- parser callbacks ------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Route one start tag (self-closing ones come here too)."""
        if self._raw is not None:
            return
        if tag not in _HEAD_TAGS:
            self._in_body = True
        if not attrs and tag not in _RAW_TEXT and tag not in _MEDIA:
            return  # the common case on big pages: nothing to look at
        values = self._first_values(attrs)
        self._collect(tag, values)
        if tag in _MEDIA:
            self._media.append(tag)
        elif tag == "base" and self._base is None and values.get("href"):
            self._base = _clean_url(values["href"])
        elif tag == "meta" and not self._in_body:
            self._meta(values)
        if tag in _RAW_TEXT:
            self._raw = tag
            if tag == "title" and not self._title_done:
                self._title = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """``<tag/>``: HTML ignores the slash on elements (``<iframe/>`` still opens one)."""
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        """Close raw-text and media elements."""
        if self._raw is not None:
            if tag != self._raw:
                return
            self._raw = None
            if tag == "title" and self._title is not None:
                self._title_done = True
            return
        if tag in _MEDIA and tag in self._media:
            while self._media and self._media.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        """Keep title text; text outside the head starts the body."""
        if self._raw == "title" and self._title is not None and not self._title_done:
            if self._title_len <= MAX_TITLE:
                self._title.append(data[: MAX_TITLE + 1])
                self._title_len += len(data)
        elif self._raw is None and not self._in_body and data.strip():
            self._in_body = True

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """``<![...``: what Python 3.11 does, but an unknown keyword is a bogus comment up to
        the next ``>`` (as in browsers) instead of an AssertionError that ends the scan."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    # -- helpers --------------------------------------------------------------------

    @staticmethod
    def _first_values(attrs: list[tuple[str, str | None]]) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, value in attrs:
            # browsers keep the first of duplicate attributes
            if name not in values:
                values[name] = value or ""
        return values

    def _meta(self, values: dict[str, str]) -> None:
        if values.get("http-equiv", "").strip().lower() != "content-security-policy":
            return
        if csp_upgrades(values.get("content", "")):
            self._upgrade_meta = True

    def _collect(self, tag: str, values: dict[str, str]) -> None:
        for attribute, active in _URL_ATTRS.get(tag, ()):
            if attribute in values:
                self._candidate(tag, attribute, values[attribute], active)
        if tag == "img" and "srcset" in values:
            for url in srcset_urls(values["srcset"]):
                self._candidate(tag, "srcset", url, False)
        elif tag == "source":
            parent = self._media[-1] if self._media else ""
            if parent == "picture" and "srcset" in values:
                for url in srcset_urls(values["srcset"]):
                    self._candidate(tag, "srcset", url, False)
            elif parent in ("audio", "video") and "src" in values:
                self._candidate(tag, "src", values["src"], False)
        elif tag == "link" and "href" in values and self._link_active(values):
            self._candidate(tag, "href", values["href"], True)

    @staticmethod
    def _link_active(values: dict[str, str]) -> bool:
        rel = values.get("rel", "").lower().split()
        destination = values.get("as", "").strip().lower()
        if "stylesheet" in rel or "modulepreload" in rel:
            return True
        return "preload" in rel and destination in ("script", "style")

    def _candidate(self, element: str, attribute: str, raw: str, active: bool) -> None:
        if len(self._found) >= self._limit:
            return
        url = _clean_url(raw)
        if not url:
            return  # an empty URL loads nothing useful (or the page itself)
        scheme = _scheme(url)
        if scheme is None and self._base is not None and _scheme(self._base) == "http":
            url, scheme = _join(self._base, url), "http"
        if scheme != "http":
            return
        ref = MixedRef(element, attribute, _cap(url), active)
        key = (element, attribute, ref.url)
        if key not in self._seen:
            self._seen.add(key)
            self._found.append(ref)

    def result(self) -> PageScan:
        """The scan of everything fed so far."""
        title = " ".join("".join(self._title or ()).split())[:MAX_TITLE]
        return PageScan(tuple(self._found), self._upgrade_meta, title)


def _join(base: str, url: str) -> str:
    try:
        return urljoin(base, url)
    except ValueError:  # e.g. an invalid IPv6 literal in the base
        return url
