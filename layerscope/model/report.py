"""Findings, their remediation, and the report of one site."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from layerscope.model.cert import CertFacts
from layerscope.model.kinds import CertType, Role, Severity
from layerscope.model.layer import Discovery, Layer, ProbeError

if TYPE_CHECKING:
    # preflight's values: a check never loads them (#14)
    from layerscope.model.deploy import Against
    from layerscope.model.files import FilesRead
    from layerscope.model.nginx import NginxCheck


@dataclass(frozen=True)
class Step:
    """One remediation step at one place.

    Attributes:
        where: "origin", "edge", "client" or "verify"; "file" for a certificate file that
            is not deployed yet (``preflight``).
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
        cert_type: on a site whose layers serve two certificates (ECDSA and RSA), the
            type of the certificates the finding is about; None when it is about the
            layer whatever it serves (no SNI, the page), and on every other site.
    """

    code: str
    severity: Severity
    layers: tuple[str, ...]
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remediation: Remediation | None = None
    cert_type: CertType | None = None

    def concerns(self, layer: Layer) -> bool:
        """The finding is about ``layer``: a finding of one type is about the layers (and
        second certificates) of that type; one of no type is about the layer itself, which
        is the first of its two certificates when it serves two."""
        if layer.address not in self.layers:
            return False
        if self.cert_type is None:
            return not layer.is_second
        return layer.leaf_type is self.cert_type


@dataclass(frozen=True)
class TypedReference:
    """The reference certificate of one type on a site whose layers serve two.

    Attributes:
        cert_type: ECDSA or RSA.
        cert: the reference leaf of that type.
        layer: address of the layer it was taken from.
    """

    cert_type: CertType
    cert: CertFacts
    layer: str


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
        files: for ``preflight``, what was read from disk (the one layer is the certificate
            file, role ``file``); None for a site that was probed.
        against: for ``preflight --against HOST``, the live layers of HOST compared with
            the file's leaf; None otherwise.
        nginx: for ``preflight --nginx``, the server block that names the files and what
            it serves; None otherwise.
        type_references: on a site whose layers serve two certificates, the reference of
            each type (``reference`` is then the ECDSA one, what modern clients get); empty
            on every other site.
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
    files: FilesRead | None = None
    against: Against | None = None
    nginx: NginxCheck | None = None
    type_references: tuple[TypedReference, ...] = ()

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

    def findings_for(self, layer: Layer) -> tuple[Finding, ...]:
        """Findings that concern ``layer`` (see :meth:`Finding.concerns`)."""
        return tuple(f for f in self.findings if f.concerns(layer))

    @property
    def dual(self) -> bool:
        """Some layer serves two certificates (an ECDSA and an RSA one)."""
        return any(layer.second is not None for layer in self.layers)

    def reference_for(self, layer: Layer) -> CertFacts | None:
        """The reference ``layer`` is compared with: its type's on a site whose layers serve
        two certificates, else the site's."""
        if self.type_references:
            kind = layer.leaf_type
            return next((r.cert for r in self.type_references if r.cert_type is kind), None)
        return self.reference
