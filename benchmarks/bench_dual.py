"""Both certificate types per layer (#13): what the two typed handshakes per layer cost.

Each layer is probed with SNI, without SNI, once asking only for ECDSA and once only for
RSA, and its page is fetched, all at once. The typed handshakes run beside the others, so a
check should not take longer in wall time by more than a few percent. Measured on the lab's
``healthy`` site (one ECDSA certificate per layer: the RSA handshake is refused at once) and
its ``dual`` site (an ECDSA and an RSA certificate on every layer, 4 layers), each with and
without ``--no-cert-types``, in two ways:

- ``inspect``: the engine alone in this process (``engine.run.inspect``), median of many
  runs: the network and analysis time the extra handshakes could add;
- ``process``: ``layerscope check --json`` as a whole child process, interpreter start and
  imports included: what a user waits for.

Runs alternate between the variants so machine noise spreads evenly. Loopback only.

Run with the project's venv: ``.venv/bin/python benchmarks/bench_dual.py [RUNS]``
(default 15 in-process runs and 7 process runs per variant; medians are printed).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

from layerscope.commands.config import requests_from_args
from layerscope.commands.main import build_parser
from layerscope.engine.run import inspect
from layerscope.lab.lab import Lab
from layerscope.net.truststore import load_stores

SITES = ("healthy", "dual")
VARIANTS = {"typed": [], "untyped": ["--no-cert-types"]}


def _inspect_once(argv: list[str]) -> float:
    (request,) = requests_from_args(build_parser().parse_args(["check", *argv]))
    stores = load_stores(request.options)  # read once per run, as a check does
    t0 = time.perf_counter()
    report = asyncio.run(inspect(request.host, request.options, stores=stores))
    took = time.perf_counter() - t0
    assert report.error is None and all(ly.probe.ok for ly in report.layers), report.host
    return took


def _process_once(argv: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "layerscope", "check", *argv, "--json"],
        capture_output=True,
        check=False,
    )
    took = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return took


def main(runs: int = 15) -> None:
    """Print the median in-process and whole-process times of each site and variant, and
    how much the typed handshakes add."""
    with Lab() as lab:
        for site in SITES:
            base = lab.check_args(site)
            timings: dict[tuple[str, str], list[float]] = {}
            for kind, runner, count in (
                ("inspect", _inspect_once, runs),
                ("process", _process_once, max(3, runs // 2)),
            ):
                for extra in VARIANTS.values():
                    runner([*base, *extra])  # warm-up (caches, page cache)
                for _ in range(count):
                    for name, extra in VARIANTS.items():
                        timings.setdefault((kind, name), []).append(runner([*base, *extra]))
            for kind in ("inspect", "process"):
                typed = statistics.median(timings[(kind, "typed")])
                untyped = statistics.median(timings[(kind, "untyped")])
                print(
                    f"{site:8} {kind:8} typed {typed * 1000:7.1f} ms  "
                    f"--no-cert-types {untyped * 1000:7.1f} ms  "
                    f"+{(typed / untyped - 1) * 100:5.1f}%  "
                    f"({len(timings[(kind, 'typed')])} runs each)"
                )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
