"""The command line as an on-call engineer types it (issue #11, items 15-20): ports written
the curl way, typos that are not host names, bad input in one line, closed pipes, help
that lists what each command honours, and a fix-chain that never clobbers a file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands import check as check_command
from layerscope.commands.config import load_config, requests_from_args
from layerscope.commands.main import build_parser, looks_like_host, main
from layerscope.diagnose.verdict import reference_note
from layerscope.lab.lab import Lab
from layerscope.model.options import CheckOptions, Endpoint


def trust(lab: Lab) -> list[str]:
    """Options that make the lab's roots the trust store."""
    return ["--ca-bundle", str(lab.public_roots), "--alt-ca-bundle", "none"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; returns exit code, stdout and stderr."""
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def site_json(out: str) -> dict[str, Any]:
    """The one site of a ``--json`` output."""
    sites: list[dict[str, Any]] = json.loads(out)["sites"]
    assert len(sites) == 1
    return sites[0]


def one_line(err: str) -> str:
    """stderr holds exactly one line, starting with ``layerscope:``; that line."""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("layerscope: "), err
    assert "Traceback" not in err
    return err


@pytest.fixture
def dns_trap() -> Iterator[socket.socket]:
    """A UDP socket on loopback standing in for a resolver: a lookup sent to it is seen."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    yield sock
    sock.close()


def trap_address(sock: socket.socket) -> str:
    """``ip:port`` of the trap, as ``--resolver`` takes it."""
    host, port = sock.getsockname()
    return f"{host}:{port}"


def asked(sock: socket.socket) -> bool:
    """Did anything send the trap a query?"""
    try:
        sock.recv(4096)
    except BlockingIOError:
        return False
    return True


# --- 15: ports the curl way ------------------------------------------------------------


def test_edge_with_a_port_is_probed_at_that_port(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--edge IP:PORT`` probes that edge at PORT while the site keeps its port (443 here,
    where nothing listens); ``--edge IP`` is still probed at --port; DNS is not asked."""
    site = lab.site("healthy")
    code, out, _err = run(
        [
            "check",
            site.host,
            "--edge",
            f"{site.edges[0]}:{lab.port}",
            "--edge",
            f"{site.edges[1]}:{lab.port}",
            "--no-http",
            "--json",
            *trust(lab),
        ],
        capsys,
    )
    data = site_json(out)
    layers = [(ly["address"], ly["port"], ly["source"]) for ly in data["layers"]]
    assert layers == [(e, lab.port, "--edge") for e in site.edges[:2]]
    assert data["port"] == 443
    assert data["discovery"]["skipped"] is True
    assert [a["address"] for a in data["discovery"]["addresses"]] == list(site.edges[:2])
    assert code == 0
    # an edge without a port: at --port, as before
    alone = ["check", site.host, "--port", str(lab.port), "--edge", site.edges[2], "--json"]
    code, out, _err = run([*alone, *trust(lab)], capsys)
    assert [(ly["address"], ly["port"]) for ly in site_json(out)["layers"]] == [
        (site.edges[2], lab.port)
    ]
    assert code == 0


def test_edge_takes_bracketed_ipv6_with_a_port(capsys: pytest.CaptureFixture[str]) -> None:
    """``--edge [::1]:PORT`` is the address ::1 at PORT (nothing listens: the layer says so)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]  # a port nothing listens on while the test runs
    code, out, _err = run(
        ["check", "v6.lab.test", "--edge", f"[::1]:{free}", "--timeout", "2", "--json"],
        capsys,
    )
    (layer,) = site_json(out)["layers"]
    assert (layer["address"], layer["port"], layer["source"]) == ("::1", free, "--edge")
    assert code in (2, 3)  # the edge could not be reached


EDGES = ["192.0.2.1", "192.0.2.1:443", "192.0.2.1:8443", "2001:db8::1", "[2001:db8::1]:443"]


def test_same_edge_at_two_ports_is_two_layers() -> None:
    """The same address at two ports gives two layers; the same one twice gives one."""
    options = requests_from_args(
        build_parser().parse_args(
            ["check", "a.test", *[f"--edge={e}" for e in EDGES]],
        )
    )[0].options
    import asyncio

    from layerscope.engine.targets import find_layers

    async def no_dns(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("DNS asked with --edge")

    _discovery, targets = asyncio.run(find_layers("a.test", options, no_dns))
    assert [(t.address, t.port) for t in targets] == [
        ("192.0.2.1", 443),
        ("192.0.2.1", 8443),
        ("2001:db8::1", 443),
    ]


def test_plain_address_strings_are_still_edges() -> None:
    """Code that builds CheckOptions with address strings (before edges had ports) works."""
    options = CheckOptions(edges=("192.0.2.1",))  # type: ignore[arg-type]
    assert options.edges == (Endpoint("192.0.2.1"),)


def test_check_host_port_means_that_port(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """``check HOST:PORT`` inspects HOST at PORT: the edges DNS gives, at that port."""
    site = lab.site("healthy")
    code, out, _err = run(
        ["check", f"{site.host}:{lab.port}", "--resolver", lab.dns, "--json", *trust(lab)],
        capsys,
    )
    data = site_json(out)
    assert (data["host"], data["port"]) == (site.host, lab.port)
    assert {(ly["address"], ly["port"]) for ly in data["layers"]} == {
        (e, lab.port) for e in site.edges
    }
    assert code == 0


@pytest.mark.parametrize(
    ("typed", "host", "port"),
    [
        ("www.example.test:8443", "www.example.test", 8443),
        ("[2001:db8::1]:8443", "2001:db8::1", 8443),
        ("2001:db8::1", "2001:db8::1", 443),
        ("[2001:db8::1]", "2001:db8::1", 443),
        ("192.0.2.1:8443", "192.0.2.1", 8443),
        ("www.example.test", "www.example.test", 443),
    ],
)
def test_host_port_forms(typed: str, host: str, port: int) -> None:
    """HOST:PORT, [IPv6]:PORT, a bare IPv6 address (no port: it has colons of its own)."""
    (request,) = requests_from_args(build_parser().parse_args(["check", typed]))
    assert (request.host, request.options.port) == (host, port)


def test_host_port_and_another_port_disagree(capsys: pytest.CaptureFixture[str]) -> None:
    """``HOST:8443 --port 443`` is refused (which one?); the same port twice is fine."""
    code, out, err = run(["check", "www.example.test:8443", "--port", "443"], capsys)
    assert code == 3 and out == ""
    assert "www.example.test:8443 and port 443 disagree" in one_line(err)
    ns = build_parser().parse_args(["check", "a.test:8443", "--port", "8443"])
    assert requests_from_args(ns)[0].options.port == 8443


def test_config_host_may_carry_its_port(tmp_path: Path) -> None:
    """A config's ``host = "a.test:8443"`` is a.test at 8443, over a [defaults] port."""
    path = tmp_path / "sites.toml"
    path.write_text('[defaults]\nport = 9443\n[[site]]\nhost = "a.test:8443"\n')
    (site,) = load_config(path, {})
    assert (site.host, site.options.port) == ("a.test", 8443)


@pytest.mark.parametrize(
    ("origin", "hint"),
    [
        ("https://origin.example.test/", ": origin.example.test"),
        ("https://origin.example.test:8443/x", ": origin.example.test:8443"),
        ("http://[2001:db8::7]:8443/", ": [2001:db8::7]:8443"),
    ],
)
def test_origin_url_gets_a_one_line_hint(
    origin: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--origin https://host/``: not "port must be 1-65535" but what to give instead."""
    code, out, err = run(["check", "www.example.test", "--origin", origin], capsys)
    assert code == 3 and out == ""
    line = one_line(err)
    assert "not a URL, give HOST[:PORT]" in line and line.rstrip().endswith(hint)
    assert "port must be" not in line


def test_curl_resolve_gets_a_one_line_hint(
    dns_trap: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    """curl's ``--resolve host:443:addr`` says how layerscope spells it (the site probed at
    that address with --edge), before anything is looked up; it never becomes a resolver."""
    with pytest.raises(SystemExit) as exc:
        main(["check", "www.example.test", "--resolve", "www.example.test:443:192.0.2.7"])
    assert exc.value.code == 3
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert "layerscope check www.example.test --edge 192.0.2.7" in line
    assert captured.out == ""
    with pytest.raises(SystemExit):
        main(["check", "www.example.test", "--resolve", "www.example.test:8443:[2001:db8::7]"])
    assert "check www.example.test:8443 --edge 2001:db8::7 " in capsys.readouterr().err
    # anything else is what --resolve always meant by abbreviation: a resolver
    ns = build_parser().parse_args(
        ["check", "a.test", "--resolve", trap_address(dns_trap), "--resolver", "192.0.2.53"]
    )
    assert requests_from_args(ns)[0].options.resolvers == (
        Endpoint(*dns_trap.getsockname()),
        Endpoint("192.0.2.53"),
    )


# --- 16: an unknown subcommand is not a host --------------------------------------------


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["chek", "www.example.test"], "did you mean 'layerscope check'?"),
        (["wacth", "www.example.test"], "did you mean 'layerscope watch'?"),
        (["fix", "www.example.test", "-o", "x.pem"], "did you mean 'layerscope fix-chain'?"),
        (["Demo"], "did you mean 'layerscope demo'?"),
        (["localhost"], "a host without one: layerscope check localhost"),
        (["-4", "chek"], "did you mean 'layerscope check'?"),
    ],
)
def test_unknown_command_is_an_error_not_a_lookup(
    argv: list[str], said: str, dns_trap: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    """``layerscope chek host``: one line with a "did you mean", exit 3, and no DNS query
    for a host named "chek" (the resolver given never hears from us)."""
    code, out, err = run([*argv, "--resolver", trap_address(dns_trap), "--timeout", "1"], capsys)
    assert code == 3 and out == ""
    assert said in one_line(err)
    time.sleep(0.2)
    assert not asked(dns_trap)


@pytest.mark.parametrize(
    ("word", "host"),
    [
        ("www.example.test", True),
        ("www.example.test:8443", True),
        ("192.0.2.1", True),
        ("[2001:db8::1]:443", True),
        ("2001:db8::1", True),
        ("https://www.example.test/", True),  # refused later, with a hint
        ("chek", False),
        ("localhost", False),
        ("fix_chain", False),
    ],
)
def test_what_looks_like_a_host(word: str, host: bool) -> None:
    """A bare word opens the inspector only with a dot, or as an IP (with or without port)."""
    assert looks_like_host(word) is host


def test_a_host_with_a_dot_opens_the_inspector_path(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """``layerscope HOST`` (no terminal here) prints what check prints."""
    code, out, _err = run([*lab.check_args("healthy"), "--json"], capsys)
    assert site_json(out)["host"] == "healthy.lab.test"
    assert code == 0


def test_check_still_takes_a_name_without_a_dot(
    dns_trap: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    """``layerscope check NAME`` is explicit: the name is looked up (the trap hears it)."""
    code, _out, _err = run(
        ["check", "intranet", "--resolver", trap_address(dns_trap), "--timeout", "0.5"], capsys
    )
    assert code == 3
    assert asked(dns_trap)


# --- 17: bad input is one line and exit 3 ----------------------------------------------


@pytest.fixture
def garbage_pem(tmp_path: Path) -> Path:
    """A file that is no PEM bundle."""
    path = tmp_path / "garbage.pem"
    path.write_bytes(b"\x00\x01 not a certificate")
    return path


@pytest.mark.parametrize("fmt", [[], ["--json"], ["--markdown"], ["--jsonl"]])
@pytest.mark.parametrize("edge", [[], ["--edge", "127.0.0.1"]])
def test_unreadable_ca_bundle_is_one_line_and_exit_3(
    fmt: list[str],
    edge: list[str],
    tmp_path: Path,
    garbage_pem: Path,
    dns_trap: socket.socket,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A missing or non-PEM --ca-bundle: one line on stderr, exit 3, no report (so never
    "DNS: not used (edges given by hand)"), nothing probed or looked up."""
    resolver = ["--resolver", trap_address(dns_trap)]
    for bundle, said in ((tmp_path / "nope.pem", "cannot read"), (garbage_pem, "no PEM")):
        argv = ["check", "www.example.test", *resolver, *edge, "--ca-bundle", str(bundle), *fmt]
        code, out, err = run(argv, capsys)
        assert code == 3 and out == ""
        assert said in one_line(err) and str(bundle) in err
    assert not asked(dns_trap)


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("bad host!.example", "invalid host 'bad host!.example'"),
        ("a..b", "invalid host 'a..b'"),
        ("https://www.example.test/", "not a URL, give HOST[:PORT]: www.example.test"),
        ("www.example.test:0", "port must be 1-65535"),
    ],
)
@pytest.mark.parametrize("command", [["check"], []])
def test_invalid_host_or_url_is_one_line_and_exit_3(
    command: list[str], host: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invalid host or a URL, for check and ``layerscope HOST`` alike: one line, exit 3,
    no report."""
    code, out, err = run([*command, host], capsys)
    assert code == 3 and out == ""
    assert said in one_line(err)
    assert "DNS: not used" not in out + err


def test_the_inspector_refuses_bad_input_before_it_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal, ``layerscope HOST --ca-bundle MISSING`` says so in one line and exits
    3 instead of opening the inspector on a site that cannot be checked; so does a config
    whose site has an invalid name."""

    def no_tui(*_args: Any, **_kwargs: Any) -> int:
        raise AssertionError("the inspector opened")

    monkeypatch.setattr(check_command, "interactive", lambda: True)
    monkeypatch.setattr(check_command, "run_tui", no_tui)
    missing = tmp_path / "nope.pem"
    code, out, err = run(["www.example.test", "--ca-bundle", str(missing)], capsys)
    assert code == 3 and out == ""
    assert "cannot read" in one_line(err)
    config = tmp_path / "sites.toml"
    config.write_text('[[site]]\nhost = "ok.example.test"\n[[site]]\nhost = "bad name!"\n')
    code, out, err = run(["--config", str(config)], capsys)
    assert code == 3
    assert f"{config}: site bad name!: invalid host" in one_line(err)


# --- 18: closed pipes and help ---------------------------------------------------------


def test_closed_pipe_is_a_quiet_exit(lab: Lab) -> None:
    """``check --jsonl | head -1``: the reader takes one line and leaves; layerscope stops
    without a traceback or any message, soon, with exit 3 (the other sites never done)."""
    env = {**os.environ, "NO_COLOR": "1"}
    producer = subprocess.Popen(
        [sys.executable, "-m", "layerscope", "check", "--config", str(lab.config), "--jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert producer.stdout is not None and producer.stderr is not None
    reader = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.readline())"],
        stdin=producer.stdout,
        stdout=subprocess.PIPE,
    )
    producer.stdout.close()  # only the reader holds the pipe open: when it leaves, it closes
    try:
        line, _ = reader.communicate(timeout=60)
        code = producer.wait(timeout=60)
        err = producer.stderr.read().decode()
    finally:
        producer.kill()
        reader.kill()
        producer.stderr.close()
    assert reader.returncode == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert err == ""
    assert json.loads(line)["schema_version"] == 1, line[:200]
    assert line.endswith(b"\n")  # a whole line, then the reader left
    assert code == 3


def test_fix_chain_refuses_an_output_format_it_does_not_print(
    tmp_path: Path, dns_trap: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    """``fix-chain --json`` (not in its --help) is one clear line and exit 3, before any
    lookup; ``fix-chain --config`` is not an option of it at all."""
    out_file = tmp_path / "fullchain.pem"
    resolver = ["--resolver", trap_address(dns_trap)]
    code, out, err = run(
        ["fix-chain", "www.example.test", "-o", str(out_file), "--json", *resolver], capsys
    )
    assert code == 3 and out == ""
    assert "no --json" in one_line(err)
    assert not asked(dns_trap) and not out_file.exists()
    with pytest.raises(SystemExit) as exc:
        main(["fix-chain", "www.example.test", "-o", str(out_file), "--config", "x.toml"])
    assert exc.value.code == 3
    assert "unrecognized arguments: --config" in capsys.readouterr().err


def test_fix_chain_and_watch_still_accept_a_check_command_line(tmp_path: Path) -> None:
    """The options only check honours (--warn-days...) are not in their --help but are
    accepted, so a check command line can be reused with another command."""
    reused = ["a.test", "--warn-days", "30", "--crit-days", "3", "--alt-ca-bundle", "none"]
    for command in (["fix-chain", "-o", str(tmp_path / "x.pem")], ["watch"]):
        ns = build_parser().parse_args([command[0], *reused, *command[1:]])
        (request,) = requests_from_args(ns)
        assert (request.options.warn_days, request.options.alt_ca_bundle) == (30, "none")


# --- 19: the reference among hand-given edges --------------------------------------------


def test_reference_note_only_for_edges_without_origin() -> None:
    """The note is for --edge without --origin: the reference is then chosen among the
    edges, and --origin is what makes stale edges visible."""
    edges = (Endpoint("192.0.2.1"),)
    note = reference_note(CheckOptions(edges=edges))
    assert note is not None
    assert "reference" in note and "among the --edge" in note and "--origin" in note
    assert reference_note(CheckOptions()) is None
    assert reference_note(CheckOptions(edges=edges, origin=Endpoint("192.0.2.9"))) is None


def test_watch_with_edges_alone_says_how_the_reference_is_chosen(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """``watch --edge ... `` without --origin: the note on stderr, stdout untouched."""
    site = lab.site("healthy")
    edges = [a for e in site.edges for a in ("--edge", f"{e}:{lab.port}")]
    code, out, err = run(
        ["watch", site.host, *edges, "--no-http", "--timeout", "20s", *trust(lab)], capsys
    )
    assert code == 0
    assert out.startswith("watching healthy.lab.test")
    assert one_line(err).startswith("layerscope: note: without --origin the reference is")


# --- 20: fix-chain never clobbers a file -----------------------------------------------


def test_fix_chain_does_not_overwrite_without_force(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing -o file: one line, exit 3, the file untouched and nothing probed;
    with --force it is replaced by the corrected chain."""
    out_file = tmp_path / "fullchain.pem"
    out_file.write_text("keep me\n")
    args = ["fix-chain", *lab.check_args("incomplete"), "-o", str(out_file)]
    started = time.monotonic()
    code, out, err = run(args, capsys)
    assert code == 3 and out == ""
    assert f"{out_file} exists: not overwriting it without --force" in one_line(err)
    assert out_file.read_text() == "keep me\n"
    assert time.monotonic() - started < 2  # refused before any probe
    code, out, _err = run([*args, "--force"], capsys)
    assert code == 0
    assert f"wrote {out_file}" in out
    assert out_file.read_text().count("BEGIN CERTIFICATE") == 2


def test_fix_chain_output_that_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-o DIR: one line naming the problem, exit 3, even with --force."""
    code, out, err = run(["fix-chain", "www.example.test", "-o", str(tmp_path), "--force"], capsys)
    assert code == 3 and out == ""
    assert "is a directory" in one_line(err)
