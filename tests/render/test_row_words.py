"""A row names its layer's problem: one word per finding code and per probe outcome,
short enough for the 80-column table; the worst finding's word wins, never "trusted"
beside a warning."""

from __future__ import annotations

from layerscope.diagnose.rows import FINDING_WORDS, PROBE_WORDS, row_verdict
from layerscope.model import ErrorKind, Layer, ProbeError, Report, Role, Severity
from layerscope.model.codes import CATALOGUE

from .conftest import make_cert, make_finding, make_layer, make_report


def test_every_code_and_probe_outcome_has_a_short_row_word() -> None:
    """Each catalogue code and each error kind has a word of at most 13 characters."""
    assert {info.code for info in CATALOGUE} <= set(FINDING_WORDS)
    assert {k.value for k in ErrorKind} <= set(PROBE_WORDS)
    assert all(len(w) <= 13 for w in (*FINDING_WORDS.values(), *PROBE_WORDS.values()))


def _stale_site() -> tuple[Report, tuple[Layer, ...]]:
    new, old = make_cert("example.com"), make_cert("example.com", seed="old")
    layers = (
        make_layer("192.0.2.1", role=Role.ORIGIN, leaf=new),
        make_layer("192.0.2.10", leaf=new),
        make_layer("192.0.2.11", leaf=old),
    )
    findings = (
        make_finding("stale_edge", Severity.CRITICAL, ("192.0.2.11",), "Edge serves the old one"),
        make_finding(
            "edges_disagree",
            Severity.WARNING,
            ("192.0.2.1", "192.0.2.10", "192.0.2.11"),
            "The layers serve 2 certificates",
        ),
        make_finding("hsts_missing", Severity.WARNING, ("192.0.2.10",), "No HSTS"),
    )
    report = make_report(
        layers=layers, findings=findings, reference=new, reference_layer="192.0.2.1"
    )
    return report, layers


def test_the_stale_edge_reads_stale_and_the_healthy_origin_trusted() -> None:
    """The stale edge's row says "stale" (its worst finding), the origin that serves the
    reference is not judged by the site-wide disagreement, and a warning has its word."""
    report, (origin, healthy, stale) = _stale_site()
    assert row_verdict(report, stale).status == "stale"
    assert row_verdict(report, stale).severity is Severity.CRITICAL
    assert row_verdict(report, origin).status == "trusted"
    assert row_verdict(report, origin).severity is Severity.OK
    assert row_verdict(report, healthy).status == "no HSTS"
    assert row_verdict(report, healthy).severity is Severity.WARNING


def test_a_layer_without_a_chain_says_why() -> None:
    """A layer whose connection timed out reads "timeout", critical."""
    dead = make_layer("192.0.2.12", error=ProbeError(ErrorKind.CONNECT_TIMEOUT, "timed out"))
    report = make_report(layers=(dead,))
    verdict = row_verdict(report, dead)
    assert (verdict.status, verdict.status_severity) == ("timeout", Severity.CRITICAL)
