"""The site list's `/` filter, driven by Pilot against the frozen lab."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from layerscope.lab.frozen import frozen_inspect
from layerscope.lab.lab import Lab
from layerscope.model.options import SiteRequest
from layerscope.tui.app import LayerscopeApp
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.screens.sites import SitesScreen, matches_filter

from .conftest import settle


def listed(screen: SitesScreen) -> set[str]:
    """Site names in the table, as shown."""
    table = screen.query_one("#sites", DataTable)
    return {str(table.get_row_at(row)[1]) for row in range(table.row_count)}


def box_shown(screen: SitesScreen) -> bool:
    """The filter box is displayed."""
    return bool(screen.query_one("#filter", Input).display)


def header(screen: SitesScreen) -> str:
    """The header line as plain text."""
    return str(screen.query_one("#header", Static).content)


async def type_filter(pilot: Pilot[None], text: str) -> None:
    """Press `/` and type ``text`` key by key."""
    await pilot.press("slash")
    await pilot.press(*("underscore" if c == "_" else c for c in text))
    await pilot.pause()


def app_for(requests: list[SiteRequest]) -> LayerscopeApp:
    """The site list over every frozen-lab site."""
    return LayerscopeApp(requests, site_list=True, inspect_fn=frozen_inspect())


async def test_slash_filters_by_finding_code_case_insensitively(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Typing a finding code in capitals keeps the sites with that finding, even when their
    name does not contain it, and the header says how many of all sites are shown."""
    app = app_for(frozen_requests)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SitesScreen)
        assert not box_shown(screen)
        await type_filter(pilot, "INCOMPLETE_CHAIN")
        assert box_shown(screen) and screen.query_one("#filter", Input).has_focus
        expected = {
            frozen.site("incomplete").host,
            frozen.site("aia-only").host,
            frozen.site("aia-by-name").host,
            frozen.site("unparseable").host,  # its leaf's intermediate cannot be parsed
        }
        assert listed(screen) == expected
        assert header(screen).startswith(f"{len(expected)} of {len(frozen_requests)} sites")


async def test_filter_matches_site_names_and_every_word(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """A word matches part of a site name; several words must all match (name or code)."""
    app = app_for(frozen_requests)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SitesScreen)
        await type_filter(pilot, "Expir")
        assert listed(screen) == {
            frozen.site("expired").host,
            frozen.site("expiring").host,
            frozen.site("expired-intermediate").host,
            frozen.site("expired-root").host,
        }
        await pilot.press("space", *"soon")
        await pilot.pause()
        assert listed(screen) == {frozen.site("expiring").host}


async def test_enter_keeps_the_filter_and_returns_to_the_list(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Enter leaves the filter in place with the keys back on the table: the next Enter
    inspects a site of the filtered list, and the filter is still there on return."""
    app = app_for(frozen_requests)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SitesScreen)
        await type_filter(pilot, "stale_edge")
        names = ("stale", "rolling", "dual-rolling", "dual-stale-rsa")
        expected = {frozen.site(name).host for name in names}
        assert listed(screen) == expected
        await pilot.press("enter")
        await pilot.pause()
        table = screen.query_one("#sites", DataTable)
        assert table.has_focus
        assert box_shown(screen)
        assert listed(screen) == expected
        await pilot.press("enter")
        await pilot.pause()
        opened = app.screen
        assert isinstance(opened, SiteScreen)
        assert opened.request.host in expected
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not opened and isinstance(app.screen, SitesScreen)
        assert listed(screen) == expected


async def test_escape_clears_and_hides_the_filter(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Escape, in the box or on the table, empties the filter, hides the box and lists
    every site again."""
    app = app_for(frozen_requests)
    total = len(frozen_requests)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SitesScreen)
        search = screen.query_one("#filter", Input)
        for leave_box in (False, True):
            await type_filter(pilot, "weak")
            assert listed(screen) == {frozen.site("weak").host, frozen.site("weak-root").host}
            if leave_box:
                await pilot.press("enter")
            await pilot.press("escape")
            await pilot.pause()
            assert not box_shown(screen) and search.value == ""
            assert screen.query_one("#sites", DataTable).has_focus
            assert len(listed(screen)) == total
            assert header(screen).startswith(f"{total} sites")


async def test_filter_with_no_match_shows_an_empty_list(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """A filter nothing matches leaves an empty table, says 0 of N, and Enter opens nothing."""
    app = app_for(frozen_requests)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SitesScreen)
        await type_filter(pilot, "nosuchthing")
        assert listed(screen) == set()
        assert header(screen).startswith(f"0 of {len(frozen_requests)} sites")
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert app.screen is screen


async def test_re_probing_keeps_the_filter(frozen: Lab, frozen_requests: list[SiteRequest]) -> None:
    """`r` probes every site again; the rows that come back still follow the filter."""
    app = app_for(frozen_requests)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SitesScreen)
        await type_filter(pilot, "revoked")
        await pilot.press("enter", "r")
        await settle(pilot)
        assert listed(screen) == {frozen.site("revoked").host, frozen.site("revoked-by-name").host}


def test_matches_filter_is_case_insensitive_and_needs_every_word() -> None:
    """Empty matches all; words are case-insensitive substrings of the name or a code."""
    assert matches_filter("Shop.Example", None, "")
    assert matches_filter("Shop.Example", None, "  shop  EXAMPLE ")
    assert not matches_filter("shop.example", None, "shop expired")
