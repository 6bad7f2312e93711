"""Renderers: one :class:`~layerscope.core.model.Report` as text, JSON or Markdown.

Every renderer takes the reports computed once by the engine and returns a string
ending with a newline; none of them prints or does I/O.
"""

from layerscope.render.json import render_json, report_to_dict
from layerscope.render.labels import leaf_labels
from layerscope.render.markdown import render_markdown
from layerscope.render.sanitize import md_escape, safe_text, summarize_list
from layerscope.render.text import render_text

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
