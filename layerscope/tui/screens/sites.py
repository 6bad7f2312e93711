"""The site list of a config file: worst severity first, then soonest expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import ColumnKey

from ...config import SiteRequest
from ...core.model import Report
from .. import view
from ..runtime import inspect_fn_of
from .site import SiteScreen


class SitesScreen(Screen[None]):
    """Every configured site, probed concurrently; Enter inspects the selected one."""

    BINDINGS = [
        Binding("enter", "open", "Inspect"),
        Binding("r", "reprobe", "Re-probe all"),
        Binding("e", "export", "Export all"),
    ]

    class SiteInspected(Message):
        """One site's report is ready."""

        def __init__(self, index: int, report: Report) -> None:
            super().__init__()
            self.index = index
            self.report = report

    def __init__(self, requests: Sequence[SiteRequest], title: str = "") -> None:
        super().__init__()
        self.requests = list(requests)
        self.reports: dict[int, Report] = {}
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        yield DataTable(id="sites", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "layerscope — sites"
        table = self.query_one(DataTable)
        table.add_column("Sev", key="sev", width=4)
        width = min(36, max(12, *(len(r.host) for r in self.requests)))
        table.add_column("Site", key="site", width=width)
        table.add_column("Days", key="days", width=5)
        table.add_column("Layers", key="layers", width=6)
        table.add_column("Top finding", key="top")
        self._refresh()
        table.focus()
        self.call_after_refresh(self.action_reprobe)

    def _refresh(self) -> None:
        table = self.query_one(DataTable)
        # the cursor keeps its row, not its site: while results stream in and the list
        # re-sorts, the top row stays the worst site
        row = table.cursor_row if table.row_count else 0
        table.clear()
        order = sorted(
            range(len(self.requests)),
            key=lambda i: view.site_sort_key(self.reports.get(i), self.requests[i].host),
        )
        top_width = self._top_width()
        table.columns[ColumnKey("top")].width = top_width
        for index in order:
            cells = view.sites_cells(self.requests[index].host, self.reports.get(index))
            top = cells[-1].copy()
            top.truncate(top_width, overflow="ellipsis")
            table.add_row(*cells[:-1], top, key=str(index))
        table.move_cursor(row=min(row, len(order) - 1))
        done = len(self.reports)
        header = Text.assemble(
            (f"{len(self.requests)} sites", "bold"),
            f"  {done} checked" if done < len(self.requests) else "  all checked",
            ("  " + self._title, "dim") if self._title else "",
        )
        self.query_one("#header", Static).update(header)

    def _top_width(self) -> int:
        # Sev 4 + Site + Days 5 + Layers 6, two cells of padding per column, a scrollbar
        site = (
            self.query_one(DataTable)
            .columns[ColumnKey("site")]
            .get_render_width(self.query_one(DataTable))
        )
        return max(16, self.size.width - (4 + 5 + 6 + site) - 5 * 2 - 2)

    def on_resize(self) -> None:
        if self.query_one(DataTable).columns:
            self._refresh()

    def _selected_index(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            return int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
        except Exception:  # no row under the cursor
            return None

    def action_reprobe(self) -> None:
        """Probe every site again."""
        self.reports = {}
        self._refresh()
        self._probe_all()

    @work(exclusive=True, group="probe-all")
    async def _probe_all(self) -> None:
        inspect_fn = await inspect_fn_of(self.app)
        limit = asyncio.Semaphore(max(r.options.concurrency for r in self.requests))

        async def one(index: int, request: SiteRequest) -> None:
            report = await inspect_fn(request.host, request.options, limit=limit)
            self.post_message(self.SiteInspected(index, report))

        await asyncio.gather(*(one(i, r) for i, r in enumerate(self.requests)))

    @on(SiteInspected)
    def _on_inspected(self, message: SiteInspected) -> None:
        self.reports[message.index] = message.report
        self._refresh()

    @on(DataTable.RowSelected)
    def _on_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Inspect the selected site."""
        index = self._selected_index()
        if index is None:
            return
        self.app.push_screen(SiteScreen(self.requests[index], self.reports.get(index)))

    def action_export(self) -> None:
        """Export every finished report."""
        from pathlib import Path

        from .export import ExportScreen, save_and_tell

        reports = [self.reports[i] for i in sorted(self.reports)]
        if not reports:
            self.notify("No site has been checked yet.", severity="warning")
            return

        def save(choice: tuple[str, Path] | None) -> None:
            if choice is not None:
                save_and_tell(self, reports, *choice)

        self.app.push_screen(ExportScreen("sites"), save)
