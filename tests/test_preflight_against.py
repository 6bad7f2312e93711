"""`layerscope preflight FULLCHAIN ... --against HOST [check options]`: the live layers of the
site, found and probed as `check` does, compared with the file's leaf: which already serve it,
what deploying changes, the leaf's SHA-256 and the `watch --expect` command to run right
after the deploy. End to end against the demo lab's `stale` site (edge 3 still serves the
previous certificate)."""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.diagnose.deploy import deploy_summary
from layerscope.lab.lab import Lab
from layerscope.lab.pki import Issued, pem_bundle
from layerscope.model import Role
from layerscope.model.deploy import LiveLayer, Relation

from .preflight_helpers import run


def write_pair(directory: Path, chain: tuple[Issued, ...]) -> tuple[Path, Path]:
    """The chain as fullchain.pem and its leaf's key as privkey.pem in ``directory``."""
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    cert.write_bytes(pem_bundle(*chain))
    key.write_bytes(chain[0].key_pem)
    return cert, key


def sha(issued: Issued) -> str:
    """Lower-case hex SHA-256 of a certificate."""
    return hashlib.sha256(issued.der).hexdigest()


def against_argv(lab: Lab, cert: Path, key: Path, site: str = "stale") -> list[str]:
    """``preflight CERT --key KEY --host HOST --against HOST [the demo's check options]``."""
    host = lab.site(site).host
    files = [str(cert), "--key", str(key), "--host", host]
    return ["preflight", *files, "--against", *lab.check_args(site)]


def as_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict[str, Any]]:
    """Exit code and the one site of ``ARGV --json``."""
    code, out, err = run(capsys, [*argv, "--json"])
    assert out, err
    return code, json.loads(out)["sites"][0]


def test_the_stale_edge_is_named_and_every_layer_would_serve_the_file(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file holds the stale site's current reference chain (the origin's): the origin
    and edges 1-2 already serve its leaf, edge 3 still serves the old certificate B; the
    text says so, prints the leaf's SHA-256 and the watch command with the resolver."""
    site = lab.site("stale")
    cert, key = write_pair(tmp_path, site.spec.origin.chain)
    argv = against_argv(lab, cert, key)
    code, out, err = run(capsys, argv)
    assert (code, err) == (0, "")
    stale = f"edge {site.edges[2]}:{lab.port}"
    assert f"{stale} still serves the old certificate B" in out.replace("\n  ", " ")
    assert "after deploying, every layer would serve A" in out.replace("\n  ", " ")
    assert sha(site.spec.origin.chain[0]) in out
    assert f"layerscope watch {site.host} --port {lab.port}" in out
    assert f"--resolver {lab.dns}" in out and f"--expect {cert}" in out

    code, report = as_json(capsys, argv)
    assert code == 0 == report["exit_code"]
    against = report["against"]
    assert against["leaf_sha256"] == sha(site.spec.origin.chain[0])
    layers = {(x["role"], x["address"]): x for x in against["layers"]}
    assert layers[("origin", site.origin)]["serves_file_leaf"] is True
    for edge in site.edges[:2]:
        assert layers[("edge", edge)]["serves_file_leaf"] is True
    old = layers[("edge", site.edges[2])]
    assert (old["serves_file_leaf"], old["relation"], old["label"]) == (False, "older", "B")
    assert old["served_sha256"] == sha(site.spec.edges[2].chain[0])
    assert stale in against["summary"]


def test_the_printed_watch_command_watches_the_same_layers_for_the_file(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The watch command runs as printed: it waits for the file's leaf on the same layers
    (the stale edge keeps it from converging: exit 1 after its --timeout)."""
    site = lab.site("stale")
    cert, key = write_pair(tmp_path, site.spec.origin.chain)
    _code, report = as_json(capsys, against_argv(lab, cert, key))
    words = shlex.split(report["against"]["watch_command"])
    assert words[:3] == ["layerscope", "watch", site.host]
    briefly = ["--timeout", "1s", "--interval", "500ms", "--json"]
    code, out, _err = run(capsys, [*words[1:], *briefly])
    assert code == 1
    final = json.loads(out.strip().splitlines()[-1])
    assert final["expected"] == sha(site.spec.origin.chain[0])
    behind = [b["address"] for b in final["behind"]]
    assert behind == [site.edges[2]]


def test_deploying_an_older_certificate_says_it_would_replace_newer_ones(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file holds the previous certificate: three layers serve a newer one, which
    deploying would replace with an older one; only the stale edge already serves it."""
    site = lab.site("stale")
    cert, key = write_pair(tmp_path, site.spec.edges[2].chain)
    _code, report = as_json(capsys, against_argv(lab, cert, key))
    against = report["against"]
    relations = [(x["address"], x["relation"]) for x in against["layers"]]
    assert relations == [
        (site.origin, "newer"),
        (site.edges[0], "newer"),
        (site.edges[1], "newer"),
        (site.edges[2], "same"),
    ]
    assert "would replace it with an older one" in against["summary"]


def test_an_unreachable_layer_is_said_and_not_counted_as_served(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --edge where nothing listens: could not be compared, named with the reason."""
    site = lab.site("stale")
    cert, _key = write_pair(tmp_path, site.spec.origin.chain)
    nowhere = f"{lab.base}.250.9"
    file = [str(cert), "--host", site.host, "--ca-bundle", str(lab.public_roots)]
    live = ["--port", str(lab.port), "--timeout", "2", "--edge", nowhere, "--edge", site.edges[0]]
    argv = ["preflight", *file, "--against", site.host, *live]
    code, report = as_json(capsys, argv)
    assert code == 0
    layers = {x["address"]: x for x in report["against"]["layers"]}
    assert layers[nowhere]["relation"] == "unreachable" and layers[nowhere]["error"]
    assert layers[site.edges[0]]["serves_file_leaf"] is True
    assert "could not be compared" in report["against"]["summary"]
    assert "every layer that answered would serve A" not in report["against"]["summary"]


@pytest.mark.parametrize(
    "argv",
    [
        ["preflight", "cert.pem", "--host", "a.test", "--origin", "192.0.2.1"],
        ["preflight", "cert.pem", "--host", "a.test", "--resolver", "192.0.2.53"],
        ["preflight", "cert.pem", "--host", "a.test", "--against", "https://a.test/"],
        ["preflight", "--host", "a.test"],
        ["preflight", "cert.pem"],
    ],
)
def test_bad_against_command_lines_are_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Probe options without --against, an --against that is not a site, no file, no
    --host: one line on stderr and exit 3, before anything is read or probed."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (3, "")
    assert err.startswith("layerscope: ") and err.count("\n") == 1, err


def live(address: str, relation: Relation, label: str = "B", error: str = "") -> LiveLayer:
    """A live edge at ``address`` port 443."""
    return LiveLayer(Role.EDGE, address, 443, relation, "ab" * 32, label, error=error)


def test_the_summary_groups_layers_by_what_they_serve() -> None:
    """Several layers on the same old leaf are named together; every layer on the file's
    leaf: nothing changes; a leaf issued at the same moment is 'another certificate'."""
    two = deploy_summary([live("192.0.2.2", Relation.OLDER), live("192.0.2.3", Relation.OLDER)])
    assert two.startswith(
        "edge 192.0.2.2:443 and edge 192.0.2.3:443 still serve the old certificate B"
    )
    same = deploy_summary([live("192.0.2.2", Relation.SAME, "A")])
    assert same == "every layer already serves this leaf (A): deploying it changes nothing"
    other = deploy_summary([live("2001:db8::1", Relation.OTHER, "C")])
    assert other.startswith("edge [2001:db8::1]:443 serves another certificate C")
    assert deploy_summary([]) == "no live layer to compare with"


def test_a_file_without_a_leaf_is_not_compared(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that holds the key instead of the certificate: the file's findings, and the
    live layers are not compared (no leaf, no watch command)."""
    site = lab.site("stale")
    cert, key = write_pair(tmp_path, site.spec.origin.chain)
    cert.write_bytes(key.read_bytes())
    code, report = as_json(capsys, against_argv(lab, cert, key))
    assert code == 2
    assert report["against"]["layers"] == [] and report["against"]["watch_command"] == ""
    assert "no certificate" in report["against"]["summary"]


def test_a_site_dns_cannot_resolve_is_said_once(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--against a name the lab's resolver does not know: the live layers could not be
    probed (the DNS error), the file is still judged and its exit code kept."""
    site = lab.site("stale")
    cert, key = write_pair(tmp_path, site.spec.origin.chain)
    files = [str(cert), "--key", str(key), "--host", site.host]
    trust = ["--ca-bundle", str(lab.public_roots)]
    live = ["--resolver", lab.dns, "--port", str(lab.port), "--timeout", "2"]
    argv = ["preflight", *files, *trust, "--against", "nowhere.lab.test", *live]
    code, report = as_json(capsys, argv)
    assert code == 0
    against = report["against"]
    assert against["error"] is not None and against["layers"] == []
    assert against["summary"].startswith("the live layers could not be probed: ")
    code, out, _err = run(capsys, argv)
    assert code == 0 and "could not be probed" in out
