"""Certificates that OpenSSL accepts and cryptography refuses never stop the run: the DER
reader, ``facts()`` on odd DER, the findings, and end to end against the lab's real servers."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import json
import random
from typing import Any

import pytest
from cryptography import x509

from layerscope.commands.config import load_config
from layerscope.commands.main import main
from layerscope.diagnose.layer import Thresholds, analyse_layer
from layerscope.diagnose.unparsed import parse_findings
from layerscope.engine.run import inspect
from layerscope.explain import RemediationContext, remediation_for
from layerscope.lab import pki
from layerscope.lab.hierarchy import make_pki
from layerscope.lab.lab import Lab
from layerscope.lab.scenarios_malformed import (
    bad_key_usage,
    bad_version,
    malformed_sites,
    patched,
)
from layerscope.model import Layer, ProbeResult, Role
from layerscope.net.probe import probe, split_served
from layerscope.present.json import report_to_dict
from layerscope.tui import panes, view
from layerscope.x509 import der
from layerscope.x509.certs import MAX_EXTENSIONS, CertificateError, facts, load

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SAN = "2.5.29.17"


@pytest.fixture(scope="module")
def cas() -> tuple[pki.Issued, pki.Issued]:
    """A root and an intermediate under it."""
    with pki.deterministic(7):
        root = pki.ca("Unit Root", now=NOW)
        return root, pki.ca("Unit Issuing CA", now=NOW, parent=root)


@pytest.fixture(scope="module")
def leaf(cas: tuple[pki.Issued, pki.Issued]) -> pki.Issued:
    """A healthy leaf for example.test under the intermediate."""
    with pki.deterministic(8):
        return pki.leaf(["example.test", "www.example.test"], now=NOW, parent=cas[1])


def _with_extra(extra: list[der.Extension]) -> Any:
    def change(parts: der.Certificate) -> der.Certificate:
        return parts.with_extensions([*parts.extensions, *extra])

    return change


def _extension(oid_hex: str, value: bytes, critical: bool = False) -> der.Extension:
    body = der.encode(der.OID, bytes.fromhex(oid_hex))
    if critical:
        body += der.encode(der.BOOLEAN, b"\xff")
    raw = der.encode(der.SEQUENCE, body + der.encode(der.OCTET_STRING, value))
    return der.Extension(der.oid_text(bytes.fromhex(oid_hex)), critical, value, raw)


# --------------------------------------------------------------------------- der.py


def test_der_splits_and_reassembles_a_certificate_byte_for_byte(leaf: pki.Issued) -> None:
    """A certificate split into TBS fields, algorithm and signature encodes back to the same
    bytes, and its extensions are those cryptography sees, in order."""
    parts = der.certificate(leaf.der)
    assert parts.to_der() == leaf.der
    assert parts.tbs == leaf.cert.tbs_certificate_bytes
    assert [e.oid for e in parts.extensions] == [e.oid.dotted_string for e in leaf.cert.extensions]
    assert [e.critical for e in parts.extensions] == [e.critical for e in leaf.cert.extensions]


def test_der_drops_the_extensions_field_when_none_are_kept(leaf: pki.Issued) -> None:
    """Keeping no extension removes the [3] field altogether (an empty one is not DER)."""
    bare = der.certificate(leaf.der).with_extensions([])
    assert bare.extensions == ()
    assert all(f.tag != der.EXTENSIONS_TAG for f in bare.tbs_fields)
    assert len(x509.load_der_x509_certificate(bare.to_der()).extensions) == 0


def test_der_lengths_and_oids() -> None:
    """Short and long lengths round-trip; OIDs come out dotted, first two arcs included."""
    for size in (0, 1, 127, 128, 255, 256, 70000):
        item = der.read(der.encode(der.OCTET_STRING, b"x" * size))
        assert (item.tag, len(item.value)) == (der.OCTET_STRING, size)
    assert der.oid_text(bytes.fromhex("551d11")) == SAN
    assert der.oid_text(bytes.fromhex("2a864886f70d01010b")) == "1.2.840.113549.1.1.11"
    assert der.oid_text(bytes.fromhex("8837")) == "2.999"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x05\x02\x01",  # runs past the end
        b"\x30\x80\x00\x00",  # indefinite length
        b"\x30\x85\x01\x02\x03\x04\x05",  # length of length too large
        b"\x1f\x01\x00",  # high tag number
        b"\x30\x00\x00",  # trailing bytes
        b"\x04\x00",  # not a SEQUENCE
        b"\x30\x03\x02\x01\x00",  # a SEQUENCE, not a Certificate
    ],
)
def test_der_refuses_malformed_input_with_der_error(data: bytes) -> None:
    """Every malformed input raises DerError (a ValueError), never anything else."""
    with pytest.raises(der.DerError):
        der.certificate(data)


def test_der_never_raises_anything_but_der_error_on_damaged_certificates(
    leaf: pki.Issued,
) -> None:
    """Truncated or bit-flipped certificates either split or raise DerError."""
    rng = random.Random(3)
    for _ in range(300):
        data = bytearray(leaf.der)
        if rng.random() < 0.5:
            data = data[: rng.randrange(len(data))]
        else:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        with contextlib.suppress(der.DerError):
            assert isinstance(der.certificate(bytes(data)).extensions, tuple)


# --------------------------------------------------------------------------- facts()


def test_a_malformed_key_usage_keeps_the_sans_and_is_recorded(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """One malformed extension (keyUsage with non-zero padding bits) does not lose the
    SANs: the certificate is read without it, the bad one is listed, der and sha256 are
    those of the certificate as sent."""
    odd = patched(leaf, cas[1], bad_key_usage)
    with pytest.raises(ValueError):
        _ = x509.load_der_x509_certificate(odd.der).extensions
    got = facts(odd.der)
    assert got.sans == ("example.test", "www.example.test")
    assert got.der == odd.der
    assert got.sha256 == hashlib.sha256(odd.der).hexdigest()
    ((name, oid, error),) = got.malformed_extensions
    assert (name, oid) == ("keyUsage", "2.5.29.15")
    assert error.startswith("malformed DER")
    assert not got.is_ca and got.issuer == facts(leaf.der).issuer


def test_a_duplicated_extension_is_recorded_once_and_its_first_copy_kept(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """A repeated subjectAltName: the first copy is read, the repetition is listed."""
    san = next(e for e in der.extensions(leaf.der) if e.oid == SAN)
    twice = patched(leaf, cas[1], _with_extra([san, san]))
    got = facts(twice.der)
    assert got.sans == ("example.test", "www.example.test")
    assert got.malformed_extensions == (
        ("subjectAltName", SAN, "the subjectAltName extension appears 3 times"),
    )


def test_a_san_with_invalid_bytes_is_recorded_not_silently_empty(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """A SAN holding a DNS name with a non-ASCII byte cannot be read: the SANs are empty,
    but the malformed SAN is named (the finding says why, not just "no names")."""

    def change(parts: der.Certificate) -> der.Certificate:
        value = der.encode(der.SEQUENCE, der.encode(0x82, b"exa\xffmple.test"))
        kept = [e for e in parts.extensions if e.oid != SAN]
        return parts.with_extensions([*kept, _extension("551d11", value)])

    got = facts(patched(leaf, cas[1], change).der)
    assert got.sans == ()
    ((name, oid, error),) = got.malformed_extensions
    assert (name, oid) == ("subjectAltName", SAN)
    assert "\xff" not in error and error.isascii()


def test_an_unknown_extension_with_garbage_is_not_malformed(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """cryptography does not parse extensions it does not know: garbage in one is fine."""
    odd = patched(leaf, cas[1], _with_extra([_extension("2b0601040182b75e01", b"\xff\x00\x01")]))
    assert facts(odd.der).malformed_extensions == ()


def test_healthy_certificates_have_no_malformed_extensions(leaf: pki.Issued) -> None:
    """The new field is empty for ordinary certificates."""
    assert facts(leaf.der).malformed_extensions == ()


@pytest.mark.parametrize(("value", "words"), [(1, "value 1 (v2)"), (3, "value 3")])
def test_an_invalid_version_is_a_certificate_error_with_a_short_reason(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued, value: int, words: str
) -> None:
    """cryptography refuses X.509 version values other than 0 and 2: facts() raises
    CertificateError (not InvalidVersion) with one short sentence as the reason."""
    bad = patched(leaf, cas[1], bad_version(value))
    with pytest.raises(CertificateError) as caught:
        facts(bad.der)
    assert words in caught.value.reason
    assert caught.value.reason.isascii() and len(caught.value.reason) <= 120


def test_too_many_broken_extensions_are_unparseable_not_worked_through(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """More extensions than MAX_EXTENSIONS, one of them broken: unparseable, quickly."""
    filler = [_extension("2b06010401" + format(i, "02x"), b"\x05\x00") for i in range(0x70)]
    assert len(filler) > MAX_EXTENSIONS
    broken = _extension("551d0f", der.encode(der.BIT_STRING, b"\x07\x81"), critical=True)
    many = patched(leaf, cas[1], _with_extra([*filler, broken]))
    with pytest.raises(CertificateError):
        facts(many.der)


def test_certs_load_of_a_certificate_with_a_malformed_extension_does_not_raise(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """trust.py hands ``load(der)`` to cryptography's verifier: loading the original DER
    works (extensions are parsed lazily); the verifier then refuses it with its message."""
    from cryptography.x509 import verification

    odd = patched(leaf, cas[1], bad_key_usage)
    cert = load(odd.der)
    store = verification.Store([cas[0].cert])
    verifier = (
        verification.PolicyBuilder()
        .store(store)
        .time(NOW)
        .build_server_verifier(x509.DNSName("example.test"))
    )
    with pytest.raises(verification.VerificationError):
        verifier.verify(cert, [cas[1].cert])


# --------------------------------------------------------------------------- findings


def _layer(chain: tuple[bytes, ...]) -> Layer:
    parsed, unparsed = split_served(chain)
    result = ProbeResult("192.0.2.7", 443, "example.test", parsed, unparsed=unparsed)
    return Layer(Role.EDGE, "192.0.2.7", 443, "--edge", result)


def test_an_unparseable_leaf_gives_only_unparseable_certificate(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """A leaf that cannot be parsed: no parsed leaf (the intermediate is not taken for one),
    ``ok`` is False, and the layer gets unparseable_certificate, not handshake_failed."""
    bad = patched(leaf, cas[1], bad_version(3))
    layer = _layer((bad.der, cas[1].der))
    assert layer.probe.chain == () and not layer.probe.ok and layer.leaf is None
    findings = analyse_layer(layer, "example.test", Thresholds(NOW))
    assert [f.code for f in findings] == ["unparseable_certificate"]
    (finding,) = findings
    sha = hashlib.sha256(bad.der).hexdigest()
    assert finding.severity.label == "critical"
    assert finding.layers == ("192.0.2.7",)
    assert dict(finding.evidence) == {
        "position": 1,
        "total": 2,
        "sha256": sha,
        "error": "invalid X.509 version value 3 (v1 to v3 are the values 0 to 2)",
    }
    assert finding.summary.startswith("certificate 1 of 2 could not be parsed: invalid X.509")
    assert sha[:12] in finding.summary


def test_an_unparseable_intermediate_keeps_the_leaf_findings(
    cas: tuple[pki.Issued, pki.Issued], leaf: pki.Issued
) -> None:
    """Certificate 2 of 2 cannot be parsed: the leaf stays the leaf and is analysed as
    usual (still valid, still covering the site), plus the unparseable_certificate."""
    bad_ca = patched(cas[1], cas[0], bad_version(1))
    layer = _layer((leaf.der, bad_ca.der))
    assert layer.probe.ok and layer.leaf is not None and layer.leaf.sha256 == facts(leaf.der).sha256
    codes = [f.code for f in analyse_layer(layer, "example.test", Thresholds(NOW))]
    assert codes == ["unparseable_certificate"]
    (finding,) = parse_findings(layer)
    assert (finding.evidence["position"], finding.evidence["total"]) == (2, 2)


def test_remediation_names_the_certificate_and_how_to_dump_it() -> None:
    """The fix says which certificate (position, fingerprint), why browsers refuse it, how
    to dump it (s_client -showcerts, asn1parse) and to get it reissued or replaced."""
    sha = "ab" * 32
    rem = remediation_for(
        "unparseable_certificate",
        RemediationContext(
            "example.test",
            443,
            "example.test",
            "192.0.2.7",
            443,
            "origin",
            evidence={"position": 2, "total": 3, "sha256": sha, "error": "bad\x1b[2J"},
        ),
    )
    assert "Certificate 2 of 3" in rem.meaning and "AB:AB:AB" in rem.meaning
    assert "\x1b" not in rem.meaning
    assert "BoringSSL" in rem.why_untrusted
    cmds = [c for step in rem.steps for c in step.commands]
    assert any("-showcerts" in c and "n==2" in c for c in cmds)
    assert any(c.startswith("openssl asn1parse -in cert2.pem") for c in cmds)
    assert any("intermediate" in step.text for step in rem.steps)


# --------------------------------------------------------------------------- lab sites


def test_lab_malformed_certificates_are_deterministic_under_a_seed() -> None:
    """With a fixed seed and clock the malformed sites' DER is the same run after run."""

    def ders() -> list[bytes]:
        with pki.deterministic(99):
            ca = make_pki(NOW)
            sites = malformed_sites(ca, NOW, lambda n: f"{n}.lab.test")
        return [c.der for s in sites for layer in (s.origin, *s.edges) for c in layer.chain]

    assert ders() == ders()


def _check(lab: Lab, scenario: str, *extra: str) -> tuple[int, dict[str, Any]]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", *lab.check_args(scenario), *extra, "--json"])
    data: dict[str, Any] = json.loads(buf.getvalue())
    (site,) = data["sites"]
    return code, site


def _by_role(lab: Lab, scenario: str, site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    info = lab.site(scenario)
    names = {info.origin: "origin", **{a: f"edge{i}" for i, a in enumerate(info.edges, 1)}}
    return {names[ly["address"]]: ly for ly in site["layers"]}


def _codes(site: dict[str, Any], address: str) -> list[str]:
    return sorted(f["code"] for f in site["findings"] if address in f["layers"])


def test_unparseable_intermediate_on_one_edge_end_to_end(lab: Lab) -> None:
    """Real handshakes: edge 2 sends the leaf and an intermediate with version value 1.
    The report (no traceback) has exactly one unparseable_certificate, on edge 2, with
    position 2 of 2 and the served DER's sha256; origin and edge 1 are intact; edge 2 keeps
    its leaf, which now lacks its intermediate (incomplete_chain, nothing else)."""
    code, site = _check(lab, "unparseable")
    assert code == 2
    layers = _by_role(lab, "unparseable", site)
    info = lab.site("unparseable")
    served = info.spec.edges[1].chain[1].der
    sha = hashlib.sha256(served).hexdigest()
    unparseable = [f for f in site["findings"] if f["code"] == "unparseable_certificate"]
    assert len(unparseable) == 1
    (finding,) = unparseable
    assert finding["layers"] == [info.edges[1]]
    assert finding["severity"] == "critical"
    assert finding["evidence"]["position"] == 2
    assert finding["evidence"]["total"] == 2
    assert finding["evidence"]["sha256"] == sha
    assert finding["remediation"]["meaning"].startswith("Certificate 2 of 2")
    edge2 = layers["edge2"]
    assert edge2["status"] == "ok"
    assert edge2["unparsed"] == [
        {"position": 2, "total": 2, "sha256": sha, "error": finding["evidence"]["error"]}
    ]
    assert [c["sha256"] for c in edge2["chain"]] == [layers["origin"]["leaf_sha256"]]
    assert set(_codes(site, info.edges[1])) <= {"unparseable_certificate", "incomplete_chain"}
    for name in ("origin", "edge1"):
        layer = layers[name]
        assert layer["status"] == "ok" and layer["unparsed"] == []
        assert len(layer["chain"]) == 2
        assert layer["chain_analysis"]["status"] == "trusted"
        assert _codes(site, layer["address"]) == []


def test_unparseable_leaf_end_to_end(lab: Lab) -> None:
    """Edge 1's leaf says version 4: that layer has no leaf and exactly the finding
    unparseable_certificate (position 1 of 2), not handshake_failed; the others are intact."""
    code, site = _check(lab, "unparseable-leaf")
    assert code == 2
    layers = _by_role(lab, "unparseable-leaf", site)
    edge1 = layers["edge1"]
    assert edge1["status"] == "unparseable_certificate"
    assert edge1["chain"] == [] and edge1["leaf_sha256"] is None
    assert [u["position"] for u in edge1["unparsed"]] == [1]
    (finding,) = [f for f in site["findings"] if edge1["address"] in f["layers"]]
    assert finding["code"] == "unparseable_certificate"
    assert (finding["evidence"]["position"], finding["evidence"]["total"]) == (1, 2)
    for name in ("origin", "edge2"):
        assert layers[name]["status"] == "ok"
        assert _codes(site, layers[name]["address"]) == []


def test_unparseable_leaf_in_text_output_and_the_tui_views(lab: Lab) -> None:
    """The text report shows the finding; the TUI's row, chain and diff views of a layer
    whose leaf cannot be parsed render without error."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", *lab.check_args("unparseable-leaf")])
    assert code == 2
    assert "unparseable_certificate" in buf.getvalue()
    assert "Traceback" not in buf.getvalue()

    info = lab.site("unparseable-leaf")
    request = next(r for r in load_config(lab.config, {}) if r.host == info.host)
    report = asyncio.run(inspect(request.host, request.options))
    (layer,) = [ly for ly in report.layers if ly.address == info.edges[0]]
    cells = view.layer_cells(layer, {}, report)
    assert any(cell.plain == "unparseable" for cell in cells)
    panes.chain_view(layer)
    panes.diff_view(report, layer)
    panes.findings_view(report, layer)
    assert report_to_dict(report)["layers"]


def test_malformed_key_usage_end_to_end_keeps_the_sans(lab: Lab) -> None:
    """The malformed-san site's leaf has a broken keyUsage: a real handshake reads its SANs
    (no hostname_mismatch), and the probe's CertFacts lists the malformed extension."""
    _code, site = _check(lab, "malformed-san")
    info = lab.site("malformed-san")
    assert "hostname_mismatch" not in {f["code"] for f in site["findings"]}
    assert "unparseable_certificate" not in {f["code"] for f in site["findings"]}
    for layer in site["layers"]:
        assert info.host in layer["chain"][0]["sans"]
    result = asyncio.run(probe(info.edges[0], lab.port, info.host))
    assert result.ok and result.leaf is not None
    assert result.leaf.sans == (info.host, f"www.{info.host}")
    assert [m[:2] for m in result.leaf.malformed_extensions] == [("keyUsage", "2.5.29.15")]
