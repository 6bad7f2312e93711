"""``layerscope watch HOST``: re-probe until every layer serves the same certificate.

One full inspection per round (sharing one set of trust stores), a line per change as it
happens, a status line per round, then ``converged after 1m12s: ...`` and exit 0, or the
per-layer timeline and exit 1 when ``--timeout`` passed first (130 on Ctrl-C, 3 for bad
input). ``--json`` prints JSON lines instead: one object per change, per round and a final
one. Every line is flushed as it is written, for deploy pipelines.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from layerscope.commands.arguments import add_flag
from layerscope.commands.options import OPTION

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "add_watch_parser",
    "cmd_watch",
    "parse_duration",
]


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)?")


def parse_duration(value: str) -> float:
    """Seconds in ``500ms``, ``10s``, ``2m``, ``1h``, ``1m30s`` or a plain number of seconds.

    Raises argparse.ArgumentTypeError (argparse turns it into a usage error) unless the
    text is such a duration and it is positive.
    """
    text = value.strip().lower().replace(" ", "")
    parts = list(_PART.finditer(text))
    if (
        not text
        or "".join(m.group(0) for m in parts) != text
        or (len(parts) > 1 and any(m.group(2) is None for m in parts))
    ):
        raise argparse.ArgumentTypeError(
            f"invalid duration {value!r}: use e.g. 500ms, 10s, 2m, 1h or seconds"
        )
    seconds = sum(float(m.group(1)) * _UNITS[m.group(2) or "s"] for m in parts)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"invalid duration {value!r}: must be positive")
    return seconds


def add_watch_parser(sub: Any, add_check_options: Callable[..., None]) -> argparse.ArgumentParser:
    """Add the ``watch`` subcommand to ``sub`` (the subparsers of ``layerscope``).

    ``add_check_options`` (:func:`layerscope.commands.arguments.add_check_options`) adds
    the options shared with ``check``, as watch honours them (``--json`` its only output
    format). The watch's own ``--timeout`` (how long to wait for convergence) replaces
    check's per-layer one, which becomes ``--probe-timeout`` here.
    """
    parser: argparse.ArgumentParser = sub.add_parser(
        "watch",
        help="re-probe a site until every layer serves the new certificate",
        description="Re-probe the site every --interval and print each change as it "
        "happens, until every layer serves the reference certificate (or the one given "
        "with --expect FILE or --expect-sha256): exit 0 when converged, 1 when --timeout "
        "passed first. "
        "With --json: JSON lines, one object per change, per round and a final one.",
        epilog="exit codes: 0 converged, 1 --timeout passed first, 3 bad input, 130 interrupted",
        conflict_handler="resolve",
    )
    parser.add_argument("hosts", nargs="*", metavar="HOST", help="site name (HOST[:PORT])")
    add_check_options(
        parser,
        command="watch",
        formats={"json": "JSON lines: one object per change, per round and a final one"},
    )
    group = parser.add_argument_group("watching")
    group.add_argument(
        "--interval",
        type=parse_duration,
        default=10.0,
        metavar="DURATION",
        help="time between the starts of two rounds: 500ms, 10s, 2m, 1h (default 10s)",
    )
    group.add_argument(
        "--timeout",
        dest="watch_timeout",
        type=parse_duration,
        default=1800.0,
        metavar="DURATION",
        help="give up (exit 1) when not converged after this long (default 30m)",
    )
    (probe_timeout,) = OPTION["timeout"].flags
    add_flag(group, OPTION["timeout"], probe_timeout, name="--probe-timeout", metavar="SECONDS")
    group.add_argument(
        "--expect",
        dest="expect_file",
        metavar="FILE",
        action="append",
        default=None,
        help="wait for the leaf of this certificate file (PEM certificate or full chain, "
        "or DER), the one a deploy puts in place, instead of the reference certificate; "
        "once per type for a server holding an ECDSA and an RSA certificate",
    )
    group.add_argument(
        "--expect-sha256",
        metavar="HEX",
        default=None,
        help="wait for this leaf (SHA-256 fingerprint, colons allowed, or a unique prefix "
        "of 12+ hex digits) instead of the reference certificate",
    )
    return parser


def cmd_watch(ns: argparse.Namespace) -> int:
    """``layerscope watch``: 0 converged, 1 timed out, 3 bad input, 130 interrupted."""
    from layerscope.commands.watch_run import run_watch

    return run_watch(ns)
