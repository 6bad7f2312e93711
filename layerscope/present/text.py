"""Reports as readable terminal text, built with Rich renderables.

Untrusted values only ever enter Rich as ``Text(safe_text(value))``: the console is
created with ``markup=False`` and ``emoji=False`` as a second fence, but no string from a
report is ever parsed as markup. With ``color=False`` no escape sequence is written and
the words (``CRITICAL``, ``trusted``...) carry the meaning.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from layerscope.diagnose.verdict import (
    cert_types_line,
    findings_line,
    layers_line,
    report_reference_note,
    site_verdict,
)
from layerscope.model import Report, Severity
from layerscope.model.labels import leaf_labels
from layerscope.present.deploy import Section, sections
from layerscope.present.groups import FindingGroup, group_findings
from layerscope.present.labels import (
    SEVERITY_COLORS,
    SEVERITY_SHORT,
    file_facts,
    file_title,
    human_time,
    judged_at_other_time,
    label_color,
    layer_names,
    layer_notes,
    references,
    sites_summary,
    step_where,
    worst_first,
)
from layerscope.present.rows import LayerRow, layer_rows
from layerscope.present.sanitize import safe_text, summarize_list

__all__ = ["render_text"]

_DEFAULT_WIDTH = 100
# Long enough for any real command or config snippet; a runaway value still gets cut.
_COMMAND_LIMIT = 10_000


def _sev_style(severity: Severity) -> str:
    return SEVERITY_COLORS[severity]


def _safe(value: str, style: str = "", limit: int = 500) -> Text:
    """Untrusted value as a Rich Text that is never parsed as markup."""
    return Text(safe_text(value, limit), style=style)


def _kv(label: str, value: Text) -> Text:
    return Text.assemble((f"{label}: ", "bold"), value)


def _file_header(report: Report) -> RenderableType:
    """A preflight's header: what was read where a site's says what DNS answered."""
    severity = report.severity
    title = _safe(file_title(report), "bold")
    title.append("  ")
    title.append(severity.label.upper(), style=f"bold {_sev_style(severity)}")
    title.append(f" — {site_verdict(report)}")
    lines: list[Text] = []
    counts = findings_line(report)
    if counts:
        lines.append(_kv("Findings", Text(counts)))
    if report.error is not None:
        error = Text.assemble(("Error: ", "bold red"), report.error.kind.value, ": ")
        lines.append(error.append_text(_safe(report.error.message)))
    lines.extend(_kv(label, _safe(value)) for label, value in file_facts(report))
    checked = f"{human_time(report.started)}, took {report.duration_ms:,.0f} ms"
    if report.trust_store:
        checked += f", trust store {safe_text(report.trust_store)}"
    lines.append(_kv("Checked", Text(checked)))
    if judged_at_other_time(report):
        lines.append(_kv("Validity judged at", Text(human_time(report.at), style="bold")))
    return Group(title, Padding(Group(*lines), (0, 0, 0, 2)))


def _header(report: Report) -> RenderableType:
    if report.files is not None:
        return _file_header(report)
    severity = report.severity
    title = Text.assemble(
        _safe(report.host, "bold"),
        (f":{report.port}", "bold"),
    )
    if report.ascii_host != report.host:
        title.append(" (")
        title.append_text(_safe(report.ascii_host))
        title.append(")")
    title.append("  ")
    title.append(severity.label.upper(), style=f"bold {_sev_style(severity)}")
    title.append(f" — {site_verdict(report)}")

    lines: list[Text] = [title]
    if report.layers:
        lines.append(_kv("Layers", Text(layers_line(report))))
    counts = findings_line(report)
    if counts:
        lines.append(_kv("Findings", Text(counts)))
    if report.error is not None:
        lines.append(
            Text.assemble(
                ("Error: ", "bold red"),
                report.error.kind.value,
                ": ",
                _safe(report.error.message),
            )
        )
    discovery = report.discovery
    if discovery.skipped:
        lines.append(_kv("DNS", Text("not used (edges given by hand)")))
    else:
        names = [discovery.name or report.ascii_host, *discovery.cname_chain]
        lines.append(_kv("DNS", _safe(" → ".join(names))))
        if discovery.resolvers:
            resolvers = safe_text(summarize_list(discovery.resolvers))
            addresses = len(discovery.unique_addresses)
            lines.append(_kv("Resolvers", Text(f"{resolvers} ({addresses:,} addresses)")))
        for error in discovery.errors:
            lines.append(
                Text.assemble(
                    ("DNS error: ", "bold yellow"),
                    error.kind.value,
                    ": ",
                    _safe(error.message),
                )
            )
    if report.sni != report.ascii_host:
        lines.append(_kv("SNI", _safe(report.sni)))
    probed = f"{human_time(report.started)}, took {report.duration_ms:,.0f} ms"
    if report.trust_store:
        probed += f", trust store {safe_text(report.trust_store)}"
    lines.append(_kv("Probed", Text(probed)))
    if judged_at_other_time(report):
        lines.append(_kv("Validity judged at", Text(human_time(report.at), style="bold")))
    types = cert_types_line(report)
    if types:
        lines.append(_kv("Certificates", Text(types)))
    labels = leaf_labels(report)
    for heading, cert, source in references(report):
        letter = labels.get(cert.sha256, "A")
        reference = Text.assemble((letter, f"bold {label_color(letter)}"), " ")
        reference.append_text(_safe(cert.common_name or cert.subject))
        reference.append(f", expires {human_time(cert.not_after)}")
        if source:
            reference.append(" (from ")
            reference.append_text(_safe(source))
            reference.append(")")
        lines.append(_kv(heading, reference))
    note = report_reference_note(report)
    if note:
        lines.append(Text(f"Note: {note}", style="dim"))
    return Group(lines[0], Padding(Group(*lines[1:]), (0, 0, 0, 2)))


def _layer_row(row: LayerRow) -> list[Text]:
    verdict_ = row.verdict
    days_style = _sev_style(verdict_.days_severity)
    if days_style == "green":
        days_style = ""
    word_style = _sev_style(verdict_.status_severity)
    return [
        Text(SEVERITY_SHORT[verdict_.severity], style=_sev_style(verdict_.severity)),
        Text(row.role.value),
        _safe(row.address),
        Text(verdict_.status, style=word_style),
        Text(row.cert, style=f"bold {label_color(row.label)}" if row.label else ""),
        Text("" if verdict_.days is None else f"{verdict_.days:,}", style=days_style),
        _safe(row.issuer),
        _safe(row.protocol, limit=12),
        Text("" if row.handshake_ms is None else f"{row.handshake_ms:,.0f}"),
    ]


def _layers_table(report: Report) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
        safe_box=True,
    )
    table.add_column("Sev", no_wrap=True)
    table.add_column("Role", no_wrap=True)
    # IPv4 (and short IPv6) addresses stay on one line; long IPv6 ones may fold.
    longest = max((len(layer.label) for layer in report.layers), default=0)
    table.add_column("Address", overflow="fold", no_wrap=longest <= 21, min_width=9)
    table.add_column("Status", overflow="fold", min_width=7)
    table.add_column("Cert", no_wrap=True)
    table.add_column("Days", justify="right", no_wrap=True)
    table.add_column("Issuer", overflow="fold", min_width=6, max_width=30)
    table.add_column("TLS", no_wrap=True)
    table.add_column("ms", justify="right", no_wrap=True)
    for row in layer_rows(report):
        table.add_row(*_layer_row(row))
    return table


def _command_lines(command: str, indent: int) -> list[Text]:
    text = safe_text(command, _COMMAND_LIMIT, multiline=True)
    return [Text(" " * indent + line, style="cyan") for line in text.split("\n")]


def _print_group(console: Console, report: Report, group: FindingGroup) -> None:
    severity = group.severity
    summaries = group.summaries
    head = Text.assemble(
        (f"[{severity.label.upper()}]", f"bold {_sev_style(severity)}"),
        " ",
        _safe(group.code, "bold"),
        " — ",
        _safe(summaries[0]) if len(summaries) == 1 else Text(f"on {len(group.layers)} layers"),
    )
    console.print()
    console.print(head)
    body: list[Text] = []
    if group.layers:
        names = summarize_list(layer_names(report, group.layers))
        body.append(_kv("Layers", _safe(names)))
    if len(summaries) > 1:
        for finding in group.findings:
            where = ", ".join(layer_names(report, finding.layers))
            body.append(_kv(where, _safe(finding.summary)))
    first = next((f.remediation for f in group.findings if f.remediation), None)
    if first is not None:
        body.append(_kv("Meaning", _safe(first.meaning)))
        if first.why_untrusted:
            body.append(_kv("Why", _safe(first.why_untrusted)))
    console.print(Padding(Group(*body), (0, 0, 0, 2)))
    if first is None:
        return
    # Commands are printed with soft_wrap so they are never folded or cut: a wrapped
    # command breaks copy and paste; the terminal may still soft-wrap it visually.
    for step in group.steps():
        where = safe_text(step_where(step.where), 60)
        console.print(Padding(_kv(where, _safe(step.text)), (0, 0, 0, 2)))
        for command in step.commands:
            for line in _command_lines(command, 6):
                console.print(line, soft_wrap=True)
    for name, commands in (("Reproduce", group.reproduce()), ("Verify", group.verify())):
        if commands:
            console.print(Padding(Text(f"{name}:", style="bold"), (0, 0, 0, 2)))
            for command in commands:
                for line in _command_lines(command, 6):
                    console.print(line, soft_wrap=True)


def _print_section(console: Console, section: Section) -> None:
    """A preflight's section beside its file: the live layers, the nginx server block."""
    console.print()
    console.print(_safe(section.title, "bold underline"))
    facts = [_kv(label, _safe(value, limit=2000)) for label, value in section.facts]
    console.print(Padding(Group(*facts), (0, 0, 0, 2)))
    for label, command in section.commands:
        console.print(Padding(Text(f"{label}:", style="bold"), (0, 0, 0, 2)))
        for line in _command_lines(command, 6):
            console.print(line, soft_wrap=True)


def _print_report(console: Console, report: Report) -> None:
    console.print(_header(report))
    if report.layers:
        console.print()
        console.print(_layers_table(report))
    else:
        console.print(Text("  No layer was probed.", style="magenta"))
    for name, note in layer_notes(report):
        console.print(Text.assemble(("  note: ", "bold"), _safe(name), ": ", _safe(note)))
    for section in sections(report):
        _print_section(console, section)
    groups = group_findings(report)
    if groups:
        console.print()
        console.print(Text("Findings, worst first", style="bold underline"))
        for group in groups:
            _print_group(console, report, group)


def render_text(reports: Sequence[Report], *, color: bool, width: int | None = None) -> str:
    """Render reports as terminal text, ending with a one-line summary over all sites.

    Args:
        reports: one report per site.
        color: emit ANSI colours; without, the output has no escape sequence at all.
        width: columns to lay out for (100 when None); 80 stays readable.

    Returns:
        The text, ending with a newline; write it as is.
    """
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or _DEFAULT_WIDTH,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
    )
    if len(reports) > 1:  # several sites: the summary first, then the worst site first
        console.print(Text(sites_summary(reports), style="bold"))
        console.print()
    for index, report in enumerate(worst_first(reports)):
        if index:
            console.print()
            console.rule(style="dim")
        _print_report(console, report)
    console.print()
    console.print(Text(sites_summary(reports), style="bold"))
    # Padding and tables fill lines with spaces; drop them so copied text stays clean.
    return "\n".join(line.rstrip(" ") for line in buffer.getvalue().split("\n"))
