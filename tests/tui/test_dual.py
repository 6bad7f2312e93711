"""The inspector on a site whose layers serve two certificates (ECDSA and RSA): a row per
certificate with its type, the screen opens on the stale RSA one, the header says the site
uses two, the diff compares with the reference of the same type. Driven by Pilot against
the frozen lab."""

from __future__ import annotations

from textual.widgets import Static, TabbedContent

from layerscope.lab.lab import Lab
from layerscope.model import CertType
from layerscope.model.options import SiteRequest
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.widgets.layers import LayersTable

from .conftest import settle
from .test_pilot import body, plain, site_app


async def test_the_stale_rsa_certificate_is_where_the_screen_opens(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """Two rows per layer with the type in the Cert column; the cursor starts on edge 3's
    RSA row (the stale one), whose findings pane says RSA and whose diff is against the
    RSA reference; the header says the site uses two certificates."""
    app = site_app(frozen_requests, frozen, "dual-stale-rsa")
    site = frozen.site("dual-stale-rsa")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SiteScreen) and screen.report is not None
        table = screen.query_one(LayersTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert table.row_count == 2 * (1 + len(site.edges))
        assert [r[3].split()[-1] for r in rows] == ["ECDSA", "RSA"] * (1 + len(site.edges))
        layer = screen.selected_layer
        assert layer is not None and layer.address == site.edges[2]
        assert layer.cert_type is CertType.RSA and layer.is_second
        findings = body(app, "findings-body")
        assert "stale_edge" in findings and "previous RSA certificate" in findings
        header = plain(screen.query_one("#header", Static).content)
        assert "stale_edge" in header.splitlines()[0]
        assert "Certificates: ECDSA and RSA on every layer" in header
        await pilot.press("d")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "diff"
        diff = body(app, "diff-body")
        assert "RSA reference" in diff and "differ from the reference" in diff
        # the same edge's ECDSA row serves the ECDSA reference: no difference there
        await pilot.press("up")
        await pilot.pause()
        mine = screen.selected_layer
        assert mine is not None and mine.address == site.edges[2] and not mine.is_second
        assert "Same certificate and chain as the reference" in body(app, "diff-body")
