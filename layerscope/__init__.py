"""layerscope: which TLS certificate each CDN edge and the origin of a site actually serve."""

__version__ = "0.1.0"
