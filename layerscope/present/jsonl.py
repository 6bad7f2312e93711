"""Reports as JSON lines: one compact JSON object per site (``check --jsonl`` writes each
as its site is done: :func:`layerscope.commands.main.stream_jsonl`).

Each line holds the same object as one entry of ``sites`` in :func:`render_json`, plus
``"schema_version"`` so that a line read on its own still says which schema it follows.
Lines are pure ASCII (``ensure_ascii``): a newline or control character in a certificate
field is escaped, so one site is always exactly one line.
"""

from __future__ import annotations

import json

from layerscope.model import SCHEMA_VERSION, Report
from layerscope.present.json import report_to_dict

__all__ = ["report_line"]


def report_line(report: Report) -> str:
    """Return one site's report as a single line of compact JSON, ending with ``"\\n"``.

    The object is ``{"schema_version": 1, "host": ..., ...}``: the fields of one
    ``sites`` entry of the JSON document (docs/json-schema.md).
    """
    document = {"schema_version": SCHEMA_VERSION, **report_to_dict(report)}
    return json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n"
