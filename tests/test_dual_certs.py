"""Layers that serve two certificates (ECDSA and RSA), end to end through the CLI, its JSON
and its text, against the lab's real TLS servers: each type is probed, reported and judged
on its own; single-certificate sites read as before."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.lab.lab import Lab

ROLLING_ENV = "LAYERSCOPE_LAB_ROLLING"


def check_json(lab: Lab, scenario: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``check --json`` of one lab site: the site's object."""
    main(["check", *lab.check_args(scenario), "--json"])
    (site,) = json.loads(capsys.readouterr().out)["sites"]
    return dict(site)


def check_text(lab: Lab, scenario: str, width: int = 80) -> str:
    """The text report of one lab site, laid out for ``width`` columns (the command line's
    options, engine and renderer; a terminal's width is not there in tests)."""
    from layerscope.commands.config import requests_from_args
    from layerscope.commands.main import build_parser
    from layerscope.engine.run import inspect
    from layerscope.present.text import render_text

    (request,) = requests_from_args(build_parser().parse_args(["check", *lab.check_args(scenario)]))
    report = asyncio.run(inspect(request.host, request.options))
    return render_text([report], color=False, width=width)


def sha(issued: Any) -> str:
    """SHA-256 of a lab certificate, lower-case hex."""
    return str(hashlib.sha256(issued.der).hexdigest())


def by_address(site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The site's layers by address."""
    return {layer["address"]: layer for layer in site["layers"]}


def test_a_healthy_dual_site_reports_both_certificates_of_every_layer(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every layer: the ECDSA certificate (what modern clients get) and the RSA one as its
    second, each analysed and trusted; a reference per type; no findings."""
    site = check_json(lab, "dual", capsys)
    spec = lab.site("dual").spec
    assert site["findings"] == [] and site["severity"] == "ok"
    assert [r["cert_type"] for r in site["references"]] == ["ecdsa", "rsa"]
    rsa_leaf = sha(spec.origin.second_chain[0])
    assert site["references"][1]["certificate"]["sha256"] == rsa_leaf
    assert site["reference"]["sha256"] == sha(spec.origin.chain[0])
    for layer in site["layers"]:
        assert layer["asked"] == "ecdsa" and layer["leaf_type"] == "ecdsa"
        assert layer["offered_types"] == ["ecdsa", "rsa"]
        asked = {h["asked"]: h for h in layer["typed_handshakes"]}
        assert asked["ecdsa"]["status"] == asked["rsa"]["status"] == "ok"
        assert asked["rsa"]["leaf_type"] == "rsa"
        second = layer["second_certificate"]
        assert second["asked"] == "rsa" and second["leaf_type"] == "rsa"
        assert second["leaf_sha256"] == rsa_leaf
        assert second["chain_analysis"]["status"] == "trusted"
        assert second["row"] == {"severity": "ok", "status": "trusted"}
        assert second["no_sni"] is None and second["http"] is None


def test_an_edge_still_on_the_old_rsa_certificate_is_a_stale_edge_saying_rsa(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edge 3 serves the renewed ECDSA certificate but the previous RSA one: stale_edge on
    edge 3 only, of type RSA, compared with the RSA reference; its ECDSA row stays fine."""
    site = check_json(lab, "dual-stale-rsa", capsys)
    info = lab.site("dual-stale-rsa")
    edge3 = info.edges[2]
    stale = [f for f in site["findings"] if f["code"] == "stale_edge"]
    assert [(f["layers"], f["cert_type"]) for f in stale] == [([edge3], "rsa")]
    assert "previous RSA certificate" in stale[0]["summary"]
    evidence = stale[0]["evidence"]
    assert evidence["reference"]["sha256"] == sha(info.spec.origin.second_chain[0])
    assert evidence["served"]["sha256"] == sha(info.spec.edges[2].second_chain[0])
    assert "-sigalgs RSA" in stale[0]["remediation"]["reproduce"]
    assert site["findings"][0]["code"] == "stale_edge"  # the cause leads
    layer = by_address(site)[edge3]
    assert layer["row"]["status"] == "trusted"  # the ECDSA certificate is the renewed one
    assert layer["second_certificate"]["row"] == {"severity": "warning", "status": "stale"}
    assert site["severity"] == "warning"


def test_the_text_report_has_a_row_per_certificate_and_points_at_the_rsa_one(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two rows per layer, each with its type; the stale one is the RSA row of edge 3, the
    header says the site uses two certificates, and the table fits 80 columns."""
    out = check_text(lab, "dual-stale-rsa")
    edge3 = lab.site("dual-stale-rsa").edges[2]
    rows = [line for line in out.splitlines() if f"edge    {edge3}:" in line]
    assert len(rows) == 2
    assert "ECDSA" in rows[0] and "trusted" in rows[0] and rows[0].startswith("OK")
    assert "RSA" in rows[1] and "stale" in rows[1] and rows[1].startswith("WARN")
    assert "Certificates: ECDSA and RSA on every layer" in out
    assert "Reference RSA:" in out
    table = out[out.index("Sev ") : out.index("Findings, worst first")]
    assert max(len(line) for line in table.splitlines()) <= 80


def test_an_edge_with_only_ecdsa_is_its_own_finding(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edge 2 refuses an RSA-only handshake while the origin offers both: cert_type_missing
    (a warning) on edge 2, not an error of the layer; the other layers have two rows."""
    site = check_json(lab, "dual-ecdsa-only-edge", capsys)
    info = lab.site("dual-ecdsa-only-edge")
    edge2 = info.edges[1]
    (finding,) = site["findings"]
    assert finding["code"] == "cert_type_missing" and finding["severity"] == "warning"
    assert finding["layers"] == [edge2] and finding["cert_type"] is None
    assert finding["evidence"]["missing"] == ["rsa"]
    assert finding["evidence"]["offered"] == ["ecdsa"]
    assert finding["evidence"]["compared_with"] == info.origin
    assert "-sigalgs RSA" in finding["remediation"]["verify"]
    layer = by_address(site)[edge2]
    assert layer["status"] == "ok" and layer["second_certificate"] is None
    assert layer["offered_types"] == ["ecdsa"]
    rsa = next(h for h in layer["typed_handshakes"] if h["asked"] == "rsa")
    assert rsa["status"] == "not_offered" and rsa["error"] is None
    assert layer["row"] == {"severity": "warning", "status": "one type only"}
    others = [ly for a, ly in by_address(site).items() if a != edge2]
    assert all(ly["second_certificate"] is not None for ly in others)


def test_a_single_certificate_site_reads_as_before(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """One certificate per layer: no second certificate, no per-type references, no type
    in the findings or the rows, one row per layer."""
    site = check_json(lab, "stale", capsys)
    assert site["references"] == []
    assert all(f["cert_type"] is None for f in site["findings"])
    for layer in site["layers"]:
        assert layer["second_certificate"] is None
        rsa = next(h for h in layer["typed_handshakes"] if h["asked"] == "rsa")
        assert rsa["status"] == "not_offered"
    out = check_text(lab, "stale")
    assert "ECDSA" not in out and " RSA" not in out and "Certificates:" not in out
    info = lab.site("stale")
    for address in (info.origin, *info.edges):
        assert sum(f"{address}:" in line for line in out.splitlines() if "  edge  " in line or
                   "  origin  " in line) <= 1  # fmt: skip


# --- watch on a rolling renewal of both certificates --------------------------------------


@pytest.fixture
def rolling_lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A lab of its own whose rolling edges take the fresh ECDSA certificate after 1 s and
    the fresh RSA one after 1.5 s (edge 1) and 2 s (edges 2 and 3)."""
    monkeypatch.setenv(ROLLING_ENV, "1,1.5,2")
    with Lab() as running:
        yield running


def test_watch_converges_only_when_every_type_is_renewed_and_says_which_changed(
    rolling_lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ECDSA certificates switch first, the RSA ones later: one change line per type,
    naming it; convergence only after the last RSA switch; JSON lines carry the type."""
    info = rolling_lab.site("dual-rolling")
    args = ["watch", *rolling_lab.check_args("dual-rolling"), "--interval", "0.3s"]
    code = main([*args, "--timeout", "30s", "--json"])
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    changes = [e for e in events if e["event"] == "change" and e["kind"] == "switched"]
    for edge in info.edges:
        mine = {c["cert_type"]: c for c in changes if c["address"] == edge}
        assert set(mine) == {"ecdsa", "rsa"}
        assert mine["ecdsa"]["at"] <= mine["rsa"]["at"]
        assert mine["rsa"]["after"]["sha256"] == sha(info.spec.origin.second_chain[0])
    rounds = [e for e in events if e["event"] == "round"]
    last = rounds[-1]
    assert last["converged"] and [t["cert_type"] for t in last["targets"]] == ["ecdsa", "rsa"]
    # a round where every ECDSA certificate was renewed but not every RSA one is not done
    partly = [
        r for r in rounds if r["behind"] and all(b["cert_type"] == "rsa" for b in r["behind"])
    ]
    assert partly and not any(r["converged"] for r in partly)


def test_watch_text_names_the_rsa_certificate_behind(
    rolling_lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """The text round line names the layers whose RSA certificate is still the old one,
    and the change lines say RSA."""
    args = ["watch", *rolling_lab.check_args("dual-rolling"), "--interval", "0.3s"]
    code = main([*args, "--timeout", "30s"])
    out = capsys.readouterr().out
    assert code == 0
    edge1 = rolling_lab.site("dual-rolling").edges[0]
    assert any(f"edge {edge1}:{rolling_lab.port} RSA" in line and "->" in line
               for line in out.splitlines())  # fmt: skip
    behind = [line for line in out.splitlines() if line.startswith("round ") and "still on" in line]
    assert any(f"edge {edge1} RSA" in line and f"edge {edge1} ECDSA" not in line for line in behind)
    assert "layer certificates on ECDSA" in out
