"""A check's first packets: its DNS questions, sent before its heavy imports (#14).

Resolving needs a socket and a DNS message, not the analysis: :func:`send_dns_early` puts
the questions :func:`~layerscope.engine.targets.find_layers` will ask on the wire at once,
and the imports that follow (trust stores, cryptography, asyncio, the engine) take the time
of the round trip instead of adding to it. The lookups adopt the queries
(:func:`layerscope.net.dnswire.send_early`); whatever was not adopted is closed by
:func:`drop_early`. Only light modules here: this runs before the event loop exists.
"""

from __future__ import annotations

from layerscope.model.names import HostNameError, is_ip, to_ascii
from layerscope.model.options import CheckOptions
from layerscope.net import dnswire, questions

__all__ = ["drop_early", "origin_name", "send_dns_early"]


def origin_name(options: CheckOptions) -> str | None:
    """The ``--origin`` name to resolve (A-label form); None when there is none or it is
    an address. Raises HostNameError for a name that cannot be one."""
    origin = options.origin
    if origin is None or is_ip(origin.host):
        return None
    return to_ascii(origin.host)


def send_dns_early(host: str, options: CheckOptions) -> int:
    """Send now the site's UDP queries that its inspection will make: the origin's name,
    and the site's own unless ``--edge`` gives the edges. Returns how many went out (none
    for a name or option that the inspection will refuse: it says why)."""
    try:
        ascii_host = to_ascii(host)
        origin = origin_name(options)
    except HostNameError:
        return 0
    sent = 0
    if origin is not None:
        sent += questions.send_early(origin, options.resolvers, family=options.family)
    if not options.edges:
        sent += questions.send_early(
            ascii_host, options.resolvers, family=options.family, ecs=options.ecs
        )
    return sent


def drop_early() -> None:
    """Close the queries no lookup adopted (the check ended, or stopped before asking)."""
    dnswire.drop_early()
