"""Real certificates and hand-built layers for the core unit tests (no network, no mocks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.lab import pki
from layerscope.model import CertFacts, Layer, ProbeError, ProbeResult, Role
from layerscope.x509.certs import facts
from layerscope.x509.paths import analyse_chain
from layerscope.x509.stores import TrustStore

NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
HOST = "example.com"
NAMES = ["example.com", "www.example.com"]


def cf(issued: pki.Issued) -> CertFacts:
    """The facts of a lab certificate, as the probe would capture them."""
    return facts(issued.der)


def served(*items: pki.Issued) -> tuple[CertFacts, ...]:
    """A served chain, in the given order."""
    return tuple(cf(i) for i in items)


@dataclass(frozen=True)
class Pki:
    """A small public PKI: a trusted root with one intermediate, plus an untrusted one.

    Attributes:
        root: root in the trust store.
        inter: intermediate under ``root``.
        rogue_root: root nobody trusts.
        rogue_inter: intermediate under ``rogue_root``.
        store: trust store holding ``root`` only.
    """

    root: pki.Issued
    inter: pki.Issued
    rogue_root: pki.Issued
    rogue_inter: pki.Issued
    store: TrustStore

    def leaf(
        self,
        sans: Sequence[str] = NAMES,
        *,
        parent: pki.Issued | None = None,
        key: pki.PrivateKey | None = None,
        days_before: float = 10,
        days_after: float = 80,
    ) -> pki.Issued:
        """A leaf issued by ``parent`` (default: the trusted intermediate) relative to NOW."""
        return pki.leaf(
            list(sans),
            now=NOW,
            parent=parent or self.inter,
            key=key,
            days_before=days_before,
            days_after=days_after,
        )


def make_pki() -> Pki:
    """A fresh :class:`Pki` (EC keys: a few milliseconds)."""
    root = pki.ca("Unit Root CA", now=NOW)
    inter = pki.ca("Unit Issuing CA", now=NOW, parent=root)
    rogue_root = pki.ca("Rogue Root CA", now=NOW)
    rogue_inter = pki.ca("Rogue Issuing CA", now=NOW, parent=rogue_root)
    return Pki(root, inter, rogue_root, rogue_inter, TrustStore("unit", (cf(root),)))


def layer(
    chain: Sequence[pki.Issued],
    store: TrustStore,
    *,
    role: Role = Role.EDGE,
    address: str = "192.0.2.1",
    no_sni: Sequence[pki.Issued] | None = None,
    extra: Sequence[CertFacts] = (),
    others: Sequence[tuple[CertFacts, str]] = (),
    alt_store: TrustStore | None = None,
) -> Layer:
    """A layer that served ``chain`` (analysed against ``store``) as the inspector builds it."""
    facts_chain = served(*chain)
    probe = ProbeResult(address, 443, HOST, chain=facts_chain, protocol="TLSv1.3")
    plain = None
    if no_sni is not None:
        plain = ProbeResult(address, 443, None, chain=served(*no_sni), protocol="TLSv1.3")
    analysis = analyse_chain(
        facts_chain,
        host=HOST,
        at=NOW,
        store=store,
        extra=extra,
        others=others,
        alt_store=alt_store,
    )
    return Layer(role, address, 443, "unit test", probe, plain, analysis)


def failed_layer(error: ProbeError, *, role: Role = Role.EDGE, address: str = "192.0.2.9") -> Layer:
    """A layer whose probe failed with ``error``."""
    return Layer(role, address, 443, "unit test", ProbeResult(address, 443, HOST, error=error))
