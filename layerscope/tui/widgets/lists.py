"""Lists and scrolled panes with the keys people bring from k9s, lazygit and htop."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable


class ListTable(DataTable[object]):
    """A table with a row cursor: ``j``/``k`` move it, ``g``/``G`` and Home/End go to the
    first and last row (a plain DataTable scrolls sideways on Home/End)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "scroll_top", "First", show=False),
        Binding("G,end", "scroll_bottom", "Last", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)

    @property
    def selected_key(self) -> str | None:
        """Key of the highlighted row."""
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # no row under the cursor yet
            return None

    def select(self, key: str | None) -> bool:
        """Put the cursor on the row of ``key``; False when there is no such row."""
        if key is None or key not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(key))
        return True


class KeyScroll(VerticalScroll):
    """A scrolled pane: ``j``/``k`` scroll a line, ``g``/``G`` go to the top and the end
    (arrows, Page Up/Down, Home/End as usual)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "End", show=False),
    ]
