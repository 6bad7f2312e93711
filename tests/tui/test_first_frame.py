"""The site screen's first frame is light (#14): the header and the layers come first, the
detail tabs and the footer are mounted just after, and nothing asked meanwhile is lost."""

from __future__ import annotations

from textual.widgets import Footer, TabbedContent

from layerscope.lab.frozen import frozen_inspect
from layerscope.lab.lab import Lab
from layerscope.model.options import SiteRequest
from layerscope.tui.app import LayerscopeApp
from layerscope.tui.screens.site import SiteScreen

from .conftest import request_for, settle
from .test_pilot import body


def _composed(screen: SiteScreen) -> list[str]:
    return [type(widget).__name__ for widget in screen.compose()]


def test_a_screen_that_probes_composes_its_tabs_after_the_first_frame(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Opening on a probe: header, layers and the (hidden) message line; the tabs and the
    footer are not in the first composition."""
    request = request_for(frozen_requests, frozen, "stale")
    assert _composed(SiteScreen(request)) == ["Static", "LayersTable", "Static"]


async def test_the_tabs_arrive_with_the_report_and_the_tab_asked_for_meanwhile(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """A tab chosen before the tabs are mounted is the one they open on, and the report
    (here the frozen lab's, almost at once) is in the panes."""
    app = LayerscopeApp(
        [request_for(frozen_requests, frozen, "stale")], inspect_fn=frozen_inspect()
    )
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, SiteScreen)
        screen.action_show_tab("diff")
        await settle(pilot)
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "diff"
        assert screen.query(Footer)  # the keys are there once the tabs are
        assert "stale_edge" in body(app, "findings-body")
        assert body(app, "diff-body").strip()


async def test_a_screen_opened_with_a_report_shows_it_in_its_tabs_at_once(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """From the site list a site screen comes with its report: its tabs are composed with
    it and show the report on the first frame."""
    request = request_for(frozen_requests, frozen, "stale")
    app = LayerscopeApp([request], inspect_fn=frozen_inspect())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        report = app.screen.report  # type: ignore[attr-defined]
        screen = SiteScreen(request, report)
        assert _composed(screen) == ["Static", "LayersTable", "TabbedContent", "Static", "Footer"]
        await app.push_screen(screen)
        await pilot.pause()
        assert "stale_edge" in body(app, "findings-body")
