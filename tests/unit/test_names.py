"""Host names: RFC 6125 matching without CN fallback, and IDNA conversion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layerscope.lab import pki
from layerscope.model.names import HostNameError, covers, is_ip, name_matches, name_set, to_ascii

from .helpers import NOW, Pki, cf

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)


@pytest.mark.parametrize("host", ["a.example.com", "www.example.com", "x-1.example.com"])
def test_wildcard_covers_exactly_one_left_label(host: str) -> None:
    """``*.example.com`` covers any single label in front of ``example.com``."""
    assert name_matches("*.example.com", host)


def test_wildcard_does_not_cover_the_bare_parent_domain() -> None:
    """``*.example.com`` does not cover ``example.com`` itself."""
    assert not name_matches("*.example.com", "example.com")


def test_wildcard_does_not_cover_two_labels() -> None:
    """``*.example.com`` does not cover ``a.b.example.com``: a wildcard is one label."""
    assert not name_matches("*.example.com", "a.b.example.com")


def test_wildcard_does_not_cover_an_empty_label() -> None:
    """``*.example.com`` does not cover ``.example.com`` (no label to stand for)."""
    assert not name_matches("*.example.com", ".example.com")


@pytest.mark.parametrize(
    ("pattern", "host"),
    [
        ("*.EXAMPLE.com", "a.example.com"),
        ("*.example.com", "A.Example.COM"),
        ("Example.COM", "example.com"),
    ],
)
def test_matching_ignores_case(pattern: str, host: str) -> None:
    """Names compare case-insensitively, wildcards included."""
    assert name_matches(pattern, host)


@pytest.mark.parametrize(
    ("pattern", "host"), [("example.com", "example.com."), ("*.example.com", "a.example.com.")]
)
def test_a_trailing_dot_on_the_host_is_ignored(pattern: str, host: str) -> None:
    """The host typed as a fully qualified name (trailing dot) matches like the relative one."""
    assert name_matches(pattern, host)


@pytest.mark.parametrize(
    ("pattern", "host"), [("example.com.", "example.com"), ("*.example.com.", "a.example.com")]
)
def test_a_san_with_a_trailing_dot_covers_nothing(pattern: str, host: str) -> None:
    """As the Web PKI verifier decides: a SAN ending in a dot is not a valid name and matches
    nothing (it is reported as ``invalid_san``)."""
    assert not name_matches(pattern, host)


def test_wildcard_over_a_single_label_suffix_matches_as_the_verifier_does() -> None:
    """``*.com`` covers ``example.com`` for the verifier (no public-suffix check); the rule
    that forbids such wildcards is reported as ``invalid_san``, not as a mismatch."""
    assert name_matches("*.com", "example.com")
    assert not name_matches("*.com", "com")
    assert not name_matches("*.com", "a.b.com")


@pytest.mark.parametrize(
    "pattern", ["f*.example.com", "*oo.example.com", "f*o.example.com", "foo.*.com", "*.*.com"]
)
def test_partial_label_and_inner_wildcards_never_match(pattern: str) -> None:
    """Only a whole left-most ``*`` label is a wildcard: ``f*``, ``*oo`` or inner ``*`` are not."""
    assert not name_matches(pattern, "foo.example.com")


def test_ip_san_matches_the_same_ip_host() -> None:
    """An IP SAN covers that IP, also in another spelling of the same IPv6 address."""
    assert name_matches("192.0.2.7", "192.0.2.7")
    assert name_matches("2001:db8::1", "2001:DB8:0:0::1")


def test_ip_san_does_not_match_another_ip() -> None:
    """An IP SAN covers only its own address."""
    assert not name_matches("192.0.2.7", "192.0.2.8")


def test_ip_san_does_not_cover_a_dns_name() -> None:
    """An IP SAN never covers a DNS host name."""
    assert not covers(["192.0.2.7"], "example.com")


def test_dns_wildcard_does_not_cover_an_ip_host() -> None:
    """``*.0.2.7`` is a DNS pattern: it does not cover the IP ``192.0.2.7``."""
    assert not name_matches("*.0.2.7", "192.0.2.7")
    assert not name_matches("*.2.7", "192.0.2.7")


def test_bracketed_ipv6_host_matches_its_ip_san() -> None:
    """``[::1]`` (as users type IPv6 hosts, and as ``is_ip`` accepts) is covered by SAN ``::1``."""
    assert is_ip("[::1]")
    assert name_matches("::1", "[::1]")


def test_covers_never_uses_the_common_name(ca: Pki) -> None:
    """A leaf whose CN is the site but whose SANs are not does not cover the site."""
    issued = pki.leaf(["other.example"], now=NOW, parent=ca.inter, cn="example.com")
    assert cf(issued).common_name == "example.com"
    assert not covers(cf(issued).sans, "example.com")


def test_covers_is_true_when_any_san_matches() -> None:
    """``covers`` is an OR over the SANs."""
    assert covers(["other.example", "*.example.com"], "www.example.com")
    assert not covers([], "www.example.com")


def test_name_set_normalises_case_and_trailing_dots() -> None:
    """SANs compare across layers without case or trailing-dot differences."""
    assert name_set(["WWW.Example.com.", "example.com"]) == name_set(
        ["www.example.com", "EXAMPLE.COM"]
    )


@given(
    suffix=st.lists(LABEL, min_size=2, max_size=4),
    host=st.lists(LABEL, min_size=1, max_size=7),
)
def test_wildcard_never_covers_a_name_with_another_label_count(
    suffix: list[str], host: list[str]
) -> None:
    """Property: ``*.<suffix>`` covers only names with exactly one label more than the suffix."""
    pattern = "*." + ".".join(suffix)
    name = ".".join(host)
    if len(host) != len(suffix) + 1:
        assert not name_matches(pattern, name)
    else:
        assert name_matches(pattern, name) == (host[1:] == suffix)


def test_to_ascii_converts_idn_to_a_labels() -> None:
    """``bücher.example`` becomes ``xn--bcher-kva.example``."""
    assert to_ascii("bücher.example") == "xn--bcher-kva.example"


def test_to_ascii_lowercases_and_drops_the_trailing_dot() -> None:
    """Upper case and a trailing dot are normalised away, for IDNs and ASCII names alike."""
    assert to_ascii("BÜCHER.Example.") == "xn--bcher-kva.example"
    assert to_ascii(" WWW.Example.COM. ") == "www.example.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("[2001:DB8::1]", "2001:db8::1"),
        ("2001:db8:0::1", "2001:db8::1"),
    ],
)
def test_to_ascii_normalises_ip_literals(value: str, expected: str) -> None:
    """IP literals pass through in canonical form, IPv6 brackets removed."""
    assert to_ascii(value) == expected


def test_to_ascii_keeps_sharp_s_as_browsers_do() -> None:
    """``straße.de`` is the domain browsers open: ``xn--strae-oqa.de``, not ``strasse.de``."""
    assert to_ascii("straße.de") == "xn--strae-oqa.de"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        ".",
        "a..example.com",
        "a" * 64 + ".example.com",
        ("a" * 60 + ".") * 5 + "com",
        "exa mple.com",
        "ex@mple.com",
        "example.com/path",
        "\x00.com",
    ],
)
def test_unusable_names_raise_host_name_error(value: str) -> None:
    """Empty names, empty or over-long labels, over-long names and bad characters raise."""
    with pytest.raises(HostNameError):
        to_ascii(value)


def test_host_name_error_is_a_value_error() -> None:
    """Callers that catch ValueError also catch HostNameError."""
    assert issubclass(HostNameError, ValueError)
