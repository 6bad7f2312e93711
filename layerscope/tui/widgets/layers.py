"""The layers table: origin first, then edges; rows appear pending and fill in."""

from __future__ import annotations

from textual.widgets.data_table import ColumnKey

from layerscope.model import Role
from layerscope.tui.view import (
    CERT_TYPED_WIDTH,
    COLUMNS,
    Target,
    layer_cells,
    pending_cells,
    target_of,
)
from layerscope.tui.widgets.lists import ListTable

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import Layer, Report

_CERT_WIDTH = next(width or 0 for key, _title, width in COLUMNS if key == "cert")


class LayersTable(ListTable):
    """One row per layer (two for a layer serving two certificates), keyed by role,
    address and port (and the second certificate's type). The cursor stays on its layer
    when the rows are rebuilt (a re-probe, a watch round)."""

    DEFAULT_CSS = """
    LayersTable { height: auto; max-height: 12; overflow-x: hidden; }
    """

    def on_mount(self) -> None:
        for key, title, width in COLUMNS:
            self.add_column(title, key=key, width=width)

    def show_pending(self, targets: list[Target]) -> None:
        """Every layer at once, as pending, origin first."""
        keep = self.selected_key
        self.clear()
        ordered = sorted(targets, key=lambda t: t.role is not Role.ORIGIN)
        for target in ordered:
            self.add_row(*pending_cells(target), key=target.key)
        self.select(keep)

    def show_layer(self, layer: Layer, labels: dict[str, str], report: Report | None) -> None:
        """Fill (or add) the row of ``layer``."""
        target = target_of(layer)
        cells = layer_cells(layer, labels, report)
        if target.key not in self.rows:
            self.add_row(*cells, key=target.key)
            return
        for (column, _title, _width), cell in zip(COLUMNS, cells, strict=True):
            self.update_cell(target.key, column, cell, update_width=True)

    def show_report(
        self, report: Report, labels: dict[str, str], select: str | None = None
    ) -> None:
        """Every row from the final report (labels and severities known); the cursor goes
        to ``select``, else stays on its layer, else on its row."""
        keep_key, keep_row = self.selected_key, self.cursor_row
        self.clear()
        # the Cert column is wider on a site whose layers serve two certificates (its type
        # beside the label); set before the rows, which are laid out to it
        cert = self.columns[ColumnKey("cert")]
        cert.width = CERT_TYPED_WIDTH if report.dual else _CERT_WIDTH
        for part in (part for layer in report.layers for part in layer.parts):
            self.add_row(*layer_cells(part, labels, report), key=target_of(part).key)
        if not self.row_count or self.select(select) or self.select(keep_key):
            return
        self.move_cursor(row=min(max(keep_row, 0), self.row_count - 1))
