"""The `?` help screen: every key and what the columns mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..view import help_text

KEYS: tuple[tuple[str, str], ...] = (
    ("↑/↓", "select a layer (or a site in the list)"),
    ("enter", "open the selected site (site list)"),
    ("r", "re-probe every layer"),
    ("d", "diff the selected layer against the reference certificate"),
    ("f / h", "findings / chain of the selected layer"),
    ("tab", "move between the table and the detail pane"),
    ("c", "copy the reproduce command of the selected layer (OSC 52, works over SSH)"),
    ("e", "export the report as Markdown or JSON"),
    ("ctrl+p", "command palette: every action by name"),
    ("escape", "back to the site list / close this help"),
    ("?", "this help"),
    ("q", "quit"),
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
