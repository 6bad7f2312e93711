"""The lab's certificate authorities: public roots and intermediates, a company CA, a
rogue CA, all made afresh by :func:`make_pki` with dates relative to the lab's clock.

The order in which :func:`make_pki` creates them is part of the lab's contract: inside
:func:`layerscope.lab.pki.deterministic` every key and serial is drawn in that order, so
changing it changes every fingerprint the snapshot tests hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from layerscope.lab import pki
from layerscope.lab.pki import Issued


@dataclass(frozen=True)
class LabPki:
    """The lab's certificate authorities.

    Attributes:
        r1: public root 1 (in both stores).
        r2: public root 2 (in both stores), cross-signs i1.
        x3: a new public root only modern stores have.
        company: the company's private root (trusted only with --extra-ca).
        rogue: a root nobody trusts.
        i1: main public intermediate (under r1).
        i1x: i1 cross-signed by r2 (same subject and key).
        i2a: first of a two-level intermediate chain (under r1).
        i2b: second level (under i2a).
        iexp: an expired intermediate (under r1).
        iold: an old intermediate left over from a previous CA.
        icdn: the CDN's own intermediate (under r1).
        inew: intermediate under the new root x3.
        icompany: company intermediate.
        irogue: intermediate under the rogue root.
        irsa: an RSA intermediate for SHA-1 signatures.
        i3: an intermediate no layer sends (published only at an AIA URL).
    """

    r1: Issued
    r2: Issued
    x3: Issued
    company: Issued
    rogue: Issued
    i1: Issued
    i1x: Issued
    i2a: Issued
    i2b: Issued
    iexp: Issued
    iold: Issued
    icdn: Issued
    inew: Issued
    icompany: Issued
    irogue: Issued
    irsa: Issued
    i3: Issued


def make_pki(now: dt.datetime) -> LabPki:
    """Generate every CA of the lab (fresh keys, dates relative to ``now``)."""
    r1 = pki.ca("Lab Public Root R1", now=now, org="Lab Public Trust")
    r2 = pki.ca("Lab Public Root R2", now=now, org="Lab Public Trust")
    x3 = pki.ca("Lab Public Root X3", now=now, days_before=30, org="Lab Public Trust")
    company = pki.ca("Example Corp Internal Root", now=now, org="Example Corp")
    rogue = pki.ca("Totally Legit Root CA", now=now, org="Unknown")
    i1 = pki.ca("Lab Issuing CA 1", now=now, parent=r1, org="Lab Public Trust", days_after=1500)
    i1x = pki.ca(
        "Lab Issuing CA 1", now=now, parent=r2, key=i1.key, org="Lab Public Trust", days_after=1500
    )
    i2a = pki.ca("Lab Policy CA 2A", now=now, parent=r1, org="Lab Public Trust")
    i2b = pki.ca("Lab Issuing CA 2B", now=now, parent=i2a, org="Lab Public Trust")
    iexp = pki.ca(
        "Lab Issuing CA 2019",
        now=now,
        parent=r1,
        org="Lab Public Trust",
        days_before=2000,
        days_after=-2,
    )
    iold = pki.ca("Lab Legacy Issuing CA", now=now, parent=r1, org="Lab Public Trust")
    icdn = pki.ca("FastEdge Lab CDN CA", now=now, parent=r1, org="FastEdge Lab")
    inew = pki.ca("Lab Issuing CA X3-1", now=now, parent=x3, org="Lab Public Trust")
    icompany = pki.ca("Example Corp Issuing CA", now=now, parent=company, org="Example Corp")
    irogue = pki.ca("Totally Legit Issuing CA", now=now, parent=rogue, org="Unknown")
    irsa = pki.ca(
        "Lab Legacy RSA CA", now=now, parent=r1, key=pki.new_key("rsa2048"), org="Lab Public Trust"
    )
    i3 = pki.ca("Lab Issuing CA 3", now=now, parent=r1, org="Lab Public Trust")
    return LabPki(
        r1, r2, x3, company, rogue, i1, i1x, i2a, i2b, iexp, iold, icdn, inew, icompany, irogue,
        irsa, i3,
    )  # fmt: skip


__all__ = ["LabPki", "make_pki"]
