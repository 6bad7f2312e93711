"""Command line: ``layerscope check``, ``layerscope demo``, ``layerscope HOST``.

The parser of every subcommand and the dispatch to them: ``check`` and the inspector in
:mod:`layerscope.commands.check`, ``fix-chain`` in :mod:`layerscope.commands.fix_chain`,
``demo`` in :mod:`layerscope.commands.demo`, ``watch`` in :mod:`layerscope.commands.watch`;
the check options they share are declared in :mod:`layerscope.commands.options`.

Exit codes follow Nagios: 0 ok/info, 1 warning, 2 critical, 3 unknown (also for bad
options, so a monitoring system never mistakes a typo for a critical certificate).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from layerscope import __version__
from layerscope.commands.arguments import add_check_options
from layerscope.commands.check import (
    EXIT_UNKNOWN,
    cmd_check,
    cmd_inspect,
    exit_code,
    render,
    run_requests,
    run_tui,
    stream_jsonl,
)
from layerscope.commands.config import requests_from_args
from layerscope.commands.demo import add_demo_parser, cmd_demo
from layerscope.commands.fix_chain import add_fix_chain_parser, cmd_fix_chain

__all__ = [
    "EXIT_UNKNOWN",
    "build_parser",
    "cmd_check",
    "cmd_demo",
    "cmd_fix_chain",
    "cmd_inspect",
    "exit_code",
    "main",
    "render",
    "requests_from_args",
    "run_requests",
    "run_tui",
    "stream_jsonl",
]

#: The subcommands (and top-level options) that are not a host name: anything else as the
#: first argument is ``layerscope HOST ...``.
_COMMANDS = ("check", "demo", "fix-chain", "watch", "-h", "--help", "--version")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNKNOWN, f"{self.prog}: error: {message}\n")


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
    add_check_options(check)
    add_fix_chain_parser(sub)
    add_demo_parser(sub)
    from layerscope.commands.watch import add_watch_parser

    add_watch_parser(sub, add_check_options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``layerscope`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    interactive = not args or args[0] not in _COMMANDS
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
