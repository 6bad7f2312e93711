"""The layers table: origin first, then edges; rows appear pending and fill in."""

from __future__ import annotations

from textual.widgets import DataTable

from layerscope.model import Layer, Report, Role
from layerscope.tui.view import COLUMNS, Target, layer_cells, pending_cells, target_of


class LayersTable(DataTable[object]):
    """One row per layer, keyed by role, address and port."""

    DEFAULT_CSS = """
    LayersTable { height: auto; max-height: 12; overflow-x: hidden; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = False
        for key, title, width in COLUMNS:
            self.add_column(title, key=key, width=width)

    def show_pending(self, targets: list[Target]) -> None:
        """Every layer at once, as pending, origin first."""
        self.clear()
        ordered = sorted(targets, key=lambda t: t.role is not Role.ORIGIN)
        for target in ordered:
            self.add_row(*pending_cells(target), key=target.key)

    def show_layer(self, layer: Layer, labels: dict[str, str], report: Report | None) -> None:
        """Fill (or add) the row of ``layer``."""
        target = target_of(layer)
        cells = layer_cells(layer, labels, report)
        if target.key not in self.rows:
            self.add_row(*cells, key=target.key)
            return
        for (column, _title, _width), cell in zip(COLUMNS, cells, strict=True):
            self.update_cell(target.key, column, cell, update_width=True)

    def show_report(self, report: Report, labels: dict[str, str]) -> None:
        """Every row from the final report (labels and severities known)."""
        keep = self.cursor_row
        self.clear()
        for layer in report.layers:
            self.add_row(*layer_cells(layer, labels, report), key=target_of(layer).key)
        if self.row_count:
            self.move_cursor(row=min(keep, self.row_count - 1))

    @property
    def selected_key(self) -> str | None:
        """Key of the highlighted row."""
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # no row under the cursor yet
            return None
