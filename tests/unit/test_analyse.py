"""Per-layer findings: ``analyse.analyse_layer`` and ``expiry_severity``."""

from __future__ import annotations

import datetime as dt

import pytest

from layerscope.diagnose.layer import Thresholds, analyse_layer, expiry_severity
from layerscope.lab import pki
from layerscope.model import (
    ErrorKind,
    Finding,
    Layer,
    ProbeError,
    ProbeResult,
    Role,
    Severity,
)
from layerscope.x509.stores import TrustStore

from .helpers import HOST, NAMES, NOW, Pki, cf, failed_layer, layer

TH = Thresholds(NOW)


def codes(findings: list[Finding]) -> list[str]:
    """The finding codes, in order."""
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> Finding:
    """The single finding with ``code``."""
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, codes(findings)
    return matching[0]


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (21.0, Severity.WARNING),
        (20.5, Severity.WARNING),
        (7.001, Severity.WARNING),
        (7.0, Severity.CRITICAL),
        (0.0, Severity.CRITICAL),
        (21.001, None),
        (365.0, None),
        (-0.001, None),
        (-30.0, None),
    ],
)
def test_expiry_severity_default_thresholds(days_left: float, expected: Severity | None) -> None:
    """Warning at or below 21 days, critical at or below 7, nothing beyond or once expired."""
    assert expiry_severity(days_left, TH) == expected


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (30.0, Severity.WARNING),
        (30.5, None),
        (21.0, Severity.WARNING),
        (10.0, Severity.CRITICAL),
        (7.5, Severity.CRITICAL),
    ],
)
def test_expiry_severity_custom_thresholds(days_left: float, expected: Severity | None) -> None:
    """``--warn-days 30 --crit-days 10`` move both boundaries, inclusively."""
    assert expiry_severity(days_left, Thresholds(NOW, warn_days=30, crit_days=10)) == expected


def test_good_layer_has_no_findings(ca: Pki) -> None:
    """A valid, trusted, complete, covering chain yields no finding at all."""
    good = layer([ca.leaf(), ca.inter], ca.store)
    assert analyse_layer(good, HOST, TH) == []


def test_leaf_expiring_in_exactly_warn_days_is_a_warning(ca: Pki) -> None:
    """not_after exactly warn_days ahead: expiring_soon warning with the thresholds as evidence."""
    expiring = layer([ca.leaf(days_after=21), ca.inter], ca.store)
    finding = only(analyse_layer(expiring, HOST, TH), "expiring_soon")
    assert finding.severity is Severity.WARNING
    assert finding.evidence["days_left"] == 21.0
    assert finding.evidence["warn_days"] == 21
    assert finding.evidence["crit_days"] == 7
    assert finding.layers == ("192.0.2.1",)


def test_leaf_expiring_in_exactly_crit_days_is_critical(ca: Pki) -> None:
    """not_after exactly crit_days ahead: expiring_soon is critical."""
    expiring = layer([ca.leaf(days_after=7), ca.inter], ca.store)
    assert only(analyse_layer(expiring, HOST, TH), "expiring_soon").severity is Severity.CRITICAL


def test_leaf_expiring_just_beyond_warn_days_is_not_reported(ca: Pki) -> None:
    """22 days left with the default 21: nothing to say."""
    fine = layer([ca.leaf(days_after=22), ca.inter], ca.store)
    assert "expiring_soon" not in codes(analyse_layer(fine, HOST, TH))


def test_custom_thresholds_apply_to_the_layer(ca: Pki) -> None:
    """With ``--crit-days 30`` a leaf with 25 days left is critical."""
    leaf = layer([ca.leaf(days_after=25), ca.inter], ca.store)
    th = Thresholds(NOW, warn_days=60, crit_days=30)
    assert only(analyse_layer(leaf, HOST, th), "expiring_soon").severity is Severity.CRITICAL


def test_expired_leaf_is_expired_not_expiring(ca: Pki) -> None:
    """A leaf past not_after is ``expired`` (critical) and not also ``expiring_soon``."""
    expired = layer([ca.leaf(days_before=90, days_after=-2), ca.inter], ca.store)
    findings = analyse_layer(expired, HOST, TH)
    finding = only(findings, "expired")
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["days_ago"] == 2.0
    assert "expiring_soon" not in codes(findings)
    assert "not_yet_valid" not in codes(findings)


def test_not_yet_valid_leaf_is_not_yet_valid(ca: Pki) -> None:
    """A leaf whose not_before is ahead is ``not_yet_valid`` (critical), not expired."""
    future = layer([ca.leaf(days_before=-3, days_after=90), ca.inter], ca.store)
    findings = analyse_layer(future, HOST, TH)
    finding = only(findings, "not_yet_valid")
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["days_until"] == 3.0
    assert "expired" not in codes(findings)
    assert "expiring_soon" not in codes(findings)


def test_leaf_expiring_at_the_evaluation_moment_is_expiring_not_expired(ca: Pki) -> None:
    """not_after equal to the evaluation time is still valid: critical expiring_soon."""
    edge = layer([ca.leaf(days_after=0), ca.inter], ca.store)
    findings = analyse_layer(edge, HOST, TH)
    assert only(findings, "expiring_soon").severity is Severity.CRITICAL
    assert "expired" not in codes(findings)


def test_hostname_mismatch_lists_the_names_the_certificate_covers(ca: Pki) -> None:
    """A leaf for other names: critical hostname_mismatch with those names as evidence."""
    names = ["other.example", "www.other.example"]
    wrong = layer([ca.leaf(names), ca.inter], ca.store)
    finding = only(analyse_layer(wrong, HOST, TH), "hostname_mismatch")
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["names"] == names
    assert finding.evidence["host"] == HOST
    assert finding.evidence["names_total"] == 2
    assert "other.example" in finding.summary


def test_wildcard_leaf_does_not_cover_the_apex(ca: Pki) -> None:
    """``*.example.com`` alone does not cover ``example.com``: hostname_mismatch."""
    apex = layer([ca.leaf(["*.example.com"]), ca.inter], ca.store)
    assert "hostname_mismatch" in codes(analyse_layer(apex, HOST, TH))
    assert "hostname_mismatch" not in codes(analyse_layer(apex, "www.example.com", TH))


def test_hostname_mismatch_ignores_a_matching_common_name(ca: Pki) -> None:
    """A CN equal to the site does not prevent hostname_mismatch; the CN is only evidence."""
    issued = pki.leaf(["other.example"], now=NOW, parent=ca.inter, cn=HOST)
    wrong = layer([issued, ca.inter], ca.store)
    finding = only(analyse_layer(wrong, HOST, TH), "hostname_mismatch")
    assert finding.evidence["common_name"] == HOST


def test_default_certificate_without_sni_that_does_not_cover_the_site(ca: Pki) -> None:
    """Without SNI another leaf that does not cover the site: warning naming that leaf."""
    default = ca.leaf(["default.invalid"])
    served = layer([ca.leaf(), ca.inter], ca.store, no_sni=[default, ca.inter])
    finding = only(analyse_layer(served, HOST, TH), "default_cert_without_sni")
    assert finding.severity is Severity.WARNING
    assert finding.evidence["default_names"] == ["default.invalid"]
    assert finding.evidence["default_sha256"] == cf(default).sha256


def test_different_default_certificate_that_covers_the_site_is_fine(ca: Pki) -> None:
    """Without SNI a different leaf that still covers the site: no finding."""
    other = ca.leaf(["*.example.com", "example.com"])
    served = layer([ca.leaf(), ca.inter], ca.store, no_sni=[other, ca.inter])
    assert "default_cert_without_sni" not in codes(analyse_layer(served, HOST, TH))


def test_same_certificate_without_sni_is_fine(ca: Pki) -> None:
    """The same leaf with and without SNI: no finding."""
    leaf = ca.leaf()
    served = layer([leaf, ca.inter], ca.store, no_sni=[leaf, ca.inter])
    assert "default_cert_without_sni" not in codes(analyse_layer(served, HOST, TH))


def test_failed_probe_without_sni_is_not_a_default_certificate(ca: Pki) -> None:
    """The handshake without SNI failed: nothing to compare, no finding."""
    served = layer([ca.leaf(), ca.inter], ca.store)
    plain = ProbeResult("192.0.2.1", 443, None, error=ProbeError(ErrorKind.TLS_ALERT, "alert"))
    with_failed = Layer(Role.EDGE, "192.0.2.1", 443, "test", served.probe, plain, served.chain)
    assert "default_cert_without_sni" not in codes(analyse_layer(with_failed, HOST, TH))


EXPECTED_ERROR_CODE = {
    ErrorKind.REFUSED: "unreachable",
    ErrorKind.CONNECT_TIMEOUT: "unreachable",
    ErrorKind.NO_ROUTE: "unreachable",
    ErrorKind.RESET: "unreachable",
    ErrorKind.HANDSHAKE_TIMEOUT: "unreachable",
    ErrorKind.INVALID_INPUT: "unreachable",
    ErrorKind.NXDOMAIN: "unreachable",
    ErrorKind.NO_ANSWER: "unreachable",
    ErrorKind.SERVFAIL: "unreachable",
    ErrorKind.DNS_TIMEOUT: "unreachable",
    ErrorKind.DNS_ERROR: "unreachable",
    ErrorKind.PLAIN_HTTP: "not_tls",
    ErrorKind.NOT_TLS: "not_tls",
    ErrorKind.TLS_ALERT: "handshake_failed",
    ErrorKind.TLS_ERROR: "handshake_failed",
    ErrorKind.PEER_CLOSED: "handshake_failed",
    ErrorKind.MESSAGE_TOO_LARGE: "handshake_failed",
    ErrorKind.BAD_CERTIFICATE: "handshake_failed",
    # HTTP fetch kinds never come from a TLS probe; were one to, it is a failed handshake
    ErrorKind.HTTP_TIMEOUT: "handshake_failed",
    ErrorKind.HTTP_PROTOCOL: "handshake_failed",
    ErrorKind.TOO_MANY_REDIRECTS: "handshake_failed",
}


def test_every_error_kind_has_an_expected_finding() -> None:
    """The mapping below is exhaustive: a new ErrorKind must be classified on purpose."""
    assert set(EXPECTED_ERROR_CODE) == set(ErrorKind)


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_probe_error_maps_to_one_critical_finding_by_kind(kind: ErrorKind) -> None:
    """A failed probe gives exactly one critical finding: unreachable, not_tls or
    handshake_failed by error kind, with the kind, message and elapsed time as evidence."""
    error = ProbeError(kind, "what happened", 12.5)
    findings = analyse_layer(failed_layer(error), HOST, TH)
    assert codes(findings) == [EXPECTED_ERROR_CODE[kind]]
    finding = findings[0]
    assert finding.severity is Severity.CRITICAL
    assert finding.layers == ("192.0.2.9",)
    assert finding.evidence == {
        "error_kind": kind.value,
        "message": "what happened",
        "elapsed_ms": 12.5,
    }


def test_handshake_without_any_certificate_is_a_finding_not_a_crash() -> None:
    """A probe that completed but captured no certificate yields a critical finding."""
    empty = Layer(Role.EDGE, "192.0.2.3", 443, "test", ProbeResult("192.0.2.3", 443, HOST))
    findings = analyse_layer(empty, HOST, TH)
    assert findings
    assert findings[0].severity is Severity.CRITICAL


def test_missing_intermediate_found_elsewhere_names_its_source(ca: Pki) -> None:
    """Leaf only, intermediate from another layer: incomplete_chain lists it with its source."""
    source = "served by 192.0.2.2:443"
    leaf_only = layer([ca.leaf()], ca.store, others=[(cf(ca.inter), source)])
    finding = only(analyse_layer(leaf_only, HOST, TH), "incomplete_chain")
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["missing"] == [cf(ca.inter).subject]
    assert finding.evidence["found"] == [
        {"subject": cf(ca.inter).subject, "sha256": cf(ca.inter).sha256, "source": source}
    ]


def test_missing_intermediate_found_nowhere_names_the_issuer(ca: Pki) -> None:
    """Leaf only, nothing to fill the gap: incomplete_chain with the missing issuer, found []."""
    leaf_only = layer([ca.leaf()], ca.store)
    finding = only(analyse_layer(leaf_only, HOST, TH), "incomplete_chain")
    assert finding.evidence["missing_issuer"] == cf(ca.inter).subject
    assert finding.evidence["found"] == []


def test_incomplete_chain_names_where_to_download_the_missing_intermediate(ca: Pki) -> None:
    """The caIssuers URLs of the certificate whose issuer is missing are evidence
    ``ca_issuers``, whether the intermediate was found elsewhere or nowhere."""
    url = "http://ca.example/unit-issuing.der"
    with_aia = pki.leaf(list(NAMES), now=NOW, parent=ca.inter, aia_issuers=[url])
    nowhere = only(analyse_layer(layer([with_aia], ca.store), HOST, TH), "incomplete_chain")
    assert nowhere.evidence["ca_issuers"] == [url]
    elsewhere = layer([with_aia], ca.store, others=[(cf(ca.inter), "served by 192.0.2.2:443")])
    found = only(analyse_layer(elsewhere, HOST, TH), "incomplete_chain")
    assert found.evidence["ca_issuers"] == [url]
    plain = only(analyse_layer(layer([ca.leaf()], ca.store), HOST, TH), "incomplete_chain")
    assert plain.evidence["ca_issuers"] == []


def test_chain_shape_findings(ca: Pki) -> None:
    """Root sent, junk sent, order wrong: root_in_chain, unrelated_cert_in_chain, wrong_order."""
    upper = pki.ca("Unit Upper CA", now=NOW, parent=ca.root)
    lower = pki.ca("Unit Lower CA", now=NOW, parent=upper)
    messy = layer([ca.leaf(parent=lower), upper, lower, ca.rogue_inter, ca.root], ca.store)
    findings = analyse_layer(messy, HOST, TH)
    assert only(findings, "root_in_chain").severity is Severity.INFO
    assert only(findings, "wrong_order").severity is Severity.WARNING
    unrelated = only(findings, "unrelated_cert_in_chain")
    assert unrelated.severity is Severity.WARNING
    assert unrelated.evidence["unrelated"] == [
        {"subject": cf(ca.rogue_inter).subject, "sha256": cf(ca.rogue_inter).sha256}
    ]


def test_untrusted_root_and_self_signed_are_critical(ca: Pki) -> None:
    """A chain to an unknown root and a self-signed leaf are both critical, each by its code."""
    rogue = layer([ca.leaf(parent=ca.rogue_inter), ca.rogue_inter], ca.store)
    finding = only(analyse_layer(rogue, HOST, TH), "untrusted_root")
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["root"] == cf(ca.rogue_root).subject
    assert finding.evidence["root_served"] is False
    self_signed = layer([pki.leaf([HOST], now=NOW, parent=None)], ca.store)
    assert only(analyse_layer(self_signed, HOST, TH), "self_signed").severity is Severity.CRITICAL


def test_extra_ca_chain_is_private_ca_info(ca: Pki) -> None:
    """A chain anchored only by an --extra-ca is reported as private_ca (info)."""
    private = layer(
        [ca.leaf(parent=ca.rogue_inter), ca.rogue_inter], ca.store, extra=(cf(ca.rogue_root),)
    )
    findings = analyse_layer(private, HOST, TH)
    assert codes(findings) == ["private_ca"]
    assert findings[0].severity is Severity.INFO


def test_expired_intermediate_on_the_path_is_critical(ca: Pki) -> None:
    """An intermediate past its not_after makes expired_intermediate, even with a valid leaf."""
    old = pki.ca("Unit Old CA", now=NOW, parent=ca.root, days_before=400, days_after=-1)
    leaf = pki.leaf([HOST], now=NOW - dt.timedelta(days=5), parent=old, days_after=60)
    chain = layer([leaf, old], ca.store)
    finding = only(analyse_layer(chain, HOST, TH), "expired_intermediate")
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["sha256"] == cf(old).sha256


def test_trust_store_dependent_when_the_alt_store_lacks_the_root(ca: Pki) -> None:
    """Trusted by the main store, not by the alternative one: trust_store_dependent warning."""
    alt = TrustStore("system", (cf(ca.rogue_root),))
    dependent = layer([ca.leaf(), ca.inter], ca.store, alt_store=alt)
    finding = only(analyse_layer(dependent, HOST, TH), "trust_store_dependent")
    assert finding.severity is Severity.WARNING
    assert finding.evidence["alt_store"] == "system"
    assert finding.evidence["alt_status"] == "untrusted_root"
