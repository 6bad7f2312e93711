"""Read an nginx configuration, its includes followed, into the TLS server blocks it sets up.

:func:`read_config` returns a :class:`~layerscope.model.nginx.NginxConfig`: for each
``server`` block of ``http`` (or ``stream``) that speaks TLS, its file and line, its
``server_name``\\s, its ``listen`` addresses (with the loopback address to handshake one
that listens on all addresses) and every ``ssl_certificate`` / ``ssl_certificate_key`` pair
it loads, its own or inherited from the ``http`` level, paths resolved against the main
file's directory as nginx does (its ``conf_prefix``). Missing includes, unreadable files,
parse errors (file:line) and paths with variables are values, never exceptions. Files are
read, nothing is started: no nginx is needed.

The parser is ngxparse (PyPI), the maintained fork of nginxinc's crossplane by the gixy-ng
maintainer: the same ``import crossplane`` API, Apache-2.0, packaged by Alpine as the
"maintained fork of crossplane". crossplane itself has had no release since 0.5.8 (2022;
nginxinc works on its Go port), and its lexer fails at the end of a file: a last directive
without ``;`` gives an error with an empty message and no line, an unclosed quote is
reported as a missing ``}``. ngxparse 0.5.16 (2026) says ``directive "x" is not terminated
by ";" in FILE:LINE`` and names the quote. Only ``crossplane.parse`` is used, which both
have, so going back is a change of dependency. Both check each known directive's context
and arguments against nginx's own table, as ``nginx -t`` does (a directive that fails is
left out and named as a parse error).
"""

from __future__ import annotations

import errno
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import crossplane
from crossplane.errors import NgxParserBaseException

from layerscope.model.nginx import (
    DEFAULT_CONF,
    NginxCertificate,
    NginxConfig,
    NginxListen,
    NginxProblem,
    NginxProblemKind,
    NginxServer,
)

__all__ = ["DEFAULT_CONF", "read_config"]


Kind = NginxProblemKind
_Stmt = dict[str, Any]
_Item = tuple[str, tuple[int, ...], _Stmt]  # (file, include stack, statement)
_Value = tuple[str, str, int]  # (argument as written, file, line)


def _describe(exc: Exception) -> tuple[str, str, str, int | None]:
    """crossplane's ``onerror``: (kind, reason, file, line) of a parse failure."""
    if isinstance(exc, NgxParserBaseException):
        return "parse", str(exc.strerror), str(exc.filename or ""), exc.lineno
    if isinstance(exc, OSError):
        kind = "missing" if exc.errno == errno.ENOENT else "unreadable"
        return kind, exc.strerror or str(exc), str(exc.filename or ""), None
    return "parse", str(exc) or type(exc).__name__, "", None


def _problem(error: dict[str, Any]) -> NginxProblem:
    """A problem of the configuration from one error of crossplane's payload."""
    file, line = str(error.get("file") or ""), error.get("line")
    kind, reason, filename, lineno = error.get("callback") or ("parse", error["error"], "", None)
    if kind == "parse":
        return NginxProblem(Kind.PARSE_ERROR, reason, filename or file, lineno or line)
    which = Kind.MISSING_FILE if kind == "missing" else Kind.UNREADABLE
    if filename and filename != file:  # an include that names a file nginx cannot open
        return NginxProblem(which, f"include {filename}: {reason}", file, line)
    return NginxProblem(which, f"cannot read it: {reason}", file, None)


@dataclass
class _Block:
    """The directives of one level (``http``, ``stream`` or a ``server``), as written."""

    certificates: list[_Value] = field(default_factory=list)
    keys: list[_Value] = field(default_factory=list)
    listens: list[tuple[list[str], str, int]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    ssl: bool | None = None
    reject: bool | None = None
    password: _Value | None = None


def _collect(items: list[_Item]) -> _Block:
    block = _Block()
    for file, _stack, stmt in items:
        name, args, line = stmt["directive"], list(stmt.get("args") or ()), stmt.get("line", 0)
        if not args:
            continue
        if name == "ssl_certificate":
            block.certificates.append((args[0], file, line))
        elif name == "ssl_certificate_key":
            block.keys.append((args[0], file, line))
        elif name == "listen":
            block.listens.append((args, file, line))
        elif name == "server_name":
            block.names.extend(args)
        elif name in ("ssl", "ssl_reject_handshake"):
            on = args[0].lower() == "on"
            block.ssl, block.reject = (on, block.reject) if name == "ssl" else (block.ssl, on)
        elif name == "ssl_password_file":
            block.password = (args[0], file, line)
    return block


def _not_checkable(value: str) -> str:
    """Why a certificate or key value names no file to check, or ""."""
    if value.startswith("data:"):
        return "holds the PEM itself (data:), from a variable"
    if value.startswith("engine:"):
        return "is a key held by an OpenSSL engine"
    if "$" in value:
        return "names its file with variables: nginx opens it at each handshake"
    return ""


def _split(spec: str) -> tuple[str, str] | None:
    """(host, port) of a listen address; None when malformed."""
    if spec.startswith("["):
        host, bracket, rest = spec[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        return f"[{host}]", rest[1:] or "80"
    if spec.isdigit():
        return "*", spec
    if ":" in spec:
        host, _, port = spec.rpartition(":")
        return host, port
    return spec, "80"


def _listen(args: list[str], file: str, line: int) -> NginxListen | NginxProblem:
    spec, params = args[0], {p.lower() for p in args[1:]}
    flags = {
        "ssl": "ssl" in params or "quic" in params,
        "proxy_protocol": "proxy_protocol" in params,
        "quic": "quic" in params,
        "default_server": bool(params & {"default_server", "default"}),
    }
    if spec.startswith("unix:"):
        return NginxListen(spec, spec, 0, all_addresses=False, handshake_address="", **flags)
    parts = _split(spec)
    if parts is None or not parts[1].isdigit() or not 0 < int(parts[1]) < 65536:
        return NginxProblem(Kind.PARSE_ERROR, f'invalid address in "listen {spec}"', file, line)
    host, port = parts
    text = host[1:-1] if host.startswith("[") else ("0.0.0.0" if host == "*" else host)
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        if host.startswith("["):
            return NginxProblem(Kind.PARSE_ERROR, f'invalid IPv6 in "listen {spec}"', file, line)
        name = text.lower()
        return NginxListen(
            spec, name, int(port), all_addresses=False, handshake_address=name, **flags
        )
    address, everywhere = str(ip), ip.is_unspecified
    loopback = ("127.0.0.1" if ip.version == 4 else "::1") if everywhere else address
    return NginxListen(
        spec, address, int(port), all_addresses=everywhere, handshake_address=loopback, **flags
    )


@dataclass
class _Reader:
    """One reading of a configuration: crossplane's files, and what was found in them."""

    configs: list[dict[str, Any]]
    conf_dir: str
    problems: list[NginxProblem] = field(default_factory=list)
    servers: list[NginxServer] = field(default_factory=list)

    def expand(self, stmts: list[_Stmt], file: str, stack: tuple[int, ...]) -> Iterator[_Item]:
        """The statements of one level, each ``include`` replaced by the files it names."""
        for stmt in stmts:
            if stmt.get("directive") != "include" or "includes" not in stmt:
                yield file, stack, stmt
                continue
            for index in stmt["includes"]:
                included = self.configs[index]
                if index in stack:
                    why = f"include {included['file']}: the file includes itself"
                    self.problems.append(NginxProblem(Kind.PARSE_ERROR, why, file, stmt["line"]))
                    continue
                yield from self.expand(included["parsed"], included["file"], (*stack, index))

    def path(self, value: str) -> str:
        """The file nginx opens for a path as written (relative to its conf_prefix)."""
        return value if _not_checkable(value) else os.path.join(self.conf_dir, value)

    def read(self) -> None:
        """Find the ``http`` and ``stream`` blocks of the main file and read them."""
        if not self.configs:
            return
        main = self.configs[0]
        for file, stack, stmt in self.expand(main["parsed"], main["file"], (0,)):
            if stmt["directive"] in ("http", "stream") and "block" in stmt:
                self.context(stmt["directive"], list(self.expand(stmt["block"], file, stack)))

    def context(self, name: str, items: list[_Item]) -> None:
        """The TLS servers of one ``http`` or ``stream`` block."""
        level = _collect(items)
        blocks = [
            (file, stmt, _collect(list(self.expand(stmt["block"], file, stack))))
            for file, stack, stmt in items
            if stmt["directive"] == "server" and "block" in stmt
        ]
        drafts = [self.server(name, file, stmt["line"], own, level) for file, stmt, own in blocks]
        # nginx sets `ssl` per address and port: one block's `listen 443 ssl` makes every
        # block's `listen 443` on the same (TCP) socket speak TLS
        sockets = {
            (x.address, x.port) for s, _, _ in drafts for x in s.listens if x.ssl and not x.quic
        }
        for server, ssl_on, own_certificates in drafts:
            listens = tuple(
                x if x.quic else replace(x, ssl=x.ssl or ssl_on or (x.address, x.port) in sockets)
                for x in server.listens
            )
            self.finish(replace(server, listens=listens), own_certificates)

    def server(
        self, context: str, file: str, line: int, own: _Block, level: _Block
    ) -> tuple[NginxServer, bool, bool]:
        """A draft of one block (listens with their own ``ssl`` parameter only), whether
        ``ssl on`` applies to it, and whether it sets ``ssl_certificate`` itself."""
        problems: list[NginxProblem] = []
        listens: list[NginxListen] = []
        for args, where, at in own.listens:
            value = _listen(args, where, at)
            if isinstance(value, NginxProblem):
                problems.append(value)
                continue
            listens.append(value)
        if not own.listens:
            listens.append(NginxListen("", "0.0.0.0", 80, False, True, "127.0.0.1"))
        certificates = self.pairs(own, level, problems)
        password = own.password or level.password
        server = NginxServer(
            file,
            line,
            context,
            tuple(own.names),
            tuple(listens),
            certificates,
            password_file=self.path(password[0]) if password else "",
            rejects_handshake=bool(own.reject if own.reject is not None else level.reject),
            problems=tuple(problems),
        )
        ssl_on = bool(own.ssl if own.ssl is not None else level.ssl)
        return server, ssl_on, bool(own.certificates)

    def pairs(
        self, own: _Block, level: _Block, problems: list[NginxProblem]
    ) -> tuple[NginxCertificate, ...]:
        """Each certificate with the key nginx pairs it with (the n-th with the n-th); the
        ``http`` level's list of either when the block sets none of its own."""
        certificates = own.certificates or level.certificates
        keys = own.keys or level.keys
        out: list[NginxCertificate] = []
        for index, (value, file, line) in enumerate(certificates):
            key, key_file, key_line = keys[index] if index < len(keys) else ("", "", 0)
            if not key:
                why = f'no "ssl_certificate_key" for "ssl_certificate {value}"'
                problems.append(NginxProblem(Kind.NO_KEY, why, file, line))
            checkable = True
            for directive, text, where, at in (
                ("ssl_certificate", value, file, line),
                ("ssl_certificate_key", key, key_file, key_line),
            ):
                why = _not_checkable(text)
                if why:
                    checkable = False
                    message = f'"{directive} {text}" {why}: it cannot be checked here'
                    problems.append(NginxProblem(Kind.NOT_CHECKABLE, message, where, at))
            out.append(
                NginxCertificate(
                    self.path(value),
                    self.path(key) if key else "",
                    file,
                    line,
                    key_file,
                    key_line,
                    inherited=not own.certificates,
                    checkable=checkable,
                )
            )
        return tuple(out)

    def finish(self, server: NginxServer, own_certificates: bool) -> None:
        """Keep the block when it speaks TLS, with the problems that only then make sense."""
        tls = any(x.ssl for x in server.listens)
        if not tls and not own_certificates:
            return
        extra: list[NginxProblem] = []
        if not tls:
            why = "ssl_certificate is set but no listen of the block has ssl: it serves plain HTTP"
            extra.append(NginxProblem(Kind.NOT_TLS, why, server.file, server.line))
        elif not server.certificates and not server.rejects_handshake:
            why = 'no "ssl_certificate" is defined for this TLS server block'
            extra.append(NginxProblem(Kind.NO_CERTIFICATE, why, server.file, server.line))
        self.servers.append(replace(server, problems=server.problems + tuple(extra)))


def read_config(path: str | os.PathLike[str] = DEFAULT_CONF) -> NginxConfig:
    """Read the nginx configuration at ``path`` and the files it includes.

    Never raises for what the files hold: a missing or unreadable file and a parse
    error are problems of the result (parsing goes on past them, as far as it can).
    """
    main = os.path.abspath(os.fspath(path))
    conf_dir = os.path.dirname(main)
    try:
        payload = crossplane.parse(main, onerror=_describe, catch_errors=True)
        configs: list[dict[str, Any]] = list(payload["config"])
        problems = [_problem(error) for error in payload["errors"]]
    except Exception as exc:  # the parser's own failure: still a value
        why = f"the configuration could not be parsed: {exc or type(exc).__name__}"
        return NginxConfig(
            main, conf_dir, (main,), (), (NginxProblem(Kind.PARSE_ERROR, why, main),)
        )
    reader = _Reader(configs, conf_dir, problems)
    reader.read()
    files = tuple(str(c["file"]) for c in configs)
    return NginxConfig(main, conf_dir, files, tuple(reader.servers), tuple(reader.problems))
