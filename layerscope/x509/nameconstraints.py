"""Name constraints (RFC 5280 4.2.1.10): does a CA on the path allow the leaf's names?

Only the name types the Web PKI uses are judged: dNSName and iPAddress. A DNS constraint
``example.com`` covers the name itself and every name below it (a leading dot is not a DNS
name: clients refuse it as malformed). A wildcard SAN ``*.example.com`` stands for every
name one label below ``example.com``: it is inside a permitted subtree only when all of
them are, and it hits an excluded subtree when any of them does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from layerscope.x509.pathcheck_names import valid_dns_san

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddr = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class NameViolation:
    """One leaf name that a CA's constraints do not allow.

    Attributes:
        kind: "permitted" (outside every permitted subtree) or "excluded" (inside one).
        constraint: the subtree in words, e.g. "permitted DNS example.com".
        name: the leaf's name.
    """

    kind: str
    constraint: str
    name: str


def _dns_in(constraint: str, name: str) -> bool:
    c = constraint.lower()
    n = name.lower()
    if not c:
        return True  # an empty dNSName constraint is every name
    return n == c or n.endswith("." + c)


def _wildcard_hits(constraint: str, base: str) -> bool:
    """Can ``*.base`` match a name inside the subtree ``constraint``?"""
    c = constraint.lower()
    return _dns_in(c, base) or c.partition(".")[2] == base.lower()


def _valid_constraint(value: str) -> bool:
    """A domain name (no wildcard): the same syntax as a SAN's host name."""
    return "*" not in value and valid_dns_san(value)


def _dns_text(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "(none)"


def malformed_reason(nc: x509.NameConstraints) -> str:
    """Why a nameConstraints value cannot be used ("" when it can)."""
    permitted = list(nc.permitted_subtrees or ())
    excluded = list(nc.excluded_subtrees or ())
    if not permitted and not excluded:
        return "it lists neither permitted nor excluded subtrees"
    for tree in (*permitted, *excluded):
        if isinstance(tree, x509.DNSName):
            value = tree.value
            if value.startswith(".") or not _valid_constraint(value):
                return f"the DNS constraint '{value}' is not a domain name"
    return ""


_UNSUPPORTED: tuple[tuple[type[x509.GeneralName], str], ...] = (
    (x509.OtherName, "otherName"),
    (x509.UniformResourceIdentifier, "URI"),
    (x509.RegisteredID, "registeredID"),
)


def unsupported_reason(nc: x509.NameConstraints, names: Sequence[x509.GeneralName]) -> str:
    """Why a constraint cannot be checked against ``names`` ("" when it can): clients cannot
    evaluate otherName, URI or registeredID constraints and refuse the chain when a name of
    that form sits below them."""
    trees = (*(nc.permitted_subtrees or ()), *(nc.excluded_subtrees or ()))
    for kind, label in _UNSUPPORTED:
        if any(isinstance(t, kind) for t in trees) and any(isinstance(n, kind) for n in names):
            return f"{label} constraints cannot be checked by clients (a {label} name is below)"
    return ""


def violations(
    nc: x509.NameConstraints, dns_names: Sequence[str], ips: Sequence[IPAddr]
) -> list[NameViolation]:
    """Every leaf name ``nc`` does not allow (DNS names and IP addresses)."""
    out: list[NameViolation] = []
    permitted = list(nc.permitted_subtrees or ())
    excluded = list(nc.excluded_subtrees or ())
    p_dns = [t.value for t in permitted if isinstance(t, x509.DNSName)]
    e_dns = [t.value for t in excluded if isinstance(t, x509.DNSName)]
    p_ip = _networks(permitted)
    e_ip = _networks(excluded)
    for name in dns_names:
        wild = name.startswith("*.")
        base = name[2:] if wild else name
        hit = next(
            (c for c in e_dns if (_wildcard_hits(c, base) if wild else _dns_in(c, name))), None
        )
        if hit is not None:
            out.append(NameViolation("excluded", f"excluded DNS {hit or '(every name)'}", name))
            continue
        if p_dns and not any(_dns_in(c, base) for c in p_dns):
            out.append(NameViolation("permitted", f"permitted DNS {_dns_text(p_dns)}", name))
    for ip in ips:
        net = next((n for n in e_ip if n.version == ip.version and ip in n), None)
        if net is not None:
            out.append(NameViolation("excluded", f"excluded IP {net}", str(ip)))
            continue
        same_family = [n for n in p_ip if n.version == ip.version]
        if p_ip and not any(ip in n for n in same_family):
            listed = ", ".join(str(n) for n in p_ip)
            out.append(NameViolation("permitted", f"permitted IP {listed}", str(ip)))
    return out


def _networks(trees: Sequence[x509.GeneralName]) -> list[IPNetwork]:
    out: list[IPNetwork] = []
    for tree in trees:
        if isinstance(tree, x509.IPAddress):
            value = tree.value
            if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
                out.append(value)
    return out


__all__ = ["NameViolation", "malformed_reason", "unsupported_reason", "violations"]
