"""Command line: ``layerscope check``, ``layerscope demo``, ``layerscope HOST``.

Exit codes follow Nagios: 0 ok/info, 1 warning, 2 critical, 3 unknown (also for bad
options, so a monitoring system never mistakes a typo for a critical certificate).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import NoReturn

from layerscope import __version__
from layerscope.commands.config import ConfigError, load_config
from layerscope.commands.config import requests_from_args as requests_from_args
from layerscope.model import Report
from layerscope.model.options import SiteRequest

EXIT_UNKNOWN = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNKNOWN, f"{self.prog}: error: {message}\n")


def _add_check_options(p: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    g = p.add_argument_group("what to probe")
    g.add_argument(
        "--origin",
        metavar="IP|HOST[:PORT]",
        default=s,
        help="the origin server behind the CDN (a host name: each of its IPs)",
    )
    g.add_argument(
        "--edge",
        metavar="IP",
        action="append",
        default=s,
        help="probe this edge address instead of resolving the site (repeatable)",
    )
    g.add_argument("--port", type=int, default=s, help="site port (default 443)")
    g.add_argument("--sni", metavar="NAME", default=s, help="server name to send (default: site)")
    g.add_argument(
        "--resolver",
        metavar="IP[:PORT]",
        action="append",
        default=s,
        help="DNS resolver to ask (repeatable; default: the system resolver)",
    )
    g.add_argument(
        "--ecs",
        metavar="SUBNET",
        action="append",
        default=s,
        help="ask DNS as a client in SUBNET (EDNS Client Subnet, e.g. 203.0.113.0/24; "
        "repeatable: the union of the edges each subnet gets)",
    )
    g.add_argument(
        "-4", dest="family", action="store_const", const=4, default=s, help="IPv4 edges only"
    )
    g.add_argument(
        "-6", dest="family", action="store_const", const=6, default=s, help="IPv6 edges only"
    )
    g.add_argument(
        "--no-http",
        dest="http",
        action="store_false",
        default=s,
        help="skip the HTTP fetch per layer",
    )
    g.add_argument("--path", default=s, help="path fetched over each layer (default /)")
    g.add_argument(
        "--no-ocsp",
        dest="ocsp",
        action="store_false",
        default=s,
        help="do not ask the OCSP responder (stapled responses are still judged)",
    )
    g.add_argument(
        "--no-aia",
        dest="aia",
        action="store_false",
        default=s,
        help="do not download missing intermediates from AIA URLs",
    )
    t = p.add_argument_group("how to judge")
    t.add_argument(
        "--ca-bundle",
        metavar="certifi|system|FILE",
        default=s,
        help="trust store (default certifi, Mozilla's)",
    )
    t.add_argument(
        "--extra-ca",
        metavar="FILE",
        action="append",
        default=s,
        help="private/company CA added to the trust store (repeatable)",
    )
    t.add_argument(
        "--alt-ca-bundle",
        metavar="certifi|system|FILE|none",
        default=s,
        help="second store to compare with (default: system for certifi, and back)",
    )
    t.add_argument("--warn-days", type=int, default=s, help="expiry warning threshold (21)")
    t.add_argument("--crit-days", type=int, default=s, help="expiry critical threshold (7)")
    t.add_argument(
        "--at",
        metavar="DATETIME",
        default=s,
        help="judge validity at this moment (ISO 8601) instead of now",
    )
    r = p.add_argument_group("running")
    r.add_argument("--timeout", type=float, default=s, help="seconds per layer and lookup (5)")
    r.add_argument("--concurrency", type=int, default=s, help="probes in flight at once (32)")
    r.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        default=s,
        help="TOML file with [defaults] and [[site]] entries",
    )
    o = p.add_argument_group("output")
    fmt = o.add_mutually_exclusive_group()
    formats = (
        ("--json", "JSON (schema in docs/json-schema.md)"),
        ("--summary", "one line: worst verdict, counts and the sites that need attention (cron)"),
        ("--jsonl", "JSON lines: one object per site, written as soon as that site is done"),
        ("--prometheus", "node_exporter textfile metrics (docs/prometheus.md)"),
        ("--markdown", "Markdown, for tickets and chat"),
    )
    for flag, text in formats:
        fmt.add_argument(
            flag, dest="format", action="store_const", const=flag[2:], default=s, help=text
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(
        prog="layerscope",
        description="Which TLS certificate each CDN edge and the origin actually serve, why "
        "browsers call it untrusted, and what to run to fix it.",
    )
    parser.add_argument("--version", action="version", version=f"layerscope {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    check = sub.add_parser("check", help="inspect sites without a UI (text, JSON, Markdown)")
    check.add_argument("hosts", nargs="*", metavar="HOST", help="site name(s)")
    _add_check_options(check)
    fix = sub.add_parser(
        "fix-chain",
        help="write the corrected chain (leaf, intermediates, no root) of a layer to a file",
    )
    fix.add_argument("hosts", nargs=1, metavar="HOST", help="site name")
    fix.add_argument(
        "--layer",
        metavar="IP",
        help="the layer to repair (default: the first with an incomplete chain)",
    )
    fix.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        required=True,
        help="where to write fullchain.pem",
    )
    _add_check_options(fix)
    demo = sub.add_parser("demo", help="start the embedded lab and inspect its sites")
    demo.add_argument(
        "--check", action="store_true", help="print the report instead of opening the UI"
    )
    fmt = demo.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="format", action="store_const", const="json", default="text")
    fmt.add_argument("--markdown", dest="format", action="store_const", const="markdown")
    from layerscope.commands.watch import add_watch_parser

    add_watch_parser(sub, _add_check_options)
    return parser


async def run_requests(requests: Sequence[SiteRequest]) -> list[Report]:
    """Inspect every site concurrently under one global probe limit."""
    from layerscope.engine.many import inspect_many

    return await inspect_many(requests)


async def stream_jsonl(
    requests: Sequence[SiteRequest],
    write: Callable[[str], None],
    *,
    inspect_fn: Callable[..., Awaitable[Report]] | None = None,
) -> list[Report]:
    """Inspect every site concurrently and ``write`` each one's JSON line as soon as it is
    done (completion order); the reports come back in request order (for the exit code).
    ``inspect_fn`` replaces :func:`layerscope.engine.run.inspect` (tests)."""
    from layerscope.engine.many import inspect_many
    from layerscope.present.jsonl import report_line

    def done(_index: int, report: Report) -> None:
        write(report_line(report))

    if inspect_fn is None:
        return await inspect_many(requests, on_report=done)
    return await inspect_many(requests, on_report=done, inspect_fn=inspect_fn)


def render(reports: Sequence[Report], fmt: str) -> str:
    """Reports as text (coloured on a terminal unless NO_COLOR), JSON or Markdown."""
    if fmt == "json":
        from layerscope.present.json import render_json

        return render_json(reports)
    if fmt == "summary":
        from layerscope.present.labels import summary_line
        from layerscope.present.sanitize import safe_text

        return safe_text(summary_line(reports), 2000)
    if fmt == "prometheus":
        from layerscope.present.prometheus import render_prometheus

        return render_prometheus(reports)
    if fmt == "markdown":
        from layerscope.present.markdown import render_markdown

        return render_markdown(reports)
    from layerscope.present.text import render_text

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    try:
        width = os.get_terminal_size().columns if sys.stdout.isatty() else 100
    except OSError:
        width = 100
    return render_text(reports, color=color, width=width)


def exit_code(reports: Sequence[Report]) -> int:
    """Worst exit code over the reports."""
    if not reports:
        return EXIT_UNKNOWN
    return max(r.severity for r in reports).exit_code


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def cmd_check(ns: argparse.Namespace) -> int:
    """``layerscope check``: print the reports, exit with the worst severity."""
    try:
        requests = requests_from_args(ns)
    except ConfigError as exc:
        print(f"layerscope: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    fmt = getattr(ns, "format", "text")
    if fmt == "jsonl":

        def write(line: str) -> None:
            sys.stdout.write(line)
            sys.stdout.flush()

        return exit_code(asyncio.run(stream_jsonl(requests, write)))
    reports = asyncio.run(run_requests(requests))
    if fmt == "prometheus":
        # no blank line: the text is complete (or empty) as rendered
        sys.stdout.write(render(reports, fmt))
        sys.stdout.flush()
    else:
        _emit(render(reports, fmt))
    return exit_code(reports)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def run_tui(requests: Sequence[SiteRequest], *, site_list: bool, subtitle: str = "") -> int:
    """Open the interactive inspector (Textual is imported only here)."""
    from layerscope.tui.app import LayerscopeApp

    LayerscopeApp(requests, site_list=site_list, subtitle=subtitle).run()
    return 0


def cmd_inspect(ns: argparse.Namespace) -> int:
    """``layerscope HOST`` / ``layerscope``: the TUI on a terminal, else the check output."""
    if not _interactive() or getattr(ns, "format", None):
        return cmd_check(ns)
    try:
        requests = requests_from_args(ns)
    except ConfigError as exc:
        print(f"layerscope: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    return run_tui(requests, site_list=not getattr(ns, "hosts", None))


def cmd_demo(ns: argparse.Namespace) -> int:
    """``layerscope demo``: start the lab, inspect every lab site, stop the lab."""
    from layerscope.lab.lab import Lab

    with Lab() as lab:
        requests = load_config(lab.config, {})
        if not ns.check and _interactive():
            return run_tui(
                requests,
                site_list=True,
                subtitle=f"embedded lab: {len(lab.sites)} sites on {lab.base}.0.0/16",
            )
        if ns.format == "text":
            print(
                f"layerscope demo: embedded lab with {len(lab.sites)} sites on "
                f"{lab.base}.0.0/16 port {lab.port}, DNS {lab.dns}; trust store: the lab's "
                "public roots, company root as --extra-ca.",
                file=sys.stderr,
            )
        reports = asyncio.run(run_requests(requests))
        _emit(render(reports, ns.format))
    return 0


def cmd_fix_chain(ns: argparse.Namespace) -> int:
    """``layerscope fix-chain``: 0 written, 1 refused (no trusted chain), 3 bad input."""
    from layerscope.engine.repair import fullchain_for, pick_layer
    from layerscope.engine.run import inspect
    from layerscope.net.truststore import load_stores
    from layerscope.x509.stores import TrustStoreError

    try:
        (request,) = requests_from_args(ns)
        stores = load_stores(request.options)
    except (ConfigError, TrustStoreError) as exc:
        print(f"layerscope: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    report = asyncio.run(inspect(request.host, request.options, stores=stores))
    layer = pick_layer(report, ns.layer)
    if layer is None:
        what = f"no layer {ns.layer}" if ns.layer else "no layer answered"
        errors = "; ".join(e.message for e in report.discovery.errors)
        print(
            f"layerscope: {request.host}: {what}" + (f" ({errors})" if errors else ""),
            file=sys.stderr,
        )
        return EXIT_UNKNOWN
    chain = fullchain_for(report, layer, stores)
    if not chain.ok:
        print(f"layerscope: not writing {ns.output}: {chain.message}", file=sys.stderr)
        return 1
    try:
        ns.output.write_text(chain.pem, encoding="ascii")
    except OSError as exc:
        print(f"layerscope: cannot write {ns.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    from layerscope.present.sanitize import safe_text

    print(
        f"wrote {ns.output}: {len(chain.certificates)} certificates for {layer.label}, "
        "leaf first, no root"
    )
    print(safe_text(chain.message, 2000))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``layerscope`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    interactive = not args or args[0] not in (
        "check",
        "demo",
        "fix-chain",
        "watch",
        "-h",
        "--help",
        "--version",
    )
    if interactive:
        # `layerscope HOST ...` (or no argument: the config's sites) opens the inspector
        args = ["check", *args]
    ns = parser.parse_args(args)
    if ns.command == "demo":
        return cmd_demo(ns)
    if ns.command == "fix-chain":
        return cmd_fix_chain(ns)
    if ns.command == "watch":
        from layerscope.commands.watch import cmd_watch

        return cmd_watch(ns)
    if interactive:
        return cmd_inspect(ns)
    return cmd_check(ns)


def _run() -> NoReturn:  # pragma: no cover - console script wrapper
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    _run()
