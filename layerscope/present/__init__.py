"""Renderers: one :class:`~layerscope.model.Report` as text, JSON or Markdown.

Every renderer takes the reports computed once by the engine and returns a string
ending with a newline; none of them prints or does I/O. The names below are loaded on
first use, so that importing one light module of this package (``sanitize``,
``watch_lines``) does not load Rich and every other renderer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layerscope.present.json import render_json, report_to_dict
    from layerscope.present.labels import leaf_labels
    from layerscope.present.markdown import render_markdown
    from layerscope.present.sanitize import md_escape, safe_text, summarize_list
    from layerscope.present.text import render_text

_WHERE = {
    "leaf_labels": "labels",
    "md_escape": "sanitize",
    "render_json": "json",
    "render_markdown": "markdown",
    "render_text": "text",
    "report_to_dict": "json",
    "safe_text": "sanitize",
    "summarize_list": "sanitize",
}

__all__ = [
    "leaf_labels",
    "md_escape",
    "render_json",
    "render_markdown",
    "render_text",
    "report_to_dict",
    "safe_text",
    "summarize_list",
]


def __getattr__(name: str) -> Any:
    """Load a renderer's module when one of its names is first used."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
