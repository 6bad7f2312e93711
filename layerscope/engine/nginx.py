"""``preflight --nginx [CONF]``, on the server itself: every TLS server block of an nginx
configuration, its files checked and compared with what the block serves.

For each block :func:`layerscope.net.nginx.read_config` finds, each certificate/key pair it
names is checked as ``preflight FULLCHAIN --key KEY`` checks them (for the block's server
names; a file that is missing or cannot be read is a finding), then the block's first TLS
``listen`` is handshaken (loopback for one on all addresses) with SNI = its first server
name. When it serves another leaf than the file names, the pair gets ``reload_needed``
(:func:`layerscope.diagnose.deploy.reload_finding`). One report per pair, each carrying the
block and the handshake (``Report.nginx``); problems of the configuration are values.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.diagnose.deploy import reload_finding
from layerscope.diagnose.layer import Thresholds
from layerscope.engine.diagnosis import check_words
from layerscope.engine.preflight import Clock, Preflight, _now, file_report, preflight, read_bytes
from layerscope.engine.run import ProbeFn
from layerscope.explain import RemediationContext, remediation_for
from layerscope.model import ErrorKind, Finding, ProbeError, Report, Role, Severity
from layerscope.model.evidence import KeyMismatchEvidence
from layerscope.model.files import FileRead, FilesRead, PreflightRequest
from layerscope.model.names import HostNameError, host_port, to_ascii
from layerscope.model.nginx import (
    NginxCertificate,
    NginxCheck,
    NginxConfig,
    NginxListen,
    NginxProblem,
    NginxProblemKind,
    NginxServed,
    NginxServer,
)
from layerscope.model.options import CheckOptions
from layerscope.net.nginx import DEFAULT_CONF, read_config
from layerscope.net.probe import probe
from layerscope.net.truststore import load_stores
from layerscope.x509.files import pick_leaf, read_certificate_file
from layerscope.x509.stores import Stores, TrustStoreError

__all__ = ["DEFAULT_CONF", "NginxPreflight", "block_names", "preflight_nginx"]


@dataclass(frozen=True)
class NginxPreflight:
    """The result of ``preflight --nginx``.

    Attributes:
        config: the configuration as read.
        reports: one per certificate/key pair of each TLS server block, in configuration
            order (a block without a pair it names by file: one report saying why).
        error: why nothing could be checked (the configuration cannot be read, holds no
            TLS server block, or an option is unusable); None otherwise.
    """

    config: NginxConfig
    reports: tuple[Report, ...] = ()
    error: ProbeError | None = None

    @property
    def exit_code(self) -> int:
        """The worst report's code (0 fine, 1 warnings, 2 would break clients or the
        server would refuse the files), 3 when something could not be read or checked
        (the configuration or one of its files) or nothing was checked."""
        if self.error is not None or not self.reports or self.unread:
            return 3
        return max(r.severity.exit_code for r in self.reports)

    @property
    def unread(self) -> tuple[NginxProblem, ...]:
        """The problems that mean part of the configuration could not be read."""
        return tuple(p for p in self.config.all_problems if p.unread)


def block_names(server: NginxServer) -> tuple[str, ...]:
    """The names a block's certificate must serve: its server names a client can send,
    in order (``.example.com`` as ``example.com``; ``_``, wildcards, regular expressions
    and invalid names left out)."""
    out: list[str] = []
    for name in server.server_names:
        plain = name[1:] if name.startswith(".") else name
        if not plain or plain == "_" or plain.startswith("~") or "*" in plain:
            continue
        try:
            out.append(to_ascii(plain))
        except HostNameError:
            continue
    return tuple(dict.fromkeys(out))


def _listen(server: NginxServer, names: Sequence[str]) -> tuple[NginxListen | None, str]:
    """The listen to handshake, or why none can be (``names``: the block's names)."""
    listens = server.tls_listens
    usable = [x for x in listens if not x.proxy_protocol]
    if not usable:
        why = "its TLS listens expect a PROXY protocol header" if listens else ""
        return None, why or "it has no TLS listen reachable over TCP"
    listen = usable[0]
    if not names and not listen.default_server:
        return None, "it has no server name to send as SNI and is not the default server"
    return listen, ""


async def _handshake(
    listen: NginxListen, sni: str, options: CheckOptions, probe_fn: ProbeFn
) -> NginxServed:
    address, port = listen.handshake_address, listen.port
    result = await probe_fn(address, port, sni or None, timeout=options.timeout)
    served = NginxServed(listen.written, listen.handshake_address, listen.port, sni)
    leaf = result.leaf
    if leaf is None:
        why = result.error.message if result.error is not None else "no certificate was sent"
        return dataclasses.replace(served, error=why)
    return dataclasses.replace(
        served,
        sha256=leaf.sha256,
        not_before=leaf.not_before,
        not_after=leaf.not_after,
        key_type=leaf.key_type,
    )


def _unchecked(
    config: NginxConfig,
    server: NginxServer,
    why: str,
    started: dt.datetime,
    pair: NginxCertificate | None,
) -> Report:
    """The report of a block (or of a pair) whose files cannot be checked: ``why``."""
    names = block_names(server) or (server.sni_name or "localhost",)
    path = pair.certificate if pair is not None else ""
    request = PreflightRequest(path, None, names, CheckOptions())
    files = FilesRead(FileRead(path, 0, "", error=why), None, names)
    check = NginxCheck(config.path, server, pair, problems=config.problems + server.problems)
    report = file_report(request, names, started, error=_invalid(why), files=files)
    return dataclasses.replace(report, nginx=check)


def _no_key(
    pair: NginxCertificate, names: Sequence[str], options: CheckOptions, config: str
) -> Finding:
    """``key_mismatch``: the configuration names no key for the certificate."""
    message = (
        f'no "ssl_certificate_key" for this certificate ({pair.file}:{pair.line}): '
        "nginx -t refuses the configuration"
    )
    evidence = KeyMismatchEvidence(
        file="", certificate_file=pair.certificate, problem="no_key_directive", message=message
    )
    ctx = RemediationContext(
        host=names[0],
        port=0,
        sni=names[0],
        address=pair.certificate,
        layer_port=0,
        role=Role.FILE.value,
        evidence=evidence,
        extra_ca_files=options.extra_ca,
        check_options=check_words(options),
        names=tuple(names),
        config=config,
    )
    remediation = remediation_for("key_mismatch", ctx)
    return Finding(
        "key_mismatch", Severity.CRITICAL, (pair.certificate,), message, evidence, remediation
    )


def _compared(runs: Sequence[Preflight], served: NginxServed) -> int | None:
    """Which pair's leaf the served one is compared with: None when it is one of them
    (nothing to reload); else the pair of its key type (nginx sends the ECDSA or the RSA
    certificate, as the client prefers), or the first pair with a leaf."""
    leaves = [run.leaf for run in runs]
    if any(leaf is not None and leaf.sha256 == served.sha256 for leaf in leaves):
        return None
    with_leaf = [(i, leaf) for i, leaf in enumerate(leaves) if leaf is not None]
    same_type = [i for i, leaf in with_leaf if leaf.key_type == served.key_type]
    first = [i for i, _leaf in with_leaf]
    return next(iter(same_type or first), None)


def _reload(
    run: Preflight,
    served: NginxServed,
    config: NginxConfig,
    server: NginxServer,
    options: CheckOptions,
) -> Finding | None:
    """``reload_needed`` for the pair of ``run``, with its remediation, or None."""
    assert run.leaf is not None
    path = run.request.certificate
    th = Thresholds(run.report.at, options.warn_days, options.crit_days)
    modified = _modified(path)
    found = reload_finding(
        path, run.leaf, served, modified, th, config=config.path, block=server.where
    )
    if found is None:
        return None
    host = served.sni or run.request.hosts[0]
    ctx = RemediationContext(
        host=host,
        port=served.port,
        sni=host,
        address=served.address,
        layer_port=served.port,
        role=Role.ORIGIN.value,
        evidence=found.evidence,
        extra_ca_files=options.extra_ca,
        check_options=check_words(options),
        config=config.path,
    )
    return dataclasses.replace(found, remediation=remediation_for(found.code, ctx))


def _findings(
    run: Preflight,
    pair: NginxCertificate,
    server: NginxServer,
    reload: Finding | None,
    options: CheckOptions,
) -> tuple[Finding, ...]:
    """The pair's findings: the preflight's (no passphrase warning when the block gives
    nginx its ``ssl_password_file``), a missing key directive, ``reload_needed``; worst
    first."""

    def asked(f: Finding) -> bool:  # nginx is given the passphrase
        return f.code == "key_mismatch" and f.evidence.get("problem") == "encrypted"

    out = [f for f in run.report.findings if not (server.password_file and asked(f))]
    if not pair.key:
        out.append(_no_key(pair, run.request.hosts, options, run.request.config))
    if reload is not None:
        out.append(reload)
    out.sort(key=lambda f: -f.severity)
    return tuple(out)


async def _server(
    config: NginxConfig,
    server: NginxServer,
    options: CheckOptions,
    stores: Stores,
    clock: Clock,
    probe_fn: ProbeFn,
) -> list[Report]:
    """The reports of one block: one per pair, the handshake compared with the files."""
    started = clock()
    if not server.certificates:
        why = 'no "ssl_certificate" is defined for this TLS server block'
        return [_unchecked(config, server, why, started, None)]
    names = block_names(server)
    listen, note = _listen(server, names)
    checked = [p for p in server.certificates if p.checkable]
    jobs = [_pair(config.path, p, names, options, stores, clock) for p in checked]
    runs: list[Preflight] = list(await asyncio.gather(*jobs))
    sni = names[0] if names else ""  # the first server name a client can send, as ASCII
    served = await _handshake(listen, sni, options, probe_fn) if listen else None
    if served is not None and served.error:
        note = f"the handshake with {host_port(served.address, served.port)} failed: {served.error}"
    target = _compared(runs, served) if served is not None and not served.error else None
    problems = config.problems + server.problems
    out: list[Report] = []
    index = 0
    for pair in server.certificates:
        if not pair.checkable:
            why = f"nginx picks the file per handshake ({pair.certificate}): it cannot be checked"
            out.append(_unchecked(config, server, why, started, pair))
            continue
        run, index = runs[index], index + 1
        reload = None
        pair_note = note
        if served is not None and target == index - 1:
            reload = _reload(run, served, config, server, options)
        elif served is not None and not served.error and run.leaf is None:
            pair_note = "not compared: the file holds no certificate that can be read"
        elif served is not None and not served.error and _other(run, served):
            pair_note = f"not compared: the block sent its {served.key_type} certificate"
        check = NginxCheck(config.path, server, pair, served, pair_note, problems)
        findings = _findings(run, pair, server, reload, options)
        out.append(dataclasses.replace(run.report, findings=findings, nginx=check))
    return out


def _other(run: Preflight, served: NginxServed) -> bool:
    """The block served another leaf than this pair's (its other pair's)."""
    return run.leaf is not None and run.leaf.sha256 != served.sha256


def _modified(path: str) -> dt.datetime:
    """The file's modification time (the epoch when it cannot be read)."""
    try:
        return dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.UTC)
    except OSError:
        return dt.datetime.fromtimestamp(0, dt.UTC)


async def _pair(
    config: str,
    pair: NginxCertificate,
    names: Sequence[str],
    options: CheckOptions,
    stores: Stores,
    clock: Clock,
) -> Preflight:
    """The preflight of one pair, for the block's names (or, without any, the leaf's own
    name: its chain and dates are still judged)."""
    hosts = tuple(names) or _own_name(pair.certificate)
    request = PreflightRequest(pair.certificate, pair.key or None, hosts, options, config)
    return await preflight(request, stores=stores, clock=clock)


def _own_name(path: str) -> tuple[str, ...]:
    """The first name of the file's leaf (a wildcard as its domain), or ``localhost``."""
    data = read_bytes(path)
    certs = read_certificate_file(data).certificates if isinstance(data, bytes) else ()
    leaf = certs[pick_leaf(certs)] if certs else None
    for name in (*leaf.sans, leaf.common_name) if leaf is not None else ():
        try:
            return (to_ascii(name.removeprefix("*.")),)
        except HostNameError:
            continue
    return ("localhost",)


async def preflight_nginx(
    path: str | os.PathLike[str] = DEFAULT_CONF,
    options: CheckOptions | None = None,
    *,
    stores: Stores | None = None,
    clock: Clock = _now,
    probe_fn: ProbeFn = probe,
) -> NginxPreflight:
    """Check every TLS server block of the nginx configuration at ``path``: never raises
    for what the files hold or the network does."""
    options = options or CheckOptions()
    config = read_config(path)
    main = next((p for p in config.problems if p.file == config.path and p.line is None), None)
    if main is not None and main.kind is not NginxProblemKind.PARSE_ERROR:
        return NginxPreflight(config, error=_invalid(f"{config.path}: {main.message}"))
    try:
        stores = stores or dataclasses.replace(load_stores(options), alt=None)
    except TrustStoreError as exc:
        return NginxPreflight(config, error=_invalid(str(exc)))
    blocks = [s for s in config.servers if s.certificates or not s.rejects_handshake]
    if not blocks:
        why = f"{config.path}: no TLS server block that serves a certificate"
        return NginxPreflight(config, error=_invalid(why))
    limit = asyncio.Semaphore(max(1, options.concurrency))

    async def one(server: NginxServer) -> list[Report]:
        async with limit:
            return await _server(config, server, options, stores, clock, probe_fn)

    found = await asyncio.gather(*(one(s) for s in blocks))
    return NginxPreflight(config, tuple(r for group in found for r in group))


def _invalid(message: str) -> ProbeError:
    return ProbeError(ErrorKind.INVALID_INPUT, message)
