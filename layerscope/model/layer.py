"""What one layer served: the probe, the page, the OCSP answer, and the DNS behind it."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from layerscope.model.cert import CertFacts, ChainAnalysis, UnparsedCert
from layerscope.model.kinds import CertType, ErrorKind, Role
from layerscope.model.names import bracketed


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
        cert_type: the certificate type the handshake asked for, by offering only that
            type's signature algorithms; None: no restriction (the server's default pick,
            the ECDSA certificate of a server holding both).
        not_offered: the server refused a handshake restricted to ``cert_type`` the way a
            server without a certificate of that type does (a handshake_failure alert or
            no shared signature algorithm): the layer does not offer that type. Not an
            error of the layer: ``error`` stays None, ``chain`` is empty, ``status`` says
            ``not_offered``. A layer that refuses every handshake refuses a typed one
            alike: it means "not offered" only beside an untyped probe that succeeded.
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
    cert_type: CertType | None = None
    not_offered: bool = False

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
        parsed), ``no_certificate`` (handshake done, nothing sent) or ``not_offered`` (no
        certificate of the ``cert_type`` asked for): one word for every output."""
        if self.not_offered:
            return "not_offered"
        if self.error is not None:
            return self.error.kind.value
        if not self.chain and self.unparsed:
            return "unparseable_certificate"
        return "ok" if self.chain else "no_certificate"


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


def cert_type_of(cert: CertFacts) -> CertType | None:
    """The certificate type of a leaf from its key: EC keys are ECDSA, RSA keys RSA;
    None for others (Ed25519, DSA, unknown)."""
    if cert.key_type == "EC":
        return CertType.ECDSA
    if cert.key_type == "RSA":
        return CertType.RSA
    return None


@dataclass(frozen=True)
class Layer:
    """One place that terminates TLS for the site: an edge IP or the origin.

    Attributes:
        role: origin or edge (or a certificate file, for ``preflight``).
        address: IP address (bare, also for IPv6); a file's path.
        port: TCP port (0 for a file).
        source: how the layer was found ("dns A via 127.0.0.53", "--edge", "--origin host").
        probe: handshake with SNI = the site (or --sni).
        probe_no_sni: handshake without SNI, or None when not attempted.
        chain: path analysis of ``probe``'s served chain, None when nothing was served.
        http: the page fetched over this layer, None when not fetched (--no-http).
        staple: the stapled OCSP response judged, None when none was stapled.
        ocsp: the leaf's OCSP responder's answer, None when not asked (no URL).
        cert_type: set when the layer serves two certificates (an ECDSA and an RSA one):
            the type of this layer's ``probe`` (the one modern clients get); None for a
            layer that serves one certificate, whatever its type.
        second: the layer's other certificate when it serves two: a layer of its own (same
            role, address and port; ``cert_type`` set; no probe without SNI, no page),
            so every per-layer judgement applies to it alike; None otherwise.
        typed_probes: the handshakes that asked for one certificate type each (ECDSA, RSA),
            as made; empty when not made (a failed layer, a file).
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
    cert_type: CertType | None = None
    second: Layer | None = None
    typed_probes: tuple[ProbeResult, ...] = ()

    @property
    def parts(self) -> tuple[Layer, ...]:
        """This layer and, when it serves two certificates, its second one."""
        return (self,) if self.second is None else (self, self.second)

    @property
    def is_second(self) -> bool:
        """This is the second certificate of a layer that serves two."""
        return self.cert_type is not None and self.second is None

    @property
    def leaf_type(self) -> CertType | None:
        """The type of the leaf served with SNI: ``cert_type`` when set, else the leaf's
        key type (None for other key types and without a leaf)."""
        if self.cert_type is not None:
            return self.cert_type
        return cert_type_of(self.leaf) if self.leaf is not None else None

    @property
    def offered_types(self) -> tuple[CertType, ...]:
        """The certificate types this layer was seen to offer (a typed handshake got a
        leaf of that type), in ``CertType`` order; empty when not probed per type."""
        got = {
            p.cert_type
            for p in self.typed_probes
            if p.ok and p.leaf is not None and cert_type_of(p.leaf) is p.cert_type
        }
        return tuple(t for t in CertType if t in got)

    @property
    def missing_types(self) -> tuple[CertType, ...]:
        """The certificate types this layer refused as servers without one do (or answered
        with a certificate of the other type); unknown types (a typed probe that failed
        otherwise) are in neither this nor :attr:`offered_types`."""
        out = []
        for p in self.typed_probes:
            if p.cert_type is None:
                continue
            other = p.ok and p.leaf is not None and cert_type_of(p.leaf) is not p.cert_type
            if p.not_offered or other:
                out.append(p.cert_type)
        return tuple(t for t in CertType if t in out)

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets, as users type it (a file: its path)."""
        if self.role is Role.FILE:
            return self.address
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
