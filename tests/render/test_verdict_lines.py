"""A site's verdict line and counts never contradict its findings, and ``--summary`` is a
valid Nagios plugin line."""

from __future__ import annotations

from layerscope.diagnose.verdict import broken_line, findings_line, layers_line, site_verdict
from layerscope.model import ErrorKind, ProbeError, Report, Role, Severity
from layerscope.present.labels import summary_line
from layerscope.present.markdown import render_markdown
from layerscope.present.text import render_text

from .conftest import make_cert, make_finding, make_layer, make_report, mixed_report


def _unreachable_edge_site() -> Report:
    leaf = make_cert()
    dead = make_layer("192.0.2.12", error=ProbeError(ErrorKind.CONNECT_TIMEOUT, "timed out"))
    layers = (make_layer("192.0.2.1", role=Role.ORIGIN, leaf=leaf), dead)
    finding = make_finding("unreachable", Severity.CRITICAL, ("192.0.2.12",), "No answer")
    return make_report(layers=layers, findings=(finding,), reference=leaf)


def test_an_unreachable_layer_is_not_a_certificate_error() -> None:
    """A site whose only critical finding is an unreachable layer says so."""
    report = _unreachable_edge_site()
    assert site_verdict(report) == "some layers cannot be reached"
    assert "certificate errors" not in render_text([report], color=False)


def test_mixed_content_is_not_a_certificate_error() -> None:
    """Critical mixed content reads as a partly blocked page."""
    finding = make_finding("mixed_content", Severity.CRITICAL, ("192.0.2.1",), "Active mixed")
    report = make_report(findings=(finding,))
    assert site_verdict(report) == "browsers block parts of the page"
    assert "browsers block parts of the page" in render_markdown([report])


def test_counts_say_what_they_count() -> None:
    """Layers and findings are counted apart, each naming its noun."""
    report = mixed_report()
    assert layers_line(report) == "4 layers: 2 critical, 2 info"
    assert findings_line(report) == "4 findings: 2 critical, 1 warning, 1 info"
    assert broken_line(report) == "2 of 4 layers critical"
    text = render_text([report], color=False)
    assert "Layers: 4 layers: 2 critical, 2 info" in text
    assert "Findings: 4 findings: 2 critical, 1 warning, 1 info" in text


def test_summary_is_a_nagios_line_with_perfdata() -> None:
    """One "|" only, before the performance data; the worst finding and the broken layers
    are named."""
    line = summary_line([mixed_report(), make_report("fine.example")])
    assert line.count("|") == 1
    status, perf = line.split(" | ")
    assert status.startswith("CRITICAL 2 sites: 1 critical, 1 ok; example.com: expired")
    assert "(2 of 4 layers critical)" in status
    assert perf == "sites=2 critical=1 warning=0 unknown=0 info=0 ok=1"


def test_several_sites_print_the_summary_first_and_the_worst_site_first() -> None:
    """With several sites, the text starts with the summary and the critical site leads."""
    text = render_text([make_report("fine.example"), mixed_report()], color=False)
    first = text.splitlines()[0]
    assert first == "2 sites: 1 critical, 1 ok"
    assert text.index("example.com:443") < text.index("fine.example:443")


def test_a_capped_page_body_is_noted_in_the_text_report() -> None:
    """When the page body was cut at the cap, the text report says so for that layer."""
    import dataclasses

    from layerscope.model import HttpResult

    report = make_report()
    origin = report.layers[0]
    page = HttpResult(origin.address, 443, status=200, body_bytes=2_097_152, truncated=True)
    layers = (dataclasses.replace(origin, http=page), *report.layers[1:])
    text = render_text([dataclasses.replace(report, layers=layers)], color=False, width=120)
    assert "the page body was capped at 2,097,152 bytes" in text


def test_edges_only_say_how_the_reference_was_chosen() -> None:
    """With --edge addresses only (no DNS, no origin), the text and Markdown say that the
    reference is chosen among the edges and that --origin makes stale edges visible."""
    from layerscope.model import Discovery

    leaf = make_cert()
    layers = (make_layer("192.0.2.10", leaf=leaf), make_layer("192.0.2.11", leaf=leaf))
    report = make_report(
        layers=layers,
        reference=leaf,
        discovery=Discovery(name="example.com", skipped=True),
    )
    assert "add --origin to see edges still serving" in render_text(
        [report], color=False, width=200
    )
    assert "**Note:** without --origin" in render_markdown([report])
    assert "--origin to see" not in render_text([mixed_report()], color=False, width=200)
