"""Reports as Markdown, for tickets, chat and incident notes.

Untrusted inline values go through :func:`md_escape` (which sanitises first), so they
render literally and cannot end a table row or open a link, HTML tag or code span.
Commands go into fenced blocks after :func:`safe_text`; each fence is longer than any
backtick run inside it, so a value cannot close the block early.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from layerscope.diagnose.verdict import (
    cert_types_line,
    findings_line,
    layers_line,
    report_reference_note,
    site_verdict,
)
from layerscope.model import Report
from layerscope.model.labels import leaf_labels
from layerscope.present.deploy import sections
from layerscope.present.groups import FindingGroup, group_findings
from layerscope.present.labels import (
    SEVERITY_SHORT,
    file_facts,
    file_title,
    human_time,
    judged_at_other_time,
    layer_names,
    layer_notes,
    references,
    sites_summary,
    step_where,
    worst_first,
)
from layerscope.present.rows import LayerRow, layer_rows
from layerscope.present.sanitize import md_escape, safe_text, summarize_list

__all__ = ["fence", "render_markdown"]

# Long enough for any real command or config snippet; a runaway value still gets cut.
_COMMAND_LIMIT = 10_000
_BACKTICK_RUN = re.compile(r"`+")


def fence(content: str, indent: str = "") -> list[str]:
    """Return ``content`` as a fenced code block, one string per line.

    The fence is one backtick longer than the longest backtick run in ``content``
    (at least three), so nothing inside can close it. ``content`` must already be
    sanitised (:func:`safe_text` with ``multiline=True``).
    """
    longest = max((len(run) for run in _BACKTICK_RUN.findall(content)), default=0)
    marker = "`" * max(3, longest + 1)
    body = [f"{indent}{line}" if line else "" for line in content.split("\n")]
    return [f"{indent}{marker}", *body, f"{indent}{marker}"]


def _layer_row(row: LayerRow) -> str:
    verdict_ = row.verdict
    cells = [
        SEVERITY_SHORT[verdict_.severity],
        row.role.value,
        md_escape(row.address),
        md_escape(verdict_.status),
        row.cert,
        "" if verdict_.days is None else f"{verdict_.days:,}",
        md_escape(row.issuer),
        md_escape(row.protocol, 20),
        "" if row.handshake_ms is None else f"{row.handshake_ms:,.0f}",
    ]
    return "| " + " | ".join(cells) + " |"


def _file_header(report: Report) -> str:
    """A preflight's header: what was read where a site's says what DNS answered."""
    severity = report.severity
    lines = [
        f"## {md_escape(file_title(report))} — {severity.label.upper()}",
        "",
        f"- **Verdict:** {severity.label} — {site_verdict(report)} "
        f"(exit code {severity.exit_code})",
    ]
    counts = findings_line(report)
    if counts:
        lines.append(f"- **Findings:** {counts}")
    if report.error is not None:
        error = report.error
        lines.append(f"- **Error:** {md_escape(error.kind.value)}: {md_escape(error.message)}")
    lines.extend(f"- **{label}:** {md_escape(value)}" for label, value in file_facts(report))
    lines.append(f"- **Checked:** {human_time(report.started)}, took {report.duration_ms:,.0f} ms")
    if judged_at_other_time(report):
        lines.append(f"- **Validity judged at:** {human_time(report.at)}")
    if report.trust_store:
        lines.append(f"- **Trust store:** {md_escape(report.trust_store)}")
    return "\n".join(lines)


def _header(report: Report) -> str:
    if report.files is not None:
        return _file_header(report)
    severity = report.severity
    words = site_verdict(report)
    lines = [
        f"## {md_escape(report.host)}:{report.port} — {severity.label.upper()}",
        "",
        f"- **Verdict:** {severity.label} — {words} (exit code {severity.exit_code})",
    ]
    if report.layers:
        lines.append(f"- **Layers:** {layers_line(report)}")
    counts = findings_line(report)
    if counts:
        lines.append(f"- **Findings:** {counts}")
    if report.ascii_host != report.host:
        lines.append(f"- **DNS name:** {md_escape(report.ascii_host)}")
    if report.sni != report.ascii_host:
        lines.append(f"- **SNI:** {md_escape(report.sni)}")
    if report.error is not None:
        error = report.error
        lines.append(f"- **Error:** {md_escape(error.kind.value)}: {md_escape(error.message)}")
    discovery = report.discovery
    if discovery.skipped:
        lines.append("- **DNS:** not used (edges given by hand)")
    else:
        names = [discovery.name or report.ascii_host, *discovery.cname_chain]
        lines.append(f"- **DNS:** {' → '.join(md_escape(name) for name in names)}")
        if discovery.resolvers:
            resolvers = md_escape(summarize_list(discovery.resolvers))
            addresses = len(discovery.unique_addresses)
            lines.append(f"- **Resolvers:** {resolvers} ({addresses:,} addresses)")
        for error in discovery.errors:
            lines.append(
                f"- **DNS error:** {md_escape(error.kind.value)}: {md_escape(error.message)}"
            )
    probed = f"{human_time(report.started)}, took {report.duration_ms:,.0f} ms"
    lines.append(f"- **Probed:** {probed}")
    if judged_at_other_time(report):
        lines.append(f"- **Validity judged at:** {human_time(report.at)}")
    if report.trust_store:
        lines.append(f"- **Trust store:** {md_escape(report.trust_store)}")
    types = cert_types_line(report)
    if types:
        lines.append(f"- **Certificates:** {types}")
    labels = leaf_labels(report)
    for title, ref, source in references(report):
        line = (
            f"- **{title} certificate:** {labels.get(ref.sha256, 'A')} — "
            f"{md_escape(ref.common_name or ref.subject)}, "
            f"expires {human_time(ref.not_after)}, SHA-256 {md_escape(ref.sha256)}"
        )
        if source:
            line += f" (from {md_escape(source)})"
        lines.append(line)
    note = report_reference_note(report)
    if note:
        lines.append(f"- **Note:** {md_escape(note)}")
    return "\n".join(lines)


def _layers(report: Report) -> str:
    if not report.layers:
        return "No layer was probed."
    lines = [
        "| Severity | Role | Address | Status | Cert | Days left | Issuer | TLS | ms |",
        "|---|---|---|---|---|---:|---|---|---:|",
    ]
    lines.extend(_layer_row(row) for row in layer_rows(report))
    return "\n".join(lines)


def _command_block(command: str, indent: str) -> str:
    return "\n".join(fence(safe_text(command, _COMMAND_LIMIT, multiline=True), indent))


def _group(report: Report, group: FindingGroup) -> str:
    """One list item per code; its paragraphs and code blocks are indented to stay inside it."""
    pad = "  "
    summaries = group.summaries
    lead = md_escape(summaries[0]) if len(summaries) == 1 else f"on {len(group.layers)} layers"
    blocks = [f"- **[{group.severity.label.upper()}] {md_escape(group.code)}** — {lead}"]
    if group.layers:
        names = md_escape(summarize_list(layer_names(report, group.layers)))
        blocks.append(f"{pad}Layers: {names}")
    if len(summaries) > 1:
        blocks.extend(
            f"{pad}*{md_escape(', '.join(layer_names(report, f.layers)))}:* {md_escape(f.summary)}"
            for f in group.findings
        )
    first = next((f.remediation for f in group.findings if f.remediation), None)
    if first is not None:
        blocks.append(f"{pad}*Meaning:* {md_escape(first.meaning)}")
        if first.why_untrusted:
            blocks.append(f"{pad}*Why:* {md_escape(first.why_untrusted)}")
        for step in group.steps():
            where = md_escape(step_where(step.where), 60)
            blocks.append(f"{pad}**{where}:** {md_escape(step.text)}")
            if step.commands:
                blocks.append(_command_block("\n".join(step.commands), pad))
        for name, commands in (("Reproduce", group.reproduce()), ("Verify", group.verify())):
            if commands:
                blocks += [f"{pad}**{name}:**", _command_block("\n".join(commands), pad)]
    return "\n\n".join(blocks)


def _report(report: Report) -> str:
    heading = "### File" if report.files is not None else "### Layers"
    blocks = [_header(report), heading, _layers(report)]
    notes = layer_notes(report)
    if notes:
        blocks.append("\n".join(f"- note: {md_escape(n)}: {md_escape(t)}" for n, t in notes))
    for section in sections(report):
        blocks.append(f"### {md_escape(section.title)}")
        facts = [f"- **{md_escape(k)}:** {md_escape(v, 2000)}" for k, v in section.facts]
        blocks.append("\n".join(facts))
        for label, command in section.commands:
            blocks += [f"**{md_escape(label)}:**", _command_block(command, "")]
    groups = group_findings(report)
    if groups:
        blocks.append("### Findings, worst first")
        blocks.extend(_group(report, group) for group in groups)
    return "\n\n".join(blocks)


def render_markdown(reports: Sequence[Report]) -> str:
    """Render reports as one Markdown document, ending with a newline.

    Args:
        reports: one report per site.

    Returns:
        A ``# layerscope report`` document: per site a heading, facts, a layers table
        and the findings (worst first) with remediation and fenced commands.
    """
    blocks = ["# layerscope report", f"**{sites_summary(reports)}**"]
    blocks.extend(_report(report) for report in worst_first(reports))
    return "\n\n".join(blocks) + "\n"
