"""Short labels shared by every renderer: certificate letters, verdict words, names.

Same leaf, same letter, same colour, in the text, Markdown and TUI views. Everything here
is pure (no Rich, no printing) and returns untrusted values as they are: callers sanitise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from layerscope.diagnose.verdict import broken_line, verdict_words
from layerscope.model import Severity
from layerscope.model.labels import label_name, leaf_labels

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import CertFacts, Report

__all__ = [
    "LABEL_COLORS",
    "SEVERITY_COLORS",
    "SEVERITY_SHORT",
    "count_words",
    "file_facts",
    "file_title",
    "human_time",
    "issuer_name",
    "judged_at_other_time",
    "label_color",
    "label_name",
    "layer_names",
    "leaf_labels",
    "rdn_value",
    "sites_summary",
    "step_where",
    "verdict",
    "worst_first",
]

#: Colours (Rich/Textual colour names) given to labels in turn; chosen apart from the
#: severity colours (red, yellow, blue, green, magenta) so a label never reads as a verdict.
LABEL_COLORS: tuple[str, ...] = (
    "cyan",
    "bright_magenta",
    "bright_yellow",
    "bright_blue",
    "bright_green",
    "bright_red",
    "bright_cyan",
    "white",
)


def label_color(label: str) -> str:
    """Return the colour of a label; the same label always gets the same colour."""
    index = 0
    for char in label:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return LABEL_COLORS[(index - 1) % len(LABEL_COLORS)]


# --- short words shared by the text, Markdown and TUI renderers -------------------------


_STEP_WHERE = {
    "origin": "Fix at the origin",
    "edge": "Fix at the CDN edge",
    "file": "Fix the file",
    "client": "Fix on clients",
    "verify": "Check",
}


def step_where(where: str) -> str:
    """The heading of a remediation step for where it applies ("Fix at the origin"), in
    every view; an unknown place reads "Fix at PLACE" (callers sanitise it)."""
    return _STEP_WHERE.get(where) or f"Fix at {where}"


#: The severity as a row's Sev cell says it, in every view.
SEVERITY_SHORT: dict[Severity, str] = {
    Severity.OK: "OK",
    Severity.INFO: "INFO",
    Severity.WARNING: "WARN",
    Severity.CRITICAL: "CRIT",
    Severity.UNKNOWN: "UNKN",
}

#: Rich/Textual colour of each severity.
SEVERITY_COLORS: dict[Severity, str] = {
    Severity.OK: "green",
    Severity.INFO: "blue",
    Severity.WARNING: "yellow",
    Severity.CRITICAL: "red",
    Severity.UNKNOWN: "magenta",
}


def verdict(severity: Severity) -> str:
    """Return what a severity alone means for users, in a few words (a site's own verdict
    is :func:`layerscope.diagnose.verdict.site_verdict`)."""
    return verdict_words(severity)


def rdn_value(name: str, attribute: str = "CN") -> str:
    """Return the first ``attribute`` value of an RFC 4514 name ("" when absent).

    Escaped characters (``\\,``, ``\\+``, ``\\2C``) are unescaped.
    """
    for part in _split_unescaped(name, ",+"):
        key, sep, raw = part.partition("=")
        if sep and key.strip().upper() == attribute.upper():
            return _unescape_rdn(raw)
    return ""


def issuer_name(cert: CertFacts) -> str:
    """Return a short issuer name: its CN, else its O, else the full RFC 4514 string."""
    return rdn_value(cert.issuer, "CN") or rdn_value(cert.issuer, "O") or cert.issuer


def _split_unescaped(text: str, separators: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


_HEX_PAIR = re.compile(r"\\([0-9A-Fa-f]{2})|\\(.)", re.DOTALL)


def _unescape_rdn(raw: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return chr(int(match.group(1), 16))
        return match.group(2)

    return _HEX_PAIR.sub(replace, raw)


def references(report: Report) -> list[tuple[str, CertFacts, str]]:
    """(title, certificate, layer address) of each reference certificate a header shows:
    one per type on a site whose layers serve two ("Reference ECDSA", "Reference RSA"),
    else the site's one ("Reference"), none without a reference."""
    if report.type_references:
        return [(f"Reference {r.cert_type.name}", r.cert, r.layer) for r in report.type_references]
    if report.reference is None:
        return []
    return [("Reference", report.reference, report.reference_layer or "")]


def layer_names(report: Report, addresses: Iterable[str]) -> list[str]:
    """Return ``role address:port`` for each address, as the layers table shows them.

    Addresses that match no layer are returned as given.
    """
    names: list[str] = []
    for address in addresses:
        matches = [ly for ly in report.layers if ly.address == address]
        if not matches:
            names.append(address)
        names.extend(f"{ly.role.value} {ly.label}" for ly in matches)
    return list(dict.fromkeys(names))


def file_title(report: Report) -> str:
    """The title of a preflight report: the names the file must serve."""
    names = report.files.names if report.files is not None else ()
    return ", ".join(names) or report.host


def file_facts(report: Report) -> list[tuple[str, str]]:
    """What a preflight read, as (label, value) lines for its header, where a site's says
    what DNS answered: the certificate file, the key file, the leaf (values untrusted)."""
    files = report.files
    if files is None:
        return []
    cert = files.certificate
    out = [("Read", f"{cert.path}: {cert.describe()}")] if cert.path else []
    if files.key is not None:
        out.append(("Key", f"{files.key.path}: {files.key.describe()}"))
    leaf = report.layers[0].leaf if report.layers else None
    if leaf is not None:
        where = ""
        if files.leaf_position > 1:
            where = f" (certificate {files.leaf_position} of the file)"
        out.append(
            (
                "Leaf",
                f"{leaf.common_name or leaf.subject}, expires {human_time(leaf.not_after)}, "
                f"SHA-256 {leaf.sha256}{where}",
            )
        )
    return out


def human_time(moment: dt.datetime) -> str:
    """Return ``2026-11-27 12:00:00 UTC`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def judged_at_other_time(report: Report) -> bool:
    """Tell whether validity was judged at another moment than the probe (``--at``)."""
    slack = dt.timedelta(milliseconds=max(report.duration_ms, 0.0)) + dt.timedelta(minutes=1)
    return abs(_aware(report.at) - _aware(report.started)) > slack


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def count_words(severities: Iterable[Severity], noun: str = "") -> str:
    """Return counts worst first, e.g. ``"2 critical, 1 warning"`` ("" when empty)."""
    counts = Counter(severities)
    parts = [f"{counts[s]:,} {s.label}{noun}" for s in sorted(counts, reverse=True) if counts[s]]
    return ", ".join(parts)


def sites_summary(reports: Sequence[Report]) -> str:
    """Return the one-line summary over all sites, e.g. ``"3 sites: 1 critical, 2 ok"``."""
    kind = "file" if reports and all(r.files is not None for r in reports) else "site"
    noun = kind if len(reports) == 1 else f"{kind}s"
    counts = count_words(r.severity for r in reports)
    return f"{len(reports):,} {noun}: {counts}" if counts else f"0 {noun}"


def layer_notes(report: Report) -> list[tuple[str, str]]:
    """(layer name, note) for what went wrong beside the TLS probe and is no finding:
    a page that could not be fetched, an OCSP responder that gave no usable answer."""
    notes: list[tuple[str, str]] = []
    for layer in report.layers:
        name = f"{layer.role.value} {layer.label}"
        http = layer.http
        if layer.probe.ok and http is not None and http.error is not None:
            notes.append((name, f"HTTP: {http.error.message}"))
        elif layer.probe.ok and http is not None and http.truncated:
            notes.append(
                (
                    name,
                    f"HTTP: the page body was capped at {http.body_bytes:,} bytes; "
                    "mixed content after that was not looked for",
                )
            )
        for part in layer.parts:
            ocsp = part.ocsp
            if ocsp is not None and ocsp.state.value in ("error", "unknown", "invalid"):
                kind = f" ({part.cert_type.name})" if part.cert_type else ""
                notes.append((name, f"OCSP responder{kind}: {ocsp.message}"))
    notes.extend(("AIA", message) for _url, message in report.aia_errors)
    return notes


def summary_line(reports: Sequence[Report], limit: int = 5) -> str:
    """One line for cron mail and monitoring, a valid Nagios plugin line: the worst
    verdict, counts, and the sites that are not ok with their worst finding and how many
    of their layers are broken, then ``|`` and performance data, e.g.
    ``CRITICAL 3 sites: 1 critical, 2 ok; a.example: stale_edge (1 of 4 layers critical)
    | sites=3 critical=1 warning=0 unknown=0 ok=2``."""
    if not reports:
        return "UNKNOWN 0 sites | sites=0"
    worst = max(r.severity for r in reports)
    bad = sorted(
        (r for r in reports if r.severity >= Severity.WARNING),
        key=lambda r: (-r.severity, r.host),
    )
    parts = []
    for report in bad[:limit]:
        top = report.findings[0] if report.findings else None
        if top is not None:
            broken = broken_line(report)
            parts.append(f"{report.ascii_host}: {top.code}" + (f" ({broken})" if broken else ""))
        elif report.error is not None:
            parts.append(f"{report.ascii_host}: {report.error.kind.value}")
        else:
            kind = report.discovery.errors[0].kind.value if report.discovery.errors else "unknown"
            parts.append(f"{report.ascii_host}: {kind}")
    if len(bad) > limit:
        parts.append(f"+{len(bad) - limit} more")
    status = "; ".join([f"{worst.label.upper()} {sites_summary(reports)}", *parts])
    counts = Counter(r.severity for r in reports)
    perf = [f"sites={len(reports)}"] + [
        f"{s.label}={counts[s]}"
        for s in (Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN, Severity.INFO, Severity.OK)
    ]
    # "|" starts Nagios performance data: it never appears in the status text
    return status.replace("|", "/") + " | " + " ".join(perf)


def worst_first(reports: Sequence[Report]) -> list[Report]:
    """Reports worst site first (ties keep the order given)."""
    return sorted(reports, key=lambda r: -r.severity)
