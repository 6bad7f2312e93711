"""The inspector's detail panes (findings, chain, diff, HTTP, revocation) as Rich renderables.

Like :mod:`layerscope.tui.view`, every untrusted value goes through ``safe_text`` into
``Text``; nothing is parsed as markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from layerscope.diagnose.rows import chain_word
from layerscope.present.labels import (
    human_time,
    rdn_value,
    step_where,
)
from layerscope.present.sanitize import safe_text, summarize_list
from layerscope.tui.view import safe, severity_text

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import CertFacts, Finding, Layer, Report


def findings_view(report: Report | None, layer: Layer | None) -> RenderableType:
    """Findings of the selected layer with severity, remediation and commands."""
    if layer is None:
        return Text("Select a layer.", style="dim")
    if report is None:
        return Text("Waiting for every layer before judging…", style="italic dim")
    # this layer's own findings before the site-wide ones it is part of
    findings = sorted(
        report.findings_for(layer),
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
            where = step_where(step.where)
            parts.append(
                _indent(
                    Text.assemble(
                        (f"{safe_text(where, 60)}: ", "bold"), safe(step.text, limit=600)
                    ),
                    2,
                )
            )
            parts.extend(_indent(safe(c, "cyan", 2000), 4) for c in step.commands)
        if rem.reproduce:
            mine = finding.layers[:1] == (layer.address,)
            label = "Reproduce (c copies):" if mine else f"Reproduce on {finding.layers[0]}:"
            parts.append(_indent(Text(label, style="bold"), 2))
            parts.append(_indent(safe(rem.reproduce, "cyan", 2000), 4))
    parts.append(Text(""))
    return parts


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
        ("valid", f"{human_time(cert.not_before)} → {human_time(cert.not_after)}"),
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
            human_time(c.not_before),
            human_time(c.not_after),
            c.sha256,
            c.spki_sha256,
            f"{c.key_type} {c.key_bits}",
            chain_of(ly),
        )

    return list(zip(DIFF_FIELDS, values(reference, ref_layer), values(cert, layer), strict=True))


def reference_layer(report: Report, reference: CertFacts) -> Layer | None:
    """The layer (or second certificate) the reference ``reference`` was taken from."""
    address = next(
        (r.layer for r in report.type_references if r.cert.sha256 == reference.sha256),
        report.reference_layer,
    )
    parts = (part for ly in report.layers for part in ly.parts)
    return next(
        (p for p in parts if p.address == address and p.leaf and p.leaf.sha256 == reference.sha256),
        None,
    )


def diff_view(report: Report | None, layer: Layer | None) -> RenderableType:
    """Side by side: the reference certificate and the selected layer's, differences marked."""
    if layer is None:
        return Text("Select a layer.", style="dim")
    if report is None:
        return Text("Waiting for every layer before choosing the reference…", style="italic dim")
    reference = report.reference_for(layer)
    kind = f"{layer.leaf_type.name} " if report.type_references and layer.leaf_type else ""
    if reference is None:
        return Text(
            f"No {kind}reference certificate: no layer serves a valid, trusted {kind}"
            "certificate for this site.",
            style="yellow",
        )
    if layer.leaf is None:
        return Text(f"{layer.label} served no certificate to compare.", style="yellow")
    ref_layer = reference_layer(report, reference)
    rows = diff_rows(reference, ref_layer, layer.leaf, layer)
    changed = sum(1 for _f, a, b in rows if a != b)
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("", width=1, no_wrap=True)
    table.add_column("field", style="dim", no_wrap=True)
    ref_name = ref_layer.label if ref_layer else "reference"
    table.add_column(Text(f"{kind}reference ({safe_text(ref_name)})"), ratio=1, overflow="fold")
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
