"""EDNS Client Subnet and several resolvers: discover() against lab responders on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence

import dns.asyncquery
import dns.edns
import dns.flags
import dns.message
import pytest

from layerscope.lab.dns import DnsResponder
from layerscope.model import ErrorKind
from layerscope.model.options import Endpoint
from layerscope.net.discovery import discover, resolver_label

HOST = "127.54.0.1"
OTHER_HOST = "127.54.0.2"

EUROPE = "203.0.113.0/24"
ASIA = "198.51.100.0/24"

ZONE: Mapping[str, Sequence[tuple[str, str]]] = {
    "www.shop.test": [("CNAME", "edge.cdn.test.")],
    "edge.cdn.test": [
        ("A", "127.10.0.1"),
        (f"A@{EUROPE}", "127.10.1.1"),
        (f"A@{EUROPE}", "127.10.1.2"),
        ("A@203.0.0.0/16", "127.10.2.1"),
        (f"A@{ASIA}", "127.10.3.1"),
        ("AAAA@2001:db8::/32", "fd00:10::3"),
    ],
    "big.cdn.test": [(f"A@{EUROPE}", f"127.20.0.{i}") for i in range(1, 101)],
}

OTHER_ZONE: Mapping[str, Sequence[tuple[str, str]]] = {
    "www.shop.test": [("CNAME", "edge.cdn.test.")],
    "edge.cdn.test": [("A", "127.10.0.1"), ("A", "127.10.9.9")],
}


@contextlib.asynccontextmanager
async def serving(
    records: Mapping[str, Sequence[tuple[str, str]]] = ZONE, host: str = HOST
) -> AsyncIterator[tuple[DnsResponder, Endpoint]]:
    """Run a responder on ``host`` and yield it with the endpoint to query."""
    responder = DnsResponder(records)
    port = await responder.start(host)
    try:
        yield responder, Endpoint(host, port)
    finally:
        await responder.stop()


async def test_ecs_query_reaches_the_responder_with_the_option_set() -> None:
    """With one subnet every query carries it as an ECS option, and the answer is the one
    for that network, labelled with the resolver and the subnet."""
    async with serving() as (responder, endpoint):
        found = await discover("www.shop.test", [endpoint], family=4, ecs=[EUROPE], timeout=2)
    label = f"{resolver_label(endpoint)} ecs={EUROPE}"
    assert responder.ecs_seen == [EUROPE]
    (option,) = responder.last_options
    assert isinstance(option, dns.edns.ECSOption)
    assert (option.address, option.srclen) == ("203.0.113.0", 24)
    assert found.resolvers == (label,)
    assert found.addresses == (("127.10.1.1", label), ("127.10.1.2", label))
    assert found.cname_chain == ("edge.cdn.test",)
    assert found.errors == ()


async def test_two_subnets_give_the_union_of_their_addresses_with_labels() -> None:
    """Each subnet is asked separately; the addresses of both come back, each with the
    subnet that saw it, and no plain query is sent."""
    async with serving() as (responder, endpoint):
        found = await discover("www.shop.test", [endpoint], family=4, ecs=[EUROPE, ASIA])
    resolver = resolver_label(endpoint)
    europe, asia = f"{resolver} ecs={EUROPE}", f"{resolver} ecs={ASIA}"
    assert found.resolvers == (europe, asia)
    assert found.addresses == (
        ("127.10.1.1", europe),
        ("127.10.1.2", europe),
        ("127.10.3.1", asia),
    )
    assert found.unique_addresses == ("127.10.1.1", "127.10.1.2", "127.10.3.1")
    assert sorted(responder.ecs_seen) == sorted([EUROPE, ASIA])
    assert len(responder.queries) == 2


async def test_without_ecs_one_plain_query_per_type_gets_the_default_answer() -> None:
    """No subnet: no ECS option is sent and the records not tied to a network answer."""
    async with serving() as (responder, endpoint):
        found = await discover("www.shop.test", [endpoint], family=4, timeout=2)
    assert responder.ecs_seen == []
    assert found.addresses == (("127.10.0.1", resolver_label(endpoint)),)


async def test_host_bits_are_cleared_and_other_subnets_get_the_default() -> None:
    """``203.0.113.77/24`` is sent as 203.0.113.0/24; a client network no record is tied to
    (or wider than the record's network) gets the plain records."""
    async with serving() as (responder, endpoint):
        found = await discover(
            "www.shop.test",
            [endpoint],
            family=4,
            ecs=["203.0.113.77/24", "192.0.2.0/24", "203.0.0.0/8"],
            timeout=2,
        )
    resolver = resolver_label(endpoint)
    assert found.resolvers == (
        f"{resolver} ecs=203.0.113.0/24",
        f"{resolver} ecs=192.0.2.0/24",
        f"{resolver} ecs=203.0.0.0/8",
    )
    by_label: dict[str, set[str]] = {}
    for address, label in found.addresses:
        by_label.setdefault(label, set()).add(address)
    assert by_label[f"{resolver} ecs=203.0.113.0/24"] == {"127.10.1.1", "127.10.1.2"}
    assert by_label[f"{resolver} ecs=192.0.2.0/24"] == {"127.10.0.1"}
    assert by_label[f"{resolver} ecs=203.0.0.0/8"] == {"127.10.0.1"}
    assert "203.0.113.0/24" in responder.ecs_seen


@pytest.mark.parametrize("bad", ["not-a-subnet", "203.0.113.0/33", "2001:db8::/129", ""])
async def test_an_invalid_subnet_is_an_error_value_and_the_others_are_still_asked(
    bad: str,
) -> None:
    """A subnet that does not parse raises nothing: it is an invalid_input error naming
    it, and the valid subnets are asked all the same."""
    async with serving() as (responder, endpoint):
        found = await discover("www.shop.test", [endpoint], family=4, ecs=[bad, ASIA], timeout=2)
    (error,) = found.errors
    assert error.kind is ErrorKind.INVALID_INPUT
    assert repr(bad) in error.message and "ECS" in error.message
    assert [a for a, _ in found.addresses] == ["127.10.3.1"]
    assert responder.ecs_seen == [ASIA]


async def test_only_invalid_subnets_ask_nothing() -> None:
    """When no subnet is usable nothing is sent (not even a plain query): errors only."""
    async with serving() as (responder, endpoint):
        found = await discover("www.shop.test", [endpoint], ecs=["nope"], timeout=2)
    assert found.addresses == ()
    assert [e.kind for e in found.errors] == [ErrorKind.INVALID_INPUT]
    assert responder.queries == []


async def test_several_resolvers_union_their_addresses_with_labels() -> None:
    """Two resolvers on two loopback addresses: the union of their edges, each address
    paired with every resolver that gave it."""
    async with serving() as (_, first), serving(OTHER_ZONE, OTHER_HOST) as (_, second):
        found = await discover("www.shop.test", [first, second], family=4, timeout=2)
    one, two = resolver_label(first), resolver_label(second)
    assert found.resolvers == (one, two)
    assert found.addresses == (
        ("127.10.0.1", one),
        ("127.10.0.1", two),
        ("127.10.9.9", two),
    )
    assert found.unique_addresses == ("127.10.0.1", "127.10.9.9")


async def test_several_resolvers_times_subnets_are_each_asked() -> None:
    """With two resolvers and a subnet each resolver is asked with it; labels keep both."""
    async with (
        serving() as (seen_first, first),
        serving(OTHER_ZONE, OTHER_HOST) as (seen_second, second),
    ):
        found = await discover("www.shop.test", [first, second], family=4, ecs=[ASIA], timeout=2)
    one = f"{resolver_label(first)} ecs={ASIA}"
    two = f"{resolver_label(second)} ecs={ASIA}"
    assert found.resolvers == (one, two)
    assert set(found.addresses) == {
        ("127.10.3.1", one),
        ("127.10.0.1", two),
        ("127.10.9.9", two),
    }
    assert seen_first.ecs_seen == [ASIA] and seen_second.ecs_seen == [ASIA]


async def test_ipv6_subnet_selects_the_ipv6_records() -> None:
    """An IPv6 client subnet inside the record's network gets its AAAA records."""
    async with serving() as (responder, endpoint):
        found = await discover("edge.cdn.test", [endpoint], family=6, ecs=["2001:db8:1::/56"])
    label = f"{resolver_label(endpoint)} ecs=2001:db8:1::/56"
    assert found.addresses == (("fd00:10::3", label),)
    assert responder.ecs_seen == ["2001:db8:1::/56"]


async def test_response_carries_ecs_with_the_scope_of_the_network_that_answered() -> None:
    """The responder echoes the client subnet with the scope prefix of the most specific
    network that chose the answer, 0 when the plain records answered, and omits the
    option when the query had none."""

    async def ask(endpoint: Endpoint, subnet: str | None) -> dns.message.Message:
        options = [dns.edns.ECSOption.from_text(subnet)] if subnet else []
        query = dns.message.make_query("edge.cdn.test", "A", use_edns=0, options=options)
        assert endpoint.port is not None
        return await dns.asyncquery.udp(query, endpoint.host, timeout=2, port=endpoint.port)

    def scope(response: dns.message.Message) -> int | None:
        found = [o for o in response.options if isinstance(o, dns.edns.ECSOption)]
        return found[0].scopelen if found else None

    async with serving() as (_, endpoint):
        europe = await ask(endpoint, EUROPE)
        wider = await ask(endpoint, "203.0.7.0/24")
        elsewhere = await ask(endpoint, "192.0.2.0/24")
        plain = await ask(endpoint, None)
    assert (scope(europe), scope(wider), scope(elsewhere), scope(plain)) == (24, 16, 0, None)
    europe_option = next(o for o in europe.options if isinstance(o, dns.edns.ECSOption))
    assert (europe_option.address, europe_option.srclen) == ("203.0.113.0", 24)
    assert [str(r) for r in wider.answer[0]] == ["127.10.2.1"]


async def test_a_truncated_ecs_answer_is_retried_over_tcp_with_the_option() -> None:
    """A tailored answer too big for UDP comes back truncated with the ECS option; the
    TCP retry carries the subnet too and gets every record."""
    async with serving() as (responder, endpoint):
        found = await discover("big.cdn.test", [endpoint], family=4, ecs=[EUROPE], timeout=2)
        query = dns.message.make_query(
            "big.cdn.test",
            "A",
            use_edns=0,
            payload=512,
            options=[dns.edns.ECSOption.from_text(EUROPE)],
        )
        assert endpoint.port is not None
        truncated = await dns.asyncquery.udp(
            query, endpoint.host, timeout=2, port=endpoint.port, ignore_trailing=True
        )
    assert len(found.addresses) == 100
    assert {transport for _, _, transport in responder.queries} == {"udp", "tcp"}
    assert responder.ecs_seen.count(EUROPE) >= 2
    assert truncated.flags & dns.flags.TC
    assert any(isinstance(o, dns.edns.ECSOption) for o in truncated.options)


def test_tailored_records_are_checked_when_the_zone_is_built() -> None:
    """A network that does not parse, a type that cannot vary, or a CNAME beside tailored
    records is refused with ValueError when the responder is built."""
    with pytest.raises(ValueError, match="bad network"):
        DnsResponder({"a.test": [("A@300.0.0.0/8", "127.0.0.1")]})
    with pytest.raises(ValueError, match="only A, AAAA and TXT"):
        DnsResponder({"a.test": [("CNAME@10.0.0.0/8", "b.test.")]})
    with pytest.raises(ValueError, match="CNAME must be the only record"):
        DnsResponder({"a.test": [("CNAME", "b.test."), ("A@10.0.0.0/8", "127.0.0.1")]})
