"""Discovery's lookups with dnspython's resolver: the system resolver, and every case the
standard-library path (:mod:`layerscope.net.dnswire`) hands over (a truncated answer and
TCP, an rcode other than NOERROR/NXDOMAIN, a chain too long, a name that is not plain...).
Loaded only when one of those happens, so a ``check`` with ``--resolver`` does not pay for
dnspython's imports (#14).
"""

from __future__ import annotations

import asyncio
import time

import dns.asyncresolver
import dns.edns
import dns.exception
import dns.message
import dns.name
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.resolver
import dns.rrset

from layerscope.model import ErrorKind
from layerscope.model.options import Endpoint
from layerscope.net.dnswire import DNS_PORT, Lookup
from layerscope.net.errors import dns_failure, reason, resolver_setup_failure

__all__ = ["ask", "check_name", "lookup_one"]


def check_name(name: str) -> str:
    """Why dnspython refuses ``name`` as a DNS name, "" when it takes it."""
    try:
        dns.name.from_text(name)
    except (dns.exception.DNSException, ValueError) as exc:
        return reason(exc)
    return ""


async def ask(
    name: str,
    endpoint: Endpoint | None,
    rdtypes: tuple[str, ...],
    timeout: float,
    subnet: tuple[str, int] | None = None,
) -> list[Lookup]:
    """All record types from one resolver; ``endpoint`` None is the system resolver.

    With ``subnet`` (address, prefix length) every query carries it as the EDNS Client
    Subnet option.
    """
    qname = dns.name.from_text(name)
    try:
        resolver = _make_resolver(endpoint, timeout)
        if subnet is not None:
            option = dns.edns.ECSOption(*subnet)
            resolver.use_edns(0, options=[option])
    except (ValueError, dns.exception.DNSException, OSError) as exc:
        kind, detail = resolver_setup_failure(exc)
    else:
        return list(await asyncio.gather(*(_lookup(resolver, qname, t, timeout) for t in rdtypes)))
    return [Lookup(t, kind=kind, detail=detail, setup=True) for t in rdtypes]


async def lookup_one(
    name: str, endpoint: Endpoint, rdtype: str, timeout: float, subnet: tuple[str, int] | None
) -> Lookup:
    """One record type from one resolver (what the standard-library path hands over)."""
    (result,) = await ask(name, endpoint, (rdtype,), timeout, subnet)
    return result


def _make_resolver(endpoint: Endpoint | None, timeout: float) -> dns.asyncresolver.Resolver:
    """A resolver for one endpoint, or the system one; raises on bad configuration."""
    if endpoint is None:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        # Only IP addresses are accepted: dnspython raises ValueError for anything else.
        resolver.nameservers = [endpoint.host]
        resolver.port = endpoint.port or DNS_PORT
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


async def _lookup(
    resolver: dns.asyncresolver.Resolver,
    qname: dns.name.Name,
    rdtype: str,
    timeout: float,
) -> Lookup:
    """One query, with every DNS failure turned into a :class:`Lookup` error."""
    started = time.monotonic()

    def failed(kind: ErrorKind, detail: str = "", cnames: tuple[str, ...] = ()) -> Lookup:
        elapsed = (time.monotonic() - started) * 1000
        return Lookup(rdtype, (), cnames, kind, detail, elapsed)

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
        return Lookup(rdtype, (), cnames, ErrorKind.NO_ANSWER, "", elapsed)
    return Lookup(rdtype, addresses, cnames, None, "", elapsed)


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
