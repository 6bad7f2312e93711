"""A real nginx for tests: ``nginx -p DIR -c DIR/nginx.conf`` on a loopback address and port,
serving the certificate and key files of DIR, reloaded with ``nginx -s reload``.

Never a system-wide service: the master process runs in the foreground (``daemon off``) as a
child of the test, in its own session, with its pid file, logs and temporary directories in
DIR; :meth:`Nginx.stop` ends it and its workers. Tests use the :func:`nginx` fixture (made
available by ``tests/conftest.py``), which skips when no nginx binary is installed
(``.ci/run`` installs Debian's).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

__all__ = ["NGINX_CANDIDATES", "Nginx", "StartNginx", "nginx", "nginx_binary"]

#: Where nginx lives when ``/usr/sbin`` is not on PATH (a non-root user on Debian).
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
#: How long nginx may take to start, reload or stop.
DEADLINE = 20.0
# what nginx's error log says (level notice) when a reload has started new workers, and
# when an old worker stops accepting connections
_STARTED, _CLOSED = "start worker processes", "gracefully shutting down"

# Relative certificate paths on purpose: nginx resolves them against the directory of the
# -c file, as layerscope.net.nginx does.
_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log off;
    default_type text/plain;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    server {{
        listen {listen} ssl;
        server_name {name};
        ssl_certificate cert.pem;
        ssl_certificate_key key.pem;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""


def nginx_binary() -> str | None:
    """The nginx executable, or None when none is installed."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((c for c in NGINX_CANDIDATES if os.access(c, os.X_OK)), None)


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        port: int = sock.getsockname()[1]
        return port


class Nginx:
    """One nginx serving ``cert.pem`` / ``key.pem`` of its directory for ``server_name``.

    Attributes:
        binary: the nginx executable.
        prefix: its directory (``-p``), which holds everything it reads and writes.
        conf: its configuration file (``-c``).
        cert: the ``ssl_certificate`` file (``cert.pem`` in the configuration).
        key: the ``ssl_certificate_key`` file.
        error_log: its error log (level notice: starts, reloads and exits are logged).
        address: the loopback address it listens on.
        port: its port, chosen free at start.
        server_name: the block's ``server_name``.
    """

    def __init__(self, binary: str, prefix: Path, server_name: str, address: str) -> None:
        self.binary = binary
        self.prefix = prefix
        self.conf = prefix / "nginx.conf"
        self.cert = prefix / "cert.pem"
        self.key = prefix / "key.pem"
        self.error_log = prefix / "error.log"
        self.address = address
        self.port = 0
        self.server_name = server_name
        self.process: subprocess.Popen[bytes] | None = None
        (prefix / "tmp").mkdir(parents=True, exist_ok=True)

    def write(self, chain_pem: bytes, key_pem: bytes) -> None:
        """Write the certificate (or full chain) and key files; nginx reads them only at
        start and on reload."""
        self.cert.write_bytes(chain_pem)
        self.key.write_bytes(key_pem)
        self.key.chmod(0o600)

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", f"{self.prefix}/", "-c", str(self.conf),
                "-e", str(self.error_log), *extra]  # fmt: skip

    def _log(self) -> str:
        try:
            return self.error_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> None:
        """Start on a free port and wait until it accepts connections (raises RuntimeError
        with nginx's messages when it cannot start)."""
        for _attempt in range(3):  # a port found free may be taken before nginx binds it
            self.port = _free_port(self.address)
            listen = f"{self.address}:{self.port}"
            self.conf.write_text(
                _CONF.format(dir=self.prefix, listen=listen, name=self.server_name)
            )
            self.process = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            if self._wait_ready():
                return
            err = self._reap()
            if "Address already in use" not in err:
                raise RuntimeError(f"nginx did not start: {err.strip() or self._log()[-2000:]}")
        raise RuntimeError("nginx could not bind a free loopback port")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                socket.create_connection((self.address, self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def _reap(self) -> str:
        """Stop a process that failed to start; its stderr."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        _out, err = self.process.communicate(timeout=DEADLINE)
        self.process = None
        return err.decode(errors="replace")

    def reload(self) -> None:
        """``nginx -s reload``, then wait until the new worker runs and the old one has
        closed its listening socket (it logs "gracefully shutting down" and finishes its
        open connections), so the next handshake sees what the files hold now. Raises
        RuntimeError when nginx refuses the new configuration."""
        before = self._log()
        started, closed = before.count(_STARTED), before.count(_CLOSED)
        subprocess.run(self._command("-s", "reload"), check=True, capture_output=True, timeout=30)
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            log = self._log()
            after = log[len(before) :]
            if re.search(r"\[emerg\]", after):
                raise RuntimeError(f"nginx refused the reload: {after.strip()[-2000:]}")
            if log.count(_STARTED) > started and log.count(_CLOSED) > closed:
                return
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not reload in time: {self._log()[-2000:]}")

    def stop(self) -> None:
        """Fast shutdown (SIGTERM to the master, which ends its workers); SIGKILL to the
        whole session if it hangs. Safe to call twice."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=DEADLINE)
        if process.stderr is not None:
            process.stderr.close()

    @property
    def running(self) -> bool:
        """The master process is alive."""
        return self.process is not None and self.process.poll() is None


#: ``nginx(chain_pem, key_pem, server_name=...)``: a started :class:`Nginx`.
StartNginx = Callable[..., Nginx]


@pytest.fixture
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartNginx]:
    """Start real nginx servers serving the given PEM certificate (or full chain) and key
    on a loopback address; every one is stopped after the test. Skips without nginx."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("no nginx binary: apt-get install nginx (.ci/run does)")
    servers: list[Nginx] = []

    def start(
        chain_pem: bytes, key_pem: bytes, *, server_name: str = "nginx.test",
        address: str = "127.0.0.1",
    ) -> Nginx:  # fmt: skip
        server = Nginx(binary, tmp_path_factory.mktemp("nginx"), server_name, address)
        servers.append(server)
        server.write(chain_pem, key_pem)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
