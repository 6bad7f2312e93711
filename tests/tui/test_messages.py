"""What the site screen says after an action (#11): on a message line of its own above the
footer, never a toast over the findings at 80x24; the copy key shows the command and when
the terminal may drop OSC 52."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from layerscope.lab.lab import Lab
from layerscope.model.options import SiteRequest
from layerscope.tui import view
from layerscope.tui.screens.site import SiteScreen

from .conftest import select_layer, settle
from .test_pilot import site_app


def site_screen(app: object) -> SiteScreen:
    """The app's current screen, which must be a site screen."""
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, SiteScreen)
    return screen


def assert_findings_uncovered(screen: SiteScreen) -> None:
    """The message line sits below the detail pane: nothing is drawn over the findings."""
    message = screen.query_one("#message", Static).region
    detail = screen.query_one("#detail").region
    assert message.height > 0
    assert not message.overlaps(detail)
    assert message.y >= detail.bottom


async def test_fix_chain_says_what_it_wrote_without_covering_the_findings(
    frozen: Lab,
    frozen_requests: list[SiteRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`x` at 80x24: the result is on the message line (no toast), the findings pane
    shrinks instead of being covered."""
    monkeypatch.chdir(tmp_path)
    app = site_app(frozen_requests, frozen, "incomplete")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = site_screen(app)
        assert screen.message.startswith("Fixed chain: wrote ")
        assert not app._notifications
        assert_findings_uncovered(screen)


async def test_watch_speaks_on_the_message_line(
    frozen: Lab, frozen_requests: list[SiteRequest]
) -> None:
    """`w` says it is watching on the message line, not in a toast; `w` again stops it."""
    app = site_app(frozen_requests, frozen, "stale")  # the stale edge keeps it watching
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        screen = site_screen(app)
        assert screen.watching
        assert screen.message.startswith("Watching: re-probing every")
        assert not app._notifications
        assert_findings_uncovered(screen)
        await pilot.press("w")
        await pilot.pause()
        assert not screen.watching and screen.message == "Stopped watching."


async def test_copy_shows_the_command_to_select_by_hand(
    frozen: Lab, frozen_requests: list[SiteRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`c` shows the whole command (the clipboard write may be dropped) and says how to
    get it anyway; moving to another layer clears the line."""
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("STY", raising=False)
    app = site_app(frozen_requests, frozen, "stale")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        edge = frozen.site("stale").edges[2]
        await select_layer(pilot, edge)
        await pilot.press("c")
        await pilot.pause()
        screen = site_screen(app)
        assert app.clipboard in screen.message.replace("\n", "")
        assert "OSC 52" in screen.message and "by hand" in screen.message
        assert not app._notifications
        assert_findings_uncovered(screen)
        await pilot.press("k")
        await pilot.pause()
        assert screen.message == ""


def test_copy_names_tmux_set_clipboard_inside_tmux() -> None:
    """Inside tmux (TMUX set) the copy message names `set -g set-clipboard on`; inside
    GNU screen it says OSC 52 is dropped; elsewhere it says the terminal may drop it."""
    command = "openssl s_client -connect 192.0.2.1:443 -servername example.com"
    tmux = view.copy_message(command, {"TMUX": "/tmp/tmux-1000/default,42,0"}).plain
    screen = view.copy_message(command, {"STY": "1234.pts-0.host"}).plain
    plain = view.copy_message(command, {}).plain
    assert command in tmux and "set -g set-clipboard on" in tmux
    assert "GNU screen drops OSC 52" in screen
    assert "may drop OSC 52" in plain and "set-clipboard" not in plain


def test_the_copy_message_is_sanitised() -> None:
    """A command built from untrusted names is shown with its control characters escaped."""
    text = view.copy_message("openssl s_client -servername \x1b]0;x\x07evil", {}).plain
    assert "\x1b" not in text and "\x07" not in text
