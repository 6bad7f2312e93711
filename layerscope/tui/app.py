"""The Textual app: routes to the site list or a site; computes nothing itself."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from textual.app import App
from textual.binding import Binding

from layerscope.model.options import SiteRequest
from layerscope.tui.commands import LayerscopeCommands
from layerscope.tui.runtime import InspectFn
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.screens.sites import SitesScreen


class LayerscopeApp(App[None]):
    """``LayerscopeApp(requests)``: one request opens the site; several open the list.

    With ``NO_COLOR`` set the app draws in the terminal's own colours (Textual's ANSI
    mode, whose no-colour filter drops every colour instead of turning them into greys):
    severities and certificate labels then read from bold, reverse and underline.
    """

    CSS_PATH = "app.tcss"
    TITLE = "layerscope"
    COMMANDS = App.COMMANDS | {LayerscopeCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        # as in every terminal tool: no "do you want to quit?" (a text selection is still
        # copied first: the screen's copy binding comes before this one)
        Binding("ctrl+c", "quit", "Quit", show=False),
    ]

    def __init__(
        self,
        requests: Sequence[SiteRequest],
        *,
        site_list: bool | None = None,
        inspect_fn: InspectFn | None = None,
        subtitle: str = "",
        on_ready: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        if "NO_COLOR" in os.environ:  # Textual's test: set, whatever the value
            kwargs.setdefault("ansi_color", True)
        super().__init__(**kwargs)
        self.requests = list(requests)
        self.site_list = len(self.requests) > 1 if site_list is None else site_list
        # None: the real engine, imported when the first probe starts (not before the
        # first frame)
        self.inspect_fn: InspectFn | None = inspect_fn
        self.sub_title = subtitle
        # told once the first frame is on the terminal (the command's start-up is over)
        self._on_ready = on_ready

    def on_mount(self) -> None:
        if self.site_list:
            self.push_screen(SitesScreen(self.requests, self.sub_title))
        else:
            self.push_screen(SiteScreen(self.requests[0]))
        if self._on_ready is not None:
            self.call_after_refresh(self._on_ready)

    def action_help(self) -> None:
        """Show keys and what the columns mean."""
        from layerscope.tui.screens.help import HelpScreen  # on demand: not before a frame

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
