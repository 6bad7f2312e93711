"""``python -m layerscope``."""

from .cli import _run

_run()
