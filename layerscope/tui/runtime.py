"""How screens reach the engine: the app's injectable inspect function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from textual.app import App

from ..core.model import Report

InspectFn = Callable[..., Awaitable[Report]]


def inspect_fn_of(app: App[Any]) -> InspectFn:
    """The app's ``inspect_fn`` (tests inject a fixed clock), else the real engine."""
    fn = getattr(app, "inspect_fn", None)
    if fn is None:
        from ..core.inspect import inspect

        return inspect
    return cast(InspectFn, fn)
