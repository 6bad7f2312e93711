"""Untrusted text from certificates, pages and headers: harmless in text, Markdown and the
TUI's views, exact in JSON; international names sent as A-labels."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from layerscope.commands.main import main
from layerscope.lab import pki
from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.servers import Behaviour, LayerSpec

HOST = "healthy.lab.test"
EVIL = "[@click=app.quit]boom[/] \x1b]0;pwned\x07\x1b[2J\u202egnp.exe\x9b31m"


def has_control(text: str) -> bool:
    """A character a terminal would act on (C0 except newline, DEL, C1, bidi)."""
    return any(
        (ord(c) < 32 and c != "\n")
        or 0x7F <= ord(c) <= 0x9F
        or 0x202A <= ord(c) <= 0x202E
        or 0x2066 <= ord(c) <= 0x2069
        for c in text
    )


@pytest.fixture(scope="module")
def evil_peer(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """A layer whose certificate, page title, header and mixed-content URL carry escapes."""
    assert lab.pki is not None
    leaf = pki.leaf([HOST], now=lab.now, parent=lab.pki.i1, cn=EVIL)
    page = f'<title>{EVIL}</title><script src="http://evil.test/\x1b[31mx.js"></script>'
    spec = LayerSpec(
        Behaviour.TLS,
        (leaf, lab.pki.i1),
        page=page,
        headers=(("X-Evil", "a\x1b]0;pwned\x07b"),),
        hsts=False,
    )
    with Peers(
        {"127.246.0.1": spec}, site=HOST, directory=tmp_path_factory.mktemp("evil")
    ) as peers:
        yield peers


def args(lab: Lab, peers: Peers) -> list[str]:
    """Check the evil layer with the lab's trust store."""
    return [
        "check",
        HOST,
        "--port",
        str(peers.port),
        "--edge",
        "127.246.0.1",
        "--ca-bundle",
        str(lab.public_roots),
        "--alt-ca-bundle",
        "none",
    ]


@pytest.mark.parametrize("fmt", [[], ["--markdown"]])
def test_text_and_markdown_never_emit_control_characters(
    lab: Lab, evil_peer: Peers, fmt: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The page's escape sequences show up escaped; markup stays literal text."""
    main([*args(lab, evil_peer), *fmt])
    out = capsys.readouterr().out
    assert not has_control(out)
    assert "\\x1b" in out and "mixed" in out  # the hostile URL is shown, escaped


def test_json_keeps_exact_values(
    lab: Lab, evil_peer: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON carries the exact bytes (escaped by JSON itself)."""
    main([*args(lab, evil_peer), "--json"])
    raw = capsys.readouterr().out
    assert "\x1b" not in raw  # JSON escapes it as \u001b
    site = json.loads(raw)["sites"][0]
    http = site["layers"][0]["http"]
    assert ("x-evil", "a\x1b]0;pwned\x07b") in [(h["name"], h["value"]) for h in http["headers"]]
    assert http["title"].startswith("[@click=app.quit]boom[/]")


def plain(renderable: Any) -> str:
    """What a Rich renderable prints, as plain text."""
    console = Console(width=120, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def test_tui_views_of_the_evil_layer_are_harmless(
    lab: Lab, evil_peer: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    """Header, row, findings, chain, diff and HTTP views: no control character, markup
    shown literally."""
    import asyncio

    from layerscope.commands.config import apply
    from layerscope.engine.run import inspect
    from layerscope.model.options import CheckOptions, SiteRequest
    from layerscope.present.labels import leaf_labels
    from layerscope.tui import panes, view

    options = apply(
        CheckOptions(),
        {
            "port": evil_peer.port,
            "edge": ["127.246.0.1"],
            "ca_bundle": str(lab.public_roots),
            "alt_ca_bundle": "none",
        },
    )
    report = asyncio.run(inspect(HOST, options))
    (layer,) = report.layers
    request = SiteRequest(HOST, options)
    outputs = [
        plain(view.header(request.host, options, report, False)),
        *(c.plain for c in view.layer_cells(layer, leaf_labels(report), report)),
        plain(panes.findings_view(report, layer)),
        plain(panes.chain_view(layer)),
        plain(panes.diff_view(report, layer)),
        plain(panes.http_view(layer)),
    ]
    for text in outputs:
        assert not has_control(text), text
    assert "[@click=app.quit]boom[/]" in outputs[-1]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_safe_renderables_never_carry_control_characters(value: str) -> None:
    """Any string through the TUI's safe() and the help/title renderers stays inert."""
    from layerscope.tui.view import safe

    assert not has_control(plain(safe(value)))
    assert not has_control(safe(value).plain)


@pytest.fixture(scope="module")
def idn_peer(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """A layer whose certificate names only the A-label of bücher.lab.test."""
    assert lab.pki is not None
    leaf = pki.leaf(["xn--bcher-kva.lab.test"], now=lab.now, parent=lab.pki.i1)
    spec = LayerSpec(Behaviour.TLS, (leaf, lab.pki.i1))
    with Peers(
        {"127.246.1.1": spec},
        site="xn--bcher-kva.lab.test",
        directory=tmp_path_factory.mktemp("idn"),
    ) as peers:
        yield peers


def test_idn_site_is_sent_and_matched_as_its_a_label(
    lab: Lab, idn_peer: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bücher.lab.test` goes out as xn--bcher-kva.lab.test (SNI) and matches its SAN."""
    code = main(
        [
            "check",
            "bücher.lab.test",
            "--port",
            str(idn_peer.port),
            "--edge",
            "127.246.1.1",
            "--ca-bundle",
            str(lab.public_roots),
            "--alt-ca-bundle",
            "none",
            "--json",
        ]
    )
    site = json.loads(capsys.readouterr().out)["sites"][0]
    assert site["host"] == "bücher.lab.test"
    assert site["ascii_host"] == site["sni"] == "xn--bcher-kva.lab.test"
    assert site["findings"] == []
    assert code == 0
