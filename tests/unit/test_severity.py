"""Severities, exit codes and the overall severity of a report."""

from __future__ import annotations

import datetime as dt

import pytest

from layerscope.model import (
    Discovery,
    ErrorKind,
    Finding,
    Layer,
    ProbeError,
    ProbeResult,
    Report,
    Role,
    Severity,
)

from .helpers import HOST, NOW

ORIGIN = Layer(
    Role.ORIGIN, "198.51.100.10", 443, "--origin", ProbeResult("198.51.100.10", 443, HOST)
)
EDGE = Layer(Role.EDGE, "192.0.2.1", 443, "DNS", ProbeResult("192.0.2.1", 443, HOST))
NO_DNS_TROUBLE = Discovery(name=HOST)
DNS_FAILED = Discovery(
    name=HOST, resolvers=("192.0.2.53",), errors=(ProbeError(ErrorKind.SERVFAIL, "servfail"),)
)


def finding(severity: Severity, code: str = "x") -> Finding:
    """A finding of ``severity`` on the edge."""
    return Finding(code, severity, (EDGE.address,), f"{code} summary")


def report(
    *,
    layers: tuple[Layer, ...] = (EDGE,),
    findings: tuple[Finding, ...] = (),
    discovery: Discovery = NO_DNS_TROUBLE,
    error: ProbeError | None = None,
) -> Report:
    """A report with the given parts and neutral defaults for the rest."""
    return Report(
        host=HOST,
        ascii_host=HOST,
        port=443,
        sni=HOST,
        at=NOW,
        started=NOW,
        duration_ms=1.0,
        discovery=discovery,
        layers=layers,
        reference=None,
        reference_layer=None,
        findings=findings,
        error=error,
    )


def test_severities_are_ordered_from_ok_to_unknown() -> None:
    """OK < INFO < WARNING < CRITICAL < UNKNOWN, so ``max()`` gives the worst."""
    assert Severity.OK < Severity.INFO < Severity.WARNING < Severity.CRITICAL < Severity.UNKNOWN
    assert max([Severity.INFO, Severity.CRITICAL, Severity.WARNING]) is Severity.CRITICAL


@pytest.mark.parametrize(
    ("severity", "code"),
    [
        (Severity.OK, 0),
        (Severity.INFO, 0),
        (Severity.WARNING, 1),
        (Severity.CRITICAL, 2),
        (Severity.UNKNOWN, 3),
    ],
)
def test_exit_codes_follow_nagios(severity: Severity, code: int) -> None:
    """``check`` exits 0 for ok/info, 1 warning, 2 critical, 3 unknown."""
    assert severity.exit_code == code


def test_labels_are_lower_case_names() -> None:
    """JSON and text output use the lower-case name."""
    assert [s.label for s in Severity] == ["ok", "info", "warning", "critical", "unknown"]


def test_report_without_layers_is_unknown() -> None:
    """Nothing probed: nothing learned, UNKNOWN, even with no findings."""
    assert report(layers=()).severity is Severity.UNKNOWN


def test_report_with_a_site_error_is_unknown() -> None:
    """A site-wide error (bad input, unreadable trust store) makes the report UNKNOWN."""
    error = ProbeError(ErrorKind.INVALID_INPUT, "bad host")
    assert report(error=error, findings=(finding(Severity.CRITICAL),)).severity is Severity.UNKNOWN


def test_dns_failure_with_only_the_origin_answering_is_unknown() -> None:
    """DNS failed and no edge was found: the site's public face is unknown, even though the
    origin answered cleanly (or with findings)."""
    assert report(layers=(ORIGIN,), discovery=DNS_FAILED).severity is Severity.UNKNOWN
    with_findings = report(
        layers=(ORIGIN,), discovery=DNS_FAILED, findings=(finding(Severity.WARNING),)
    )
    assert with_findings.severity is Severity.UNKNOWN


def test_dns_errors_with_edges_found_are_judged_by_findings() -> None:
    """A failing resolver does not matter when edges were found: severity is the findings'."""
    partial = report(layers=(ORIGIN, EDGE), discovery=DNS_FAILED)
    assert partial.severity is Severity.OK
    warned = report(
        layers=(ORIGIN, EDGE), discovery=DNS_FAILED, findings=(finding(Severity.WARNING),)
    )
    assert warned.severity is Severity.WARNING


def test_report_without_findings_is_ok() -> None:
    """Layers probed and nothing found: OK."""
    assert report().severity is Severity.OK


def test_report_severity_is_the_worst_finding() -> None:
    """The report takes the worst finding's severity."""
    findings = (finding(Severity.INFO), finding(Severity.CRITICAL), finding(Severity.WARNING))
    assert report(findings=findings).severity is Severity.CRITICAL
    assert report(findings=(finding(Severity.INFO),)).severity.exit_code == 0


def test_findings_for_selects_by_layer_address() -> None:
    """``findings_for`` returns the findings that concern one address."""
    other = Finding("y", Severity.INFO, ("203.0.113.5",), "elsewhere")
    mine = finding(Severity.WARNING)
    assert report(findings=(mine, other)).findings_for(EDGE) == (mine,)


def test_now_is_timezone_aware() -> None:
    """The fixed evaluation moment of these tests is UTC-aware (as the engine requires)."""
    assert NOW.tzinfo is dt.UTC
