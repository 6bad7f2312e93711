"""Speed (#14): a full check against the cost of one handshake, on a network with latency.

Nine layers, as an on-call engineer sees a CDN'd site: eight edges from DNS and the origin,
each a TLS server (nginx when installed, else the lab's Python servers) serving the lab's
ECDSA chain for ``healthy.lab.test``, each behind a loopback delay relay
(``benchmarks/relay.py``: 25 ms each way, RTT 50 ms, the client's first bytes held one RTT
for the TCP handshake) and a DNS responder that answers after one RTT. Then, as whole
processes, alternating, median of RUNS:

- floor: a fresh Python process that makes one DNS query and one TLS 1.3 handshake;
- two references for what the floor leaves out: the floor after importing
  ``cryptography.x509`` (what refusing a bad trust store needs before the first DNS query,
  as a check must), and after the libraries a check runs on (cryptography with its path
  verifier, asyncio, pyOpenSSL) — the cost of those imports alone, before any work;
- ``layerscope check --json`` and ``layerscope check --json --no-http``;
- ``sslyze --certinfo`` on the same nine layers, when ``SSLYZE`` names its executable or
  ``.venv-sslyze/bin/sslyze`` exists (install it yourself: the benchmark never downloads);
- ``layerscope --help`` and ``layerscope check --help``.

It prints each median with its ratio to the floor, and whether the JSON path imported Rich
or Textual. Loopback only (127.246.x.y backends, 127.247.x.y relays and DNS).

Run: ``.venv/bin/python benchmarks/bench_speed.py [RUNS]`` (default 7).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from layerscope.lab.lab import Lab

HERE = Path(__file__).resolve().parent
NAME = "healthy.lab.test"
DELAY = 0.025  # each way
EDGES = 8
BACKEND, FRONT = "127.246.0", "127.247.0"
DNS_HOST = f"{FRONT}.53"
ORIGIN = f"{FRONT}.{EDGES + 1}"

FLOOR = r"""
import socket, ssl, struct, sys
name, dns_host, dns_port, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
query = struct.pack(">6H", 0x1D1D, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.settimeout(5)
udp.sendto(query, (dns_host, dns_port))
answer = udp.recvfrom(4096)[0]
at = answer.index(b"\x00\x01\x00\x01", len(query)) + 10  # first A: type, class, ttl, length
address = socket.inet_ntoa(answer[at : at + 4])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
with socket.create_connection((address, port), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname=name) as tls:
        assert tls.getpeercert(binary_form=True)
"""

#: The libraries a check runs on, imported before the floor's query in the second reference.
LIBRARIES = "import cryptography.x509, cryptography.x509.verification, asyncio, OpenSSL.SSL\n"

NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 512; }}
http {{
    access_log off;
    default_type text/html;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate {dir}/fullchain.pem;
    ssl_certificate_key {dir}/key.pem;
    add_header Strict-Transport-Security "max-age=31536000" always;
{servers}
}}
"""
SERVER = """    server {{ listen {address}:{port} ssl; server_name {name};
        location / {{ return 200 "<html><title>ok</title><body>ok</body></html>"; }} }}"""


def _free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def _nginx() -> str | None:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    return found


@contextlib.contextmanager
def backends(tmp: Path, lab: Lab, port: int) -> Iterator[str]:
    """The nine TLS servers on 127.246.0.1-9:``port``; yields what serves them."""
    origin = lab.site("healthy").spec.origin
    binary = _nginx()
    if binary is None:
        from layerscope.lab.loop import Peers

        specs = {f"{BACKEND}.{i}": origin for i in range(1, EDGES + 2)}
        with Peers(specs, site=NAME, directory=tmp) as peers:
            if peers.port != port:
                raise SystemExit("the lab's servers took another port; run again")
            yield "the lab's Python TLS servers (no nginx installed)"
        return
    (tmp / "tmp").mkdir()
    (tmp / "fullchain.pem").write_bytes(b"".join(c.pem for c in origin.chain))
    (tmp / "key.pem").write_bytes(origin.chain[0].key_pem)
    servers = "\n".join(
        SERVER.format(address=f"{BACKEND}.{i}", port=port, name=NAME) for i in range(1, EDGES + 2)
    )
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(dir=tmp, servers=servers))
    proc = subprocess.Popen(
        [binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_listening(f"{BACKEND}.1", port)
        yield f"nginx ({binary})"
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_listening(address: str, port: int, deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.2):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on {address}:{port}")


@contextlib.contextmanager
def relay(tmp: Path, port: int, backend_port: int, dns_port: int) -> Iterator[None]:
    """The delay relays and the DNS responder, in a process of their own."""
    routes = [[f"{FRONT}.{i}", port, f"{BACKEND}.{i}", backend_port] for i in range(1, EDGES + 2)]
    config = {"delay": DELAY, "name": NAME, "dns": [DNS_HOST, dns_port], "routes": routes}
    config["origin"] = ORIGIN
    path = tmp / "relay.json"
    path.write_text(json.dumps(config))
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "relay.py"), str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def _sslyze() -> list[str] | None:
    found = os.environ.get("SSLYZE") or str(Path.cwd() / ".venv-sslyze" / "bin" / "sslyze")
    return [found] if os.access(found, os.X_OK) else None


#: The children run as a user's shell runs them: bytecode cached (this machine's
#: PYTHONDONTWRITEBYTECODE would make every run compile layerscope from source again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _timed(argv: list[str], check: bool = True) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False, env=ENV)
    took = time.perf_counter() - t0
    if check and done.returncode not in (0,):
        raise SystemExit(f"{argv[:4]} exited {done.returncode}: {done.stderr[-400:]!r}")
    return took


def _imports(argv: list[str]) -> list[str]:
    """Top-level packages the command imported that the JSON path must not (rich, textual)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        check=False,
        env=ENV,
    )
    names = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    return sorted(names & {"rich", "textual"})


def main(runs: int = 7) -> None:
    """Print the medians, their ratios to the floor, and the targets of #14."""
    port, backend_port = _free_port(f"{FRONT}.1"), _free_port(f"{BACKEND}.1")
    dns_port = _free_port(DNS_HOST)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        with Lab() as lab:
            roots = tmp / "roots.pem"
            roots.write_bytes((lab.directory / "public-roots.pem").read_bytes())
            context = backends(tmp, lab, backend_port)
            served_by = context.__enter__()
        try:
            with relay(tmp, port, backend_port, dns_port):
                _measure(runs, served_by, port, dns_port, roots)
        finally:
            context.__exit__(None, None, None)


def _verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def _measure(runs: int, served_by: str, port: int, dns_port: int, roots: Path) -> None:
    py = [sys.executable]
    check = [*py, "-m", "layerscope", "check", NAME, "--port", str(port)]
    check += ["--resolver", f"{DNS_HOST}:{dns_port}", "--origin", f"{ORIGIN}:{port}"]
    check += ["--ca-bundle", str(roots), "--alt-ca-bundle", "none", "--json"]
    floor_args = [NAME, DNS_HOST, str(dns_port), str(port)]
    commands: dict[str, list[str]] = {
        "floor: DNS query + one TLS 1.3 handshake": [*py, "-c", FLOOR, *floor_args],
        "  floor after importing cryptography.x509": [
            *py,
            "-c",
            "import cryptography.x509\n" + FLOOR,
            *floor_args,
        ],
        "  ... and the rest of a check's libraries": [*py, "-c", LIBRARIES + FLOOR, *floor_args],
        "layerscope check --json": check,
        "layerscope check --json --no-http": [*check, "--no-http"],
    }
    sslyze = _sslyze()
    if sslyze is not None:
        targets = [f"{NAME}:{port}{{{FRONT}.{i}}}" for i in range(1, EDGES + 2)]
        commands["sslyze --certinfo (9 layers)"] = [*sslyze, "--certinfo", *targets]
    commands["layerscope --help"] = [*py, "-m", "layerscope", "--help"]
    commands["layerscope check --help"] = [*py, "-m", "layerscope", "check", "--help"]
    for argv in commands.values():
        _timed(argv, check=False)  # warm-up: page cache, bytecode written
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, argv in commands.items():
            times[label].append(_timed(argv, check=not label.startswith("sslyze")))
    median = {label: statistics.median(values) for label, values in times.items()}
    floor = median["floor: DNS query + one TLS 1.3 handshake"]
    print(f"9 layers ({EDGES} edges from DNS + the origin) behind {served_by},")
    print(f"RTT {DELAY * 2000:.0f} ms, median of {runs} runs, one run of each in turn:\n")
    print(f"| {'what':44} | median | x floor |\n|{'-' * 46}|-------:|--------:|")
    for label, value in median.items():
        print(f"| {label:44} | {value:5.3f} s | {value / floor:6.2f} |")
    print(
        "\n(the two indented lines are references, not targets: the floor after the imports"
        "\na check cannot do without before its first DNS query (a bad trust store is refused"
        "\nbefore any lookup), then after all the libraries it runs on)"
    )
    full, tls = median["layerscope check --json"], median["layerscope check --json --no-http"]
    print("\ntargets (#14):")
    print(f"  check --json <= 1.6x floor: {full / floor:.2f}x {_verdict(full / floor <= 1.6)}")
    print(f"  --no-http <= 1.3x floor: {tls / floor:.2f}x {_verdict(tls / floor <= 1.3)}")
    if sslyze is not None:
        ratio = median["sslyze --certinfo (9 layers)"] / full
        print(f"  >= 2x faster than sslyze: {ratio:.2f}x {_verdict(ratio >= 2)}")
    else:
        print("  sslyze: not installed (SSLYZE=... or .venv-sslyze/bin/sslyze)")
    for label in ("layerscope --help", "layerscope check --help"):
        value = median[label]
        print(f"  {label} < 0.1 s: {value:.3f} s {_verdict(value < 0.1)}")
    heavy = _imports(check[1:])
    print(f"  the JSON path imports Rich/Textual: {', '.join(heavy) or 'no'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
