"""A check made beside the start-up: in a forked child, while this process imports (#14).

The inspector must refuse a trust store that cannot be read before it opens, and reading
one needs cryptography (~0.2 s of the first frame's CPU, with the stores' parsing). The
inspector's own start-up (Textual) needs none of it: :func:`beside` runs the check in a
child process on another core while the parent imports, and the parent takes the answer
when it is ready to open. Where there is no ``fork`` or the process already has threads
(forking those is unsafe), the check runs at once, in this process.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

__all__ = ["beside"]

_OK, _NO = b"ok", b"no"


def beside(check: Callable[[], str | None]) -> Callable[[], str | None]:
    """Start ``check`` (None: all is well, else what is wrong, one line) and return a
    function that waits for its answer. A child that could not answer (it crashed) has its
    check made again here, where its error can surface."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        answer = check()
        return lambda: answer
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # nothing buffered may be written twice
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (coverage does not follow it)
        code = 1
        try:
            os.close(read)
            answer = check()
            os.write(write, _OK if answer is None else _NO + answer.encode("utf-8", "replace"))
            code = 0
        finally:
            os._exit(code)  # no atexit, no buffers flushed: they are the parent's
    os.close(write)

    def wait() -> str | None:
        chunks = []
        try:
            while chunk := os.read(read, 65536):
                chunks.append(chunk)
        finally:
            os.close(read)
            os.waitpid(pid, 0)
        said = b"".join(chunks)
        if said == _OK:
            return None
        if said.startswith(_NO):
            return said[len(_NO) :].decode("utf-8", "replace")
        return check()

    return wait
