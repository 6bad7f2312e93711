"""End to end through the CLI and its JSON: every lab scenario yields exactly its findings,
on exactly its layers, and no others."""

from __future__ import annotations

import json
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.lab.lab import Lab

# scenario -> {(code, severity): layers}; layers named origin, edge1, edge2, ...
EXPECTED: dict[str, dict[tuple[str, str], set[str]]] = {
    "healthy": {},
    "cdn": {},
    "expired": {("expired", "critical"): {"origin", "edge1", "edge2"}},
    "expiring": {("expiring_soon", "warning"): {"origin", "edge1", "edge2"}},
    "not-yet-valid": {("not_yet_valid", "critical"): {"origin", "edge1", "edge2"}},
    "wildcard": {("hostname_mismatch", "critical"): {"origin", "edge1", "edge2"}},
    "self-signed": {("self_signed", "critical"): {"origin", "edge1", "edge2"}},
    "untrusted-root": {("untrusted_root", "critical"): {"origin", "edge1", "edge2"}},
    "private-ca": {("private_ca", "info"): {"origin", "edge1", "edge2"}},
    "incomplete": {("incomplete_chain", "critical"): {"edge3"}},
    "wrong-order": {("wrong_order", "warning"): {"edge2"}},
    "root-in-chain": {("root_in_chain", "info"): {"origin"}},
    "leftover": {("unrelated_cert_in_chain", "warning"): {"edge1"}},
    "expired-intermediate": {("expired_intermediate", "critical"): {"origin", "edge1", "edge2"}},
    "weak": {
        ("weak_signature", "critical"): {"origin", "edge1", "edge2"},
        ("weak_key", "warning"): {"origin", "edge1", "edge2"},
    },
    "default-cert": {("default_cert_without_sni", "warning"): {"edge2"}},
    "stale": {
        ("stale_edge", "warning"): {"edge3"},
        ("edges_disagree", "warning"): {"edge1", "edge2", "edge3"},
    },
    "edge-ahead": {("edge_ahead_of_origin", "warning"): {"origin"}},
    "chain-differs": {("chain_differs_from_origin", "info"): {"edge3"}},
    "key-differs": {("key_differs", "info"): {"edge1", "edge2"}},
    "san-differs": {
        ("san_differs", "warning"): {"edge2"},
        ("edges_disagree", "warning"): {"edge1", "edge2", "edge3"},
    },
    "cdn-managed": {("cdn_managed_certificate", "info"): {"edge1", "edge2", "edge3"}},
    "new-root": {("trust_store_dependent", "warning"): {"origin", "edge1", "edge2"}},
    "mixed-content": {("mixed_content", "critical"): {"origin", "edge1", "edge2"}},
    "upgrade-insecure": {("csp_upgrade_insecure", "info"): {"origin", "edge1", "edge2"}},
    "no-hsts": {
        ("hsts_missing", "info"): {"edge2"},
        ("http_differs", "warning"): {"edge2"},  # the one that answers differently
    },
    "revoked": {
        ("revoked", "critical"): {"origin", "edge1", "edge2"},
        ("ocsp_staple_missing", "info"): {"origin", "edge1", "edge2"},
    },
    "stapled": {("ocsp_staple_invalid", "warning"): {"edge2"}},
    "aia-only": {("incomplete_chain", "critical"): {"origin", "edge1", "edge2"}},
    "rolling": {("stale_edge", "warning"): {"edge1", "edge2", "edge3"}},
    "broken-edges": {
        ("unreachable", "critical"): {"edge2"},
        ("not_tls", "critical"): {"edge3"},
        ("handshake_failed", "critical"): {"edge4"},
    },
    "revoked-by-name": {
        ("revoked", "critical"): {"origin", "edge1", "edge2"},
        ("ocsp_staple_missing", "info"): {"origin", "edge1", "edge2"},
    },
    "aia-by-name": {("incomplete_chain", "critical"): {"origin", "edge1", "edge2"}},
    # path validation (tests/test_pathval_scenarios.py holds the same table)
    "nc-permitted": {("name_constraint_violation", "critical"): {"origin", "edge1"}},
    "nc-excluded": {("name_constraint_violation", "critical"): {"origin", "edge1"}},
    "nc-malformed": {("name_constraints_malformed", "critical"): {"origin", "edge1"}},
    "intermediate-not-ca": {("issuer_not_ca", "critical"): {"origin", "edge1"}},
    "intermediate-no-bc": {("issuer_not_ca", "critical"): {"origin", "edge1"}},
    "leaf-is-ca": {("ca_certificate_as_leaf", "critical"): {"origin", "edge1"}},
    "pathlen": {("path_length_exceeded", "critical"): {"origin", "edge1"}},
    "eku-client-only": {("eku_missing_server_auth", "critical"): {"origin", "edge1"}},
    "ku-cert-sign": {("key_usage_forbids_tls", "critical"): {"origin", "edge1"}},
    "ca-no-cert-sign": {("ca_missing_key_cert_sign", "critical"): {"origin", "edge1"}},
    "critical-unknown": {("unknown_critical_extension", "critical"): {"origin", "edge1"}},
    "bc-not-critical": {("extension_criticality", "critical"): {"origin", "edge1"}},
    "empty-issuer": {("empty_name", "critical"): {"origin", "edge1"}},
    "expired-root": {("expired_root", "critical"): {"origin", "edge1"}},
    "future-intermediate": {("not_yet_valid_ca", "critical"): {"origin", "edge1"}},
    "weak-root": {("weak_key", "critical"): {"origin", "edge1"}},
    "ed25519": {("unsupported_algorithm", "critical"): {"origin", "edge1"}},
    "cn-only": {("san_missing", "critical"): {"origin", "edge1"}},
    "underscore-san": {("invalid_san", "warning"): {"origin", "edge1"}},
    "partial-wildcard": {
        ("invalid_san", "critical"): {"origin", "edge1"},
        ("hostname_mismatch", "critical"): {"origin", "edge1"},
    },
    "cn-not-in-san": {("cn_not_in_san", "warning"): {"origin", "edge1"}},
    "no-aki": {("key_identifier_missing", "warning"): {"origin", "edge1"}},
    "leaf-no-aki": {("key_identifier_missing", "critical"): {"origin", "edge1"}},
    "refused-other": {("verifier_refused", "critical"): {"origin", "edge1"}},
    # unparseable certificates (tests/test_unparseable.py); edge 2's leaf lacks its intermediate
    "unparseable": {
        ("unparseable_certificate", "critical"): {"edge2"},
        ("incomplete_chain", "critical"): {"edge2"},
    },
    "unparseable-leaf": {("unparseable_certificate", "critical"): {"edge1"}},
    "malformed-san": {("malformed_extension", "critical"): {"origin", "edge1", "edge2"}},
    # dual certificates (ECDSA and RSA per layer), each type judged on its own
    "dual": {},
    "dual-stale-rsa": {
        ("stale_edge", "warning"): {"edge3"},  # its RSA certificate (tests/test_dual_certs.py)
        ("edges_disagree", "warning"): {"edge1", "edge2", "edge3"},
    },
    "dual-ecdsa-only-edge": {("cert_type_missing", "warning"): {"edge2"}},
    # both types stale on every edge before the rollout starts
    "dual-rolling": {("stale_edge", "warning"): {"edge1", "edge2", "edge3"}},
}
EXIT = {"ok": 0, "info": 0, "warning": 1, "critical": 2, "unknown": 3}


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    """Run the CLI in-process and parse its JSON output."""
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture(scope="module")
def lab_json(lab: Lab) -> dict[str, Any]:
    """`layerscope check --config <lab config> --json`, run once for all scenarios."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", "--config", str(lab.config), "--json"])
    data: dict[str, Any] = json.loads(buf.getvalue())
    data["_exit"] = code
    return data


def role_names(lab: Lab, scenario: str) -> dict[str, str]:
    """Address -> origin/edgeN for one lab site."""
    site = lab.site(scenario)
    names = {site.origin: "origin"}
    names.update({addr: f"edge{i}" for i, addr in enumerate(site.edges, start=1)})
    return names


def observed(lab: Lab, scenario: str, site: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    """The findings of one site, keyed like EXPECTED."""
    names = role_names(lab, scenario)
    out: dict[tuple[str, str], set[str]] = {}
    for finding in site["findings"]:
        key = (finding["code"], finding["severity"])
        out.setdefault(key, set()).update(names.get(a, a) for a in finding["layers"])
    return out


def test_every_scenario_is_in_the_lab(lab: Lab) -> None:
    """The expectations table and the lab's sites are the same set (no untested scenario)."""
    assert {s.spec.name for s in lab.sites} == set(EXPECTED)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_yields_exactly_its_findings(
    lab: Lab, lab_json: dict[str, Any], scenario: str
) -> None:
    """Checking the lab config reports exactly the expected findings on the expected layers."""
    site = next(s for s in lab_json["sites"] if s["host"] == lab.site(scenario).host)
    assert observed(lab, scenario, site) == EXPECTED[scenario]
    worst = max((sev for _code, sev in EXPECTED[scenario]), key=list(EXIT).index, default="ok")
    assert site["severity"] == worst
    assert site["exit_code"] == EXIT[worst]


def test_config_run_exits_with_the_worst_severity(lab_json: dict[str, Any]) -> None:
    """Several sites in one run: the exit code is the worst site's (critical here)."""
    assert lab_json["_exit"] == 2
    assert lab_json["schema_version"] == 1


@pytest.mark.parametrize("scenario", ["stale", "healthy", "incomplete"])
def test_single_site_flags_match_the_config_run(
    lab: Lab, scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same site checked with command-line flags gives the same findings and exit code."""
    code, data = run_json(["check", *lab.check_args(scenario)], capsys)
    (site,) = data["sites"]
    assert observed(lab, scenario, site) == EXPECTED[scenario]
    worst = max((sev for _c, sev in EXPECTED[scenario]), key=list(EXIT).index, default="ok")
    assert code == EXIT[worst]


def test_json_layers_carry_the_served_chain_in_order(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each layer lists role, address, port and the served chain exactly as sent."""
    _code, data = run_json(["check", *lab.check_args("wrong-order")], capsys)
    (site,) = data["sites"]
    layers = {layer["address"]: layer for layer in site["layers"]}
    site_info = lab.site("wrong-order")
    assert layers[site_info.origin]["role"] == "origin"
    wrong = layers[site_info.edges[1]]
    assert wrong["role"] == "edge"
    assert wrong["port"] == lab.port
    issuers = [c["subject"] for c in wrong["chain"]]
    assert "Lab Policy CA 2A" in issuers[1] and "Lab Issuing CA 2B" in issuers[2]
    leaf = wrong["chain"][0]
    for key in (
        "subject",
        "sans",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "sha256",
        "spki_sha256",
        "key_type",
        "key_bits",
        "signature_algorithm",
    ):
        assert key in leaf
    assert wrong["leaf_sha256"] == leaf["sha256"]
    assert site["reference"]["sha256"] == leaf["sha256"]


def test_stale_edge_evidence_names_both_certificates(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """stale_edge evidence has both fingerprints and dates; remediation names the edge IP."""
    _code, data = run_json(["check", *lab.check_args("stale")], capsys)
    (site,) = data["sites"]
    stale = next(f for f in site["findings"] if f["code"] == "stale_edge")
    ev = stale["evidence"]
    assert ev["served"]["sha256"] != ev["reference"]["sha256"]
    assert ev["older_by_days"] > 50
    edge = lab.site("stale").edges[2]
    assert edge in stale["remediation"]["reproduce"]
    assert "stale.lab.test" in stale["remediation"]["reproduce"]


def test_incomplete_chain_names_the_missing_intermediate(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """incomplete_chain says which intermediate is missing and where it was found."""
    _code, data = run_json(["check", *lab.check_args("incomplete")], capsys)
    (site,) = data["sites"]
    finding = next(f for f in site["findings"] if f["code"] == "incomplete_chain")
    assert finding["evidence"]["missing"] == ["CN=Lab Issuing CA 1,O=Lab Public Trust"]
    assert "served by" in finding["evidence"]["found"][0]["source"]


def test_remediation_recheck_commands_run_and_still_see_the_stale_edge(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """The `layerscope check` commands in stale_edge's remediation work as printed (same
    resolver and trust store) and, until the edge is fixed, still report it."""
    import shlex

    _code, data = run_json(["check", *lab.check_args("stale")], capsys)
    stale = next(f for f in data["sites"][0]["findings"] if f["code"] == "stale_edge")
    commands = [
        c
        for step in stale["remediation"]["steps"]
        for c in step["commands"]
        if c.startswith("layerscope check")
    ]
    assert commands
    for command in commands:
        code, again = run_json(shlex.split(command)[1:], capsys)
        codes = {f["code"] for f in again["sites"][0]["findings"]}
        assert "stale_edge" in codes, command
        assert code == 1
