"""What the TUI shows, as SVG snapshots (pytest-textual-snapshot), from the frozen lab:
same certificates, addresses, ports and clock every run.

Update after a deliberate UI change: `python -m pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from layerscope.lab.frozen import frozen_inspect
from layerscope.lab.lab import Lab
from layerscope.model.options import SiteRequest
from layerscope.tui.app import LayerscopeApp

from .conftest import request_for, select_layer, settle

SIZES = [(80, 24), (120, 40)]


def app_for(requests: list[SiteRequest], lab: Lab, name: str) -> LayerscopeApp:
    """The app on one frozen-lab site."""
    return LayerscopeApp([request_for(requests, lab, name)], inspect_fn=frozen_inspect())


def settled_on(address: str | None, *keys: str) -> Callable[[Pilot[None]], Any]:
    """A run_before that waits for the report, selects a layer and presses keys."""

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        if address is not None:
            await select_layer(pilot, address)
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview_of_a_stale_edge(
    snap_compare: Any, frozen: Lab, frozen_requests: list[SiteRequest], size: tuple[int, int]
) -> None:
    """Header, layers (edge 3 labelled B) and the stale edge's findings."""
    app = app_for(frozen_requests, frozen, "stale")
    edge = frozen.site("stale").edges[2]
    assert snap_compare(app, terminal_size=size, run_before=settled_on(edge))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_diff_of_the_stale_edge(
    snap_compare: Any, frozen: Lab, frozen_requests: list[SiteRequest], size: tuple[int, int]
) -> None:
    """The side-by-side diff against the reference, differences marked."""
    app = app_for(frozen_requests, frozen, "stale")
    edge = frozen.site("stale").edges[2]
    assert snap_compare(app, terminal_size=size, run_before=settled_on(edge, "d"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_findings_of_an_incomplete_chain(
    snap_compare: Any, frozen: Lab, frozen_requests: list[SiteRequest], size: tuple[int, int]
) -> None:
    """The incomplete-chain edge's finding with its remediation."""
    app = app_for(frozen_requests, frozen, "incomplete")
    edge = frozen.site("incomplete").edges[2]
    assert snap_compare(app, terminal_size=size, run_before=settled_on(edge))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_site_list(
    snap_compare: Any, frozen: Lab, frozen_requests: list[SiteRequest], size: tuple[int, int]
) -> None:
    """Every lab site, worst first, soonest expiry next."""
    app = LayerscopeApp(frozen_requests, site_list=True, inspect_fn=frozen_inspect())
    assert snap_compare(app, terminal_size=size, run_before=settled_on(None))


def test_overview_without_colour(
    snap_compare: Any,
    frozen: Lab,
    frozen_requests: list[SiteRequest],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With NO_COLOR the screen is monochrome and the words still carry the verdicts."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(frozen_requests, frozen, "stale")
    assert app.no_color
    edge = frozen.site("stale").edges[2]
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled_on(edge))


def test_critical_site_without_colour(
    snap_compare: Any,
    frozen: Lab,
    frozen_requests: list[SiteRequest],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With NO_COLOR, as it opens: the worst layer selected (underlined, bold), CRIT and
    the certificate letters reversed, the header's verdict reversed with the worst
    finding beside it; no colour, no grey."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(frozen_requests, frozen, "incomplete")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled_on(None))


def test_site_list_without_colour(
    snap_compare: Any,
    frozen: Lab,
    frozen_requests: list[SiteRequest],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With NO_COLOR the list's CRIT cells are reversed and WARN underlined."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = LayerscopeApp(frozen_requests, site_list=True, inspect_fn=frozen_inspect())
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled_on(None, "G"))


def test_help_at_80x24(snap_compare: Any, frozen: Lab, frozen_requests: list[SiteRequest]) -> None:
    """`?` at 80x24: one key a line, esc first and in the footer, nothing to scroll."""
    app = app_for(frozen_requests, frozen, "healthy")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled_on(None, "question_mark"))
