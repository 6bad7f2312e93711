"""500 layers, half of them tarpits (accept TCP, never speak): the whole check should take
about one --timeout, not 250 of them. Loopback only (127.245.x.y)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.servers import Behaviour, LayerSpec

LAYERS = 500
TIMEOUT = 3.0


def main(runs: int = 3) -> None:
    """Print median/min/max wall time of `check` over 250 good and 250 tarpit edges."""
    with Lab() as lab, tempfile.TemporaryDirectory() as tmp:
        good = lab.site("healthy").spec.origin
        addresses = [f"127.245.{i // 200}.{i % 200 + 1}" for i in range(LAYERS)]
        specs = {
            a: (good if i % 2 == 0 else LayerSpec(Behaviour.TARPIT))
            for i, a in enumerate(addresses)
        }
        with Peers(specs, site="healthy.lab.test", directory=Path(tmp)) as peers:
            args = [
                sys.executable,
                "-m",
                "layerscope",
                "check",
                "healthy.lab.test",
                "--port",
                str(peers.port),
                "--timeout",
                str(TIMEOUT),
                "--concurrency",
                str(LAYERS),
                "--ca-bundle",
                str(lab.public_roots),
                "--alt-ca-bundle",
                "none",
                "--json",
                *sys.argv[2:],
            ]
            for a in addresses:
                args += ["--edge", a]
            walls = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run(args, capture_output=True, check=False)
                walls.append(time.perf_counter() - started)
    print(
        f"{LAYERS} layers, {LAYERS // 2} tarpits, --timeout {TIMEOUT:g}s, "
        f"--concurrency {LAYERS}: median {statistics.median(walls):.2f}s "
        f"(min {min(walls):.2f}, max {max(walls):.2f}, {runs} runs) = "
        f"{statistics.median(walls) / TIMEOUT:.1f} timeouts"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
