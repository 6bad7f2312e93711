"""The verdict is the browser's: a table of small odd chains built in memory.

For each chain the test asks cryptography's Web PKI verifier itself (``PolicyBuilder``),
then checks that ``analyse_chain`` reports the same verdict (``verifier_ok``, and a
trusted/private status only when it accepted), and that the layer's findings name the
rule that is broken (RFC 5280, the CA/B Forum Baseline Requirements, what browsers do):
critical when the verifier refused, a warning when it accepted anyway, and never the bare
fallback ``verifier_refused`` when a rule explains the refusal. No network.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID
from cryptography.x509.oid import ExtendedKeyUsageOID as EKU
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from layerscope.diagnose.layer import Thresholds, analyse_layer
from layerscope.lab import pki, pki_odd, pki_patch
from layerscope.lab.pki import Issued
from layerscope.lab.pki_odd import Ext, raw
from layerscope.model import Layer, ProbeResult, Role, Severity
from layerscope.model.names import is_ip
from layerscope.x509.certs import facts
from layerscope.x509.paths import analyse_chain
from layerscope.x509.stores import TrustStore

NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
HOST = "www.example.com"
SANS = [HOST, "example.com"]
UNKNOWN = "2.25.329800735698586629295641978511506172918"
ADDRESS = "192.0.2.1"


@dataclass(frozen=True)
class Case:
    """One chain of the table.

    Attributes:
        chain: as served, leaf first.
        roots: the trust store.
        refused: what cryptography's verifier decides (pinned: the test checks it).
        codes: findings the layer must carry (critical when refused, warning when
            accepted); empty when no rule is broken.
        host: the site name.
    """

    chain: tuple[Issued, ...]
    roots: tuple[Issued, ...]
    refused: bool
    codes: tuple[str, ...] = ()
    host: str = HOST


class Table:
    """Shared CAs of the table (EC P-256 unless said otherwise)."""

    def __init__(self) -> None:
        self.root = self.ca("Table Root CA", parent=None)
        self.inter = self.ca("Table Issuing CA")
        self.rsa_key = pki_odd.new_key("rsa2048")
        self.rsa_inter = self.ca("Table RSA Issuing CA", key=self.rsa_key)

    def ca(self, cn: str | x509.Name, parent: Issued | str | None = "root", **kw: Any) -> Issued:
        """A CA under ``parent`` (default the table's root; None: a root)."""
        up = self.root if parent == "root" else parent
        assert up is None or isinstance(up, Issued)
        return pki_odd.issue(cn, now=NOW, parent=up, ca=True, org="Table", **kw)

    def leaf(self, parent: Issued | None = None, **kw: Any) -> Issued:
        """A leaf for SANS under ``parent`` (default the table's intermediate)."""
        kw.setdefault("sans", SANS)
        subject = kw.pop("subject", HOST)
        return pki_odd.issue(subject, now=NOW, parent=parent or self.inter, **kw)

    def under(self, issuer: Issued, *, refused: bool, codes: Sequence[str] = (), **kw: Any) -> Case:
        """leaf + ``issuer`` (an intermediate under the root), the root trusted."""
        return Case((self.leaf(issuer, **kw), issuer), (self.root,), refused, tuple(codes))

    def plain(self, *, refused: bool, codes: Sequence[str] = (), **kw: Any) -> Case:
        """An odd leaf under the table's intermediate."""
        return self.under(self.inter, refused=refused, codes=codes, **kw)

    def rooted(self, root: Issued, *, refused: bool, codes: Sequence[str] = ()) -> Case:
        """leaf -> intermediate -> ``root`` (in the store)."""
        inter = self.ca("Table Issuing CA (odd root)", parent=root)
        return Case((self.leaf(inter), inter), (root,), refused, tuple(codes))


def _ku(*names: str) -> x509.KeyUsage:
    return pki_odd.key_usage(*names)


def _nc(
    permitted: Sequence[str] | None = None, excluded: Sequence[str] | None = None
) -> x509.NameConstraints:
    return pki_odd.name_constraints(permitted, excluded)


def _san(*names: str | x509.GeneralName) -> x509.SubjectAlternativeName:
    return x509.SubjectAlternativeName(
        [x509.DNSName(n) if isinstance(n, str) else n for n in names]
    )


def _ip(value: str) -> x509.IPAddress:
    return x509.IPAddress(ipaddress.ip_address(value))


def _nc_raw(tag: int, *general_names: bytes) -> Ext:
    """nameConstraints with raw GeneralSubtrees under [0] permitted (0xA0) or [1] excluded."""
    subtrees = b"".join(pki_patch.tlv(0x30, g) for g in general_names)
    body = pki_patch.tlv(tag, subtrees) if general_names else b""
    return raw(ExtensionOID.NAME_CONSTRAINTS, pki_patch.tlv(0x30, body), critical=True)


CASES: dict[str, Callable[[Table], Case]] = {}


def case(name: str) -> Callable[[Callable[[Table], Case]], Callable[[Table], Case]]:
    def register(build: Callable[[Table], Case]) -> Callable[[Table], Case]:
        assert name not in CASES
        CASES[name] = build
        return build

    return register


def _simple(name: str, *, refused: bool, codes: Sequence[str] = (), **leaf_kw: Any) -> None:
    CASES[name] = lambda t: t.plain(refused=refused, codes=codes, **leaf_kw)


def _inter(name: str, *, refused: bool, codes: Sequence[str] = (), **ca_kw: Any) -> None:
    CASES[name] = lambda t: t.under(t.ca(f"Table CA {name}", **ca_kw), refused=refused, codes=codes)


def _root(name: str, *, refused: bool, codes: Sequence[str] = (), **ca_kw: Any) -> None:
    CASES[name] = lambda t: t.rooted(
        t.ca(f"Table Root {name}", parent=None, **ca_kw), refused=refused, codes=codes
    )


# accepted, nothing wrong ------------------------------------------------------------------
_simple("ok-basic", refused=False)
_simple("ok-leaf-ku-digital-signature", refused=False, key_usage=_ku("digital_signature"))
_simple(
    "ok-leaf-eku-server-and-client",
    refused=False,
    extended_key_usage=pki_odd.eku(EKU.SERVER_AUTH, EKU.CLIENT_AUTH),
)
_simple("ok-wildcard-san", refused=False, sans=["*.example.com"], subject="*.example.com")
_simple("ok-uppercase-san", refused=False, sans=["WWW.Example.COM"], subject="WWW.Example.COM")
_simple(
    "ok-empty-subject-critical-san",
    refused=False,
    subject=x509.Name([]),
    subject_alt_name=Ext(_san(*SANS), True),
)
_simple("ok-serial-20-octets", refused=False, serial=(1 << 159) - 1)
_inter("ok-p384-intermediate", refused=False, key="p384")
_inter("ok-p521-intermediate", refused=False, key="p521")
_inter("ok-inter-eku-server-auth", refused=False, extended_key_usage=pki_odd.eku(EKU.SERVER_AUTH))
_inter(
    "ok-inter-any-eku", refused=False, extended_key_usage=pki_odd.eku(EKU.ANY_EXTENDED_KEY_USAGE)
)
_inter("ok-nc-permitted-match", refused=False, name_constraints=_nc(permitted=["example.com"]))
_inter("ok-nc-excluded-elsewhere", refused=False, name_constraints=_nc(excluded=["example.net"]))
_inter("ok-nc-ip-only-dns-san", refused=False, name_constraints=_nc(permitted=["10.0.0.0/8"]))
_inter(
    "ok-pathlen-0-leaf-below",
    refused=False,
    basic_constraints=x509.BasicConstraints(ca=True, path_length=0),
)


@case("ok-leaf-under-root")
def _ok_root(t: Table) -> Case:
    return Case((t.leaf(t.root),), (t.root,), False)


@case("ok-two-intermediates")
def _ok_two(t: Table) -> Case:
    upper = t.ca("Table Policy CA", basic_constraints=x509.BasicConstraints(ca=True, path_length=1))
    lower = t.ca("Table Issuing CA 2", parent=upper)
    return Case((t.leaf(lower), lower, upper), (t.root,), False)


@case("ok-rsa-intermediate")
def _ok_rsa(t: Table) -> Case:
    return Case((t.leaf(t.rsa_inter), t.rsa_inter), (t.root,), False)


@case("ok-rsa-pss-salt-32")
def _ok_pss(t: Table) -> Case:
    return Case((t.leaf(t.rsa_inter, pss=True), t.rsa_inter), (t.root,), False)


@case("ok-ip-host")
def _ok_ip(t: Table) -> Case:
    leaf = t.leaf(subject="192.0.2.10", subject_alt_name=_san(_ip("192.0.2.10")))
    return Case((leaf, t.inter), (t.root,), False, host="192.0.2.10")


# accepted, but against a Baseline Requirement or what browsers do: warnings ---------------
_simple("warn-cn-not-in-san", refused=False, codes=["cn_not_in_san"], subject="old.example.com")
_simple(
    "warn-underscore-san", refused=False, codes=["invalid_san"], sans=[*SANS, "api_v2.example.com"]
)
_simple(
    "warn-nested-wildcard-san",
    refused=False,
    codes=["invalid_san"],
    sans=[*SANS, "*.*.example.com"],
)
_simple(
    "warn-partial-wildcard-san",
    refused=False,
    codes=["invalid_san"],
    sans=[*SANS, "f*o.example.com"],
)
_simple("warn-leaf-rsa1024", refused=False, codes=["weak_key"], key="rsa1024")
_simple("warn-leaf-ed25519", refused=False, codes=["unsupported_algorithm"], key="ed25519")
_simple("warn-leaf-secp256k1", refused=False, codes=["unsupported_algorithm"], key="secp256k1")
_simple("warn-leaf-p224", refused=False, codes=["weak_key"], key="p224")
_simple(
    "warn-leaf-ku-crl-sign-only",
    refused=False,
    codes=["key_usage_forbids_tls"],
    key_usage=_ku("crl_sign"),
)
_simple(
    "warn-leaf-ku-key-agreement-only",
    refused=False,
    codes=["key_usage_forbids_tls"],
    key_usage=_ku("key_agreement"),
)
_simple(
    "warn-leaf-ski-critical",
    refused=False,
    codes=["extension_criticality"],
    subject_key_id=Ext(x509.SubjectKeyIdentifier(b"\x01" * 20), True),
)
_inter("warn-inter-no-aki", refused=False, codes=["key_identifier_missing"], authority_key_id=None)
_inter("warn-inter-no-ski", refused=False, codes=["key_identifier_missing"], subject_key_id=None)
_inter(
    "warn-inter-ku-not-critical",
    refused=False,
    codes=["extension_criticality"],
    key_usage=Ext(_ku("digital_signature", "key_cert_sign", "crl_sign"), False),
)

# refused: name constraints ----------------------------------------------------------------
_inter(
    "nc-permitted-outside",
    refused=True,
    codes=["name_constraint_violation"],
    name_constraints=_nc(permitted=["example.net"]),
)
_inter(
    "nc-excluded-match",
    refused=True,
    codes=["name_constraint_violation"],
    name_constraints=_nc(excluded=["example.com"]),
)
_inter(
    "nc-leading-dot",
    refused=True,
    codes=["name_constraints_malformed"],
    name_constraints=_nc(permitted=[".example.com"]),
)
_inter(
    "nc-empty", refused=True, codes=["name_constraints_malformed"], name_constraints=_nc_raw(0xA0)
)
_root(
    "nc-on-root",
    refused=True,
    codes=["name_constraint_violation"],
    name_constraints=_nc(permitted=["example.net"]),
)
_simple(
    "nc-on-leaf",
    refused=True,
    codes=["name_constraints_malformed"],
    name_constraints=_nc(permitted=["example.com"]),
)


@case("nc-ip-outside")
def _nc_ip(t: Table) -> Case:
    ca = t.ca("Table CA nc-ip", name_constraints=_nc(permitted=["10.0.0.0/8"]))
    leaf = t.leaf(ca, subject_alt_name=_san(*SANS, _ip("192.0.2.10")))
    return Case((leaf, ca), (t.root,), True, ("name_constraint_violation",))


@case("nc-bad-ip-mask")
def _nc_mask(t: Table) -> Case:
    mask = pki_patch.tlv(0x87, bytes([10, 0, 0, 0, 255, 0, 255, 0]))  # not contiguous
    ca = t.ca("Table CA nc-mask", name_constraints=_nc_raw(0xA0, mask))
    leaf = t.leaf(ca, subject_alt_name=_san(*SANS, _ip("10.0.0.1")))
    return Case((leaf, ca), (t.root,), True, ("name_constraints_malformed",))


@case("nc-wildcard-san-not-contained")
def _nc_wild(t: Table) -> Case:
    ca = t.ca("Table CA nc-wild", name_constraints=_nc(permitted=["www.example.com"]))
    leaf = t.leaf(ca, sans=["*.example.com"], subject="*.example.com")
    return Case((leaf, ca), (t.root,), True, ("name_constraint_violation",))


@case("nc-underscore-san-under-dns-constraint")
def _nc_underscore(t: Table) -> Case:
    ca = t.ca("Table CA nc-underscore", name_constraints=_nc(permitted=["example.com"]))
    leaf = t.leaf(ca, sans=[*SANS, "foo_bar.example.com"])
    return Case((leaf, ca), (t.root,), True, ("invalid_san",))


# refused: basicConstraints, path length ------------------------------------------------------
_inter(
    "inter-ca-false",
    refused=True,
    codes=["issuer_not_ca"],
    basic_constraints=x509.BasicConstraints(ca=False, path_length=None),
)
_inter("inter-no-bc", refused=True, codes=["issuer_not_ca"], basic_constraints=None)
_root("root-no-bc", refused=True, codes=["issuer_not_ca"], basic_constraints=None)
_simple(
    "leaf-is-ca",
    refused=True,
    codes=["ca_certificate_as_leaf"],
    basic_constraints=x509.BasicConstraints(ca=True, path_length=None),
)
_root(
    "root-pathlen-0",
    refused=True,
    codes=["path_length_exceeded"],
    basic_constraints=x509.BasicConstraints(ca=True, path_length=0),
)


@case("pathlen-0-one-below")
def _pathlen(t: Table) -> Case:
    upper = t.ca(
        "Table Policy CA (0)", basic_constraints=x509.BasicConstraints(ca=True, path_length=0)
    )
    lower = t.ca("Table Issuing CA (below 0)", parent=upper)
    return Case((t.leaf(lower), lower, upper), (t.root,), True, ("path_length_exceeded",))


# refused: key usages ---------------------------------------------------------------------
_simple(
    "leaf-eku-client-only",
    refused=True,
    codes=["eku_missing_server_auth"],
    extended_key_usage=pki_odd.eku(EKU.CLIENT_AUTH),
)
_simple(
    "leaf-eku-any-only",
    refused=True,
    codes=["eku_missing_server_auth"],
    extended_key_usage=pki_odd.eku(EKU.ANY_EXTENDED_KEY_USAGE),
)
_inter(
    "inter-eku-client-only",
    refused=True,
    codes=["eku_missing_server_auth"],
    extended_key_usage=pki_odd.eku(EKU.CLIENT_AUTH),
)
_simple(
    "leaf-ku-cert-sign",
    refused=True,
    codes=["key_usage_forbids_tls"],
    key_usage=_ku("key_cert_sign"),
)
_simple(
    "leaf-ku-cert-sign-and-ds",
    refused=True,
    codes=["key_usage_forbids_tls"],
    key_usage=_ku("digital_signature", "key_cert_sign"),
)
_inter(
    "inter-ku-no-cert-sign",
    refused=True,
    codes=["ca_missing_key_cert_sign"],
    key_usage=_ku("digital_signature", "crl_sign"),
)
_inter("inter-no-ku", refused=True, codes=["ca_missing_key_cert_sign"], key_usage=None)
_root(
    "root-ku-no-cert-sign",
    refused=True,
    codes=["ca_missing_key_cert_sign"],
    key_usage=_ku("crl_sign"),
)

# refused: extensions and their criticality ------------------------------------------------
_unknown = [raw(UNKNOWN, b"\x05\x00", critical=True)]
_simple("leaf-unknown-critical", refused=True, codes=["unknown_critical_extension"], extra=_unknown)
_inter("inter-unknown-critical", refused=True, codes=["unknown_critical_extension"], extra=_unknown)
_root("root-unknown-critical", refused=True, codes=["unknown_critical_extension"], extra=_unknown)
_inter(
    "inter-bc-not-critical",
    refused=True,
    codes=["extension_criticality"],
    basic_constraints=Ext(x509.BasicConstraints(ca=True, path_length=None), False),
)
_root(
    "root-bc-not-critical",
    refused=True,
    codes=["extension_criticality"],
    basic_constraints=Ext(x509.BasicConstraints(ca=True, path_length=None), False),
)
_simple(
    "leaf-eku-critical",
    refused=True,
    codes=["extension_criticality"],
    extended_key_usage=Ext(pki_odd.eku(EKU.SERVER_AUTH), True),
)
_simple(
    "leaf-san-critical-with-subject",
    refused=True,
    codes=["extension_criticality"],
    subject_alt_name=Ext(_san(*SANS), True),
)
_simple(
    "leaf-empty-subject-san-not-critical",
    refused=True,
    codes=["extension_criticality"],
    subject=x509.Name([]),
)
_simple(
    "leaf-aia-critical",
    refused=True,
    codes=["extension_criticality"],
    extra=[
        Ext(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier("http://ca.example/i.der"),
                    )
                ]
            ),
            True,
        )
    ],
)
_inter(
    "inter-ski-critical",
    refused=True,
    codes=["extension_criticality"],
    subject_key_id=Ext(x509.SubjectKeyIdentifier(b"\x02" * 20), True),
)


@case("leaf-aki-critical")
def _aki_critical(t: Table) -> Case:
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(t.inter.key.public_key())
    return t.plain(refused=True, codes=["extension_criticality"], authority_key_id=Ext(aki, True))


@case("inter-aki-critical")
def _inter_aki_critical(t: Table) -> Case:
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(t.root.key.public_key())
    ca = t.ca("Table CA aki-critical", authority_key_id=Ext(aki, True))
    return t.under(ca, refused=True, codes=["extension_criticality"])


# refused: names ---------------------------------------------------------------------------
_simple("leaf-no-san", refused=True, codes=["san_missing"], sans=())
_simple(
    "leaf-empty-subject-no-san", refused=True, codes=["empty_name"], subject=x509.Name([]), sans=()
)
_simple(
    "leaf-only-partial-wildcard",
    refused=True,
    codes=["hostname_mismatch", "invalid_san"],
    sans=["w*.example.com"],
    subject="w*.example.com",
)
_simple(
    "leaf-hostname-mismatch",
    refused=True,
    codes=["hostname_mismatch"],
    sans=["other.example.net"],
    subject="other.example.net",
)


@case("leaf-empty-issuer")
def _empty_issuer(t: Table) -> Case:
    return t.under(t.ca(x509.Name([])), refused=True, codes=["empty_name"])


# refused: validity of the CAs ---------------------------------------------------------------
_root("root-expired", refused=True, codes=["expired_root"], days_before=4000, days_after=-1)
_root("root-not-yet-valid", refused=True, codes=["not_yet_valid_ca"], days_before=-1)
_inter("inter-not-yet-valid", refused=True, codes=["not_yet_valid_ca"], days_before=-2)
_inter(
    "inter-expired", refused=True, codes=["expired_intermediate"], days_before=900, days_after=-1
)
_simple("leaf-expired", refused=True, codes=["expired"], days_before=100, days_after=-1)

# refused: algorithms ----------------------------------------------------------------------
_root("root-rsa1024", refused=True, codes=["weak_key"], key="rsa1024")
_inter("inter-rsa1024", refused=True, codes=["weak_key"], key="rsa1024")
_inter("inter-ed25519", refused=True, codes=["unsupported_algorithm"], key="ed25519")
_inter("inter-p224", refused=True, codes=["weak_key"], key="p224")
_inter("inter-secp256k1", refused=True, codes=["unsupported_algorithm"], key="secp256k1")
_root("root-ed25519", refused=True, codes=["unsupported_algorithm"], key="ed25519")


@case("leaf-rsa-pss-salt-20")
def _pss20(t: Table) -> Case:
    leaf = t.leaf(t.rsa_inter, pss=True, pss_salt=20)
    return Case((leaf, t.rsa_inter), (t.root,), True, ("unsupported_algorithm",))


@case("leaf-sha1")
def _sha1(t: Table) -> Case:
    leaf = pki.leaf(SANS, now=NOW, parent=t.rsa_inter, sha1=True)
    return Case((leaf, t.rsa_inter), (t.root,), True, ("weak_signature",))


# refused: key identifiers, serials, other -----------------------------------------------------
_simple("leaf-no-aki", refused=True, codes=["key_identifier_missing"], authority_key_id=None)
_simple("leaf-serial-22-octets", refused=True, codes=["invalid_serial"], serial=(1 << 168) | 1)
_simple("leaf-serial-negative", refused=True, codes=["invalid_serial"], serial=-4242)
_simple("leaf-generalized-time", refused=True, codes=["verifier_refused"], generalized_time=True)


@case("inter-aki-without-key-id")
def _aki_no_keyid(t: Table) -> Case:
    aki = x509.AuthorityKeyIdentifier(None, [x509.DirectoryName(t.root.cert.subject)], 1)
    ca = t.ca("Table CA aki-issuer-serial", authority_key_id=aki)
    return t.under(ca, refused=True, codes=["key_identifier_missing"])


@case("chain-deeper-than-8")
def _deep(t: Table) -> Case:
    cas = [t.root]
    for n in range(9):
        cas.append(t.ca(f"Table Deep CA {n}", parent=cas[-1]))
    return Case((t.leaf(cas[-1]), *reversed(cas[1:])), (t.root,), True, ("verifier_refused",))


# refused: the classics, still named as before -------------------------------------------------
@case("untrusted-root")
def _untrusted(t: Table) -> Case:
    other = t.ca("Table Unknown Root", parent=None)
    inter = t.ca("Table Unknown Issuing CA", parent=other)
    return Case((t.leaf(inter), inter), (t.root,), True, ("untrusted_root",))


@case("missing-intermediate")
def _missing(t: Table) -> Case:
    return Case((t.leaf(),), (t.root,), True, ("incomplete_chain",))


@case("self-signed-leaf")
def _self_signed(t: Table) -> Case:
    leaf = pki_odd.issue(HOST, now=NOW, parent=None, sans=SANS, authority_key_id=None)
    return Case((leaf,), (t.root,), True, ("self_signed",))


# the test ------------------------------------------------------------------------------------


class Built(dict[str, Case]):
    """Cases built on first use, each from its own seed (EC keys and serials reproducible)."""

    def __init__(self) -> None:
        super().__init__()
        with pki.deterministic(9009):
            self.table = Table()

    def __missing__(self, name: str) -> Case:
        with pki.deterministic(zlib.crc32(name.encode())):
            built = self[name] = CASES[name](self.table)
        return built


@pytest.fixture(scope="module")
def table() -> Built:
    """The table's shared CAs; cases are built as tests ask for them."""
    return Built()


def verdict(case: Case) -> tuple[bool, str]:
    """cryptography's own verdict: (accepted, message)."""
    subject: x509.GeneralName
    if is_ip(case.host):
        subject = x509.IPAddress(ipaddress.ip_address(case.host))
    else:
        subject = x509.DNSName(case.host)
    verifier = (
        PolicyBuilder()
        .store(Store([r.cert for r in case.roots]))
        .time(NOW)
        .build_server_verifier(subject)
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd serials make cryptography warn
            verifier.verify(case.chain[0].cert, [c.cert for c in case.chain[1:]])
    except VerificationError as exc:
        return False, str(exc)
    return True, ""


def analysed(case: Case) -> tuple[Layer, list[str], dict[str, Severity]]:
    """The layer as the inspector builds it, and its findings (codes, worst severity)."""
    chain = tuple(facts(c.der) for c in case.chain)
    store = TrustStore("table", tuple(facts(r.der) for r in case.roots))
    analysis = analyse_chain(chain, host=case.host, at=NOW, store=store)
    probe = ProbeResult(ADDRESS, 443, case.host, chain=chain, protocol="TLSv1.3")
    layer = Layer(Role.EDGE, ADDRESS, 443, "verdict table", probe, None, analysis)
    findings = analyse_layer(layer, case.host, Thresholds(at=NOW))
    severities: dict[str, Severity] = {}
    for f in findings:
        severities[f.code] = max(f.severity, severities.get(f.code, f.severity))
    return layer, [f.code for f in findings], severities


def test_the_table_is_big_enough() -> None:
    """Over fifty chains, both verdicts, and most refusal rules of codes.md."""
    assert len(CASES) >= 50


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdict_is_the_verifiers(table: Built, name: str) -> None:
    """verifier_ok is the verifier's verdict; trusted/private only when it accepted."""
    case = table[name]
    accepted, message = verdict(case)
    assert accepted is not case.refused, f"the verifier now says {message or 'OK'}"
    layer, _codes, _sev = analysed(case)
    assert layer.chain is not None
    assert layer.chain.verifier_ok is accepted
    assert (layer.chain.status.value in ("trusted", "private")) is accepted, layer.chain.status
    if not accepted:
        assert layer.chain.verifier_error, "the verifier's message is kept"


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_name_the_broken_rule(table: Built, name: str) -> None:
    """The expected findings are there, critical when refused and warnings when accepted;
    a refusal that a rule explains is never left to the fallback verifier_refused; an
    accepted chain never gets a critical finding."""
    case = table[name]
    _layer, codes, severities = analysed(case)
    expected = Severity.CRITICAL if case.refused else Severity.WARNING
    for code in case.codes:
        assert code in severities, f"{code} missing; got {codes}"
        assert severities[code] == expected, (code, severities[code])
    if case.refused:
        assert codes, "a refused chain without a finding"
        if "verifier_refused" not in case.codes:
            assert "verifier_refused" not in codes, codes
    else:
        assert all(s < Severity.CRITICAL for s in severities.values()), severities
        if not case.codes:
            assert not any(s >= Severity.WARNING for s in severities.values()), severities


# the builders the table relies on ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ec", "p384", "p521", "p224", "secp256k1", "ed25519"])
def test_odd_keys_are_reproducible_inside_deterministic(kind: pki_odd.KeyKind) -> None:
    """The same seed gives the same certificate, fingerprint included (not for RSA)."""
    ders = []
    for _ in range(2):
        with pki.deterministic(77):
            root = pki_odd.issue("Seeded Root", now=NOW, ca=True, key=kind)
            ders.append(pki_odd.issue(HOST, now=NOW, parent=root, sans=SANS).der)
    assert ders[0] == ders[1]


@pytest.mark.parametrize("serial", [-1, -128, -129, 0, 1, 127, 128, (1 << 159) - 1, 1 << 175])
def test_any_serial_can_be_built(serial: int) -> None:
    """Serials cryptography refuses to build are patched into the DER, still signed."""
    root = pki_odd.issue("Serial Root", now=NOW, ca=True)
    leaf = pki_odd.issue(HOST, now=NOW, parent=root, sans=SANS, serial=serial)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert leaf.cert.serial_number == serial
    leaf.cert.verify_directly_issued_by(root.cert)


def test_generalized_time_keeps_the_dates_and_the_signature() -> None:
    """The validity is re-encoded as GeneralizedTime (tag 0x18), same instants."""
    root = pki_odd.issue("Time Root", now=NOW, ca=True)
    plain = pki_odd.issue(HOST, now=NOW, parent=root, sans=SANS, serial=5)
    odd = pki_odd.issue(HOST, now=NOW, parent=root, sans=SANS, serial=5, generalized_time=True)
    assert odd.cert.not_valid_before_utc == plain.cert.not_valid_before_utc
    assert odd.cert.not_valid_after_utc == plain.cert.not_valid_after_utc
    assert b"\x18\x0f2026" in odd.cert.tbs_certificate_bytes
    assert b"\x18\x0f" not in plain.cert.tbs_certificate_bytes
    odd.cert.verify_directly_issued_by(root.cert)


def test_extensions_can_be_left_out_recriticised_or_raw() -> None:
    """None leaves an extension out, Ext sets its criticality, raw() sends DER as is."""
    root = pki_odd.issue("Ext Root", now=NOW, ca=True)
    leaf = pki_odd.issue(
        HOST,
        now=NOW,
        parent=root,
        sans=SANS,
        authority_key_id=None,
        basic_constraints=Ext(x509.BasicConstraints(ca=False, path_length=None), False),
        extra=[raw(UNKNOWN, b"\x05\x00", critical=True)],
    )
    exts = {e.oid.dotted_string: e.critical for e in leaf.cert.extensions}
    assert ExtensionOID.AUTHORITY_KEY_IDENTIFIER.dotted_string not in exts
    assert exts[ExtensionOID.BASIC_CONSTRAINTS.dotted_string] is False
    assert exts[UNKNOWN] is True
    assert exts[ExtensionOID.EXTENDED_KEY_USAGE.dotted_string] is False
