"""Remediation for a served certificate that cannot be parsed at all."""

from __future__ import annotations

from layerscope.explain.cdn import _edge_upload
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import _build_fullchain, _by_role, _done, _install
from layerscope.model import Remediation, Step
from layerscope.model.evidence import UnparseableEvidence

_MAX_POSITION = 1000


def _position(value: object) -> int:
    """The 1-based position from the evidence, 1 when it is not a sane integer."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _MAX_POSITION:
        return value
    return 1


def _dump(f: _Fill, position: int, where: str) -> Step:
    """Save the served certificate at ``position`` and show its DER structure."""
    pem = f"cert{position}.pem"
    return Step(
        where,
        f"Save certificate {position} as the layer sends it and look at its DER: asn1parse "
        "stops or shows odd values where the encoding is wrong (version, a repeated or "
        "garbled extension). Its fingerprint must match the finding's sha256.",
        (
            f"{f.served_pem()}"
            f" | awk '/-----BEGIN CERTIFICATE-----/{{n++}} n=={position}'"
            f" | sed '/-----END CERTIFICATE-----/q' | tee {pem} | cat -v",
            f"openssl asn1parse -in {pem} -i | cat -v",
            f"openssl x509 -in {pem} -noout -fingerprint -sha256",
        ),
    )


def _unparseable(f: _Fill) -> Remediation:
    ev = f.of(UnparseableEvidence)
    position = _position(ev["position"])
    total = f.number(ev["total"])
    fingerprint = f.sha(ev["sha256"])
    error = f.text(ev["error"])
    of_total = f" of {total}" if total else ""
    which = f"Certificate {position}{of_total}" + (" (the leaf)" if position == 1 else "")
    ident = f" (SHA-256 {fingerprint})" if fingerprint else ""
    replace = (
        "Ask the CA to reissue the certificate: a correctly encoded one is a CA's duty."
        if position == 1
        else "Replace that intermediate in the served file with the CA's published copy "
        "(the leaf's CA Issuers URL, or the CA's repository), then rebuild the chain."
    )
    origin = (
        _dump(f, position, "origin"),
        Step("origin", replace, ()),
        *(
            (_build_fullchain(f, "Rebuild fullchain.pem: leaf first, then the intermediates."),)
            if position != 1
            else ()
        ),
        *_install(f),
    )
    edge = (
        _dump(f, position, "edge"),
        *_edge_upload(
            f,
            f"{replace} Upload the certificate and chain again, leaf first, no root.",
        ),
    )
    return _done(
        f,
        f"{which} {'in' if f.file else 'sent by'} {f.layer_text}{ident} cannot be parsed"
        + (f": {error}." if error else "."),
        "Browsers parse certificates strictly (BoringSSL in Chrome, NSS in Firefox) and "
        "refuse the whole handshake when a served certificate is not valid DER, even where "
        "OpenSSL-based tools still accept it.",
        _by_role(f, origin, edge),
        verify=f.check(),
        verify_text="The layer must send only certificates that parse.",
    )


__all__ = ["_unparseable"]
