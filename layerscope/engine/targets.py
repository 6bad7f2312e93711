"""Step 1 of an inspection: which layers to probe (edges from DNS or ``--edge``, the origin)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from layerscope.engine.early import origin_name
from layerscope.model import Discovery, ErrorKind, ProbeError, Role
from layerscope.model.options import CheckOptions

DiscoverFn = Callable[..., Awaitable[Discovery]]


@dataclasses.dataclass(frozen=True)
class Target:
    """One layer to probe: its role, address and port, where it came from (``source``),
    and the error that stopped it before any probe (an origin name without addresses)."""

    role: Role
    address: str
    port: int
    source: str
    error: ProbeError | None = None


async def find_layers(
    ascii_host: str, options: CheckOptions, discover_fn: DiscoverFn
) -> tuple[Discovery, list[Target]]:
    """The site's edges (from DNS, or ``--edge``: each at its own port when it has one) and
    its origin (``--origin``, resolved when a name): the layers to probe. Raises
    HostNameError for an invalid ``--origin``."""
    targets: list[Target] = []
    origin = options.origin
    origin_job: Awaitable[Discovery] | None = None
    origin_ascii = origin_name(options)  # what engine.early sent first, asked the same way
    if origin_ascii is not None:
        origin_job = discover_fn(
            origin_ascii,
            options.resolvers,
            family=options.family,
            timeout=options.timeout,
        )
    # the edges given by hand, each at its own port (``--edge IP:PORT``) or the site's
    by_hand = dict.fromkeys((e.host.strip("[]"), e.port or options.port) for e in options.edges)
    if by_hand:
        discovery = Discovery(
            name=ascii_host,
            addresses=tuple(dict.fromkeys((address, "--edge") for address, _port in by_hand)),
            skipped=True,
        )
    else:
        # ECS only for the site's own name: the origin is one place, not region-dependent
        extra = {"ecs": options.ecs} if options.ecs else {}
        discovery = await discover_fn(
            ascii_host, options.resolvers, family=options.family, timeout=options.timeout, **extra
        )
    if origin is not None:
        port = origin.port or options.port
        if origin_job is None:
            targets.append(Target(Role.ORIGIN, origin.host.strip("[]"), port, "--origin"))
        else:
            found = await origin_job
            for address in found.unique_addresses:
                targets.append(Target(Role.ORIGIN, address, port, f"--origin {origin.host}"))
            if not found.unique_addresses:
                error = (
                    found.errors[0]
                    if found.errors
                    else ProbeError(ErrorKind.NO_ANSWER, f"origin {origin.host} has no addresses")
                )
                targets.append(Target(Role.ORIGIN, origin.host, port, "--origin", error))
    if by_hand:
        targets.extend(Target(Role.EDGE, address, port, "--edge") for address, port in by_hand)
        return discovery, targets
    for address in discovery.unique_addresses:
        resolvers = sorted({r for a, r in discovery.addresses if a == address})
        targets.append(Target(Role.EDGE, address, options.port, f"DNS via {', '.join(resolvers)}"))
    return discovery, targets


__all__ = ["DiscoverFn", "Target", "find_layers"]
