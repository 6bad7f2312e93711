"""RemediationContext and the helpers that make values safe for commands and texts."""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RemediationContext:
    """Facts a remediation is filled with.

    Attributes:
        host: site name, A-label form (ASCII).
        port: site port.
        sni: server name sent.
        address: the layer's IP (for site-wide findings: the first concerned layer, or ""
            when none).
        layer_port: the layer's port.
        role: "origin", "edge", "file" (a certificate file before it is deployed:
            ``address`` is its path) or "" (site-wide).
        cdn: recognised CDN name ("Cloudflare", "Fastly", ...) or None.
        evidence: the finding's evidence ("missing", "names", "reference_sha256",
            "served_sha256", "extra_ca_files", "expected_issuer", ...).
        extra_ca_files: ``--extra-ca`` files in use, for client-side import commands.
        check_options: further ``layerscope check`` options of this run that shape the
            result (``--resolver``, ``--ca-bundle``, ``--alt-ca-bundle``), as words.
        origin: the ``--origin`` of this run ("" when none), for whole-site re-checks.
        key_file: for a file, the private key file checked with it ("" when none).
        names: for a file, every name it must serve (``--host``; ``host`` is the first).
        config: the nginx configuration that names the file, or whose server block this
            is (``preflight --nginx``); "" otherwise. Checks then run ``preflight --nginx``.
        cert_type: "ecdsa" or "rsa" when the finding is about one of the two certificates
            a layer serves (commands then ask for that type); "" otherwise.
    """

    host: str
    port: int
    sni: str
    address: str
    layer_port: int
    role: str
    cdn: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    extra_ca_files: tuple[str, ...] = ()
    check_options: tuple[str, ...] = ()
    origin: str = ""
    key_file: str = ""
    names: tuple[str, ...] = ()
    config: str = ""
    cert_type: str = ""


# --------------------------------------------------------------------------- safe values

# A name that can sit unquoted in a config line or a file path: letters, digits, dots,
# hyphens, underscores and colons (IPv6 literals); never starting with "-" or ".".
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._:-]{0,252}")
# A DNS name as found in a SAN, optionally a wildcard: safe to pass (quoted) to certbot.
_DNS_NAME = re.compile(
    r"(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
    r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?"
)
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_FILE_BASENAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,100}")
_MAX_LISTED = 5


def _q(value: str) -> str:
    """Shell-quote ``value`` (plain names and IPs come back unchanged).

    Quoting cannot make a control character harmless on a terminal, so such values are
    shown escaped instead (the command then fails rather than misbehaves).
    """
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        value = _visible(value, 300)
    return shlex.quote(value)


def _visible(value: object, limit: int = 200) -> str:
    """``value`` as one line of text with control and format characters made visible."""
    raw = value if isinstance(value, str) else str(value)
    raw = raw[: limit * 2]
    out: list[str] = []
    for ch in raw:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _items(value: object) -> tuple[str, ...]:
    """Evidence value as a tuple of strings, whatever shape it came in."""
    if value is None:
        return ()
    if isinstance(value, str | bytes | int | float):
        return (value.decode("ascii", "replace") if isinstance(value, bytes) else str(value),)
    if isinstance(value, Mapping):
        for key in ("subject", "name", "url", "value"):
            if key in value:
                return _items(value[key])
        return tuple(str(k) for k in value)
    if isinstance(value, Iterable):
        out: list[str] = []
        for item in value:
            if isinstance(item, Mapping):
                out.extend(_items(item)[:1])
            elif isinstance(item, list | tuple):
                # e.g. (url, element) pairs: keep them together, readable.
                out.append(" ".join(str(x) for x in item))
            else:
                out.append(str(item))
            if len(out) > 100:
                break
        return tuple(out)
    return (str(value),)


def _listing(values: Iterable[str]) -> str:
    """First few values, made visible, with a count of the rest."""
    items = list(values)
    shown = "; ".join(_visible(v, 120) for v in items[:_MAX_LISTED])
    rest = len(items) - _MAX_LISTED
    return f"{shown} (and {rest} more)" if rest > 0 else shown


def _fingerprint(value: object) -> str | None:
    """A SHA-256 fingerprint in OpenSSL's colon form, or None when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    digits = value.replace(":", "")
    if not _HEX64.fullmatch(digits):
        return None
    digits = digits.upper()
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))
