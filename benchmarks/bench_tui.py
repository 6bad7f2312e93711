"""Inspector start-up: process launch to the first frame, and to a complete report.

Two scenarios on the embedded lab, each measured two ways, over several runs:

- ``site``: ``layerscope HOST`` with the lab's options (one site, the "stale" scenario);
- ``list``: ``layerscope --config LAB.toml`` (every lab site, the site list);
- ``pty``: the real ``layerscope`` command in a 120x40 pseudo-terminal; a frame counts when
  its text reaches the terminal (first frame: the site's header or the list's "N sites";
  complete: the site's "Probed ..." line or the list's "all checked");
- the reference: a minimal Textual app (one ``Static``) through the same pty, what no
  inspector can beat on the machine (importing Textual is most of it);
- ``headless``: this file with ``--child`` starts ``LayerscopeApp`` in ``run_test()`` the way
  the CLI builds it (first frame: the app is ready; complete: every report is in).

Clocks start before the process is launched, so interpreter start and imports count. Both
processes read ``time.monotonic()``, one clock for the whole system on Linux. #14's target
is the first frame in a pty within 0.4 s on a 2-core machine. Only loopback is used.

Run with the project's venv: ``.venv/bin/python benchmarks/bench_tui.py [RUNS]``.
"""

from __future__ import annotations

import json
import math
import os
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

TIMEOUT = 30.0
#: The children's environment: bytecode may be cached (a PYTHONDONTWRITEBYTECODE set on the
#: machine would make a run compile what no earlier run cached, as in bench_speed.py).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
SIZE = (120, 40)
# What the terminal shows: (first frame, complete report) per scenario
MARKERS = {
    "site": (b"probing", b"Probed "),
    "list": (b" sites", b"all checked"),
    "minimal": (b"minimal-app", b"minimal-app"),
}

#: The reference: the smallest Textual app (one Static), through the same pty. What no
#: inspector can beat on this machine, since importing Textual is most of it.
MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("minimal-app")

    def on_key(self, event):
        self.exit()

Minimal().run()
"""


# --------------------------------------------------------------------------- child (headless)


def _child(scenario: str, argv: Sequence[str]) -> None:
    """Run the app headless and print the monotonic times of its first frame and report."""
    import asyncio

    from layerscope.commands.main import build_parser, requests_from_args
    from layerscope.tui.app import LayerscopeApp
    from layerscope.tui.screens.site import SiteScreen
    from layerscope.tui.screens.sites import SitesScreen

    ns = build_parser().parse_args(["check", *argv])
    requests = requests_from_args(ns)
    # as cli.cmd_inspect builds it: hosts open one site, a config opens the list
    app = LayerscopeApp(requests, site_list=scenario == "list")

    def complete() -> bool:
        screen = app.screen
        if isinstance(screen, SitesScreen):
            return len(screen.reports) == len(requests)
        return isinstance(screen, SiteScreen) and screen.report is not None

    async def run() -> dict[str, float]:
        async with app.run_test(size=SIZE) as pilot:
            first = time.monotonic()  # run_test returns once the first screen is on
            deadline = first + TIMEOUT
            while not complete() and time.monotonic() < deadline:
                await pilot.pause(0.005)
            done = time.monotonic() if complete() else float("nan")
        return {"first_frame": first, "complete": done}

    print(json.dumps(asyncio.run(run())))


def _headless(scenario: str, argv: Sequence[str]) -> tuple[float, float]:
    t0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, __file__, "--child", scenario, *argv],
        env=_ENV,
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT + 10,
    )
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    return marks["first_frame"] - t0, marks["complete"] - t0


# --------------------------------------------------------------------------- real command in a pty


def _drain(fd: int, wait: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return b""
    try:
        return os.read(fd, 1 << 16)
    except OSError:  # the child closed the terminal
        return b""


def _pty(scenario: str, argv: Sequence[str]) -> tuple[float, float]:
    import fcntl
    import pty
    import struct
    import termios

    first_marker, done_marker = MARKERS[scenario]
    command = [sys.executable, "-m", "layerscope", *argv]
    if scenario == "minimal":
        command = [sys.executable, "-c", MINIMAL_APP]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {k: v for k, v in _ENV.items() if k not in ("CI", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    t0 = time.monotonic()
    proc = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    first = done = float("nan")
    try:
        while time.monotonic() - t0 < TIMEOUT and proc.poll() is None:
            chunk = _drain(master, 0.05)
            now = time.monotonic()
            # keep a tail so a marker split across two reads is still found
            seen = seen[-64:] + chunk
            if math.isnan(first) and first_marker in seen:
                first = now - t0
            if not math.isnan(first) and done_marker in seen:
                done = now - t0
                break
        os.write(master, b"q")
        quit_by = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < quit_by:
            _drain(master, 0.05)  # a full terminal would block the app's last writes
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    return first, done


# --------------------------------------------------------------------------- main


def _line(name: str, values: list[float], runs: int) -> str:
    ok = [v for v in values if not math.isnan(v)]
    if not ok:
        return f"{name:28} no result ({runs} runs)"
    failed = f", {runs - len(ok)} failed" if len(ok) < runs else ""
    return (
        f"{name:28} median {statistics.median(ok):.3f}s  "
        f"min {min(ok):.3f}s  max {max(ok):.3f}s  ({runs} runs{failed})"
    )


def main(runs: int = 5) -> None:
    """Print median/min/max to the first frame and to a complete report, per scenario."""
    from layerscope.lab.lab import Lab

    with Lab() as lab:
        scenarios = {
            "site": lab.check_args("stale"),
            "list": ["--config", str(lab.config)],
        }
        print(
            f"lab: {len(lab.sites)} sites on {lab.base}.0.0/16; {os.cpu_count()} cores; "
            f"{SIZE[0]}x{SIZE[1]}; #14's target: first frame in a pty within 0.4 s"
        )
        # one run of each in turn, as bench_speed does: the host's drift hits them alike
        order = {"minimal": [], **scenarios}
        for mode, measure in (("pty", _pty), ("headless", _headless)):
            todo = {k: v for k, v in order.items() if mode == "pty" or k != "minimal"}
            results: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in todo}
            for scenario, argv in todo.items():
                measure(scenario, argv)  # warm the file cache: not counted
            for _ in range(runs):
                for scenario, argv in todo.items():
                    first, done = measure(scenario, argv)
                    results[scenario][0].append(first)
                    results[scenario][1].append(done)
            reference = results.get("minimal", ([], []))[0]
            for scenario, (firsts, dones) in results.items():
                if scenario == "minimal":
                    print(_line("pty minimal Textual app", firsts, runs) + "  (reference)")
                    continue
                ratio = ""
                ok = [v for v in firsts if not math.isnan(v)]
                if reference and ok:
                    times = statistics.median(ok) / statistics.median(reference)
                    ratio = f"  ({times:.2f}x the minimal app)"
                print(_line(f"{mode} {scenario}: first frame", firsts, runs) + ratio)
                print(_line(f"{mode} {scenario}: complete", dones, runs))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3:])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
