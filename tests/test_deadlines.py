"""Deadlines hold against peers that drip: a per-read timeout would never fire against
them, the whole-handshake deadline does."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from layerscope.model import ErrorKind
from layerscope.net.probe import probe


@pytest.fixture(scope="module")
def drip_server() -> Iterator[tuple[str, int]]:
    """Accepts, then sends the start of a TLS handshake record one byte every 0.3 s."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.247.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    record = bytes([0x16, 0x03, 0x03, 0x40, 0x00]) + b"\x02" * 16000  # a huge "ServerHello"

    def serve_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.2)
            for byte in record:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.3)

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    yield "127.247.0.1", listener.getsockname()[1]
    stop.set()
    thread.join(2)
    listener.close()


def test_byte_drip_times_out_on_time(drip_server: tuple[str, int]) -> None:
    """One byte every 0.3 s never trips a per-read timeout; the 1.5 s deadline still ends
    the probe, named as a handshake timeout."""
    address, port = drip_server
    started = time.monotonic()
    result = asyncio.run(probe(address, port, "drip.lab.test", timeout=1.5))
    elapsed = time.monotonic() - started
    assert result.error is not None
    assert result.error.kind is ErrorKind.HANDSHAKE_TIMEOUT
    assert "did not finish within 1.5s" in result.error.message
    assert elapsed < 1.5 + 2.0  # generous: proves the deadline was enforced, not a fast box
