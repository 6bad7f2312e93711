"""The verdict is the verifier's: one-second validity, a refusal is never silent, and the
words every renderer shows never say "trusted" for a refused chain."""

from __future__ import annotations

import dataclasses
import datetime as dt

from layerscope.diagnose.layer import Thresholds, analyse_layer
from layerscope.diagnose.rows import chain_severity, chain_word
from layerscope.lab import pki
from layerscope.model import PathStatus, Severity
from layerscope.x509.paths import analyse_chain
from layerscope.x509.stores import TrustStore
from layerscope.x509.verify import verify

from .helpers import HOST, NOW, Pki, cf, layer, served


def _expiring_exactly(ca: Pki) -> tuple[pki.Issued, dt.datetime]:
    leaf = ca.leaf(days_before=10, days_after=1)
    return leaf, cf(leaf).not_after


def test_a_certificate_is_valid_through_the_last_second_of_not_after(ca: Pki) -> None:
    """At notAfter + 0.9 s the leaf is still valid (X.509 has one-second granularity): no
    finding, trusted; one second later it has expired "1 second ago", never "0.0 days"."""
    leaf, not_after = _expiring_exactly(ca)
    at_end = not_after + dt.timedelta(microseconds=900_000)
    ly = layer([leaf, ca.inter], ca.store)
    ly = dataclasses.replace(
        ly, chain=analyse_chain(served(leaf, ca.inter), host=HOST, at=at_end, store=ca.store)
    )
    assert ly.chain is not None and ly.chain.status is PathStatus.TRUSTED
    codes = {f.code for f in analyse_layer(ly, HOST, Thresholds(at_end, 0, 0))}
    assert "expired" not in codes

    later = not_after + dt.timedelta(seconds=1)
    ly = dataclasses.replace(
        ly, chain=analyse_chain(served(leaf, ca.inter), host=HOST, at=later, store=ca.store)
    )
    found = {f.code: f for f in analyse_layer(ly, HOST, Thresholds(later, 0, 0))}
    assert "1 second ago" in found["expired"].summary
    assert ly.chain is not None and ly.chain.status is PathStatus.REFUSED


def test_the_verifier_judges_to_the_second_too(ca: Pki) -> None:
    """The shared verifier drops the fraction of a second, as X.509 times do."""
    leaf, not_after = _expiring_exactly(ca)
    anchors = (cf(ca.root).der,)
    half = not_after + dt.timedelta(milliseconds=500)
    assert verify(cf(leaf), (cf(ca.inter),), anchors, HOST, half).ok
    assert not verify(cf(leaf), (cf(ca.inter),), anchors, HOST, half + dt.timedelta(seconds=1)).ok


def test_an_expired_root_is_named_and_the_chain_is_refused(ca: Pki) -> None:
    """A trust anchor that expired refuses the whole chain: expired_root, critical, and the
    Chain word is "refused"."""
    root = pki.ca("Old Root", now=NOW, days_before=4000, days_after=-1)
    inter = pki.ca("Old Issuing CA", now=NOW, parent=root, days_after=30)
    leaf = ca.leaf(parent=inter)
    store = dataclasses.replace(ca.store, roots=(*ca.store.roots, cf(root)))
    ly = layer([leaf, inter], store)
    assert ly.chain is not None
    assert ly.chain.status is PathStatus.REFUSED and not ly.chain.verifier_ok
    found = {f.code: f for f in analyse_layer(ly, HOST, Thresholds(NOW))}
    assert found["expired_root"].severity is Severity.CRITICAL
    assert found["expired_root"].evidence["role"] == "root"
    assert "verifier_refused" not in found
    assert chain_word(ly) == "refused"
    assert chain_severity(ly) is Severity.CRITICAL


def test_a_refusal_no_rule_explains_is_verifier_refused_with_its_message(ca: Pki) -> None:
    """Nine intermediates exceed every client's depth limit; no rule names that, so the layer
    gets a critical verifier_refused quoting the verifier."""
    parent = ca.inter
    chain = []
    for i in range(9):
        parent = pki.ca(f"Deep CA {i}", now=NOW, parent=parent)
        chain.append(parent)
    leaf = ca.leaf(parent=parent)
    ly = layer([leaf, *reversed(chain), ca.inter], ca.store)
    assert ly.chain is not None and not ly.chain.verifier_ok
    assert ly.chain.status is not PathStatus.TRUSTED
    found = {f.code: f for f in analyse_layer(ly, HOST, Thresholds(NOW))}
    assert found["verifier_refused"].severity is Severity.CRITICAL
    assert "depth" in found["verifier_refused"].evidence["error"]


def test_a_healthy_chain_has_no_rule_findings(ca: Pki) -> None:
    """The lab's ordinary chain breaks no rule: trusted, nothing reported."""
    ly = layer([ca.leaf(), ca.inter], ca.store)
    assert ly.chain is not None and ly.chain.status is PathStatus.TRUSTED
    assert analyse_layer(ly, HOST, Thresholds(NOW)) == []


def test_a_missing_intermediate_reads_incomplete_not_trusted(ca: Pki) -> None:
    """Leaf alone, the intermediate known from another layer: the verdict is "incomplete"
    (clients refuse what was sent), the leaf itself is fine once completed."""
    leaf = ca.leaf()
    ly = layer([leaf], ca.store, others=[(cf(ca.inter), "layer 192.0.2.2")])
    assert ly.chain is not None
    assert ly.chain.status is PathStatus.INCOMPLETE and ly.chain.completed_ok
    assert chain_word(ly) == "incomplete"
    codes = {f.code for f in analyse_layer(ly, HOST, Thresholds(NOW))}
    assert codes == {"incomplete_chain"}


def test_an_intermediate_trusted_as_anchor_is_not_judged_by_its_own_signature() -> None:
    """With an intermediate itself in the trust store, clients never check the signature on
    it (SHA-1 here): trusted, and no weak_signature about it."""
    root = pki.ca("Legacy RSA Root", now=NOW, key=pki.new_key("rsa2048"))
    inter = pki.ca("SHA-1 Signed Issuing CA", now=NOW, parent=root)
    sha1 = pki.Issued(pki._resign_sha1(inter.cert, root.key), inter.key)
    leaf = pki.leaf(["example.com"], now=NOW, parent=sha1)
    store = TrustStore("anchor is an intermediate", (cf(sha1),))
    ly = layer([leaf, sha1], store)
    assert ly.chain is not None and ly.chain.verifier_ok
    assert ly.chain.status is PathStatus.TRUSTED
    assert analyse_layer(ly, HOST, Thresholds(NOW)) == []
