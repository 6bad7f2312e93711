"""Discover a site's layers in DNS: the CNAME chain and the A/AAAA addresses, per resolver.

Every resolver is asked separately and concurrently, A and AAAA concurrently too, so
that a resolver which disagrees with the others (a stale edge, a split view) shows up.
With EDNS Client Subnet (``ecs``) each resolver is asked once per subnet instead, so the
edges that clients in other networks get show up too; each address keeps the resolver
and subnet that gave it. DNS problems never raise: they come back as :class:`ProbeError`
values in the :class:`Discovery`, one clear sentence each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from layerscope.model import Discovery, ErrorKind, ProbeError
from layerscope.model.names import bracketed, is_ip
from layerscope.model.options import Endpoint
from layerscope.net.dnswire import DNS_PORT, Unusual, encode_name, udp_lookup
from layerscope.net.dnswire import Lookup as _Lookup
from layerscope.net.questions import RDTYPES, Subnet, parse_ecs, parse_subnets, wire_ecs

__all__ = ["SYSTEM_RESOLVER", "discover", "ecs_label", "parse_ecs", "resolver_label"]

SYSTEM_RESOLVER = "system"
"""Label of the system resolver (the nameservers of /etc/resolv.conf)."""


def resolver_label(endpoint: Endpoint) -> str:
    """How a resolver is named in reports: ``ip``, ``ip:port`` or ``[ipv6]:port``."""
    if endpoint.port is None:
        return endpoint.host
    host = bracketed(endpoint.host)
    return f"{host}:{endpoint.port}"


def ecs_label(resolver: str, subnet: Subnet) -> str:
    """How a resolver asked with a client subnet is named in reports.

    For example ``127.0.0.53:5353 ecs=203.0.113.0/24``.
    """
    return f"{resolver} ecs={subnet}"


async def discover(
    name: str,
    resolvers: Sequence[Endpoint],
    *,
    family: int = 0,
    timeout: float = 5.0,
    ecs: Sequence[str] = (),
) -> Discovery:
    """Resolve ``name`` (A-label form) with each resolver: CNAME chain, A and AAAA.

    An empty ``resolvers`` means the system resolver. ``family`` 4 asks A only, 6 AAAA
    only, 0 both. Each lookup gets at most ``timeout`` seconds; failures are values in
    ``Discovery.errors``, never exceptions.

    ``ecs`` lists client subnets (``203.0.113.0/24``, ``2001:db8::/56``): when given,
    every resolver is asked once per subnet with the EDNS Client Subnet option, and not
    without it (``0.0.0.0/0`` asks for the answer that is not tailored to any client).
    The addresses are the union over resolvers and subnets, each labelled
    ``"resolver ecs=subnet"``; ``Discovery.resolvers`` lists those labels. A subnet that
    does not parse is an ``INVALID_INPUT`` error and the others are still asked.
    """
    base_labels = tuple(resolver_label(r) for r in resolvers) or (SYSTEM_RESOLVER,)
    endpoints: tuple[Endpoint | None, ...] = tuple(resolvers) or (None,)
    subnets, refused = parse_subnets(ecs)
    input_errors = [_invalid(f"{name}: {problem}") for problem in refused]
    # (label, endpoint, subnet) of each query set; without ECS one plain set per resolver
    plan: list[tuple[str, Endpoint | None, Subnet | None]]
    if ecs:
        plan = [
            (ecs_label(label, subnet), endpoint, subnet)
            for label, endpoint in zip(base_labels, endpoints, strict=True)
            for subnet in subnets
        ]
    else:
        plan = [
            (label, endpoint, None) for label, endpoint in zip(base_labels, endpoints, strict=True)
        ]
    labels = tuple(label for label, _, _ in plan)

    rdtypes = RDTYPES.get(family)
    if rdtypes is None:
        message = f"address family must be 4, 6 or 0, not {family}"
        return Discovery(name, resolvers=labels, errors=(*input_errors, _invalid(message)))
    qname: bytes | None = None
    try:
        qname = encode_name(name)
    except Unusual:
        # not a plain name: dnspython says whether it is one at all, and asks for it
        from layerscope.net.dnspy import check_name

        problem = check_name(name)
        if problem:
            message = f"{name!r} is not a valid DNS name ({problem})"
            return Discovery(name, resolvers=labels, errors=(*input_errors, _invalid(message)))

    results = await asyncio.gather(
        *(_ask(name, qname, endpoint, rdtypes, timeout, subnet) for _, endpoint, subnet in plan)
    )

    chain: tuple[str, ...] = ()
    addresses: dict[tuple[str, str], None] = {}
    errors: list[ProbeError] = list(input_errors)
    for label, lookups in zip(labels, results, strict=True):
        for lookup in lookups:
            if not chain and lookup.cnames:
                chain = lookup.cnames
            for address in lookup.addresses:
                addresses.setdefault((address, label), None)
        errors.extend(_errors(name, label, lookups, timeout))
    return Discovery(
        name=name,
        cname_chain=chain,
        resolvers=labels,
        addresses=tuple(addresses),
        errors=tuple(errors),
    )


async def _ask(
    name: str,
    qname: bytes | None,
    endpoint: Endpoint | None,
    rdtypes: tuple[str, ...],
    timeout: float,
    subnet: Subnet | None = None,
) -> list[_Lookup]:
    """All record types from one resolver; ``endpoint`` None is the system resolver.

    A resolver given by address is asked over UDP with the standard library
    (:mod:`~layerscope.net.dnswire`) when ``qname`` (the name in wire form) is known;
    whatever that path cannot settle, and the system resolver, go to dnspython
    (:mod:`~layerscope.net.dnspy`). With ``subnet`` every query carries it as the EDNS
    Client Subnet option.
    """
    if endpoint is None or qname is None or not is_ip(endpoint.host):
        from layerscope.net import dnspy

        return await dnspy.ask(name, endpoint, rdtypes, timeout, _ecs(subnet))
    return list(
        await asyncio.gather(*(_fast(name, qname, endpoint, t, timeout, subnet) for t in rdtypes))
    )


async def _fast(
    name: str, qname: bytes, endpoint: Endpoint, rdtype: str, timeout: float, subnet: Subnet | None
) -> _Lookup:
    """One record type over UDP with the standard library; dnspython for the unusual."""
    started = time.monotonic()
    port = endpoint.port or DNS_PORT
    try:
        async with asyncio.timeout(timeout):
            answer = await udp_lookup(endpoint.host, port, qname, rdtype, timeout, wire_ecs(subnet))
    except TimeoutError:
        return _Lookup(rdtype, kind=ErrorKind.DNS_TIMEOUT, elapsed_ms=_since(started))
    except (Unusual, OSError):
        from layerscope.net import dnspy

        left = max(0.0, timeout - (time.monotonic() - started))
        return await dnspy.lookup_one(name, endpoint, rdtype, left, _ecs(subnet))
    if answer.nxdomain:
        return _Lookup(rdtype, (), answer.cnames, ErrorKind.NXDOMAIN, "", _since(started))
    if not answer.addresses:
        return _Lookup(rdtype, (), answer.cnames, ErrorKind.NO_ANSWER, "", _since(started))
    return _Lookup(rdtype, answer.addresses, answer.cnames, None, "", _since(started))


def _ecs(subnet: Subnet | None) -> tuple[str, int] | None:
    """A client subnet as dnspython's ECSOption takes it: (address, prefix length)."""
    return None if subnet is None else (str(subnet.network_address), subnet.prefixlen)


def _since(started: float) -> float:
    return (time.monotonic() - started) * 1000


def _invalid(message: str) -> ProbeError:
    """A failure caused by the caller's input rather than by DNS."""
    return ProbeError(ErrorKind.INVALID_INPUT, message)


def _errors(name: str, label: str, lookups: list[_Lookup], timeout: float) -> list[ProbeError]:
    """The failures of one resolver, merged across record types.

    A type without records is only a failure when the resolver gave no address at all,
    and identical failures for A and AAAA become one error naming both types.
    """
    has_addresses = any(lookup.addresses for lookup in lookups)
    groups: dict[tuple[ErrorKind, str, tuple[str, ...], bool], list[_Lookup]] = {}
    for lookup in lookups:
        if lookup.kind is None or (lookup.kind is ErrorKind.NO_ANSWER and has_addresses):
            continue
        key = (lookup.kind, lookup.detail, lookup.cnames, lookup.setup)
        groups.setdefault(key, []).append(lookup)
    errors = []
    for (kind, detail, cnames, setup), members in groups.items():
        types = "/".join(member.rdtype for member in members)
        if setup:
            message = f"{name}: cannot query {_source(label)}: {detail}"
        else:
            message = _message(name, label, kind, detail, cnames, types, timeout)
        elapsed = max(member.elapsed_ms for member in members)
        errors.append(ProbeError(kind, message, elapsed))
    return errors


def _source(label: str) -> str:
    """A resolver as named in messages."""
    if label == SYSTEM_RESOLVER or label.startswith(f"{SYSTEM_RESOLVER} "):
        return "the system resolver" + label[len(SYSTEM_RESOLVER) :]
    return label


def _message(
    name: str,
    label: str,
    kind: ErrorKind,
    detail: str,
    cnames: tuple[str, ...],
    types: str,
    timeout: float,
) -> str:
    """One sentence naming the name, the record types and the resolver."""
    source = _source(label)
    if kind is ErrorKind.NXDOMAIN:
        if cnames:
            return f"{name}: CNAME target {cnames[-1]} does not exist (NXDOMAIN) from {source}"
        return f"{name}: NXDOMAIN (no such name) from {source}"
    if kind is ErrorKind.NO_ANSWER:
        if cnames:
            return f"{name}: no {types} records at CNAME target {cnames[-1]} from {source}"
        return f"{name}: no {types} records from {source}"
    if kind is ErrorKind.SERVFAIL:
        return f"{name}: SERVFAIL (server failure) for {types} from {source}"
    if kind is ErrorKind.DNS_TIMEOUT:
        return f"{name}: no answer for {types} from {source} within {float(timeout)}s"
    return f"{name}: {detail or 'DNS failure'} for {types} from {source}"
