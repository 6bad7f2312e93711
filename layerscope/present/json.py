"""Reports as versioned JSON (schema in docs/json-schema.md).

JSON keeps exact values: nothing is sanitised or truncated. The output is pure ASCII
(``ensure_ascii``), so control, bidi and other invisible characters in certificate
fields always appear as ``\\uXXXX`` escapes and can never reach a terminal raw.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from layerscope.diagnose.rows import row_verdict
from layerscope.diagnose.verdict import site_verdict
from layerscope.model import (
    SCHEMA_VERSION,
    CertFacts,
    ChainAnalysis,
    Discovery,
    Finding,
    HttpResult,
    Layer,
    OcspResult,
    ProbeError,
    ProbeResult,
    Remediation,
    Report,
    cert_type_of,
)
from layerscope.present.labels import leaf_labels

if TYPE_CHECKING:
    from layerscope.model.files import FileRead, FilesRead

__all__ = ["iso_utc", "render_json", "report_to_dict"]


def iso_utc(moment: dt.datetime) -> str:
    """Return ``moment`` as ISO 8601 UTC with a ``Z``; naive datetimes are taken as UTC.

    Whole seconds print as ``2026-11-27T12:00:00Z``; otherwise milliseconds are kept.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _jsonable(value: Any) -> Any:
    """Turn evidence values into plain JSON values (tuples, datetimes, enums, bytes)."""
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date | dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, CertFacts):
        return _cert(value)
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    return str(value)


def _ms(value: float) -> float | None:
    """Round a duration to microseconds; None when it is not a finite number."""
    return round(value, 3) if math.isfinite(value) else None


def _error(error: ProbeError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"kind": error.kind.value, "message": error.message, "elapsed_ms": _ms(error.elapsed_ms)}


def _cert(cert: CertFacts) -> dict[str, Any]:
    return {
        "subject": cert.subject,
        "common_name": cert.common_name,
        "sans": list(cert.sans),
        "issuer": cert.issuer,
        "serial": cert.serial,
        "not_before": iso_utc(cert.not_before),
        "not_after": iso_utc(cert.not_after),
        "sha256": cert.sha256,
        "spki_sha256": cert.spki_sha256,
        "key_type": cert.key_type,
        "key_bits": cert.key_bits,
        "signature_algorithm": cert.signature_algorithm,
        "signature_hash": cert.signature_hash,
        "self_issued": cert.self_issued,
        "is_ca": cert.is_ca,
        "aia_issuers": list(cert.aia_issuers),
        "ocsp_urls": list(cert.ocsp_urls),
    }


def _chain_analysis(chain: ChainAnalysis | None) -> dict[str, Any] | None:
    if chain is None:
        return None
    return {
        "status": chain.status.value,
        "path_status": chain.built.value,
        "path": [cert.sha256 for cert in chain.path],
        "missing": [
            {"sha256": cert.sha256, "subject": cert.subject, "source": source}
            for cert, source in chain.missing
        ],
        "missing_issuer": chain.missing_issuer,
        "in_order": chain.in_order,
        "root_served": chain.root_served,
        "unrelated": [cert.sha256 for cert in chain.unrelated],
        "verifier_ok": chain.verifier_ok,
        "verifier_error": chain.verifier_error,
        "alt_status": chain.alt_status.value if chain.alt_status is not None else None,
        "alt_store": chain.alt_store,
        "path_too_long": chain.path_too_long,
    }


def _no_sni(probe: ProbeResult | None) -> dict[str, Any] | None:
    if probe is None:
        return None
    return {
        "status": probe.status,
        "error": _error(probe.error),
        "leaf_sha256": probe.leaf.sha256 if probe.leaf is not None else None,
    }


def _layer(report: Report, layer: Layer, labels: Mapping[str, str]) -> dict[str, Any]:
    probe = layer.probe
    leaf = layer.leaf
    row = row_verdict(report, layer)
    return {
        "role": layer.role.value,
        "address": layer.address,
        "port": layer.port,
        "source": layer.source,
        "sni": probe.sni,
        "status": probe.status,
        "row": {"severity": row.severity.label, "status": row.status},
        "error": _error(probe.error),
        "leaf_sha256": leaf.sha256 if leaf is not None else None,
        "label": labels.get(leaf.sha256) if leaf is not None else None,
        "protocol": probe.protocol,
        "cipher": probe.cipher,
        "handshake_ms": _ms(probe.handshake_ms),
        "connect_ms": _ms(probe.connect_ms),
        "ocsp_stapled": probe.ocsp_staple is not None,
        "chain": [_cert(cert) for cert in probe.chain],
        "unparsed": [
            {"position": u.position, "total": u.total, "sha256": u.sha256, "error": u.error}
            for u in probe.unparsed
        ],
        "chain_analysis": _chain_analysis(layer.chain),
        "no_sni": _no_sni(layer.probe_no_sni),
        "http": _http(layer.http),
        "ocsp_staple": _ocsp(layer.staple),
        "ocsp_responder": _ocsp(layer.ocsp),
        # certificate types: what this handshake asked for (null: any, as browsers do),
        # the type of the leaf it got, the typed handshakes, and the layer's other
        # certificate when it serves two (an object like this one, asked = its type)
        "asked": probe.cert_type.value if probe.cert_type else None,
        "leaf_type": layer.leaf_type.value if layer.leaf_type else None,
        "offered_types": [k.value for k in layer.offered_types],
        "typed_handshakes": [_typed(p, labels) for p in layer.typed_probes],
        "second_certificate": (
            _layer(report, layer.second, labels) if layer.second is not None else None
        ),
    }


def _typed(probe: ProbeResult, labels: Mapping[str, str]) -> dict[str, Any]:
    leaf = probe.leaf
    return {
        "asked": probe.cert_type.value if probe.cert_type else None,
        "status": probe.status,
        "leaf_sha256": leaf.sha256 if leaf is not None else None,
        "label": labels.get(leaf.sha256) if leaf is not None else None,
        "leaf_type": t.value if leaf is not None and (t := cert_type_of(leaf)) else None,
        "protocol": probe.protocol,
        "handshake_ms": _ms(probe.handshake_ms),
        "error": _error(probe.error),
    }


def _http(http: HttpResult | None) -> dict[str, Any] | None:
    if http is None:
        return None
    return {
        "path": http.path,
        "status": http.status,
        "headers": [{"name": name, "value": value} for name, value in http.headers],
        "redirects": [{"status": code, "location": loc} for code, loc in http.redirects],
        "redirect_refused": http.redirect_refused,
        "body_bytes": http.body_bytes,
        "truncated": http.truncated,
        "title": http.title,
        "upgrade_insecure": http.upgrade_insecure or None,
        "mixed": [
            {"element": m.element, "attribute": m.attribute, "url": m.url, "active": m.active}
            for m in http.mixed
        ],
        "elapsed_ms": _ms(http.elapsed_ms),
        "error": _error(http.error),
    }


def _ocsp(result: OcspResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "source": result.source,
        "state": result.state.value,
        "message": result.message,
        "this_update": iso_utc(result.this_update) if result.this_update else None,
        "next_update": iso_utc(result.next_update) if result.next_update else None,
        "revoked_at": iso_utc(result.revoked_at) if result.revoked_at else None,
        "reason": result.reason or None,
    }


def _discovery(discovery: Discovery) -> dict[str, Any]:
    return {
        "name": discovery.name,
        "cname_chain": list(discovery.cname_chain),
        "resolvers": list(discovery.resolvers),
        "addresses": [
            {"address": address, "resolver": resolver} for address, resolver in discovery.addresses
        ],
        "errors": [{"kind": e.kind.value, "message": e.message} for e in discovery.errors],
        "skipped": discovery.skipped,
    }


def _file(read: FileRead) -> dict[str, Any]:
    return {
        "path": read.path,
        "size": read.size,
        "format": read.format,
        "certificates": read.certificates,
        "keys": read.keys,
        "blocks": list(read.blocks),
        "notes": list(read.notes),
        "key_type": read.key_type,
        "encrypted": read.encrypted,
        "error": read.error or None,
    }


def _files(files: FilesRead | None) -> dict[str, Any] | None:
    if files is None:
        return None
    return {
        "certificate": _file(files.certificate),
        "key": _file(files.key) if files.key is not None else None,
        "names": list(files.names),
        "leaf_position": files.leaf_position,
    }


def _remediation(remediation: Remediation | None) -> dict[str, Any] | None:
    if remediation is None:
        return None
    return {
        "meaning": remediation.meaning,
        "why_untrusted": remediation.why_untrusted,
        "steps": [
            {"where": step.where, "text": step.text, "commands": list(step.commands)}
            for step in remediation.steps
        ],
        "reproduce": remediation.reproduce,
        "verify": remediation.verify,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.label,
        "layers": list(finding.layers),
        "cert_type": finding.cert_type.value if finding.cert_type else None,
        "summary": finding.summary,
        "evidence": _jsonable(finding.evidence),
        "remediation": _remediation(finding.remediation),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """Return one site's report as JSON-compatible values (one entry of ``sites``).

    Values are exact (no sanitising); datetimes are ISO 8601 UTC strings, enums their
    values, DER and OCSP bytes are left out.
    """
    labels = leaf_labels(report)
    severity = report.severity
    return {
        "host": report.host,
        "ascii_host": report.ascii_host,
        "port": report.port,
        "sni": report.sni,
        "at": iso_utc(report.at),
        "started": iso_utc(report.started),
        "duration_ms": _ms(report.duration_ms),
        "severity": severity.label,
        "exit_code": severity.exit_code,
        "verdict": site_verdict(report),
        "trust_store": report.trust_store,
        "error": _error(report.error),
        "discovery": _discovery(report.discovery),
        "labels": dict(labels),
        "layers": [_layer(report, layer, labels) for layer in report.layers],
        "reference": _cert(report.reference) if report.reference is not None else None,
        "reference_layer": report.reference_layer,
        "references": [
            {"cert_type": r.cert_type.value, "certificate": _cert(r.cert), "layer": r.layer}
            for r in report.type_references
        ],
        "findings": [_finding(finding) for finding in report.findings],
        "cdn": report.cdn,
        "aia_errors": [{"url": url, "message": message} for url, message in report.aia_errors],
        "files": _files(report.files),
        **_preflight(report),
    }


def _preflight(report: Report) -> dict[str, Any]:
    """``against`` and ``nginx``; their module loads only for a preflight's report."""
    if report.against is None and report.nginx is None:
        return {"against": None, "nginx": None}
    from layerscope.present.deploy import against_json, nginx_json

    return {"against": against_json(report.against), "nginx": nginx_json(report)}


def render_json(reports: Sequence[Report], *, generated_at: dt.datetime | None = None) -> str:
    """Render reports as the versioned JSON document, ending with a newline.

    Args:
        reports: one report per site.
        generated_at: time stamp of the document; now (UTC) when None.

    Returns:
        ``{"schema_version": 1, "generated_at": ..., "sites": [...]}`` as pure-ASCII
        JSON, indented by two spaces.
    """
    moment = generated_at if generated_at is not None else dt.datetime.now(dt.UTC)
    document = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso_utc(moment),
        "sites": [report_to_dict(report) for report in reports],
    }
    return json.dumps(document, ensure_ascii=True, allow_nan=False, indent=2) + "\n"
