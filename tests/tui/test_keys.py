"""Keys as people expect them from k9s, lazygit and htop (#11): j/k, g/G, Home/End in every
list, Esc and q go back, Ctrl-C quits, the footers and the help say so at 80x24."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from layerscope.lab.frozen import frozen_inspect
from layerscope.lab.lab import Lab
from layerscope.model.options import SiteRequest
from layerscope.tui.app import LayerscopeApp
from layerscope.tui.screens.help import KEYS, HelpScreen
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.screens.sites import SitesScreen
from layerscope.tui.widgets.layers import LayersTable
from layerscope.tui.widgets.lists import KeyScroll

from .conftest import settle
from .test_pilot import site_app


def list_app(requests: list[SiteRequest]) -> LayerscopeApp:
    """The site list over every frozen-lab site."""
    return LayerscopeApp(requests, site_list=True, inspect_fn=frozen_inspect())


def footer_keys(app: LayerscopeApp) -> dict[str, str]:
    """Key -> description of what the current screen's footer shows."""
    return {k.key: k.description for k in app.screen.query(FooterKey)}


@pytest.mark.parametrize("where", ["layers", "sites"])
async def test_lists_move_with_j_k_g_shift_g_home_and_end(
    frozen: Lab, frozen_requests: list[SiteRequest], where: str
) -> None:
    """In the layers table and in the site list: j/k move one row, g and Home go to the
    first row, G and End to the last."""
    if where == "layers":
        app = site_app(frozen_requests, frozen, "stale")
    else:
        app = list_app(frozen_requests)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LayersTable if where == "layers" else DataTable)
        last = table.row_count - 1
        assert last >= 3
        for key, row in (
            ("g", 0),
            ("j", 1),
            ("j", 2),
            ("k", 1),
            ("G", last),
            ("home", 0),
            ("end", last),
        ):
            await pilot.press(key)
            assert table.cursor_row == row, key


async def test_detail_panes_scroll_with_j_k_g_and_shift_g(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Tab into the findings pane: j scrolls down a line, k back, G to the end, g to the
    top."""
    app = site_app(frozen_requests, frozen, "incomplete")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one("#findings KeyScroll", KeyScroll)
        for _ in range(3):  # past the tab strip
            if pane.has_focus:
                break
            await pilot.press("tab")
        assert pane.has_focus and pane.max_scroll_y > 1
        await pilot.press("j", "j")
        await pilot.pause(0.3)
        assert pane.scroll_y == 2
        await pilot.press("k")
        await pilot.pause(0.3)
        assert pane.scroll_y == 1
        await pilot.press("G")
        await pilot.pause(0.3)
        assert pane.scroll_y == pane.max_scroll_y
        await pilot.press("g")
        await pilot.pause(0.3)
        assert pane.scroll_y == 0


async def test_esc_and_q_go_back_to_the_list_and_the_footer_says_so(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """On a site opened from the list the footer shows `esc Back` (no Quit); Esc comes
    back to the list, and so does q."""
    app = list_app(frozen_requests)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("escape", "q"):
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, SiteScreen)
            shown = footer_keys(app)
            assert shown.get("escape") == "Back"
            assert "q" not in shown
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, SitesScreen), key
        assert app.is_running


async def test_a_lone_site_has_no_back_and_q_quits(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """With no list to go back to, the footer offers `q Quit` and no Back; Esc does nothing."""
    app = site_app(frozen_requests, frozen, "healthy")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = footer_keys(app)
        assert shown.get("q") == "Quit" and "escape" not in shown
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SiteScreen) and app.is_running
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.parametrize("site_list", [False, True])
async def test_ctrl_c_quits_without_a_question(
    frozen: Lab, frozen_requests: list[SiteRequest], site_list: bool
) -> None:
    """Ctrl-C ends the app at once, on a site or on the list: no "do you want to quit?"."""
    app = list_app(frozen_requests) if site_list else site_app(frozen_requests, frozen, "stale")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app._notifications
    assert app.return_code == 0


async def test_the_site_list_footer_shows_enter_and_slash(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """At 80 columns the list's footer names Enter (inspect) and / (filter) too."""
    app = list_app(frozen_requests)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = footer_keys(app)
        assert shown.get("enter") == "Inspect"
        assert shown.get("slash") == "Filter"
        # every key of the footer is on screen, none pushed past the right edge
        right = max(k.region.right for k in app.screen.query(FooterKey))
        assert right <= 80


def _lines(content: object, width: int) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(content)
    return console.export_text().splitlines()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_help_fits_and_reads_at_80x24(
    frozen: Lab, frozen_requests: list[SiteRequest], size: tuple[int, int]
) -> None:
    """`?` shows every key on one line each (no description wrapped into an orphaned
    word), the whole help without scrolling, the way out (esc) first and in the footer."""
    app = site_app(frozen_requests, frozen, "healthy")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        dialog = app.screen.query_one("#help-dialog", KeyScroll)
        assert dialog.max_scroll_y == 0
        help_body = app.screen.query_one("#help-body", Static)
        lines = _lines(help_body.content, help_body.content_size.width)
        for key, description in KEYS:
            assert any(f"{key}  {description}" in line for line in lines), key
        assert KEYS[0][0] == "esc"
        assert footer_keys(app).get("escape") == "Close"
        # the explanation of the columns ends on a line with more than one word
        last = [line for line in lines if line.strip()][-1]
        assert len(last.split()) > 1
