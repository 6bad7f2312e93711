"""A check's DNS queries go out before its heavy imports and discovery adopts them (#14).

Against real responders on loopback: every question sent early is asked exactly once (the
lookup takes the early socket and its answer instead of asking again), discovery finds
what it finds without early queries, and nothing early is left open.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import pytest

from layerscope.commands.main import main
from layerscope.engine.early import drop_early, send_dns_early
from layerscope.engine.targets import find_layers
from layerscope.lab.dns import DnsResponder
from layerscope.lab.lab import Lab
from layerscope.model.options import CheckOptions, Endpoint
from layerscope.net import dnswire
from layerscope.net.discovery import discover

HOST = "127.55.0.1"
OTHER = "127.55.0.2"
EUROPE, ASIA = "203.0.113.0/24", "198.51.100.0/24"
ZONE = {
    "www.shop.test": [("CNAME", "edge.cdn.test.")],
    "edge.cdn.test": [
        ("A", "127.10.0.1"),
        (f"A@{EUROPE}", "127.10.1.1"),
        (f"A@{ASIA}", "127.10.3.1"),
        ("AAAA", "fd00:10::1"),
    ],
    "origin.shop.test": [("A", "127.10.9.1")],
}


@contextlib.asynccontextmanager
async def resolvers(*hosts: str) -> AsyncIterator[tuple[list[DnsResponder], list[Endpoint]]]:
    """A responder of ZONE on each host."""
    running: list[DnsResponder] = []
    endpoints: list[Endpoint] = []
    try:
        for host in hosts:
            responder = DnsResponder(ZONE)
            endpoints.append(Endpoint(host, await responder.start(host)))
            running.append(responder)
        yield running, endpoints
    finally:
        for responder in running:
            await responder.stop()


# (options beside the resolvers, questions sent early per resolver)
VARIANTS = [
    pytest.param({}, 2, id="A and AAAA"),
    pytest.param({"family": 4}, 1, id="A only"),
    pytest.param({"family": 6}, 1, id="AAAA only"),
    pytest.param({"ecs": (EUROPE, ASIA)}, 4, id="two subnets"),
    pytest.param({"ecs": (EUROPE, "not a subnet", EUROPE)}, 2, id="a bad and a repeated subnet"),
    pytest.param({"origin": Endpoint("origin.shop.test", 8443)}, 4, id="an origin name"),
    pytest.param({"origin": Endpoint("127.10.9.9")}, 2, id="an origin address"),
    pytest.param({"edges": (Endpoint("127.10.5.5"),)}, 0, id="edges by hand"),
    pytest.param(
        {"edges": (Endpoint("127.10.5.5"),), "origin": Endpoint("origin.shop.test")},
        2,
        id="edges by hand and an origin name",
    ),
]


@pytest.mark.parametrize(("extra", "per_resolver"), VARIANTS)
async def test_early_questions_are_the_ones_discovery_asks(
    extra: dict[str, object], per_resolver: int
) -> None:
    """Sent early, each question reaches each resolver once, and the layers found are
    those found without early queries."""
    async with resolvers(HOST, OTHER) as (responders, endpoints):
        options = CheckOptions(
            resolvers=tuple(endpoints),
            timeout=2.0,
            **extra,  # type: ignore[arg-type]
        )
        expected = await find_layers("www.shop.test", options, discover)
        asked_without = [sorted(r.queries) for r in responders]
        for responder in responders:
            responder.queries.clear()
        sent = send_dns_early("www.shop.test", options)
        assert sent == per_resolver * len(endpoints)
        found = await find_layers("www.shop.test", options, discover)
        assert dnswire._EARLY == {}  # every early query was adopted
        assert [sorted(r.queries) for r in responders] == asked_without  # once each
        assert found == expected


async def test_questions_discovery_cannot_adopt_are_not_sent() -> None:
    """A resolver given by name, a name for dnspython, an invalid name: nothing goes out
    early (discovery asks those its own way, or refuses them)."""
    by_name = CheckOptions(resolvers=(Endpoint("resolver.example.test", 53),))
    assert send_dns_early("www.shop.test", by_name) == 0
    async with resolvers(HOST) as (_responders, endpoints):
        options = CheckOptions(resolvers=tuple(endpoints))
        assert send_dns_early("bad name!.test", options) == 0
        assert send_dns_early("www.shop.test", CheckOptions()) == 0  # the system resolver
        bad_origin = CheckOptions(resolvers=tuple(endpoints), origin=Endpoint("a..b"))
        assert send_dns_early("www.shop.test", bad_origin) == 0
    assert dnswire._EARLY == {}


def test_a_question_is_sent_early_once_and_the_rest_are_closed() -> None:
    """The same question twice goes out once; what no lookup took is closed."""
    options = CheckOptions(resolvers=(Endpoint("127.55.0.9", 5353),), family=4)
    assert send_dns_early("www.shop.test", options) == 1
    assert send_dns_early("www.shop.test", options) == 0
    ((sock, _qid, _query),) = dnswire._EARLY.values()
    drop_early()
    assert dnswire._EARLY == {} and sock.fileno() == -1


def test_early_queries_are_capped() -> None:
    """A config of many sites: at most ``_EARLY_MAX`` sockets wait; the others ask later."""
    options = CheckOptions(resolvers=(Endpoint("127.55.0.9", 5353),), family=4)
    try:
        sent = sum(send_dns_early(f"s{i}.shop.test", options) for i in range(100))
        assert sent == dnswire._EARLY_MAX == len(dnswire._EARLY)
    finally:
        drop_early()


def test_a_check_asks_each_question_once_and_leaves_nothing_open(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """``layerscope check``: the site's A and AAAA questions reach the resolver once each
    (sent early, adopted), the report is complete, and no early socket stays open."""
    before = len(lab.dns_queries)
    code = main(["check", *lab.check_args("healthy"), "--json", "--no-http"])
    site = json.loads(capsys.readouterr().out)["sites"][0]
    assert code == 0 and site["layers"]
    asked = sorted((q, t) for q, t, _ in lab.dns_queries[before:])
    host = lab.site("healthy").host
    assert asked == [(f"{host}.", "A"), (f"{host}.", "AAAA")]
    assert dnswire._EARLY == {}
