"""Many sites: `layerscope check --config` on lab sites of 4 layers, at 48, 200 and 800 layers.

Each site is an origin and three edges (``--edge``), all serving the lab's healthy chain on
its own loopback address 127.240.x.y; one ``Peers`` (one server thread) holds each batch of
50 sites. The config trusts the lab's public roots (``alt_ca_bundle = "none"``). The whole
``layerscope check --config FILE --json`` runs as a child process; its wall time and peak
RSS come from GNU ``/usr/bin/time``, interpreter start and imports included.
The output is checked: every site must come back ok with 4 layers that each served a leaf.

Two modes: ``tls`` (``http = false``: the handshakes and analysis only) and ``http`` (also
the page over every layer). Sizes grow 4x: with the concurrency limit (32) the
time should grow about linearly and memory should stay well below linear.

The servers run in this process, the checker in the child: on a 2-core machine both
compete for the CPU, so absolute times are pessimistic; compare the growth.

Run with the project's venv: ``.venv/bin/python benchmarks/bench_many.py [RUNS]``
(default 3 runs per size and mode; medians are printed).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.servers import LayerSpec

LAYERS_PER_SITE = 4
SITES = (12, 50, 200)
BATCH = 50  # sites per Peers
MODES = {"tls": False, "http": True}
BASE = "127.240"
TIME = "/usr/bin/time"  # GNU time, for the child's peak RSS


def address(index: int) -> str:
    """The ``index``-th layer address: 127.240.0.1, 127.240.0.2, ... (250 per /24)."""
    return f"{BASE}.{index // 250}.{index % 250 + 1}"


@contextlib.contextmanager
def serving(
    spec: LayerSpec, host: str, sites: int, directory: Path
) -> Iterator[list[tuple[int, list[str]]]]:
    """Start ``sites`` sites of 4 layers; yield (port, [origin, edge, edge, edge]) per site."""
    with contextlib.ExitStack() as stack:
        layout: list[tuple[int, list[str]]] = []
        for first in range(0, sites, BATCH):
            batch = range(first, min(first + BATCH, sites))
            addresses = {
                i: [address(i * LAYERS_PER_SITE + j) for j in range(LAYERS_PER_SITE)] for i in batch
            }
            specs = {a: spec for layer in addresses.values() for a in layer}
            peers = stack.enter_context(Peers(specs, site=host, directory=directory))
            layout.extend((peers.port, addresses[i]) for i in batch)
        yield layout


def write_config(
    path: Path, lab: Lab, host: str, layout: list[tuple[int, list[str]]], http: bool
) -> None:
    """A config with one [[site]] per entry of ``layout``."""
    q = json.dumps
    lines = [
        "[defaults]",
        f"ca_bundle = {q(str(lab.public_roots))}",
        'alt_ca_bundle = "none"',
        f"http = {'true' if http else 'false'}",
        "timeout = 10",
        "",
    ]
    for port, (origin, *edges) in layout:
        lines += [
            "[[site]]",
            f"host = {q(host)}",
            f"port = {port}",
            f"origin = {q(f'{origin}:{port}')}",
            f"edge = [{', '.join(q(e) for e in edges)}]",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def run_check(config: Path, sites: int) -> tuple[float, float]:
    """Run ``check --config`` once; return (wall seconds, peak RSS in MiB); check the output.

    Peak RSS comes from GNU time (``%M``): a small process forks the child, so the
    child's figure is its own. (``os.wait4`` on a child of this big process reports this
    process's peak instead: Linux keeps the pre-exec high-water mark of the forked copy.)
    """
    command = [sys.executable, "-m", "layerscope", "check", "--config", str(config), "--json"]
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as stats:
        started = time.perf_counter()
        code = subprocess.call(
            [TIME, "-f", "%M", "-o", stats.name, *command],
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - started
        rss_kib = int(stats.read().split()[-1])
        out.seek(0)
        data = json.loads(out.read())
    reports = data["sites"]
    assert len(reports) == sites, f"{len(reports)} reports for {sites} sites"
    for report in reports:
        statuses = [layer["status"] for layer in report["layers"]]
        assert report["severity"] == "ok", (report["severity"], report["findings"][:1])
        assert statuses == ["ok"] * LAYERS_PER_SITE, statuses
    assert code == 0, code
    return wall, rss_kib / 1024


def main(runs: int = 3) -> None:
    """Print median wall time and peak RSS per size and mode, and the growth factors."""
    with Lab() as lab, tempfile.TemporaryDirectory(prefix="layerscope-bench-") as tmp:
        directory = Path(tmp)
        site = lab.site("healthy")
        spec, host = site.spec.origin, site.host
        with serving(spec, host, max(SITES), directory) as layout:
            print(
                f"{len(layout)} sites x {LAYERS_PER_SITE} layers on {BASE}.0.0/16, "
                f"{os.cpu_count()} CPUs, {runs} runs each, medians:"
            )
            for mode, http in MODES.items():
                previous: tuple[float, float] | None = None
                for sites in SITES:
                    config = directory / f"sites-{mode}-{sites}.toml"
                    write_config(config, lab, host, layout[:sites], http)
                    results = [run_check(config, sites) for _ in range(runs)]
                    wall = statistics.median(r[0] for r in results)
                    rss = statistics.median(r[1] for r in results)
                    layers = sites * LAYERS_PER_SITE
                    growth = ""
                    if previous is not None:
                        growth = f"  x{wall / previous[0]:.2f} time  x{rss / previous[1]:.2f} RSS"
                    print(
                        f"{mode:4} {sites:4} sites {layers:4} layers  wall {wall:6.2f}s "
                        f"(min {min(r[0] for r in results):.2f} "
                        f"max {max(r[0] for r in results):.2f})"
                        f"  {1000 * wall / layers:6.1f} ms/layer  peak RSS {rss:6.1f} MiB{growth}"
                    )
                    previous = (wall, rss)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
