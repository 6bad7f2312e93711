"""The first screen tells the truth (#11): a site opens on its worst layer with its worst
finding in the header, and the site list shows what a re-probe on a site screen found.
Driven by Pilot against the frozen lab."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from layerscope.lab.frozen import frozen_inspect
from layerscope.lab.lab import Lab
from layerscope.model import Report, Severity
from layerscope.model.options import CheckOptions, SiteRequest
from layerscope.tui import view
from layerscope.tui.app import LayerscopeApp
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.screens.sites import SitesScreen
from layerscope.tui.widgets.layers import LayersTable

from .conftest import request_for, settle
from .test_pilot import body, plain, site_app

# scenario -> the edge (index in DNS order) the screen opens on; None: the origin
WORST = {
    "incomplete": 2,  # the one edge without its intermediate
    "stale": 2,  # the edge still on the old certificate
    "wrong-order": 1,
    "default-cert": 1,
    "broken-edges": 1,  # three dead edges: the first of them
    "expired": 0,  # every layer critical: the first edge, not the origin
    "healthy": 0,  # nothing wrong anywhere: the first edge
    "edge-ahead": None,  # only the origin is behind: the origin
}


def header_line(app: LayerscopeApp) -> str:
    """The first line of the site screen's header."""
    return plain(app.screen.query_one("#header", Static).content).splitlines()[0]


@pytest.mark.parametrize("name", list(WORST))
async def test_a_site_opens_on_its_worst_layer(
    frozen: Lab, frozen_requests: list[SiteRequest], name: str
) -> None:
    """The cursor starts on the layer whose row is worst (ties: the first edge), so the
    findings pane shows what is wrong instead of "No findings" under a CRITICAL header."""
    app = site_app(frozen_requests, frozen, name)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SiteScreen)
        index = WORST[name]
        site = frozen.site(name)
        expected = site.origin if index is None else site.edges[index]
        assert screen.selected_layer is not None
        assert screen.selected_layer.address == expected
        report = screen.report
        assert report is not None
        if report.severity > Severity.INFO:
            assert "No findings" not in body(app, "findings-body")


@pytest.mark.parametrize("name", ["incomplete", "stale", "broken-edges"])
async def test_the_header_line_names_the_worst_finding(
    frozen: Lab, frozen_requests: list[SiteRequest], name: str
) -> None:
    """The header's first line carries the site's worst finding (the report's first):
    its code and the start of its summary, cut to one line at 80 columns."""
    app = site_app(frozen_requests, frozen, name)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SiteScreen) and app.screen.report is not None
        worst = app.screen.report.findings[0]
        line = header_line(app)
        assert worst.code in line
        assert len(line.rstrip()) <= 78
        assert line.rstrip().endswith("…")


async def test_a_site_opened_from_the_list_opens_on_its_worst_layer(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Enter on a site of the list (its report reused) also lands on the worst layer."""
    app = LayerscopeApp(frozen_requests, site_list=True, inspect_fn=frozen_inspect())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sites = app.screen
        assert isinstance(sites, SitesScreen)
        table = sites.query_one("#sites", DataTable)
        index = frozen_requests.index(request_for(frozen_requests, frozen, "incomplete"))
        table.move_cursor(row=table.get_row_index(str(index)))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SiteScreen)
        assert screen.selected_layer is not None
        assert screen.selected_layer.address == frozen.site("incomplete").edges[2]


async def test_a_cursor_moved_during_the_probe_stays_put(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Someone who moved to a layer while the probes ran keeps it when the report lands."""
    inner = frozen_inspect()
    gate = asyncio.Event()

    async def held(host: str, options: CheckOptions, **kw: Any) -> Report:
        report = await inner(host, options, **kw)
        await gate.wait()  # rows are on screen, the report is not
        return report

    request = request_for(frozen_requests, frozen, "incomplete")
    app = LayerscopeApp([request], inspect_fn=held)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(LayersTable)
        for _ in range(200):
            await pilot.pause(0.05)
            if table.row_count == 4:
                break
        await pilot.press("j")
        moved = table.selected_key
        assert moved is not None and frozen.site("incomplete").edges[0] in moved
        gate.set()
        await settle(pilot)
        assert table.selected_key == moved


async def test_a_reprobe_keeps_the_selected_layer(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """`r` rebuilds the rows; the cursor stays on the layer it was on."""
    app = site_app(frozen_requests, frozen, "stale")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g")  # the origin
        table = app.screen.query_one(LayersTable)
        chosen = table.selected_key
        await pilot.press("r")
        await pilot.pause()
        await settle(pilot)
        assert table.selected_key == chosen


async def test_the_list_shows_what_a_reprobe_on_the_site_found(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """After `r` on a site screen, back on the list, the site's row and report are the
    new ones (here the second probe finds the site fixed)."""
    stale = request_for(frozen_requests, frozen, "stale")
    inner = frozen_inspect()
    calls: list[str] = []

    async def fixed_on_second_look(host: str, options: CheckOptions, **kw: Any) -> Report:
        report = await inner(host, options, **kw)
        calls.append(host)
        if host == stale.host and calls.count(host) > 1:
            return dataclasses.replace(report, findings=())
        return report

    app = LayerscopeApp(frozen_requests, site_list=True, inspect_fn=fixed_on_second_look)
    index = frozen_requests.index(stale)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sites = app.screen
        assert isinstance(sites, SitesScreen)
        assert sites.reports[index].severity is Severity.WARNING
        table = sites.query_one("#sites", DataTable)
        table.move_cursor(row=table.get_row_index(str(index)))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
        site = app.screen
        assert isinstance(site, SiteScreen) and site.report is not None
        assert site.report.severity is Severity.OK
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is sites
        assert sites.reports[index] is site.report
        row = table.get_row(str(index))
        assert str(row[0]) == "OK"
        # the cursor is back on the site just inspected, wherever the new result sorted it
        assert table.cursor_row == table.get_row_index(str(index))


def test_severity_words_carry_an_attribute_besides_their_colour() -> None:
    """Without colour (NO_COLOR) CRIT reads reversed, WARN underlined, both bold."""
    from rich.style import Style

    crit = Style.parse(str(view.severity_text(Severity.CRITICAL).style))
    warn = Style.parse(str(view.severity_text(Severity.WARNING).style))
    assert crit.bold and crit.reverse
    assert warn.bold and warn.underline and not warn.reverse


async def test_no_color_drops_every_colour_not_just_its_hue(
    frozen: Lab, frozen_requests: list[SiteRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With NO_COLOR the app runs in the terminal's own colours and Textual removes every
    colour (no greys computed from red and blue that vanish on a dark background)."""
    from textual.filter import Monochrome, NoColor

    monkeypatch.setenv("NO_COLOR", "1")
    app = site_app(frozen_requests, frozen, "healthy")
    assert app.no_color and app.ansi_color
    async with app.run_test(size=(80, 24)):
        filters = app.get_line_filters()
        assert any(isinstance(f, NoColor) for f in filters)
        assert not any(isinstance(f, Monochrome) for f in filters)


async def test_the_app_says_when_its_first_frame_is_on(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """``on_ready`` (the command's end of start-up) is called once, after the first
    refresh, with the site's screen on."""
    calls: list[bool] = []
    app = LayerscopeApp(
        [request_for(frozen_requests, frozen, "healthy")],
        inspect_fn=frozen_inspect(),
        on_ready=lambda: calls.append(isinstance(app.screen, SiteScreen)),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
    assert calls == [True]
