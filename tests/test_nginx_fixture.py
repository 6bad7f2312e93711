"""The real-nginx fixture (``tests/nginx_helpers.py``) works: nginx serves the files it read
at start, keeps serving them after they change on disk, and serves the new ones after
``nginx -s reload``; the configuration reader sees the block as nginx does."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket

from layerscope.lab import pki
from layerscope.model.nginx import NginxProblemKind
from layerscope.net.nginx import read_config
from layerscope.net.probe import probe

from .nginx_helpers import Nginx, StartNginx

NAME = "reload.nginx.test"


async def served(server: Nginx) -> tuple[str, ...]:
    """SHA-256 of each certificate nginx sends to a handshake with SNI = its server name."""
    result = await probe(server.address, server.port, NAME, timeout=10)
    assert result.error is None, result.error
    return tuple(c.sha256 for c in result.chain)


def sha(issued: pki.Issued) -> str:
    """Lower-case hex SHA-256 of a certificate."""
    return hashlib.sha256(issued.der).hexdigest()


async def test_nginx_serves_what_it_read_until_it_is_reloaded(nginx: StartNginx) -> None:
    """A renewal written to disk changes nothing until ``nginx -s reload``; then the new
    leaf is served. The chain is served exactly as the file gives it."""
    now = dt.datetime.now(dt.UTC)
    root = pki.ca("Nginx Fixture Root", now=now)
    inter = pki.ca("Nginx Fixture CA", now=now, parent=root)
    old = pki.leaf([NAME], now=now, parent=inter, days_before=60, days_after=30)
    new = pki.leaf([NAME], now=now, parent=inter, days_before=1, days_after=89)
    server = nginx(old.pem + inter.pem, old.key_pem, server_name=NAME)
    assert await served(server) == (sha(old), sha(inter))

    server.write(new.pem + inter.pem, new.key_pem)  # the renewal, on disk only
    assert await served(server) == (sha(old), sha(inter))

    server.reload()
    assert await served(server) == (sha(new), sha(inter))

    server.stop()
    assert not server.running
    with socket.socket() as sock:
        assert sock.connect_ex((server.address, server.port)) != 0  # nothing listens


def test_the_reader_finds_the_block_nginx_serves(nginx: StartNginx) -> None:
    """layerscope.net.nginx reads the fixture's configuration as nginx did: the block, its
    loopback listen and the relative certificate paths resolved where nginx opened them."""
    now = dt.datetime.now(dt.UTC)
    leaf = pki.leaf([NAME], now=now, parent=None)
    server = nginx(leaf.pem, leaf.key_pem, server_name=NAME)
    config = read_config(server.conf)
    assert [p.kind for p in config.all_problems] == []
    (block,) = config.servers
    assert block.sni_name == NAME
    ((listen),) = block.tls_listens
    assert (listen.handshake_address, listen.port) == (server.address, server.port)
    (pair,) = block.certificates
    assert (pair.certificate, pair.key) == (str(server.cert), str(server.key))
    assert NginxProblemKind.NO_KEY not in {p.kind for p in block.problems}
