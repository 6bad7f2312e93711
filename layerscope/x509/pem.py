"""PEM files as OpenSSL's PEM reader sees them: blocks, and what is broken or stray
around them. Bytes in, values out; nothing here raises for any input.

OpenSSL (nginx and Apache both use it) skips anything outside ``-----BEGIN`` / ``-----END``
lines and blocks of another type, accepts CRLF line endings, and refuses a block that is
cut short or whose base64 is broken.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

MAX_BYTES = 1024 * 1024
"""Largest file read: a certificate chain is a few KB, a whole CA bundle some 200 KB."""

CERT_LABELS = frozenset({"CERTIFICATE", "X509 CERTIFICATE"})
"""Labels of the blocks servers read as certificates."""

KEY_LABELS = frozenset(
    {
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "DSA PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
    }
)
"""Labels of private key blocks."""

CSR_LABELS = frozenset({"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"})
PUBLIC_LABELS = frozenset({"PUBLIC KEY", "RSA PUBLIC KEY"})
PKCS7_LABELS = frozenset({"PKCS7", "CMS"})
PARAMETER_LABELS = frozenset({"DH PARAMETERS", "X9.42 DH PARAMETERS", "EC PARAMETERS"})
"""Apache reads DH and EC parameters from ``SSLCertificateFile``: they may be there."""

BOM = b"\xef\xbb\xbf"
_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 .#]{1,40})-----")
_END = re.compile(r"-----END ([A-Z0-9 .#]{1,40})-----")
_LINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file.

    Attributes:
        kind: machine-readable (``empty``, ``der``, ``truncated``, ``mismatch``...).
        message: one sentence for humans, without the file's name or raw contents.
        fatal: the server would not load the file (or the pair) as it is.
        line: the 1-based line it is about, 0 when it is about the whole file.
    """

    kind: str
    message: str
    fatal: bool
    line: int = 0


@dataclass(frozen=True)
class Block:
    """One PEM block.

    Attributes:
        label: what its BEGIN line says (``CERTIFICATE``, ``PRIVATE KEY``...).
        line: the 1-based line of its BEGIN line.
        der: its base64 decoded; ``b""`` when that failed (a ``bad_block`` problem says so).
        encrypted: a ``Proc-Type: 4,ENCRYPTED`` header (an old-style encrypted key).
    """

    label: str
    line: int
    der: bytes
    encrypted: bool

    @property
    def pem(self) -> bytes:
        """The block as PEM text again (for cryptography's PEM loaders)."""
        body = binascii.b2a_base64(self.der, newline=False).decode("ascii")
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        text = [f"-----BEGIN {self.label}-----", *lines, f"-----END {self.label}-----", ""]
        return "\n".join(text).encode("ascii")


@dataclass(frozen=True)
class Pem:
    """The blocks of a PEM file and what is broken or stray around them.

    Attributes:
        blocks: every complete block, in file order (those cut short are left out).
        problems: truncated blocks, broken base64, text outside the blocks, a byte order
            mark, in file order.
    """

    blocks: tuple[Block, ...]
    problems: tuple[Problem, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """The blocks' labels in file order."""
        return tuple(b.label for b in self.blocks)


def too_large() -> Problem:
    """The problem of a file over :data:`MAX_BYTES`."""
    limit = f"{MAX_BYTES // 1024:,} KiB"
    return Problem("too_large", f"the file is larger than {limit}: not a certificate chain", True)


def notes(data: bytes) -> tuple[str, ...]:
    """Harmless facts about the bytes of a file, for the report's header."""
    return ("CRLF line endings",) if b"\r\n" in data else ()


def _decoded(label: str, start: int, body: list[str]) -> tuple[bytes, Problem | None]:
    try:
        der = binascii.a2b_base64("".join(body), strict_mode=True)
    except (binascii.Error, ValueError):
        der = b""
    if der:
        return der, None
    message = (
        f"the {label} block at line {start} is not valid base64 (a character was changed, "
        "added or lost): servers refuse the file"
    )
    return b"", Problem("bad_block", message, True, start)


def _cut(label: str, start: int, missing: bool) -> Problem:
    what = "has no END line: the file is truncated" if missing else "is cut short"
    return Problem(
        "truncated",
        f"the {label} block at line {start} {what} (servers refuse the file)",
        True,
        start,
    )


def _outside(lines: list[int]) -> Problem:
    count = len(lines)
    return Problem(
        "text_outside_blocks",
        f"text outside the PEM blocks at line {lines[0]} ({count} line{'' if count == 1 else 's'}"
        " in all): servers skip it, but it usually means a copy-and-paste went wrong",
        False,
        lines[0],
    )


def read_pem(data: bytes) -> Pem:
    """The PEM blocks of ``data`` and what is broken or stray around them."""
    blocks: list[Block] = []
    problems: list[Problem] = []
    if data.startswith(BOM):
        message = (
            "the file starts with a UTF-8 byte order mark (saved by a Windows editor): "
            "OpenSSL 3 skips it, older versions may miss the first certificate"
        )
        problems.append(Problem("byte_order_mark", message, False, 1))
    outside: list[int] = []
    current: tuple[str, int] | None = None
    body: list[str] = []
    encrypted = False
    for number, raw in enumerate(_LINES.split(data.removeprefix(BOM).decode("latin-1")), 1):
        line = raw.strip()
        begin = _BEGIN.fullmatch(line)
        if current is not None:
            end = _END.fullmatch(line)
            if begin is None and end is None:
                if ":" in line and not body:  # a header: Proc-Type: 4,ENCRYPTED, DEK-Info
                    encrypted = encrypted or "ENCRYPTED" in line
                else:
                    body.append(line)
                continue
            label, start = current
            current = None
            if end is not None and end.group(1) == label:
                der, problem = _decoded(label, start, body)
                problems.extend([problem] if problem else [])
                blocks.append(Block(label, start, der, encrypted))
                continue
            problems.append(_cut(label, start, missing=False))
            if begin is None:
                continue
        if begin is not None:
            current, body, encrypted = (begin.group(1), number), [], False
        elif line:
            outside.append(number)
    if current is not None:
        problems.append(_cut(*current, missing=True))
    if outside and blocks:
        problems.append(_outside(outside))
    problems.sort(key=lambda p: p.line)
    return Pem(tuple(blocks), tuple(problems))


__all__ = [
    "BOM",
    "CERT_LABELS",
    "CSR_LABELS",
    "KEY_LABELS",
    "MAX_BYTES",
    "PARAMETER_LABELS",
    "PKCS7_LABELS",
    "PUBLIC_LABELS",
    "Block",
    "Pem",
    "Problem",
    "notes",
    "read_pem",
    "too_large",
]
