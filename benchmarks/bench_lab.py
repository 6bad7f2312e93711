"""Lab start/stop time and `layerscope demo --check` wall time (medians over runs)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from layerscope.lab.lab import Lab


def main(runs: int = 5) -> None:
    """Print median/min/max for lab start, lab stop and a whole `demo --check` process."""
    starts, stops, demos = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        lab = Lab().start()
        t1 = time.perf_counter()
        lab.stop()
        t2 = time.perf_counter()
        starts.append(t1 - t0)
        stops.append(t2 - t1)
        t3 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "layerscope", "demo", "--check"], capture_output=True, check=True
        )
        demos.append(time.perf_counter() - t3)
    for name, values in (("lab start", starts), ("lab stop", stops), ("demo --check", demos)):
        print(
            f"{name:14} median {statistics.median(values):.3f}s  "
            f"min {min(values):.3f}s  max {max(values):.3f}s  ({runs} runs)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
