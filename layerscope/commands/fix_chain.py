"""``layerscope fix-chain HOST -o FILE``: write the corrected chain of a layer to a file."""

from __future__ import annotations

import argparse
import sys

from layerscope.commands.arguments import add_check_options
from layerscope.commands.check import EXIT_UNKNOWN
from layerscope.commands.config import ConfigError, requests_from_args
from layerscope.commands.values import path_arg

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def add_fix_chain_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``fix-chain`` subcommand, with the options shared with ``check``, to ``sub``
    (the subparsers of ``layerscope``)."""
    fix: argparse.ArgumentParser = sub.add_parser(
        "fix-chain",
        help="write the corrected chain (leaf, intermediates, no root) of a layer to a file",
        description="Inspect the site, pick a layer, complete its chain from the other "
        "layers and the AIA URLs, and write it (leaf first, no root) once it builds to a "
        "trusted root and the verifier accepts it for the site.",
        epilog="exit codes: 0 written, 1 refused (no chain clients accept exists), "
        "3 bad input (the file exists without --force, an option, the trust store)",
    )
    fix.add_argument("hosts", nargs=1, metavar="HOST", help="site name (HOST[:PORT])")
    fix.add_argument(
        "--layer",
        metavar="IP",
        help="the layer to repair (default: the first with an incomplete chain)",
    )
    fix.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=path_arg,
        required=True,
        help="where to write fullchain.pem (an existing file only with --force)",
    )
    fix.add_argument("--force", action="store_true", help="overwrite the -o file if it exists")
    add_check_options(fix, command="fix-chain", formats={}, config=False)
    return fix


def _refusal(ns: argparse.Namespace) -> str | None:
    """Why the command line cannot be run as given, before anything is probed."""
    fmt = getattr(ns, "format", None)
    if fmt:
        return f"fix-chain writes PEM to the -o file and what it did on stdout; no --{fmt}"
    output: Path = ns.output
    if output.is_dir():
        return f"{output} is a directory: give the file to write (-o DIR/fullchain.pem)"
    if output.is_file() and not ns.force:
        return f"{output} exists: not overwriting it without --force"
    return None


def cmd_fix_chain(ns: argparse.Namespace) -> int:
    """``layerscope fix-chain``: 0 written, 1 refused (no trusted chain), 3 bad input (an
    existing ``-o`` file without ``--force`` among it, said before anything is probed)."""
    from layerscope.engine.repair import pick_layer, repair
    from layerscope.engine.run import inspect
    from layerscope.net.truststore import load_stores
    from layerscope.x509.stores import TrustStoreError

    refusal = _refusal(ns)
    if refusal is not None:
        print(f"layerscope: {refusal}", file=sys.stderr)
        return EXIT_UNKNOWN
    try:
        (request,) = requests_from_args(ns)
        stores = load_stores(request.options)
    except (ConfigError, TrustStoreError) as exc:
        print(f"layerscope: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    import asyncio  # loaded when the command runs, not for --help

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
