"""``layerscope fix-chain HOST -o FILE``: write the corrected chain of a layer to a file."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from layerscope.commands.arguments import add_check_options
from layerscope.commands.check import EXIT_UNKNOWN
from layerscope.commands.config import ConfigError, requests_from_args


def add_fix_chain_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``fix-chain`` subcommand, with the options shared with ``check``, to ``sub``
    (the subparsers of ``layerscope``)."""
    fix: argparse.ArgumentParser = sub.add_parser(
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
    add_check_options(fix)
    return fix


def cmd_fix_chain(ns: argparse.Namespace) -> int:
    """``layerscope fix-chain``: 0 written, 1 refused (no trusted chain), 3 bad input."""
    from layerscope.engine.repair import pick_layer, repair
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
    done = repair(report, layer, ns.output, stores, request.options)
    from layerscope.present.sanitize import safe_text

    if done.outcome != "written":
        print(f"layerscope: {safe_text(done.summary, 2000)}", file=sys.stderr)
        return done.exit_code
    print(safe_text(done.summary, 2000))
    print(safe_text(done.detail, 2000))
    return 0
