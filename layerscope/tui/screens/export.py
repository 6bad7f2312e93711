"""Export the report as Markdown or JSON to a file the user names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, RadioButton, RadioSet

from layerscope.model import Report

SUFFIX = {"markdown": ".md", "json": ".json"}


def default_path(host: str, fmt: str, now: dt.datetime | None = None) -> Path:
    """``./layerscope-<host>-<UTC time>.<md|json>`` in the current directory."""
    moment = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    safe_host = "".join(c if c.isalnum() or c in "-." else "_" for c in host)[:80]
    return Path.cwd() / f"layerscope-{safe_host}-{moment}{SUFFIX[fmt]}"


def export_report(reports: Sequence[Report], fmt: str, path: Path) -> Path:
    """Write ``reports`` as ``fmt`` to ``path``; returns the absolute path written."""
    if fmt == "json":
        from layerscope.present.json import render_json

        content = render_json(reports)
    else:
        from layerscope.present.markdown import render_markdown

        content = render_markdown(reports)
    target = path.expanduser().resolve()
    target.write_text(content, encoding="utf-8")
    return target


class ExportScreen(ModalScreen[tuple[str, Path] | None]):
    """Choose a format and a file; Enter saves, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, host: str) -> None:
        super().__init__()
        self._host = host
        self._fmt = "markdown"

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label("Export the report — Enter saves, Escape cancels", markup=False)
            with RadioSet(id="export-format"):
                yield RadioButton("Markdown", value=True, id="fmt-markdown")
                yield RadioButton("JSON", id="fmt-json")
            yield Input(str(default_path(self._host, self._fmt)), id="export-path")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(RadioSet.Changed)
    def _format_changed(self, event: RadioSet.Changed) -> None:
        self._fmt = "json" if event.pressed.id == "fmt-json" else "markdown"
        field = self.query_one(Input)
        current = Path(field.value)
        if current.suffix in (".md", ".json"):
            field.value = str(current.with_suffix(SUFFIX[self._fmt]))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.notify("Give a file name.", severity="warning")
            return
        self.dismiss((self._fmt, Path(value)))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


def save_report(reports: Sequence[Report], fmt: str, path: Path) -> tuple[bool, str]:
    """Write the reports; (written?, the sentence that says where or why not)."""
    try:
        written = export_report(reports, fmt, path)
    except OSError as exc:
        return False, f"Could not write {path}: {exc.strerror or exc}"
    return True, f"Saved {fmt} report to {written}"


def save_and_tell(screen: Screen[Any], reports: Sequence[Report], fmt: str, path: Path) -> None:
    """Write the reports and tell the user where (or why not), as a notification."""
    ok, message = save_report(reports, fmt, path)
    screen.notify(message, title="Export", severity="information" if ok else "error", markup=False)
