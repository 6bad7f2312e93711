"""Helpers of the ``preflight --nginx`` tests that need no nginx: a small configuration tree
whose server block listens where a loopback TLS server (a lab layer, or one started here with
the stdlib ``ssl`` module) serves an older certificate than the file the block names."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from pathlib import Path

from layerscope.engine.nginx import preflight_nginx
from layerscope.lab.lab import Lab
from layerscope.lab.pki import Issued, pem_bundle
from layerscope.model import Finding
from layerscope.model.options import CheckOptions

_CONF = """\
events {{ worker_connections 16; }}
http {{
    server {{
        listen {listen} ssl;
        server_name {names};
        ssl_certificate {cert};
        ssl_certificate_key {key};
    }}
{extra}}}
"""


def write_tree(
    directory: Path,
    listen: str,
    names: str,
    chain: tuple[Issued, ...] | None,
    *,
    cert: str = "fullchain.pem",
    key: str = "privkey.pem",
    extra: str = "",
) -> Path:
    """``directory/nginx.conf`` with one TLS server block (relative paths, as nginx resolves
    them) and, unless ``chain`` is None, its certificate and key files; the config's path."""
    directory.mkdir(parents=True, exist_ok=True)
    if chain is not None:
        (directory / cert).write_bytes(pem_bundle(*chain))
        (directory / key).write_bytes(chain[0].key_pem)
    conf = directory / "nginx.conf"
    conf.write_text(_CONF.format(listen=listen, names=names, cert=cert, key=key, extra=extra))
    return conf


def stale_tree(lab: Lab, directory: Path) -> Path:
    """A block for the lab's ``stale`` site listening where its stale edge does: the files
    hold the renewed certificate (the origin's chain), the edge serves the previous one."""
    site = lab.site("stale")
    listen = f"{site.edges[2]}:{lab.port}"
    return write_tree(directory, listen, f"{site.host} www.{site.host}", site.spec.origin.chain)


def reload_findings(lab: Lab, directory: Path) -> list[Finding]:
    """Every finding of ``preflight --nginx`` on :func:`stale_tree` (tests/test_evidence.py)."""
    conf = stale_tree(lab, directory)
    options = CheckOptions(ca_bundle=str(lab.public_roots), timeout=5)
    result = asyncio.run(preflight_nginx(conf, options))
    return [f for report in result.reports for f in report.findings]


class TlsServer:
    """A TLS server on ``127.0.0.1`` (a free port) that serves ``chain`` with its key to every
    handshake, in a thread; stopped when the ``with`` block ends."""

    def __init__(self, chain: tuple[Issued, ...], directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        cert, key = directory / "served.pem", directory / "served.key"
        cert.write_bytes(pem_bundle(*chain))
        key.write_bytes(chain[0].key_pem)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _peer = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.settimeout(5)
                with self._context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)  # until the client closes

    def __enter__(self) -> TlsServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
