"""Revocation and AIA lookups use the user's resolvers (issue 9): end to end through the CLI
against the lab, real DNS over real sockets, real HTTP, loopback only.

The lab's ``revoked-by-name`` and ``aia-by-name`` certificates name the CA repository as
``ca.lab.test``, which only the lab's DNS resolves. A second responder started here knows
the sites but not that name (or never answers for it).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.lab.dns import DnsResponder
from layerscope.lab.dns_zone import SILENT
from layerscope.lab.lab import Lab
from layerscope.lab.loop import LoopThread
from layerscope.lab.services import REPOSITORY_HOST
from layerscope.model.names import is_ip


@pytest.fixture(autouse=True)
def system_resolver_tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fails the test if anything asks the system resolver for a name.

    Not a mock: the real ``getaddrinfo`` still runs, for IP literals only (which need no
    DNS); a name is refused and remembered, so a fallback cannot hide behind an error value.
    """
    real = socket.getaddrinfo
    asked: list[str] = []

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        text = host.decode() if isinstance(host, bytes) else host
        if text is not None and not is_ip(text):
            asked.append(text)
            raise OSError(f"the system resolver must not be asked for {text!r} here")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield asked
    assert asked == [], f"the system resolver was asked for {asked}"


@contextmanager
def other_resolver(
    lab: Lab, records: Mapping[str, Sequence[tuple[str, str]]]
) -> Iterator[tuple[DnsResponder, str]]:
    """A second DNS responder on the lab's loopback block serving only ``records``."""
    thread = LoopThread("other-dns")
    thread.start()
    responder = DnsResponder(records)
    try:
        host = f"{lab.base}.0.54"
        port = thread.run(responder.start(host))
        yield responder, f"{host}:{port}"
    finally:
        thread.run(responder.stop())
        thread.stop()


def site_records(lab: Lab, *names: str) -> dict[str, list[tuple[str, str]]]:
    """The lab sites' A records, as the lab's own responder serves them."""
    return {f"{lab.site(n).host}.": [("A", e) for e in lab.site(n).edges] for n in names}


def check_args(lab: Lab, name: str, resolver: str = "") -> list[str]:
    """The lab's arguments for one site, with ``resolver`` in place of the lab's DNS."""
    args = lab.check_args(name)
    if resolver:
        args[args.index("--resolver") + 1] = resolver
    return args


def check(
    lab: Lab, name: str, capsys: pytest.CaptureFixture[str], *extra: str, resolver: str = ""
) -> tuple[int, dict[str, Any]]:
    """``layerscope check`` of one lab site as JSON, optionally through another resolver."""
    code = main(["check", *check_args(lab, name, resolver), *extra, "--json"])
    out = capsys.readouterr().out
    data = json.loads(out)
    return code, data["sites"][0] if "sites" in data else data


def findings(site: dict[str, Any], code: str) -> set[str]:
    """Addresses of the layers with finding ``code``."""
    return {a for f in site["findings"] if f["code"] == code for a in f["layers"]}


def addresses(lab: Lab, name: str) -> set[str]:
    """Every layer of a lab site."""
    return {lab.site(name).origin, *lab.site(name).edges}


def test_revoked_is_found_when_only_the_sites_resolver_knows_the_responder(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --resolver <lab dns>, the responder's host name is resolved there: every
    layer of revoked-by-name is revoked, said by the named URL."""
    code, site = check(lab, "revoked-by-name", capsys)
    assert code == 2
    assert findings(site, "revoked") == addresses(lab, "revoked-by-name")
    for layer in site["layers"]:
        answer = layer["ocsp_responder"]
        assert answer["state"] == "revoked"
        assert answer["source"].startswith(f"http://{REPOSITORY_HOST}:")


def test_a_resolver_that_does_not_know_the_responder_gives_an_ocsp_error_note(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """A resolver without the responder's name: an OCSP error naming the host and the
    resolver on every layer, shown as a note; no revoked finding, no traceback, and the
    name is never looked up elsewhere."""
    with other_resolver(lab, site_records(lab, "revoked-by-name")) as (responder, label):
        code, site = check(lab, "revoked-by-name", capsys, resolver=label)
        main(["check", *check_args(lab, "revoked-by-name", label)])
        text = capsys.readouterr()
    assert code == 0
    assert findings(site, "revoked") == set()
    assert findings(site, "ocsp_staple_missing") == addresses(lab, "revoked-by-name")
    for layer in site["layers"]:
        answer = layer["ocsp_responder"]
        assert answer["state"] == "error"
        assert f"{REPOSITORY_HOST}: NXDOMAIN" in answer["message"]
        assert label in answer["message"]
    assert f"{REPOSITORY_HOST}.".lower() in {q for q, _t, _tr in responder.queries}
    assert "OCSP responder:" in text.out and REPOSITORY_HOST in text.out
    assert "Traceback" not in text.out + text.err


def test_a_silent_resolver_is_an_ocsp_error_within_the_deadline(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """A resolver that never answers for the responder's name: the lookup gives up within
    half of --timeout and says so, naming the host and the resolver."""
    records = {**site_records(lab, "revoked-by-name"), f"{REPOSITORY_HOST}.": [(SILENT, "")]}
    with other_resolver(lab, records) as (_responder, label):
        _code, site = check(lab, "revoked-by-name", capsys, "--timeout", "2", resolver=label)
    for layer in site["layers"]:
        answer = layer["ocsp_responder"]
        assert answer["state"] == "error"
        assert f"{REPOSITORY_HOST}: no answer" in answer["message"]
        assert f"from {label} within 1.0s" in answer["message"]
    assert site["duration_ms"] < 4000


def test_an_ip_literal_responder_needs_no_dns(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """The revoked site's responder URL is an IP: found revoked through a resolver that
    knows only the site, which is asked nothing but the site's name."""
    with other_resolver(lab, site_records(lab, "revoked")) as (responder, label):
        _code, site = check(lab, "revoked", capsys, resolver=label)
    assert findings(site, "revoked") == addresses(lab, "revoked")
    assert {q for q, _t, _tr in responder.queries} == {f"{lab.site('revoked').host}."}


def test_the_aia_intermediate_is_fetched_from_a_name_only_the_sites_resolver_knows(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """aia-by-name: the missing intermediate comes from the named AIA URL, no AIA error."""
    _code, site = check(lab, "aia-by-name", capsys)
    assert site["aia_errors"] == []
    for layer in site["layers"]:
        sources = [m["source"] for m in layer["chain_analysis"]["missing"]]
        assert len(sources) == 1
        assert sources[0].startswith(f"AIA http://{REPOSITORY_HOST}:")


def test_a_resolver_that_does_not_know_the_aia_host_gives_an_aia_error(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """A resolver without the AIA host: one AIA error naming the host and the resolver;
    the chain stays incomplete, nothing raises."""
    with other_resolver(lab, site_records(lab, "aia-by-name")) as (_responder, label):
        code, site = check(lab, "aia-by-name", capsys, resolver=label)
    assert code == 2
    assert findings(site, "incomplete_chain") == addresses(lab, "aia-by-name")
    assert len(site["aia_errors"]) == 1
    message = site["aia_errors"][0]["message"]
    assert f"{REPOSITORY_HOST}: NXDOMAIN" in message and label in message
    for layer in site["layers"]:
        assert layer["chain_analysis"]["missing"] == []
