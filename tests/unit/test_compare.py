"""Cross-layer findings: ``compare.choose_reference`` and ``compare.compare_layers``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from layerscope.diagnose.compare import Reference, choose_reference, compare_layers
from layerscope.diagnose.headers import http_differs
from layerscope.diagnose.layer import Thresholds
from layerscope.lab import pki
from layerscope.model import ErrorKind, Finding, HttpResult, Layer, ProbeError, Role, Severity
from layerscope.x509.stores import TrustStore

from .helpers import HOST, NOW, Pki, cf, failed_layer, layer

TH = Thresholds(NOW)
ORIGIN = "198.51.100.10"
EDGE_1, EDGE_2, EDGE_3 = "192.0.2.1", "192.0.2.2", "192.0.2.3"


def origin(chain: Sequence[pki.Issued], store: TrustStore) -> Layer:
    """The origin layer serving ``chain``."""
    return layer(chain, store, role=Role.ORIGIN, address=ORIGIN)


def edge(chain: Sequence[pki.Issued], store: TrustStore, address: str = EDGE_1) -> Layer:
    """An edge layer serving ``chain``."""
    return layer(chain, store, role=Role.EDGE, address=address)


def compare(layers: Sequence[Layer]) -> list[Finding]:
    """Choose the reference and compare, as the inspector does."""
    return compare_layers(layers, choose_reference(layers, HOST, NOW), HOST, TH)


def codes(findings: list[Finding]) -> list[str]:
    """The finding codes, in order."""
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> Finding:
    """The single finding with ``code``."""
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, codes(findings)
    return matching[0]


def reference_of(layers: Sequence[Layer]) -> Reference:
    """The chosen reference, which must exist."""
    ref = choose_reference(layers, HOST, NOW)
    assert ref is not None
    return ref


# --- choose_reference -------------------------------------------------------------------


def test_good_origin_leaf_is_the_reference_even_when_older(ca: Pki) -> None:
    """The origin's valid, trusted, covering leaf wins over newer edge leaves."""
    old, new = ca.leaf(days_before=60), ca.leaf(days_before=5)
    layers = [origin([old, ca.inter], ca.store), edge([new, ca.inter], ca.store)]
    ref = reference_of(layers)
    assert ref.cert == cf(old)
    assert ref.layer is layers[0]


def test_origin_missing_its_intermediate_is_still_the_reference(ca: Pki) -> None:
    """A leaf whose intermediate was found elsewhere is anchored: the origin stays reference."""
    old, new = ca.leaf(days_before=60), ca.leaf(days_before=5)
    leaf_only = layer(
        [old], ca.store, role=Role.ORIGIN, address=ORIGIN, others=[(cf(ca.inter), "edge")]
    )
    ref = reference_of([leaf_only, edge([new, ca.inter], ca.store)])
    assert ref.cert == cf(old)


@pytest.mark.parametrize("problem", ["expired", "untrusted", "mismatched", "unreachable"])
def test_bad_origin_falls_back_to_the_newest_good_edge_leaf(ca: Pki, problem: str) -> None:
    """An expired, untrusted, mismatched or dead origin: the newest good edge leaf is chosen."""
    bad_origin = {
        "expired": lambda: origin([ca.leaf(days_before=400, days_after=-1), ca.inter], ca.store),
        "untrusted": lambda: origin([ca.leaf(parent=ca.rogue_inter), ca.rogue_inter], ca.store),
        "mismatched": lambda: origin([ca.leaf(["other.example"]), ca.inter], ca.store),
        "unreachable": lambda: failed_layer(
            ProbeError(ErrorKind.REFUSED, "refused"), role=Role.ORIGIN, address=ORIGIN
        ),
    }[problem]()
    older, newest, middle = (ca.leaf(days_before=d) for d in (60, 5, 30))
    edges = [
        edge([older, ca.inter], ca.store, EDGE_1),
        edge([newest, ca.inter], ca.store, EDGE_2),
        edge([middle, ca.inter], ca.store, EDGE_3),
    ]
    ref = reference_of([bad_origin, *edges])
    assert ref.cert == cf(newest)
    assert ref.layer is edges[1]


def test_newest_leaf_must_also_be_good(ca: Pki) -> None:
    """A newer but untrusted edge leaf is not chosen over an older good one."""
    good = ca.leaf(days_before=60)
    newer_rogue = ca.leaf(parent=ca.rogue_inter, days_before=1)
    layers = [
        edge([newer_rogue, ca.rogue_inter], ca.store, EDGE_1),
        edge([good, ca.inter], ca.store, EDGE_2),
    ]
    assert reference_of(layers).cert == cf(good)


def test_same_leaf_everywhere_takes_the_first_layer(ca: Pki) -> None:
    """Ties on not_before go to the first layer in order."""
    leaf = ca.leaf()
    layers = [edge([leaf, ca.inter], ca.store, a) for a in (EDGE_1, EDGE_2, EDGE_3)]
    assert reference_of(layers).layer is layers[0]


def test_no_good_leaf_means_no_reference(ca: Pki) -> None:
    """Only expired, self-signed or dead layers: no reference."""
    layers = [
        origin([ca.leaf(days_before=400, days_after=-1), ca.inter], ca.store),
        edge([pki.leaf([HOST], now=NOW, parent=None)], ca.store, EDGE_1),
        failed_layer(ProbeError(ErrorKind.CONNECT_TIMEOUT, "timeout"), address=EDGE_2),
    ]
    assert choose_reference(layers, HOST, NOW) is None
    assert choose_reference([], HOST, NOW) is None


def test_no_reference_still_reports_disagreeing_edges(ca: Pki) -> None:
    """Without a reference, only edges_disagree can be said across layers."""
    a = pki.leaf([HOST], now=NOW, parent=None)
    b = pki.leaf([HOST], now=NOW, parent=None)
    layers = [edge([a], ca.store, EDGE_1), edge([b], ca.store, EDGE_2)]
    assert codes(compare_layers(layers, None, HOST, TH)) == ["edges_disagree"]


# --- stale_edge -------------------------------------------------------------------------


def test_edge_with_an_older_leaf_for_the_same_names_is_stale(ca: Pki) -> None:
    """The renewal did not reach one edge: stale_edge (warning) with both certificates."""
    new, old = ca.leaf(days_before=5), ca.leaf(days_before=60, days_after=30)
    layers = [
        origin([new, ca.inter], ca.store),
        edge([new, ca.inter], ca.store, EDGE_1),
        edge([old, ca.inter], ca.store, EDGE_2),
    ]
    finding = only(compare(layers), "stale_edge")
    assert finding.severity is Severity.WARNING
    assert finding.layers == (EDGE_2,)
    assert finding.evidence["served"]["sha256"] == cf(old).sha256
    assert finding.evidence["reference"]["sha256"] == cf(new).sha256
    assert finding.evidence["older_by_days"] == 55.0


def test_edge_with_an_older_leaf_for_fewer_names_is_stale_and_san_differs(ca: Pki) -> None:
    """An older leaf covering the site with a subset of the names is stale and lacks names."""
    new, old = ca.leaf(days_before=5), ca.leaf([HOST], days_before=60, days_after=30)
    layers = [origin([new, ca.inter], ca.store), edge([old, ca.inter], ca.store)]
    findings = compare(layers)
    assert only(findings, "stale_edge").layers == (EDGE_1,)
    assert only(findings, "san_differs").evidence["missing_names"] == ["www.example.com"]


def test_older_leaf_with_more_names_is_not_stale(ca: Pki) -> None:
    """An older leaf for a larger name set is another certificate, not the stale previous one."""
    new = ca.leaf(days_before=5)
    wider = ca.leaf([HOST, "www.example.com", "api.example.com"], days_before=60)
    findings = compare([origin([new, ca.inter], ca.store), edge([wider, ca.inter], ca.store)])
    assert "stale_edge" not in codes(findings)


def test_older_leaf_not_covering_the_site_is_not_stale(ca: Pki) -> None:
    """An older leaf that does not cover the site is a mismatch elsewhere, not stale."""
    new, other = ca.leaf(days_before=5), ca.leaf(["www.example.com"], days_before=60)
    findings = compare([origin([new, ca.inter], ca.store), edge([other, ca.inter], ca.store)])
    assert "stale_edge" not in codes(findings)
    assert "san_differs" not in codes(findings)


@pytest.mark.parametrize(("days_after", "label"), [(7, "within crit_days"), (-1, "expired")])
def test_stale_edge_is_critical_when_its_leaf_is_about_to_or_did_expire(
    ca: Pki, days_after: float, label: str
) -> None:
    """The stale leaf expires within crit_days, or already did: stale_edge is critical."""
    new, old = ca.leaf(days_before=5), ca.leaf(days_before=80, days_after=days_after)
    findings = compare([origin([new, ca.inter], ca.store), edge([old, ca.inter], ca.store)])
    assert only(findings, "stale_edge").severity is Severity.CRITICAL, label


def test_stale_edge_just_outside_crit_days_is_a_warning(ca: Pki) -> None:
    """Eight days left with crit_days 7: the stale edge is only a warning."""
    new, old = ca.leaf(days_before=5), ca.leaf(days_before=80, days_after=8)
    findings = compare([origin([new, ca.inter], ca.store), edge([old, ca.inter], ca.store)])
    assert only(findings, "stale_edge").severity is Severity.WARNING


def test_newer_edge_leaf_is_not_stale_but_ahead_of_origin(ca: Pki) -> None:
    """Edges newer than the (reference) origin: no stale_edge; edge_ahead_of_origin on the
    origin, listing the edges."""
    old, new = ca.leaf(days_before=60), ca.leaf(days_before=5)
    layers = [
        origin([old, ca.inter], ca.store),
        edge([new, ca.inter], ca.store, EDGE_1),
        edge([new, ca.inter], ca.store, EDGE_2),
    ]
    findings = compare(layers)
    assert "stale_edge" not in codes(findings)
    ahead = only(findings, "edge_ahead_of_origin")
    assert ahead.severity is Severity.WARNING
    assert ahead.layers == (ORIGIN,)
    assert ahead.evidence["edges"] == [EDGE_1, EDGE_2]
    assert ahead.evidence["edge"]["sha256"] == cf(new).sha256


def test_old_origin_is_never_stale_edge(ca: Pki) -> None:
    """An origin behind the edges (and not the reference) is edge_ahead_of_origin only."""
    old, new = ca.leaf(days_before=60), ca.leaf(days_before=5)
    incomplete_origin = origin([old], ca.store)  # no intermediate anywhere: not good
    layers = [incomplete_origin, edge([new, ca.inter], ca.store)]
    assert reference_of(layers).layer is layers[1]
    findings = compare(layers)
    assert "stale_edge" not in codes(findings)
    assert only(findings, "edge_ahead_of_origin").layers == (ORIGIN,)


# --- edges_disagree ---------------------------------------------------------------------


def test_edges_disagree_lists_which_edges_serve_which_leaf(ca: Pki) -> None:
    """Two distinct leaves on three edges: one warning with the groups, in first-seen order."""
    a, b = ca.leaf(days_before=5), ca.leaf(days_before=60)
    layers = [
        edge([a, ca.inter], ca.store, EDGE_1),
        edge([b, ca.inter], ca.store, EDGE_2),
        edge([a, ca.inter], ca.store, EDGE_3),
    ]
    finding = only(compare(layers), "edges_disagree")
    assert finding.severity is Severity.WARNING
    assert finding.layers == (EDGE_1, EDGE_2, EDGE_3)
    assert finding.evidence["groups"] == [
        {"sha256": cf(a).sha256, "layers": [EDGE_1, EDGE_3]},
        {"sha256": cf(b).sha256, "layers": [EDGE_2]},
    ]


def test_edges_that_agree_and_dead_edges_do_not_disagree(ca: Pki) -> None:
    """One leaf on all live edges (a dead edge aside): no edges_disagree."""
    leaf = ca.leaf()
    layers = [
        edge([leaf, ca.inter], ca.store, EDGE_1),
        failed_layer(ProbeError(ErrorKind.RESET, "reset"), address=EDGE_2),
        edge([leaf, ca.inter], ca.store, EDGE_3),
    ]
    assert compare(layers) == []


# --- cdn_managed_certificate ------------------------------------------------------------


@pytest.fixture(scope="module")
def cdn_ca(ca: Pki) -> pki.Issued:
    """The CDN's own issuing CA (trusted, another issuer than the site's)."""
    return pki.ca("CDN Issuing CA", now=NOW, parent=ca.root, org="Some CDN")


def test_edges_agreeing_on_the_cdn_certificate_are_cdn_managed(ca: Pki, cdn_ca: pki.Issued) -> None:
    """All edges serve one leaf from another issuer and for other names than the origin's:
    cdn_managed_certificate (info), and no stale/san/key/ahead findings for those edges."""
    site = ca.leaf(days_before=5)
    cdn_leaf = ca.leaf([HOST], parent=cdn_ca, days_before=60, days_after=30)
    layers = [
        origin([site, ca.inter], ca.store),
        edge([cdn_leaf, cdn_ca], ca.store, EDGE_1),
        edge([cdn_leaf, cdn_ca], ca.store, EDGE_2),
    ]
    findings = compare(layers)
    assert codes(findings) == ["cdn_managed_certificate"]
    finding = findings[0]
    assert finding.severity is Severity.INFO
    assert finding.layers == (EDGE_1, EDGE_2)
    assert finding.evidence["edge"]["sha256"] == cf(cdn_leaf).sha256
    assert finding.evidence["origin"]["sha256"] == cf(site).sha256


def test_cdn_certificate_on_some_edges_only_is_not_cdn_managed(ca: Pki, cdn_ca: pki.Issued) -> None:
    """Edges that do not agree are not CDN-managed: the older subset leaf is stale."""
    site = ca.leaf(days_before=5)
    cdn_leaf = ca.leaf([HOST], parent=cdn_ca, days_before=60, days_after=30)
    layers = [
        origin([site, ca.inter], ca.store),
        edge([cdn_leaf, cdn_ca], ca.store, EDGE_1),
        edge([site, ca.inter], ca.store, EDGE_2),
    ]
    found = codes(compare(layers))
    assert "cdn_managed_certificate" not in found
    assert {"edges_disagree", "stale_edge", "san_differs"} <= set(found)


def test_same_issuer_with_other_names_is_not_cdn_managed(ca: Pki) -> None:
    """Edges agreeing on a leaf from the origin's own issuer are not CDN-managed."""
    site = ca.leaf(days_before=5)
    subset = ca.leaf([HOST], days_before=60)
    layers = [origin([site, ca.inter], ca.store), edge([subset, ca.inter], ca.store)]
    found = codes(compare(layers))
    assert "cdn_managed_certificate" not in found
    assert "stale_edge" in found


def test_other_issuer_with_the_same_names_is_not_cdn_managed(ca: Pki, cdn_ca: pki.Issued) -> None:
    """Another issuer but the origin's exact names: compared normally (here: stale)."""
    site = ca.leaf(days_before=5)
    cdn_leaf = ca.leaf(parent=cdn_ca, days_before=60)
    layers = [origin([site, ca.inter], ca.store), edge([cdn_leaf, cdn_ca], ca.store)]
    found = codes(compare(layers))
    assert "cdn_managed_certificate" not in found
    assert "stale_edge" in found


# --- key_differs / san_differs ----------------------------------------------------------


def test_same_names_with_another_key_is_key_differs(ca: Pki) -> None:
    """Same names, same age, another public key: key_differs (info) naming the layers."""
    ref, rekeyed = ca.leaf(), ca.leaf()
    layers = [origin([ref, ca.inter], ca.store), edge([rekeyed, ca.inter], ca.store)]
    findings = compare(layers)
    assert codes(findings) == ["key_differs"]
    finding = findings[0]
    assert finding.severity is Severity.INFO
    assert finding.layers == (EDGE_1,)
    assert finding.evidence["reference_spki_sha256"] == cf(ref).spki_sha256
    assert finding.evidence["layers"] == [
        {"address": EDGE_1, "spki_sha256": cf(rekeyed).spki_sha256}
    ]


def test_reissue_with_the_same_key_is_not_key_differs(ca: Pki) -> None:
    """Same names, same key, another certificate: no key_differs."""
    ref = ca.leaf()
    same_key = ca.leaf(key=ref.key)
    layers = [origin([ref, ca.inter], ca.store), edge([same_key, ca.inter], ca.store)]
    assert "key_differs" not in codes(compare(layers))


def test_other_names_with_another_key_is_not_key_differs(ca: Pki) -> None:
    """Another key for another name set is not a pinning concern: only san_differs."""
    ref, fewer = ca.leaf(), ca.leaf([HOST])
    layers = [origin([ref, ca.inter], ca.store), edge([fewer, ca.inter], ca.store)]
    findings = compare(layers)
    assert "key_differs" not in codes(findings)
    finding = only(findings, "san_differs")
    assert finding.severity is Severity.WARNING
    assert finding.layers == (EDGE_1,)
    assert finding.evidence["missing_names"] == ["www.example.com"]
    assert finding.evidence["names"] == [HOST]


def test_more_names_than_the_reference_is_not_san_differs(ca: Pki) -> None:
    """A layer covering more names than the reference loses none: no san_differs."""
    ref, wider = ca.leaf(), ca.leaf([HOST, "www.example.com", "api.example.com"])
    layers = [origin([ref, ca.inter], ca.store), edge([wider, ca.inter], ca.store)]
    assert "san_differs" not in codes(compare(layers))


# --- chain_differs_from_origin ----------------------------------------------------------


def test_same_leaf_under_a_trusted_cross_signed_intermediate_is_chain_differs_info(
    ca: Pki,
) -> None:
    """Same leaf, intermediate with the same subject and key cross-signed by another trusted
    root: chain_differs_from_origin (info), trust not broken."""
    root2 = pki.ca("Unit Second Root", now=NOW)
    store = TrustStore("two roots", (cf(ca.root), cf(root2)))
    cross = pki.ca("Unit Issuing CA", now=NOW, parent=root2, key=ca.inter.key)
    assert cf(cross).subject == cf(ca.inter).subject
    leaf = ca.leaf()
    layers = [origin([leaf, ca.inter], store), edge([leaf, cross], store)]
    findings = compare(layers)
    assert codes(findings) == ["chain_differs_from_origin"]
    finding = findings[0]
    assert finding.severity is Severity.INFO
    assert finding.layers == (EDGE_1,)
    assert finding.evidence["breaks_trust"] is False
    assert finding.evidence["intermediates"] == [
        {"subject": cf(cross).subject, "sha256": cf(cross).sha256}
    ]
    assert finding.evidence["reference_layer"] == ORIGIN


def test_cross_signed_intermediate_to_an_untrusted_root_breaks_trust(ca: Pki) -> None:
    """The same leaf via a cross-sign from a root not in the store: chain_differs is a warning."""
    cross = pki.ca("Unit Issuing CA", now=NOW, parent=ca.rogue_root, key=ca.inter.key)
    leaf = ca.leaf()
    layers = [origin([leaf, ca.inter], ca.store), edge([leaf, cross], ca.store)]
    finding = only(compare(layers), "chain_differs_from_origin")
    assert finding.severity is Severity.WARNING
    assert finding.evidence["breaks_trust"] is True


def test_same_leaf_and_intermediate_with_the_root_added_is_not_chain_differs(ca: Pki) -> None:
    """Sending the root too does not change the intermediates: no chain_differs."""
    leaf = ca.leaf()
    layers = [origin([leaf, ca.inter], ca.store), edge([leaf, ca.inter, ca.root], ca.store)]
    assert compare(layers) == []


def test_reissue_under_another_intermediate_with_the_same_key_is_chain_differs(
    ca: Pki,
) -> None:
    """Same names and key re-issued under an old intermediate: chain_differs_from_origin."""
    old_inter = pki.ca("Unit Old Issuing CA", now=NOW, parent=ca.root)
    ref = ca.leaf()
    reissued = ca.leaf(parent=old_inter, key=ref.key)
    layers = [origin([ref, ca.inter], ca.store), edge([reissued, old_inter], ca.store)]
    finding = only(compare(layers), "chain_differs_from_origin")
    assert finding.severity is Severity.INFO


def test_newer_but_self_signed_edge_leaf_is_not_edge_ahead_of_origin(ca: Pki) -> None:
    """The origin serves the good reference; an edge serves a newer self-signed leaf for the
    same names. The edge is broken (self_signed per layer); the origin was not 'left behind'."""
    good = ca.leaf(days_before=60)
    newer_self_signed = pki.leaf(["example.com", "www.example.com"], now=NOW, parent=None)
    layers = [origin([good, ca.inter], ca.store), edge([newer_self_signed], ca.store)]
    assert reference_of(layers).layer is layers[0]
    assert "edge_ahead_of_origin" not in codes(compare(layers))


def answered(base: Layer, status: int, hsts: str = "") -> Layer:
    """``base`` with a page fetched over it: ``status``, and HSTS when ``hsts`` is given."""
    headers = (("strict-transport-security", hsts),) if hsts else ()
    page = HttpResult(base.address, base.port, status=status, headers=headers)
    return dataclasses.replace(base, http=page)


def test_http_differs_says_in_what_the_layers_differ(ca: Pki) -> None:
    """One finding for the site, with each layer's answer and the fields that differ."""
    leaf = ca.leaf()
    a = answered(edge([leaf, ca.inter], ca.store, EDGE_1), 200, "max-age=300")
    b = answered(edge([leaf, ca.inter], ca.store, EDGE_2), 200)
    c = answered(edge([leaf, ca.inter], ca.store, EDGE_3), 301, "max-age=300")
    (finding,) = http_differs([a, b, c])
    assert finding.code == "http_differs"
    assert finding.evidence["differences"] == ["status", "hsts"]
    assert finding.evidence["layers"] == [
        {"address": EDGE_1, "status": 200, "hsts": "max-age=300"},
        {"address": EDGE_2, "status": 200, "hsts": ""},
        {"address": EDGE_3, "status": 301, "hsts": "max-age=300"},
    ]
    (only_hsts,) = http_differs([a, b])
    assert only_hsts.evidence["differences"] == ["hsts"]
    assert (
        http_differs([a, answered(edge([leaf, ca.inter], ca.store, EDGE_2), 200, "max-age=300")])
        == []
    )


def test_http_differs_concerns_only_the_layers_that_differ(ca: Pki) -> None:
    """Origin and two edges send HSTS, one edge does not: the finding is that edge's only
    (compared with the origin); without an origin, with the most common answer."""
    leaf = ca.leaf()
    o = answered(origin([leaf, ca.inter], ca.store), 200, "max-age=300")
    a = answered(edge([leaf, ca.inter], ca.store, EDGE_1), 200, "max-age=300")
    b = answered(edge([leaf, ca.inter], ca.store, EDGE_2), 200, "max-age=300")
    c = answered(edge([leaf, ca.inter], ca.store, EDGE_3), 200)
    (finding,) = http_differs([o, a, b, c])
    assert finding.layers == (EDGE_3,)
    assert "than the origin" in finding.summary
    (finding,) = http_differs([a, b, c])
    assert finding.layers == (EDGE_3,)
    assert "than the other layers" in finding.summary
