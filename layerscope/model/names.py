"""Host names: IDNA conversion and certificate name matching (RFC 6125, no CN fallback)."""

from __future__ import annotations

from collections.abc import Iterable


class HostNameError(ValueError):
    """A host name that cannot be used (empty, too long, not encodable)."""


def to_ascii(host: str) -> str:
    """The A-label form of ``host`` (``bücher.example`` -> ``xn--bcher-kva.example``).

    IP addresses and already-ASCII names pass through, lower-cased, without trailing dot.
    """
    import ipaddress

    name = host.strip().rstrip(".").lower()
    if not name:
        raise HostNameError("empty host name")
    if is_ip(name):
        return str(ipaddress.ip_address(name.strip("[]")))
    if name.isascii():
        ascii_name = name
    else:
        import idna  # only for international names

        try:
            # IDNA 2008 with UTS #46 non-transitional mapping, as browsers do ("ß" stays)
            ascii_name = idna.encode(name, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise HostNameError(f"{host!r} is not a valid international domain name") from exc
    if len(ascii_name) > 253 or any(not 0 < len(lbl) <= 63 for lbl in ascii_name.split(".")):
        raise HostNameError(f"{host!r} is not a valid host name (label or name too long)")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-_.*")
    if not set(ascii_name) <= allowed:
        raise HostNameError(f"{host!r} contains characters not allowed in a host name")
    return ascii_name


def bracketed(address: str) -> str:
    """An IPv6 address in brackets, as URLs, ``host:port`` and curl's ``--resolve`` want it;
    anything else unchanged."""
    return f"[{address}]" if ":" in address else address


def host_port(address: str, port: int) -> str:
    """``address:port`` with IPv6 in brackets."""
    return f"{bracketed(address)}:{port}"


def is_ip(value: str) -> bool:
    """True for an IPv4 or IPv6 literal (brackets allowed)."""
    import ipaddress

    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def name_matches(pattern: str, host: str) -> bool:
    """Does one SAN entry cover ``host``? As the Web PKI verifier decides: a wildcard covers
    exactly one left-most label; a SAN with a trailing dot, a partial (``f*o``) or nested
    wildcard covers nothing (``*.com`` is matched: the public-suffix rule is reported as
    ``invalid_san``, not here)."""
    import ipaddress

    pattern = pattern.lower()
    host = host.lower().rstrip(".")
    if is_ip(host):
        host = host.strip("[]")
        return is_ip(pattern) and ipaddress.ip_address(pattern.strip("[]")) == ipaddress.ip_address(
            host
        )
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    suffix = pattern[2:]
    if "*" in suffix or not suffix or suffix.endswith("."):
        return False  # nested wildcards never match
    first, _, rest = host.partition(".")
    return bool(first) and rest == suffix


def covers(sans: Iterable[str], host: str) -> bool:
    """True when any SAN covers ``host``."""
    return any(name_matches(san, host) for san in sans)


def name_set(sans: Iterable[str]) -> frozenset[str]:
    """SANs normalised for comparison across layers."""
    return frozenset(s.lower().rstrip(".") for s in sans)
