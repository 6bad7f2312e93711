"""``layerscope preflight FULLCHAIN [--key KEY] --host NAME...``: check a certificate file
before it is deployed, offline (the AIA URL of a missing intermediate aside); with
``--against HOST [check options]``, compare its leaf with what the live layers of HOST
serve. ``layerscope preflight --nginx [CONF]``, on the server itself: the files of every TLS
server block, and whether each block serves them (``reload_needed``).

Exit codes: 0 fine to deploy, 1 warnings, 2 would break clients (or the server would not
load the files), 3 a file cannot be read or an option is unusable (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from layerscope.commands.arguments import add_flag
from layerscope.commands.check import EXIT_UNKNOWN, emit, render
from layerscope.commands.config import CHECK_KEYS, ConfigError, apply, site_request
from layerscope.commands.options import OPTION, OPTIONS
from layerscope.commands.values import path_arg
from layerscope.model.defaults import DEFAULT_CONF
from layerscope.model.options import CheckOptions, SiteRequest

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from layerscope.model.files import PreflightRequest

#: The check options preflight honours, each declared once in :data:`OPTION`.
PREFLIGHT_KEYS: tuple[str, ...] = (
    "ca_bundle",
    "extra_ca",
    "warn_days",
    "crit_days",
    "at",
    "aia",
    "timeout",
)

#: The check options that find and probe the live layers: only with ``--against``.
AGAINST_KEYS: tuple[str, ...] = (
    "origin",
    "edge",
    "port",
    "sni",
    "resolver",
    "ecs",
    "family",
    "concurrency",
)

_AGAINST_GROUP = "with --against HOST: the live layers, found and probed as check does"

_FORMATS = (("--json", "JSON (schema in docs/json-schema.md)"), ("--markdown", "Markdown"))


def add_preflight_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``preflight`` subcommand to ``sub`` (the subparsers of ``layerscope``)."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "preflight",
        help="check a certificate file (and its key) before it is deployed; with --nginx, "
        "a server's files and whether it serves them",
        description="Read the certificate file as nginx (ssl_certificate) or Apache "
        "(SSLCertificateFile) would load it, optionally its private key, and judge it for "
        "the names it must serve, as check judges a served chain; with -o, write the file "
        "it should be; with --against HOST, say which live layers of HOST already serve its "
        "leaf and what deploying changes. With --nginx [CONF], on the server itself: the "
        "files of every TLS server block, and whether the block serves them.",
        epilog="exit codes: 0 fine to deploy, 1 warnings, 2 would break clients (or the "
        "server would refuse the files), 3 a file cannot be read or bad options",
    )
    parser.add_argument(
        "certificate",
        metavar="FULLCHAIN",
        nargs="?",
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
        help="a name the certificate must serve (repeatable; required with FULLCHAIN)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FIXED.pem",
        type=path_arg,
        help="write the file it should be: leaf first, intermediates in order (missing ones "
        "from AIA), no root; only when clients would accept it (an existing file only with "
        "--force)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite the -o file if it exists")
    parser.add_argument(
        "--against",
        metavar="HOST",
        help="also probe the live layers of HOST (HOST[:PORT]) as check does and say which "
        "already serve the file's leaf and what deploying changes, with the watch command "
        "to run right after the deploy",
    )
    parser.add_argument(
        "--nginx",
        metavar="CONF",
        nargs="?",
        const=DEFAULT_CONF,
        help="on the server itself, instead of FULLCHAIN: check the files of every TLS "
        f"server block of this nginx configuration (default {DEFAULT_CONF}) and whether "
        "each block serves them (reload_needed)",
    )
    groups: dict[str, argparse._ArgumentGroup] = {}
    for key in PREFLIGHT_KEYS:
        spec = OPTION[key]
        group = groups.get(spec.group) or parser.add_argument_group(spec.group)
        groups[spec.group] = group
        assert spec.honoured_by("preflight"), key
        for flag in spec.flags:
            add_flag(group, spec, flag)
    live = parser.add_argument_group(_AGAINST_GROUP)
    for spec in OPTIONS:
        if spec.key in PREFLIGHT_KEYS:
            continue
        for flag in spec.flags:  # check's other options: accepted, not listed
            add_flag(live, spec, flag, hidden=spec.key not in AGAINST_KEYS)
    output = parser.add_argument_group("output").add_mutually_exclusive_group()
    for name, text in _FORMATS:
        output.add_argument(
            name, dest="format", action="store_const", const=name[2:], default="text", help=text
        )
    return parser


def _values(ns: argparse.Namespace, keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: getattr(ns, key) for key in keys if hasattr(ns, key)}


def _request(ns: argparse.Namespace) -> PreflightRequest:
    from layerscope.model.files import PreflightRequest

    """The preflight the command line asks for (raises ConfigError)."""
    options = apply(CheckOptions(), _values(ns, PREFLIGHT_KEYS))
    return PreflightRequest(ns.certificate, ns.key, tuple(ns.names), options)


def _site(ns: argparse.Namespace) -> SiteRequest | None:
    """The site of ``--against`` with every check option given (raises ConfigError)."""
    if ns.against is None:
        return None
    values = _values(ns, CHECK_KEYS)
    return site_request(ns.against, apply(CheckOptions(), values), values)


def _flag(key: str) -> str:
    return "/".join(flag.name for flag in OPTION[key].flags)


def _refusal(ns: argparse.Namespace) -> str | None:
    """Why the command line cannot be run as given, before anything is read."""
    live = [_flag(key) for key in AGAINST_KEYS if hasattr(ns, key)]
    if ns.nginx is not None:
        named = {"FULLCHAIN": ns.certificate, "--key": ns.key, "--host": ns.names}
        named.update({"-o": ns.output, "--against": ns.against})
        given = [name for name, value in named.items() if value]
        if given or live:
            return (
                "--nginx reads the files and names from the configuration: "
                f"not with {', '.join([*given, *live])}"
            )
        return None
    if ns.certificate is None:
        return "give the certificate file (FULLCHAIN --host NAME), or --nginx [CONF]"
    if not ns.names:
        return "give the names the certificate must serve: --host NAME (repeatable)"
    if live and ns.against is None:
        return f"{', '.join(live)}: about the live layers, only with --against HOST"
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
        if ns.nginx is not None:
            return _cmd_nginx(ns)
        request = _request(ns)
        site = _site(ns)
        load_stores(request.options)  # a bad --ca-bundle is bad input, said before reading
    except (ConfigError, TrustStoreError) as exc:
        print(f"layerscope: {safe_text(str(exc), 2000)}", file=sys.stderr)
        return EXIT_UNKNOWN
    import asyncio  # loaded when the command runs, not for --help

    if site is None:
        result = asyncio.run(preflight(request))
    else:
        from layerscope.engine.against import preflight_against

        result = asyncio.run(preflight_against(request, site))
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


def _cmd_nginx(ns: argparse.Namespace) -> int:
    """``preflight --nginx [CONF]``: one report per certificate of each TLS server block;
    the worst exit code, 3 when part of the configuration could not be read or checked
    (raises ConfigError for unusable options)."""
    from layerscope.engine.nginx import preflight_nginx
    from layerscope.present.sanitize import safe_text

    options = apply(CheckOptions(), _values(ns, PREFLIGHT_KEYS))
    import asyncio  # loaded when the command runs, not for --help

    result = asyncio.run(preflight_nginx(ns.nginx, options))
    if result.error is not None:
        print(f"layerscope: {safe_text(result.error.message, 2000)}", file=sys.stderr)
        return EXIT_UNKNOWN
    emit(render(list(result.reports), ns.format))
    if result.unread:
        first = result.unread[0]
        where = f"{first.where}: " if first.where else ""
        more = f" (and {len(result.unread) - 1} more)" if len(result.unread) > 1 else ""
        said = safe_text(f"{where}{first.message}{more}", 2000)
        print(f"layerscope: the configuration could not be read entirely: {said}", file=sys.stderr)
    return result.exit_code


__all__ = ["AGAINST_KEYS", "PREFLIGHT_KEYS", "add_preflight_parser", "cmd_preflight"]
