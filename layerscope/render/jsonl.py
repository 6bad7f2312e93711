"""Reports as JSON lines: one compact JSON object per site, written as each site is done.

Each line holds the same object as one entry of ``sites`` in :func:`render_json`, plus
``"schema_version"`` so that a line read on its own still says which schema it follows.
Lines are pure ASCII (``ensure_ascii``): a newline or control character in a certificate
field is escaped, so one site is always exactly one line.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable

from layerscope.config import SiteRequest
from layerscope.core.inspect import inspect
from layerscope.core.model import SCHEMA_VERSION, Report
from layerscope.render.json import report_to_dict

__all__ = ["report_line", "stream_jsonl"]


def report_line(report: Report) -> str:
    """Return one site's report as a single line of compact JSON, ending with ``"\\n"``.

    The object is ``{"schema_version": 1, "host": ..., ...}``: the fields of one
    ``sites`` entry of the JSON document (docs/json-schema.md).
    """
    document = {"schema_version": SCHEMA_VERSION, **report_to_dict(report)}
    return json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n"


async def stream_jsonl(
    requests: Iterable[SiteRequest],
    write: Callable[[str], None],
    *,
    inspect_fn: Callable[..., Awaitable[Report]] = inspect,
) -> list[Report]:
    """Inspect every site concurrently and ``write`` each one's line as soon as it is done.

    All sites share one probe limit, the largest ``concurrency`` of their options (as
    ``layerscope check`` does). Lines come in completion order, not config order; the
    returned reports are in request order (for the exit code and a summary).
    ``inspect_fn`` is :func:`layerscope.core.inspect.inspect` unless replaced.
    """
    pending = list(requests)
    if not pending:
        return []
    limit = asyncio.Semaphore(max(r.options.concurrency for r in pending))

    async def one(request: SiteRequest) -> Report:
        report: Report = await inspect_fn(request.host, request.options, limit=limit)
        write(report_line(report))
        return report

    return list(await asyncio.gather(*(one(r) for r in pending)))
