"""The JSON document keeps exact values under a stable, versioned schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings

from layerscope.model import (
    Discovery,
    ErrorKind,
    PathStatus,
    ProbeError,
    ProbeResult,
    Role,
    Severity,
)
from layerscope.present import leaf_labels, render_json, report_to_dict
from layerscope.present.json import iso_utc
from tests.render.conftest import (
    NOW,
    controls,
    hostile_text,
    make_cert,
    make_finding,
    make_layer,
    make_report,
    mixed_report,
)

SITE_KEYS = {
    "host", "ascii_host", "port", "sni", "at", "started", "duration_ms", "severity",
    "exit_code", "verdict", "trust_store", "error", "discovery", "labels", "layers", "reference",
    "reference_layer", "findings", "cdn", "aia_errors", "files", "against", "nginx",
    "references",
}  # fmt: skip
LAYER_KEYS = {
    "role", "address", "port", "source", "sni", "status", "row", "error", "leaf_sha256", "label",
    "protocol", "cipher", "handshake_ms", "connect_ms", "ocsp_stapled", "chain", "unparsed",
    "chain_analysis", "no_sni", "http", "ocsp_staple", "ocsp_responder",
    "asked", "leaf_type", "offered_types", "typed_handshakes", "second_certificate",
}  # fmt: skip
CERT_KEYS = {
    "subject", "common_name", "sans", "issuer", "serial", "not_before", "not_after",
    "sha256", "spki_sha256", "key_type", "key_bits", "signature_algorithm",
    "signature_hash", "self_issued", "is_ca", "aia_issuers", "ocsp_urls",
}  # fmt: skip
ANALYSIS_KEYS = {
    "status", "path", "missing", "missing_issuer", "in_order", "root_served", "unrelated",
    "verifier_ok", "verifier_error", "alt_status", "alt_store", "path_too_long", "path_status",
}  # fmt: skip
FINDING_KEYS = {
    "code", "severity", "layers", "cert_type", "summary", "evidence", "remediation",
}  # fmt: skip
REMEDIATION_KEYS = {"meaning", "why_untrusted", "steps", "reproduce", "verify"}


def _doc(*reports: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_json(list(reports), generated_at=NOW))
    return loaded


def test_document_has_schema_version_time_and_sites() -> None:
    """The top level is schema_version 1, generated_at in UTC with Z, and the sites."""
    doc = _doc(make_report("a.example"), make_report("b.example"))
    assert doc["schema_version"] == 1
    assert doc["generated_at"] == "2026-11-27T12:00:00Z"
    assert [site["host"] for site in doc["sites"]] == ["a.example", "b.example"]


def test_every_object_has_exactly_the_documented_keys() -> None:
    """Site, layer, certificate, chain analysis, finding and remediation keys are fixed."""
    site = _doc(mixed_report())["sites"][0]
    assert set(site) == SITE_KEYS
    for layer in site["layers"]:
        assert set(layer) == LAYER_KEYS
        for cert in layer["chain"]:
            assert set(cert) == CERT_KEYS
    assert set(site["layers"][0]["chain_analysis"]) == ANALYSIS_KEYS
    assert set(site["reference"]) == CERT_KEYS
    for finding in site["findings"]:
        assert set(finding) == FINDING_KEYS
        assert set(finding["remediation"]) == REMEDIATION_KEYS
        assert set(finding["remediation"]["steps"][0]) == {"where", "text", "commands"}
    assert set(site["discovery"]) == {
        "name", "cname_chain", "resolvers", "addresses", "errors", "skipped",
    }  # fmt: skip


def test_site_carries_severity_label_and_nagios_exit_code() -> None:
    """Severity is the lower-case label and exit_code follows 0/1/2/3."""
    site = _doc(mixed_report())["sites"][0]
    assert (site["severity"], site["exit_code"]) == ("critical", 2)
    warning = make_report(findings=(make_finding(severity=Severity.WARNING),))
    assert report_to_dict(warning)["exit_code"] == 1
    unknown = make_report(layers=(), error=ProbeError(ErrorKind.INVALID_INPUT, "Nothing to probe."))
    assert (report_to_dict(unknown)["severity"], report_to_dict(unknown)["exit_code"]) == (
        "unknown",
        3,
    )


def test_failed_layer_reports_its_error_kind_and_no_chain() -> None:
    """A layer that timed out has status = error kind, the error, and no certificate."""
    layer = _doc(mixed_report())["sites"][0]["layers"][3]
    assert layer["status"] == "connect_timeout"
    assert layer["error"] == {
        "kind": "connect_timeout",
        "message": "No answer within 5.0 s.",
        "elapsed_ms": 5000.0,
    }
    assert layer["chain"] == []
    assert layer["leaf_sha256"] is None
    assert layer["label"] is None
    assert layer["chain_analysis"] is None


def test_served_chain_is_kept_in_the_order_sent_without_der() -> None:
    """The chain lists certificates as sent; DER and the OCSP staple bytes are left out."""
    site = _doc(mixed_report())["sites"][0]
    origin = site["layers"][0]
    assert origin["status"] == "ok"
    assert [c["common_name"] for c in origin["chain"]] == ["example.com", "Test Issuing CA"]
    assert origin["leaf_sha256"] == origin["chain"][0]["sha256"]
    assert origin["ocsp_stapled"] is True
    assert '"der"' not in render_json([mixed_report()], generated_at=NOW)
    assert origin["ocsp_staple"] is None  # judged results only, never the raw bytes


def test_chain_analysis_lists_path_and_missing_certificates_by_fingerprint() -> None:
    """Path, missing (with subject and source) and status are exact."""
    leaf = make_cert("example.com")
    layer = make_layer("192.0.2.1", role=Role.ORIGIN, leaf=leaf, status=PathStatus.INCOMPLETE)
    site = report_to_dict(make_report(layers=(layer,)))
    analysis = site["layers"][0]["chain_analysis"]
    assert analysis["status"] == "incomplete"
    assert analysis["path"][0] == leaf.sha256
    assert analysis["missing"] == [
        {
            "sha256": layer.probe.chain[1].sha256,
            "subject": "CN=Test Issuing CA,O=Test PKI",
            "source": "trust store",
        }
    ]
    assert analysis["alt_status"] is None


def test_no_sni_probe_reports_its_own_leaf() -> None:
    """The handshake without SNI has its status and leaf fingerprint."""
    default = make_cert("default.invalid")
    layer = make_layer("192.0.2.10", no_sni_leaf=default)
    site = report_to_dict(make_report(layers=(layer,)))
    assert site["layers"][0]["no_sni"] == {
        "status": "ok",
        "error": None,
        "leaf_sha256": default.sha256,
    }


def test_datetimes_are_iso_8601_utc_with_z() -> None:
    """Aware, naive and sub-second datetimes all print in UTC with a Z."""
    paris = dt.timezone(dt.timedelta(hours=1))
    assert iso_utc(dt.datetime(2026, 11, 27, 13, 0, tzinfo=paris)) == "2026-11-27T12:00:00Z"
    assert iso_utc(dt.datetime(2026, 11, 27, 12, 0)) == "2026-11-27T12:00:00Z"
    assert iso_utc(NOW + dt.timedelta(microseconds=123456)) == "2026-11-27T12:00:00.123Z"
    cert = report_to_dict(mixed_report())["reference"]
    assert cert["not_after"] == "2027-01-26T12:00:00Z"


def test_evidence_values_become_plain_json() -> None:
    """Tuples, datetimes, enums and bytes in evidence are converted, not refused."""
    evidence = {
        "names": ("a", "b"),
        "when": NOW,
        "severity": Severity.WARNING,
        "kind": ErrorKind.TLS_ALERT,
        "raw": b"\x01\x02",
        "ratio": float("nan"),
        "nested": {"n": 1},
    }
    site = report_to_dict(make_report(findings=(make_finding(evidence=evidence),)))
    assert site["findings"][0]["evidence"] == {
        "names": ["a", "b"],
        "when": "2026-11-27T12:00:00Z",
        "severity": 2,
        "kind": "tls_alert",
        "raw": "0102",
        "ratio": None,
        "nested": {"n": 1},
    }
    json.dumps(site, allow_nan=False)


def test_finding_without_remediation_has_null() -> None:
    """A finding may carry no remediation; JSON says null."""
    finding = make_finding()
    bare = type(finding)(finding.code, finding.severity, finding.layers, finding.summary)
    site = report_to_dict(make_report(findings=(bare,)))
    assert site["findings"][0]["remediation"] is None


def test_discovery_lists_addresses_with_their_resolver_and_errors() -> None:
    """Addresses are {address, resolver} pairs; errors are {kind, message}."""
    discovery = Discovery(
        name="example.com",
        resolvers=("127.0.0.53", "127.0.0.54"),
        addresses=(("192.0.2.10", "127.0.0.53"),),
        errors=(ProbeError(ErrorKind.SERVFAIL, "127.0.0.54 answered SERVFAIL."),),
    )
    site = report_to_dict(make_report(discovery=discovery))
    assert site["discovery"]["addresses"] == [{"address": "192.0.2.10", "resolver": "127.0.0.53"}]
    assert site["discovery"]["errors"] == [
        {"kind": "servfail", "message": "127.0.0.54 answered SERVFAIL."}
    ]


def test_two_leaves_get_labels_a_and_b_in_order_of_appearance() -> None:
    """Without a reference the first leaf seen (origin first) is A, the next B."""
    old, new = make_cert(seed="old"), make_cert(seed="new")
    layers = (
        make_layer("192.0.2.10", leaf=new),
        make_layer("192.0.2.1", role=Role.ORIGIN, leaf=old),
        make_layer("192.0.2.11", leaf=new),
    )
    report = make_report(layers=layers)
    assert leaf_labels(report) == {old.sha256: "A", new.sha256: "B"}
    site = report_to_dict(report)
    assert [ly["label"] for ly in site["layers"]] == ["B", "A", "B"]


def test_reference_certificate_always_gets_a() -> None:
    """The reference is A even when a layer listed earlier serves another leaf."""
    stale, fresh = make_cert(seed="stale"), make_cert(seed="fresh")
    layers = (
        make_layer("192.0.2.1", role=Role.ORIGIN, leaf=stale),
        make_layer("192.0.2.10", leaf=fresh),
    )
    report = make_report(layers=layers, reference=fresh, reference_layer="192.0.2.10")
    assert leaf_labels(report) == {fresh.sha256: "A", stale.sha256: "B"}


def test_same_leaf_gets_the_same_label_on_every_layer() -> None:
    """Three layers serving one leaf all show A."""
    site = report_to_dict(make_report())
    assert [ly["label"] for ly in site["layers"]] == ["A", "A", "A"]


def test_labels_go_past_z() -> None:
    """The 27th distinct leaf is AA."""
    layers = tuple(make_layer(f"192.0.2.{i}", leaf=make_cert(seed=f"leaf{i}")) for i in range(28))
    labels = list(leaf_labels(make_report(layers=layers)).values())
    assert labels[:2] == ["A", "B"]
    assert labels[25:] == ["Z", "AA", "AB"]


def test_non_finite_durations_become_null() -> None:
    """A NaN timing does not make the document invalid JSON."""
    probe = ProbeResult("192.0.2.9", 443, "example.com", handshake_ms=float("nan"))
    layer = make_layer("192.0.2.9")
    layer = type(layer)(layer.role, layer.address, layer.port, layer.source, probe)
    site = _doc(make_report(layers=(layer,)))["sites"][0]
    assert site["layers"][0]["handshake_ms"] is None
    assert site["layers"][0]["status"] == "no_certificate"


@settings(deadline=None)
@given(subject=hostile_text, san=hostile_text, message=hostile_text, summary=hostile_text)
def test_hostile_strings_round_trip_exactly_and_output_is_ascii(
    subject: str, san: str, message: str, summary: str
) -> None:
    """Untrusted values come back identical through json.loads; the text is pure ASCII."""
    leaf = make_cert("example.com", subject=subject, sans=(san, "example.com"))
    error = ProbeError(ErrorKind.TLS_ALERT, message, 3.0)
    layers = (
        make_layer("192.0.2.1", role=Role.ORIGIN, leaf=leaf),
        make_layer("192.0.2.10", error=error),
    )
    report = make_report(layers=layers, findings=(make_finding(summary=summary),))
    text = render_json([report], generated_at=NOW)
    assert text.isascii()
    assert controls(text) == []
    site = json.loads(text)["sites"][0]
    assert site["layers"][0]["chain"][0]["subject"] == subject
    assert site["layers"][0]["chain"][0]["sans"] == [san, "example.com"]
    assert site["layers"][1]["error"]["message"] == message
    assert site["findings"][0]["summary"] == summary


def _keys(value: Any, skip: frozenset[str] = frozenset({"evidence", "labels"})) -> set[str]:
    """Every object key in a JSON value, not descending into free-form objects."""
    if isinstance(value, dict):
        keys = set(value)
        for key, item in value.items():
            if key not in skip:
                keys |= _keys(item, skip)
        return keys
    if isinstance(value, list):
        return set().union(*(_keys(item, skip) for item in value)) if value else set()
    return set()


def test_every_emitted_field_is_documented() -> None:
    """docs/json-schema.md names every key the renderer writes."""
    doc_path = Path(__file__).parents[2] / "docs" / "json-schema.md"
    documented = doc_path.read_text(encoding="utf-8")
    leaf = make_cert()
    layer = make_layer("192.0.2.1", leaf=leaf, no_sni_leaf=leaf, status=PathStatus.INCOMPLETE)
    report = make_report(
        layers=(layer, *mixed_report().layers),
        findings=mixed_report().findings,
        discovery=Discovery(
            name="example.com",
            errors=(ProbeError(ErrorKind.SERVFAIL, "x"),),
            addresses=(("192.0.2.1", "127.0.0.53"),),
        ),
        error=ProbeError(ErrorKind.INVALID_INPUT, "x"),
    )
    emitted = _keys(json.loads(render_json([report], generated_at=NOW)))
    missing = sorted(key for key in emitted if f"`{key}`" not in documented)
    assert missing == []


def test_json_carries_the_row_and_verdict_every_view_shows() -> None:
    """Each layer's row (severity and status word) and the site's verdict words are the
    same decision the text report and the inspector show."""
    from layerscope.diagnose.rows import row_verdict
    from layerscope.diagnose.verdict import site_verdict

    report = mixed_report()
    site = report_to_dict(report)
    assert site["verdict"] == site_verdict(report)
    for layer, data in zip(report.layers, site["layers"], strict=True):
        row = row_verdict(report, layer)
        assert data["row"] == {"severity": row.severity.label, "status": row.status}
    assert [d["row"]["status"] for d in site["layers"]] == [
        "trusted",
        "trusted",
        "expired",
        "timeout",
    ]
