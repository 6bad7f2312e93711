"""Remediations for the Web PKI rules a certificate on the path breaks (issue: refusals).

The fix depends on which certificate breaks the rule (evidence ``role``, read through the
views :class:`~layerscope.model.evidence.CertOnPath` and
:class:`~layerscope.model.evidence.CaOnPath` that every rule's shape extends): the leaf is
reissued by the CA (or by whoever made it); an intermediate is replaced with the CA's
current, correct one in the served chain; a root is the clients' and the CA's business (a
chain to another root, or an updated trust store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from layerscope.explain.context import _visible
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import _done, _fix_chain, _replace_leaf
from layerscope.model import Remediation, Step
from layerscope.model.evidence import CaOnPath, CertOnPath, VerifierRefusedEvidence


@dataclass(frozen=True)
class _Rule:
    meaning: str  # what is wrong, one sentence (the certificate is appended)
    why: str  # why clients refuse it
    leaf: str  # what to ask for when the leaf breaks the rule
    ca: str  # ... when an intermediate or the root does
    leaf_fix: bool = False  # a CA's rule the leaf breaks: the fix is a new leaf anyway
    about_ca: bool = False  # the evidence names a CA (ca, ca_sha256), not a certificate


def _inspect(f: _Fill) -> Step:
    """The command that shows the certificates with all their extensions."""
    return Step(
        "verify",
        "Look at every certificate the layer sends, with its extensions:"
        if not f.file
        else "Look at every certificate of the file, with its extensions:",
        (f"{f.served_pem()} | openssl storeutl -noout -text -certs /dev/stdin | cat -v",),
    )


def _ca_steps(f: _Fill, text: str, role: str) -> tuple[Step, ...]:
    if role == "root":
        return (
            Step(
                "origin" if not f.edge else "edge",
                f"{text} The root is in the clients' trust stores: ask the CA for a chain to "
                "another, current root (a cross-signed intermediate) and serve that chain.",
            ),
            *_fix_chain(
                f,
                "Save the CA's alternate intermediate as intermediate.pem and rebuild the chain.",
                "Upload the certificate with the CA's alternate chain.",
            ),
        )
    return _fix_chain(
        f,
        f"{text} Download the CA's current intermediate as intermediate.pem and rebuild "
        "the chain (a CA that issues such an intermediate must replace it).",
        f"{text} Re-upload the certificate with the CA's current intermediate.",
    )


def _about(f: _Fill, rule: _Rule) -> tuple[str, str]:
    """The subject of the certificate the rule is about, and its role on the path."""
    if rule.about_ca:
        ca = f.of(CaOnPath)
        return f.text(ca["ca"]), f.text(ca["role"]) or "leaf"
    cert = f.of(CertOnPath)
    return f.text(cert["subject"]), f.text(cert["role"]) or "leaf"


def _build(rule: _Rule) -> Callable[[_Fill], Remediation]:
    def builder(f: _Fill) -> Remediation:
        subject, role = _about(f, rule)
        which = f" ('{subject}', the {role})" if subject else ""
        if role == "leaf" or rule.leaf_fix:
            text = rule.leaf if role == "leaf" else rule.ca
            steps = _replace_leaf(
                f,
                f"{text} Reissue the certificate with a fresh request.",
                f"{text} Upload a corrected certificate to the CDN (or let it manage one).",
            )
        else:
            steps = _ca_steps(f, rule.ca, role)
        return _done(
            f,
            rule.meaning + which + ".",
            rule.why,
            (_inspect(f), *steps),
            verify=f.check(),
            verify_text="The layer must pass the browser-grade verification.",
        )

    return builder


_CA_REISSUE = "The CA must reissue it correctly."
_RULES: dict[str, _Rule] = {
    "name_constraint_violation": _Rule(
        "A CA on the path restricts the names it may certify, and the leaf has a name "
        "outside that restriction",
        "Name constraints are enforced by every modern client: a name outside the permitted "
        "(or inside an excluded) subtree makes the whole chain invalid.",
        "Request the certificate only for names the CA is allowed to issue for, or from "
        "another CA.",
        "Get the leaf from a CA whose constraints allow the site's names (another CA, or "
        "one not constrained).",
        leaf_fix=True,
        about_ca=True,
    ),
    "name_constraints_malformed": _Rule(
        "A CA's nameConstraints extension cannot be used",
        "Clients refuse constraints they cannot interpret (empty, malformed names, "
        "unsupported forms in a critical extension) rather than ignore them.",
        "A leaf certificate must not carry nameConstraints.",
        "The CA certificate's name constraints must be fixed by the CA that issued it.",
        about_ca=True,
    ),
    "issuer_not_ca": _Rule(
        "A certificate that signs another one on the path is not a CA certificate",
        "Only certificates with basicConstraints cA=TRUE may issue certificates; anything "
        "else signing a certificate is refused (RFC 5280 6.1.4).",
        "The leaf was signed by a non-CA certificate: get it from a real CA.",
        "Serve the CA's real intermediate; a certificate without cA=TRUE cannot issue.",
    ),
    "ca_certificate_as_leaf": _Rule(
        "The server presents a CA certificate as its own certificate",
        "Browsers refuse server certificates with basicConstraints cA=TRUE (Baseline "
        "Requirements 7.1.2.7.8).",
        "Serve the server certificate, not the CA's; check the file order (leaf first).",
        _CA_REISSUE,
    ),
    "path_length_exceeded": _Rule(
        "A CA's pathLenConstraint allows fewer intermediates below it than the path has",
        "Clients count the CAs below each constrained CA and refuse longer paths.",
        "Get the leaf from an intermediate that the constraint allows.",
        "Serve the shorter chain the CA offers (fewer intermediates), or ask the CA for one.",
        about_ca=True,
    ),
    "eku_missing_server_auth": _Rule(
        "A certificate on the path does not allow TLS server authentication (no serverAuth "
        "in extendedKeyUsage)",
        "Browsers require serverAuth in the leaf's extendedKeyUsage and in every CA's that "
        "restricts it; a client-auth or code-signing certificate is not a server certificate.",
        "Request a TLS server certificate (extendedKeyUsage serverAuth).",
        "The CA restricts itself to other purposes: get the leaf from a CA for TLS servers.",
        leaf_fix=True,
    ),
    "key_usage_forbids_tls": _Rule(
        "The leaf's keyUsage does not allow the key to be used by a TLS server",
        "A server certificate must allow digitalSignature (and keyEncipherment for RSA key "
        "exchange) and must not assert keyCertSign.",
        "Request the certificate with keyUsage digitalSignature (plus keyEncipherment for RSA).",
        _CA_REISSUE,
    ),
    "ca_missing_key_cert_sign": _Rule(
        "A CA certificate on the path may not sign certificates (keyUsage without keyCertSign)",
        "Clients check that every issuer's keyUsage asserts keyCertSign.",
        "A leaf has no keyCertSign by design: this concerns its issuer.",
        "Serve the CA's correct intermediate (keyUsage keyCertSign, cRLSign).",
    ),
    "unknown_critical_extension": _Rule(
        "A certificate on the path has a critical extension clients do not know",
        "RFC 5280 4.2: a client must refuse a certificate with a critical extension it does "
        "not recognise.",
        "Reissue without the extension, or with it marked non-critical.",
        _CA_REISSUE,
    ),
    "extension_criticality": _Rule(
        "An extension of a certificate on the path has the wrong criticality",
        "The Web PKI fixes the criticality of several extensions (basicConstraints critical "
        "in CAs; key identifiers, AIA and extendedKeyUsage non-critical; subjectAltName "
        "critical only with an empty subject): clients refuse the others.",
        "Reissue with the extension's criticality as required.",
        _CA_REISSUE,
    ),
    "malformed_extension": _Rule(
        "An extension of a certificate on the path cannot be parsed, or appears twice",
        "Clients (BoringSSL, NSS, the Web PKI verifier) refuse certificates with malformed "
        "or duplicate extensions.",
        "Reissue the certificate; the tool that made it writes a broken extension.",
        _CA_REISSUE,
    ),
    "empty_name": _Rule(
        "A certificate on the path has an empty issuer or subject name",
        "RFC 5280 requires a non-empty issuer, a non-empty subject for CAs, and a critical "
        "subjectAltName for a leaf without subject.",
        "Reissue with a subject (the site name as CN) and a subjectAltName.",
        _CA_REISSUE,
    ),
    "expired_root": _Rule(
        "The root the chain ends at has expired",
        "Clients refuse chains that end at an expired trust anchor, even with a valid leaf "
        "and intermediate.",
        "Reissue from a CA under a current root.",
        "Serve a chain to the CA's current root.",
    ),
    "not_yet_valid_ca": _Rule(
        "A CA certificate on the path is not valid yet",
        "Every certificate on the path must be valid at the time of the connection; a CA "
        "certificate from the future usually means a wrong clock or a chain served too "
        "early.",
        "Check the clock of the machine that issued it.",
        "Serve the CA's intermediate that is valid now, or check the client's clock.",
    ),
    "unsupported_algorithm": _Rule(
        "A certificate on the path uses a key or signature algorithm outside the Web PKI",
        "Browsers accept RSA (2048 bits or more) and ECDSA P-256/P-384/P-521 keys with "
        "SHA-256/384/512 signatures; Ed25519, DSA, other curves and odd RSA-PSS settings are "
        "refused.",
        "Reissue with an ECDSA P-256 or RSA 2048+ key.",
        "Serve a chain whose CAs use RSA or ECDSA P-256/P-384 keys.",
    ),
    "signature_algorithm_mismatch": _Rule(
        "A certificate on the path names two different signature algorithms (inside and "
        "outside its signed part)",
        "RFC 5280 4.1.1.2 requires the two to be identical; clients refuse such a "
        "certificate (it is usually a tampered or badly generated one).",
        "Reissue the certificate.",
        _CA_REISSUE,
    ),
    "san_missing": _Rule(
        "The leaf has no subjectAltName extension",
        "Browsers use only the subjectAltName to match the site; the subject CN has been "
        "ignored for years (NET::ERR_CERT_COMMON_NAME_INVALID).",
        "Reissue with every site name in subjectAltName.",
        _CA_REISSUE,
    ),
    "invalid_san": _Rule(
        "The leaf's subjectAltName holds names that are not valid host names",
        "Underscores, partial or nested wildcards, trailing dots and wildcards over a public "
        "suffix are not valid in certificates (Baseline Requirements 7.1.4.2): clients skip "
        "or refuse them.",
        "Reissue with valid names only.",
        _CA_REISSUE,
    ),
    "certificate_not_v3": _Rule(
        "A certificate on the path is not an X.509 v3 certificate",
        "The Web PKI accepts only v3 certificates (Baseline Requirements 7.1.1).",
        "Reissue the certificate (any current CA issues v3).",
        "Serve the CA's current v3 intermediate.",
    ),
    "invalid_serial": _Rule(
        "A certificate on the path has a serial number that is negative or longer than 20 octets",
        "RFC 5280 4.1.2.2 limits serial numbers to positive integers of at most 20 octets.",
        "Reissue the certificate.",
        _CA_REISSUE,
    ),
    "key_identifier_missing": _Rule(
        "A certificate on the path lacks a key identifier the Baseline Requirements require",
        "Clients that build paths by key identifier can pick the wrong issuer; the Web PKI "
        "verifier refuses a leaf without authorityKeyIdentifier.",
        "Reissue with an authorityKeyIdentifier (every public CA adds one).",
        _CA_REISSUE,
    ),
    "cn_not_in_san": _Rule(
        "The subject CN of the leaf is not one of its subjectAltNames",
        "The Baseline Requirements (7.1.2.7.2) require the CN, when present, to repeat a "
        "SAN; old clients that read the CN see another name.",
        "Reissue with the CN set to one of the site names (or no CN).",
        _CA_REISSUE,
    ),
}


def _verifier_refused(f: _Fill) -> Remediation:
    raw = f.of(VerifierRefusedEvidence)["error"]
    error = "" if raw is None else _visible(raw, 300)
    return _done(
        f,
        "The browser-grade X.509 verifier refuses the chain"
        + (f": {error}." if error else ".")
        + " None of layerscope's named rules explains it.",
        "The verifier applies the Web PKI rules (RFC 5280, CA/Browser Forum Baseline "
        "Requirements); browsers apply the same or stricter ones.",
        (
            _inspect(f),
            Step(
                "verify",
                "Compare with OpenSSL's verdict (the -x509_strict flag applies RFC 5280 rules):",
                (
                    f"{f.served_pem()} | tee chain.pem | cat -v",
                    "openssl verify -x509_strict -untrusted chain.pem chain.pem",
                ),
            ),
        ),
        verify=f.check(),
        verify_text="The layer must pass the browser-grade verification.",
    )


BUILDERS: dict[str, Callable[[_Fill], Remediation]] = {
    **{code: _build(rule) for code, rule in _RULES.items()},
    "verifier_refused": _verifier_refused,
}
"""Remediation builders of the path-validation codes."""

__all__ = ["BUILDERS"]
