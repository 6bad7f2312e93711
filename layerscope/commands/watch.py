"""``layerscope watch HOST``: re-probe until every layer serves the same certificate.

One full inspection per round (sharing one set of trust stores), a line per change as it
happens, a status line per round, then ``converged after 1m12s: ...`` and exit 0, or the
per-layer timeline and exit 1 when ``--timeout`` passed first (130 on Ctrl-C, 3 for bad
input). ``--json`` prints JSON lines instead: one object per change, per round and a final
one. Every line is flushed as it is written, for deploy pipelines.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from layerscope.commands.arguments import add_flag
from layerscope.commands.check import silence_stdout
from layerscope.commands.config import ConfigError, requests_from_args
from layerscope.commands.expect import ExpectError, expected_leaves
from layerscope.commands.options import OPTION
from layerscope.diagnose import watch
from layerscope.diagnose.verdict import reference_note
from layerscope.diagnose.watch import Change, Sighting, WatchState
from layerscope.model import SCHEMA_VERSION, ErrorKind
from layerscope.model.options import SiteRequest
from layerscope.present.sanitize import safe_text
from layerscope.present.watch_lines import (
    change_line,
    format_duration,
    status_line,
    target_text,
    timeline_lines,
)

if TYPE_CHECKING:
    from layerscope.x509.stores import Stores

__all__ = [
    "EXIT_CONVERGED",
    "EXIT_INTERRUPTED",
    "EXIT_TIMEOUT",
    "add_watch_parser",
    "change_line",
    "cmd_watch",
    "format_duration",
    "parse_duration",
    "status_line",
    "timeline_lines",
]

EXIT_CONVERGED = 0
EXIT_TIMEOUT = 1
EXIT_BAD_INPUT = 3
EXIT_INTERRUPTED = 130

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


# --- lines -------------------------------------------------------------------------------
# The renderers (and Rich, which the render package pulls in) load only when a line is
# written: build_parser() imports this module on every run of `layerscope`.


# --- JSON lines --------------------------------------------------------------------------


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _sighting_json(sighting: Sighting | None) -> dict[str, Any] | None:
    if sighting is None:
        return None
    return {
        "at": _iso(sighting.at),
        "label": sighting.label or None,
        "sha256": sighting.sha256,
        "error": sighting.error or None,
        "error_kind": sighting.error_kind or None,
    }


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "event": "change",
        "at": _iso(change.at),
        "kind": change.kind.value,
        "role": change.role.value,
        "address": change.address,
        "port": change.port,
        "cert_type": change.cert_type or None,
        "before": _sighting_json(change.before),
        "after": _sighting_json(change.after),
    }


def _state_json(state: WatchState) -> dict[str, Any]:
    target = state.target_sha256
    return {
        "round": state.rounds,
        "target": {"sha256": target, "label": state.label_of(target) or None}
        if target is not None
        else None,
        "targets": [
            {"cert_type": kind or None, "sha256": sha, "label": state.label_of(sha) or None}
            for kind, sha in state.targets
        ],
        "expected": state.expect or None,
        "layers": len(state.present),
        "on_target": len(watch.on_target(state)),
        "behind": [
            {
                "role": t.role.value,
                "address": t.address,
                "port": t.port,
                "cert_type": t.cert_type or None,
            }
            for t in watch.behind(state)
        ],
        "problem": state.problem or None,
        "converged": watch.converged(state),
    }


def _timelines_json(state: WatchState) -> list[dict[str, Any]]:
    return [
        {
            "role": t.role.value,
            "address": t.address,
            "port": t.port,
            "cert_type": t.cert_type or None,
            "present": t.present,
            "sightings": [_sighting_json(s) for s in t.sightings],
        }
        for t in state.timelines
    ]


# --- running -----------------------------------------------------------------------------


class _Output:
    """Writes text or JSON lines to stdout, flushed line by line."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def _line(self, text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def _json(self, event: str, body: dict[str, Any]) -> None:
        self._line(json.dumps({"schema_version": SCHEMA_VERSION, "event": event, **body}))

    def begin(
        self, host: str, interval: float, timeout: float, state: WatchState, source: str | None
    ) -> None:
        if self.as_json:
            self._json(
                "start",
                {
                    "host": host,
                    "interval_s": interval,
                    "timeout_s": timeout,
                    "expected": state.expect or None,
                    "expected_file": source,
                    "expected_leaves": [
                        {"sha256": sha, "cert_type": kind or None} for sha, kind in state.expects
                    ],
                },
            )
            return
        target = (
            ", ".join(f"sha256 {sha}" for sha, _kind in state.expects)
            if state.expected
            else "the reference certificate"
        )
        if source is not None:
            leaves = "leaves" if len(state.expects) > 1 else "leaf"
            target = f"the {leaves} of {safe_text(source, 300)} ({target})"
        self._line(
            f"watching {safe_text(host, 300)} every {format_duration(interval)} for up to "
            f"{format_duration(timeout)} until every layer serves {target} (times UTC)"
        )

    def round(self, state: WatchState, changes: list[Change]) -> None:
        if self.as_json:
            for change in changes:
                self._line(json.dumps({"schema_version": SCHEMA_VERSION, **_change_json(change)}))
            self._json("round", {"at": _iso(state.last_round), **_state_json(state)})
            return
        for change in changes:
            self._line(change_line(change))
        self._line(status_line(state))

    def end(self, result: str, code: int, state: WatchState, elapsed: float) -> None:
        if self.as_json:
            body = {
                "result": result,
                "exit_code": code,
                "elapsed_s": round(elapsed, 3),
                "converged_at": _iso(state.converged_at),
                **_state_json(state),
                "timelines": _timelines_json(state),
            }
            self._json("final", body)
            return
        took = format_duration(elapsed)
        if result == "converged":
            self._line(f"converged after {took}: every layer serves {target_text(state)}")
            return
        if result == "timeout":
            what = status_line(state).partition(": ")[2] if state.rounds else "no round finished"
            self._line(f"timed out after {took}, not converged: {what}")
        else:
            self._line(f"interrupted after {took}, not converged")
        for line in timeline_lines(state):
            self._line(line)


class _Watch:
    """One watch run; keeps the latest state where Ctrl-C can still find it."""

    def __init__(self, request: SiteRequest, expect: list[tuple[str, str]], out: _Output) -> None:
        self.request = request
        self.state = watch.start(expects=expect)
        self.out = out
        self.began = time.monotonic()

    async def run(self, interval: float, timeout: float, stores: Stores) -> int:
        from layerscope.engine.run import inspect

        self.began = time.monotonic()
        deadline = self.began + timeout
        while True:
            round_start = time.monotonic()
            remaining = deadline - round_start
            if remaining <= 0:
                return self.finish("timeout", EXIT_TIMEOUT)
            try:
                async with asyncio.timeout(remaining):
                    report = await inspect(self.request.host, self.request.options, stores=stores)
            except TimeoutError:
                return self.finish("timeout", EXIT_TIMEOUT)
            if report.error is not None and report.error.kind is ErrorKind.INVALID_INPUT:
                host, why = safe_text(report.host, 300), safe_text(report.error.message, 500)
                return _bad(f"{host}: {why}")
            self.state, changes = watch.observe(self.state, report)
            self.out.round(self.state, changes)
            if watch.converged(self.state):
                return self.finish("converged", EXIT_CONVERGED)
            wake = min(round_start + interval, deadline)
            await asyncio.sleep(max(0.0, wake - time.monotonic()))

    def finish(self, result: str, code: int) -> int:
        self.out.end(result, code, self.state, time.monotonic() - self.began)
        return code


def _bad(message: str) -> int:
    print(f"layerscope: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_watch(ns: argparse.Namespace) -> int:
    """``layerscope watch``: 0 converged, 1 timed out, 3 bad input, 130 interrupted."""
    from layerscope.net.truststore import load_stores
    from layerscope.x509.stores import TrustStoreError

    fmt = getattr(ns, "format", "text")
    if fmt not in ("text", "json"):
        return _bad(f"watch prints text or JSON lines (--json), not {fmt}")
    try:
        requests = requests_from_args(ns)
    except ConfigError as exc:
        return _bad(str(exc))
    if len(requests) != 1:
        return _bad(f"watch follows one site at a time, not {len(requests)}")
    (request,) = requests
    files: list[str] = getattr(ns, "expect_file", None) or []
    source = ", ".join(files) if files else None
    try:
        expect = expected_leaves(files, ns.expect_sha256)
    except ExpectError as exc:
        return _bad(str(exc))
    try:
        stores = load_stores(request.options)
    except TrustStoreError as exc:
        return _bad(str(exc))
    out = _Output(fmt == "json")
    try:
        run = _Watch(request, expect, out)
    except ValueError as exc:
        return _bad(f"--expect-sha256: {exc}")
    note = reference_note(request.options)
    if note and not expect:
        print(f"layerscope: note: {note}", file=sys.stderr)
    try:
        out.begin(request.host, ns.interval, ns.watch_timeout, run.state, source)
        return asyncio.run(run.run(ns.interval, ns.watch_timeout, stores))
    except KeyboardInterrupt:
        return run.finish("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # the reader of a pipeline went away (`| head -3`): stop quietly
        silence_stdout()
        return EXIT_TIMEOUT
