"""Host names of a certificate's URLs (OCSP responder, AIA caIssuers), resolved like the site.

With ``--resolver`` the site is resolved by the user's resolvers, and so must the hosts a
certificate points at: a private resolver may be the only one that knows the OCSP
responder. :class:`ResolverLookup` asks exactly those resolvers, with the same dnspython
code as discovery (:func:`~layerscope.net.discovery.discover`), and never the system
resolver. Failures are values: a :class:`Resolution` with no address and a sentence that
names the host and the resolvers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from layerscope.model import Discovery
from layerscope.model.names import is_ip
from layerscope.model.options import Endpoint
from layerscope.net.discovery import discover
from layerscope.net.errors import reason

DiscoverFn = Callable[..., Awaitable[Discovery]]


@dataclass(frozen=True)
class Resolution:
    """What the resolvers said about one host name.

    Attributes:
        host: the name asked (lower case, without a trailing dot).
        addresses: its addresses, each once, in answer order (first resolver first).
        error: why there is no address, naming the host and the resolvers; "" otherwise.
    """

    host: str
    addresses: tuple[str, ...] = ()
    error: str = ""


HostLookup = Callable[[str], Awaitable[Resolution]]
"""Resolves one host name; never raises for DNS trouble."""


class ResolverLookup:
    """Resolves host names with the given resolvers only, once per name for one run.

    ``resolvers`` must not be empty (without ``--resolver`` nothing needs this: HTTP
    clients resolve with the system resolver, as browsers do). ``family`` 4, 6 or 0 as for
    the site; each lookup gets at most ``timeout`` seconds. ``discover_fn`` is the DNS
    client (the real one by default).
    """

    def __init__(
        self,
        resolvers: Sequence[Endpoint],
        *,
        family: int = 0,
        timeout: float = 5.0,
        discover_fn: DiscoverFn = discover,
    ) -> None:
        if not resolvers:
            raise ValueError("ResolverLookup needs at least one resolver")
        self.resolvers = tuple(resolvers)
        self._family = family
        self._timeout = timeout
        self._discover = discover_fn
        self._cache: dict[str, asyncio.Future[Resolution]] = {}

    async def __call__(self, host: str) -> Resolution:
        """The addresses of ``host``; an IP literal is its own address, without DNS."""
        name = host.strip("[]").rstrip(".").lower()
        if is_ip(name):
            return Resolution(name, (name,))
        pending = self._cache.get(name)
        if pending is None:
            pending = asyncio.ensure_future(self._resolve(name))
            self._cache[name] = pending
        # one caller giving up must not cancel the lookup the others wait for
        return await asyncio.shield(pending)

    async def _resolve(self, name: str) -> Resolution:
        try:
            found = await self._discover(
                name, self.resolvers, family=self._family, timeout=self._timeout
            )
        except Exception as exc:  # an injected client that raises is still a value
            return Resolution(name, error=f"{name}: lookup failed ({reason(exc)})")
        if found.unique_addresses:
            return Resolution(name, found.unique_addresses)
        why = "; ".join(e.message for e in found.errors) or f"{name}: no address"
        return Resolution(name, error=why)


__all__ = ["DiscoverFn", "HostLookup", "Resolution", "ResolverLookup"]
