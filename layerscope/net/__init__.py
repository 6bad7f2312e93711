"""All I/O: DNS, the TLS probe, the page, AIA and OCSP downloads, trust stores, files.

httpx imports its command-line client (click, Rich, Pygments: ~0.1 s, and Rich on the JSON
path) from its package ``__init__`` when those are installed, as they are beside Textual.
layerscope never runs httpx's command line, so the module of that client is marked absent
before httpx is first imported: httpx then defines a stub ``httpx.main`` and nothing else
changes (checked with httpx 0.28).
"""

from __future__ import annotations

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
