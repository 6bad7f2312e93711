"""The console script's start-up turns the cyclic collector off until the first result."""

from __future__ import annotations

import subprocess
import sys

_CODE = """
import gc
from layerscope.commands import startup
startup.done()  # never begun: nothing changes
assert gc.isenabled() and gc.get_freeze_count() == 0
startup.begin()
assert not gc.isenabled()
startup.done()
assert gc.isenabled() and gc.get_freeze_count() > 0
frozen = gc.get_freeze_count()
startup.done()  # once only
assert gc.get_freeze_count() == frozen
gc.disable()
startup.begin()  # a collector already off is left as it was
startup.done()
assert not gc.isenabled()
print("ok")
"""


def test_the_collector_is_off_from_begin_to_done_and_only_then() -> None:
    """begin() turns it off, done() turns it back on once with start-up frozen; a process
    that never began, or had it off already, keeps its collector as it was."""
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
