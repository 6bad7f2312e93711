"""``layerscope demo``: start the embedded lab, inspect its sites, stop the lab."""

from __future__ import annotations

import argparse
import sys

from layerscope.commands.check import emit, interactive, render, run_requests, run_tui
from layerscope.commands.config import load_config

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def add_demo_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``demo`` subcommand to ``sub`` (the subparsers of ``layerscope``)."""
    demo: argparse.ArgumentParser = sub.add_parser(
        "demo", help="start the embedded lab and inspect its sites"
    )
    demo.add_argument(
        "--check", action="store_true", help="print the report instead of opening the UI"
    )
    fmt = demo.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        default="text",
        help="the report as JSON (with --check, or without a terminal)",
    )
    fmt.add_argument(
        "--markdown",
        dest="format",
        action="store_const",
        const="markdown",
        help="the report as Markdown (with --check, or without a terminal)",
    )
    return demo


def cmd_demo(ns: argparse.Namespace) -> int:
    """``layerscope demo``: start the lab, inspect every lab site, stop the lab."""
    from layerscope.lab.lab import Lab

    with Lab() as lab:
        requests = load_config(lab.config, {})
        if not ns.check and interactive():
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
        import asyncio  # loaded when the command runs, not for --help

        reports = asyncio.run(run_requests(requests))
        emit(render(reports, ns.format))
    return 0
