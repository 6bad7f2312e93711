"""Preflight findings: what is wrong with a certificate file (and its key) before it is
deployed.

The file is one layer (role ``file``, address = its path). Its chain, validity, names and
algorithms are judged by :func:`layerscope.diagnose.layer.analyse_layer`, exactly as a
served chain, once per name it must serve; this adds what only a file can get wrong
(``not_a_certificate``, ``key_mismatch``) and the leaf that is not first in the file.
"""

from __future__ import annotations

from collections.abc import Sequence

from layerscope.diagnose.layer import Thresholds, analyse_layer
from layerscope.model import CertFacts, Finding, Layer, Severity
from layerscope.model.evidence import (
    KeyMismatchEvidence,
    NotACertificateEvidence,
    WrongOrderEvidence,
)
from layerscope.model.files import FilesRead
from layerscope.x509.files import CertificateFile
from layerscope.x509.keyfile import KeyFile
from layerscope.x509.pem import Problem


def _severity(problem: Problem) -> Severity:
    return Severity.CRITICAL if problem.fatal else Severity.WARNING


def _not_a_certificate(path: str, problem: Problem) -> Finding:
    evidence = NotACertificateEvidence(file=path, problem=problem.kind, message=problem.message)
    if problem.line:
        evidence["line"] = problem.line
    return Finding("not_a_certificate", _severity(problem), (path,), problem.message, evidence)


def _key_findings(
    files: FilesRead, key: KeyFile, leaf: CertFacts | None, read: CertificateFile
) -> list[Finding]:
    """``key_mismatch``: the key file's own problems, then whether it fits the leaf."""
    assert files.key is not None
    here = (files.certificate.path,)
    key_path, cert_path = files.key.path, files.certificate.path

    def evidence(kind: str, message: str) -> KeyMismatchEvidence:
        ev = KeyMismatchEvidence(
            file=key_path, certificate_file=cert_path, problem=kind, message=message
        )
        if key.key_type:
            ev["key_type"] = key.key_type
        if key.spki_sha256:
            ev["key_spki_sha256"] = key.spki_sha256
        if leaf is not None:
            ev["leaf_spki_sha256"] = leaf.spki_sha256
        return ev

    out = [
        Finding("key_mismatch", _severity(p), here, p.message, evidence(p.kind, p.message))
        for p in key.problems
    ]
    if leaf is None or not key.spki_sha256 or key.spki_sha256 == leaf.spki_sha256:
        return out
    owner = next(
        (i for i, c in enumerate(read.certificates, 1) if c.spki_sha256 == key.spki_sha256), 0
    )
    message = (
        f"the private key ({key.key_type}) does not belong to the certificate "
        f"'{leaf.subject}': the server refuses to start (key values mismatch)"
    )
    if owner:
        message += f"; it is the key of certificate {owner} of the file"
    ev = evidence("mismatch", message)
    if owner:
        ev["matches_position"] = owner
    out.append(Finding("key_mismatch", Severity.CRITICAL, here, message, ev))
    return out


def _leaf_not_first(files: FilesRead, read: CertificateFile, layer: Layer) -> Finding:
    """``wrong_order``, critical: the file's first certificate is a CA's, not the leaf."""
    first = read.certificates[0]
    leaf = layer.probe.chain[0]
    path = layer.chain.path if layer.chain is not None else layer.probe.chain
    summary = (
        f"the first certificate of the file is '{first.subject}', a CA certificate: servers "
        "take the first one as their own and fail (key values mismatch); the leaf "
        f"'{leaf.subject}' is certificate {files.leaf_position}"
    )
    evidence = WrongOrderEvidence(
        served_order=[c.subject for c in read.certificates],
        expected_order=[c.subject for c in path if not c.self_issued or c is leaf],
    )
    return Finding("wrong_order", Severity.CRITICAL, (files.certificate.path,), summary, evidence)


def file_findings(
    files: FilesRead,
    read: CertificateFile,
    key: KeyFile | None,
    layers: Sequence[Layer],
    th: Thresholds,
) -> list[Finding]:
    """Every finding of a preflight, the file's own problems first.

    ``layers`` holds the file's layer once per name of ``files.names``, in that order, each
    with its chain analysed for that name (they differ only in the verifier's verdict for
    the name); a finding found for several names is kept once.
    """
    path = files.certificate.path
    out = [_not_a_certificate(path, p) for p in read.problems]
    first = layers[0] if layers else None
    if first is not None and (first.probe.ok or first.probe.unparsed):
        seen: set[tuple[str, str]] = set()
        # a PKCS#7 bundle is a set: its order is no file order (converting it says so)
        moved = files.leaf_position > 1 and first.probe.ok and read.format != "PKCS#7"
        for name, layer in zip(files.names, layers, strict=True):
            for finding in analyse_layer(layer, name, th):
                if moved and finding.code == "wrong_order":
                    continue  # said below, with the file's own order
                if (finding.code, finding.summary) not in seen:
                    seen.add((finding.code, finding.summary))
                    out.append(finding)
        if moved:
            out.insert(len(read.problems), _leaf_not_first(files, read, first))
    if key is not None and files.key is not None:
        leaf = first.probe.leaf if first is not None else None
        out.extend(_key_findings(files, key, leaf, read))
    out.sort(key=lambda f: -f.severity)
    return out


__all__ = ["file_findings"]
