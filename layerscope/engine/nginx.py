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
import os
from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.engine.nginx_pairs import (
    block_names,
    compared,
    findings_of,
    other,
    picked,
    reload_check,
    typed_report,
    unchecked,
)
from layerscope.engine.preflight import (
    Clock,
    Preflight,
    _now,
    invalid_input,
    preflight,
    read_bytes,
)
from layerscope.engine.run import ProbeFn
from layerscope.model import (
    CertType,
    ProbeError,
    Report,
    cert_type_of,
)
from layerscope.model.files import PreflightRequest
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
    listen: NginxListen,
    sni: str,
    options: CheckOptions,
    probe_fn: ProbeFn,
    cert_type: CertType | None = None,
) -> NginxServed:
    address, port = listen.handshake_address, listen.port
    if cert_type is None:
        result = await probe_fn(address, port, sni or None, timeout=options.timeout)
    else:  # a block with an ECDSA and an RSA pair: ask for the one of this pair's type
        result = await probe_fn(
            address, port, sni or None, timeout=options.timeout, cert_type=cert_type
        )
    served = NginxServed(listen.written, listen.handshake_address, listen.port, sni)
    leaf = result.leaf
    if result.not_offered and cert_type is not None:
        return dataclasses.replace(served, error=f"it offers no {cert_type.name} certificate")
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
        return [unchecked(config, server, why, started, None)]
    names = block_names(server)
    listen, note = _listen(server, names)
    checked = [p for p in server.certificates if p.checkable]
    jobs = [_pair(config.path, p, names, options, stores, clock) for p in checked]
    runs: list[Preflight] = list(await asyncio.gather(*jobs))
    sni = names[0] if names else ""  # the first server name a client can send, as ASCII
    kinds = [cert_type_of(run.leaf) if run.leaf is not None else None for run in runs]
    if listen is not None and len({k for k in kinds if k is not None}) > 1:
        # an ECDSA and an RSA pair: each compared with what a handshake of its type gets
        typed = [k for k in CertType if k in kinds]
        got = await asyncio.gather(*(_handshake(listen, sni, options, probe_fn, k) for k in typed))
        by_type = dict(zip(typed, got, strict=True))
        pending = iter(zip(runs, kinds, strict=True))
        reports = []
        for pair in server.certificates:  # in configuration order
            if not pair.checkable:
                reports.append(unchecked(config, server, picked(pair), started, pair))
                continue
            run, kind = next(pending)
            served = by_type.get(kind) if kind is not None else None
            reports.append(typed_report(config, server, pair, run, served, options))
        return reports
    served = await _handshake(listen, sni, options, probe_fn) if listen else None
    if served is not None and served.error:
        note = f"the handshake with {host_port(served.address, served.port)} failed: {served.error}"
    target = compared(runs, served) if served is not None and not served.error else None
    problems = config.problems + server.problems
    out: list[Report] = []
    index = 0
    for pair in server.certificates:
        if not pair.checkable:
            out.append(unchecked(config, server, picked(pair), started, pair))
            continue
        run, index = runs[index], index + 1
        reload = None
        pair_note = note
        if served is not None and target == index - 1:
            reload = reload_check(run, served, config, server, options)
        elif served is not None and not served.error and run.leaf is None:
            pair_note = "not compared: the file holds no certificate that can be read"
        elif served is not None and not served.error and other(run, served):
            pair_note = f"not compared: the block sent its {served.key_type} certificate"
        check = NginxCheck(config.path, server, pair, served, pair_note, problems)
        findings = findings_of(run, pair, server, reload, options)
        out.append(dataclasses.replace(run.report, findings=findings, nginx=check))
    return out


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
        return NginxPreflight(config, error=invalid_input(f"{config.path}: {main.message}"))
    try:
        stores = stores or dataclasses.replace(load_stores(options), alt=None)
    except TrustStoreError as exc:
        return NginxPreflight(config, error=invalid_input(str(exc)))
    blocks = [s for s in config.servers if s.certificates or not s.rejects_handshake]
    if not blocks:
        why = f"{config.path}: no TLS server block that serves a certificate"
        return NginxPreflight(config, error=invalid_input(why))
    limit = asyncio.Semaphore(max(1, options.concurrency))

    async def one(server: NginxServer) -> list[Report]:
        async with limit:
            return await _server(config, server, options, stores, clock, probe_fn)

    found = await asyncio.gather(*(one(s) for s in blocks))
    return NginxPreflight(config, tuple(r for group in found for r in group))
