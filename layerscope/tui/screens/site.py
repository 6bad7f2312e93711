"""One site: header, layers table, and the selected layer's findings, chain and diff."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from layerscope.model import Role
from layerscope.model.labels import label_name, leaf_labels, leaf_order
from layerscope.model.options import SiteRequest
from layerscope.present.sanitize import safe_text
from layerscope.tui import panes, view
from layerscope.tui.runtime import inspect_fn_of
from layerscope.tui.widgets.layers import LayersTable
from layerscope.tui.widgets.lists import KeyScroll

TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.diagnose.watch import WatchState
    from layerscope.model import Layer, Report


#: The detail tabs: (title, id); each holds one scrolled body, ``#ID-body``.
_TABS = (
    ("Findings", "findings"),
    ("Chain", "chain"),
    ("Diff", "diff"),
    ("HTTP", "http"),
    ("Timeline", "timeline"),
)


class _Poster:
    """Turns the engine's observer calls into messages for the screen."""

    def __init__(self, screen: SiteScreen) -> None:
        self._screen = screen

    def layers_known(self, host: str, layers: Sequence[tuple[Role, str, int]]) -> None:
        self._screen.post_message(SiteScreen.LayersKnown([view.Target(*t) for t in layers]))

    def layer_probed(self, host: str, layer: Layer) -> None:
        self._screen.post_message(SiteScreen.LayerProbed(layer))


class SiteScreen(Screen["Report | None"]):
    """Inspect one site: rows stream in as probes end; keys act on the selected layer.

    Opened from the site list, the screen hands its latest report back when it closes
    (``dismiss``), so the list shows what a re-probe here found.
    """

    BINDINGS = [
        Binding("r", "reprobe", "Re-probe"),
        Binding("d", "diff", "Diff"),
        Binding("f", "show_tab('findings')", "Findings", show=False),
        Binding("h", "show_tab('chain')", "Chain", show=False),
        Binding("p", "show_tab('http')", "HTTP", show=False),
        Binding("c", "copy", "Copy"),
        Binding("e", "export", "Export"),
        Binding("x", "fix_chain", "Fix chain", show=False),
        Binding("w", "watch", "Watch"),
        # only with a site list below (check_action): else q is the app's quit
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    class LayersKnown(Message):
        """Discovery ended: these layers are being probed."""

        def __init__(self, targets: list[view.Target]) -> None:
            super().__init__()
            self.targets = targets

    class LayerProbed(Message):
        """One layer's probe ended (preliminary until the report arrives)."""

        def __init__(self, layer: Layer) -> None:
            super().__init__()
            self.layer = layer

    class Inspected(Message):
        """The full report is ready."""

        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    def __init__(self, request: SiteRequest, report: Report | None = None) -> None:
        super().__init__()
        self.request = request
        self.report: Report | None = report
        self._layers: dict[str, Layer] = {}
        self._probing = report is None
        self._watch: WatchState | None = None
        self._watch_timer: Timer | None = None
        # the first report puts the cursor on the worst layer; later ones leave it alone
        self._placed = False
        # the layer the message line speaks of: moving to another one clears it
        self._message_key: str | None = None
        # the detail tabs and the footer: composed with a report given, else mounted after
        # the first frame (see _detail); the tab asked for meanwhile
        self._detail_ready = report is not None
        self._tab = "findings"

    @property
    def probing(self) -> bool:
        """A probe is running; the report (if any) is from before it."""
        return self._probing

    # layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        yield LayersTable(id="layers")
        if self._detail_ready:
            yield self._detail()
        # what the last action did (copy, fix chain, watch, export): it takes its own
        # lines above the footer instead of a toast over the findings
        message = Static(id="message", markup=False)
        message.display = False
        yield message
        if self._detail_ready:
            yield Footer()

    def on_mount(self) -> None:
        self.title = f"layerscope — {self.request.host}"
        if self.report is not None:
            self._show_report(self.report)
        else:
            self._refresh_header()
            # first frame first: the tabs, the footer and the probe come once the header
            # and the layers are on the terminal
            self.call_after_refresh(self._mount_detail)
            self.call_after_refresh(self.action_reprobe)
        self.query_one(LayersTable).focus()

    def _detail(self) -> TabbedContent:
        """The detail tabs, on the tab asked for. Five tabs and the footer's keys cost a
        first frame more than the rest of the screen (#14): a screen that starts probing
        shows its header and layers first and mounts them just after."""

        def tab(title: str, name: str) -> TabPane:
            return TabPane(title, KeyScroll(Static(id=f"{name}-body", markup=False)), id=name)

        tabs = TabbedContent(id="detail", initial=self._tab)
        for title, name in _TABS:
            tabs.compose_add_child(tab(title, name))  # what ``with TabbedContent():`` does
        return tabs

    async def _mount_detail(self) -> None:
        await self.mount(self._detail(), before="#message")
        await self.mount(Footer())
        self.refresh_bindings()  # a footer mounted late hears of the keys by this signal
        self._detail_ready = True
        self._refresh_detail()
        self._refresh_timeline()

    # probing -----------------------------------------------------------------------------
    def action_reprobe(self) -> None:
        """Probe every layer again."""
        self._probing = True
        self._layers = {}
        self._refresh_header()
        self._probe()

    @work(exclusive=True, group="probe")
    async def _probe(self) -> None:
        inspect_fn = await inspect_fn_of(self.app)
        report = await inspect_fn(self.request.host, self.request.options, observer=_Poster(self))
        self.post_message(self.Inspected(report))

    @on(LayersKnown)
    def _on_known(self, message: LayersKnown) -> None:
        self.query_one(LayersTable).show_pending(message.targets)
        self._refresh_header()

    @on(LayerProbed)
    def _on_probed(self, message: LayerProbed) -> None:
        layer = message.layer
        self._layers[view.target_of(layer).key] = layer
        self.query_one(LayersTable).show_layer(layer, self._prelim_labels(), None)
        self._refresh_detail()

    @on(Inspected)
    def _on_inspected(self, message: Inspected) -> None:
        self._show_report(message.report)

    def _show_report(self, report: Report) -> None:
        self.report = report
        self._probing = False
        if self._watch is not None:
            self._watch_round(report)
        self._layers = {view.target_of(part).key: part for ly in report.layers for part in ly.parts}
        table = self.query_one(LayersTable)
        select = None
        if not self._placed:
            self._placed = True
            first = view.first_layer(report)
            # unless the user has already moved while the probes were running
            if first is not None and table.cursor_row <= 0:
                select = view.target_of(first).key
        table.show_report(report, leaf_labels(report), select=select)
        self._refresh_header()
        self._refresh_detail()

    def _prelim_labels(self) -> dict[str, str]:
        order = leaf_order(self._layers.values())
        return {sha: label_name(i) for i, sha in enumerate(order)}

    # detail ------------------------------------------------------------------------------
    @property
    def selected_layer(self) -> Layer | None:
        """The layer under the table's cursor."""
        key = self.query_one(LayersTable).selected_key
        return self._layers.get(key) if key else None

    @on(DataTable.RowHighlighted)
    def _on_row(self, _message: DataTable.RowHighlighted) -> None:
        key = self.query_one(LayersTable).selected_key
        if self._message_key is not None and key != self._message_key:
            self._clear_message()
        self._refresh_detail()

    def on_resize(self) -> None:
        self._refresh_header()

    def _refresh_header(self) -> None:
        # the header's padding takes a cell on each side
        width = max(self.app.size.width - 2, 20)
        text = view.header(
            self.request.host, self.request.options, self.report, self._probing, width=width
        )
        if self._watch is not None:
            text.append(f"  watching · round {self._watch.rounds}", style="bold magenta")
        self.query_one("#header", Static).update(text)

    def _refresh_detail(self) -> None:
        if not self._detail_ready:
            return  # _mount_detail shows what there is by then
        layer = self.selected_layer
        report = None if self._probing else self.report
        self.query_one("#findings-body", Static).update(panes.findings_view(report, layer))
        self.query_one("#chain-body", Static).update(panes.chain_view(layer))
        self.query_one("#diff-body", Static).update(panes.diff_view(report, layer))
        self.query_one("#http-body", Static).update(panes.http_view(layer))

    # message line ------------------------------------------------------------------------
    def say(self, message: str | Text, severity: str = "information") -> None:
        """Tell the user what an action did, on the message line above the footer; it
        stays until the next message or until another layer is selected."""
        if not self.is_attached:  # closed meanwhile (a worker finishing late)
            return
        bar = self.query_one("#message", Static)
        text = message if isinstance(message, Text) else Text(message)
        bar.update(text)
        bar.set_class(severity == "error", "-error")
        bar.set_class(severity == "warning", "-warning")
        bar.display = True
        self._message_key = self.query_one(LayersTable).selected_key or ""

    def _clear_message(self) -> None:
        self._message_key = None
        bar = self.query_one("#message", Static)
        bar.update("")
        bar.display = False

    @property
    def message(self) -> str:
        """The message line as plain text ("" when hidden)."""
        bar = self.query_one("#message", Static)
        return str(bar.content) if bar.display else ""

    # actions -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``back`` exists only with a site list to go back to (then q goes back too)."""
        if action == "back":
            return self.has_list
        return True

    @property
    def has_list(self) -> bool:
        """A site list is under this screen."""
        stack = self.app.screen_stack
        return self in stack and stack.index(self) > 1

    def action_show_tab(self, tab: str) -> None:
        """Switch the detail pane to ``tab``."""
        self._tab = tab
        if self._detail_ready:
            self.query_one(TabbedContent).active = tab

    def action_diff(self) -> None:
        """Show the selected layer side by side with the reference certificate."""
        self.action_show_tab("diff")

    def reproduce_command(self) -> str | None:
        """The command that reproduces the selected layer's observation."""
        layer = self.selected_layer
        if layer is None:
            return None
        return view.layer_reproduce(self.report, layer, self.request.options, self.request.host)

    def action_copy(self) -> None:
        """Copy the selected layer's reproduce command (OSC 52: works over SSH) and show it
        in full, to select by hand where the terminal drops OSC 52."""
        command = self.reproduce_command()
        if command is None:
            self.say("No layer selected yet.", "warning")
            return
        self.app.copy_to_clipboard(command)
        self.say(view.copy_message(command, os.environ))

    def action_export(self) -> None:
        """Ask where to save the report as Markdown or JSON."""
        if self.report is None or self._probing:
            self.say("Wait for the probe to finish before exporting.", "warning")
            return
        report = self.report

        def save(choice: tuple[str, Path] | None) -> None:
            if choice is not None:
                self.export(report, *choice)

        from layerscope.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.request.host), save)

    def export(self, report: Report, fmt: str, path: Path) -> None:
        """Write the report and say where."""
        from layerscope.tui.screens.export import save_report

        ok, message = save_report([report], fmt, path)
        self.say(message, "information" if ok else "error")

    def action_fix_chain(self) -> None:
        """Write the corrected chain (leaf, intermediates, no root) of the selected layer."""
        report, layer = self.report, self.selected_layer
        if report is None or self._probing or layer is None:
            self.say("Wait for the probe to finish.", "warning")
            return
        self.say(f"Writing the fixed chain of {layer.label}…")
        self._fix_chain(report, layer)

    @work(thread=True, exclusive=True, group="fix-chain")
    def _fix_chain(self, report: Report, layer: Layer) -> None:
        # reads the trust stores and writes a file: off the event loop
        from layerscope.engine.repair import default_path, repair

        path = default_path(report, layer, Path.cwd())
        done = repair(report, layer, path, None, self.request.options)
        detail = safe_text(done.detail, 300)
        if done.outcome == "written":
            message, severity = f"Fixed chain: {safe_text(done.summary, 600)}. {detail}", ""
        elif done.outcome == "refused":
            message, severity = f"No fixed chain for {layer.label}: {detail}", "error"
        else:
            message, severity = f"No fixed chain: {safe_text(done.summary, 600)}", "error"
        self.app.call_from_thread(self.say, message, severity or "information")

    # watch ---------------------------------------------------------------------------
    @property
    def watching(self) -> bool:
        """Re-probing on an interval until every layer serves the reference."""
        return self._watch is not None

    def action_watch(self) -> None:
        """Start or stop watching: re-probe every interval and keep a timeline per layer
        of which certificate it served when, until the layers converge."""
        if self._watch is not None:
            self._stop_watch("Stopped watching.")
            return
        from layerscope.diagnose import watch  # watching loads when asked, not at start-up

        self._watch = watch.start()
        interval = float(getattr(self.app, "watch_interval", 10.0))
        self._watch_timer = self.set_interval(interval, self._watch_tick)
        self.action_show_tab("timeline")
        self.say(
            f"Watching: re-probing every {interval:g}s until every layer serves the "
            "reference certificate; w stops."
        )
        if self.report is not None and not self._probing:
            self._watch_round(self.report)
        self._refresh_header()

    def _watch_tick(self) -> None:
        if not self._probing:
            self.action_reprobe()

    def _watch_round(self, report: Report) -> None:
        from layerscope.diagnose import watch
        from layerscope.present.watch_lines import change_line, format_duration

        assert self._watch is not None
        self._watch, changes = watch.observe(self._watch, report)
        if self._watch.rounds > 1 and changes:
            # every change is in the timeline; the message line has the latest
            more = f" (+{len(changes) - 1} more in the timeline)" if len(changes) > 1 else ""
            latest = safe_text(change_line(changes[-1]), 300)
            self.say(f"Watch round {self._watch.rounds}: {latest}{more}")
        self._refresh_timeline()
        if watch.converged(self._watch):
            started = self._watch.started
            took = (report.started - started).total_seconds() if started else 0.0
            self._stop_watch(
                f"Converged after {format_duration(took)}: every layer serves the "
                "reference certificate."
            )

    def _refresh_timeline(self) -> None:
        if not self._detail_ready or self._watch is None:
            return
        from layerscope.present.watch_lines import status_line, timeline_lines

        lines = [status_line(self._watch), "", *timeline_lines(self._watch)]
        self.query_one("#timeline-body", Static).update(
            Text("\n".join(safe_text(line, 400) for line in lines))
        )

    def _stop_watch(self, message: str) -> None:
        if self._watch_timer is not None:
            self._watch_timer.stop()
        self._watch_timer = None
        self._watch = None
        self.say(message)
        self._refresh_header()

    def action_back(self) -> None:
        """Back to the site list, with this screen's latest report."""
        if self.has_list:
            self.dismiss(self.report)
