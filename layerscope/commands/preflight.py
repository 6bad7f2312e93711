"""``layerscope preflight FULLCHAIN [--key KEY] --host NAME...``: check a certificate file
before it is deployed, offline (the AIA URL of a missing intermediate aside).

Exit codes: 0 fine to deploy, 1 warnings, 2 would break clients (or the server would not
load the files), 3 a file cannot be read or an option is unusable (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from layerscope.commands.arguments import add_flag
from layerscope.commands.check import EXIT_UNKNOWN, emit, render
from layerscope.commands.config import ConfigError, apply
from layerscope.commands.options import OPTION
from layerscope.model.files import PreflightRequest
from layerscope.model.options import CheckOptions

#: The check options preflight honours, each declared once in :data:`OPTION`.
PREFLIGHT_KEYS: tuple[str, ...] = ("ca_bundle", "extra_ca", "warn_days", "crit_days", "at", "aia")

_FORMATS = (("--json", "JSON (schema in docs/json-schema.md)"), ("--markdown", "Markdown"))


def add_preflight_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``preflight`` subcommand to ``sub`` (the subparsers of ``layerscope``)."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "preflight",
        help="check a certificate file (and its key) before it is deployed, offline",
        description="Read the certificate file as nginx (ssl_certificate) or Apache "
        "(SSLCertificateFile) would load it, optionally its private key, and judge it for "
        "the names it must serve, as check judges a served chain; with -o, write the file "
        "it should be.",
        epilog="exit codes: 0 fine to deploy, 1 warnings, 2 would break clients (or the "
        "server would refuse the files), 3 a file cannot be read or bad options",
    )
    parser.add_argument(
        "certificate",
        metavar="FULLCHAIN",
        help="the certificate file: leaf first, then the intermediates (PEM)",
    )
    parser.add_argument(
        "--key", metavar="KEY", help="its private key file: it must belong to the leaf"
    )
    parser.add_argument(
        "--host",
        dest="names",
        metavar="NAME",
        action="append",
        required=True,
        help="a name the certificate must serve (repeatable)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FIXED.pem",
        type=Path,
        help="write the file it should be: leaf first, intermediates in order (missing ones "
        "from AIA), no root; only when clients would accept it (an existing file only with "
        "--force)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite the -o file if it exists")
    groups: dict[str, argparse._ArgumentGroup] = {}
    for key in PREFLIGHT_KEYS:
        spec = OPTION[key]
        group = groups.get(spec.group) or parser.add_argument_group(spec.group)
        groups[spec.group] = group
        assert spec.honoured_by("preflight"), key
        for flag in spec.flags:
            add_flag(group, spec, flag)
    output = parser.add_argument_group("output").add_mutually_exclusive_group()
    for name, text in _FORMATS:
        output.add_argument(
            name, dest="format", action="store_const", const=name[2:], default="text", help=text
        )
    return parser


def _request(ns: argparse.Namespace) -> PreflightRequest:
    """The preflight the command line asks for (raises ConfigError)."""
    values = {key: getattr(ns, key) for key in PREFLIGHT_KEYS if hasattr(ns, key)}
    options = apply(CheckOptions(), values)
    return PreflightRequest(ns.certificate, ns.key, tuple(ns.names), options)


def _refusal(ns: argparse.Namespace) -> str | None:
    """Why the command line cannot be run as given, before anything is read."""
    output: Path | None = ns.output
    if output is None:
        return None
    if output.is_dir():
        return f"{output} is a directory: give the file to write (-o DIR/fullchain.pem)"
    if output.exists() and not ns.force:
        return f"{output} exists: not overwriting it without --force"
    return None


def cmd_preflight(ns: argparse.Namespace) -> int:
    """``layerscope preflight``: print the report of the files, write ``-o`` when asked,
    exit 0 fine, 1 warnings, 2 would break clients, 3 unreadable input or bad options."""
    from layerscope.engine.preflight import preflight, write_fixed
    from layerscope.net.truststore import load_stores
    from layerscope.present.sanitize import safe_text
    from layerscope.x509.stores import TrustStoreError

    refusal = _refusal(ns)
    try:
        if refusal is not None:
            raise ConfigError(refusal)
        request = _request(ns)
        load_stores(request.options)  # a bad --ca-bundle is bad input, said before reading
    except (ConfigError, TrustStoreError) as exc:
        print(f"layerscope: {safe_text(str(exc), 2000)}", file=sys.stderr)
        return EXIT_UNKNOWN
    result = asyncio.run(preflight(request))
    report = result.report
    if report.error is not None:
        print(f"layerscope: {safe_text(report.error.message, 2000)}", file=sys.stderr)
        return EXIT_UNKNOWN
    emit(render([report], ns.format))
    code = report.severity.exit_code
    if ns.output is None:
        return code
    done = write_fixed(result, ns.output)
    said = safe_text(done.summary, 2000)
    if done.outcome == "written":
        out = sys.stdout if ns.format == "text" else sys.stderr
        print(said, file=out)
        print(safe_text(done.detail, 2000), file=out)
        return code
    print(f"layerscope: {said}", file=sys.stderr)
    return max(code, 1) if done.outcome == "refused" else EXIT_UNKNOWN


__all__ = ["PREFLIGHT_KEYS", "add_preflight_parser", "cmd_preflight"]
