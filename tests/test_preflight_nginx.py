"""`layerscope preflight --nginx CONF`, on the server itself: each TLS server block's files are
checked, the block is handshaken where it listens, and a block that serves another leaf than
its file gets `reload_needed`. Without nginx: a small configuration tree whose block listens
where a loopback TLS server (a lab layer, or one started here) serves an older certificate.
With a real nginx (tests/nginx_helpers.py; skipped without one): renew the file on disk, see
`reload_needed`, reload, see it clear."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from layerscope.lab import pki
from layerscope.lab.lab import Lab
from layerscope.lab.pki import Issued

from .nginx_helpers import StartNginx
from .nginx_preflight_helpers import TlsServer, stale_tree, write_tree
from .preflight_helpers import run

NAME = "reload.nginx.test"


def nginx_json(
    capsys: pytest.CaptureFixture[str], conf: Path, *extra: str
) -> tuple[int, list[dict[str, Any]], str]:
    """Exit code, the sites and stderr of ``preflight --nginx CONF --json``."""
    code, out, err = run(capsys, ["preflight", "--nginx", str(conf), *extra, "--json"])
    assert out, err
    return code, json.loads(out)["sites"], err


def codes(site: dict[str, Any]) -> set[tuple[str, str]]:
    """The (code, severity) pairs of one site."""
    return {(f["code"], f["severity"]) for f in site["findings"]}


def test_a_block_serving_an_older_certificate_than_its_file_needs_a_reload(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lab's stale edge serves the previous certificate; the block's files hold the
    renewed one: reload_needed (a warning: the served one expires in 30 days), with the file,
    both fingerprints, the file's modification time, where the handshake went and the
    reload command; the files themselves are fine."""
    conf = stale_tree(lab, tmp_path)
    site = lab.site("stale")
    roots = ["--ca-bundle", str(lab.public_roots)]
    code, out, err = run(capsys, ["preflight", "--nginx", str(conf), *roots])
    assert (code, err) == (1, "")
    assert "reload_needed" in out and "nginx -t && systemctl reload nginx" in out
    assert f"{site.edges[2]}:{lab.port} (SNI {site.host})" in out

    code, (report,), _err = nginx_json(capsys, conf, *roots)
    assert code == 1
    assert codes(report) == {("reload_needed", "warning")}
    (finding,) = report["findings"]
    ev = finding["evidence"]
    file = str(tmp_path / "fullchain.pem")
    renewed, previous = site.spec.origin.chain[0], site.spec.edges[2].chain[0]
    assert (ev["file"], ev["file_sha256"], ev["served_sha256"]) == (
        file,
        sha(renewed),
        sha(previous),
    )
    mtime = dt.datetime.fromtimestamp(os.stat(file).st_mtime, dt.UTC)
    assert ev["file_modified"] == mtime.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (ev["address"], ev["port"], ev["sni"]) == (site.edges[2], lab.port, site.host)
    assert (ev["config"], ev["block"]) == (str(conf), f"{conf}:3")
    commands = [c for step in finding["remediation"]["steps"] for c in step["commands"]]
    assert "nginx -t && systemctl reload nginx" in commands
    assert f"layerscope preflight --nginx {conf} --ca-bundle {lab.public_roots}" in commands
    nginx = report["nginx"]
    assert nginx["server_names"] == [site.host, f"www.{site.host}"]
    assert nginx["served"]["sha256"] == sha(previous) and nginx["serves_file_leaf"] is False
    assert report["files"]["names"] == [site.host, f"www.{site.host}"]


def test_a_block_listening_on_all_addresses_is_handshaken_on_loopback(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``listen PORT ssl`` is handshaken on 127.0.0.1; the server (the stdlib's ssl here)
    still serves a certificate that expires in 2 days while the file holds its renewal:
    reload_needed is critical (within --crit-days). Once it serves the file's leaf, nothing."""
    assert lab.pki is not None
    now = dt.datetime.now(dt.UTC)
    old = pki.leaf([NAME], now=now, parent=lab.pki.i1, days_before=88, days_after=2)
    new = pki.leaf([NAME], now=now, parent=lab.pki.i1, days_before=0, days_after=90)
    roots = ["--ca-bundle", str(lab.public_roots)]
    with TlsServer((old, lab.pki.i1), tmp_path / "server") as server:
        conf = write_tree(tmp_path / "conf", str(server.port), NAME, (new, lab.pki.i1))
        code, (report,), err = nginx_json(capsys, conf, *roots)
        assert (code, err) == (2, "")
        assert codes(report) == {("reload_needed", "critical")}
        served = report["nginx"]["served"]
        handshake = (served["address"], served["port"], served["sni"])
        assert handshake == ("127.0.0.1", server.port, NAME)
    with TlsServer((new, lab.pki.i1), tmp_path / "server") as server:
        conf = write_tree(tmp_path / "conf", str(server.port), NAME, (new, lab.pki.i1))
        code, (report,), _err = nginx_json(capsys, conf, *roots)
        assert (code, report["findings"], report["nginx"]["serves_file_leaf"]) == (0, [], True)


def test_missing_files_and_unreadable_configuration_are_named(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A certificate file the block names that does not exist is a critical
    not_a_certificate naming it (no traceback); an include that does not exist is reported
    with the block, and the exit code is 3: the configuration could not be read entirely."""
    site = lab.site("stale")
    conf = write_tree(
        tmp_path,
        f"{site.edges[0]}:{lab.port}",
        site.host,
        None,
        cert="missing.pem",
        extra="    include conf.d/absent.conf;\n",
    )
    code, (report,), err = nginx_json(capsys, conf, "--ca-bundle", str(lab.public_roots))
    assert code == 3
    assert "could not be read entirely" in err and "absent.conf" in err
    assert ("not_a_certificate", "critical") in codes(report)
    (finding,) = [f for f in report["findings"] if f["code"] == "not_a_certificate"]
    assert finding["evidence"]["problem"] == "missing"
    assert finding["evidence"]["file"] == str(tmp_path / "missing.pem")
    assert report["files"]["certificate"]["error"]
    key = [f for f in report["findings"] if f["code"] == "key_mismatch"]
    assert [f["evidence"]["problem"] for f in key] == ["missing"]
    (problem,) = report["nginx"]["problems"]
    assert problem["kind"] == "missing_file" and problem["line"] == 9
    assert "Traceback" not in err


def test_bad_command_lines_and_a_missing_configuration_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--nginx with a certificate file, --host or --against; a configuration that does not
    exist: one line on stderr, exit 3, nothing on stdout."""
    conf = tmp_path / "nginx.conf"
    for argv in (
        ["preflight", "--nginx", str(conf), "--host", "a.test"],
        ["preflight", "cert.pem", "--nginx", str(conf)],
        ["preflight", "--nginx", str(conf), "--against", "a.test"],
        ["preflight", "--nginx", str(conf), "--origin", "192.0.2.1"],
        ["preflight", "--nginx", str(conf)],
    ):
        code, out, err = run(capsys, argv)
        assert (code, out) == (3, ""), argv
        assert err.startswith("layerscope: ") and err.count("\n") == 1, err


def sha(issued: Issued) -> str:
    """Lower-case hex SHA-256 of a certificate."""
    return hashlib.sha256(issued.der).hexdigest()


def test_real_nginx_renewed_on_disk_needs_a_reload_until_it_is_reloaded(
    nginx: StartNginx, lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real nginx serving its files: nothing to say; the renewal written to disk (nginx
    still serves the old leaf): reload_needed; after ``nginx -s reload``: nothing again."""
    assert lab.pki is not None
    now = dt.datetime.now(dt.UTC)
    old = pki.leaf([NAME], now=now, parent=lab.pki.i1, days_before=60, days_after=30)
    new = pki.leaf([NAME], now=now, parent=lab.pki.i1, days_before=1, days_after=89)
    inter = lab.pki.i1
    server = nginx(old.pem + inter.pem, old.key_pem, server_name=NAME)
    roots = ["--ca-bundle", str(lab.public_roots)]

    code, (report,), _err = nginx_json(capsys, server.conf, *roots)
    assert (code, report["findings"]) == (0, [])
    assert report["nginx"]["served"]["port"] == server.port

    server.write(new.pem + inter.pem, new.key_pem)  # the renewal, on disk only
    code, (report,), _err = nginx_json(capsys, server.conf, *roots)
    assert code == 1
    assert codes(report) == {("reload_needed", "warning")}
    ev = report["findings"][0]["evidence"]
    assert (ev["file_sha256"], ev["served_sha256"]) == (sha(new), sha(old))

    server.reload()
    code, (report,), _err = nginx_json(capsys, server.conf, *roots)
    assert (code, report["findings"]) == (0, [])
    assert report["nginx"]["served"]["sha256"] == sha(new)


@pytest.mark.parametrize(("euid", "severity"), [(0, "critical"), (1000, "warning")])
def test_a_file_that_cannot_be_read_is_critical_for_root_and_a_warning_otherwise(
    lab: Lab,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    euid: int,
    severity: str,
) -> None:
    """A key "file" that cannot be read (a directory): nginx, as root, could not read it
    either when layerscope runs as root (critical); otherwise layerscope says to run it as
    root to check it (a warning), and still checks the certificate."""
    site = lab.site("stale")
    conf = write_tree(tmp_path, f"{site.edges[0]}:{lab.port}", site.host, site.spec.origin.chain)
    (tmp_path / "privkey.pem").unlink()
    (tmp_path / "privkey.pem").mkdir()
    monkeypatch.setattr(os, "geteuid", lambda: euid)
    _code, (report,), _err = nginx_json(capsys, conf, "--ca-bundle", str(lab.public_roots))
    (finding,) = report["findings"]
    assert (finding["code"], finding["severity"]) == ("key_mismatch", severity)
    assert finding["evidence"]["problem"] == "unreadable"
    assert ("run layerscope as root" in finding["summary"]) == (euid != 0)
    assert report["files"]["key"]["error"]
    assert report["nginx"]["serves_file_leaf"] is True


def test_a_block_with_an_ecdsa_and_an_rsa_pair_compares_each_with_its_type(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two pairs in one block (nginx picks one per handshake): each is compared with a
    handshake that asks for its type. The lab's dual-stale-rsa edge 3 serves the renewed
    ECDSA certificate and the previous RSA one, the files hold both renewed ones: only the
    RSA pair needs a reload."""
    site = lab.site("dual-stale-rsa")
    edge3 = site.spec.edges[2]
    renewed_ecdsa, renewed_rsa = site.spec.origin.chain, site.spec.origin.second_chain
    for name, chain in (("ecdsa", renewed_ecdsa), ("rsa", renewed_rsa)):
        (tmp_path / f"{name}.pem").write_bytes(b"".join(c.pem for c in chain))
        (tmp_path / f"{name}.key").write_bytes(chain[0].key_pem)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        "events { worker_connections 16; }\nhttp {\n    server {\n"
        f"        listen {site.edges[2]}:{lab.port} ssl;\n        server_name {site.host};\n"
        "        ssl_certificate ecdsa.pem;\n        ssl_certificate_key ecdsa.key;\n"
        "        ssl_certificate rsa.pem;\n        ssl_certificate_key rsa.key;\n    }\n}\n"
    )
    code, reports, _err = nginx_json(capsys, conf, "--ca-bundle", str(lab.public_roots))
    assert code == 1 and len(reports) == 2
    by_file = {Path(r["nginx"]["certificate"]).name: r for r in reports}
    assert by_file["ecdsa.pem"]["findings"] == []
    assert by_file["ecdsa.pem"]["nginx"]["serves_file_leaf"] is True
    (reload,) = by_file["rsa.pem"]["findings"]
    assert reload["code"] == "reload_needed"
    assert reload["evidence"]["served_sha256"] == sha(edge3.second_chain[0])
    assert reload["evidence"]["file_sha256"] == sha(renewed_rsa[0])
