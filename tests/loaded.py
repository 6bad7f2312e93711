"""What a fresh interpreter loads: the import-cost checks of several test modules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

_CODE = """\
import importlib, sys
for name in sys.argv[1].split(","):
    importlib.import_module(name)
wanted = set(sys.argv[2].split(","))
# httpx's command-line client is kept out with a None entry: not loaded
bad = sorted(m for m, v in sys.modules.items() if v is not None and m.split(".")[0] in wanted)
print(",".join(bad))
"""


def loaded_by(modules: Sequence[str], packages: Sequence[str]) -> str:
    """The modules of ``packages`` that importing ``modules`` loads in a fresh interpreter,
    comma-separated ("" when none)."""
    argv = [sys.executable, "-c", _CODE, ",".join(modules), ",".join(packages)]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()
