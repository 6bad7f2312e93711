"""What the TUI does, driven by Pilot against real lab servers: every key, streaming rows,
slow and dead layers, and untrusted text shown literally."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Input, Static, TabbedContent

from layerscope.lab import pki
from layerscope.lab.frozen import frozen_inspect
from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.servers import Behaviour, LayerSpec
from layerscope.model.options import CheckOptions, SiteRequest
from layerscope.tui.app import LayerscopeApp
from layerscope.tui.screens.export import ExportScreen
from layerscope.tui.screens.help import HelpScreen
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.screens.sites import SitesScreen
from layerscope.tui.widgets.layers import LayersTable

from .conftest import request_for, select_layer, settle


def site_app(requests: list[SiteRequest], lab: Lab, name: str) -> LayerscopeApp:
    """The app on one frozen-lab site."""
    return LayerscopeApp([request_for(requests, lab, name)], inspect_fn=frozen_inspect())


def plain(content: object) -> str:
    """What a Rich renderable says, as plain text."""
    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(content)
    return console.export_text()


def body(app: LayerscopeApp, widget_id: str) -> str:
    """Plain text of a detail pane."""
    return plain(app.screen.query_one(f"#{widget_id}", Static).content)


async def test_site_list_shows_worst_first_and_opens_a_site(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """The list sorts critical sites first; Enter inspects one; Escape comes back."""
    app = LayerscopeApp(frozen_requests, site_list=True, inspect_fn=frozen_inspect())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SitesScreen)
        table = screen.query_one("#sites")
        first = [str(c) for c in table.get_row_at(0)]  # type: ignore[attr-defined]
        assert first[0] == "CRIT"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SiteScreen)
        assert app.screen.report is not None  # the list's report is reused, not re-probed
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SitesScreen)


async def test_stale_edge_is_visible_with_its_own_label(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """The stale edge's row carries another certificate label and a warning."""
    app = site_app(frozen_requests, frozen, "stale")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LayersTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        stale = frozen.site("stale").edges[2]
        (stale_row,) = [r for r in rows if stale in r[2]]
        others = [r for r in rows if stale not in r[2]]
        assert stale_row[3].strip() == "B" and stale_row[0] == "WARN"
        assert {r[3].strip() for r in others} == {"A"}
        await select_layer(pilot, stale)
        assert "stale_edge" in body(app, "findings-body")


async def test_d_shows_the_diff_with_differences_marked(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """`d` switches to the side-by-side diff; the stale edge differs in serial and dates."""
    app = site_app(frozen_requests, frozen, "stale")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_layer(pilot, frozen.site("stale").edges[2])
        await pilot.press("d")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "diff"
        text = body(app, "diff-body")
        assert "differ from the reference" in text
        assert "≠" in text


async def test_f_and_h_switch_detail_tabs(frozen: Lab, frozen_requests: list[SiteRequest]) -> None:
    """`h` shows the served chain cert by cert, `f` goes back to the findings."""
    app = site_app(frozen_requests, frozen, "incomplete")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select_layer(pilot, frozen.site("incomplete").edges[2])
        await pilot.press("h")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "chain"
        assert "Not sent, found elsewhere" in body(app, "chain-body")
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "findings"
        assert "incomplete_chain" in body(app, "findings-body")


async def test_c_copies_the_reproduce_command_of_the_selected_layer(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """`c` puts the stale edge's openssl command on the clipboard (OSC 52)."""
    app = site_app(frozen_requests, frozen, "stale")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        edge = frozen.site("stale").edges[2]
        await select_layer(pilot, edge)
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard.startswith(f"openssl s_client -connect {edge}:{frozen.port}")
        assert "-servername stale.lab.test" in app.clipboard


async def test_e_exports_json_and_says_where(
    frozen: Lab, frozen_requests: list[SiteRequest], tmp_path: Path
) -> None:
    """`e` asks for a file; choosing JSON and Enter writes the report there."""
    app = site_app(frozen_requests, frozen, "stale")
    target = tmp_path / "report.md"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one(Input).value = str(target)
        await pilot.click("#fmt-json")  # switches the suffix to .json
        await pilot.pause()
        app.screen.query_one(Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        written = tmp_path / "report.json"
        data = json.loads(written.read_text())
        assert data["sites"][0]["host"] == "stale.lab.test"
        assert isinstance(app.screen, SiteScreen)
        assert str(written) in app.screen.message


async def test_e_exports_markdown_by_default(
    frozen: Lab, frozen_requests: list[SiteRequest], tmp_path: Path
) -> None:
    """The default export format is Markdown."""
    app = site_app(frozen_requests, frozen, "healthy")
    target = tmp_path / "healthy.md"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text().startswith("# layerscope report")


async def test_escape_cancels_the_export(frozen: Lab, frozen_requests: list[SiteRequest]) -> None:
    """Escape closes the export dialog without writing."""
    app = site_app(frozen_requests, frozen, "healthy")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SiteScreen)


async def test_question_mark_shows_help_and_closes(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """`?` lists every key; escape closes it."""
    app = site_app(frozen_requests, frozen, "healthy")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = body(app, "help-body")
        for key in ("re-probe", "diff", "copy", "export", "quit", "palette"):
            assert key in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SiteScreen)


async def test_r_probes_again(frozen: Lab, frozen_requests: list[SiteRequest]) -> None:
    """`r` runs a new inspection of every layer."""
    calls: list[str] = []
    inner = frozen_inspect()

    async def counting(host: str, options: CheckOptions, **kw: Any) -> Any:
        calls.append(host)
        return await inner(host, options, **kw)

    app = LayerscopeApp([request_for(frozen_requests, frozen, "healthy")], inspect_fn=counting)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        await settle(pilot)
        assert calls == ["healthy.lab.test", "healthy.lab.test"]


async def test_q_quits(frozen: Lab, frozen_requests: list[SiteRequest]) -> None:
    """`q` leaves the app."""
    app = site_app(frozen_requests, frozen, "healthy")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_command_palette_exports(
    frozen: Lab,
    frozen_requests: list[SiteRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command palette offers the actions by name (here: export as JSON)."""
    monkeypatch.chdir(tmp_path)
    app = site_app(frozen_requests, frozen, "healthy")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export as json")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        files = list(tmp_path.glob("layerscope-healthy.lab.test-*.json"))
        assert len(files) == 1


@pytest.fixture(scope="module")
def slow_peers(frozen: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """A fast edge, one that answers after a second, and one that never answers."""
    good = frozen.site("healthy").spec.origin
    specs = {
        "127.252.0.1": good,
        "127.252.0.2": LayerSpec(Behaviour.SLOW, good.chain, delay=1.0),
        "127.252.0.3": LayerSpec(Behaviour.TARPIT),
    }
    with Peers(specs, site="healthy.lab.test", directory=tmp_path_factory.mktemp("slow")) as p:
        yield p


async def test_rows_stream_in_and_a_dead_layer_never_blocks(frozen: Lab, slow_peers: Peers) -> None:
    """All layers show as pending at once; the fast one fills first; keys work while the
    slow one is pending; the dead one ends as unreachable after the timeout."""
    options = CheckOptions(
        port=slow_peers.port,
        edges=("127.252.0.1", "127.252.0.2", "127.252.0.3"),
        ca_bundle=str(frozen.public_roots),
        alt_ca_bundle="none",
        timeout=2.5,
    )
    app = LayerscopeApp([SiteRequest("healthy.lab.test", options)])
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(LayersTable)
        for _ in range(40):
            await pilot.pause(0.05)
            if table.row_count == 3:
                break
        rows = lambda: [[str(c) for c in table.get_row_at(i)] for i in range(3)]  # noqa: E731
        assert table.row_count == 3
        # the fast layer fills while the others are still pending
        for _ in range(40):
            await pilot.pause(0.05)
            if "trusted" in rows()[0][5]:
                break
        current = rows()
        assert "trusted" in current[0][5]
        assert "probing" in current[1][5] and "probing" in current[2][5]
        # the keyboard works meanwhile
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await settle(pilot, timeout=15)
        final = rows()
        assert "trusted" in final[1][5]
        assert "timeout" in final[2][5]  # the row word ("TLS timeout") is the engine's


@pytest.fixture(scope="module")
def hostile_peer(frozen: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """A server whose certificate subject carries markup and escape sequences."""
    assert frozen.pki is not None
    evil = "[@click=app.quit]boom[/] [link=https://x.test]y[/link] \x1b]0;pwned\x07\x1b[31m"
    leaf = pki.leaf(["healthy.lab.test"], now=frozen.now, parent=frozen.pki.i1, cn=evil)
    spec = LayerSpec(Behaviour.TLS, (leaf, frozen.pki.i1))
    with Peers(
        {"127.252.1.1": spec}, site="healthy.lab.test", directory=tmp_path_factory.mktemp("evil")
    ) as p:
        yield p


async def test_untrusted_text_is_shown_literally(frozen: Lab, hostile_peer: Peers) -> None:
    """Markup in a certificate is shown as text, never run; escapes are shown escaped."""
    options = CheckOptions(
        port=hostile_peer.port,
        edges=("127.252.1.1",),
        ca_bundle=str(frozen.public_roots),
        alt_ca_bundle="none",
        timeout=3,
    )
    app = LayerscopeApp([SiteRequest("healthy.lab.test", options)])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await pilot.pause()
        text = body(app, "chain-body")
        assert "[@click=app.quit]boom[/]" in text
        assert "[link=https://x.test]y[/link]" in text
        assert "pwned" in text  # shown, as an escaped sequence
        assert "\x1b" not in text and "\x07" not in text
        # clicking on the text must not trigger the embedded action
        await pilot.click("#chain-body")
        await pilot.pause()
        assert app.is_running


def test_layer_rows_never_contain_raw_control_characters(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Every cell of every lab layer is plain printable text."""
    from layerscope.present.labels import leaf_labels
    from layerscope.tui.view import layer_cells

    async def run() -> list[str]:
        inspect = frozen_inspect()
        reports = await asyncio.gather(*(inspect(r.host, r.options) for r in frozen_requests))
        return [
            c.plain
            for report in reports
            for layer in report.layers
            for c in layer_cells(layer, leaf_labels(report), report)
        ]

    cells = asyncio.run(run())
    assert cells and all(c.isprintable() for c in cells)
    _ = dataclasses


async def test_x_writes_the_fixed_chain_of_the_selected_layer(
    frozen: Lab,
    frozen_requests: list[SiteRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`x` on the incomplete edge writes fullchain-<site>-<ip>.pem and says where."""
    monkeypatch.chdir(tmp_path)
    app = site_app(frozen_requests, frozen, "incomplete")
    edge = frozen.site("incomplete").edges[2]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_layer(pilot, edge)
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        written = tmp_path / f"fullchain-incomplete.lab.test-{edge}.pem"
        assert written.read_text().count("BEGIN CERTIFICATE") == 2
        assert isinstance(app.screen, SiteScreen)
        assert str(written) in app.screen.message


async def test_x_refuses_without_a_trusted_chain(
    frozen: Lab,
    frozen_requests: list[SiteRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`x` on a self-signed layer writes nothing and says why."""
    monkeypatch.chdir(tmp_path)
    app = site_app(frozen_requests, frozen, "self-signed")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not list(tmp_path.glob("*.pem"))
        assert isinstance(app.screen, SiteScreen)
        assert app.screen.message.startswith("No fixed chain")


async def test_p_shows_the_http_page_of_the_layer(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """`p` shows status, headers and the mixed content found on the page of the layer."""
    app = site_app(frozen_requests, frozen, "mixed-content")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "http"
        text = body(app, "http-body")
        assert "status 200" in text
        assert "strict-transport-security" in text
        assert "active <script src> http://static.lab.test/app.js" in text
        assert "passive <img src> http://static.lab.test/logo.png" in text


@pytest.fixture
def rolling_peers(frozen: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """An origin with the renewed certificate and two edges that switch to it shortly."""
    stale = frozen.site("stale").spec
    new = stale.origin.chain
    old = stale.edges[2].chain
    specs = {
        "127.252.2.1": LayerSpec(Behaviour.TLS, new),
        # generous delays: the first probe must still see the old certificate on a busy box
        "127.252.2.2": LayerSpec(Behaviour.TLS, old, switches=((8.0, new),)),
        "127.252.2.3": LayerSpec(Behaviour.TLS, old, switches=((10.0, new),)),
    }
    with Peers(specs, site="stale.lab.test", directory=tmp_path_factory.mktemp("roll")) as p:
        yield p


async def test_w_watches_until_the_edges_converge(frozen: Lab, rolling_peers: Peers) -> None:
    """`w` re-probes on the interval, records each edge's switch in the timeline, and
    announces convergence once every layer serves the reference."""
    from layerscope.model.options import Endpoint

    options = CheckOptions(
        port=rolling_peers.port,
        edges=("127.252.2.2", "127.252.2.3"),
        origin=Endpoint("127.252.2.1", rolling_peers.port),
        ca_bundle=str(frozen.public_roots),
        alt_ca_bundle="none",
        timeout=3,
        http=False,
    )
    app = LayerscopeApp([SiteRequest("stale.lab.test", options)])
    app.watch_interval = 0.3  # type: ignore[attr-defined]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SiteScreen)
        assert screen.report is not None
        assert any(ly.leaf != screen.report.reference for ly in screen.report.layers)
        await pilot.press("w")
        await pilot.pause()
        assert screen.watching
        assert app.screen.query_one(TabbedContent).active == "timeline"
        for _ in range(900):
            await pilot.pause(0.05)
            if not screen.watching:
                break
        assert not screen.watching
        assert screen.message.startswith("Converged after")
        timeline = body(app, "timeline-body")
        assert "127.252.2.2" in timeline and "127.252.2.3" in timeline
        assert timeline.count(" B ") >= 2 and timeline.count(" A ") >= 3
