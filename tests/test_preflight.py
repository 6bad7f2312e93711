"""`layerscope preflight`: each broken file gets its one clear finding and fix, through the
CLI (text, exit codes) and its JSON; a good file passes with exit 0. The files come from the
lab (layerscope/lab/files.py); the only network use is the lab's own AIA repository on
loopback. The fixes (-o, the printed commands) are tests/test_preflight_fixes.py."""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path

import pytest

from layerscope.lab import pki
from layerscope.lab.files import ALSO, HOST, FileCases
from layerscope.lab.lab import Lab

from .preflight_helpers import argv, as_json, lab_cases, run

# case -> (exit code, {(code, severity)}): exactly these findings, and no others
EXPECTED: dict[str, tuple[int, set[tuple[str, str]]]] = {
    "good": (0, set()),
    "crlf": (0, set()),
    "rsa": (0, set()),
    "leaf-only": (2, {("incomplete_chain", "critical")}),
    "leaf-only-aia": (2, {("incomplete_chain", "critical")}),
    "reversed": (2, {("wrong_order", "critical")}),
    "key-in-cert": (2, {("not_a_certificate", "critical")}),
    "key-beside": (1, {("not_a_certificate", "warning")}),
    "mismatched-key": (2, {("key_mismatch", "critical")}),
    "ed25519-key": (2, {("key_mismatch", "critical")}),
    "der": (2, {("not_a_certificate", "critical"), ("incomplete_chain", "critical")}),
    "trailing-garbage": (1, {("not_a_certificate", "warning")}),
    "garbage-between": (1, {("not_a_certificate", "warning")}),
    "empty": (2, {("not_a_certificate", "critical")}),
    "truncated": (2, {("not_a_certificate", "critical"), ("incomplete_chain", "critical")}),
    "bom": (1, {("not_a_certificate", "warning")}),
    "root-in-chain": (0, {("root_in_chain", "info")}),
    "duplicate": (1, {("unrelated_cert_in_chain", "warning")}),
    "unrelated": (1, {("unrelated_cert_in_chain", "warning")}),
    "encrypted-key": (1, {("key_mismatch", "warning")}),
    "key-is-cert": (2, {("key_mismatch", "critical")}),
    "csr": (2, {("not_a_certificate", "critical")}),
    "pkcs7": (2, {("not_a_certificate", "critical")}),
    "expired": (2, {("expired", "critical")}),
    "expiring": (2, {("expiring_soon", "critical")}),
    "not-yet-valid": (2, {("not_yet_valid", "critical")}),
    "wrong-name": (2, {("hostname_mismatch", "critical")}),
    "weak": (2, {("weak_signature", "critical"), ("weak_key", "warning")}),
    "self-signed": (2, {("self_signed", "critical")}),
}


@pytest.fixture(scope="module")
def cases(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> FileCases:
    """Every case's files, issued by the running lab's CAs."""
    return lab_cases(lab, tmp_path_factory.mktemp("preflight"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_case_exits_with_its_code_in_text(
    cases: FileCases, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The text report's exit code: 0 fine, 1 warnings, 2 would break clients; the file is
    named as the one layer, with its findings' codes."""
    code, out, err = run(capsys, argv(cases, name))
    expected, findings = EXPECTED[name]
    assert code == expected, out + err
    assert err == ""
    assert "Traceback" not in out
    assert f"file {cases.case(name).certificate}" in out or not findings
    for finding_code, _severity in findings:
        assert finding_code in out
    if not findings:
        assert "fine to deploy" in out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_case_has_exactly_its_findings_in_json(
    cases: FileCases, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON: exactly the expected (code, severity) pairs, on the file's layer, each with
    remediation to do in the file before deploying (no server to connect to, no reload)."""
    code, site = as_json(capsys, argv(cases, name))
    expected, findings = EXPECTED[name]
    assert code == expected == site["exit_code"]
    assert {(f["code"], f["severity"]) for f in site["findings"]} == findings
    path = str(cases.case(name).certificate)
    (layer,) = site["layers"]
    assert (layer["role"], layer["address"], layer["port"]) == ("file", path, 0)
    assert site["files"]["certificate"]["path"] == path
    assert site["files"]["names"] == [HOST]
    for finding in site["findings"]:
        assert finding["layers"] == [path]
        rem = finding["remediation"]
        commands = [c for s in rem["steps"] for c in s["commands"]] + [rem["reproduce"]]
        assert not any("s_client" in c or "reload" in c for c in commands), commands
        assert {s["where"] for s in rem["steps"]} <= {"file", "client", "verify"}
        again = f"layerscope preflight {shlex.quote(path)} --key "
        assert any(c.startswith(again) for c in rem["steps"][-1]["commands"])


def test_good_file_passes_for_every_name_it_covers(
    cases: FileCases, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two --host names the certificate covers: exit 0; a third it does not: one
    hostname_mismatch for that name only."""
    code, _out, _err = run(capsys, argv(cases, "good", hosts=(HOST, ALSO)))
    assert code == 0
    code, site = as_json(capsys, argv(cases, "good", hosts=(HOST, ALSO, "shop.preflight.test")))
    assert code == 2
    (finding,) = site["findings"]
    assert finding["code"] == "hostname_mismatch"
    assert finding["evidence"]["host"] == "shop.preflight.test"
    assert site["files"]["names"] == [HOST, ALSO, "shop.preflight.test"]


def test_without_key_the_certificate_alone_is_judged(
    cases: FileCases, capsys: pytest.CaptureFixture[str]
) -> None:
    """--key is optional: a mismatched key is not looked at when not given."""
    args = [a for a in argv(cases, "mismatched-key") if a != "--key"]
    args.remove(str(cases.case("mismatched-key").key))
    code, site = as_json(capsys, args)
    assert (code, site["findings"], site["files"]["key"]) == (0, [], None)


def test_thresholds_and_at_are_checks(
    cases: FileCases, lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """--crit-days and --warn-days judge expiry as check does; --at moves the clock."""
    code, site = as_json(capsys, argv(cases, "expiring", "--crit-days", "1"))
    assert code == 1
    assert [(f["code"], f["severity"]) for f in site["findings"]] == [("expiring_soon", "warning")]
    later = (lab.now + dt.timedelta(days=100)).isoformat()  # the leaf only: 80 days
    code, site = as_json(capsys, argv(cases, "good", "--at", later))
    assert code == 2
    assert [f["code"] for f in site["findings"]] == ["expired"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["/nonexistent/fullchain.pem"], "cannot read /nonexistent/fullchain.pem"),
        (["{tmp}"], "cannot read"),
        (["{good}", "--key", "/nonexistent/key.pem"], "cannot read /nonexistent/key.pem"),
        (["{good}", "--ca-bundle", "/nonexistent/roots.pem"], "/nonexistent/roots.pem"),
        (["{good}", "--at", "yesterday"], "invalid --at"),
    ],
)
def test_unreadable_input_or_bad_options_exit_3_in_one_line(
    cases: FileCases,
    tmp_path: Path,
    args: list[str],
    said: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A file that cannot be read, a bad trust store or option: one line on stderr, exit 3,
    nothing on stdout."""
    good = str(cases.case("good").certificate)
    filled = [a.format(tmp=tmp_path, good=good) for a in args]
    code, out, err = run(capsys, ["preflight", *filled, "--host", HOST])
    assert code == 3
    assert out == ""
    assert said in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_host_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    """preflight FULLCHAIN without --host is bad input (exit 3, as every bad option; only
    --nginx takes the names from the configuration), said before anything is read."""
    code, out, err = run(capsys, ["preflight", "fullchain.pem"])
    assert (code, out) == (3, "")
    assert "--host" in err and len(err.strip().splitlines()) == 1


def test_der_is_said_and_read_for_the_analysis(
    cases: FileCases, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DER file: not_a_certificate says DER and how to convert it; its certificate is in
    the layer's chain and judged (here: the intermediate is missing)."""
    _code, site = as_json(capsys, argv(cases, "der"))
    (layer,) = site["layers"]
    assert len(layer["chain"]) == 1 and site["files"]["certificate"]["format"] == "DER"
    finding = next(f for f in site["findings"] if f["code"] == "not_a_certificate")
    assert finding["evidence"]["problem"] == "der"
    commands = [c for s in finding["remediation"]["steps"] for c in s["commands"]]
    assert any(c.startswith("openssl x509 -inform DER -in ") for c in commands)


def line_of(path: Path, marker: str, last: bool = False) -> int:
    """The 1-based number of the (first or last) line of ``path`` that contains ``marker``."""
    lines = path.read_bytes().decode("latin-1").splitlines()
    found = [i for i, line in enumerate(lines, start=1) if marker in line]
    return found[-1] if last else found[0]


@pytest.mark.parametrize(
    ("name", "problem", "marker"),
    [
        ("empty", "empty", None),
        ("key-in-cert", "private_key", "BEGIN PRIVATE KEY"),
        ("csr", "csr", "BEGIN CERTIFICATE REQUEST"),
        ("truncated", "truncated", "-----BEGIN"),
        ("trailing-garbage", "text_outside_blocks", "user@host"),
        ("garbage-between", "text_outside_blocks", "Intermediate certificate:"),
        ("bom", "byte_order_mark", "BEGIN CERTIFICATE"),
        ("key-beside", "key_beside", "BEGIN PRIVATE KEY"),
        ("pkcs7", "pkcs7", "BEGIN PKCS7"),
    ],
)
def test_not_a_certificate_says_what_and_where(
    cases: FileCases,
    name: str,
    problem: str,
    marker: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One finding per problem, with its kind and the line it is about."""
    _code, site = as_json(capsys, argv(cases, name))
    (finding,) = [f for f in site["findings"] if f["code"] == "not_a_certificate"]
    assert finding["evidence"]["problem"] == problem
    path = cases.case(name).certificate
    line = line_of(path, marker, last=name == "truncated") if marker else None
    assert finding["evidence"].get("line") == line
    assert finding["summary"] == finding["evidence"]["message"]


def test_markdown_shows_what_was_read(cases: FileCases, capsys: pytest.CaptureFixture[str]) -> None:
    """Markdown: the file's header (read, key, leaf) instead of DNS, and the file's row."""
    code, out, _err = run(capsys, [*argv(cases, "mismatched-key"), "--markdown"])
    assert code == 2
    assert "- **Read:** " in out and "- **Key:** " in out and "DNS" not in out
    assert "### File" in out and "| CRIT | file |" in out and "key\\_mismatch" in out


EVIL = "[bold red]x[/] \x1b]0;pwned\x07\x1b[2J\u202e"


def test_untrusted_text_from_files_is_harmless(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A certificate whose names carry escapes and markup, in a file whose name has markup:
    text and Markdown show them escaped or literal; JSON keeps them exact."""
    assert lab.pki is not None
    evil = pki.leaf([HOST], now=lab.now, parent=lab.pki.i1, cn=EVIL)
    cert = tmp_path / "[bold]chain.pem"
    cert.write_bytes(evil.pem + lab.pki.i1.pem + b"\x1b[31mjunk\n")
    args = ["preflight", str(cert), "--host", HOST, "--ca-bundle", str(lab.public_roots)]
    for fmt in ([], ["--markdown"]):
        code, out, _err = run(capsys, [*args, *fmt])
        assert code == 1  # the text after the blocks
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "[bold]chain.pem" in out.replace("\\", "")
    code, raw, _err = run(capsys, [*args, "--json"])
    site = json.loads(raw)["sites"][0]
    assert site["layers"][0]["chain"][0]["common_name"] == EVIL


def test_json_fields_of_a_preflight_are_documented(
    cases: FileCases, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/json-schema.md names every key of the files object."""
    documented = (Path(__file__).parents[1] / "docs" / "json-schema.md").read_text()
    _code, site = as_json(capsys, argv(cases, "good"))
    keys = set(site["files"]) | set(site["files"]["certificate"]) | {"files"}
    assert sorted(k for k in keys if f"`{k}`" not in documented) == []
