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
import ipaddress
import time
from collections.abc import Sequence
from dataclasses import dataclass

import dns.asyncresolver
import dns.edns
import dns.exception
import dns.message
import dns.name
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.resolver
import dns.rrset

from layerscope.model import Discovery, ErrorKind, ProbeError
from layerscope.model.names import bracketed
from layerscope.model.options import Endpoint
from layerscope.net.errors import dns_failure, reason, resolver_setup_failure

__all__ = ["SYSTEM_RESOLVER", "discover", "ecs_label", "parse_ecs", "resolver_label"]

SYSTEM_RESOLVER = "system"
"""Label of the system resolver (the nameservers of /etc/resolv.conf)."""

_DEFAULT_PORT = 53

Subnet = ipaddress.IPv4Network | ipaddress.IPv6Network
"""An EDNS Client Subnet, as a network."""


@dataclass(frozen=True)
class _Lookup:
    """What one resolver said for one record type (``setup``: it could not be asked)."""

    rdtype: str
    addresses: tuple[str, ...] = ()
    cnames: tuple[str, ...] = ()
    kind: ErrorKind | None = None
    detail: str = ""
    elapsed_ms: float = 0.0
    setup: bool = False


def resolver_label(endpoint: Endpoint) -> str:
    """How a resolver is named in reports: ``ip``, ``ip:port`` or ``[ipv6]:port``."""
    if endpoint.port is None:
        return endpoint.host
    host = bracketed(endpoint.host)
    return f"{host}:{endpoint.port}"


def parse_ecs(subnet: str) -> Subnet:
    """An EDNS Client Subnet as a network: ``203.0.113.0/24``, ``2001:db8::/56``.

    Host bits are cleared (``203.0.113.7/24`` is ``203.0.113.0/24``) and a bare address
    is a /32 or /128. Raises ValueError with a clear message for anything else.
    """
    text = subnet.strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"invalid ECS subnet {subnet!r}: give an IP network such as 203.0.113.0/24 "
            "or 2001:db8::/56"
        ) from None


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
    subnets: list[Subnet] = []
    input_errors: list[ProbeError] = []
    for text in ecs:
        try:
            subnet = parse_ecs(text)
        except ValueError as exc:
            input_errors.append(_invalid(f"{name}: {exc}"))
            continue
        if subnet not in subnets:
            subnets.append(subnet)
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

    rdtypes = {4: ("A",), 6: ("AAAA",), 0: ("A", "AAAA")}.get(family)
    if rdtypes is None:
        message = f"address family must be 4, 6 or 0, not {family}"
        return Discovery(name, resolvers=labels, errors=(*input_errors, _invalid(message)))
    try:
        qname = dns.name.from_text(name)
    except (dns.exception.DNSException, ValueError) as exc:
        message = f"{name!r} is not a valid DNS name ({reason(exc)})"
        return Discovery(name, resolvers=labels, errors=(*input_errors, _invalid(message)))

    results = await asyncio.gather(
        *(_ask(qname, endpoint, rdtypes, timeout, subnet) for _, endpoint, subnet in plan)
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
    qname: dns.name.Name,
    endpoint: Endpoint | None,
    rdtypes: tuple[str, ...],
    timeout: float,
    subnet: Subnet | None = None,
) -> list[_Lookup]:
    """All record types from one resolver; ``endpoint`` None is the system resolver.

    With ``subnet`` every query carries it as the EDNS Client Subnet option.
    """
    try:
        resolver = _make_resolver(endpoint, timeout)
        if subnet is not None:
            option = dns.edns.ECSOption(str(subnet.network_address), subnet.prefixlen)
            resolver.use_edns(0, options=[option])
    except (ValueError, dns.exception.DNSException, OSError) as exc:
        kind, detail = resolver_setup_failure(exc)
    else:
        return list(await asyncio.gather(*(_lookup(resolver, qname, t, timeout) for t in rdtypes)))
    return [_Lookup(t, kind=kind, detail=detail, setup=True) for t in rdtypes]


def _make_resolver(endpoint: Endpoint | None, timeout: float) -> dns.asyncresolver.Resolver:
    """A resolver for one endpoint, or the system one; raises on bad configuration."""
    if endpoint is None:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        # Only IP addresses are accepted: dnspython raises ValueError for anything else.
        resolver.nameservers = [endpoint.host]
        resolver.port = endpoint.port or _DEFAULT_PORT
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


async def _lookup(
    resolver: dns.asyncresolver.Resolver,
    qname: dns.name.Name,
    rdtype: str,
    timeout: float,
) -> _Lookup:
    """One query, with every DNS failure turned into a :class:`_Lookup` error."""
    started = time.monotonic()

    def failed(kind: ErrorKind, detail: str = "", cnames: tuple[str, ...] = ()) -> _Lookup:
        elapsed = (time.monotonic() - started) * 1000
        return _Lookup(rdtype, (), cnames, kind, detail, elapsed)

    try:
        # Backstop: dnspython honours its lifetime, this makes sure nothing outlives it.
        async with asyncio.timeout(timeout):
            answer = await resolver.resolve(qname, rdtype, search=False)
    except Exception as exc:
        # whatever a broken or hostile server makes dnspython raise, the report goes on
        kind, detail = dns_failure(exc)
        return failed(kind, detail, _negative_cnames(exc))
    addresses = tuple(_addresses(answer.rrset))
    cnames = tuple(_target(rrset) for rrset in answer.chaining_result.cnames)
    elapsed = (time.monotonic() - started) * 1000
    if not addresses:
        return _Lookup(rdtype, (), cnames, ErrorKind.NO_ANSWER, "", elapsed)
    return _Lookup(rdtype, addresses, cnames, None, "", elapsed)


def _addresses(rrset: dns.rrset.RRset | None) -> list[str]:
    """Addresses of an A or AAAA RRset, in answer order."""
    if rrset is None:
        return []
    return [
        rdata.address
        for rdata in rrset
        if isinstance(rdata, dns.rdtypes.IN.A.A | dns.rdtypes.IN.AAAA.AAAA)
    ]


def _target(rrset: dns.rrset.RRset) -> str:
    """Where a CNAME RRset points, without the trailing dot."""
    for rdata in rrset:
        if isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME):
            return str(rdata.target.to_text(omit_final_dot=True))
    return str(rrset.name.to_text(omit_final_dot=True))


def _negative_cnames(exc: Exception) -> tuple[str, ...]:
    """The CNAME chain of an NXDOMAIN or NODATA answer, so a dangling chain is reported."""
    if isinstance(exc, dns.resolver.NXDOMAIN):
        responses = list(exc.kwargs.get("responses", {}).values())
        return _cnames(responses[0]) if responses else ()
    if isinstance(exc, dns.resolver.NoAnswer):
        response = exc.kwargs.get("response")
        return _cnames(response) if isinstance(response, dns.message.Message) else ()
    return ()


def _cnames(response: dns.message.Message) -> tuple[str, ...]:
    """CNAME targets of a negative response, so a dangling chain is still reported."""
    if not isinstance(response, dns.message.QueryMessage):
        return ()
    try:
        chaining = response.resolve_chaining()
    except dns.exception.DNSException:
        return ()
    return tuple(_target(rrset) for rrset in chaining.cnames)


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
