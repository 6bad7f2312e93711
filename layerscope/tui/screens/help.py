"""The `?` help screen: every key and what the columns mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from layerscope.tui.view import help_text
from layerscope.tui.widgets.lists import KeyScroll

# one line each at 80 columns: the way back first, so it shows without scrolling
KEYS: tuple[tuple[str, str], ...] = (
    ("esc", "back to the site list; closes this help"),
    ("q", "back to the site list, else quit"),
    ("ctrl+c", "quit"),
    ("↑↓ j k", "move in the layers or the site list"),
    ("g G", "first / last row (also home / end)"),
    ("enter", "inspect the selected site"),
    ("/", "filter sites by name or finding code; esc clears"),
    ("f h p", "findings / served chain / HTTP page of the layer"),
    ("d", "diff the layer against the reference certificate"),
    ("c", "copy the layer's reproduce command (OSC 52)"),
    ("x", "write the layer's fixed chain (fullchain.pem)"),
    ("r", "re-probe every layer (every site, in the list)"),
    ("w", "watch: re-probe until the layers serve the reference"),
    ("e", "export the report as Markdown or JSON"),
    ("tab", "move between the table and the detail pane"),
    ("ctrl+p", "command palette: every action by name"),
)


class HelpScreen(ModalScreen[None]):
    """Keys and column meanings; any of escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with KeyScroll(id="help-dialog") as dialog:
            dialog.border_title = "Help"
            dialog.border_subtitle = "esc closes"
            yield Static(help_text(KEYS), markup=False, id="help-body")
        yield Footer()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
