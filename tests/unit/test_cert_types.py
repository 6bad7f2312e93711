"""Both certificate types, the pure parts: which typed handshake stands for the layer, when a
layer serves two certificates, how findings are judged and attached per type, and how a
watch converges per type. Values only (the real handshakes are in tests/test_dual_certs.py
and tests/test_probe_cert_types.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from layerscope.diagnose import watch
from layerscope.diagnose.layer import Thresholds
from layerscope.diagnose.types import compare_by_type, missing_types, type_groups
from layerscope.engine.typed import primary, with_types
from layerscope.explain import RemediationContext, remediation_for
from layerscope.model import (
    CertFacts,
    CertType,
    Discovery,
    ErrorKind,
    Finding,
    Layer,
    ProbeError,
    ProbeResult,
    Report,
    Role,
    Severity,
    TypedReference,
)
from layerscope.present.watch_lines import status_line

from ..render.conftest import NOW, make_cert, make_layer

HOST = "example.com"


def rsa_cert(seed: str, **kwargs: object) -> CertFacts:
    """An RSA leaf for the site."""
    return dataclasses.replace(make_cert(HOST, seed=seed, **kwargs), key_type="RSA", key_bits=2048)  # type: ignore[arg-type]


def typed_probe(address: str, kind: CertType, leaf: CertFacts | None) -> ProbeResult:
    """A handshake that asked for ``kind``: got ``leaf``, or was refused (None)."""
    if leaf is None:
        return ProbeResult(address, 443, HOST, cert_type=kind, not_offered=True)
    return ProbeResult(address, 443, HOST, chain=(leaf,), protocol="TLSv1.3", cert_type=kind)


def dual_layer(
    address: str, ecdsa: CertFacts, rsa: CertFacts | None, role: Role = Role.EDGE
) -> Layer:
    """A layer as the engine builds it from its two typed handshakes."""
    typed = (typed_probe(address, CertType.ECDSA, ecdsa), typed_probe(address, CertType.RSA, rsa))
    first = primary(typed)
    assert first is not None
    base = make_layer(address, role=role, leaf=ecdsa)
    return with_types(dataclasses.replace(base, probe=first), typed)


def with_chains(layer: Layer) -> Layer:
    """Both certificates analysed as trusted, the leaf good once complete."""
    assert layer.chain is not None
    chain = dataclasses.replace(layer.chain, completed_ok=True)
    second = None
    if layer.second is not None:
        second = dataclasses.replace(layer.second, chain=chain)
    return dataclasses.replace(layer, chain=chain, second=second)


# --- which handshake stands for the layer ---------------------------------------------------


def test_the_ecdsa_handshake_stands_for_the_layer_and_the_rsa_one_is_its_second() -> None:
    """Both types served: the ECDSA certificate first (what modern clients get), the RSA
    one as the second, typed."""
    layer = dual_layer("192.0.2.10", make_cert(HOST), rsa_cert("r"))
    assert layer.cert_type is CertType.ECDSA and layer.leaf_type is CertType.ECDSA
    assert layer.second is not None and layer.second.is_second
    assert layer.second.leaf_type is CertType.RSA and not layer.is_second
    assert layer.offered_types == (CertType.ECDSA, CertType.RSA) and layer.missing_types == ()


def test_an_rsa_only_layer_is_one_certificate_of_its_type() -> None:
    """ECDSA refused: the RSA handshake stands for the layer, no second, ECDSA missing."""
    typed = (
        typed_probe("192.0.2.10", CertType.ECDSA, None),
        typed_probe("192.0.2.10", CertType.RSA, rsa_cert("r")),
    )
    first = primary(typed)
    assert first is not None and first.cert_type is CertType.RSA
    layer = with_types(dataclasses.replace(make_layer("192.0.2.10"), probe=first), typed)
    assert layer.second is None and layer.cert_type is None
    assert layer.leaf_type is CertType.RSA and layer.missing_types == (CertType.ECDSA,)


def test_a_server_ignoring_the_signature_algorithms_serves_one_type() -> None:
    """An RSA leaf to the ECDSA handshake: that handshake still stands for the layer, and
    ECDSA counts as missing, not offered."""
    rsa = rsa_cert("r")
    typed = (
        typed_probe("192.0.2.10", CertType.ECDSA, rsa),
        typed_probe("192.0.2.10", CertType.RSA, rsa),
    )
    layer = with_types(dataclasses.replace(make_layer("192.0.2.10"), probe=typed[1]), typed)
    assert layer.second is None and layer.offered_types == (CertType.RSA,)
    assert layer.missing_types == (CertType.ECDSA,)


@pytest.mark.parametrize(
    ("kinds", "untyped"),
    [
        ((None, None), True),  # both refused: an untyped handshake tells what the layer does
        (("reset", "reset"), True),
        (("handshake_timeout", "handshake_timeout"), False),  # it would only wait as long
        (("handshake_timeout", None), True),
    ],
)
def test_an_untyped_handshake_is_made_only_when_it_can_tell_more(
    kinds: tuple[str | None, str | None], untyped: bool
) -> None:
    """Neither typed handshake got a certificate: None (make an untyped one) unless both
    timed out, which an untyped one would only repeat."""
    typed = []
    for kind, asked in zip(kinds, CertType, strict=True):
        if kind is None:
            typed.append(typed_probe("192.0.2.10", asked, None))
        else:
            error = ProbeError(ErrorKind(kind), kind)
            typed.append(ProbeResult("192.0.2.10", 443, HOST, error=error, cert_type=asked))
    assert (primary(typed) is None) is untyped


# --- judging per type -----------------------------------------------------------------------


def test_sites_whose_layers_serve_one_certificate_are_one_group() -> None:
    """No layer serves two: every layer is compared with every other, as before."""
    layers = [make_layer("192.0.2.1", role=Role.ORIGIN), make_layer("192.0.2.10")]
    assert type_groups(layers) == [(None, layers)]


def test_an_old_rsa_certificate_is_stale_against_the_rsa_reference() -> None:
    """The origin and edge 1 serve the renewed pair, edge 2 the renewed ECDSA and the
    previous RSA certificate: one stale_edge, of type RSA, on edge 2 only."""
    ecdsa, new_rsa = make_cert(HOST, seed="e"), rsa_cert("new")
    old_rsa = rsa_cert("old", not_before=NOW - dt.timedelta(days=80))
    layers = [
        with_chains(dual_layer("192.0.2.1", ecdsa, new_rsa, Role.ORIGIN)),
        with_chains(dual_layer("192.0.2.10", ecdsa, new_rsa)),
        with_chains(dual_layer("192.0.2.11", ecdsa, old_rsa)),
    ]
    reference, references, findings = compare_by_type(layers, HOST, Thresholds(NOW))
    assert reference is not None and reference.cert == ecdsa
    assert [(r.cert_type, r.cert) for r in references] == [
        (CertType.ECDSA, ecdsa),
        (CertType.RSA, new_rsa),
    ]
    stale = [f for f in findings if f.code == "stale_edge"]
    assert [(f.layers, f.cert_type) for f in stale] == [(("192.0.2.11",), CertType.RSA)]
    assert "previous RSA certificate" in stale[0].summary


def test_an_edge_without_rsa_where_the_origin_has_both_is_a_finding() -> None:
    """cert_type_missing names the missing type and what was compared with; an edge whose
    RSA handshake failed otherwise (unknown) is not blamed."""
    ecdsa, rsa = make_cert(HOST), rsa_cert("r")
    origin = dual_layer("192.0.2.1", ecdsa, rsa, Role.ORIGIN)
    only = dual_layer("192.0.2.10", ecdsa, None)
    timeout = ProbeError(ErrorKind.HANDSHAKE_TIMEOUT, "slow")
    unknown = dataclasses.replace(
        only,
        address="192.0.2.11",
        typed_probes=(
            only.typed_probes[0],
            ProbeResult("192.0.2.11", 443, HOST, error=timeout, cert_type=CertType.RSA),
        ),
    )
    (finding,) = missing_types([origin, only, unknown])
    assert finding.code == "cert_type_missing" and finding.layers == ("192.0.2.10",)
    assert finding.severity is Severity.WARNING and finding.cert_type is None
    assert finding.evidence["missing"] == ["rsa"] and finding.evidence["offered"] == ["ecdsa"]
    assert finding.evidence["compared_with"] == "192.0.2.1"
    assert missing_types([only, make_layer("192.0.2.12")]) == []  # nobody serves two


def test_findings_of_a_type_concern_that_certificate_only() -> None:
    """An RSA finding is about the RSA certificate (the second), an untyped one about the
    layer (its first certificate), never about both rows."""
    layer = dual_layer("192.0.2.10", make_cert(HOST), rsa_cert("r"))
    assert layer.second is not None
    rsa = Finding("stale_edge", Severity.WARNING, ("192.0.2.10",), "x", cert_type=CertType.RSA)
    plain = Finding("default_cert_without_sni", Severity.WARNING, ("192.0.2.10",), "y")
    assert rsa.concerns(layer.second) and not rsa.concerns(layer)
    assert plain.concerns(layer) and not plain.concerns(layer.second)


def test_reproduce_commands_ask_for_the_type() -> None:
    """The commands of an RSA finding ask for the RSA certificate (-sigalgs RSA...); those
    of cert_type_missing for the missing type."""
    ctx = RemediationContext(
        host=HOST, port=443, sni=HOST, address="192.0.2.10", layer_port=443, role="edge"
    )
    stale = remediation_for("stale_edge", dataclasses.replace(ctx, cert_type="rsa"))
    assert "-sigalgs RSA-PSS+SHA256" in stale.reproduce
    evidence = {"offered": ["rsa"], "missing": ["ecdsa"], "compared_with": "192.0.2.1",
                "compared_types": ["ecdsa", "rsa"]}  # fmt: skip
    missing = remediation_for("cert_type_missing", dataclasses.replace(ctx, evidence=evidence))
    assert "-sigalgs ECDSA+SHA256" in missing.verify
    assert "ECDSA" in missing.meaning
    plain = remediation_for("stale_edge", ctx)
    assert "-sigalgs" not in plain.reproduce


# --- watch per type -------------------------------------------------------------------------


def report_of(at: int, layers: list[Layer]) -> Report:
    """A round's report: references per type from the origin."""
    origin = layers[0]
    refs = tuple(
        TypedReference(part.leaf_type, part.leaf, origin.address)
        for part in origin.parts
        if part.leaf is not None and part.leaf_type is not None
    )
    started = NOW + dt.timedelta(seconds=at)
    return Report(
        host=HOST,
        ascii_host=HOST,
        port=443,
        sni=HOST,
        at=started,
        started=started,
        duration_ms=1.0,
        discovery=Discovery(HOST, addresses=tuple((ly.address, "unit") for ly in layers[1:])),
        layers=tuple(layers),
        reference=refs[0].cert if refs else origin.leaf,
        reference_layer=origin.address,
        findings=(),
        type_references=refs,
    )


def test_watch_waits_for_every_type_and_ignores_types_not_offered() -> None:
    """The ECDSA certificates switch first: not converged until the RSA one does too; an
    edge that offers only ECDSA converges on ECDSA alone."""
    ecdsa, old_e = make_cert(HOST, seed="e"), make_cert(HOST, seed="old-e")
    rsa, old_r = rsa_cert("r"), rsa_cert("old-r")
    origin = dual_layer("192.0.2.1", ecdsa, rsa, Role.ORIGIN)
    only = dual_layer("192.0.2.11", ecdsa, None)
    state, _ = watch.observe(
        watch.start(), report_of(0, [origin, dual_layer("192.0.2.10", old_e, old_r), only])
    )
    assert state.typed and not watch.converged(state)
    state, changes = watch.observe(
        state, report_of(5, [origin, dual_layer("192.0.2.10", ecdsa, old_r), only])
    )
    assert [(c.address, c.cert_type) for c in changes] == [("192.0.2.10", "ecdsa")]
    assert not watch.converged(state)
    assert [(t.address, t.cert_type) for t in watch.behind(state)] == [("192.0.2.10", "rsa")]
    assert "edge 192.0.2.10 RSA still on" in status_line(state)
    state, _ = watch.observe(
        state, report_of(9, [origin, dual_layer("192.0.2.10", ecdsa, rsa), only])
    )
    assert watch.converged(state)


def test_expect_once_per_type() -> None:
    """Each expected leaf is the target of its type; two of one type are refused."""
    ecdsa, rsa = make_cert(HOST, seed="e"), rsa_cert("r")
    state = watch.start(expects=[(ecdsa.sha256, "ecdsa"), (rsa.sha256, "rsa")])
    origin = dual_layer("192.0.2.1", ecdsa, rsa, Role.ORIGIN)
    state, _ = watch.observe(state, report_of(0, [origin, dual_layer("192.0.2.10", ecdsa, rsa)]))
    assert state.target_of("ecdsa") == ecdsa.sha256 and state.target_of("rsa") == rsa.sha256
    assert watch.converged(state)
    with pytest.raises(ValueError):
        watch.start(expects=[(ecdsa.sha256, "ecdsa"), (rsa.sha256, "ecdsa")])
