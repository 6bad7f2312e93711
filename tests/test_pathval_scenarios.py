"""The path-validation lab sites end to end through the CLI: the verdict is the browser's
(cryptography's verifier), and every refusal gets its named finding on exactly its layers.

One `check --config` run over a config holding only these sites gives the JSON; the text
report is checked per site.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.lab.lab import Lab

from .test_lab_scenarios import EXIT, observed

ALL = {"origin", "edge1"}

# scenario -> {(code, severity): layers}: critical where the verifier refuses the chain,
# warning where it accepts a chain that breaks a Baseline Requirement
PATHVAL: dict[str, dict[tuple[str, str], set[str]]] = {
    "nc-permitted": {("name_constraint_violation", "critical"): ALL},
    "nc-excluded": {("name_constraint_violation", "critical"): ALL},
    "nc-malformed": {("name_constraints_malformed", "critical"): ALL},
    "intermediate-not-ca": {("issuer_not_ca", "critical"): ALL},
    "intermediate-no-bc": {("issuer_not_ca", "critical"): ALL},
    "leaf-is-ca": {("ca_certificate_as_leaf", "critical"): ALL},
    "pathlen": {("path_length_exceeded", "critical"): ALL},
    "eku-client-only": {("eku_missing_server_auth", "critical"): ALL},
    "ku-cert-sign": {("key_usage_forbids_tls", "critical"): ALL},
    "ca-no-cert-sign": {("ca_missing_key_cert_sign", "critical"): ALL},
    "critical-unknown": {("unknown_critical_extension", "critical"): ALL},
    "bc-not-critical": {("extension_criticality", "critical"): ALL},
    "empty-issuer": {("empty_name", "critical"): ALL},
    "expired-root": {("expired_root", "critical"): ALL},
    "future-intermediate": {("not_yet_valid_ca", "critical"): ALL},
    "weak-root": {("weak_key", "critical"): ALL},
    "ed25519": {("unsupported_algorithm", "critical"): ALL},
    "cn-only": {("san_missing", "critical"): ALL},
    "underscore-san": {("invalid_san", "warning"): ALL},
    "partial-wildcard": {
        ("invalid_san", "critical"): ALL,
        ("hostname_mismatch", "critical"): ALL,
    },
    "cn-not-in-san": {("cn_not_in_san", "warning"): ALL},
    "no-aki": {("key_identifier_missing", "warning"): ALL},
    "leaf-no-aki": {("key_identifier_missing", "critical"): ALL},
    "refused-other": {("verifier_refused", "critical"): ALL},
}
#: sites whose chain cryptography's verifier accepts (the others it refuses)
ACCEPTED = {"underscore-san", "cn-not-in-san", "no-aki"}

# evidence each finding must carry (codes.md), checked on one layer
EVIDENCE: dict[str, tuple[str, dict[str, Any]]] = {
    "nc-permitted": (
        "name_constraint_violation",
        {"kind": "permitted", "name": "nc-permitted.lab.test"},
    ),
    "nc-excluded": (
        "name_constraint_violation",
        {"kind": "excluded", "name": "nc-excluded.lab.test"},
    ),
    "pathlen": ("path_length_exceeded", {"path_length": 0, "below": 1}),
    "expired-root": ("expired_root", {"subject": "CN=Lab Retired Root 2010,O=Lab Public Trust"}),
    "future-intermediate": ("not_yet_valid_ca", {"role": "intermediate"}),
    "empty-issuer": ("empty_name", {}),
    "critical-unknown": (
        "unknown_critical_extension",
        {"oid": "2.25.329800735698586629295641978511506172918"},
    ),
    "cn-only": ("san_missing", {"common_name": "cn-only.lab.test"}),
    "cn-not-in-san": ("cn_not_in_san", {"common_name": "old-name.lab.test"}),
    "no-aki": (
        "key_identifier_missing",
        {"subject": "CN=Lab Issuing CA (no AKI),O=Lab Public Trust"},
    ),
    "leaf-no-aki": (
        "key_identifier_missing",
        {"subject": "CN=leaf-no-aki.lab.test,O=layerscope lab site"},
    ),
}


def _worst(scenario: str) -> str:
    return max((sev for _c, sev in PATHVAL[scenario]), key=list(EXIT).index, default="ok")


@pytest.fixture(scope="module")
def pathval_json(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`layerscope check --config <these sites> --json`, run once for the module."""
    text = lab.config.read_text(encoding="utf-8")
    head, *blocks = text.split("[[site]]\n")
    hosts = {lab.site(name).host for name in PATHVAL}
    kept = [b for b in blocks if any(f'host = "{h}"' in b for h in hosts)]
    assert len(kept) == len(PATHVAL)
    config: Path = tmp_path_factory.mktemp("pathval") / "layerscope.toml"
    config.write_text(head + "".join("[[site]]\n" + b for b in kept), encoding="utf-8")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", "--config", str(config), "--json"])
    data: dict[str, Any] = json.loads(buf.getvalue())
    data["_exit"] = code
    return data


def _site(lab: Lab, data: dict[str, Any], scenario: str) -> dict[str, Any]:
    host = lab.site(scenario).host
    return next(s for s in data["sites"] if s["host"] == host)


def test_every_pathval_site_is_in_the_lab_and_in_expected(lab: Lab) -> None:
    """Each site of the table runs in the lab, and the lab-wide table agrees with this one."""
    from .test_lab_scenarios import EXPECTED

    names = {s.spec.name for s in lab.sites}
    assert set(PATHVAL) <= names
    for scenario, expected in PATHVAL.items():
        assert EXPECTED[scenario] == expected, scenario


def test_lab_dns_serves_the_pathval_hosts(lab: Lab) -> None:
    """The lab's resolver answers every new host with the site's edges (no --edge needed)."""
    import dns.message
    import dns.query

    address, port = lab.dns.rsplit(":", 1)
    for scenario in PATHVAL:
        site = lab.site(scenario)
        answer = dns.query.udp(dns.message.make_query(site.host, "A"), address, port=int(port))
        got = {r.address for rrset in answer.answer for r in rrset if r.rdtype == 1}
        assert got == set(site.edges), scenario


@pytest.mark.parametrize("scenario", sorted(PATHVAL))
def test_pathval_site_yields_exactly_its_finding(
    lab: Lab, pathval_json: dict[str, Any], scenario: str
) -> None:
    """Exactly the expected findings on exactly the expected layers; severity and exit code
    follow (2 when the verifier refuses, 1 for an accepted chain that breaks a BR)."""
    site = _site(lab, pathval_json, scenario)
    assert observed(lab, scenario, site) == PATHVAL[scenario]
    worst = _worst(scenario)
    assert worst == ("warning" if scenario in ACCEPTED else "critical")
    assert site["severity"] == worst
    assert site["exit_code"] == EXIT[worst]


@pytest.mark.parametrize("scenario", sorted(PATHVAL))
def test_chain_status_is_never_trusted_when_the_verifier_refused(
    lab: Lab, pathval_json: dict[str, Any], scenario: str
) -> None:
    """verifier_ok is the verifier's verdict; a refused chain is never "trusted"/"private"."""
    site = _site(lab, pathval_json, scenario)
    assert len(site["layers"]) == 2
    for layer in site["layers"]:
        analysis = layer["chain_analysis"]
        assert analysis is not None
        assert analysis["verifier_ok"] is (scenario in ACCEPTED), layer["address"]
        if scenario in ACCEPTED:
            assert analysis["status"] == "trusted"
            assert analysis["verifier_error"] == ""
        else:
            assert analysis["status"] not in ("trusted", "private")
            assert analysis["verifier_error"].startswith("validation failed")


@pytest.mark.parametrize("scenario", sorted(EVIDENCE))
def test_pathval_finding_carries_its_evidence(
    lab: Lab, pathval_json: dict[str, Any], scenario: str
) -> None:
    """The finding's evidence names what is wrong (codes.md), with the certificate's
    fingerprint where it names a certificate."""
    code, wanted = EVIDENCE[scenario]
    site = _site(lab, pathval_json, scenario)
    findings = [f for f in site["findings"] if f["code"] == code]
    assert findings
    evidence = findings[0]["evidence"]
    for key, value in wanted.items():
        assert evidence.get(key) == value, (key, evidence)
    if "subject" in evidence:
        assert re.fullmatch(r"[0-9a-f]{64}", evidence["sha256"])


def test_pathval_config_run_exits_critical(pathval_json: dict[str, Any]) -> None:
    """The run over all these sites exits with the worst site's code."""
    assert pathval_json["_exit"] == 2


def _chain_cells(text: str, sev: bool = False) -> dict[str, str]:
    """Address:port -> the Status cell (with ``sev``: the Sev cell) of each layer row of
    the text report."""
    lines = text.splitlines()
    header = next(line for line in lines if re.match(r"Sev\s+Role\s+Address\s+Status\s", line))
    start = header.index("Status")
    end = header.index("Cert", start)
    cells: dict[str, str] = {}
    for line in lines[lines.index(header) + 2 :]:
        if not line.strip():
            break
        match = re.search(r"\b(127(?:\.\d+){3}:\d+)\b", line)
        if match:
            cells[match.group(1)] = line.split()[0] if sev else line[start:end].strip()
    return cells


@pytest.mark.parametrize("scenario", sorted(set(PATHVAL) - ACCEPTED))
def test_text_report_never_says_trusted_for_a_refused_layer(
    lab: Lab, scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`layerscope check HOST` (text): the Status column of a refused layer never reads
    "trusted"; the exit code is 2."""
    code = main(["check", *lab.check_args(scenario)])
    out = capsys.readouterr().out
    site = lab.site(scenario)
    cells = _chain_cells(out)
    assert set(cells) == {f"{a}:{lab.port}" for a in (site.origin, *site.edges)}
    for address, cell in cells.items():
        assert cell, address
        assert not re.search(r"\btrusted\b", cell), (address, cell)
    assert code == 2


@pytest.mark.parametrize("scenario", sorted(ACCEPTED))
def test_text_report_says_trusted_for_an_accepted_layer(
    lab: Lab, scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The BR-warning sites are still trusted by browsers: no row is critical, each names
    its warning (not a refusal), the verdict says most clients work; exit 1."""
    code = main(["check", *lab.check_args(scenario)])
    out = capsys.readouterr().out
    cells, sevs = _chain_cells(out), _chain_cells(out, sev=True)
    assert cells and set(sevs.values()) <= {"WARN", "INFO", "OK"}
    assert not {"refused", "untrusted", "incomplete", "self-signed"} & set(cells.values())
    assert "works for most clients" in out
    assert code == 1
