"""Many sites at once: one inspection per site, all under one global probe limit.

The one place that runs several inspections together: ``check`` and ``--jsonl`` on the
command line and the inspector's site list use it, each doing what it needs with every
report as it is done (``on_report``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from layerscope.engine.run import inspect
from layerscope.model import Report
from layerscope.model.options import CheckOptions


class Site(Protocol):
    """What to inspect: a host and its options (``config.SiteRequest`` is one)."""

    @property
    def host(self) -> str:
        """The site name as the user typed it."""

    @property
    def options(self) -> CheckOptions:
        """Its options."""


InspectFn = Callable[..., Awaitable[Report]]


async def inspect_many(
    sites: Sequence[Site],
    *,
    on_report: Callable[[int, Report], None] | None = None,
    inspect_fn: InspectFn = inspect,
) -> list[Report]:
    """Inspect every site concurrently and return the reports in the order of ``sites``.

    All share one probe limit, the largest ``concurrency`` of their options.
    ``on_report(index, report)`` is called as each site is done (completion order).
    """
    if not sites:
        return []
    limit = asyncio.Semaphore(max(s.options.concurrency for s in sites))

    async def one(index: int, site: Site) -> Report:
        report: Report = await inspect_fn(site.host, site.options, limit=limit)
        if on_report is not None:
            on_report(index, report)
        return report

    return list(await asyncio.gather(*(one(i, s) for i, s in enumerate(sites))))


__all__ = ["InspectFn", "Site", "inspect_many"]
