"""The site list of a config file: worst severity first, then soonest expiry.

``/`` filters the list by site name or finding code; the header then says how many of
the sites are shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets.data_table import ColumnKey

from layerscope.model.options import SiteRequest
from layerscope.tui import view
from layerscope.tui.runtime import inspect_fn_of
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.widgets.lists import ListTable

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import Report


def matches_filter(host: str, report: Report | None, query: str) -> bool:
    """Tell whether a site matches a filter, case-insensitively.

    Every word of ``query`` must appear in the site name or in one of the site's
    finding codes (a site still being probed matches on its name only); an empty
    query matches every site.
    """
    haystack = [host.casefold()]
    if report is not None:
        haystack.extend(f.code.casefold() for f in report.findings)
    return all(any(word in text for text in haystack) for word in query.casefold().split())


class SitesTable(ListTable):
    """The site list: Enter inspects the selected site (and says so in the footer)."""

    BINDINGS = [Binding("enter", "select_cursor", "Inspect")]


class SitesScreen(Screen[None]):
    """Every configured site, probed concurrently; Enter inspects the selected one."""

    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("r", "reprobe", "Re-probe all"),
        Binding("e", "export", "Export all"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
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
        self.filter = ""
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        search = Input(placeholder="site name or finding code", id="filter")
        search.display = False
        yield search
        yield SitesTable(id="sites")
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

    def _refresh(self, select: int | None = None) -> None:
        """Rebuild the list; the cursor goes to site ``select``, else keeps its row."""
        table = self.query_one(SitesTable)
        # the cursor keeps its row, not its site: while results stream in and the list
        # re-sorts, the top row stays the worst site
        row = table.cursor_row if table.row_count else 0
        table.clear()
        shown = [
            i
            for i in range(len(self.requests))
            if matches_filter(self.requests[i].host, self.reports.get(i), self.filter)
        ]
        order = sorted(
            shown,
            key=lambda i: view.site_sort_key(self.reports.get(i), self.requests[i].host),
        )
        top_width = self._top_width()
        table.columns[ColumnKey("top")].width = top_width
        for index in order:
            cells = view.sites_cells(self.requests[index].host, self.reports.get(index))
            top = cells[-1].copy()
            top.truncate(top_width, overflow="ellipsis")
            table.add_row(*cells[:-1], top, key=str(index))
        if order and not table.select(None if select is None else str(select)):
            table.move_cursor(row=min(row, len(order) - 1))
        done = len(self.reports)
        total = len(self.requests)
        count = f"{len(order)} of {total} sites" if self.filter.strip() else f"{total} sites"
        header = Text.assemble(
            (count, "bold"),
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

    def action_filter(self) -> None:
        """Show the filter box and type in it (site names and finding codes)."""
        search = self.query_one("#filter", Input)
        search.display = True
        search.focus()

    def action_clear_filter(self) -> None:
        """Clear and hide the filter; every site is listed again."""
        search = self.query_one("#filter", Input)
        if not search.display and not self.filter:
            return
        search.value = ""
        search.display = False
        self._set_filter("")
        self.query_one(DataTable).focus()

    def _set_filter(self, text: str) -> None:
        if text != self.filter:
            self.filter = text
            self._refresh()

    @on(Input.Changed, "#filter")
    def _on_filter_changed(self, event: Input.Changed) -> None:
        self._set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _on_filter_submitted(self, event: Input.Submitted) -> None:
        # Enter keeps the filter: the box stays to show it, the keys go back to the list
        self._set_filter(event.value)
        if not event.value.strip():
            event.input.display = False
        self.query_one(DataTable).focus()

    def action_reprobe(self) -> None:
        """Probe every site again."""
        self.reports = {}
        self._refresh()
        self._probe_all()

    @work(exclusive=True, group="probe-all")
    async def _probe_all(self) -> None:
        inspect_fn = await inspect_fn_of(self.app)
        from layerscope.engine.many import inspect_many

        def done(index: int, report: Report) -> None:
            self.post_message(self.SiteInspected(index, report))

        await inspect_many(self.requests, on_report=done, inspect_fn=inspect_fn)

    @on(SiteInspected)
    def _on_inspected(self, message: SiteInspected) -> None:
        self.reports[message.index] = message.report
        self._refresh()

    @on(DataTable.RowSelected)
    def _on_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Inspect the selected site; back here, the list shows the site's latest report
        (a re-probe there replaces this list's)."""
        index = self._selected_index()
        if index is None:
            return

        def back(report: Report | None) -> None:
            if report is not None:
                self.reports[index] = report
            self._refresh(select=index)

        self.app.push_screen(SiteScreen(self.requests[index], self.reports.get(index)), back)

    def action_export(self) -> None:
        """Export every finished report."""
        from pathlib import Path

        from layerscope.tui.screens.export import ExportScreen, save_and_tell

        reports = [self.reports[i] for i in sorted(self.reports)]
        if not reports:
            self.notify("No site has been checked yet.", severity="warning")
            return

        def save(choice: tuple[str, Path] | None) -> None:
            if choice is not None:
                save_and_tell(self, reports, *choice)

        self.app.push_screen(ExportScreen("sites"), save)
