"""Lab sites for path validation (issue 9): one per way cryptography's Web PKI verifier
refuses a chain that links up by name and signature, plus a few chains it accepts although
they break a CA/B Forum Baseline Requirement.

Each site has an origin and one edge (a small lab starts fast) serving the same chain, so
each finding lands on both layers. The
chains hang under the lab's public root R1, except where the root itself is the problem
(those roots travel in :attr:`SiteSpec.roots` into the lab's trust stores). These sites
come after every other site: seeded labs keep the earlier sites' keys and fingerprints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from layerscope.lab import pki_odd
from layerscope.lab.hierarchy import LabPki
from layerscope.lab.pki import Issued
from layerscope.lab.pki_odd import Ext
from layerscope.lab.servers import Behaviour, LayerSpec
from layerscope.lab.services import LabServices
from layerscope.lab.site import ZONE, SiteSpec, lab_host

#: A critical extension no client knows (an OID under the UUID arc 2.25, never assigned).
UNKNOWN_OID = "2.25.329800735698586629295641978511506172918"


def pathval_sites(ca: LabPki, now: dt.datetime, services: LabServices) -> list[SiteSpec]:
    """The path-validation sites, in the order the demo shows them."""
    del services  # nothing to publish: every layer sends its whole chain
    sites: list[SiteSpec] = []
    org = "Lab Public Trust"

    def add(
        name: str, description: str, chain: tuple[Issued, ...], roots: tuple[Issued, ...] = ()
    ) -> None:
        layer = LayerSpec(Behaviour.TLS, chain)
        sites.append(SiteSpec(name, lab_host(name), description, layer, (layer,), roots=roots))

    def inter(cn: str | x509.Name, parent: Issued | None = None, **kw: Any) -> Issued:
        return pki_odd.issue(cn, now=now, parent=parent or ca.r1, ca=True, org=org, **kw)

    def leaf(name: str, parent: Issued, **kw: Any) -> Issued:
        kw.setdefault("sans", [lab_host(name), f"www.{lab_host(name)}"])
        return pki_odd.issue(kw.pop("subject", lab_host(name)), now=now, parent=parent, **kw)

    def simple(name: str, description: str, issuer: Issued, **kw: Any) -> None:
        add(name, description, (leaf(name, issuer, **kw), issuer))

    # name constraints ----------------------------------------------------------------
    simple(
        "nc-permitted",
        "The intermediate may only issue for example.com: the site's names are outside "
        "its permitted subtree.",
        inter(
            "Lab Constrained CA (example.com)",
            name_constraints=pki_odd.name_constraints(permitted=["example.com"]),
        ),
    )
    simple(
        "nc-excluded",
        "The intermediate's name constraints exclude the site's own name.",
        inter(
            "Lab Constrained CA (not nc-excluded)",
            name_constraints=pki_odd.name_constraints(excluded=[lab_host("nc-excluded")]),
        ),
    )
    simple(
        "nc-malformed",
        "The intermediate's name constraint '.lab.test' (leading dot) is not a valid DNS "
        "constraint: nothing below it can be checked.",
        inter(
            "Lab Constrained CA (malformed)",
            name_constraints=pki_odd.name_constraints(permitted=[f".{ZONE}"]),
        ),
    )

    # basicConstraints: who may issue --------------------------------------------------
    simple(
        "intermediate-not-ca",
        "The intermediate's basicConstraints say it is not a CA (cA false).",
        inter(
            "Lab Issuing CA (cA false)",
            basic_constraints=x509.BasicConstraints(ca=False, path_length=None),
        ),
    )
    simple(
        "intermediate-no-bc",
        "The intermediate has no basicConstraints extension at all.",
        inter("Lab Issuing CA (no basicConstraints)", basic_constraints=None),
    )
    simple(
        "leaf-is-ca",
        "The server certificate itself is a CA certificate (cA true).",
        ca.i1,
        basic_constraints=x509.BasicConstraints(ca=True, path_length=None),
    )
    policy = inter(
        "Lab Policy CA (pathLen 0)",
        basic_constraints=x509.BasicConstraints(ca=True, path_length=0),
    )
    issuing = inter("Lab Issuing CA (below pathLen 0)", parent=policy)
    add(
        "pathlen",
        "The upper intermediate allows no CA below it (pathLen 0), yet it issued another.",
        (leaf("pathlen", issuing), issuing, policy),
    )

    # key usages ------------------------------------------------------------------------
    simple(
        "eku-client-only",
        "The certificate's extended key usage is client authentication only.",
        ca.i1,
        extended_key_usage=pki_odd.eku(ExtendedKeyUsageOID.CLIENT_AUTH),
    )
    simple(
        "ku-cert-sign",
        "The certificate's key usage allows only signing certificates, not TLS.",
        ca.i1,
        key_usage=pki_odd.key_usage("key_cert_sign"),
    )
    simple(
        "ca-no-cert-sign",
        "The intermediate's key usage lacks keyCertSign: it may not sign certificates.",
        inter(
            "Lab Issuing CA (no keyCertSign)",
            key_usage=pki_odd.key_usage("digital_signature", "crl_sign"),
        ),
    )

    # extensions and names ----------------------------------------------------------------
    simple(
        "critical-unknown",
        "The certificate carries a critical extension no client knows.",
        ca.i1,
        extra=[pki_odd.raw(UNKNOWN_OID, b"\x05\x00", critical=True)],
    )
    simple(
        "bc-not-critical",
        "The intermediate's basicConstraints extension is not marked critical.",
        inter(
            "Lab Issuing CA (basicConstraints not critical)",
            basic_constraints=Ext(x509.BasicConstraints(ca=True, path_length=None), False),
        ),
    )
    simple(
        "empty-issuer",
        "The intermediate has an empty subject, so the certificate's issuer name is empty.",
        inter(x509.Name([])),
    )

    # validity of the CAs ------------------------------------------------------------------
    old_root = pki_odd.issue(
        "Lab Retired Root 2010", now=now, ca=True, org=org, days_before=5000, days_after=-30
    )
    below_old = inter("Lab Issuing CA (retired root)", parent=old_root, days_after=1000)
    add(
        "expired-root",
        "The chain ends at a root that is still in the trust store but expired a month ago.",
        (leaf("expired-root", below_old), below_old),
        roots=(old_root,),
    )
    simple(
        "future-intermediate",
        "The intermediate becomes valid only in three days.",
        inter("Lab Issuing CA (not yet valid)", days_before=-3),
    )

    # algorithms ------------------------------------------------------------------------------
    weak_root = pki_odd.issue("Lab Legacy Root 1024", now=now, ca=True, org=org, key="rsa1024")
    below_weak = inter("Lab Issuing CA (RSA-1024 root)", parent=weak_root)
    add(
        "weak-root",
        "The chain ends at a root in the trust store whose key is RSA-1024.",
        (leaf("weak-root", below_weak), below_weak),
        roots=(weak_root,),
    )
    simple(
        "ed25519",
        "The intermediate has an Ed25519 key, which the Web PKI does not allow.",
        inter("Lab Issuing CA (Ed25519)", key="ed25519"),
    )

    # subjectAltName ------------------------------------------------------------------------
    simple(
        "cn-only",
        "The certificate names the site only in its CN, without subjectAltName.",
        ca.i1,
        sans=(),
    )
    simple(
        "underscore-san",
        "Besides the site's names the certificate lists a name with an underscore, which "
        "CAs may no longer issue.",
        ca.i1,
        sans=[lab_host("underscore-san"), f"api_v2.{lab_host('underscore-san')}"],
    )
    simple(
        "partial-wildcard",
        "The only name is the partial wildcard partial-*.lab.test, which browsers never match.",
        ca.i1,
        subject=f"partial-*.{ZONE}",
        sans=[f"partial-*.{ZONE}"],
    )

    # accepted, but against the Baseline Requirements ------------------------------------
    simple(
        "cn-not-in-san",
        "The certificate's CN is an old name that is not among its subjectAltNames.",
        ca.i1,
        subject=f"old-name.{ZONE}",
    )
    simple(
        "no-aki",
        "The intermediate has no authorityKeyIdentifier.",
        inter("Lab Issuing CA (no AKI)", authority_key_id=None),
    )

    # refused for other reasons -------------------------------------------------------------
    simple(
        "leaf-no-aki",
        "The certificate has no authorityKeyIdentifier, which the verifier requires.",
        ca.i1,
        authority_key_id=None,
    )
    simple(
        "refused-other",
        "The certificate's validity is encoded as GeneralizedTime, which RFC 5280 allows "
        "only from 2050 on.",
        ca.i1,
        generalized_time=True,
    )
    return sites


__all__ = ["UNKNOWN_OID", "pathval_sites"]
