"""``layerscope check HOST...`` and ``layerscope HOST``: inspect, render, exit with the worst
severity (or open the inspector on a terminal).

Exit codes follow Nagios: 0 ok/info, 1 warning, 2 critical, 3 unknown (also for bad
options, so a monitoring system never mistakes a typo for a critical certificate).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import warnings
from collections.abc import Awaitable, Callable, Sequence

from layerscope.commands import startup
from layerscope.commands.config import ConfigError, requests_from_args

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False

if TYPE_CHECKING:  # the engine and the model load when a command runs, not for --help
    from layerscope.model import Report
    from layerscope.model.options import SiteRequest

#: Exit code for bad input and nothing known (Nagios UNKNOWN).
EXIT_UNKNOWN = 3


async def run_requests(requests: Sequence[SiteRequest]) -> list[Report]:
    """Inspect every site concurrently under one global probe limit."""
    from layerscope.engine.many import inspect_many

    return await inspect_many(requests, on_report=lambda _i, _r: startup.done())


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
        startup.done()
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


def _run(work: Awaitable[list[Report]]) -> list[Report]:
    import asyncio

    async def wrapped() -> list[Report]:
        return await work

    return asyncio.run(wrapped())


def exit_code(reports: Sequence[Report]) -> int:
    """Worst exit code over the reports."""
    if not reports:
        return EXIT_UNKNOWN
    return max(r.severity for r in reports).exit_code


def emit(text: str) -> None:
    """Write ``text`` to stdout with one final newline, flushed."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def prepare(ns: argparse.Namespace, *, send_dns: bool = False) -> list[SiteRequest] | None:
    """The sites to inspect, every option and trust store checked before anything is
    probed or looked up; None after saying what is wrong in one line on stderr (then
    exit 3).

    With ``send_dns`` the sites' DNS queries go out as soon as all is checked, before the
    imports that the rest of the check needs, which then overlap the round trip (#14);
    the caller closes what was not used with :func:`layerscope.engine.early.drop_early`."""
    requests = _requests(ns)
    if requests is None:
        return None
    problem = stores_problem(requests)
    if problem is not None:
        _refuse(problem)
        return None
    if send_dns:
        from layerscope.engine.early import send_dns_early

        for request in requests:
            send_dns_early(request.host, request.options)
    return requests


def _requests(ns: argparse.Namespace) -> list[SiteRequest] | None:
    """The sites and their options; None after saying what is wrong."""
    try:
        return requests_from_args(ns)
    except ConfigError as exc:
        _refuse(str(exc))
        return None


def _refuse(problem: str) -> None:
    """Bad input, in one line on stderr."""
    print(f"layerscope: {problem}", file=sys.stderr)


def stores_problem(requests: Sequence[SiteRequest]) -> str | None:
    """Why the trust stores of ``requests`` cannot be used (one line), or None."""
    from layerscope.net.truststore import load_stores
    from layerscope.x509.stores import TrustStoreError

    try:
        for options in dict.fromkeys(r.options for r in requests):
            load_stores(options)  # cached: the inspections read them again for free
    except TrustStoreError as exc:
        return str(exc)
    return None


def silence_stdout() -> None:
    """After a closed pipe (``| head -1``): point stdout at /dev/null, so the interpreter's
    final flush does not fail again with a traceback, and keep quiet about the probes
    abandoned on purpose (a connection attempt cancelled before it started is a coroutine
    "never awaited" to Python)."""
    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def cmd_check(ns: argparse.Namespace) -> int:
    """``layerscope check``: print the reports, exit with the worst severity (3 for bad
    options, before anything is probed). When the reader of stdout goes away (``| head``)
    it stops quietly: the exit code is then that of the sites done, 3 if some were not."""
    from layerscope.engine.early import drop_early

    try:
        return _check(ns)
    finally:
        drop_early()


def _check(ns: argparse.Namespace) -> int:
    requests = prepare(ns, send_dns=True)
    if requests is None:
        return EXIT_UNKNOWN
    fmt = getattr(ns, "format", "text")
    done: list[Report] = []
    try:
        if fmt == "jsonl":

            def write(line: str) -> None:
                try:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                except BrokenPipeError:
                    silence_stdout()  # before the inspections still running are cancelled
                    raise

            done = _run(stream_jsonl(requests, write))
            return exit_code(done)
        done = _run(run_requests(requests))
        if fmt == "prometheus":
            # no blank line: the text is complete (or empty) as rendered
            sys.stdout.write(render(done, fmt))
            sys.stdout.flush()
        else:
            emit(render(done, fmt))
    except BrokenPipeError:
        silence_stdout()
        return exit_code(done) if len(done) == len(requests) else EXIT_UNKNOWN
    return exit_code(done)


def interactive() -> bool:
    """Are stdin and stdout a terminal (and not a CI run)? Then the inspector opens."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def run_tui(requests: Sequence[SiteRequest], *, site_list: bool, subtitle: str = "") -> int:
    """Open the interactive inspector (Textual is imported only here)."""
    from layerscope.tui.app import LayerscopeApp

    LayerscopeApp(requests, site_list=site_list, subtitle=subtitle, on_ready=startup.done).run()
    return 0


def cmd_inspect(ns: argparse.Namespace) -> int:
    """``layerscope HOST`` / ``layerscope``: the TUI on a terminal, else the check output.

    Bad options and unreadable trust stores are refused before the inspector opens; the
    stores are checked beside the inspector's imports (:func:`~layerscope.commands.aside.
    beside`), so its first frame does not wait for cryptography (#14)."""
    if not interactive() or getattr(ns, "format", None):
        return cmd_check(ns)
    requests = _requests(ns)
    if requests is None:
        return EXIT_UNKNOWN
    from layerscope.commands.aside import beside

    checked = beside(lambda: stores_problem(requests))
    import layerscope.tui.app  # noqa: F401 - the start-up the check runs beside

    problem = checked()
    if problem is not None:
        _refuse(problem)
        return EXIT_UNKNOWN
    return run_tui(requests, site_list=not getattr(ns, "hosts", None))
