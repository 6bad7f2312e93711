"""The command's start-up: the cyclic garbage collector waits for the first result.

Starting a command is mostly imports (cryptography, pyOpenSSL, asyncio, the model's
dataclasses): many long-lived objects and no garbage, so the collector's passes over them
are wasted work, about 5% of a ``check`` (#14). The console script turns it off first
thing (:func:`begin`); it comes back (:func:`done`) once a command has its first result
(a check's first report, the inspector's first frame), or before a command that runs long
(``watch``, the demo), with what start-up made moved out of its way (``gc.freeze``). A
caller that never called :func:`begin` (tests calling ``main()``) keeps its collector as
it was.
"""

from __future__ import annotations

import gc

__all__ = ["begin", "done"]

_begun = False


def begin() -> None:
    """Turn the cyclic collector off for the start-up of this process."""
    global _begun
    if gc.isenabled():
        gc.disable()
        _begun = True


def done() -> None:
    """Start-up is over: the collector runs again, past what start-up allocated."""
    global _begun
    if _begun:
        _begun = False
        gc.freeze()
        gc.enable()
