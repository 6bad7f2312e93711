"""The running part of ``layerscope watch`` (:mod:`layerscope.commands.watch` has its
parser): rounds of inspections folded into the watch state, the lines and JSON lines of
each change and round, the exit code. Loaded when a watch starts, not for ``--help``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from layerscope.commands.check import silence_stdout
from layerscope.commands.config import ConfigError, requests_from_args
from layerscope.commands.expect import ExpectError, expected_leaves
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

__all__ = ["EXIT_CONVERGED", "EXIT_INTERRUPTED", "EXIT_TIMEOUT", "run_watch"]

EXIT_CONVERGED = 0
EXIT_TIMEOUT = 1
EXIT_BAD_INPUT = 3
EXIT_INTERRUPTED = 130


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


def run_watch(ns: argparse.Namespace) -> int:
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
