"""TUI fixtures: the frozen lab (same certificates, addresses and ports every run) and
helpers to wait for probes in Pilot tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from layerscope.commands.config import load_config
from layerscope.lab.frozen import frozen_lab
from layerscope.lab.lab import Lab
from layerscope.model.options import SiteRequest
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.screens.sites import SitesScreen


@pytest.fixture(scope="session")
def frozen() -> Iterator[Lab]:
    """The reproducible lab, started once."""
    with frozen_lab(octet=197, port=18443) as lab:
        yield lab


@pytest.fixture(scope="session")
def frozen_requests(frozen: Lab) -> list[SiteRequest]:
    """Every lab site with the lab's resolver and trust stores."""
    return load_config(frozen.config, {})


def request_for(requests: list[SiteRequest], lab: Lab, name: str) -> SiteRequest:
    """The request of one lab scenario."""
    host = lab.site(name).host
    return next(r for r in requests if r.host == host)


async def settle(pilot: Pilot[None], timeout: float = 20) -> None:
    """Wait until the current screen has its final report(s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, SiteScreen) and screen.report is not None and not screen.probing:
            break
        if isinstance(screen, SitesScreen) and len(screen.reports) == len(screen.requests):
            break
    else:
        raise AssertionError("the probes did not finish in time")
    await pilot.pause()


async def select_layer(pilot: Pilot[None], address: str) -> None:
    """Move the layers table cursor to the row of ``address`` (from the first row down: the
    screen opens on the worst layer, which may be below it)."""
    screen = pilot.app.screen
    assert isinstance(screen, SiteScreen)
    await pilot.press("home")
    for _ in range(10):
        layer = screen.selected_layer
        if layer is not None and layer.address == address:
            return
        await pilot.press("down")
    raise AssertionError(f"no row for {address}")
