"""What the TUI shows, as Rich renderables built from the Report (no widgets here).

Every value that came from the network goes through ``safe_text`` and into ``Text``
objects: nothing is ever parsed as markup, and control characters are shown escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from layerscope.diagnose.rows import AGGREGATE_CODES, chain_word, days_left
from layerscope.explain import RemediationContext, reproduce_command
from layerscope.model import CertFacts, Finding, Layer, Report, Role, Severity
from layerscope.model.names import bracketed
from layerscope.model.options import CheckOptions
from layerscope.present.labels import (
    SEVERITY_COLORS,
    SEVERITY_SHORT,
    issuer_name,
    label_color,
    rdn_value,
    verdict,
)
from layerscope.present.rows import LayerRow, layer_row
from layerscope.present.sanitize import safe_text, summarize_list


def safe(value: object, style: str = "", limit: int = 300) -> Text:
    """Untrusted text as a harmless ``Text``."""
    return Text(safe_text(str(value), limit), style=style)


def severity_text(severity: Severity) -> Text:
    """Short severity word in its colour (the word alone carries the meaning)."""
    return Text(SEVERITY_SHORT[severity], style=f"bold {SEVERITY_COLORS[severity]}")


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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
    """

    role: Role
    address: str
    port: int

    @property
    def key(self) -> str:
        """Row key in the layers table."""
        return f"{self.role.value}|{self.address}|{self.port}"

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets."""
        host = bracketed(self.address)
        return f"{host}:{self.port}"


def target_of(layer: Layer) -> Target:
    """The table identity of a layer."""
    return Target(layer.role, layer.address, layer.port)


def header(host: str, options: CheckOptions, report: Report | None, probing: bool) -> Text:
    """Site, verdict, CNAME chain and CDN, resolvers, probe time."""
    text = Text()
    port = report.port if report else options.port
    text.append_text(safe(f"{host}:{port}", "bold"))
    if report is not None and not probing:
        sev = report.severity
        text.append("  ")
        text.append(f" {sev.label.upper()} ", style=f"bold reverse {SEVERITY_COLORS[sev]}")
        counts = _counts(report.findings)
        text.append(f" {counts}" if counts else f" {verdict(sev)}")
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
    text.append("\nProbed ", style="dim")
    text.append(f"{_time(report.started)} in {report.duration_ms:.0f} ms", style="dim")
    text.append(" · store ", style="dim")
    text.append_text(safe(_store_name(report.trust_store), "dim", 60))
    if report.at != report.started:
        text.append(f" · judged at {_time(report.at)}", style="bold")
    return text


def _counts(findings: Iterable[Finding]) -> str:
    sevs = [f.severity for f in findings]
    nouns = {Severity.CRITICAL: "critical", Severity.WARNING: "warning", Severity.INFO: "note"}
    parts = [
        f"{n} {nouns[s]}" + ("s" if n > 1 and s is not Severity.CRITICAL else "")
        for s in (Severity.CRITICAL, Severity.WARNING, Severity.INFO)
        if (n := sevs.count(s))
    ]
    return ", ".join(parts)


# the issuer comes last: at 80 columns it is the one that gets cut, not the verdicts
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("sev", "Sev", 4),
    ("role", "Role", 6),
    ("address", "Address", None),
    ("cert", "Cert", 4),
    ("days", "Days", 4),
    ("chain", "Chain", 11),
    ("tls", "TLS ms", 7),
    ("issuer", "Issuer", 24),
)


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
        Text(f" {row.label} ", style=f"bold reverse {label_color(row.label)}"),
        Text(str(days) if days is not None else "", style=days_style),
        Text(verdict_.status or "?", style=word_style),
        Text(f"{row.protocol:3} {handshake:3.0f}"),
        safe(row.issuer, limit=40),
    )


def layer_reproduce(report: Report | None, layer: Layer, options: CheckOptions, host: str) -> str:
    """The command to copy for a layer: its worst finding's reproduce command, else the
    plain ``openssl s_client`` for that layer."""
    if report is not None:
        for finding in report.findings_for(layer.address):
            # a site-wide finding's commands are filled for its first layer, not this one
            if finding.layers[0] != layer.address:
                continue
            if finding.remediation and finding.remediation.reproduce:
                return finding.remediation.reproduce
    sni = report.sni if report else (options.sni or host)
    ctx = RemediationContext(
        host=report.ascii_host if report else host,
        port=options.port,
        sni=sni,
        address=layer.address,
        layer_port=layer.port,
        role=layer.role.value,
    )
    return reproduce_command(ctx)


def findings_view(report: Report | None, layer: Layer | None) -> RenderableType:
    """Findings of the selected layer with severity, remediation and commands."""
    if layer is None:
        return Text("Select a layer.", style="dim")
    if report is None:
        return Text("Waiting for every layer before judging…", style="italic dim")
    # this layer's own findings before the site-wide ones it is part of
    findings = sorted(
        report.findings_for(layer.address),
        key=lambda f: (-f.severity, f.layers[:1] != (layer.address,)),
    )
    if not findings:
        return Text(
            f"No findings on {layer.label}: this layer serves what it should.", style="green"
        )
    parts: list[RenderableType] = []
    for finding in findings:
        parts.extend(_finding_parts(finding, layer))
    return Group(*parts)


def _indent(renderable: RenderableType, left: int) -> Padding:
    # wrapped lines keep the indent instead of falling back to column 0
    return Padding(renderable, (0, 0, 0, left))


def _finding_parts(finding: Finding, layer: Layer) -> list[RenderableType]:
    head = Text()
    head.append_text(severity_text(finding.severity))
    head.append(" ")
    head.append(finding.code, style="bold")
    head.append(" — ")
    head.append_text(safe(finding.summary, limit=600))
    parts: list[RenderableType] = [head]
    if len(finding.layers) > 1:
        parts.append(
            _indent(
                Text.assemble(("layers: ", "dim"), safe(summarize_list(finding.layers, 6), "dim")),
                2,
            )
        )
    rem = finding.remediation
    if rem is not None:
        parts.append(_indent(safe(rem.meaning, limit=600), 2))
        if rem.why_untrusted:
            parts.append(
                _indent(Text.assemble(("Why: ", "bold"), safe(rem.why_untrusted, limit=600)), 2)
            )
        for step in rem.steps:
            where = _WHERE.get(step.where, step.where)
            parts.append(
                _indent(Text.assemble((f"{where}: ", "bold"), safe(step.text, limit=600)), 2)
            )
            parts.extend(_indent(safe(c, "cyan", 2000), 4) for c in step.commands)
        if rem.reproduce:
            mine = finding.layers[:1] == (layer.address,)
            label = "Reproduce (c copies):" if mine else f"Reproduce on {finding.layers[0]}:"
            parts.append(_indent(Text(label, style="bold"), 2))
            parts.append(_indent(safe(rem.reproduce, "cyan", 2000), 4))
    parts.append(Text(""))
    return parts


_WHERE = {
    "origin": "At the origin",
    "edge": "At the CDN edge",
    "client": "On clients",
    "verify": "Verify",
}


def chain_view(layer: Layer | None) -> RenderableType:
    """The served chain, certificate by certificate, with the path verdict."""
    if layer is None:
        return Text("Select a layer.", style="dim")
    if not layer.probe.ok:
        error = layer.probe.error
        return safe(error.message if error else "no certificate was served", "bold red")
    parts: list[RenderableType] = []
    chain = layer.chain
    on_path = {c.sha256 for c in chain.path} if chain else set()
    served = layer.probe.chain
    parts.append(
        Text.assemble(
            (f"Served chain: {len(served)} certificate(s), in the order sent", "bold"),
            (f"  ({layer.probe.protocol}, {layer.probe.cipher})", "dim"),
        )
    )
    for index, cert in enumerate(served[:20]):
        mark = "" if cert.sha256 in on_path else "  (not on the path)"
        parts.append(
            Text.assemble(
                (f"#{index} ", "bold"), safe(_dn(cert.subject), "bold", 200), (mark, "yellow")
            )
        )
        parts.append(_cert_grid(cert))
    if len(served) > 20:
        parts.append(Text(f"… {len(served) - 20:,} more certificates not shown", style="dim"))
    text = Text()
    parts.append(text)
    if chain is not None:
        text.append("Path: ", style="bold")
        text.append(chain_word(layer))
        if chain.missing:
            text.append("\nNot sent, found elsewhere: ", style="bold red")
            text.append_text(safe("; ".join(f"{c.subject} ({src})" for c, src in chain.missing)))
        if chain.missing_issuer:
            text.append("\nIssuer not found: ", style="bold red")
            text.append_text(safe(chain.missing_issuer))
        text.append("\nBrowser-like verification: ", style="bold")
        if chain.verifier_ok:
            text.append("accepted", style="green")
        else:
            text.append_text(safe(chain.verifier_error or "refused", "red", 300))
    parts.append(revocation_text(layer))
    no_sni = layer.probe_no_sni
    if no_sni is not None:
        text.append("\nWithout SNI: ", style="bold")
        if no_sni.ok and no_sni.leaf is not None:
            same = layer.leaf is not None and no_sni.leaf.sha256 == layer.leaf.sha256
            text.append("same certificate" if same else "a different certificate: ")
            if not same:
                text.append_text(safe(no_sni.leaf.subject))
        else:
            text.append_text(safe(no_sni.error.message if no_sni.error else "no certificate"))
    return Group(*parts)


def _cert_grid(cert: CertFacts) -> Padding:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    rows = (
        ("issuer", _dn(cert.issuer)),
        ("names", summarize_list(cert.sans, 8) or "(none)"),
        ("valid", f"{_time(cert.not_before)} → {_time(cert.not_after)}"),
        ("key", f"{cert.key_type} {cert.key_bits}, {cert.signature_algorithm}"),
        ("sha256", cert.sha256),
    )
    for name, value in rows:
        grid.add_row(name, safe(value, limit=400))
    return Padding(grid, (0, 0, 1, 3))


def _dn(name: str) -> str:
    # a space after each RDN separator lets long names wrap between attributes
    return name.replace(",", ", ")


DIFF_FIELDS = (
    "subject",
    "names",
    "serial",
    "issuer",
    "not before",
    "not after",
    "sha256",
    "spki sha256",
    "key",
    "chain",
)


def diff_rows(
    reference: CertFacts, ref_layer: Layer | None, cert: CertFacts, layer: Layer
) -> list[tuple[str, str, str]]:
    """(field, reference value, this layer's value) for the side-by-side diff."""

    def chain_of(ly: Layer | None) -> str:
        if ly is None or ly.chain is None:
            return ""
        return " → ".join(rdn_value(c.subject) or c.subject for c in ly.chain.intermediates) or "-"

    def values(c: CertFacts, ly: Layer | None) -> tuple[str, ...]:
        return (
            _dn(c.subject),
            ", ".join(sorted(s.lower() for s in c.sans)),
            c.serial,
            _dn(c.issuer),
            _time(c.not_before),
            _time(c.not_after),
            c.sha256,
            c.spki_sha256,
            f"{c.key_type} {c.key_bits}",
            chain_of(ly),
        )

    return list(zip(DIFF_FIELDS, values(reference, ref_layer), values(cert, layer), strict=True))


def diff_view(report: Report | None, layer: Layer | None) -> RenderableType:
    """Side by side: the reference certificate and the selected layer's, differences marked."""
    if layer is None:
        return Text("Select a layer.", style="dim")
    if report is None:
        return Text("Waiting for every layer before choosing the reference…", style="italic dim")
    if report.reference is None:
        return Text(
            "No reference certificate: no layer serves a valid, trusted certificate for this site.",
            style="yellow",
        )
    if layer.leaf is None:
        return Text(f"{layer.label} served no certificate to compare.", style="yellow")
    ref_layer = next((ly for ly in report.layers if ly.address == report.reference_layer), None)
    rows = diff_rows(report.reference, ref_layer, layer.leaf, layer)
    changed = sum(1 for _f, a, b in rows if a != b)
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("", width=1, no_wrap=True)
    table.add_column("field", style="dim", no_wrap=True)
    ref_name = ref_layer.label if ref_layer else "reference"
    table.add_column(Text(f"reference ({safe_text(ref_name)})"), ratio=1, overflow="fold")
    table.add_column(Text(f"this layer ({safe_text(layer.label)})"), ratio=1, overflow="fold")
    for field, ref, this in rows:
        differs = ref != this
        table.add_row(
            Text("≠", style="bold red") if differs else Text(" "),
            Text(field, style="bold" if differs else "dim"),
            safe(ref, "reverse green" if differs else "", 600),
            safe(this, "reverse red" if differs else "", 600),
        )
    title = Text()
    if changed:
        title.append(f"{changed} field(s) differ from the reference", style="bold")
    else:
        title.append("Same certificate and chain as the reference.", style="green")
    return Group(title, table)


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
        else Text(verdict(report.severity))
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


def help_text(bindings: Sequence[tuple[str, str]]) -> Text:
    """The help screen body."""
    text = Text()
    text.append("layerscope", style="bold")
    text.append(" — which certificate each layer serves, and why browsers complain.\n\n")
    for key, description in bindings:
        text.append(f"{key:>7}  ", style="bold")
        text.append(f"{description}\n")
    text.append(
        "\nThe Cert column gives each distinct leaf a letter: the same letter is the same "
        "certificate. 'A' is the reference (the origin's when it is good). Sev is the worst "
        "finding on that layer. Ctrl+P opens the command palette for everything else.\n"
    )
    return text


INTERESTING_HEADERS = (
    "server",
    "via",
    "age",
    "cache-control",
    "x-cache",
    "cf-cache-status",
    "cf-ray",
    "x-served-by",
    "x-amz-cf-id",
    "x-amz-cf-pop",
    "strict-transport-security",
    "content-security-policy",
    "location",
    "content-type",
)


def http_view(layer: Layer | None) -> RenderableType:
    """The page fetched over the selected layer: status, redirects, headers, mixed content."""
    if layer is None:
        return Text("Select a layer.", style="dim")
    http = layer.http
    if http is None:
        return Text(
            "No page was fetched for this layer (--no-http, or not probed yet).", style="dim"
        )
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"GET {safe_text(http.path, 200)}", style="bold")
    head.append(f" over {layer.label} ({http.elapsed_ms:.0f} ms)", style="dim")
    parts.append(head)
    if http.error is not None:
        parts.append(safe(http.error.message, "bold red"))
        return Group(*parts)
    status = Text.assemble(("status ", "dim"), (str(http.status), "bold"))
    if http.title:
        status.append("  title ", style="dim")
        status.append_text(safe(http.title, limit=120))
    if http.truncated:
        status.append(f"  (body cut at {http.body_bytes:,} bytes)", style="yellow")
    parts.append(status)
    for code, location in http.redirects:
        parts.append(_indent(Text.assemble((f"{code} → ", "dim"), safe(location, limit=300)), 2))
    if http.redirect_refused:
        parts.append(_indent(Text("last redirect leaves the site: not followed", "yellow"), 2))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for name in INTERESTING_HEADERS:
        value = http.header(name)
        if value is not None:
            grid.add_row(name, safe(value, limit=400))
    if http.header("strict-transport-security") is None:
        grid.add_row("strict-transport-security", Text("(missing)", style="yellow"))
    parts.append(Padding(grid, (1, 0, 1, 0)))
    if http.upgrade_insecure:
        parts.append(
            Text(
                f"upgrade-insecure-requests in the {http.upgrade_insecure}: "
                "http:// subresources are upgraded by browsers",
                style="green",
            )
        )
    if http.mixed:
        parts.append(Text(f"Mixed content: {len(http.mixed)} http:// subresource(s)", style="bold"))
        for ref in http.mixed[:30]:
            kind = ("active", "bold red") if ref.active else ("passive", "yellow")
            parts.append(
                _indent(
                    Text.assemble(
                        kind, f" <{ref.element} {ref.attribute}> ", safe(ref.url, limit=300)
                    ),
                    2,
                )
            )
        if len(http.mixed) > 30:
            parts.append(_indent(Text(f"… {len(http.mixed) - 30} more", "dim"), 2))
    elif not http.upgrade_insecure:
        parts.append(Text("No mixed content.", style="green"))
    return Group(*parts)


def revocation_text(layer: Layer) -> Text:
    """Stapled OCSP response and responder answer, one line each."""
    text = Text()
    leaf = layer.leaf
    text.append("OCSP staple: ", style="bold")
    if layer.staple is not None:
        text.append_text(safe(f"{layer.staple.state.value} — {layer.staple.message}", limit=300))
    elif layer.probe.ocsp_staple is None:
        text.append("none" + ("" if leaf is None or leaf.ocsp_urls else " (no responder named)"))
    text.append("\nOCSP responder: ", style="bold")
    if layer.ocsp is not None:
        text.append_text(safe(f"{layer.ocsp.state.value} — {layer.ocsp.message}", limit=300))
    else:
        text.append("not asked" if leaf is not None and leaf.ocsp_urls else "none named")
    return text
