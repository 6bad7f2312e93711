"""What an nginx configuration says about TLS: frozen values, read by ``net/nginx.py``.

One :class:`NginxServer` per ``server`` block that speaks TLS, with where it is written,
its names, the addresses it listens on (and where to connect to handshake it from the
server itself), and each certificate/key pair it loads, paths resolved as nginx resolves
them. What could not be read or checked is a :class:`NginxProblem`, never an exception.
``preflight --nginx`` attaches a :class:`NginxCheck` to each report: the block, its pair,
and what a handshake with the block got (:class:`NginxServed`).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

# where ``preflight --nginx`` looks without an argument (Debian's and nginx.org's place)
from layerscope.model.defaults import DEFAULT_CONF

__all__ = [
    "DEFAULT_CONF",
    "NginxCertificate",
    "NginxCheck",
    "NginxConfig",
    "NginxListen",
    "NginxProblem",
    "NginxProblemKind",
    "NginxServed",
    "NginxServer",
]


class NginxProblemKind(enum.StrEnum):
    """Why part of an nginx configuration could not be read or checked."""

    MISSING_FILE = "missing_file"  # the configuration, or a file an include names, is absent
    UNREADABLE = "unreadable"  # it exists but cannot be read (permissions, a directory)
    PARSE_ERROR = "parse_error"  # a syntax or directive error, at a file and line
    NOT_CHECKABLE = "not_checkable"  # a path with variables: nginx picks it per handshake
    NO_KEY = "no_key"  # an ssl_certificate without its ssl_certificate_key
    NO_CERTIFICATE = "no_certificate"  # a TLS server without any ssl_certificate
    NOT_TLS = "not_tls"  # ssl_certificate set, but no listen of the block speaks TLS


@dataclass(frozen=True)
class NginxProblem:
    """Something the reader could not read or check, said in one sentence.

    Attributes:
        kind: the machine-readable reason.
        message: for humans, without a file:line prefix (see :attr:`where`); paths and
            words come from the configuration: sanitise before showing.
        file: the file it concerns ("" when none).
        line: the line in ``file``; None when not known (a file that cannot be read).
    """

    kind: NginxProblemKind
    message: str
    file: str = ""
    line: int | None = None

    @property
    def unread(self) -> bool:
        """Part of the configuration could not be read (a missing or unreadable file, a
        parse error): what was checked may not be all nginx loads."""
        return self.kind in (
            NginxProblemKind.MISSING_FILE,
            NginxProblemKind.UNREADABLE,
            NginxProblemKind.PARSE_ERROR,
        )

    @property
    def where(self) -> str:
        """``file:line``, ``file`` or ""."""
        if self.file and self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class NginxListen:
    """One ``listen`` of a server block.

    Attributes:
        written: the address argument as written (``443``, ``[::]:443``); "" for the
            implicit ``*:80`` of a block without ``listen``.
        address: what nginx binds: an IP address (``0.0.0.0``, ``::`` for all), a host
            name (resolved by nginx at start), or ``unix:/path``.
        port: the TCP port (0 for a unix socket).
        ssl: connections on it speak TLS (its ``ssl`` parameter, the same parameter on
            another block's listen of the same address and port, or ``ssl on``).
        all_addresses: it listens on every address of its family.
        handshake_address: where to connect to handshake it from the server itself:
            ``127.0.0.1`` / ``::1`` for all addresses, else ``address``; "" for a unix
            socket.
        proxy_protocol: nginx expects a PROXY protocol header before the handshake.
        quic: a QUIC (UDP) listen, not reachable by a TCP handshake.
        default_server: the block answers handshakes without a matching SNI name.
    """

    written: str
    address: str
    port: int
    ssl: bool
    all_addresses: bool
    handshake_address: str
    proxy_protocol: bool = False
    quic: bool = False
    default_server: bool = False


@dataclass(frozen=True)
class NginxCertificate:
    """One ``ssl_certificate`` with the ``ssl_certificate_key`` nginx pairs it with (the
    n-th with the n-th: two pairs for an RSA and an ECDSA certificate).

    Attributes:
        certificate: the file nginx opens (relative paths resolved against the
            configuration's directory), or the value as written when not checkable.
        key: the key file (resolved the same way); "" when the block has no key for it.
        file: the file of the ``ssl_certificate`` directive.
        line: its line.
        key_file: the file of the ``ssl_certificate_key`` directive ("" when none).
        key_line: its line (0 when none).
        inherited: the pair comes from the ``http`` (or ``stream``) level.
        checkable: False when a path holds variables (``$ssl_server_name``), ``data:``
            or ``engine:``: nginx decides at each handshake, no file can be checked.
    """

    certificate: str
    key: str
    file: str
    line: int
    key_file: str = ""
    key_line: int = 0
    inherited: bool = False
    checkable: bool = True


@dataclass(frozen=True)
class NginxServer:
    """A ``server`` block that speaks TLS (``listen ... ssl``, ``ssl on`` or its own
    ``ssl_certificate``).

    Attributes:
        file: the file the block is written in.
        line: the line of ``server {``.
        context: ``http`` or ``stream``.
        server_names: every ``server_name`` value, in order (``_``, wildcards and
            regular expressions included, as written).
        listens: its ``listen`` directives (the implicit ``*:80`` when it has none).
        certificates: its certificate/key pairs, its own or those inherited.
        password_file: its ``ssl_password_file`` (resolved), "" when none.
        rejects_handshake: ``ssl_reject_handshake on``: it needs no certificate.
        problems: what could not be checked in this block.
    """

    file: str
    line: int
    context: str
    server_names: tuple[str, ...]
    listens: tuple[NginxListen, ...]
    certificates: tuple[NginxCertificate, ...]
    password_file: str = ""
    rejects_handshake: bool = False
    problems: tuple[NginxProblem, ...] = ()

    @property
    def where(self) -> str:
        """``file:line`` of the block."""
        return f"{self.file}:{self.line}"

    @property
    def sni_name(self) -> str:
        """The first server name a client can send as SNI: "" when none (``_``, "",
        regular expressions); ``.example.com`` gives ``example.com``; a wildcard
        ``*.example.com`` is skipped."""
        for name in self.server_names:
            plain = name[1:] if name.startswith(".") else name
            if plain and plain != "_" and not plain.startswith("~") and "*" not in plain:
                return plain
        return ""

    @property
    def tls_listens(self) -> tuple[NginxListen, ...]:
        """Its listens that speak TLS over TCP (what a handshake can test)."""
        return tuple(x for x in self.listens if x.ssl and not x.quic and x.handshake_address)


@dataclass(frozen=True)
class NginxConfig:
    """An nginx configuration, its includes followed.

    Attributes:
        path: the main configuration file (absolute).
        conf_dir: where nginx resolves relative paths (the main file's directory).
        files: every file read, the main one first.
        servers: the TLS server blocks, in configuration order.
        problems: what could not be read in the configuration as a whole (missing or
            unreadable files, parse errors); those of one block are in its ``problems``.
    """

    path: str
    conf_dir: str
    files: tuple[str, ...]
    servers: tuple[NginxServer, ...]
    problems: tuple[NginxProblem, ...] = ()

    @property
    def all_problems(self) -> tuple[NginxProblem, ...]:
        """The configuration's problems, then each block's."""
        return self.problems + tuple(p for s in self.servers for p in s.problems)


@dataclass(frozen=True)
class NginxServed:
    """What one handshake with a server block's ``listen`` got, from the server itself.

    Attributes:
        listen: the ``listen`` address as written.
        address: where the handshake went (loopback for a listen on all addresses).
        port: its port.
        sni: the server name sent ("" when none was sent).
        sha256: SHA-256 of the leaf served ("" when none).
        not_before: that leaf's start of validity (None when none).
        not_after: its end of validity (None when none).
        key_type: its key type ("RSA", "EC"...; "" when none): with an RSA and an ECDSA
            certificate, the server sends the one the client prefers.
        error: why no leaf was served ("" when one was).
    """

    listen: str
    address: str
    port: int
    sni: str
    sha256: str = ""
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    key_type: str = ""
    error: str = ""


@dataclass(frozen=True)
class NginxCheck:
    """The server block whose files a ``preflight --nginx`` report checks, and what the
    block serves.

    Attributes:
        config: the main configuration file.
        server: the block.
        certificate: the certificate/key pair of this report (None when the block has no
            pair that names files).
        served: the handshake with the block (None when none could be made: see
            ``note``).
        note: why the block was not handshaken, or why this pair was not compared with
            what it serves ("" when it was).
        problems: what could not be read or checked: the configuration's, then the
            block's.
    """

    config: str
    server: NginxServer
    certificate: NginxCertificate | None = None
    served: NginxServed | None = None
    note: str = ""
    problems: tuple[NginxProblem, ...] = ()
