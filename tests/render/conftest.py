"""Hand-built reports and hostile-text strategies for the renderer tests (no network)."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

from layerscope.model import (
    CertFacts,
    ChainAnalysis,
    Discovery,
    ErrorKind,
    Finding,
    Layer,
    PathStatus,
    ProbeError,
    ProbeResult,
    Remediation,
    Report,
    Role,
    Severity,
    Step,
)

NOW = dt.datetime(2026, 11, 27, 12, 0, 0, tzinfo=dt.UTC)


def fingerprint(seed: str) -> str:
    """A stable fake SHA-256 hex fingerprint for ``seed``."""
    return hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()


def make_cert(
    name: str = "example.com",
    *,
    seed: str | None = None,
    subject: str | None = None,
    issuer: str = "CN=Test Issuing CA,O=Test PKI",
    sans: tuple[str, ...] | None = None,
    not_before: dt.datetime = NOW - dt.timedelta(days=30),
    not_after: dt.datetime = NOW + dt.timedelta(days=60),
    is_ca: bool = False,
    self_issued: bool = False,
) -> CertFacts:
    """A certificate with plausible facts; ``seed`` makes distinct fingerprints."""
    key = seed if seed is not None else name
    return CertFacts(
        der=b"\x30\x82" + key.encode("utf-8", "surrogatepass"),
        subject=subject if subject is not None else f"CN={name}",
        issuer=issuer,
        common_name=name,
        sans=sans if sans is not None else (name,),
        serial="0A1B2C",
        not_before=not_before,
        not_after=not_after,
        sha256=fingerprint(key),
        spki_sha256=fingerprint("spki" + key),
        key_type="EC",
        key_bits=256,
        signature_algorithm="ecdsa-with-SHA256",
        signature_hash="sha256",
        is_ca=is_ca,
        self_issued=self_issued,
    )


INTERMEDIATE = make_cert(
    "Test Issuing CA",
    subject="CN=Test Issuing CA,O=Test PKI",
    issuer="CN=Test Root CA,O=Test PKI",
    is_ca=True,
)


def make_layer(
    address: str,
    *,
    role: Role = Role.EDGE,
    leaf: CertFacts | None = None,
    error: ProbeError | None = None,
    status: PathStatus = PathStatus.TRUSTED,
    port: int = 443,
    sni: str = "example.com",
    no_sni_leaf: CertFacts | None = None,
) -> Layer:
    """A probed layer serving ``leaf`` + the test intermediate, or failing with ``error``."""
    if error is not None:
        probe = ProbeResult(address=address, port=port, sni=sni, error=error)
        return Layer(role=role, address=address, port=port, source="--edge", probe=probe)
    leaf = leaf if leaf is not None else make_cert()
    chain = (leaf, INTERMEDIATE)
    probe = ProbeResult(
        address=address,
        port=port,
        sni=sni,
        chain=chain,
        protocol="TLSv1.3",
        cipher="TLS_AES_128_GCM_SHA256",
        handshake_ms=12.5,
        connect_ms=1.25,
        ocsp_staple=b"\x30\x03",
    )
    no_sni = None
    if no_sni_leaf is not None:
        no_sni = ProbeResult(
            address=address, port=port, sni=None, chain=(no_sni_leaf,), protocol="TLSv1.3"
        )
    analysis = ChainAnalysis(
        status=status,
        path=chain,
        missing=((INTERMEDIATE, "trust store"),) if status is PathStatus.INCOMPLETE else (),
        verifier_ok=status is PathStatus.TRUSTED,
    )
    source = "--origin" if role is Role.ORIGIN else "dns A via 127.0.0.53"
    return Layer(
        role=role,
        address=address,
        port=port,
        source=source,
        probe=probe,
        probe_no_sni=no_sni,
        chain=analysis,
    )


def make_remediation(name: str = "example.com", address: str = "192.0.2.10") -> Remediation:
    """Remediation with steps at two places and multi-line commands."""
    return Remediation(
        meaning="The edge serves an older certificate than the origin.",
        why_untrusted="Browsers reject certificates past their not_after date.",
        steps=(
            Step(
                "origin",
                "Install the full chain and reload nginx.",
                (
                    "ssl_certificate /etc/nginx/tls/fullchain.pem;",
                    "nginx -t && systemctl reload nginx",
                ),
            ),
            Step("edge", "Upload the renewed certificate to the CDN and purge."),
        ),
        reproduce=f"openssl s_client -connect {address}:443 -servername {name} -showcerts",
        verify=f"curl --resolve {name}:443:{address} https://{name}/",
    )


def make_finding(
    code: str = "stale_edge",
    severity: Severity = Severity.WARNING,
    layers: tuple[str, ...] = ("192.0.2.10",),
    summary: str = "Edge 192.0.2.10 serves a certificate 60 days older than the origin's",
    *,
    evidence: dict[str, Any] | None = None,
    remediation: Remediation | None = None,
) -> Finding:
    """A finding with remediation by default."""
    return Finding(
        code=code,
        severity=severity,
        layers=layers,
        summary=summary,
        evidence=evidence if evidence is not None else {"days_older": 60},
        remediation=remediation if remediation is not None else make_remediation(),
    )


def make_report(
    host: str = "example.com",
    *,
    layers: tuple[Layer, ...] | None = None,
    findings: tuple[Finding, ...] = (),
    reference: CertFacts | None = None,
    reference_layer: str | None = None,
    discovery: Discovery | None = None,
    error: ProbeError | None = None,
    at: dt.datetime = NOW,
) -> Report:
    """A report with an origin and two edges serving the same leaf unless told otherwise."""
    if layers is None:
        leaf = make_cert(host)
        layers = (
            make_layer("192.0.2.1", role=Role.ORIGIN, leaf=leaf),
            make_layer("192.0.2.10", leaf=leaf),
            make_layer("192.0.2.11", leaf=leaf),
        )
        if reference is None:
            reference, reference_layer = leaf, "192.0.2.1"
    if discovery is None:
        discovery = Discovery(
            name=host,
            cname_chain=(f"{host}.cdn.example.net", "edge.cdn.example.net"),
            resolvers=("127.0.0.53",),
            addresses=tuple((ly.address, "127.0.0.53") for ly in layers if ly.role is Role.EDGE),
        )
    return Report(
        host=host,
        ascii_host=host,
        port=443,
        sni=host,
        at=at,
        started=NOW,
        duration_ms=321.0,
        discovery=discovery,
        layers=layers,
        reference=reference,
        reference_layer=reference_layer,
        findings=findings,
        trust_store="certifi",
        error=error,
    )


def mixed_report() -> Report:
    """Origin and one edge serve A, a stale edge serves B, one edge times out."""
    new = make_cert("example.com", seed="new")
    old = make_cert(
        "example.com",
        seed="old",
        not_before=NOW - dt.timedelta(days=400),
        not_after=NOW - dt.timedelta(days=2),
    )
    timeout = ProbeError(ErrorKind.CONNECT_TIMEOUT, "No answer within 5.0 s.", 5000.0)
    layers = (
        make_layer("192.0.2.1", role=Role.ORIGIN, leaf=new),
        make_layer("192.0.2.10", leaf=new),
        make_layer("192.0.2.11", leaf=old),
        make_layer("2001:db8::12", error=timeout),
    )
    findings = (
        make_finding(
            "expired",
            Severity.CRITICAL,
            ("192.0.2.11",),
            "The leaf served by 192.0.2.11 expired 2 days ago",
        ),
        make_finding(
            "unreachable",
            Severity.CRITICAL,
            ("2001:db8::12",),
            "No answer from [2001:db8::12]:443 within 5.0 s",
        ),
        make_finding("stale_edge", Severity.WARNING, ("192.0.2.11",)),
        make_finding("hsts_missing", Severity.INFO, ("192.0.2.1", "192.0.2.10")),
    )
    return make_report(layers=layers, findings=findings, reference=new, reference_layer="192.0.2.1")


@pytest.fixture
def report_factory() -> Callable[..., Report]:
    """The report builder, for tests that want to vary one field."""
    return make_report


#: Rich markup that must show up literally, never be interpreted.
MARKUP = ("[bold red]x[/]", "[link=https://x]y[/link]", "[@click=app.quit]z[/]")

#: Fragments a hostile peer could put in a certificate, a DNS answer or an error.
HOSTILE = (
    *MARKUP,
    "\x1b[31m",
    "\x1b]8;;https://evil.example/\x1b\\",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b[2J",
    "\x9b31m",
    "\x85",
    "\x7f",
    "\x00",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u061c",
    "\u2028",
    "\ufeff",
    "\ud800",
    "```",
    "|",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "*_~#&$\\",
)

#: Arbitrary text mixed with hostile fragments.
hostile_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE)), max_size=6).map(
    "".join
)

_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def controls(text: str, allowed: str = "\n") -> list[str]:
    """Characters of ``text`` that a terminal or renderer would act on (minus ``allowed``)."""
    return [c for c in text if c not in allowed and unicodedata.category(c) in _CONTROL_CATEGORIES]
