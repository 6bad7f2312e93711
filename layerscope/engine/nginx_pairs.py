"""The reports of ``preflight --nginx``, pair by pair: a pair that cannot be checked, a
missing key directive, the handshake compared with the pair's file (``reload_needed``).
:mod:`layerscope.engine.nginx` reads the configuration and makes the handshakes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Sequence

from layerscope.diagnose.deploy import reload_finding
from layerscope.diagnose.layer import Thresholds
from layerscope.engine.diagnosis import check_words
from layerscope.engine.preflight import Preflight, file_context, file_report, invalid_input
from layerscope.explain import RemediationContext, remediation_for
from layerscope.model import Finding, Report, Role, Severity
from layerscope.model.evidence import KeyMismatchEvidence
from layerscope.model.files import FileRead, FilesRead, PreflightRequest
from layerscope.model.names import HostNameError, host_port, to_ascii
from layerscope.model.nginx import (
    NginxCertificate,
    NginxCheck,
    NginxConfig,
    NginxServed,
    NginxServer,
)
from layerscope.model.options import CheckOptions

__all__ = [
    "block_names",
    "compared",
    "findings_of",
    "no_key",
    "other",
    "picked",
    "reload_check",
    "typed_report",
    "unchecked",
]


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


def unchecked(
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
    report = file_report(request, names, started, error=invalid_input(why), files=files)
    return dataclasses.replace(report, nginx=check)


def no_key(
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
    ctx = file_context(pair.certificate, names, options, evidence, config=config)
    remediation = remediation_for("key_mismatch", ctx)
    return Finding(
        "key_mismatch", Severity.CRITICAL, (pair.certificate,), message, evidence, remediation
    )


def compared(runs: Sequence[Preflight], served: NginxServed) -> int | None:
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


def reload_check(
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


def findings_of(
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
        out.append(no_key(pair, run.request.hosts, options, run.request.config))
    if reload is not None:
        out.append(reload)
    out.sort(key=lambda f: -f.severity)
    return tuple(out)


def picked(pair: NginxCertificate) -> str:
    return f"nginx picks the file per handshake ({pair.certificate}): it cannot be checked"


def typed_report(
    config: NginxConfig,
    server: NginxServer,
    pair: NginxCertificate,
    run: Preflight,
    served: NginxServed | None,
    options: CheckOptions,
) -> Report:
    """The report of one pair of a block holding an ECDSA and an RSA pair, compared with
    the handshake that asked for its type."""
    note, reload = "", None
    if served is not None and served.error:
        where = host_port(served.address, served.port)
        note = f"the handshake with {where} failed: {served.error}"
    elif served is not None and run.leaf is not None and served.sha256 != run.leaf.sha256:
        reload = reload_check(run, served, config, server, options)
    check = NginxCheck(config.path, server, pair, served, note, config.problems + server.problems)
    findings = findings_of(run, pair, server, reload, options)
    return dataclasses.replace(run.report, findings=findings, nginx=check)


def other(run: Preflight, served: NginxServed) -> bool:
    """The block served another leaf than this pair's (its other pair's)."""
    return run.leaf is not None and run.leaf.sha256 != served.sha256


def _modified(path: str) -> dt.datetime:
    """The file's modification time (the epoch when it cannot be read)."""
    try:
        return dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.UTC)
    except OSError:
        return dt.datetime.fromtimestamp(0, dt.UTC)
