"""What the TUI shows, as Rich renderables built from the Report (no widgets here).

Every value that came from the network goes through ``safe_text`` and into ``Text``
objects: nothing is ever parsed as markup, and control characters are shown escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from layerscope.diagnose.rows import AGGREGATE_CODES, chain_word, days_left, row_severity
from layerscope.diagnose.verdict import cert_types_line, findings_line, site_verdict
from layerscope.model import Role, Severity
from layerscope.model.names import bracketed
from layerscope.model.options import CheckOptions
from layerscope.present.labels import (
    SEVERITY_COLORS,
    SEVERITY_SHORT,
    human_time,
    issuer_name,
    label_color,
)
from layerscope.present.rows import LayerRow, layer_row, pending_command
from layerscope.present.sanitize import safe_text

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import Finding, Layer, Report


def safe(value: object, style: str = "", limit: int = 300) -> Text:
    """Untrusted text as a harmless ``Text``."""
    return Text(safe_text(str(value), limit), style=style)


#: How much a severity shouts without colour (NO_COLOR, a monochrome terminal): the
#: colour comes on top, the attribute and the word are what every terminal shows.
SEVERITY_ATTRIBUTES: dict[Severity, str] = {
    Severity.OK: "bold",
    Severity.INFO: "bold",
    Severity.WARNING: "bold underline",
    Severity.CRITICAL: "bold reverse",
    Severity.UNKNOWN: "bold reverse",
}


def severity_text(severity: Severity) -> Text:
    """Short severity word in its colour, with an attribute that carries the weight when
    there is no colour: CRIT reversed, WARN underlined."""
    return Text(
        SEVERITY_SHORT[severity],
        style=f"{SEVERITY_ATTRIBUTES[severity]} {SEVERITY_COLORS[severity]}",
    )


def _store_name(name: str) -> str:
    base, _, extra = name.partition(" + ")
    short = base if base in ("certifi", "system") else Path(base).name
    return f"{short} +{extra.replace(' extra CA', ' CA')}" if extra else short


@dataclass(frozen=True)
class Target:
    """A layer known before its probe ends.

    Attributes:
        role: origin or edge.
        address: IP address.
        port: TCP port.
        second: the row of a layer's second certificate ("rsa", "ecdsa"), "" otherwise.
    """

    role: Role
    address: str
    port: int
    second: str = ""

    @property
    def key(self) -> str:
        """Row key in the layers table."""
        base = f"{self.role.value}|{self.address}|{self.port}"
        return f"{base}|{self.second}" if self.second else base

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets."""
        host = bracketed(self.address)
        return f"{host}:{self.port}"


def target_of(layer: Layer) -> Target:
    """The table identity of a layer (a row of its own for a second certificate)."""
    second = layer.cert_type.value if layer.is_second and layer.cert_type else ""
    return Target(layer.role, layer.address, layer.port, second)


def header(
    host: str,
    options: CheckOptions,
    report: Report | None,
    probing: bool,
    *,
    width: int | None = None,
) -> Text:
    """Site, verdict and worst finding; CNAME chain and CDN, resolvers, probe time.

    With ``width`` the first line (site, verdict, worst finding) is cut to that many
    cells with an ellipsis, so it stays one line.
    """
    text = Text()
    port = report.port if report else options.port
    text.append_text(safe(f"{host}:{port}", "bold"))
    if report is not None and not probing:
        sev = report.severity
        text.append("  ")
        text.append(f" {sev.label.upper()} ", style=f"bold reverse {SEVERITY_COLORS[sev]}")
        # the worst finding leads (the findings pane counts them all); without one, the verdict
        worst = worst_finding(report)
        if worst is not None:
            text.append(" ")
            text.append(worst.code, style="bold")
            text.append(": ")
            text.append_text(safe(worst.summary, limit=300))
            text.append(f" · {findings_line(report)}", style="dim")
        else:
            text.append(f" {site_verdict(report)}")
        if width is not None:
            text.truncate(max(width, 1), overflow="ellipsis")
    else:
        text.append("  probing…", style="italic")
    if report is None:
        return text
    disc = report.discovery
    text.append("\nDNS: ", style="bold")
    if disc.skipped:
        text.append("not used (--edge)")
    else:
        text.append_text(safe(" → ".join((disc.name, *disc.cname_chain))))
    if report.cdn:
        text.append("  CDN: ", style="bold")
        text.append_text(safe(report.cdn))
    if disc.resolvers:
        text.append("  via ", style="dim")
        text.append_text(safe(", ".join(disc.resolvers), "dim"))
    for error in disc.errors[:2]:
        text.append("\n")
        text.append("DNS error: ", style="bold magenta")
        text.append_text(safe(error.message))
    if report.error is not None:
        text.append("\n")
        text.append("Error: ", style="bold magenta")
        text.append_text(safe(report.error.message))
    types = cert_types_line(report)
    if types:
        text.append("\nCertificates: ", style="bold")
        text.append(types)
    text.append("\nProbed ", style="dim")
    text.append(f"{human_time(report.started)} in {report.duration_ms:.0f} ms", style="dim")
    text.append(" · store ", style="dim")
    text.append_text(safe(_store_name(report.trust_store), "dim", 60))
    if report.at != report.started:
        text.append(f" · judged at {human_time(report.at)}", style="bold")
    return text


def worst_finding(report: Report) -> Finding | None:
    """The site's worst finding: the first of the report's (the engine sorts them worst
    first)."""
    return report.findings[0] if report.findings else None


def first_layer(report: Report) -> Layer | None:
    """The layer a site screen opens on: the worst row (``row_severity``), ties going to
    the first edge in table order (the origin only when it is worse than every edge)."""
    if not report.layers:
        return None
    ranked = sorted(
        enumerate(part for layer in report.layers for part in layer.parts),
        key=lambda item: (
            -row_severity(report, item[1]),
            item[1].role is Role.ORIGIN,
            item[0],
        ),
    )
    return ranked[0][1]


# the issuer comes last: at 80 columns it is the one that gets cut, not the verdicts
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("sev", "Sev", 4),
    ("role", "Role", 6),
    ("address", "Address", None),
    ("cert", "Cert", 4),
    ("days", "Days", 4),
    ("status", "Status", 13),
    ("tls", "TLS ms", 7),
    ("issuer", "Issuer", 24),
)


#: The Cert column's width when the rows carry a certificate type (" A  ECDSA").
CERT_TYPED_WIDTH = 9


def pending_cells(target: Target) -> tuple[Text, ...]:
    """A row for a layer whose probe has not ended yet."""
    return (
        Text("…", style="dim"),
        Text(target.role.value),
        Text(target.label),
        Text(""),
        Text(""),
        Text("probing…", style="italic dim"),
        Text(""),
        Text(""),
    )


def layer_cells(layer: Layer, labels: dict[str, str], report: Report | None) -> tuple[Text, ...]:
    """One row of the layers table: the report's row (:func:`row_cells`) once there is a
    report, else what the probe alone shows while the others are still running."""
    if report is not None:
        return row_cells(layer_row(report, layer, labels))
    leaf = layer.leaf
    if not layer.probe.ok or leaf is None:
        error = layer.probe.error
        return (
            severity_text(Severity.CRITICAL),
            Text(layer.role.value),
            Text(layer.label),
            Text("—"),
            Text(""),
            Text(layer.probe.status.replace("_", " "), style="bold red"),
            Text(f"   {error.elapsed_ms:.0f}" if error else ""),
            Text(""),
        )
    label = labels.get(leaf.sha256, "?")
    return (
        Text("·", style="dim"),
        Text(layer.role.value),
        Text(layer.label),
        Text(f" {label} ", style=f"bold reverse {label_color(label)}"),
        Text(str(int(leaf.days_left(dt.datetime.now(dt.UTC)) // 1))),
        Text(chain_word(layer) or "?"),
        Text(f"{layer.probe.protocol.replace('TLSv', ''):3} {layer.probe.handshake_ms:3.0f}"),
        safe(issuer_name(leaf), limit=40),
    )


def row_cells(row: LayerRow) -> tuple[Text, ...]:
    """The cells of one report row, from the view-model every report uses."""
    verdict_ = row.verdict
    sev_cell = severity_text(verdict_.severity)
    word_style = SEVERITY_COLORS[verdict_.status_severity]
    if not row.label:  # no leaf: the word says why
        return (
            sev_cell,
            Text(row.role.value),
            Text(row.address),
            Text("—"),
            Text(""),
            Text(verdict_.status, style=f"bold {word_style}"),
            Text(f"   {row.error_ms:.0f}" if row.error_ms is not None else ""),
            Text(""),
        )
    days = verdict_.days
    days_sev = verdict_.days_severity
    days_style = "" if days_sev is Severity.OK else SEVERITY_COLORS[days_sev]
    handshake = row.handshake_ms or 0.0
    return (
        sev_cell,
        Text(row.role.value),
        Text(row.address),
        Text.assemble(
            (f" {row.label} ", f"bold reverse {label_color(row.label)}"),
            f" {row.cert_type}" if row.cert_type else "",
        ),
        Text(str(days) if days is not None else "", style=days_style),
        Text(verdict_.status or "?", style=word_style),
        Text(f"{row.protocol:3} {handshake:3.0f}"),
        safe(row.issuer, limit=40),
    )


def layer_reproduce(report: Report | None, layer: Layer, options: CheckOptions, host: str) -> str:
    """The command to copy for a layer: the report row's, else (still probing) the plain
    ``openssl s_client`` for that layer."""
    if report is not None:
        return layer_row(report, layer, {}).reproduce
    return pending_command(host, options, layer)


def sites_cells(host: str, report: Report | None) -> tuple[Text, ...]:
    """One row of the site list: severity, site, soonest expiry, layers, top finding."""
    if report is None:
        return (
            Text("…", style="dim"),
            safe(host, limit=80),
            Text(""),
            Text(""),
            Text("probing…", style="italic dim"),
        )
    soonest = soonest_days(report)
    top = top_finding(report)
    what = (
        Text.assemble((top.code, "bold"), " ", safe(top.summary, limit=120))
        if top
        else Text(site_verdict(report))
    )
    if report.error is not None:
        what = safe(report.error.message, "magenta", 120)
    elif not report.layers and report.discovery.errors:
        what = safe(report.discovery.errors[0].message, "magenta", 120)
    return (
        severity_text(report.severity),
        safe(host, limit=80),
        Text("" if soonest is None else str(soonest)),
        Text(str(len(report.layers))),
        what,
    )


def top_finding(report: Report) -> Finding | None:
    """The finding that best says what is wrong: the worst, preferring a specific code
    (stale_edge) to an aggregate one (edges_disagree) of the same severity."""
    if not report.findings:
        return None
    return min(report.findings, key=lambda f: (-f.severity, f.code in AGGREGATE_CODES))


def soonest_days(report: Report) -> int | None:
    """Days until the first leaf among the layers expires."""
    days = [d for ly in report.layers if (d := days_left(report, ly)) is not None]
    return min(days) if days else None


def site_sort_key(report: Report | None, host: str) -> tuple[int, float, str]:
    """Worst severity first, then soonest expiry, then name; pending sites last."""
    if report is None:
        return (1, 0.0, host)
    days = soonest_days(report)
    return (-int(report.severity), days if days is not None else 1e9, host)


def help_text(bindings: Sequence[tuple[str, str]]) -> RenderableType:
    """The help screen body: one key a line, descriptions wrapping under themselves."""
    keys = Table.grid(padding=(0, 2))
    keys.add_column(justify="right", no_wrap=True, style="bold")
    keys.add_column(overflow="fold")
    for key, description in bindings:
        keys.add_row(key, description)
    notes = Text(
        "Cert gives each distinct leaf a letter: the same letter is the same certificate, "
        "'A' the reference (the origin's when it is good). Sev is the worst finding on "
        "that layer. Ctrl+P opens the command palette for everything else."
    )
    return Group(keys, Text(""), notes)


def copy_message(command: str, environ: Mapping[str, str]) -> Text:
    """What the copy key says: the command in full (to select by hand when the clipboard
    write is dropped) and, from the environment, whether the terminal may drop it."""
    text = Text()
    text.append("Copied (OSC 52): ", style="bold")
    text.append_text(safe(command, limit=2000))
    text.append("\n")
    # each fits one line at 80 columns
    if environ.get("TMUX"):
        text.append("tmux drops OSC 52 unless `set -g set-clipboard on`: else select it by hand.")
    elif environ.get("STY"):
        text.append("GNU screen drops OSC 52: select the command by hand.")
    else:
        text.append("Nothing pasted? The terminal may drop OSC 52: select the command by hand.")
    return text
