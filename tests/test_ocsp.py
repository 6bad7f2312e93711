"""Revocation: stapled OCSP responses judged after real TLS handshakes with a stapling lab
server, and OCSP responders asked over real loopback HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from layerscope.lab import pki
from layerscope.lab.ocsp import OcspResponder, responder_certificate
from layerscope.lab.repository import Handler, Repository
from layerscope.lab.stapling import StaplingServer
from layerscope.model import CertFacts, OcspState
from layerscope.net.ocsp import OcspChecker, query_responder
from layerscope.net.probe import probe
from layerscope.x509.certs import facts
from layerscope.x509.ocsp import judge_staple

from .loaded import loaded_by

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
SITE = "ocsp.lab.test"
TLS_HOST = "127.254.1.1"
HTTP_HOST = "127.254.2.1"


@dataclass(frozen=True)
class Cas:
    """A root with two intermediates, each able to issue leaves."""

    root: pki.Issued
    inter: pki.Issued
    other: pki.Issued


@pytest.fixture(scope="module")
def cas() -> Cas:
    """The lab CAs shared by this module's tests."""
    root = pki.ca("OCSP Test Root", now=NOW)
    return Cas(
        root,
        pki.ca("OCSP Test CA", now=NOW, parent=root),
        pki.ca("Another Test CA", now=NOW, parent=root),
    )


def leaf(cas: Cas, url: str | None = None, *, parent: pki.Issued | None = None) -> pki.Issued:
    """A leaf for SITE under ``parent`` (default: the test CA), with an OCSP URL if given."""
    parent = parent or cas.inter
    return pki.leaf([SITE], now=NOW, parent=parent, ocsp_urls=[url] if url else [])


def cf(issued: pki.Issued) -> CertFacts:
    """The facts of a lab certificate, as the probe captures them."""
    return facts(issued.der)


def corrupt_envelope() -> bytes:
    """A successful OCSPResponse whose BasicOCSPResponse is garbage: a damaged staple file.

    Raw garbage cannot be stapled at all: the bundled OpenSSL (3.6+) parses what a server
    staples and drops what is not an OCSPResponse.
    """

    def tlv(tag: int, body: bytes) -> bytes:
        assert len(body) < 128
        return bytes([tag, len(body)]) + body

    basic_oid = bytes.fromhex("06092b0601050507300101")
    inner = tlv(0x30, basic_oid + tlv(0x04, b"this is no OCSP data"))
    return tlv(0x30, tlv(0x0A, b"\x00") + tlv(0xA0, inner))


# -- stapled responses over real handshakes -------------------------------------------------


@contextlib.asynccontextmanager
async def stapling(
    chain: list[pki.Issued], staple: bytes | None, directory: Path, host: str = TLS_HOST
) -> AsyncIterator[int]:
    """A stapling server on ``host`` for the duration of the block; yields its port."""
    server = StaplingServer(host, chain, staple, directory)
    port = await server.start(0)
    try:
        yield port
    finally:
        await server.stop()


async def staple_seen(chain: list[pki.Issued], staple: bytes | None, directory: Path) -> bytes:
    """The staple a real client receives from a server stapling ``staple``."""
    async with stapling(chain, staple, directory) as port:
        result = await probe(TLS_HOST, port, SITE)
    assert result.ok, result.error
    assert [c.sha256 for c in result.chain] == [cf(i).sha256 for i in chain]
    assert result.ocsp_staple is not None
    return result.ocsp_staple


async def test_good_staple_is_judged_good(cas: Cas, tmp_path: Path) -> None:
    """A fresh staple about the served leaf, signed by its issuer, is GOOD."""
    site = leaf(cas)
    staple = OcspResponder(cas.inter).staple_for(site, NOW)
    seen = await staple_seen([site, cas.inter], staple, tmp_path)
    result = judge_staple(seen, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.GOOD, result.message
    assert result.source == "staple"
    assert result.this_update == NOW - dt.timedelta(hours=1)
    assert result.next_update == NOW + dt.timedelta(days=1)


async def test_expired_staple_is_invalid_expired(cas: Cas, tmp_path: Path) -> None:
    """A staple whose nextUpdate has passed is INVALID and says it expired."""
    site = leaf(cas)
    staple = OcspResponder(cas.inter).staple_for(site, NOW, expired=True)
    seen = await staple_seen([site, cas.inter], staple, tmp_path)
    result = judge_staple(seen, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "expired" in result.message
    assert result.next_update == NOW - dt.timedelta(days=1)


async def test_staple_for_another_certificate_is_invalid(cas: Cas, tmp_path: Path) -> None:
    """A staple about another certificate (the same serial under a re-keyed CA) is INVALID.

    OpenSSL 3.6+ servers refuse to staple a response whose serial or issuer name differs
    from the leaf's, so the other certificate is a twin with the leaf's serial from a CA
    with the same name and another key.
    """
    rekeyed = pki.ca("OCSP Test CA", now=NOW, parent=cas.root)
    assert rekeyed.cert.subject == cas.inter.cert.subject
    with pki.deterministic(4242):
        site = pki.leaf([SITE], now=NOW, parent=cas.inter)
    with pki.deterministic(4242):
        twin = pki.leaf([SITE], now=NOW, parent=rekeyed)
    assert twin.cert.serial_number == site.cert.serial_number
    staple = OcspResponder(cas.inter).staple_for(site, NOW, wrong_cert=twin)
    seen = await staple_seen([site, cas.inter], staple, tmp_path)
    result = judge_staple(seen, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "another certificate" in result.message
    assert "issuer key hash" in result.message


async def test_garbage_staple_is_invalid_unparsable(cas: Cas, tmp_path: Path) -> None:
    """A staple that is not a readable OCSP response is INVALID and says unparsable."""
    site = leaf(cas)
    seen = await staple_seen([site, cas.inter], corrupt_envelope(), tmp_path)
    result = judge_staple(seen, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "unparsable" in result.message
    assert "this is no OCSP data" not in result.message


async def test_server_without_staple_sends_none(cas: Cas, tmp_path: Path) -> None:
    """A server that staples nothing gives the probe no staple (ocsp_staple_missing)."""
    site = leaf(cas)
    async with stapling([site, cas.inter], None, tmp_path) as port:
        result = await probe(TLS_HOST, port, SITE)
    assert result.ok, result.error
    assert result.ocsp_staple is None


async def test_stapling_server_answers_get_with_hsts(cas: Cas, tmp_path: Path) -> None:
    """After the handshake the stapling server answers GET with 200, HTML and HSTS."""
    site = leaf(cas)
    staple = OcspResponder(cas.inter).staple_for(site, NOW)
    async with (
        stapling([site, cas.inter], staple, tmp_path) as port,
        httpx.AsyncClient(verify=False, trust_env=False) as client,
    ):
        response = await client.get(f"https://{TLS_HOST}:{port}/", headers={"Host": SITE})
    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>" in response.text


async def test_stapling_server_stops_cleanly(cas: Cas, tmp_path: Path) -> None:
    """Stopping closes the listener and open connections, leaves no handler running, and
    the port then refuses."""
    site = leaf(cas)
    server = StaplingServer(TLS_HOST, [site, cas.inter], None, tmp_path)
    port = await server.start(0)
    _reader, idle = await asyncio.open_connection(TLS_HOST, port)
    idle.write(b"\x16\x03\x01")  # the start of a ClientHello, never finished
    await asyncio.sleep(0.1)  # let the server accept it and start its handler
    await server.stop()
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert await _reader.read() == b""
    idle.close()
    await idle.wait_closed()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((TLS_HOST, port), timeout=2).close()


# -- judging responses (no network) -----------------------------------------------------------


def test_revoked_staple_is_revoked_with_time_and_reason(cas: Cas) -> None:
    """A staple saying revoked gives REVOKED, the revocation time and the reason."""
    site = leaf(cas)
    responder = OcspResponder(cas.inter)
    responder.revoke(site, NOW - dt.timedelta(days=3), x509.ReasonFlags.superseded)
    result = judge_staple(responder.staple_for(site, NOW), cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.REVOKED
    assert result.revoked_at == NOW - dt.timedelta(days=3)
    assert result.reason == "superseded"
    assert "revoked" in result.message


def test_response_about_another_serial_is_invalid(cas: Cas) -> None:
    """A response about another certificate of the same CA is INVALID, naming both serials."""
    site, previous = leaf(cas), leaf(cas)
    staple = OcspResponder(cas.inter).staple_for(site, NOW, wrong_cert=previous)
    result = judge_staple(staple, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "another certificate" in result.message
    assert cf(previous).serial in result.message and cf(site).serial in result.message


def test_response_not_yet_valid_is_invalid(cas: Cas) -> None:
    """A response whose thisUpdate is beyond the clock skew in the future is INVALID."""
    site = leaf(cas)
    staple = OcspResponder(cas.inter).staple_for(site, NOW + dt.timedelta(hours=2))
    result = judge_staple(staple, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "not yet valid" in result.message


def test_small_clock_skew_is_tolerated(cas: Cas) -> None:
    """A thisUpdate a few minutes ahead of the evaluation time is still fine."""
    site = leaf(cas)
    staple = OcspResponder(cas.inter).staple_for(site, NOW + dt.timedelta(hours=1, minutes=3))
    assert judge_staple(staple, cf(site), cf(cas.inter), NOW).state is OcspState.GOOD


def test_unsuccessful_response_is_invalid(cas: Cas) -> None:
    """A stapled tryLater (no status inside) is INVALID, naming the responder's status."""
    staple = ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.TRY_LATER
    ).public_bytes(serialization.Encoding.DER)
    site = leaf(cas)
    result = judge_staple(staple, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "not successful" in result.message and "tryLater" in result.message


def test_tampered_signature_is_invalid(cas: Cas) -> None:
    """A response whose signature does not verify is INVALID."""
    site = leaf(cas)
    staple = OcspResponder(cas.inter).staple_for(site, NOW)
    tampered = staple[:-1] + bytes([staple[-1] ^ 0x01])
    result = judge_staple(tampered, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "signature" in result.message


def test_delegated_responder_is_accepted(cas: Cas) -> None:
    """A response signed by a responder the issuer certified for OCSP signing is GOOD."""
    site = leaf(cas)
    signer = responder_certificate(cas.inter, now=NOW)
    staple = OcspResponder(cas.inter, signer=signer).staple_for(site, NOW)
    assert judge_staple(staple, cf(site), cf(cas.inter), NOW).state is OcspState.GOOD


def test_delegated_responder_without_ocsp_signing_is_refused(cas: Cas) -> None:
    """A responder certificate without the OCSPSigning EKU may not sign: INVALID."""
    site = leaf(cas)
    signer = responder_certificate(cas.inter, now=NOW, ocsp_signing=False)
    staple = OcspResponder(cas.inter, signer=signer).staple_for(site, NOW)
    result = judge_staple(staple, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "OCSPSigning" in result.message


def test_responder_certified_by_another_ca_is_refused(cas: Cas) -> None:
    """A responder certificate that another CA signed may not sign for this one: INVALID."""
    site = leaf(cas)
    signer = responder_certificate(cas.other, now=NOW)
    staple = OcspResponder(cas.inter, signer=signer).staple_for(site, NOW)
    result = judge_staple(staple, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "did not sign" in result.message


def test_response_signed_by_another_ca_is_invalid(cas: Cas) -> None:
    """A response about the leaf signed with another CA's key (none included) is INVALID."""
    site = leaf(cas)
    forged = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=site.cert,
            issuer=cas.inter.cert,
            algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=NOW,
            next_update=NOW + dt.timedelta(days=1),
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, cas.other.cert)
        .sign(cas.other.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    result = judge_staple(forged, cf(site), cf(cas.inter), NOW)
    assert result.state is OcspState.INVALID
    assert "signature" in result.message


def test_unknown_issuer_judges_without_signature_check(cas: Cas) -> None:
    """Without the issuer certificate the status is still read, and the message says the
    signature was not checked."""
    site = leaf(cas)
    result = judge_staple(OcspResponder(cas.inter).staple_for(site, NOW), cf(site), None, NOW)
    assert result.state is OcspState.GOOD
    assert "not checked" in result.message


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"\x30\x03\x0a\x01\x09", b"\x30\x80" * 50, bytes(range(256)) * 4],
)
def test_judge_never_raises(cas: Cas, data: bytes) -> None:
    """Any bytes give an INVALID result, never an exception."""
    site = leaf(cas)
    assert judge_staple(data, cf(site), cf(cas.inter), NOW).state is OcspState.INVALID


# -- the lab responder logic --------------------------------------------------------------


def test_lab_responder_refuses_malformed_requests(cas: Cas) -> None:
    """The lab responder answers garbage with malformedRequest."""
    answer = ocsp.load_der_ocsp_response(OcspResponder(cas.inter).respond(b"junk", NOW))
    assert answer.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_lab_responder_refuses_other_cas_certificates(cas: Cas) -> None:
    """The lab responder answers unauthorized for a certificate another CA issued."""
    stranger = leaf(cas, parent=cas.other)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(stranger.cert, cas.other.cert, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    answer = ocsp.load_der_ocsp_response(OcspResponder(cas.inter).respond(request, NOW))
    assert answer.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED


# -- asking the responder over loopback HTTP ----------------------------------------------

OCSP_PATH = "/ocsp"


@contextlib.asynccontextmanager
async def repository() -> AsyncIterator[Repository]:
    """The lab's HTTP repository on HTTP_HOST for the duration of the block."""
    repo = Repository()
    await repo.start(HTTP_HOST)
    try:
        yield repo
    finally:
        await repo.stop()


@dataclass
class Served:
    """Serves an :class:`OcspResponder` over HTTP POST and keeps the request bodies."""

    responder: OcspResponder
    bodies: list[bytes] = field(default_factory=list)

    def __call__(self, method: str, body: bytes) -> tuple[int, str, bytes]:
        """Answer one HTTP request as an OCSP responder does."""
        if method != "POST":
            return 405, "text/plain", b"POST only"
        self.bodies.append(body)
        return 200, "application/ocsp-response", self.responder.respond(body, NOW)


def fixed(status: int, body: bytes, ctype: str = "application/ocsp-response") -> Handler:
    """Always answers ``status`` with ``body``."""
    return lambda _method, _body: (status, ctype, body)


async def test_responder_says_good(cas: Cas) -> None:
    """A responder knowing the leaf as good gives GOOD with the URL as source, after one
    POST of a SHA-1 CertID request as application/ocsp-request."""
    sent: list[httpx.Request] = []

    async def keep(request: httpx.Request) -> None:
        sent.append(request)

    served = Served(OcspResponder(cas.inter))
    async with repository() as repo, httpx.AsyncClient(event_hooks={"request": [keep]}) as client:
        repo.add_handler(OCSP_PATH, served)
        site = leaf(cas, repo.url(OCSP_PATH))
        served.responder.good(site)
        result = await query_responder(cf(site), cf(cas.inter), at=NOW, client=client)
    assert result.state is OcspState.GOOD, result.message
    assert result.source == repo.url(OCSP_PATH)
    assert [(r.method, r.headers["content-type"]) for r in sent] == [
        ("POST", "application/ocsp-request")
    ]
    [body] = served.bodies
    request = ocsp.load_der_ocsp_request(body)
    assert isinstance(request.hash_algorithm, hashes.SHA1)
    assert request.serial_number == site.cert.serial_number


async def test_responder_says_revoked_with_time_and_reason(cas: Cas) -> None:
    """A responder saying revoked gives REVOKED with the revocation time and reason."""
    served = Served(OcspResponder(cas.inter))
    async with repository() as repo:
        repo.add_handler(OCSP_PATH, served)
        site = leaf(cas, repo.url(OCSP_PATH))
        served.responder.revoke(site, NOW - dt.timedelta(days=2), x509.ReasonFlags.key_compromise)
        result = await query_responder(cf(site), cf(cas.inter), at=NOW)
    assert result.state is OcspState.REVOKED, result.message
    assert result.revoked_at == NOW - dt.timedelta(days=2)
    assert result.reason == "keyCompromise"
    assert "keyCompromise" in result.message


async def test_responder_says_unknown(cas: Cas) -> None:
    """A responder that never recorded the leaf gives UNKNOWN."""
    async with repository() as repo:
        repo.add_handler(OCSP_PATH, Served(OcspResponder(cas.inter)))
        site = leaf(cas, repo.url(OCSP_PATH))
        result = await query_responder(cf(site), cf(cas.inter), at=NOW)
    assert result.state is OcspState.UNKNOWN, result.message


async def test_responder_http_error_is_error(cas: Cas) -> None:
    """An HTTP 500 is an ERROR naming the URL and the status."""
    async with repository() as repo:
        repo.add_handler(OCSP_PATH, fixed(500, b"oops", "text/plain"))
        site = leaf(cas, repo.url(OCSP_PATH))
        result = await query_responder(cf(site), cf(cas.inter), at=NOW)
    assert result.state is OcspState.ERROR
    assert repo.url(OCSP_PATH) in result.message and "500" in result.message


@pytest.mark.parametrize("misbehaviour", ["hang", "drip"])
async def test_slow_responder_is_bounded_by_timeout(cas: Cas, misbehaviour: str) -> None:
    """A responder that never answers, or drips its answer a byte at a time, gives an
    ERROR about when the deadline passes."""
    async with repository() as repo:
        if misbehaviour == "hang":
            repo.add_hang(OCSP_PATH)
        else:
            repo.add_drip(OCSP_PATH, interval=0.1, size=1000)
        url = repo.url(OCSP_PATH)
        site = leaf(cas, url)
        started = time.perf_counter()
        result = await query_responder(cf(site), cf(cas.inter), at=NOW, timeout=0.5)
        elapsed = time.perf_counter() - started
    assert result.state is OcspState.ERROR
    assert url in result.message and "0.5s" in result.message
    assert 0.4 <= elapsed < 3.0


async def test_garbage_answer_is_error(cas: Cas) -> None:
    """A 200 that is not an OCSP response is an ERROR naming the URL."""
    async with repository() as repo:
        repo.add_garbage(OCSP_PATH)
        site = leaf(cas, repo.url(OCSP_PATH))
        result = await query_responder(cf(site), cf(cas.inter), at=NOW)
    assert result.state is OcspState.ERROR
    assert repo.url(OCSP_PATH) in result.message
    assert "did not answer with an OCSP response" in result.message


async def test_unsuccessful_answer_is_error(cas: Cas) -> None:
    """A responder answering tryLater gave no usable answer: ERROR."""
    later = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    async with repository() as repo:
        repo.add_handler(OCSP_PATH, fixed(200, later.public_bytes(serialization.Encoding.DER)))
        site = leaf(cas, repo.url(OCSP_PATH))
        result = await query_responder(cf(site), cf(cas.inter), at=NOW)
    assert result.state is OcspState.ERROR
    assert "tryLater" in result.message


async def test_oversized_answer_is_error(cas: Cas) -> None:
    """An answer larger than max_bytes is refused: ERROR."""
    async with repository() as repo:
        repo.add_handler(OCSP_PATH, fixed(200, b"\x00" * 5000))
        site = leaf(cas, repo.url(OCSP_PATH))
        result = await query_responder(cf(site), cf(cas.inter), at=NOW, max_bytes=1000)
    assert result.state is OcspState.ERROR
    assert "1000" in result.message


async def test_refused_connection_is_error(cas: Cas) -> None:
    """Nothing listening at the URL gives an ERROR, not an exception."""
    with socket.socket() as sock:
        sock.bind((HTTP_HOST, 0))
        port = sock.getsockname()[1]
    url = f"http://{HTTP_HOST}:{port}/"
    site = leaf(cas, url)
    result = await query_responder(cf(site), cf(cas.inter), at=NOW, timeout=2)
    assert result.state is OcspState.ERROR
    assert result.message == (
        f"the OCSP responder {url} could not be asked: "
        f"connection refused on port {port} (nothing listening)"
    )


async def test_missing_url_is_error(cas: Cas) -> None:
    """A leaf without an AIA OCSP URL gives an ERROR saying so."""
    site = leaf(cas)
    result = await query_responder(cf(site), cf(cas.inter), at=NOW)
    assert result.state is OcspState.ERROR
    assert "no OCSP responder" in result.message


async def test_non_http_url_is_error(cas: Cas) -> None:
    """An OCSP URL that is not http(s) is not fetched: ERROR naming it."""
    site = leaf(cas, "ldap://127.254.2.1/ocsp")
    result = await query_responder(cf(site), cf(cas.inter), at=NOW)
    assert result.state is OcspState.ERROR
    assert "ldap://127.254.2.1/ocsp" in result.message


async def test_checker_asks_once_per_leaf(cas: Cas) -> None:
    """Two identical checks, in sequence or at once, cause one query; another leaf another."""
    served = Served(OcspResponder(cas.inter))
    async with repository() as repo:
        repo.add_handler(OCSP_PATH, served)
        site, second = leaf(cas, repo.url(OCSP_PATH)), leaf(cas, repo.url(OCSP_PATH))
        served.responder.good(site)
        checker = OcspChecker(timeout=2)
        first = await checker.check(cf(site), cf(cas.inter), at=NOW)
        again, concurrent = await asyncio.gather(
            checker.check(cf(site), cf(cas.inter), at=NOW),
            checker.check(cf(site), cf(cas.inter), at=NOW),
        )
        assert repo.hits(OCSP_PATH) == 1
        other = await checker.check(cf(second), cf(cas.inter), at=NOW)
        assert repo.hits(OCSP_PATH) == 2
    assert first == again == concurrent
    assert first.state is OcspState.GOOD
    assert other.state is OcspState.UNKNOWN


async def test_checker_caches_errors(cas: Cas) -> None:
    """A dead responder is asked once per run, not once per layer."""
    async with repository() as repo:
        repo.add_handler(OCSP_PATH, fixed(503, b"", "text/plain"))
        site = leaf(cas, repo.url(OCSP_PATH))
        checker = OcspChecker(timeout=2)
        results = await asyncio.gather(
            *(checker.check(cf(site), cf(cas.inter), at=NOW) for _ in range(4))
        )
    assert repo.hits(OCSP_PATH) == 1
    assert all(r.state is OcspState.ERROR for r in results)


def test_revocation_modules_load_no_httpx_or_ui() -> None:
    """Importing the revocation code loads neither httpx (only when asking) nor a UI library."""
    out = loaded_by(
        ["layerscope.net.ocsp", "layerscope.lab.ocsp", "layerscope.lab.stapling"],
        (
            "httpx",
            "textual",
            "rich",
        ),
    )
    assert out == ""
