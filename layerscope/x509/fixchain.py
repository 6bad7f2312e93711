"""Build the ``fullchain.pem`` a layer should serve: leaf first, then the intermediates in
order, no root — or say precisely why no such file can make the chain trusted.

The path comes from :func:`trust.analyse_chain` (which knows where each certificate was
found); the result is then checked with cryptography's verifier, so a file is only offered
when a browser-like client would accept it for the site at the evaluation time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization

from layerscope.model import CertFacts, ChainAnalysis, PathStatus
from layerscope.x509.certs import is_self_signed, load
from layerscope.x509.paths import analyse_chain
from layerscope.x509.stores import TrustStore, anchor_ders
from layerscope.x509.verify import verify


@dataclass(frozen=True)
class FullChain:
    """The repaired chain for one layer, or why there is none.

    Attributes:
        ok: a trusted chain was built and cryptography's verifier accepts it for the site.
        certificates: leaf first, then the intermediates in order; never the root. Empty
            when ``ok`` is False.
        pem: the PEM of ``certificates`` concatenated (the ``fullchain.pem`` to install);
            "" when ``ok`` is False.
        message: what was added and from where, or why no chain can be offered.
        added: certificates the layer did not send, with where they were found
            ("AIA http://...", "layer 198.51.100.7").
    """

    ok: bool
    certificates: tuple[CertFacts, ...]
    pem: str
    message: str
    added: tuple[tuple[CertFacts, str], ...] = ()


def _refuse(message: str) -> FullChain:
    return FullChain(ok=False, certificates=(), pem="", message=message)


def _why_not_anchored(analysis: ChainAnalysis, leaf: CertFacts) -> str:
    top = analysis.path[-1] if analysis.path else leaf
    if analysis.built is PathStatus.SELF_SIGNED:
        return (
            f"the leaf '{leaf.subject}' is self-signed: no chain can make it trusted; "
            "a certificate from a CA in the trust store is needed"
        )
    if is_self_signed(top):
        return f"the chain ends at '{top.subject}', which is not in the trust store"
    wanted = analysis.missing_issuer or top.issuer
    if top.aia_issuers:
        where = f"nothing usable at its AIA URL {top.aia_issuers[0]}"
    else:
        where = "no AIA URL"
    return (
        f"the intermediate '{wanted}' could not be found (not sent, not on other layers, {where})"
    )


def _validity_problem(leaf: CertFacts, at: dt.datetime) -> str:
    if leaf.not_after < at:
        return f"the leaf expired on {leaf.not_after:%Y-%m-%d %H:%M} UTC"
    if leaf.not_before > at:
        return f"the leaf is not valid before {leaf.not_before:%Y-%m-%d %H:%M} UTC"
    return ""


def _pem(chain: Sequence[CertFacts]) -> str:
    return "".join(
        load(c.der).public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain
    )


def _describe(analysis: ChainAnalysis, chain: Sequence[CertFacts]) -> str:
    parts = [f"added '{c.subject}' from {source}" for c, source in analysis.missing]
    if not analysis.in_order:
        parts.append("put the certificates in order (leaf first)")
    if analysis.root_served:
        parts.append(f"left out the root '{analysis.path[-1].subject}'")
    if analysis.unrelated:
        count = len(analysis.unrelated)
        parts.append(f"left out {count} unrelated certificate{'s' if count > 1 else ''}")
    if not parts:
        parts.append("the served chain is already complete and in order")
    inner = len(chain) - 1
    anchor = analysis.path[-1].subject
    return (
        "; ".join(parts)
        + f": leaf and {inner} intermediate{'' if inner == 1 else 's'}, anchored at '{anchor}'"
    )


def build_fullchain(
    served: Sequence[CertFacts],
    found: Sequence[tuple[CertFacts, str]],
    *,
    host: str,
    at: dt.datetime,
    store: TrustStore,
    extra: Sequence[CertFacts] = (),
) -> FullChain:
    """The chain a layer should serve, built from what it sent plus ``found``.

    ``found`` holds certificates from elsewhere (AIA downloads, other layers' chains) with
    where they came from. The path must end at a root of ``store`` (or at an ``extra`` CA
    when given), and the result must pass cryptography's verifier for ``host`` at ``at``;
    otherwise the answer says why and carries no certificates.
    """
    if not served:
        return _refuse("the layer sent no certificate")
    leaf = served[0]
    analysis = analyse_chain(served, host=host, at=at, store=store, extra=extra, others=found)
    if not analysis.anchored:
        return _refuse(_why_not_anchored(analysis, leaf))
    # the anchor (last on an anchored path) stays out: clients have it, sending it wastes
    # bytes and can break cross-signed paths
    chain = analysis.path[:-1] if len(analysis.path) > 1 else analysis.path
    reason = verify(chain[0], chain[1:], anchor_ders(store, extra), host, at).error
    if reason:
        problem = _validity_problem(leaf, at)
        prefix = f"{problem}: " if problem else ""
        return _refuse(f"{prefix}the completed chain does not verify for {host}: {reason}")
    return FullChain(
        ok=True,
        certificates=tuple(chain),
        pem=_pem(chain),
        message=_describe(analysis, chain),
        added=analysis.missing,
    )


__all__ = ["FullChain", "build_fullchain"]
