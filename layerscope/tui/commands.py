"""Command palette: every action by name, for the long tail beyond the keys."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class LayerscopeCommands(Provider):
    """Actions of the current screen and the app."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from layerscope.tui.screens.export import default_path
        from layerscope.tui.screens.site import SiteScreen
        from layerscope.tui.screens.sites import SitesScreen

        screen = self.screen
        app = self.app
        out: list[tuple[str, str, Callable[[], object]]] = []
        if isinstance(screen, SiteScreen):
            out += [
                ("Re-probe every layer", "r", screen.action_reprobe),
                ("Watch until every layer serves the reference", "w", screen.action_watch),
                ("Show diff against the reference", "d", screen.action_diff),
                ("Show findings", "f", partial(screen.action_show_tab, "findings")),
                ("Show served chain", "h", partial(screen.action_show_tab, "chain")),
                ("Show HTTP page of the layer", "p", partial(screen.action_show_tab, "http")),
                ("Copy reproduce command", "c", screen.action_copy),
                ("Export report…", "e", screen.action_export),
                (
                    "Write the fixed chain (fullchain.pem) of this layer",
                    "x",
                    screen.action_fix_chain,
                ),
            ]
            report = screen.report
            if report is not None:
                for fmt in ("markdown", "json"):
                    path = default_path(screen.request.host, fmt)
                    out.append(
                        (
                            f"Export as {fmt} to {path.name}",
                            "",
                            partial(screen.export, report, fmt, path),
                        )
                    )
            if screen.has_list:
                out.append(("Back to the site list", "escape / q", screen.action_back))
        if isinstance(screen, SitesScreen):
            out += [
                ("Inspect selected site", "enter", screen.action_open),
                ("Re-probe all sites", "r", screen.action_reprobe),
                ("Export all reports…", "e", screen.action_export),
            ]
        out += [
            ("Help: keys and columns", "?", partial(app.run_action, "help")),
            ("Quit", "q", app.exit),
        ]
        return out

    async def discover(self) -> Hits:
        for name, key, callback in self._commands():
            yield DiscoveryHit(name, callback, help=f"key: {key}" if key else None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, key, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), callback, help=f"key: {key}" if key else None
                )
