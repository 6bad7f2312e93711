"""The browser-grade verdict: cryptography's X.509 verifier, Web PKI server profile.

One function, used by the chain analysis and by chain repair: it decides whether a client
that follows the Web PKI rules (CA/Browser Forum Baseline Requirements, RFC 5280) accepts a
chain for a site at a moment. Its messages are terse; the causes are named elsewhere
(:mod:`layerscope.x509.pathcheck`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store

from layerscope.model import CertFacts
from layerscope.model.names import is_ip
from layerscope.model.times import whole_second
from layerscope.x509.certs import CertificateError, load


@dataclass(frozen=True)
class Verdict:
    """What the verifier said about one chain.

    Attributes:
        ok: the verifier accepted the chain for the site at the moment.
        error: its message when it refused ("" when accepted), without the certificate
            dump cryptography appends.
        chain: SHA-256 of the certificates of the path it built, leaf first, anchor last
            (empty when it refused).
    """

    ok: bool
    error: str = ""
    chain: tuple[str, ...] = ()


def _subject(host: str) -> x509.DNSName | x509.IPAddress:
    if is_ip(host):
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    return x509.DNSName(host)


@functools.lru_cache(maxsize=16)
def _store(anchors: tuple[bytes, ...]) -> Store:
    """One cryptography Store per set of anchors (hundreds of roots: built once per run)."""
    return Store([load(der) for der in anchors])


def _message(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.split(" (encountered processing")[0].strip()


def verify(
    leaf: CertFacts,
    intermediates: Sequence[CertFacts],
    anchors: Sequence[bytes],
    host: str,
    at: dt.datetime,
) -> Verdict:
    """Verify ``leaf`` with ``intermediates`` (an unordered pool) against ``anchors`` (the
    trusted roots' DER) for ``host`` at ``at`` (judged to the second). Never raises: a
    refusal is a value."""
    return _verify(leaf, tuple(intermediates), tuple(anchors), host, whole_second(at))


@functools.lru_cache(maxsize=512)
def _verify(
    leaf: CertFacts,
    intermediates: tuple[CertFacts, ...],
    anchors: tuple[bytes, ...],
    host: str,
    at: dt.datetime,
) -> Verdict:
    # cached: the layers of a site (and the sites behind one CDN) serve the same chain
    if not anchors:
        return Verdict(False, "the trust store is empty")
    try:
        with warnings.catch_warnings():
            # old roots in real bundles and over-long names make cryptography warn
            warnings.simplefilter("ignore")
            store = _store(tuple(anchors))
            verifier = (
                PolicyBuilder()
                .store(store)
                .time(whole_second(at))
                .build_server_verifier(_subject(host))
            )
            built = verifier.verify(load(leaf.der), [load(c.der) for c in intermediates])
    except CertificateError as exc:
        return Verdict(False, str(exc))
    except Exception as exc:  # the verifier raises several types; all mean "refused"
        return Verdict(False, _message(exc))
    return Verdict(
        True,
        "",
        tuple(
            hashlib.sha256(c.public_bytes(serialization.Encoding.DER)).hexdigest() for c in built
        ),
    )


__all__ = ["Verdict", "verify"]
