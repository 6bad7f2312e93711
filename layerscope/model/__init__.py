"""Frozen dataclasses and enums shared by the engine and every renderer.

Data flows one way: discover -> probe -> analyse -> compare -> findings -> render.
Every step returns values from this module; failures are values too (a layer that
timed out is a :class:`ProbeResult` with an :class:`ProbeError`, never an exception).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from layerscope.model.names import bracketed

SCHEMA_VERSION = 1


class Severity(enum.IntEnum):
    """Nagios-style severities, ordered so that ``max()`` gives the worst."""

    OK = 0
    INFO = 1
    WARNING = 2
    CRITICAL = 3
    UNKNOWN = 4

    @property
    def label(self) -> str:
        """Lower-case name used in JSON and text output."""
        return self.name.lower()

    @property
    def exit_code(self) -> int:
        """Exit code of ``layerscope check``: 0 ok/info, 1 warning, 2 critical, 3 unknown."""
        return {0: 0, 1: 0, 2: 1, 3: 2, 4: 3}[int(self)]


class Role(enum.StrEnum):
    """Where a layer sits: the origin server or a CDN edge."""

    ORIGIN = "origin"
    EDGE = "edge"


class ErrorKind(enum.StrEnum):
    """Why a probe (or a DNS lookup) did not produce a served chain."""

    # DNS
    NXDOMAIN = "nxdomain"
    NO_ANSWER = "no_answer"
    SERVFAIL = "servfail"
    DNS_TIMEOUT = "dns_timeout"
    DNS_ERROR = "dns_error"
    # connection
    REFUSED = "refused"
    CONNECT_TIMEOUT = "connect_timeout"
    NO_ROUTE = "no_route"
    RESET = "reset"
    PEER_CLOSED = "peer_closed"
    HANDSHAKE_TIMEOUT = "handshake_timeout"
    # TLS
    PLAIN_HTTP = "plain_http"
    NOT_TLS = "not_tls"
    TLS_ALERT = "tls_alert"
    TLS_ERROR = "tls_error"
    MESSAGE_TOO_LARGE = "message_too_large"
    BAD_CERTIFICATE = "bad_certificate"
    INVALID_INPUT = "invalid_input"
    # HTTP (the page per layer)
    HTTP_TIMEOUT = "http_timeout"
    HTTP_PROTOCOL = "http_protocol"
    TOO_MANY_REDIRECTS = "too_many_redirects"


@dataclass(frozen=True)
class CertFacts:
    """What one X.509 certificate says, as plain values.

    Attributes:
        der: the certificate as sent (DER), kept to re-parse for signature checks.
        subject: RFC 4514 subject string.
        issuer: RFC 4514 issuer string.
        common_name: first CN of the subject, or "".
        sans: DNS names and IP addresses of the subjectAltName extension, as sent.
        serial: serial number in upper-case hex.
        not_before: start of validity (UTC).
        not_after: end of validity (UTC).
        sha256: SHA-256 fingerprint of the DER, lower-case hex.
        spki_sha256: SHA-256 of the SubjectPublicKeyInfo, lower-case hex.
        key_type: "RSA", "EC", "Ed25519", ...
        key_bits: key size in bits (curve size for EC).
        signature_algorithm: e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256".
        signature_hash: "sha256", "sha1", "md5", ... or "" when intrinsic (Ed25519).
        is_ca: basicConstraints CA flag.
        self_issued: subject equals issuer.
        aia_issuers: caIssuers URLs from the AIA extension.
        ocsp_urls: OCSP responder URLs from the AIA extension.
        malformed_extensions: (name or dotted OID, dotted OID, error) of each extension
            that cannot be parsed or appears more than once; the other fields were read
            without them (``der`` and ``sha256`` are still those of the certificate as sent).
    """

    der: bytes = field(repr=False)
    subject: str
    issuer: str
    common_name: str
    sans: tuple[str, ...]
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    spki_sha256: str
    key_type: str
    key_bits: int
    signature_algorithm: str
    signature_hash: str
    is_ca: bool
    self_issued: bool
    aia_issuers: tuple[str, ...] = ()
    ocsp_urls: tuple[str, ...] = ()
    malformed_extensions: tuple[tuple[str, str, str], ...] = ()

    @property
    def short_id(self) -> str:
        """First 12 hex digits of the SHA-256 fingerprint: enough to tell leaves apart."""
        return self.sha256[:12]

    def days_left(self, at: dt.datetime) -> float:
        """Days from ``at`` until ``not_after`` (negative once expired)."""
        return (self.not_after - at).total_seconds() / 86400


@dataclass(frozen=True)
class ProbeError:
    """A probe or lookup that failed, as a value.

    Attributes:
        kind: what went wrong, machine-readable.
        message: one clear sentence for humans (never the peer's raw bytes).
        elapsed_ms: time spent before giving up.
    """

    kind: ErrorKind
    message: str
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class UnparsedCert:
    """A served certificate that cannot be parsed (OpenSSL took it, cryptography refuses it).

    Attributes:
        position: 1-based position in the served chain, as sent.
        total: how many certificates the layer sent.
        sha256: SHA-256 fingerprint of the DER, lower-case hex.
        error: why it cannot be parsed, one short sentence (never the raw bytes; still
            untrusted text: it may describe what the peer sent).
        der: the certificate exactly as sent.
    """

    position: int
    total: int
    sha256: str
    error: str
    der: bytes = field(repr=False)


@dataclass(frozen=True)
class ProbeResult:
    """One TLS handshake to one layer.

    Attributes:
        address: IP address connected to.
        port: TCP port.
        sni: server name sent, or None for the handshake without SNI.
        chain: the served certificates that could be parsed, in the order sent (leaf first
            as sent); empty when the first certificate sent cannot be parsed (the
            intermediates alone are never taken for a leaf).
        protocol: negotiated protocol, e.g. "TLSv1.3".
        cipher: negotiated cipher suite.
        handshake_ms: time from TCP connect to finished handshake.
        connect_ms: time to establish TCP.
        ocsp_staple: raw stapled OCSP response, if the server sent one.
        error: why no chain was captured, or None on success.
        unparsed: served certificates that cannot be parsed, in the order sent.
    """

    address: str
    port: int
    sni: str | None
    chain: tuple[CertFacts, ...] = ()
    protocol: str = ""
    cipher: str = ""
    handshake_ms: float = 0.0
    connect_ms: float = 0.0
    ocsp_staple: bytes | None = field(default=None, repr=False)
    error: ProbeError | None = None
    unparsed: tuple[UnparsedCert, ...] = ()

    @property
    def ok(self) -> bool:
        """True when a handshake completed and a leaf was received (and could be parsed)."""
        return self.error is None and bool(self.chain)

    @property
    def leaf(self) -> CertFacts | None:
        """The first certificate sent, when any (and it could be parsed)."""
        return self.chain[0] if self.chain else None

    @property
    def status(self) -> str:
        """``ok``, the error kind, ``unparseable_certificate`` (the leaf sent cannot be
        parsed) or ``no_certificate`` (handshake done, nothing sent): one word for every
        output."""
        if self.error is not None:
            return self.error.kind.value
        if not self.chain and self.unparsed:
            return "unparseable_certificate"
        return "ok" if self.chain else "no_certificate"


class PathStatus(enum.StrEnum):
    """Where the certificate path built from a leaf ends, and the layer's trust verdict.

    ``TRUSTED`` and ``PRIVATE`` as a verdict mean the browser-grade verifier accepted the
    served chain; ``REFUSED`` is a verdict only (the path reaches a trusted root by name and
    signature, but the verifier refused the chain: the findings say why).
    """

    TRUSTED = "trusted"  # at a root of the trust store
    PRIVATE = "private"  # at an --extra-ca root
    REFUSED = "refused"  # anchored, but the verifier refused it
    UNTRUSTED_ROOT = "untrusted_root"  # at a self-signed root nobody trusts
    SELF_SIGNED = "self_signed"  # the leaf is its own issuer
    INCOMPLETE = "incomplete"  # an issuer is missing and could not be found


@dataclass(frozen=True)
class ChainAnalysis:
    """What path building and the verifier found for one served chain.

    Attributes:
        status: the layer's trust verdict: ``trusted``/``private`` only when the verifier
            accepted the served chain as sent; ``incomplete`` when the path needs
            certificates the layer did not send; ``refused`` when the path reaches a trusted
            root but the verifier refused it; else where the path ends (``path_status``).
        path: certificates from the leaf to the last one found (root included when known).
        missing: certificates on the path that the layer did not send, with where they were
            found ("layer 127.0.0.1", "trust store", "AIA http://...").
        missing_issuer: issuer name that could not be found at all (status INCOMPLETE).
        in_order: the served certificates on the path come leaf -> issuer -> ... .
        root_served: the served chain includes the path's self-signed root.
        unrelated: served certificates that are not on the path.
        verifier_ok: cryptography's verifier accepted the served chain for the site
            at the evaluation time against the trust store (plus extra CAs).
        verifier_error: the verifier's message when it refused.
        alt_status: path status against the alternative trust store, when one was checked.
        alt_store: name of the alternative trust store.
        path_too_long: path building stopped at its length limit (a hostile or broken chain
            of dozens of certificates); ``missing_issuer`` is where it stopped.
        path_status: where our own path builder ended (linking by name and signature only).
        completed_ok: the verifier accepts the chain once the missing certificates are added
            (equals ``verifier_ok`` when nothing is missing): the leaf itself is good.
        anchor: the trust store's copy of the root the path ends at, when it reached one.
    """

    status: PathStatus
    path: tuple[CertFacts, ...]
    missing: tuple[tuple[CertFacts, str], ...] = ()
    missing_issuer: str = ""
    in_order: bool = True
    root_served: bool = False
    unrelated: tuple[CertFacts, ...] = ()
    verifier_ok: bool = False
    verifier_error: str = ""
    alt_status: PathStatus | None = None
    alt_store: str = ""
    path_too_long: bool = False
    path_status: PathStatus | None = None
    completed_ok: bool = False
    anchor: CertFacts | None = None

    @property
    def intermediates(self) -> tuple[CertFacts, ...]:
        """Path certificates between the leaf and the root (or last found)."""
        inner = self.path[1:]
        if inner and inner[-1].self_issued:
            inner = inner[:-1]
        return inner

    @property
    def built(self) -> PathStatus:
        """Where the path builder ended (``path_status``, or ``status`` for old values)."""
        return self.path_status if self.path_status is not None else self.status

    @property
    def anchored(self) -> bool:
        """The path builder reached a root we trust (store or extra CA) by name and
        signature; says nothing about the other rules (see ``trusted``)."""
        return self.built in (PathStatus.TRUSTED, PathStatus.PRIVATE)

    @property
    def trusted(self) -> bool:
        """The verdict: the verifier accepted the served chain as sent."""
        return self.status in (PathStatus.TRUSTED, PathStatus.PRIVATE)


@dataclass(frozen=True)
class MixedRef:
    """One ``http://`` subresource on an HTTPS page.

    Attributes:
        element: the HTML element ("script", "img", "form", ...).
        attribute: the attribute holding the URL ("src", "href", "action", ...).
        url: the URL as written in the page (resolved against an insecure ``<base>``;
            capped at 2,048 characters).
        active: scripts, stylesheets, frames, forms, objects (browsers block them);
            passive: images, audio, video (browsers warn or upgrade).
    """

    element: str
    attribute: str
    url: str
    active: bool


@dataclass(frozen=True)
class HttpResult:
    """One HTTPS GET pinned to one layer (SNI and Host = the site, no DNS).

    Attributes:
        address: IP address fetched from.
        port: TCP port.
        path: path requested.
        status: final HTTP status, None when no response.
        headers: response headers of the final response, in order, names lower-case.
        redirects: (status, location) of each redirect followed or refused, in order.
        redirect_refused: a redirect pointed off the site (or off this layer) and was not
            followed; its target is the last ``redirects`` entry.
        body_bytes: bytes of body read (after decompression).
        truncated: the body was longer than the cap and was cut.
        mixed: ``http://`` subresources found in the page.
        upgrade_insecure: where ``upgrade-insecure-requests`` was found: "header",
            "meta" or "" (not in effect).
        title: the page title, if any.
        elapsed_ms: time for the whole fetch.
        error: why there is no (complete) response, or None; after a timeout the status
            and headers already received are kept, but the page is not scanned.
    """

    address: str
    port: int
    path: str = "/"
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    redirects: tuple[tuple[int, str], ...] = ()
    redirect_refused: bool = False
    body_bytes: int = 0
    truncated: bool = False
    mixed: tuple[MixedRef, ...] = ()
    upgrade_insecure: str = ""
    title: str = ""
    elapsed_ms: float = 0.0
    error: ProbeError | None = None

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k == lowered), None)


class OcspState(enum.StrEnum):
    """What an OCSP response (stapled or fetched) says about the leaf."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # the responder does not know the certificate
    INVALID = "invalid"  # for another certificate, expired, badly signed or unparsable
    ERROR = "error"  # no usable answer (responder down, timeout, HTTP error)


@dataclass(frozen=True)
class OcspResult:
    """An OCSP answer about a leaf.

    Attributes:
        source: "staple" or the responder URL.
        state: the verdict.
        message: one sentence for humans.
        this_update: the response's thisUpdate.
        next_update: the response's nextUpdate.
        revoked_at: revocation time when revoked.
        reason: revocation reason when given.
    """

    source: str
    state: OcspState
    message: str
    this_update: dt.datetime | None = None
    next_update: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class Layer:
    """One place that terminates TLS for the site: an edge IP or the origin.

    Attributes:
        role: origin or edge.
        address: IP address (bare, also for IPv6).
        port: TCP port.
        source: how the layer was found ("dns A via 127.0.0.53", "--edge", "--origin host").
        probe: handshake with SNI = the site (or --sni).
        probe_no_sni: handshake without SNI, or None when not attempted.
        chain: path analysis of ``probe``'s served chain, None when nothing was served.
        http: the page fetched over this layer, None when not fetched (--no-http).
        staple: the stapled OCSP response judged, None when none was stapled.
        ocsp: the leaf's OCSP responder's answer, None when not asked (no URL).
    """

    role: Role
    address: str
    port: int
    source: str
    probe: ProbeResult
    probe_no_sni: ProbeResult | None = None
    chain: ChainAnalysis | None = None
    http: HttpResult | None = None
    staple: OcspResult | None = None
    ocsp: OcspResult | None = None

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets, as users type it."""
        host = bracketed(self.address)
        return f"{host}:{self.port}"

    @property
    def leaf(self) -> CertFacts | None:
        """The leaf served with SNI, if any."""
        return self.probe.leaf


@dataclass(frozen=True)
class Discovery:
    """What DNS said about the site.

    Attributes:
        name: the name resolved (A-label form).
        cname_chain: CNAME targets in order, without the name itself.
        resolvers: resolvers asked, as ``ip[:port]`` or "system".
        addresses: (address, resolver) pairs, in answer order, deduplicated per resolver.
        errors: per-resolver or per-type failures; discovery may still have addresses.
        skipped: DNS was not used (``--edge`` given).
    """

    name: str
    cname_chain: tuple[str, ...] = ()
    resolvers: tuple[str, ...] = ()
    addresses: tuple[tuple[str, str], ...] = ()
    errors: tuple[ProbeError, ...] = ()
    skipped: bool = False

    @property
    def unique_addresses(self) -> tuple[str, ...]:
        """Each address once, in first-seen order."""
        return tuple(dict.fromkeys(a for a, _ in self.addresses))


@dataclass(frozen=True)
class Step:
    """One remediation step at one place.

    Attributes:
        where: "origin", "edge", "client" or "verify".
        text: what to do, one or two sentences.
        commands: shell commands or config lines, filled in with real names.
    """

    where: str
    text: str
    commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class Remediation:
    """How to fix one finding.

    Attributes:
        meaning: what the finding means, one sentence.
        why_untrusted: why browsers complain (or why it matters).
        steps: what to do, split by where the fix happens.
        reproduce: command that shows the observation.
        verify: command that shows the fix worked.
    """

    meaning: str
    why_untrusted: str
    steps: tuple[Step, ...]
    reproduce: str
    verify: str


@dataclass(frozen=True)
class Finding:
    """One diagnosis.

    Attributes:
        code: stable code from FINDINGS.md (the JSON contract).
        severity: how bad it is.
        layers: addresses of the layers it concerns (empty for site-wide DNS problems).
        summary: one-line human statement with the facts.
        evidence: structured facts behind the summary (JSON-compatible values).
        remediation: what to do about it.
    """

    code: str
    severity: Severity
    layers: tuple[str, ...]
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remediation: Remediation | None = None


@dataclass(frozen=True)
class Report:
    """Everything known about one site at one moment: what every renderer consumes.

    Attributes:
        host: site name as the user typed it.
        ascii_host: the A-label form used in DNS and SNI.
        port: site port.
        sni: server name sent in probes.
        at: moment validity was judged.
        started: wall-clock start of the inspection.
        duration_ms: how long the inspection took.
        discovery: DNS results.
        layers: origin first, then edges.
        reference: the reference certificate, if one could be chosen.
        reference_layer: address of the layer the reference comes from.
        findings: all findings, worst first.
        trust_store: description of the trust store used.
        error: a site-wide problem (bad options, nothing to probe).
        cdn: the CDN recognised from the CNAME chain or the edges' headers, if any.
        aia_errors: (URL, message) of AIA downloads that failed while completing chains.
    """

    host: str
    ascii_host: str
    port: int
    sni: str
    at: dt.datetime
    started: dt.datetime
    duration_ms: float
    discovery: Discovery
    layers: tuple[Layer, ...]
    reference: CertFacts | None
    reference_layer: str | None
    findings: tuple[Finding, ...]
    trust_store: str = ""
    error: ProbeError | None = None
    cdn: str | None = None
    aia_errors: tuple[tuple[str, str], ...] = ()

    @property
    def severity(self) -> Severity:
        """Worst severity; UNKNOWN when nothing could be learned."""
        if self.error is not None or not self.layers:
            return Severity.UNKNOWN
        if self.discovery.errors and not any(ly.role is Role.EDGE for ly in self.layers):
            return Severity.UNKNOWN
        if not self.findings:
            return Severity.OK
        return max(f.severity for f in self.findings)

    def findings_for(self, address: str) -> tuple[Finding, ...]:
        """Findings that concern the layer at ``address``."""
        return tuple(f for f in self.findings if address in f.layers)
