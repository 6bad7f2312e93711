"""fix-chain: the fullchain.pem built from a served chain plus what AIA found, checked with
the real ``openssl verify``."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from layerscope.lab import pki
from layerscope.lab.repository import Repository
from layerscope.net.aia import AiaFetcher
from layerscope.x509.bundles import load_pem_bundle
from layerscope.x509.fixchain import FullChain, build_fullchain
from layerscope.x509.stores import TrustStore

from .test_aia import NOW, cf, running_repository, unique

HOST = "shop.lab.test"
ADDRESS = "127.254.0.2"


@pytest.fixture(scope="module")
def repo() -> Iterator[Repository]:
    """One CA repository for the module."""
    with running_repository(ADDRESS) as running:
        yield running


def openssl_verify(chain: FullChain, root: pki.Issued, directory: Path) -> tuple[int, str]:
    """``openssl verify`` of the written fullchain: leaf against root, the rest untrusted."""
    certs = x509.load_pem_x509_certificates(chain.pem.encode())
    leaf_pem, rest = directory / "leaf.pem", directory / "intermediates.pem"
    root_pem = directory / "root.pem"
    leaf_pem.write_bytes(certs[0].public_bytes(serialization.Encoding.PEM))
    rest.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs[1:]))
    root_pem.write_bytes(root.pem)
    cmd = ["openssl", "verify", "-CAfile", str(root_pem), "-purpose", "sslserver"]
    cmd += ["-verify_hostname", HOST]
    if certs[1:]:
        cmd += ["-untrusted", str(rest)]
    done = subprocess.run([*cmd, str(leaf_pem)], capture_output=True, text=True, timeout=30)
    return done.returncode, done.stdout + done.stderr


def store_of(root: pki.Issued) -> TrustStore:
    """A trust store holding ``root`` only."""
    return TrustStore("lab", (cf(root),))


async def test_leaf_only_layer_gets_a_fullchain_that_openssl_verifies(
    repo: Repository, tmp_path: Path
) -> None:
    """Leaf served alone, intermediate at its AIA URL: the fullchain is leaf + intermediate,
    says where the intermediate came from, and passes openssl verify (the leaf alone fails)."""
    root = pki.ca("Fix Root", now=NOW)
    inter = pki.ca("Fix Issuing CA", now=NOW, parent=root)
    path = unique("inter.cer")
    leaf = pki.leaf([HOST], now=NOW, parent=inter, aia_issuers=[repo.url(path)])
    repo.add_file(path, inter.der, "application/pkix-cert")
    served = [cf(leaf)]
    found = await AiaFetcher().complete(served, known=[cf(root)])
    result = build_fullchain(served, found, host=HOST, at=NOW, store=store_of(root))
    assert result.ok, result.message
    assert result.certificates == (cf(leaf), cf(inter))
    assert result.added == ((cf(inter), f"AIA {repo.url(path)}"),)
    assert f"added '{cf(inter).subject}' from AIA {repo.url(path)}" in result.message
    assert load_pem_bundle(result.pem.encode()) == [cf(leaf), cf(inter)]
    code, output = openssl_verify(result, root, tmp_path)
    assert code == 0, output
    assert output.strip().endswith("leaf.pem: OK")
    leaf_only = FullChain(True, (cf(leaf),), leaf.pem.decode(), "")
    assert openssl_verify(leaf_only, root, tmp_path)[0] != 0


async def test_two_missing_intermediates_are_added_in_order(
    repo: Repository, tmp_path: Path
) -> None:
    """leaf -> I2 -> I1 -> root with only the leaf served: fullchain is leaf, I2, I1."""
    root = pki.ca("Fix2 Root", now=NOW)
    i1 = pki.ca("Fix2 I1", now=NOW, parent=root)
    i1_path, i2_path = unique("i1.cer"), unique("i2.cer")
    i2 = pki.ca("Fix2 I2", now=NOW, parent=i1, aia_issuers=[repo.url(i1_path)])
    leaf = pki.leaf([HOST], now=NOW, parent=i2, aia_issuers=[repo.url(i2_path)])
    repo.add_file(i1_path, i1.der, "application/pkix-cert")
    repo.add_file(i2_path, i2.der, "application/pkix-cert")
    found = await AiaFetcher().complete([cf(leaf)], known=[cf(root)])
    result = build_fullchain([cf(leaf)], found, host=HOST, at=NOW, store=store_of(root))
    assert result.ok, result.message
    assert result.certificates == (cf(leaf), cf(i2), cf(i1))
    code, output = openssl_verify(result, root, tmp_path)
    assert code == 0, output


def test_served_root_is_never_in_the_fullchain(tmp_path: Path) -> None:
    """leaf + intermediate + root served: the root is left out, and the message says so."""
    root = pki.ca("Served Root", now=NOW)
    inter = pki.ca("Served Issuing CA", now=NOW, parent=root)
    leaf = pki.leaf([HOST], now=NOW, parent=inter)
    served = [cf(leaf), cf(inter), cf(root)]
    result = build_fullchain(served, [], host=HOST, at=NOW, store=store_of(root))
    assert result.ok, result.message
    assert result.certificates == (cf(leaf), cf(inter))
    assert root.pem.decode() not in result.pem
    assert f"left out the root '{cf(root).subject}'" in result.message
    assert openssl_verify(result, root, tmp_path)[0] == 0


def test_wrong_order_and_junk_are_fixed() -> None:
    """leaf, I1, junk, I2 served: the fullchain is leaf, I2, I1 without the junk."""
    root = pki.ca("Order Root", now=NOW)
    i1 = pki.ca("Order I1", now=NOW, parent=root)
    i2 = pki.ca("Order I2", now=NOW, parent=i1)
    junk = pki.ca("Old Issuing CA", now=NOW, parent=root)
    leaf = pki.leaf([HOST], now=NOW, parent=i2)
    served = [cf(leaf), cf(i1), cf(junk), cf(i2)]
    result = build_fullchain(served, [], host=HOST, at=NOW, store=store_of(root))
    assert result.ok, result.message
    assert result.certificates == (cf(leaf), cf(i2), cf(i1))
    assert result.added == ()
    assert "put the certificates in order" in result.message
    assert "left out 1 unrelated certificate" in result.message


def test_complete_chain_is_returned_as_is() -> None:
    """A complete, ordered chain: same certificates, 'already complete' message."""
    root = pki.ca("Plain Root", now=NOW)
    inter = pki.ca("Plain Issuing CA", now=NOW, parent=root)
    leaf = pki.leaf([HOST], now=NOW, parent=inter)
    result = build_fullchain([cf(leaf), cf(inter)], [], host=HOST, at=NOW, store=store_of(root))
    assert result.ok
    assert result.certificates == (cf(leaf), cf(inter))
    assert result.message.startswith("the served chain is already complete and in order")


def test_untrusted_root_is_refused() -> None:
    """A chain ending at a root the trust store does not hold: no fullchain, and why."""
    trusted = pki.ca("Trusted Root", now=NOW)
    rogue = pki.ca("Rogue Root", now=NOW)
    inter = pki.ca("Rogue Issuing CA", now=NOW, parent=rogue)
    leaf = pki.leaf([HOST], now=NOW, parent=inter)
    served = [cf(leaf), cf(inter), cf(rogue)]
    result = build_fullchain(served, [], host=HOST, at=NOW, store=store_of(trusted))
    assert not result.ok
    assert (result.certificates, result.pem) == ((), "")
    assert result.message == (
        f"the chain ends at '{cf(rogue).subject}', which is not in the trust store"
    )


def test_untrusted_root_found_through_aia_is_refused_too() -> None:
    """An untrusted root supplied from elsewhere does not make the chain acceptable."""
    trusted = pki.ca("Trusted Root 2", now=NOW)
    rogue = pki.ca("Rogue Root 2", now=NOW)
    leaf = pki.leaf([HOST], now=NOW, parent=rogue)
    found = [(cf(rogue), "AIA http://127.254.0.2/rogue.cer")]
    result = build_fullchain([cf(leaf)], found, host=HOST, at=NOW, store=store_of(trusted))
    assert not result.ok
    assert "which is not in the trust store" in result.message


def test_private_ca_is_accepted_when_given_as_extra() -> None:
    """Anchored at an --extra-ca root: fullchain offered (the company CA case)."""
    public = pki.ca("Public Root", now=NOW)
    company = pki.ca("Company Root", now=NOW)
    inter = pki.ca("Company Issuing CA", now=NOW, parent=company)
    leaf = pki.leaf([HOST], now=NOW, parent=inter)
    served = [cf(leaf)]
    found = [(cf(inter), "layer 127.254.0.9")]
    refused = build_fullchain(served, found, host=HOST, at=NOW, store=store_of(public))
    accepted = build_fullchain(
        served, found, host=HOST, at=NOW, store=store_of(public), extra=[cf(company)]
    )
    assert not refused.ok
    assert accepted.ok, accepted.message
    assert accepted.certificates == (cf(leaf), cf(inter))
    assert "added 'CN=Company Issuing CA,O=layerscope lab' from layer 127.254.0.9" in (
        accepted.message
    )


def test_missing_intermediate_without_aia_is_refused() -> None:
    """Leaf alone, no AIA URL, nothing found: names the missing intermediate."""
    root = pki.ca("Lost Root", now=NOW)
    inter = pki.ca("Lost Issuing CA", now=NOW, parent=root)
    leaf = pki.leaf([HOST], now=NOW, parent=inter)
    result = build_fullchain([cf(leaf)], [], host=HOST, at=NOW, store=store_of(root))
    assert not result.ok
    assert result.message == (
        f"the intermediate '{cf(inter).subject}' could not be found "
        "(not sent, not on other layers, no AIA URL)"
    )


async def test_missing_intermediate_with_dead_aia_is_refused(repo: Repository) -> None:
    """The AIA URL answers 404: refused, and the message names the URL tried."""
    root = pki.ca("Dead Root", now=NOW)
    inter = pki.ca("Dead Issuing CA", now=NOW, parent=root)
    url = repo.url(unique("gone.cer"))
    leaf = pki.leaf([HOST], now=NOW, parent=inter, aia_issuers=[url])
    fetcher = AiaFetcher()
    found = await fetcher.complete([cf(leaf)], known=[cf(root)])
    result = build_fullchain([cf(leaf)], found, host=HOST, at=NOW, store=store_of(root))
    assert not result.ok
    assert result.message == (
        f"the intermediate '{cf(inter).subject}' could not be found "
        f"(not sent, not on other layers, nothing usable at its AIA URL {url})"
    )
    assert fetcher.errors == [(url, f"AIA {url} returned 404")]


def test_missing_upper_intermediate_is_refused() -> None:
    """leaf + I2 served, I1 nowhere: refused, naming I1 (not an 'untrusted root')."""
    root = pki.ca("Upper Root", now=NOW)
    i1 = pki.ca("Upper I1", now=NOW, parent=root)
    i2 = pki.ca("Upper I2", now=NOW, parent=i1)
    leaf = pki.leaf([HOST], now=NOW, parent=i2)
    result = build_fullchain([cf(leaf), cf(i2)], [], host=HOST, at=NOW, store=store_of(root))
    assert not result.ok
    assert result.message.startswith(f"the intermediate '{cf(i1).subject}' could not be found")


def test_expired_leaf_is_refused_with_the_verifiers_reason() -> None:
    """A complete trusted path cannot fix an expired leaf: refused, saying so."""
    root = pki.ca("Expired Root", now=NOW)
    inter = pki.ca("Expired Issuing CA", now=NOW, parent=root)
    leaf = pki.leaf([HOST], now=NOW, parent=inter, days_before=100, days_after=-1)
    result = build_fullchain([cf(leaf), cf(inter)], [], host=HOST, at=NOW, store=store_of(root))
    assert not result.ok
    assert result.certificates == ()
    assert result.message.startswith("the leaf expired on ")
    assert f"the completed chain does not verify for {HOST}: " in result.message


def test_leaf_for_another_name_is_refused() -> None:
    """The verifier's hostname check applies: a chain for another site is not offered."""
    root = pki.ca("Name Root", now=NOW)
    inter = pki.ca("Name Issuing CA", now=NOW, parent=root)
    leaf = pki.leaf(["other.lab.test"], now=NOW, parent=inter)
    result = build_fullchain([cf(leaf), cf(inter)], [], host=HOST, at=NOW, store=store_of(root))
    assert not result.ok
    assert result.message.startswith(f"the completed chain does not verify for {HOST}: ")


def test_self_signed_leaf_is_refused() -> None:
    """A self-signed leaf: no chain can help."""
    leaf = pki.leaf([HOST], now=NOW, parent=None)
    root = pki.ca("Any Root", now=NOW)
    result = build_fullchain([cf(leaf)], [], host=HOST, at=NOW, store=store_of(root))
    assert not result.ok
    assert "is self-signed" in result.message


def test_nothing_served_is_refused() -> None:
    """No certificate at all: refused, not an exception."""
    root = pki.ca("Empty Root", now=NOW)
    result = build_fullchain([], [], host=HOST, at=NOW, store=store_of(root))
    assert (result.ok, result.message) == (False, "the layer sent no certificate")


def test_judged_at_the_given_moment() -> None:
    """``at`` decides validity: the same chain is refused a year later."""
    root = pki.ca("Time Root", now=NOW)
    inter = pki.ca("Time Issuing CA", now=NOW, parent=root)
    leaf = pki.leaf([HOST], now=NOW, parent=inter)
    later = NOW + dt.timedelta(days=365)
    served = [cf(leaf), cf(inter)]
    assert build_fullchain(served, [], host=HOST, at=NOW, store=store_of(root)).ok
    assert not build_fullchain(served, [], host=HOST, at=later, store=store_of(root)).ok
