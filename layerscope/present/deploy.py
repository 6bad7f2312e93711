"""What a preflight says beside the file's own layer: the live layers it was compared with
(``--against``) and the nginx server block it was read from (``--nginx``).

Each is a :class:`Section` (a title, labelled lines, commands to copy) that the text and
Markdown renderers lay out their way, and a JSON object (:func:`against_json`,
:func:`nginx_json`). Values are untrusted (paths, names, errors): renderers sanitise them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from layerscope.model import Report
from layerscope.model.deploy import Against, LiveLayer, Relation
from layerscope.model.names import host_port
from layerscope.model.nginx import NginxCheck, NginxProblem
from layerscope.model.times import iso_utc
from layerscope.present.labels import human_time

__all__ = ["Section", "against_json", "nginx_json", "sections"]


@dataclass(frozen=True)
class Section:
    """A part of a report shown after its layers table.

    Attributes:
        title: its heading.
        facts: (label, value) lines, in order.
        commands: (label, command) pairs: shown whole, never wrapped, to copy.
    """

    title: str
    facts: tuple[tuple[str, str], ...]
    commands: tuple[tuple[str, str], ...] = ()


_RELATION_WORDS = {
    Relation.SAME: "serves this leaf",
    Relation.OLDER: "the old certificate",
    Relation.NEWER: "a newer certificate",
    Relation.OTHER: "another certificate",
}


def _moment(value: dt.datetime | None) -> str:
    return human_time(value) if value is not None else "?"


def _live(layer: LiveLayer) -> str:
    """What one live layer serves, compared with the file's leaf."""
    if layer.relation is Relation.UNREACHABLE:
        return f"could not be compared: {layer.error}"
    words = _RELATION_WORDS[layer.relation]
    if layer.relation is Relation.SAME:
        return f"{layer.label} — {words}: deploying changes nothing here"
    return (
        f"{layer.label} — {words}, {layer.served_sha256[:12]}, expires "
        f"{_moment(layer.not_after)}: deploying replaces it"
    )


def _against(value: Against) -> Section:
    title = f"Against {host_port(value.host, value.port)}: what deploying changes"
    facts: list[tuple[str, str]] = [(x.name, _live(x)) for x in value.layers]
    facts.append(("Deploying", value.summary))
    if value.file_sha256:
        facts.append(("Leaf SHA-256", value.file_sha256))
    commands = (("Right after the deploy", value.watch),) if value.watch else ()
    return Section(title, tuple(facts), commands)


def _problem(problem: NginxProblem) -> tuple[str, str]:
    where = f"{problem.where}: " if problem.where else ""
    return "nginx problem", f"{where}{problem.message}"


def _nginx(report: Report, check: NginxCheck) -> Section:
    server = check.server
    names = " ".join(server.server_names) or "(none)"
    facts: list[tuple[str, str]] = [
        ("Block", f"{server.where} ({server.context}), server_name {names}"),
        ("Configuration", check.config),
    ]
    if check.certificate is not None:
        pair = check.certificate
        key = pair.key or "(none)"
        inherited = f", from the {server.context} level" if pair.inherited else ""
        files = f"ssl_certificate {pair.certificate}, ssl_certificate_key {key}{inherited}"
        facts.append(("Files", files))
    facts.append(("Served", _served_text(report, check)))
    facts.extend(_problem(p) for p in check.problems)
    return Section("nginx server block", tuple(facts))


def _reloads(report: Report) -> bool:
    return any(f.code == "reload_needed" for f in report.findings)


def _served_text(report: Report, check: NginxCheck) -> str:
    """Where the block was handshaken, what it served, and whether it is the file's leaf."""
    served = check.served
    if served is None:
        return f"not handshaken: {check.note}" if check.note else "not handshaken"
    sni = f"SNI {served.sni}" if served.sni else "no SNI"
    where = f"{host_port(served.address, served.port)} ({sni})"
    if served.error:
        return f"{where}: {served.error}"
    text = f"{where}: leaf {served.sha256[:12]}, expires {_moment(served.not_after)}"
    if check.note:
        return f"{text} — {check.note}"
    if _reloads(report):
        return f"{text} — not the file's leaf: reload needed"
    return f"{text} — the file's leaf"


def sections(report: Report) -> list[Section]:
    """The sections of a report after its layers table (none for a site's report)."""
    out: list[Section] = []
    if report.nginx is not None:
        out.append(_nginx(report, report.nginx))
    if report.against is not None:
        out.append(_against(report.against))
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return iso_utc(value) if value is not None else None


def against_json(value: Against | None) -> dict[str, Any] | None:
    """The ``against`` object of a preflight's JSON (docs/json-schema.md)."""
    if value is None:
        return None
    error = value.error
    return {
        "host": value.host,
        "port": value.port,
        "leaf_sha256": value.file_sha256,
        "error": {"kind": error.kind.value, "message": error.message} if error else None,
        "layers": [
            {
                "role": x.role.value,
                "address": x.address,
                "port": x.port,
                "serves_file_leaf": x.serves_file_leaf,
                "relation": x.relation.value,
                "served_sha256": x.served_sha256 or None,
                "label": x.label or None,
                "not_after": _iso(x.not_after),
                "error": x.error or None,
            }
            for x in value.layers
        ],
        "summary": value.summary,
        "watch_command": value.watch,
    }


def nginx_json(report: Report) -> dict[str, Any] | None:
    """The ``nginx`` object of a ``preflight --nginx`` report's JSON (docs/json-schema.md)."""
    check = report.nginx
    if check is None:
        return None
    server, pair, served = check.server, check.certificate, check.served
    compared = served is not None and bool(served.sha256) and not check.note
    return {
        "config": check.config,
        "block": server.where,
        "context": server.context,
        "server_names": list(server.server_names),
        "certificate": pair.certificate if pair is not None else None,
        "key": (pair.key or None) if pair is not None else None,
        "served": None
        if served is None
        else {
            "listen": served.listen,
            "address": served.address,
            "port": served.port,
            "sni": served.sni or None,
            "sha256": served.sha256 or None,
            "not_after": _iso(served.not_after),
            "error": served.error or None,
        },
        "serves_file_leaf": (not _reloads(report)) if compared else None,
        "note": check.note or None,
        "problems": [
            {"kind": p.kind.value, "message": p.message, "file": p.file or None, "line": p.line}
            for p in check.problems
        ],
    }
