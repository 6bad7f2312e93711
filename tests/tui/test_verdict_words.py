"""The inspector shows the engine's verdict: a chain the verifier refused never reads
"trusted" in the layers table or in the chain tab."""

from __future__ import annotations

import dataclasses

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from rich.console import Console

from layerscope.lab import pki, pki_odd
from layerscope.model import Layer, ProbeResult, UnparsedCert
from layerscope.tui.panes import chain_view
from layerscope.tui.view import layer_cells
from tests.unit.helpers import NOW, Pki, layer, make_pki


def _text(renderable: object) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _refused(ca: Pki) -> Layer:
    """A leaf whose extendedKeyUsage is clientAuth only: anchored, but refused."""
    leaf = pki_odd.issue(
        "example.com",
        now=NOW,
        parent=ca.inter,
        sans=["example.com"],
        extended_key_usage=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
    )
    return layer([leaf, ca.inter], ca.store)


def test_a_refused_layer_never_reads_trusted_in_the_table_or_chain_tab() -> None:
    """The Chain cell says "refused" and the chain tab shows the verifier's refusal."""
    ca = make_pki()
    ly = _refused(ca)
    assert ly.chain is not None and not ly.chain.verifier_ok
    cells = " ".join(c.plain for c in layer_cells(ly, {}, None))
    assert "refused" in cells and "trusted" not in cells
    tab = _text(chain_view(ly))
    assert "Path: refused" in tab and "accepted" not in tab


def test_a_trusted_layer_reads_trusted() -> None:
    """The healthy counterpart: the same table says "trusted" (the test can fail)."""
    ca = make_pki()
    ly = layer([ca.leaf(), ca.inter], ca.store)
    cells = " ".join(c.plain for c in layer_cells(ly, {}, None))
    assert "trusted" in cells


def test_a_layer_whose_leaf_cannot_be_parsed_says_so() -> None:
    """No parsed leaf, one unparsed certificate: the row says "unparseable"."""
    ca = make_pki()
    ly = layer([ca.leaf(), ca.inter], ca.store)
    der = pki.leaf(["example.com"], now=NOW, parent=ca.inter).der
    probe = ProbeResult(
        ly.address, 443, "example.com", unparsed=(UnparsedCert(1, 1, "00" * 32, "bad", der),)
    )
    ly = dataclasses.replace(ly, probe=probe, chain=None)
    cells = " ".join(c.plain for c in layer_cells(ly, {}, None))
    assert "unparseable" in cells
