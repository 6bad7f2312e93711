"""The `?` help screen: every key and what the columns mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from layerscope.tui.view import help_text

KEYS: tuple[tuple[str, str], ...] = (
    ("↑/↓", "select a layer (a site in the list)"),
    ("enter", "inspect the selected site"),
    ("/", "filter the site list by site name or finding code; escape clears"),
    ("c", "copy the layer's reproduce command (OSC 52: works over SSH)"),
    ("d", "diff the layer against the reference certificate"),
    ("f / h / p", "findings / served chain / HTTP page of the layer"),
    ("r", "re-probe every layer"),
    ("w", "watch: re-probe on an interval, timeline per layer, until they converge"),
    ("e", "export the report as Markdown or JSON"),
    ("x", "write the layer's fixed chain (fullchain.pem: leaf, intermediates, no root)"),
    ("tab", "move between the table and the detail pane"),
    ("ctrl+p", "command palette: every action by name"),
    ("escape", "back to the site list / close this help"),
    ("? / q", "this help / quit"),
)


class HelpScreen(ModalScreen[None]):
    """Keys and column meanings; any of escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static(help_text(KEYS), markup=False, id="help-body")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
