"""``python -m layerscope``."""

from layerscope.commands.main import _run

_run()
