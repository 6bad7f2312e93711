"""Regenerate ``docs/findings.md`` from the catalogue of finding codes.

Run from anywhere with the project's venv::

    .venv/bin/python scripts/findings_doc.py           # rewrite docs/findings.md
    .venv/bin/python scripts/findings_doc.py --check   # exit 1 if it is out of date

The catalogue is ``layerscope/model/codes.py`` (``CATALOGUE``); ``tests/test_catalogue.py``
fails when the committed file and the generated text differ.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from layerscope.model.codes import findings_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "findings.md"


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``docs/findings.md``; the exit code of the script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only say whether it is up to date")
    args = parser.parse_args(argv)
    text = findings_markdown()
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else None
    if args.check:
        if current == text:
            return 0
        print(f"{DOC} is out of date: run python scripts/findings_doc.py", file=sys.stderr)
        return 1
    if current != text:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
