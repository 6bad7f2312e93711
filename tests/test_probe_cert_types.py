"""A probe per certificate type (#13), by real handshakes against the lab: offering only
ECDSA or only RSA signature algorithms gets that certificate from a layer holding both,
and "not offered" (not an error) from a layer without one; on TLS 1.3 and TLS 1.2."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import math
import ssl
from collections.abc import Iterator

import pytest

from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.pki import Issued, pem_bundle
from layerscope.lab.scenarios import rolling_delays
from layerscope.lab.servers import Behaviour, LayerSpec, epochs
from layerscope.model import CertType, ErrorKind, ProbeResult
from layerscope.net.probe import probe

from .nginx_helpers import StartNginx

ECDSA, RSA = CertType.ECDSA, CertType.RSA
TLS12 = ssl.TLSVersion.TLSv1_2


def sha(issued: Issued) -> str:
    """The SHA-256 fingerprint of a lab certificate, as the probe reports it."""
    return hashlib.sha256(issued.der).hexdigest()


def served(result: ProbeResult) -> list[str]:
    """The fingerprints of the chain a probe captured, in the order sent."""
    assert result.ok, (result.status, result.error)
    return [cert.sha256 for cert in result.chain]


async def three(address: str, port: int, sni: str | None) -> dict[CertType | None, ProbeResult]:
    """The untyped, ECDSA and RSA probes of one layer, concurrently."""
    kinds: tuple[CertType | None, ...] = (None, ECDSA, RSA)
    results = await asyncio.gather(
        *(probe(address, port, sni, timeout=5, cert_type=kind) for kind in kinds)
    )
    return dict(zip(kinds, results, strict=True))


def layers(lab: Lab, name: str) -> list[tuple[str, LayerSpec]]:
    """(address, spec) of a lab site's origin and edges."""
    site = lab.site(name)
    return [(site.origin, site.spec.origin), *zip(site.edges, site.spec.edges, strict=True)]


@pytest.fixture(scope="module")
def peers(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """Single-type, TLS 1.2 and misbehaving layers for the dual site's name, on 127.248.0.x."""
    dual = lab.site("dual").spec.origin
    older = lab.site("dual-rolling").spec.edges[0]
    specs = {
        "127.248.0.1": LayerSpec(chain=dual.second_chain),  # RSA only
        "127.248.0.2": dataclasses.replace(dual, max_version=TLS12),
        "127.248.0.3": LayerSpec(chain=dual.chain, max_version=TLS12),  # ECDSA only
        "127.248.0.4": LayerSpec(chain=dual.second_chain, max_version=TLS12),  # RSA only
        # the renewal of dual-rolling with the ECDSA switch due at once, the RSA one never
        "127.248.0.5": dataclasses.replace(
            older,
            switches=((0.0, older.switches[0][1]),),
            second_switches=((math.inf, older.second_switches[0][1]),),
        ),
        "127.248.0.6": LayerSpec(Behaviour.PLAIN_HTTP),
        "127.248.0.7": LayerSpec(Behaviour.GARBAGE),
        "127.248.0.8": LayerSpec(Behaviour.REFUSE),
    }
    host = lab.site("dual").host
    with Peers(specs, site=host, directory=tmp_path_factory.mktemp("typed")) as running:
        yield running


async def test_each_typed_probe_gets_that_certificate_on_every_dual_layer(lab: Lab) -> None:
    """On every layer of ``dual``: the ECDSA probe gets the ECDSA chain, the RSA probe the
    RSA chain, the untyped probe the ECDSA one; each records the type it asked for."""
    host = lab.site("dual").host
    for address, spec in layers(lab, "dual"):
        got = await three(address, lab.port, host)
        assert served(got[ECDSA]) == [sha(c) for c in spec.chain]
        assert served(got[RSA]) == [sha(c) for c in spec.second_chain]
        assert served(got[None]) == served(got[ECDSA])
        assert got[ECDSA].chain[0].key_type == "EC" and got[RSA].chain[0].key_type == "RSA"
        assert {kind: r.cert_type for kind, r in got.items()} == {k: k for k in got}
        assert not any(r.not_offered for r in got.values())


async def test_rsa_probe_of_an_ecdsa_only_layer_says_not_offered(lab: Lab) -> None:
    """Edge 2 of ``dual-ecdsa-only-edge`` and every single-certificate lab layer hold no RSA
    certificate: the RSA probe says "not offered", which is no error; ECDSA still works."""
    edge2 = lab.site("dual-ecdsa-only-edge").edges[1]
    for address, host in ((edge2, "dual-ecdsa-only-edge"), (lab.site("healthy").origin, "healthy")):
        got = await three(address, lab.port, lab.site(host).host)
        rsa = got[RSA]
        assert rsa.not_offered and rsa.cert_type is RSA
        assert rsa.error is None and rsa.chain == () and not rsa.ok
        assert rsa.status == "not_offered"
        assert served(got[ECDSA]) == served(got[None])
        assert not got[None].not_offered and got[None].status == "ok"


async def test_ecdsa_probe_of_an_rsa_only_layer_says_not_offered(peers: Peers) -> None:
    """A layer with only an RSA certificate: the ECDSA probe says "not offered"; the RSA and
    the untyped probe get the RSA certificate."""
    got = await three("127.248.0.1", peers.port, "dual.lab.test")
    assert got[ECDSA].not_offered and got[ECDSA].error is None
    assert got[ECDSA].status == "not_offered"
    assert served(got[RSA]) == served(got[None])
    assert got[RSA].chain[0].key_type == "RSA"


async def test_typed_probes_work_on_tls_1_2(lab: Lab, peers: Peers) -> None:
    """TLS 1.2 layers answer typed probes the same way: each type from a dual layer, and
    "not offered" for the type a single-certificate layer lacks."""
    dual = lab.site("dual").spec.origin
    both = await three("127.248.0.2", peers.port, "dual.lab.test")
    assert {r.protocol for r in both.values()} == {"TLSv1.2"}
    assert served(both[ECDSA]) == served(both[None]) == [sha(c) for c in dual.chain]
    assert served(both[RSA]) == [sha(c) for c in dual.second_chain]
    ecdsa_only = await three("127.248.0.3", peers.port, "dual.lab.test")
    assert ecdsa_only[RSA].not_offered and served(ecdsa_only[ECDSA]) == served(ecdsa_only[None])
    rsa_only = await three("127.248.0.4", peers.port, "dual.lab.test")
    assert rsa_only[ECDSA].not_offered and served(rsa_only[RSA]) == served(rsa_only[None])


async def test_stale_edge_serves_the_old_rsa_certificate(lab: Lab) -> None:
    """On ``dual-stale-rsa``, edge 3's RSA probe gets the previous RSA certificate while
    its ECDSA probe gets the renewed one; the other layers serve the renewed pair."""
    site = lab.site("dual-stale-rsa")
    origin = await three(site.origin, lab.port, site.host)
    renewed_rsa = origin[RSA].chain[0]
    for edge in site.edges[:2]:
        got = await three(edge, lab.port, site.host)
        assert served(got[RSA]) == served(origin[RSA])
        assert served(got[ECDSA]) == served(origin[ECDSA])
    stale = await three(site.edges[2], lab.port, site.host)
    assert served(stale[ECDSA]) == served(origin[ECDSA]) == served(stale[None])
    old = stale[RSA].chain[0]
    assert old.sha256 == sha(site.spec.edges[2].second_chain[0]) != renewed_rsa.sha256
    assert old.key_type == "RSA" and old.spki_sha256 == renewed_rsa.spki_sha256  # same key
    assert old.not_before < renewed_rsa.not_before and old.not_after < renewed_rsa.not_after


def test_dual_rolling_renews_ecdsa_before_rsa(lab: Lab) -> None:
    """``dual-rolling``'s edges switch their ECDSA certificate at the first rolling delay and
    their RSA one later (edge 1 at the second, edges 2 and 3 at the third), each to the
    origin's."""
    site = lab.site("dual-rolling")
    delays = rolling_delays()
    origin = site.spec.origin
    for edge, rsa_step in zip(site.spec.edges, (1, 2, 2), strict=True):
        ((when, ecdsa),) = edge.switches
        ((rsa_when, rsa),) = edge.second_switches
        assert (when, rsa_when) == (delays[0], delays[rsa_step])
        assert (ecdsa, rsa) == (origin.chain, origin.second_chain)
        for old, new in ((edge.chain, origin.chain), (edge.second_chain, origin.second_chain)):
            assert old[0].cert.not_valid_before_utc < new[0].cert.not_valid_before_utc
    timed = dataclasses.replace(
        site.spec.edges[0],
        switches=((1.0, origin.chain),),
        second_switches=((2.0, origin.second_chain),),
    )
    edge = site.spec.edges[0]
    assert epochs(timed) == [
        (0.0, (edge.chain, edge.second_chain)),
        (1.0, (origin.chain, edge.second_chain)),
        (2.0, (origin.chain, origin.second_chain)),
    ]


async def test_each_type_switches_on_its_own(lab: Lab, peers: Peers) -> None:
    """A layer whose ECDSA renewal is due and whose RSA renewal is not serves the new ECDSA
    certificate beside the old RSA one."""
    origin = lab.site("dual-rolling").spec.origin
    older = lab.site("dual-rolling").spec.edges[0]
    got = await three("127.248.0.5", peers.port, "dual.lab.test")
    assert served(got[ECDSA]) == [sha(c) for c in origin.chain] == served(got[None])
    assert served(got[RSA]) == [sha(c) for c in older.second_chain]


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.248.0.6", ErrorKind.PLAIN_HTTP),
        ("127.248.0.7", ErrorKind.NOT_TLS),
        ("127.248.0.8", ErrorKind.REFUSED),
    ],
)
async def test_other_failures_stay_errors_when_typed(
    peers: Peers, address: str, kind: ErrorKind
) -> None:
    """A typed probe of a layer that is not a TLS server fails as the untyped one does:
    a named error, never "not offered"."""
    for cert_type in (ECDSA, RSA):
        result = await probe(address, peers.port, "dual.lab.test", timeout=3, cert_type=cert_type)
        assert result.error is not None and result.error.kind is kind
        assert not result.not_offered and result.cert_type is cert_type


def test_two_certificates_of_one_key_type_are_refused(
    lab: Lab, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """OpenSSL keeps one certificate per key type: a layer given two ECDSA ones fails to
    start instead of silently serving only the second."""
    dual = lab.site("dual").spec
    spec = LayerSpec(chain=dual.origin.chain, second_chain=lab.site("healthy").spec.origin.chain)
    with (
        pytest.raises(ValueError, match="two certificates of one key type"),
        Peers({"127.248.0.9": spec}, site=dual.host, directory=tmp_path_factory.mktemp("same")),
    ):
        pass


async def test_real_nginx_answers_typed_probes(nginx: StartNginx, lab: Lab) -> None:
    """nginx with one ECDSA certificate refuses the RSA probe as "not offered"; with a second
    ``ssl_certificate`` pair (RSA) each typed probe gets its certificate; on TLS 1.3 and on
    TLS 1.2 alike."""
    dual = lab.site("dual").spec.origin
    ecdsa, rsa = dual.chain, dual.second_chain
    server = nginx(pem_bundle(*ecdsa), ecdsa[0].key_pem, server_name="dual.lab.test")
    single = await three(server.address, server.port, "dual.lab.test")
    assert single[RSA].not_offered and single[RSA].error is None
    assert served(single[ECDSA]) == served(single[None]) == [sha(c) for c in ecdsa]

    (server.prefix / "rsa.pem").write_bytes(pem_bundle(*rsa))
    (server.prefix / "rsa.key").write_bytes(rsa[0].key_pem)
    second = "ssl_certificate rsa.pem;\n        ssl_certificate_key rsa.key;\n"
    conf = server.conf.read_text().replace(
        "ssl_certificate cert.pem;", second + "ssl_certificate cert.pem;"
    )
    for protocols in ("TLSv1.3", "TLSv1.2"):
        server.conf.write_text(
            conf.replace("server_name", f"ssl_protocols {protocols};\n        server_name")
        )
        server.reload()
        both = await three(server.address, server.port, "dual.lab.test")
        assert {r.protocol for r in both.values()} == {protocols}
        assert served(both[ECDSA]) == served(both[None]) == [sha(c) for c in ecdsa]
        assert served(both[RSA]) == [sha(c) for c in rsa]
