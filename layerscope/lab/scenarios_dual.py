"""The lab's dual-certificate sites (issue #13): layers that hold an ECDSA and an RSA
certificate for one name, as nginx with two ``ssl_certificate`` lines and most CDNs do.

A client that offers ECDSA signature algorithms (every modern one, and layerscope's
untyped probe) gets the ECDSA certificate; one that offers only RSA ones (older clients,
many API clients) gets the RSA certificate. Until the analysis judges each type, these
sites report what the ECDSA certificates say.

The rows are built after every other lab site (:func:`layerscope.lab.scenarios.make_sites`),
so the seeded keys, serials and addresses of the earlier sites stay what they were. The
RSA leaves are issued by the lab's RSA intermediate (``irsa``) and share the lab's one
RSA key (:attr:`~layerscope.lab.recipes.KeyChoice.RSA`).
"""

from __future__ import annotations

from layerscope.lab.recipes import KeyChoice, Layer, Leaf, Rollout, Scenario, renewal, same


def _rsa(label: str) -> Leaf:
    """An RSA leaf for the site's usual names, from the lab's RSA intermediate."""
    return Leaf(label, issuer="irsa", key=KeyChoice.RSA)


def _dual(ecdsa: str, rsa: str) -> Layer:
    """A layer holding the ECDSA leaf ``ecdsa`` and the RSA leaf ``rsa``, each with its
    intermediate."""
    return Layer((ecdsa, "i1"), rsa_chain=(rsa, "irsa"))


def _rolling_edge(rsa_step: int) -> Layer:
    """An edge serving the older pair that picks up the fresh ECDSA certificate at the
    first ``rolling`` delay and the fresh RSA one at delay ``rsa_step``."""
    return Layer(
        ("older", "i1"),
        rsa_chain=("older-rsa", "irsa"),
        rollout=Rollout(("fresh", "i1"), 0),
        rsa_rollout=Rollout(("fresh-rsa", "irsa"), rsa_step),
    )


_BOTH = _dual("leaf", "leaf-rsa")
_RENEWED = _dual("renewed", "renewed-rsa")

#: The dual-certificate sites, in the order the demo shows them (after every other site;
#: the order is part of the contract, as for :data:`~layerscope.lab.scenarios.SCENARIOS`).
DUAL_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "dual",
        "Every layer holds an ECDSA and an RSA certificate, both current.",
        (Leaf(), _rsa("leaf-rsa")),
        _BOTH,
        same(_BOTH, 3),
    ),
    Scenario(
        "dual-stale-rsa",
        "After a renewal, edge 3 serves the renewed ECDSA certificate but still the "
        "previous RSA one (older and API clients get the old certificate).",
        (
            *renewal("renewed", "previous"),
            *renewal("renewed-rsa", "previous-rsa", key=KeyChoice.RSA, issuer="irsa"),
        ),
        _RENEWED,
        (_RENEWED, _RENEWED, _dual("renewed", "previous-rsa")),
    ),
    Scenario(
        "dual-ecdsa-only-edge",
        "Edge 2 holds only the ECDSA certificate; the origin and the other edges hold "
        "an RSA one too (clients without ECDSA fail on edge 2).",
        (Leaf(), _rsa("leaf-rsa")),
        _BOTH,
        (_BOTH, Layer(("leaf", "i1")), _BOTH),
    ),
    Scenario(
        "dual-rolling",
        "A renewal of both certificates rolling out: every edge picks up the new ECDSA "
        "certificate first, the new RSA one later (edge 1, then edges 2 and 3).",
        (
            *renewal("fresh", "older"),
            *renewal("fresh-rsa", "older-rsa", key=KeyChoice.RSA, issuer="irsa"),
        ),
        _dual("fresh", "fresh-rsa"),
        (_rolling_edge(1), _rolling_edge(2), _rolling_edge(2)),
    ),
)


__all__ = ["DUAL_SCENARIOS"]
