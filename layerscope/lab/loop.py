"""An asyncio loop on a background thread, so lab servers run beside the caller's own loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from layerscope.lab.servers import LayerServer, LayerSpec

T = TypeVar("T")


class LoopThread:
    """A private event loop running on a daemon thread."""

    def __init__(self, name: str = "lab") -> None:
        self.loop = asyncio.new_event_loop()
        # peers that misbehave on purpose make asyncio log noise: not for users
        self.loop.set_exception_handler(lambda _loop, _ctx: None)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=name)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    @property
    def running(self) -> bool:
        """The thread is alive."""
        return self._thread.is_alive()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and join the thread."""
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()


class Peers:
    """A few lab servers on chosen loopback addresses, sharing one port (for tests).

    ``with Peers({"127.9.0.1": spec, ...}, site="x.lab.test", directory=d) as peers:``
    then connect to ``peers.port`` on those addresses.
    """

    def __init__(self, specs: dict[str, LayerSpec], *, site: str, directory: Path) -> None:
        self._specs = specs
        self._site = site
        self._directory = directory
        self._thread = LoopThread("peers")
        self._servers: list[LayerServer] = []
        self.port = 0

    async def _start(self) -> None:
        for address, spec in self._specs.items():
            server = LayerServer(spec, address, self._site, self._directory)
            self._servers.append(server)
            self.port = await server.start(self.port)

    async def _stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self._servers), return_exceptions=True)

    def __enter__(self) -> Peers:
        self._thread.start()
        try:
            self._thread.run(self._start())
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread.running:
            self._thread.run(self._stop(), timeout=10)
        self._thread.stop()
