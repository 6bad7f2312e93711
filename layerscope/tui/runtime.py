"""How screens reach the engine: the app's injectable inspect function."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

from textual.app import App

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import Report


InspectFn = Callable[..., Awaitable["Report"]]


async def inspect_fn_of(app: App[Any]) -> InspectFn:
    """The app's ``inspect_fn`` (tests inject a fixed clock), else the real engine.

    The engine (cryptography, pyOpenSSL, dnspython) is imported on a thread so the
    first frame and the keyboard never wait for it.
    """
    fn = getattr(app, "inspect_fn", None)
    if fn is None:
        module = await asyncio.to_thread(importlib.import_module, "layerscope.engine.run")
        return cast(InspectFn, module.inspect)
    return cast(InspectFn, fn)
