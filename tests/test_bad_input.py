"""Bad input and hostile peers: a clear message on that layer, the right exit code, no
traceback, no hang, and the healthy layers beside it intact."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.servers import Behaviour, LayerSpec

TIMEOUT = 1.5


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    """Run the CLI in-process; returns exit code, parsed JSON (or None) and stderr."""
    code = main(args)
    captured = capsys.readouterr()
    try:
        data = json.loads(captured.out)
    except ValueError:
        data = None
    return code, data, captured.err


def lab_trust(lab: Lab) -> list[str]:
    """Options that make the lab's roots the trust store."""
    return ["--ca-bundle", str(lab.public_roots), "--alt-ca-bundle", "none"]


@pytest.fixture(scope="module")
def peers(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """A healthy layer beside every kind of misbehaving peer, on 127.251.0.x."""
    good = lab.site("healthy").spec.origin
    specs = {
        "127.251.0.1": good,
        "127.251.0.2": LayerSpec(Behaviour.TARPIT),
        "127.251.0.3": LayerSpec(Behaviour.GARBAGE),
        "127.251.0.4": LayerSpec(Behaviour.REFUSE),
        "127.251.0.5": LayerSpec(Behaviour.RESET),
        "127.251.0.6": LayerSpec(Behaviour.PLAIN_HTTP),
        "127.251.0.7": LayerSpec(Behaviour.ALERT),
    }
    with Peers(specs, site="healthy.lab.test", directory=tmp_path_factory.mktemp("peers")) as p:
        yield p


@pytest.fixture(scope="module")
def hostile_run(lab: Lab, peers: Peers) -> dict[str, Any]:
    """One check of healthy.lab.test against all peers as edges, timed."""
    import contextlib
    import io

    args = [
        "check",
        "healthy.lab.test",
        "--port",
        str(peers.port),
        "--timeout",
        str(TIMEOUT),
        "--json",
        *lab_trust(lab),
    ]
    for n in range(1, 8):
        args += ["--edge", f"127.251.0.{n}"]
    buf = io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(buf):
        code = main(args)
    elapsed = time.monotonic() - started
    site = json.loads(buf.getvalue())["sites"][0]
    return {"code": code, "site": site, "elapsed": elapsed}


def layer(site: dict[str, Any], address: str) -> dict[str, Any]:
    """The JSON layer with ``address``."""
    return next(ly for ly in site["layers"] if ly["address"] == address)


def codes_for(site: dict[str, Any], address: str) -> set[str]:
    """Finding codes that concern ``address``."""
    return {f["code"] for f in site["findings"] if address in f["layers"]}


def test_healthy_layer_is_intact_beside_hostile_peers(hostile_run: dict[str, Any]) -> None:
    """The good edge is reported with its chain and no finding of its own."""
    good = layer(hostile_run["site"], "127.251.0.1")
    assert good["error"] is None
    assert "healthy.lab.test" in good["chain"][0]["sans"]
    assert codes_for(hostile_run["site"], "127.251.0.1") == set()


def test_tarpit_times_out_by_name_within_the_deadline(hostile_run: dict[str, Any]) -> None:
    """A server that accepts TCP and never speaks: handshake timeout, enforced on time."""
    tarpit = layer(hostile_run["site"], "127.251.0.2")
    assert tarpit["error"]["kind"] == "handshake_timeout"
    assert "did not finish within" in tarpit["error"]["message"]
    assert codes_for(hostile_run["site"], "127.251.0.2") == {"unreachable"}
    # all layers run concurrently: the whole check takes about one timeout, not seven
    assert hostile_run["elapsed"] < TIMEOUT * 4


@pytest.mark.parametrize(
    ("address", "kind", "code"),
    [
        ("127.251.0.3", "not_tls", "not_tls"),
        ("127.251.0.4", "refused", "unreachable"),
        ("127.251.0.5", "reset", "unreachable"),
        ("127.251.0.6", "plain_http", "not_tls"),
        ("127.251.0.7", "tls_alert", "handshake_failed"),
    ],
)
def test_misbehaving_peer_gets_its_named_result(
    hostile_run: dict[str, Any], address: str, kind: str, code: str
) -> None:
    """Garbage, refusal, reset, plain HTTP and alerts each get a named error and finding."""
    got = layer(hostile_run["site"], address)
    assert got["error"]["kind"] == kind
    assert codes_for(hostile_run["site"], address) == {code}


def test_garbage_bytes_are_never_echoed(hostile_run: dict[str, Any]) -> None:
    """The message about a garbage peer describes it without repeating its bytes."""
    message = layer(hostile_run["site"], "127.251.0.3")["error"]["message"]
    assert message.isprintable() and len(message) < 120


def test_hostile_run_is_critical(hostile_run: dict[str, Any]) -> None:
    """Unreachable layers make the site critical (exit 2), not unknown."""
    assert hostile_run["code"] == 2


def test_unknown_host_is_nxdomain_and_unknown(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """A name that does not exist: NXDOMAIN named in the output, exit 3."""
    code, data, _err = run(
        ["check", "nosuchsite.lab.test", "--resolver", lab.dns, "--json", *lab_trust(lab)],
        capsys,
    )
    assert code == 3
    site = data["sites"][0]
    assert site["severity"] == "unknown"
    assert site["discovery"]["errors"][0]["kind"] == "nxdomain"
    assert "nosuchsite.lab.test" in site["discovery"]["errors"][0]["message"]


def test_nxdomain_text_output_says_so(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """The text output names the DNS failure plainly."""
    code = main(["check", "nosuchsite.lab.test", "--resolver", lab.dns, *lab_trust(lab)])
    out = capsys.readouterr().out
    assert code == 3
    assert "UNKNOWN" in out
    assert "NXDOMAIN" in out and "nosuchsite.lab.test" in out


def test_dangling_cname_reports_the_chain_and_nxdomain(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """NXDOMAIN behind a CNAME: the chain is shown and the result is unknown."""
    code, data, _err = run(
        ["check", "dangling.lab.test", "--resolver", lab.dns, "--json", *lab_trust(lab)], capsys
    )
    site = data["sites"][0]
    assert code == 3
    assert site["discovery"]["cname_chain"] == ["gone.fastedge-lab.test"]
    assert site["discovery"]["errors"][0]["kind"] == "nxdomain"


def test_servfail_is_reported(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """SERVFAIL from the resolver comes back as a value with exit 3."""
    code, data, _err = run(
        ["check", "servfail.lab.test", "--resolver", lab.dns, "--json", *lab_trust(lab)], capsys
    )
    assert code == 3
    assert data["sites"][0]["discovery"]["errors"][0]["kind"] == "servfail"


def test_silent_resolver_times_out_with_a_clear_message(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """A resolver that never answers: DNS timeout named, exit 3, within the deadline."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.251.1.53", 0))
        resolver = f"127.251.1.53:{sock.getsockname()[1]}"
        started = time.monotonic()
        code, data, _err = run(
            [
                "check",
                "healthy.lab.test",
                "--resolver",
                resolver,
                "--timeout",
                "1",
                "--json",
                *lab_trust(lab),
            ],
            capsys,
        )
        elapsed = time.monotonic() - started
    assert code == 3
    error = data["sites"][0]["discovery"]["errors"][0]
    assert error["kind"] == "dns_timeout"
    assert resolver in error["message"]
    assert elapsed < 5


def test_dns_failure_does_not_spoil_the_origin(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """NXDOMAIN for the site still probes and reports the given origin."""
    site_info = lab.site("healthy")
    code, data, _err = run(
        [
            "check",
            "nosuchsite.lab.test",
            "--resolver",
            lab.dns,
            "--port",
            str(lab.port),
            "--origin",
            f"{site_info.origin}:{lab.port}",
            "--json",
            *lab_trust(lab),
        ],
        capsys,
    )
    site = data["sites"][0]
    (origin,) = site["layers"]
    assert origin["role"] == "origin" and origin["error"] is None
    assert {f["code"] for f in site["findings"]} == {"hostname_mismatch"}
    assert code == 3


@pytest.mark.parametrize(
    "origin",
    ["", "127.0.0.1:99999", "[::1", "bad host name!", "1.2.3.4:http", "[::1]x", "a..b"],
)
def test_invalid_origin_is_refused_with_exit_3(
    origin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unusable --origin: one clear line on stderr, exit 3, nothing probed."""
    code, _data, err = run(["check", "example.test", "--origin", origin], capsys)
    assert code == 3
    assert "invalid origin" in err
    assert "Traceback" not in err


def test_unreadable_ca_bundle_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing or non-PEM --ca-bundle: one line on stderr, exit 3, no report, no probe."""
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"\x00\x01 not a certificate")
    for bundle, said in ((tmp_path / "nope.pem", "cannot read"), (garbage, "no PEM certificates")):
        code, data, err = run(
            [
                "check",
                "example.test",
                "--edge",
                "127.251.0.4",
                "--ca-bundle",
                str(bundle),
                "--json",
            ],
            capsys,
        )
        assert (code, data) == (3, None)
        assert said in err and err.count("\n") == 1


def test_usage_errors_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown options are UNKNOWN for monitoring systems, not CRITICAL."""
    with pytest.raises(SystemExit) as exc:
        main(["check", "example.test", "--no-such-option"])
    assert exc.value.code == 3
    capsys.readouterr()


@pytest.fixture(scope="module")
def broken_ca_services(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """Layers whose certificates point at a dead OCSP responder and a 404 AIA URL."""
    from layerscope.lab import pki

    assert lab.pki is not None
    dead = "http://127.251.2.80:9/ocsp"  # nothing listens there: refused
    ocsp_leaf = pki.leaf(["healthy.lab.test"], now=lab.now, parent=lab.pki.i1, ocsp_urls=[dead])
    missing = f"{lab.repository}/aia/nope.der"
    aia_leaf = pki.leaf(["healthy.lab.test"], now=lab.now, parent=lab.pki.i3, aia_issuers=[missing])
    specs = {
        "127.251.2.1": LayerSpec(Behaviour.TLS, (ocsp_leaf, lab.pki.i1)),
        "127.251.2.2": LayerSpec(Behaviour.TLS, (aia_leaf,)),
    }
    with Peers(specs, site="healthy.lab.test", directory=tmp_path_factory.mktemp("ca")) as p:
        yield p


def test_dead_ocsp_responder_is_reported_not_fatal(
    lab: Lab, broken_ca_services: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    """A responder that refuses: the layer says so (JSON and text), no finding, no crash."""
    args = [
        "check",
        "healthy.lab.test",
        "--port",
        str(broken_ca_services.port),
        "--edge",
        "127.251.2.1",
        "--timeout",
        str(TIMEOUT),
        *lab_trust(lab),
    ]
    code, data, _err = run([*args, "--json"], capsys)
    site = data["sites"][0]
    answer = site["layers"][0]["ocsp_responder"]
    assert answer["state"] == "error"
    assert "127.251.2.80:9" in answer["message"]
    assert {f["code"] for f in site["findings"]} == {"ocsp_staple_missing"}
    assert code == 0
    main(args)
    assert "note:" in capsys.readouterr().out


def test_aia_url_that_404s_is_named_and_the_chain_stays_incomplete(
    lab: Lab, broken_ca_services: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    """The AIA download fails with 404: incomplete_chain stays, the failure is reported."""
    code, data, _err = run(
        [
            "check",
            "healthy.lab.test",
            "--port",
            str(broken_ca_services.port),
            "--edge",
            "127.251.2.2",
            "--timeout",
            str(TIMEOUT),
            "--json",
            *lab_trust(lab),
        ],
        capsys,
    )
    site = data["sites"][0]
    assert {f["code"] for f in site["findings"]} == {"incomplete_chain"}
    assert "404" in site["aia_errors"][0]["message"]
    assert code == 2


@pytest.fixture(scope="module")
def hostile_pages(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """Beside a healthy layer: a redirect loop on the site, a redirect off the site, and a
    page that never ends."""
    good = lab.site("healthy").spec.origin
    chain = good.chain
    loop = (("Location", "/"),)  # relative: stays on the site, and on this layer
    away = (("Location", "https://elsewhere.test/login"),)
    specs = {
        "127.251.3.1": good,
        "127.251.3.2": LayerSpec(Behaviour.TLS, chain, status=301, headers=loop),
        "127.251.3.3": LayerSpec(Behaviour.TLS, chain, status=302, headers=away),
        "127.251.3.4": LayerSpec(Behaviour.TLS, chain, endless=True),
    }
    with Peers(specs, site="healthy.lab.test", directory=tmp_path_factory.mktemp("web")) as p:
        yield p


def test_hostile_pages_get_named_results_and_the_healthy_layer_is_intact(
    lab: Lab, hostile_pages: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    """Redirect loop: stopped after 20, named; off-site redirect: recorded, not followed;
    endless body: cut at 1 MiB; the healthy layer's page is untouched; all within time."""
    args = [
        "check",
        "healthy.lab.test",
        "--port",
        str(hostile_pages.port),
        "--timeout",
        "4",
        "--json",
        *lab_trust(lab),
    ]
    for n in range(1, 5):
        args += ["--edge", f"127.251.3.{n}"]
    started = time.monotonic()
    _code, data, _err = run(args, capsys)
    elapsed = time.monotonic() - started
    site = data["sites"][0]
    http = {ly["address"]: ly["http"] for ly in site["layers"]}
    assert http["127.251.3.1"]["status"] == 200 and http["127.251.3.1"]["error"] is None
    assert http["127.251.3.2"]["error"]["kind"] == "too_many_redirects"
    assert len(http["127.251.3.2"]["redirects"]) >= 20
    off = http["127.251.3.3"]
    assert off["redirect_refused"] is True
    assert off["redirects"][-1]["location"] == "https://elsewhere.test/login"
    endless = http["127.251.3.4"]
    assert endless["truncated"] is True and endless["body_bytes"] == 1 << 20
    assert elapsed < 4 * 3  # generous: the per-layer deadlines held
    assert codes_for(site, "127.251.3.1") <= {"http_differs"}
