"""A loopback network with latency, for benchmarks: a TCP delay relay and a DNS responder.

There is no ``tc netem`` on these machines, so latency is added in user space. Each relay
address forwards to one backend (a TLS server on another loopback address) and delays every
chunk by ``delay`` seconds in each direction, keeping order; the client's first bytes are
held one round trip more, which stands for the TCP handshake that loopback does at once.
The DNS responder answers A queries for one name with the relay addresses after one round
trip. Stdlib asyncio and dnspython only; loopback only.

Run as ``python benchmarks/relay.py CONFIG.json``: it writes ``ready`` to stdout once every
socket listens and runs until killed. CONFIG: ``{"delay": 0.025, "name": "...",
"dns": ["127.x.y.z", port], "routes": [["127.a.b.c", port, "127.d.e.f", port], ...]}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

_READ = 65536


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float, hold: float
) -> None:
    """Copy ``reader`` to ``writer``, each chunk ``delay`` s late (the first ``hold`` s more)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    task = asyncio.create_task(deliver())
    extra = hold
    try:
        while True:
            data = await reader.read(_READ)
            queue.put_nowait((loop.time() + delay + extra, data))
            extra = 0.0
            if not data:
                break
        await task
    except (ConnectionError, OSError):
        task.cancel()
        writer.close()


def _route(backend: tuple[str, int], delay: float) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*backend)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            _pump(reader, up_writer, delay, 2 * delay),
            _pump(up_reader, writer, delay, 0.0),
            return_exceptions=True,
        )

    return handle


class _Dns(asyncio.DatagramProtocol):
    """A records of one name (the relay addresses), one round trip late."""

    def __init__(self, name: str, addresses: list[str], rtt: float) -> None:
        self.name, self.addresses, self.rtt = name.rstrip(".") + ".", addresses, rtt
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # a datagram transport (3.11's does not say it is one)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            query = dns.message.from_wire(data)
        except Exception:
            return
        response = dns.message.make_response(query)
        question = query.question[0] if query.question else None
        if question is not None and question.name.to_text().lower() == self.name.lower():
            if question.rdtype == dns.rdatatype.A:
                rrset = dns.rrset.from_text(question.name, 60, "IN", "A", *self.addresses)
                response.answer.append(rrset)
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        wire = response.to_wire()
        loop = asyncio.get_running_loop()
        assert self.transport is not None
        loop.call_later(self.rtt, self.transport.sendto, wire, addr)


async def serve(config: dict[str, Any]) -> None:
    """Listen on every route and the DNS address of ``config``; run until cancelled."""
    delay = float(config["delay"])
    servers = []
    for address, port, backend, backend_port in config["routes"]:
        handler = _route((backend, backend_port), delay)
        servers.append(await asyncio.start_server(handler, address, port, limit=_READ))
    loop = asyncio.get_running_loop()
    dns_host, dns_port = config["dns"]
    addresses = [r[0] for r in config["routes"] if r[0] != config.get("origin")]
    await loop.create_datagram_endpoint(
        lambda: _Dns(config["name"], addresses, 2 * delay), local_addr=(dns_host, dns_port)
    )
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        asyncio.run(serve(json.load(fh)))
