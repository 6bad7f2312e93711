"""Path building on served chains: ``trust.analyse_chain`` with real certificates."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from layerscope.lab import pki
from layerscope.model import CertFacts, PathStatus
from layerscope.x509.paths import MAX_PATH, analyse_chain
from layerscope.x509.stores import TrustStore

from .helpers import HOST, NOW, Pki, cf, served


def test_in_order_chain_is_trusted_and_complete(ca: Pki) -> None:
    """leaf -> intermediate, root in the store: trusted, in order, nothing missing or extra."""
    leaf = ca.leaf()
    result = analyse_chain(served(leaf, ca.inter), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.TRUSTED
    assert result.path == served(leaf, ca.inter, ca.root)
    assert result.in_order
    assert result.missing == ()
    assert result.unrelated == ()
    assert not result.root_served
    assert result.intermediates == (cf(ca.inter),)
    assert result.anchored


def test_reversed_intermediates_are_out_of_order_but_trusted(ca: Pki) -> None:
    """leaf, upper intermediate, lower intermediate: the path is found but in_order is False."""
    upper = pki.ca("Unit Upper CA", now=NOW, parent=ca.root)
    lower = pki.ca("Unit Lower CA", now=NOW, parent=upper)
    leaf = ca.leaf(parent=lower)
    result = analyse_chain(served(leaf, upper, lower), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.TRUSTED
    assert result.path == served(leaf, lower, upper, ca.root)
    assert not result.in_order
    assert result.unrelated == ()


def test_two_intermediates_in_order_are_in_order(ca: Pki) -> None:
    """leaf, lower, upper is the right order for a two-intermediate chain."""
    upper = pki.ca("Unit Upper CA", now=NOW, parent=ca.root)
    lower = pki.ca("Unit Lower CA", now=NOW, parent=upper)
    leaf = ca.leaf(parent=lower)
    result = analyse_chain(served(leaf, lower, upper), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.TRUSTED
    assert result.in_order


def test_missing_intermediate_found_elsewhere_is_listed_with_its_source(ca: Pki) -> None:
    """Leaf only, the intermediate served by another layer: the path reaches the trusted
    root, the verdict is incomplete (as sent, clients refuse it) and the gap is named."""
    leaf = ca.leaf()
    source = "served by 192.0.2.2:443"
    result = analyse_chain(
        served(leaf), host=HOST, at=NOW, store=ca.store, others=[(cf(ca.inter), source)]
    )
    assert result.path_status is PathStatus.TRUSTED
    assert result.status is PathStatus.INCOMPLETE
    assert not result.verifier_ok and result.completed_ok
    assert result.missing == ((cf(ca.inter), source),)
    assert result.path == served(leaf, ca.inter, ca.root)


def test_leaf_only_with_no_issuer_anywhere_is_incomplete(ca: Pki) -> None:
    """Leaf only and nothing to fill the gap: INCOMPLETE, naming the missing issuer."""
    leaf = ca.leaf()
    result = analyse_chain(served(leaf), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.INCOMPLETE
    assert result.missing_issuer == cf(ca.inter).subject
    assert result.path == served(leaf)
    assert not result.verifier_ok


def test_unrelated_others_do_not_fill_the_gap(ca: Pki) -> None:
    """A certificate from elsewhere with another subject is not taken as the issuer."""
    leaf = ca.leaf()
    result = analyse_chain(
        served(leaf), host=HOST, at=NOW, store=ca.store, others=[(cf(ca.rogue_inter), "x")]
    )
    assert result.status is PathStatus.INCOMPLETE
    assert result.missing == ()


def test_self_signed_leaf_is_self_signed(ca: Pki) -> None:
    """A leaf that signed itself ends the path at once: SELF_SIGNED."""
    leaf = pki.leaf(["example.com"], now=NOW, parent=None)
    result = analyse_chain(served(leaf), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.SELF_SIGNED
    assert result.path == served(leaf)
    assert not result.root_served
    assert not result.verifier_ok


def test_chain_to_a_root_not_in_the_store_is_untrusted_root(ca: Pki) -> None:
    """leaf -> rogue intermediate, rogue root unknown: UNTRUSTED_ROOT, the root named."""
    leaf = ca.leaf(parent=ca.rogue_inter)
    result = analyse_chain(served(leaf, ca.rogue_inter), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.UNTRUSTED_ROOT
    assert result.missing_issuer == cf(ca.rogue_root).subject
    assert not result.anchored


def test_served_untrusted_root_ends_the_path_there(ca: Pki) -> None:
    """With the rogue root served too, the path ends at it: UNTRUSTED_ROOT, root served."""
    leaf = ca.leaf(parent=ca.rogue_inter)
    chain = served(leaf, ca.rogue_inter, ca.rogue_root)
    result = analyse_chain(chain, host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.UNTRUSTED_ROOT
    assert result.path == chain
    assert result.root_served


def test_served_trusted_root_is_root_served_not_unrelated(ca: Pki) -> None:
    """leaf, intermediate, root: trusted; the root is on the path, flagged as served."""
    leaf = ca.leaf()
    chain = served(leaf, ca.inter, ca.root)
    result = analyse_chain(chain, host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.TRUSTED
    assert result.root_served
    assert result.unrelated == ()
    assert result.in_order
    assert result.path == chain
    assert result.intermediates == (cf(ca.inter),)


def test_junk_intermediate_is_unrelated(ca: Pki) -> None:
    """A leftover CA certificate that is not on the path is reported as unrelated."""
    leaf = ca.leaf()
    result = analyse_chain(
        served(leaf, ca.inter, ca.rogue_inter), host=HOST, at=NOW, store=ca.store
    )
    assert result.status is PathStatus.TRUSTED
    assert result.unrelated == (cf(ca.rogue_inter),)
    assert result.in_order


def test_junk_between_path_certificates_is_unrelated_not_wrong_order(ca: Pki) -> None:
    """leaf, junk, intermediate: the junk is unrelated; the path's own order is still right."""
    leaf = ca.leaf()
    result = analyse_chain(
        served(leaf, ca.rogue_inter, ca.inter), host=HOST, at=NOW, store=ca.store
    )
    assert result.status is PathStatus.TRUSTED
    assert result.unrelated == (cf(ca.rogue_inter),)
    assert result.in_order


def test_duplicate_intermediate_is_unrelated(ca: Pki) -> None:
    """The intermediate sent twice: one copy is on the path, the other is unrelated."""
    leaf = ca.leaf()
    result = analyse_chain(served(leaf, ca.inter, ca.inter), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.TRUSTED
    assert result.unrelated == (cf(ca.inter),)
    assert result.in_order


def test_extra_ca_anchor_makes_the_chain_private(ca: Pki) -> None:
    """A chain to a root that is only an ``--extra-ca`` is PRIVATE (anchored, not public)."""
    leaf = ca.leaf(parent=ca.rogue_inter)
    result = analyse_chain(
        served(leaf, ca.rogue_inter),
        host=HOST,
        at=NOW,
        store=ca.store,
        extra=(cf(ca.rogue_root),),
    )
    assert result.status is PathStatus.PRIVATE
    assert result.anchored
    assert result.path[-1] == cf(ca.rogue_root)
    assert result.verifier_ok


def test_self_signed_leaf_given_as_extra_ca_is_private(ca: Pki) -> None:
    """A self-signed leaf the user trusts explicitly (``--extra-ca``) is PRIVATE for the path
    builder; the verdict is the verifier's (it wants an authorityKeyIdentifier even then)."""
    leaf = pki.leaf(["example.com"], now=NOW, parent=None)
    result = analyse_chain(served(leaf), host=HOST, at=NOW, store=ca.store, extra=(cf(leaf),))
    assert result.path_status is PathStatus.PRIVATE
    assert result.status is (PathStatus.PRIVATE if result.verifier_ok else PathStatus.REFUSED)


def test_alt_store_without_the_root_gives_another_status(ca: Pki) -> None:
    """Against an alternative store lacking the root, alt_status differs from status."""
    leaf = ca.leaf()
    alt = TrustStore("old-store", (cf(ca.rogue_root),))
    result = analyse_chain(served(leaf, ca.inter), host=HOST, at=NOW, store=ca.store, alt_store=alt)
    assert result.status is PathStatus.TRUSTED
    assert result.alt_status is PathStatus.UNTRUSTED_ROOT
    assert result.alt_store == "old-store"


def test_alt_store_with_the_root_agrees(ca: Pki) -> None:
    """An alternative store that also holds the root gives the same status."""
    leaf = ca.leaf()
    alt = TrustStore("other", (cf(ca.rogue_root), cf(ca.root)))
    result = analyse_chain(served(leaf, ca.inter), host=HOST, at=NOW, store=ca.store, alt_store=alt)
    assert result.alt_status is PathStatus.TRUSTED


def test_without_alt_store_alt_status_is_none(ca: Pki) -> None:
    """No alternative store: nothing to compare, alt_status is None."""
    result = analyse_chain(served(ca.leaf(), ca.inter), host=HOST, at=NOW, store=ca.store)
    assert result.alt_status is None
    assert result.alt_store == ""


def test_verifier_accepts_a_good_chain(ca: Pki) -> None:
    """cryptography's verifier accepts a valid, complete chain for the site."""
    result = analyse_chain(served(ca.leaf(), ca.inter), host=HOST, at=NOW, store=ca.store)
    assert result.verifier_ok
    assert result.verifier_error == ""


def test_verifier_refuses_an_expired_leaf_that_path_building_accepts(ca: Pki) -> None:
    """An expired leaf still builds a trusted path, but the verifier refuses it with a reason,
    and the verdict is "refused", never "trusted"."""
    leaf = ca.leaf(days_before=100, days_after=-1)
    result = analyse_chain(served(leaf, ca.inter), host=HOST, at=NOW, store=ca.store)
    assert result.path_status is PathStatus.TRUSTED
    assert result.status is PathStatus.REFUSED
    assert not result.verifier_ok
    assert result.verifier_error


def test_verifier_refuses_a_leaf_for_another_host(ca: Pki) -> None:
    """The verifier checks the site name: a trusted leaf for another name is refused."""
    leaf = ca.leaf(["other.example"])
    result = analyse_chain(served(leaf, ca.inter), host=HOST, at=NOW, store=ca.store)
    assert result.path_status is PathStatus.TRUSTED
    assert result.status is PathStatus.REFUSED
    assert not result.verifier_ok


def test_verifier_with_an_empty_store_refuses_and_says_why(ca: Pki) -> None:
    """An empty trust store cannot verify anything; the reason says so."""
    result = analyse_chain(
        served(ca.leaf(), ca.inter), host=HOST, at=NOW, store=TrustStore("empty", ())
    )
    assert not result.verifier_ok
    assert "empty" in result.verifier_error
    assert result.status is PathStatus.UNTRUSTED_ROOT


def test_trusted_path_is_found_past_a_cross_signed_copy_of_the_intermediate(ca: Pki) -> None:
    """leaf, intermediate cross-signed by an untrusted root, the trusted intermediate: trusted.

    Both copies have the same subject and key, so both verify the leaf; a path to the store
    exists through the second one and browsers (and cryptography's verifier) accept it.
    """
    cross = pki.ca("Unit Issuing CA", now=NOW, parent=ca.rogue_root, key=ca.inter.key)
    leaf = ca.leaf()
    result = analyse_chain(served(leaf, cross, ca.inter), host=HOST, at=NOW, store=ca.store)
    assert result.verifier_ok
    assert result.status is PathStatus.TRUSTED
    assert result.unrelated == (cf(cross),)


def test_trusted_path_through_the_trusted_intermediate_sent_first(ca: Pki) -> None:
    """leaf, trusted intermediate, cross-signed copy: trusted, the cross-sign is unrelated."""
    cross = pki.ca("Unit Issuing CA", now=NOW, parent=ca.rogue_root, key=ca.inter.key)
    leaf = ca.leaf()
    result = analyse_chain(served(leaf, ca.inter, cross), host=HOST, at=NOW, store=ca.store)
    assert result.status is PathStatus.TRUSTED
    assert result.unrelated == (cf(cross),)


def test_cross_sign_loop_seen_on_other_layers_is_untrusted_root_not_incomplete(ca: Pki) -> None:
    """Two CAs that cross-sign each other, chain served by this and another layer.

    Alone the chain is UNTRUSTED_ROOT; the same chain seen on another layer must not
    change that, and the path must never visit a certificate twice.
    """
    key_a, key_b = pki.new_key(), pki.new_key()
    a_self = pki.ca("Loop A", now=NOW, key=key_a)
    b_self = pki.ca("Loop B", now=NOW, key=key_b)
    a_by_b = pki.ca("Loop A", now=NOW, parent=b_self, key=key_a)
    b_by_a = pki.ca("Loop B", now=NOW, parent=a_self, key=key_b)
    chain = served(ca.leaf(parent=a_by_b), a_by_b, b_by_a)
    alone = analyse_chain(chain, host=HOST, at=NOW, store=ca.store)
    assert alone.status is PathStatus.UNTRUSTED_ROOT
    others = [(c, "served by 192.0.2.2:443") for c in chain[1:]]
    result = analyse_chain(chain, host=HOST, at=NOW, store=ca.store, others=others)
    assert len({c.sha256 for c in result.path}) == len(result.path)
    assert result.missing == ()
    assert result.status is PathStatus.UNTRUSTED_ROOT


@pytest.fixture(scope="module")
def pool(ca: Pki) -> list[CertFacts]:
    """A small mixed bag: good and rogue chains, a self-signed leaf, a cross-sign loop."""
    now = NOW
    # two CAs that cross-sign each other: following issuers goes round in circles
    key_a, key_b = pki.new_key(), pki.new_key()
    a_self = pki.ca("Loop A", now=now, key=key_a)
    b_self = pki.ca("Loop B", now=now, key=key_b)
    a_by_b = pki.ca("Loop A", now=now, parent=b_self, key=key_a)
    b_by_a = pki.ca("Loop B", now=now, parent=a_self, key=key_b)
    cross = pki.ca("Unit Issuing CA", now=now, parent=ca.rogue_root, key=ca.inter.key)
    items = [
        ca.leaf(),
        ca.leaf(days_before=100, days_after=-1),
        ca.leaf(parent=ca.rogue_inter),
        pki.leaf(["example.com"], now=now, parent=None),
        pki.leaf(["example.com"], now=now, parent=a_by_b),
        ca.inter,
        ca.root,
        ca.rogue_inter,
        ca.rogue_root,
        cross,
        a_by_b,
        b_by_a,
    ]
    return [cf(i) for i in items]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_mix_of_served_certificates_gets_a_status(
    pool: list[CertFacts], ca: Pki, data: st.DataObject
) -> None:
    """Shuffled, duplicated, truncated or foreign chains never crash and always get a status.

    The path starts at the first served certificate, stays bounded, never repeats a
    certificate, every served certificate is either on the path or unrelated, nothing
    served is called missing, and a chain the verifier accepts is anchored.
    """
    chain = tuple(data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6)))
    others = data.draw(st.lists(st.sampled_from(pool), max_size=4))
    extra = data.draw(st.lists(st.sampled_from(pool), max_size=1))
    # the served leaf given as its own --extra-ca anchor is a separate, doubtful case
    assume(chain[0] not in extra)
    result = analyse_chain(
        chain,
        host=HOST,
        at=NOW,
        store=ca.store,
        extra=extra,
        others=[(c, f"other {i}") for i, c in enumerate(others)],
        alt_store=TrustStore("alt", (pool[8],)),
    )
    assert result.status in set(PathStatus)
    assert result.alt_status in set(PathStatus)
    assert result.path[0] == chain[0]
    assert 1 <= len(result.path) <= MAX_PATH
    assert all(c in result.path or c in result.unrelated for c in chain)
    assert len(result.unrelated) < len(chain)
    assert all(c not in chain for c, _source in result.missing)
    assert len({c.sha256 for c in result.path}) == len(result.path)
    if result.verifier_ok:
        assert result.anchored
    if result.built is PathStatus.INCOMPLETE:
        assert result.missing_issuer
    if result.status is PathStatus.INCOMPLETE:
        assert result.missing_issuer or result.missing
    # the verdict is the verifier's: never trusted when it refused
    assert result.trusted == result.verifier_ok
