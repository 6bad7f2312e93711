"""Preflight: a certificate file (and its key) checked before it is deployed, offline.

The file is read as nginx or Apache would load it (:mod:`layerscope.x509.files`), becomes
one layer of role ``file`` (address = its path), and goes through the same steps as a
probed layer: its chain is analysed (missing intermediates fetched from AIA, as ``check``
does), then diagnosed once per name it must serve, with remediation for a file that is
not deployed yet. The result, :class:`Preflight`, carries the report every renderer shows,
the leaf, and the chain the file should be (``-o``).

``--against HOST`` (:mod:`layerscope.engine.against`) compares :attr:`Preflight.leaf`
with what the live layers of ``HOST`` serve; ``--nginx`` (:mod:`layerscope.engine.nginx`)
runs one preflight per certificate a server block names, with
``PreflightRequest.config``: a file that is missing or cannot be read is then a
finding, as the server would fail to load it, instead of bad input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerscope.diagnose.files import file_findings
from layerscope.diagnose.layer import Thresholds
from layerscope.engine.chains import analyse_chains, with_chain
from layerscope.engine.diagnosis import check_words
from layerscope.engine.repair import Repair, write_chain
from layerscope.explain import RemediationContext, remediation_for
from layerscope.model import (
    CertFacts,
    Discovery,
    ErrorKind,
    Finding,
    Layer,
    ProbeError,
    ProbeResult,
    Report,
    Role,
)
from layerscope.model.files import FilesRead, PreflightRequest
from layerscope.model.names import HostNameError, to_ascii
from layerscope.model.options import CheckOptions
from layerscope.net.truststore import load_stores
from layerscope.x509.files import MAX_BYTES, CertificateFile, pick_leaf, read_certificate_file
from layerscope.x509.fixchain import FullChain, build_fullchain
from layerscope.x509.keyfile import KeyFile, read_key_file
from layerscope.x509.pem import Problem
from layerscope.x509.stores import Stores, TrustStoreError

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Preflight:
    """The result of one preflight.

    Attributes:
        request: what was checked.
        report: what every renderer shows: one layer (the certificate file, role ``file``),
            its findings with remediation, and what was read (``report.files``); or a
            ``report.error`` when a file could not be read or an option is unusable.
        certificate: what the certificate file holds (None when it could not be read).
        key: what the key file holds (None without a key file, or when it could not be
            read).
        fixed: the file it should be (leaf first, intermediates in order, no root), or why
            none can be offered; None when nothing could be read.
    """

    request: PreflightRequest
    report: Report
    certificate: CertificateFile | None = None
    key: KeyFile | None = None
    fixed: FullChain | None = None

    @property
    def leaf(self) -> CertFacts | None:
        """The certificate the file means as its leaf (what the server would present once
        the file is fixed), or None."""
        layers = self.report.layers
        return layers[0].leaf if layers else None


def read_bytes(path: str) -> bytes | ProbeError:
    """At most ``MAX_BYTES + 1`` bytes of ``path`` (more means too large), or why not."""
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return ProbeError(ErrorKind.INVALID_INPUT, f"cannot read {path}: {reason}")


def _configured_read(path: str) -> bytes | tuple[Problem, str]:
    """What a server's configuration names: its bytes, or the problem of a file that is
    missing or cannot be read (fatal when the server could not read it either: missing,
    or unreadable although layerscope runs as root, as nginx's master process does) and
    the reason, for the report."""
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return Problem("missing", f"the file does not exist ({reason})", True), reason
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        message = f"the file cannot be read ({reason})"
        if not root:
            message += ": run layerscope as root to check it (nginx reads it as root)"
        return Problem("unreadable", message, root), reason


def _read_pair(
    request: PreflightRequest,
) -> tuple[CertificateFile, KeyFile | None, str, str] | ProbeError:
    """The certificate file and the key file of ``request`` as read, with why each could
    not be read ("" when it was); a ProbeError when a file given by hand cannot be read."""
    if not request.config:
        data = read_bytes(request.certificate)
        key_data = read_bytes(request.key) if request.key is not None else None
        for failed in (data, key_data):
            if isinstance(failed, ProbeError):
                return failed
        assert isinstance(data, bytes)
        key = read_key_file(key_data) if isinstance(key_data, bytes) else None
        return read_certificate_file(data), key, "", ""
    got = _configured_read(request.certificate)
    cert_why = "" if isinstance(got, bytes) else got[1]
    read = (
        read_certificate_file(got)
        if isinstance(got, bytes)
        else CertificateFile(0, "", problems=(got[0],))
    )
    if request.key is None:
        return read, None, cert_why, ""
    got_key = _configured_read(request.key)
    if isinstance(got_key, bytes):
        return read, read_key_file(got_key), cert_why, ""
    return read, KeyFile(0, "", problems=(got_key[0],)), cert_why, got_key[1]


def file_report(
    request: PreflightRequest,
    names: Sequence[str],
    started: dt.datetime,
    *,
    error: ProbeError | None = None,
    at: dt.datetime | None = None,
    duration_ms: float = 0.0,
    layers: tuple[Layer, ...] = (),
    findings: tuple[Finding, ...] = (),
    trust_store: str = "",
    aia_errors: tuple[tuple[str, str], ...] = (),
    files: FilesRead | None = None,
) -> Report:
    """The report of a preflight: no DNS, no port; the file is the one layer (or an
    ``error`` and no layer, when nothing could be checked)."""
    name = names[0] if names else (request.hosts[0] if request.hosts else "")
    return Report(
        host=request.hosts[0] if request.hosts else name,
        ascii_host=name,
        port=0,
        sni=name,
        at=at or request.options.at or started,
        started=started,
        duration_ms=duration_ms,
        discovery=Discovery(name=name, skipped=True),
        layers=layers,
        reference=None,
        reference_layer=None,
        findings=findings,
        trust_store=trust_store or request.options.ca_bundle,
        error=error,
        aia_errors=aia_errors,
        files=files,
    )


def _layer(path: str, read: CertificateFile) -> Layer:
    """The certificate file as a layer: its leaf first, then the other certificates in
    file order (the file's own order is in ``read``)."""
    certs = read.certificates
    first_unparsed = bool(read.unparsed) and read.unparsed[0].position == 1
    chain: tuple[CertFacts, ...] = ()
    if certs and not first_unparsed:
        index = pick_leaf(certs)
        chain = (certs[index], *certs[:index], *certs[index + 1 :])
    error = None
    if not chain and not read.unparsed:
        fatal = next((p.message for p in read.problems if p.fatal), "no certificate")
        error = ProbeError(ErrorKind.BAD_CERTIFICATE, fatal)
    probe = ProbeResult(path, 0, None, chain=chain, error=error, unparsed=read.unparsed)
    return Layer(Role.FILE, path, 0, "file", probe)


def _fixed(
    layers: Sequence[Layer], names: Sequence[str], at: dt.datetime, stores: Stores
) -> FullChain:
    """The file it should be, accepted by the verifier for every name; or why not."""
    chain: FullChain | None = None
    for name, layer in zip(names, layers, strict=True):
        if not layer.probe.ok or layer.chain is None:
            return FullChain(False, (), "", "the file holds no certificate that can be read")
        built = build_fullchain(
            layer.probe.chain,
            list(layer.chain.missing),
            host=name,
            at=at,
            store=stores.main,
            extra=stores.extra,
        )
        if not built.ok:
            return built
        chain = chain or built
    assert chain is not None
    return chain


def file_context(
    certificate: str,
    names: Sequence[str],
    options: CheckOptions,
    evidence: Mapping[str, Any],
    *,
    key: str = "",
    config: str = "",
) -> RemediationContext:
    """What the remediation of a finding about the certificate file ``certificate`` is
    filled with (its commands name the file, its key, the names and the nginx config)."""
    return RemediationContext(
        host=names[0],
        port=0,
        sni=names[0],
        address=certificate,
        layer_port=0,
        role=Role.FILE.value,
        evidence=evidence,
        extra_ca_files=options.extra_ca,
        check_options=check_words(options),
        key_file=key,
        names=tuple(names),
        config=config,
    )


def _with_remediation(
    findings: Sequence[Finding], request: PreflightRequest, names: Sequence[str]
) -> list[Finding]:
    out = []
    for finding in findings:
        ctx = file_context(
            request.certificate,
            names,
            request.options,
            finding.evidence,
            key=request.key or "",
            config=request.config,
        )
        out.append(dataclasses.replace(finding, remediation=remediation_for(finding.code, ctx)))
    return out


async def preflight(
    request: PreflightRequest, *, stores: Stores | None = None, clock: Clock = _now
) -> Preflight:
    """Check the files of ``request``: never raises for bad input; a file that cannot be
    read, an invalid name or an unusable trust store is ``report.error``."""
    started = clock()
    t0 = time.perf_counter()
    try:
        names = list(dict.fromkeys(to_ascii(h) for h in request.hosts))
    except HostNameError as exc:
        return Preflight(
            request, file_report(request, (), started, error=invalid_input(f"--host: {exc}"))
        )
    if not names:
        return Preflight(
            request, file_report(request, (), started, error=invalid_input("no --host given"))
        )
    try:
        stores = stores or dataclasses.replace(load_stores(request.options), alt=None)
    except TrustStoreError as exc:
        return Preflight(
            request, file_report(request, names, started, error=invalid_input(str(exc)))
        )
    pair = _read_pair(request)
    if isinstance(pair, ProbeError):
        return Preflight(request, file_report(request, names, started, error=pair))
    read, key, cert_why, key_why = pair
    at = request.options.at or started
    aia_errors: list[tuple[str, str]] = []
    bare = _layer(request.certificate, read)
    (first,) = await analyse_chains([bare], names[0], at, stores, request.options, aia_errors)
    found = first.chain.missing if first.chain is not None else ()
    layers = [first, *(with_chain(bare, name, at, stores, found) for name in names[1:])]
    key_read = key.summary(request.key) if key is not None and request.key is not None else None
    files = FilesRead(
        certificate=dataclasses.replace(read.summary(request.certificate), error=cert_why),
        key=dataclasses.replace(key_read, error=key_why) if key_read is not None else None,
        names=tuple(names),
        leaf_position=(pick_leaf(read.certificates) + 1) if first.probe.ok else 0,
    )
    th = Thresholds(at, request.options.warn_days, request.options.crit_days)
    findings = _with_remediation(file_findings(files, read, key, layers, th), request, names)
    report = file_report(
        request,
        names,
        started,
        at=at,
        duration_ms=round((time.perf_counter() - t0) * 1000, 1),
        layers=(first,),
        findings=tuple(findings),
        trust_store=stores.main.name + (f" + {len(stores.extra)} extra CA" if stores.extra else ""),
        aia_errors=tuple(aia_errors),
        files=files,
    )
    return Preflight(request, report, read, key, _fixed(layers, names, at, stores))


def invalid_input(message: str) -> ProbeError:
    """A site-wide error of bad input (a file, a name or a configuration that cannot be
    used)."""
    return ProbeError(ErrorKind.INVALID_INPUT, message)


def write_fixed(result: Preflight, path: Path) -> Repair:
    """Write the file the certificate file should have been to ``path`` (leaf first,
    intermediates in order, no root): only when a trusted chain could be built and the
    verifier accepts it for every name; otherwise refuse, saying why."""
    chain = result.fixed
    if chain is None:
        why = "nothing could be read"
        return Repair("refused", f"not writing {path}: {why}", why, None)
    return write_chain(chain, path)


__all__ = [
    "Preflight",
    "file_context",
    "file_report",
    "invalid_input",
    "preflight",
    "read_bytes",
    "write_fixed",
]
