"""What `check` prints first tells the truth (issue #11, reports): the cause leads, healthy
layers are not blamed for another's problem, verdicts and counts match the findings, and
`--summary` is a Nagios line. End to end against the embedded lab."""

from __future__ import annotations

import json
import re

import pytest

from layerscope.commands.main import main
from layerscope.lab.lab import Lab


def _check(lab: Lab, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


def test_a_stale_site_leads_with_stale_edge_and_blames_only_the_stale_edge(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON's first finding is stale_edge; in the text table only the stale edge is not OK
    and its Status reads "stale"."""
    site = lab.site("stale")
    _code, out = _check(lab, capsys, *lab.check_args("stale"), "--json")
    findings = json.loads(out)["sites"][0]["findings"]
    assert findings[0]["code"] == "stale_edge"
    _code, text = _check(lab, capsys, *lab.check_args("stale"))
    stale = site.edges[2]
    rows = {
        m.group(2): m.group(0)
        for m in re.finditer(r"^(\w+)\s+\w+\s+(127[\d.]+):\d+.*$", text, re.M)
    }
    assert rows[stale].split()[0] == "WARN" and " stale " in rows[stale]
    for address in (site.origin, *site.edges[:2]):
        assert rows[address].split()[0] == "OK", rows[address]


def test_unreachable_layers_are_not_certificate_errors_and_are_all_counted(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """broken-edges: three edges broken three ways; the verdict speaks of reaching layers,
    and --summary counts the three broken layers."""
    _code, text = _check(lab, capsys, *lab.check_args("broken-edges"))
    first = text.splitlines()[0]
    assert "some layers cannot be reached" in first
    assert "certificate errors" not in first
    assert re.search(r"Layers: \d+ layers: 3 critical", text)
    code, line = _check(lab, capsys, *lab.check_args("broken-edges"), "--summary")
    status, perf = line.rstrip("\n").split(" | ")
    assert re.search(r"broken-edges\.lab\.test: \w+ \(3 of \d layers critical\)", status)
    assert perf.startswith("sites=1 critical=1")
    assert code == 2


def test_mixed_content_is_a_blocked_page_not_a_certificate_error(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """A site whose only critical finding is mixed content says the page is partly blocked."""
    _code, text = _check(lab, capsys, *lab.check_args("mixed-content"))
    assert "browsers block parts of the page" in text.splitlines()[0]
    assert "certificate errors" not in text.splitlines()[0]


def test_several_sites_start_with_the_summary_and_the_worst_site(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a config of every lab site, the text starts with the one-line summary, then the
    first report is a critical one."""
    _code, text = _check(lab, capsys, "--config", str(lab.config))
    lines = text.splitlines()
    assert re.match(r"\d+ sites: \d+ critical", lines[0])
    first_report = next(line for line in lines[1:] if line.strip())
    assert "CRITICAL" in first_report
