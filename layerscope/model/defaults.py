"""Constants the command line shows in its help, in a module of their own so that
``--help`` does not load the model they belong to."""

from __future__ import annotations

#: The nginx configuration ``preflight --nginx`` reads when given no path.
DEFAULT_CONF = "/etc/nginx/nginx.conf"

__all__ = ["DEFAULT_CONF"]
