"""AIA chain repair against the lab's HTTP repository on loopback: real sockets, real httpx."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import itertools
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from layerscope.lab import pki
from layerscope.lab.loop import LoopThread
from layerscope.lab.repository import Repository
from layerscope.model import CertFacts, PathStatus
from layerscope.net.aia import AiaFetcher, parse_certificates
from layerscope.x509.certs import facts
from layerscope.x509.paths import analyse_chain
from layerscope.x509.stores import TrustStore

NOW = dt.datetime.now(dt.UTC)
HOST = "aia.lab.test"
ADDRESS = "127.254.0.1"
_paths = itertools.count()


def cf(item: pki.Issued) -> CertFacts:
    """Facts of a lab certificate, as a probe would capture them."""
    return facts(item.der)


def unique(name: str) -> str:
    """A path no other test uses (the repository is shared by the module)."""
    return f"/{next(_paths)}/{name}"


def p7(*items: pki.Issued, encoding: serialization.Encoding) -> bytes:
    """A certs-only PKCS#7 bundle."""
    return pkcs7.serialize_certificates([i.cert for i in items], encoding)


@contextlib.contextmanager
def running_repository(address: str) -> Iterator[Repository]:
    """A :class:`Repository` listening on ``address`` on its own loop thread."""
    thread = LoopThread("repository")
    thread.start()
    repo = Repository()
    try:
        thread.run(repo.start(address))
        yield repo
    finally:
        thread.run(repo.stop(), timeout=10)
        thread.stop()


@pytest.fixture(scope="module")
def repo() -> Iterator[Repository]:
    """One repository for the module."""
    with running_repository(ADDRESS) as running:
        yield running


@dataclasses.dataclass(frozen=True)
class Tree:
    """root -> inter -> leaf, the leaf's AIA pointing at ``url`` (where ``inter`` may live)."""

    root: pki.Issued
    inter: pki.Issued
    leaf: pki.Issued
    url: str
    path: str


def tree(repo: Repository, name: str = "inter.cer") -> Tree:
    """A fresh hierarchy whose leaf names a unique repository path as its caIssuers."""
    root = pki.ca("AIA Root CA", now=NOW)
    inter = pki.ca("AIA Issuing CA", now=NOW, parent=root)
    path = unique(name)
    url = repo.url(path)
    leaf = pki.leaf([HOST], now=NOW, parent=inter, aia_issuers=[url])
    return Tree(root, inter, leaf, url, path)


def at_url(cert: CertFacts, *urls: str) -> CertFacts:
    """``cert`` as if its AIA named ``urls`` (the DER, hence signatures, unchanged)."""
    return dataclasses.replace(cert, aia_issuers=urls)


# -- formats -------------------------------------------------------------------------------

FORMATS: dict[str, tuple[Callable[[pki.Issued], bytes], str]] = {
    "der": (lambda i: i.der, "application/pkix-cert"),
    "pem": (lambda i: i.pem, "application/x-pem-file"),
    "pkcs7-der": (lambda i: p7(i, encoding=serialization.Encoding.DER), "application/pkcs7-mime"),
    "pkcs7-pem": (lambda i: p7(i, encoding=serialization.Encoding.PEM), "application/pkcs7-mime"),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_missing_intermediate_is_downloaded_in_every_format(
    repo: Repository, fmt: str
) -> None:
    """The intermediate served as DER, PEM or PKCS#7 (DER or PEM) is found with its URL."""
    t = tree(repo)
    encode, ctype = FORMATS[fmt]
    repo.add_file(t.path, encode(t.inter), ctype)
    fetcher = AiaFetcher()
    found = await fetcher.complete([cf(t.leaf)], known=[cf(t.root)])
    assert found == [(cf(t.inter), f"AIA {t.url}")]
    assert fetcher.errors == []


async def test_issuers_returns_every_certificate_of_a_bundle(repo: Repository) -> None:
    """A PKCS#7 bundle gives all its certificates, each with the URL as source."""
    t = tree(repo)
    repo.add_file(t.path, p7(t.inter, t.root, encoding=serialization.Encoding.DER), "x/y")
    found = await AiaFetcher().issuers(cf(t.leaf))
    # a PKCS#7 certificate SET is sorted by encoding: order is not kept
    assert sorted(found, key=lambda x: x[0].sha256) == sorted(
        [(cf(t.inter), f"AIA {t.url}"), (cf(t.root), f"AIA {t.url}")], key=lambda x: x[0].sha256
    )


async def test_repaired_path_is_trusted_and_reports_the_source(repo: Repository) -> None:
    """What AIA found completes the path: analyse_chain anchors it and names the URL; the
    verdict stays "incomplete" (as sent, clients without AIA fetching refuse it), and the
    completed chain passes the verifier."""
    t = tree(repo)
    repo.add_file(t.path, t.inter.der, "application/pkix-cert")
    found = await AiaFetcher().complete([cf(t.leaf)])
    store = TrustStore("lab", (cf(t.root),))
    analysis = analyse_chain([cf(t.leaf)], host=HOST, at=NOW, store=store, others=found)
    assert analysis.path_status is PathStatus.TRUSTED
    assert analysis.status is PathStatus.INCOMPLETE and analysis.completed_ok
    assert analysis.missing == ((cf(t.inter), f"AIA {t.url}"),)


async def test_two_hops_are_followed_from_the_leaf(repo: Repository) -> None:
    """Only the leaf is served: its AIA gives I2, I2's AIA gives I1, which the root signed."""
    root = pki.ca("Two-hop Root", now=NOW)
    i1 = pki.ca("Two-hop I1", now=NOW, parent=root)
    i1_path, i2_path = unique("i1.cer"), unique("i2.cer")
    i2 = pki.ca("Two-hop I2", now=NOW, parent=i1, aia_issuers=[repo.url(i1_path)])
    leaf = pki.leaf([HOST], now=NOW, parent=i2, aia_issuers=[repo.url(i2_path)])
    repo.add_file(i1_path, i1.der, "application/pkix-cert")
    repo.add_file(i2_path, i2.der, "application/pkix-cert")
    fetcher = AiaFetcher()
    found = await fetcher.complete([cf(leaf)], known=[cf(root)])
    assert found == [(cf(i2), f"AIA {repo.url(i2_path)}"), (cf(i1), f"AIA {repo.url(i1_path)}")]
    store = TrustStore("lab", (cf(root),))
    analysis = analyse_chain([cf(leaf)], host=HOST, at=NOW, store=store, others=found)
    assert analysis.path_status is PathStatus.TRUSTED
    assert analysis.status is PathStatus.INCOMPLETE and analysis.completed_ok
    assert [c for c, _ in analysis.missing] == [cf(i2), cf(i1)]


async def test_depth_limits_the_number_of_downloads(repo: Repository) -> None:
    """With depth=1 only the first hop is fetched."""
    root = pki.ca("Depth Root", now=NOW)
    i1 = pki.ca("Depth I1", now=NOW, parent=root)
    i1_path, i2_path = unique("i1.cer"), unique("i2.cer")
    i2 = pki.ca("Depth I2", now=NOW, parent=i1, aia_issuers=[repo.url(i1_path)])
    leaf = pki.leaf([HOST], now=NOW, parent=i2, aia_issuers=[repo.url(i2_path)])
    repo.add_file(i1_path, i1.der, "application/pkix-cert")
    repo.add_file(i2_path, i2.der, "application/pkix-cert")
    found = await AiaFetcher().complete([cf(leaf)], known=[cf(root)], depth=1)
    assert [c for c, _ in found] == [cf(i2)]
    assert repo.hits(i1_path) == 0


async def test_the_walk_starts_at_the_top_of_the_served_chain(repo: Repository) -> None:
    """leaf + I2 served: I2's AIA is fetched (not the leaf's), and I1 is found."""
    root = pki.ca("Top Root", now=NOW)
    i1 = pki.ca("Top I1", now=NOW, parent=root)
    i1_path, leaf_aia = unique("i1.cer"), unique("never.cer")
    i2 = pki.ca("Top I2", now=NOW, parent=i1, aia_issuers=[repo.url(i1_path)])
    leaf = pki.leaf([HOST], now=NOW, parent=i2, aia_issuers=[repo.url(leaf_aia)])
    repo.add_file(i1_path, i1.der, "application/pkix-cert")
    found = await AiaFetcher().complete([cf(leaf), cf(i2)], known=[cf(root)])
    assert found == [(cf(i1), f"AIA {repo.url(i1_path)}")]
    assert repo.hits(leaf_aia) == 0


async def test_nothing_is_fetched_when_the_issuer_is_already_known(repo: Repository) -> None:
    """A complete served chain (or an issuer among the known certificates) needs no download."""
    t = tree(repo)
    repo.add_file(t.path, t.inter.der, "application/pkix-cert")
    fetcher = AiaFetcher()
    assert await fetcher.complete([cf(t.leaf), cf(t.inter)], known=[cf(t.root)]) == []
    assert await fetcher.complete([cf(t.leaf)], known=[cf(t.inter), cf(t.root)]) == []
    assert repo.hits(t.path) == 0


async def test_the_certificate_that_signed_is_chosen_among_decoys(repo: Repository) -> None:
    """A bundle with a same-named impostor: the walk continues from the real issuer."""
    t = tree(repo)
    impostor = pki.ca("AIA Issuing CA", now=NOW, parent=t.root)  # same name, other key
    repo.add_file(t.path, p7(impostor, t.inter, encoding=serialization.Encoding.DER), "x/y")
    fetcher = AiaFetcher()
    found = await fetcher.complete([cf(t.leaf)], known=[cf(t.root)])
    assert {c.sha256 for c, _ in found} == {cf(impostor).sha256, cf(t.inter).sha256}
    assert fetcher.errors == []
    store = TrustStore("lab", (cf(t.root),))
    analysis = analyse_chain([cf(t.leaf)], host=HOST, at=NOW, store=store, others=found)
    assert analysis.path[1] == cf(t.inter)


async def test_a_url_without_the_issuer_is_reported(repo: Repository) -> None:
    """A URL that answers with an unrelated CA: nothing chains, and the error says so."""
    t = tree(repo)
    other = pki.ca("Unrelated CA", now=NOW)
    repo.add_file(t.path, other.der, "application/pkix-cert")
    fetcher = AiaFetcher()
    await fetcher.complete([cf(t.leaf)], known=[cf(t.root)])
    leaf = cf(t.leaf)
    assert fetcher.errors == [
        (t.url, f"AIA {t.url} holds no certificate that issued '{leaf.subject}'")
    ]


# -- failures are values ------------------------------------------------------------------


async def test_404_is_an_error_value(repo: Repository) -> None:
    """An unknown path gives no certificate and 'returned 404'."""
    t = tree(repo)
    fetcher = AiaFetcher()
    assert await fetcher.complete([cf(t.leaf)]) == []
    assert fetcher.errors == [(t.url, f"AIA {t.url} returned 404")]


async def test_garbage_body_is_not_a_certificate(repo: Repository) -> None:
    """200 with random bytes: 'is not a certificate (DER, PEM or PKCS#7)'."""
    t = tree(repo)
    repo.add_garbage(t.path)
    fetcher = AiaFetcher()
    assert await fetcher.issuers(cf(t.leaf)) == []
    assert fetcher.errors == [(t.url, f"AIA {t.url} is not a certificate (DER, PEM or PKCS#7)")]


async def test_hanging_url_is_cut_at_the_overall_timeout(repo: Repository) -> None:
    """A server that never answers: the fetch ends at ``timeout`` even though the client's
    own timeouts are 30 s."""
    t = tree(repo)
    repo.add_hang(t.path)
    async with httpx.AsyncClient(timeout=30) as client:
        fetcher = AiaFetcher(timeout=0.5, client=client)
        started = time.monotonic()
        assert await fetcher.issuers(cf(t.leaf)) == []
        elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 3.0
    assert fetcher.errors == [(t.url, f"AIA {t.url} timed out after 0.5s")]


async def test_dripping_body_is_cut_at_the_overall_timeout(repo: Repository) -> None:
    """One byte every 0.1 s never trips a per-read timeout; the whole download is bounded."""
    t = tree(repo)
    repo.add_drip(t.path, interval=0.1, size=2048)
    async with httpx.AsyncClient(timeout=30) as client:
        fetcher = AiaFetcher(timeout=0.8, client=client)
        started = time.monotonic()
        assert await fetcher.issuers(cf(t.leaf)) == []
        elapsed = time.monotonic() - started
    assert 0.75 <= elapsed < 3.5
    assert fetcher.errors == [(t.url, f"AIA {t.url} timed out after 0.8s")]


async def test_default_client_also_honours_the_timeout(repo: Repository) -> None:
    """Without an injected client, a hanging URL still ends at ``timeout``."""
    t = tree(repo)
    repo.add_hang(t.path)
    fetcher = AiaFetcher(timeout=0.5)
    started = time.monotonic()
    assert await fetcher.issuers(cf(t.leaf)) == []
    assert time.monotonic() - started < 3.0
    assert fetcher.errors == [(t.url, f"AIA {t.url} timed out after 0.5s")]


async def test_oversized_body_is_refused(repo: Repository) -> None:
    """A body over ``max_bytes`` is refused by size (a CA certificate is a few KB)."""
    t = tree(repo)
    repo.add_file(t.path, t.inter.der + b"\x00" * (200 * 1024), "application/pkix-cert")
    fetcher = AiaFetcher()
    assert await fetcher.issuers(cf(t.leaf)) == []
    assert fetcher.errors == [(t.url, f"AIA {t.url} is larger than 64 KiB")]


async def test_size_limit_is_configurable(repo: Repository) -> None:
    """max_bytes below the certificate's size refuses it; the message gives the limit."""
    t = tree(repo)
    repo.add_file(t.path, t.inter.der, "application/pkix-cert")
    fetcher = AiaFetcher(max_bytes=100)
    assert await fetcher.issuers(cf(t.leaf)) == []
    assert fetcher.errors == [(t.url, f"AIA {t.url} is larger than 100 bytes")]


async def test_refused_connection_is_an_error_value() -> None:
    """Nothing listening: 'could not be fetched', no exception."""
    with socket.socket() as sock:
        sock.bind((ADDRESS, 0))
        port = sock.getsockname()[1]
    url = f"http://{ADDRESS}:{port}/gone.cer"
    leaf = at_url(cf(pki.leaf([HOST], now=NOW, parent=None)), url)
    fetcher = AiaFetcher(timeout=3)
    assert await fetcher.issuers(leaf) == []
    [(where, message)] = fetcher.errors
    assert where == url
    assert message == (
        f"AIA {url} could not be fetched: connection refused on port {port} (nothing listening)"
    )


async def test_body_without_content_length_is_refused_once_past_the_cap() -> None:
    """A body that ends when the connection closes has no length to refuse by: the read
    stops, and refuses, as soon as more than ``max_bytes`` has arrived."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"\x00" * 5000)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, ADDRESS, 0)
    try:
        url = f"http://{ADDRESS}:{server.sockets[0].getsockname()[1]}/endless.cer"
        leaf = at_url(cf(pki.leaf([HOST], now=NOW, parent=None)), url)
        fetcher = AiaFetcher(timeout=3, max_bytes=1000)
        assert await fetcher.issuers(leaf) == []
    finally:
        server.close()
        await server.wait_closed()
    assert fetcher.errors == [(url, f"AIA {url} is larger than 1000 bytes")]


async def test_non_http_urls_are_skipped_with_a_reason(repo: Repository) -> None:
    """ldap:// and file:// URLs are not fetched; an http URL beside them still is."""
    t = tree(repo)
    repo.add_file(t.path, t.inter.der, "application/pkix-cert")
    ldap = "ldap://ldap.example/cn=CA?cACertificate;binary"
    file = "file:///etc/passwd"
    leaf = at_url(cf(t.leaf), ldap, file, t.url)
    fetcher = AiaFetcher()
    found = await fetcher.complete([leaf], known=[cf(t.root)])
    assert found == [(cf(t.inter), f"AIA {t.url}")]
    assert fetcher.errors == [
        (ldap, f"AIA {ldap} skipped: only http and https URLs are fetched"),
        (file, f"AIA {file} skipped: only http and https URLs are fetched"),
    ]


async def test_each_url_is_fetched_once_for_all_callers(repo: Repository) -> None:
    """Concurrent and later callers share one download per URL; failures are cached too."""
    t = tree(repo)
    repo.add_file(t.path, t.inter.der, "application/pkix-cert")
    missing = unique("missing.cer")
    leaf = cf(t.leaf)
    broken = at_url(leaf, repo.url(missing))
    fetcher = AiaFetcher()
    results = await asyncio.gather(*(fetcher.issuers(leaf) for _ in range(5)))
    results.append(await fetcher.issuers(leaf))
    await fetcher.complete([leaf], known=[cf(t.root)])
    for _ in range(3):
        await fetcher.issuers(broken)
    assert all(r == [(cf(t.inter), f"AIA {t.url}")] for r in results)
    assert repo.hits(t.path) == 1
    assert repo.hits(missing) == 1
    assert fetcher.errors == [(repo.url(missing), f"AIA {repo.url(missing)} returned 404")]


async def test_self_signed_leaf_needs_no_download(repo: Repository) -> None:
    """A self-signed leaf ends the walk at once, whatever its AIA says."""
    path = unique("self.cer")
    leaf = at_url(cf(pki.leaf([HOST], now=NOW, parent=None)), repo.url(path))
    assert await AiaFetcher().complete([leaf]) == []
    assert repo.hits(path) == 0


def test_parse_refuses_what_is_not_a_certificate() -> None:
    """Plain text, or a PEM block whose content is not a certificate, raises ValueError."""
    with pytest.raises(ValueError):
        parse_certificates(b"hello")
    with pytest.raises(ValueError):
        parse_certificates(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")


# -- the repository itself ----------------------------------------------------------------


async def test_repository_runs_handlers_with_method_and_body(repo: Repository) -> None:
    """A POST handler (sync or async) receives the method and body and chooses the answer."""
    seen: list[tuple[str, bytes]] = []

    def sync(method: str, body: bytes) -> tuple[int, str, bytes]:
        seen.append((method, body))
        return 200, "application/ocsp-response", body[::-1]

    async def later(method: str, body: bytes) -> tuple[int, str, bytes]:
        await asyncio.sleep(0)
        return 201, "text/plain", method.encode()

    sync_path, async_path = unique("ocsp"), unique("async")
    repo.add_handler(sync_path, sync)
    repo.add_handler(async_path, later)
    async with httpx.AsyncClient() as client:
        first = await client.post(repo.url(sync_path), content=b"abc")
        second = await client.put(repo.url(async_path), content=b"")
    assert (first.status_code, first.headers["content-type"], first.content) == (
        200,
        "application/ocsp-response",
        b"cba",
    )
    assert seen == [("POST", b"abc")]
    assert (second.status_code, second.content) == (201, b"PUT")


async def test_repository_survives_a_failing_handler(repo: Repository) -> None:
    """A handler that raises gives 500; the server keeps serving."""

    def broken(method: str, body: bytes) -> tuple[int, str, bytes]:
        raise RuntimeError("boom")

    path = unique("broken")
    repo.add_handler(path, broken)
    async with httpx.AsyncClient() as client:
        assert (await client.get(repo.url(path))).status_code == 500
        assert (await client.get(repo.url(unique("nothing")))).status_code == 404


def raw(repo: Repository, request: bytes) -> bytes:
    """Send ``request`` as is (then end the write side) and read the whole answer."""
    with socket.create_connection((ADDRESS, repo.port), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


def test_repository_answers_garbage_requests_and_keeps_serving(repo: Repository) -> None:
    """Nonsense, over-long headers, chunked and oversized bodies get 4xx, never a crash."""
    _raw = functools.partial(raw, repo)
    assert _raw(b"\x16\x03\x01\x00\xff garbage\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert _raw(b"GET /x HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n").startswith(b"HTTP/1.1 431 ")
    assert _raw(b"POST /x HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n").startswith(
        b"HTTP/1.1 413 "
    )
    assert _raw(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").startswith(
        b"HTTP/1.1 411 "
    )
    assert _raw(b"GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert _raw(b"GET /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort") == b""
    path = unique("after.cer")
    repo.add_file(path, b"still here", "text/plain")
    assert _raw(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()).endswith(b"\r\n\r\nstill here")
