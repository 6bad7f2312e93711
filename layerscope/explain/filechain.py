"""Remediations of the chain and validity codes for a certificate file that is not
deployed yet (role ``file``): what to put in the file, with the exact ``cat`` and
``openssl`` commands, before any reload.

Only the codes whose fix is about the file's contents are here; the others use their
usual builder, whose origin steps become steps on the file (see ``_by_role``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from layerscope.explain.context import _q
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import _by_role, _done, _renew_origin
from layerscope.model import Remediation, Step
from layerscope.model.evidence import (
    ExpiredEvidence,
    FoundCert,
    HostnameMismatchEvidence,
    IncompleteChainEvidence,
    NotYetValidEvidence,
    RootInChainEvidence,
    UnrelatedCertEvidence,
    WrongOrderEvidence,
    records_of,
)

_FIXED = "fullchain.fixed.pem"
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?=&%+@-]+")


def _write(f: _Fill, text: str) -> Step:
    """layerscope writes the file it should have been (leaf, intermediates, no root)."""
    return Step("file", text, (f.preflight(output=_FIXED),))


def _order(f: _Fill) -> tuple[int, ...]:
    """The file positions (1-based) of the expected order, from the evidence's subjects."""
    ev = f.of(WrongOrderEvidence)
    served = list(f.strings(ev["served_order"]))
    out: list[int] = []
    for subject in f.strings(ev["expected_order"]):
        free = [i for i, s in enumerate(served, 1) if s == subject and i not in out]
        if free:
            out.append(free[0])
    return tuple(out)


def _wrong_order(f: _Fill) -> Remediation:
    order = _order(f)
    leaf_not_first = bool(order) and order[0] != 1
    cat = " ".join(f"cert{i}.pem" for i in order)
    steps = [
        Step(
            "file",
            "See what the file holds, in order: each certificate's issuer must be the next "
            "one's subject, the leaf first.",
            (f.showcerts(),),
        ),
        Step(
            "file",
            "Split the file and concatenate the certificates in path order"
            + (f" (certificates {', '.join(map(str, order))})." if order else "."),
            (f.split(), f"cat {cat or 'cert1.pem cert2.pem'} > fullchain.pem"),
        ),
        _write(f, "Or let layerscope write the file in order (leaf, intermediates, no root):"),
    ]
    return _done(
        f,
        "The file's certificates are not in order: leaf first, then the certificate that "
        "signed it, and so on.",
        "Servers take the first certificate of the file as theirs: with a CA certificate "
        "first they refuse the key (key values mismatch) and do not start."
        if leaf_not_first
        else "Most browsers reorder them, but some clients (older OpenSSL, Java, embedded "
        "devices) fail and report untrusted.",
        steps,
        verify=f.check(),
    )


def _incomplete_chain(f: _Fill) -> Remediation:
    ev = f.of(IncompleteChainEvidence)
    missing = f.text(ev["missing"])
    sources = [str(c["source"] or "") for c in records_of(ev["found"], FoundCert)]
    candidates = [
        *f.strings(ev["ca_issuers"]),
        *(s.removeprefix("AIA ") for s in sources if s.startswith("AIA ")),
    ]
    urls = [u for u in candidates if _URL.fullmatch(u)]
    fetch = (
        (
            f"curl -sf -o intermediate.der {_q(urls[0])}",
            "openssl x509 -inform DER -in intermediate.der -out intermediate.pem",
        )
        if urls
        else (f"openssl x509 -in {f.cert_path} -noout -ext authorityInfoAccess | cat -v",)
    )
    steps = [
        Step(
            "file",
            "Get the intermediate from the CA (the leaf's CA Issuers URL). With certbot, use "
            "fullchain.pem, not cert.pem.",
            fetch,
        ),
        Step(
            "file",
            "Append it after the leaf; openssl verify must say OK.",
            (
                f"cat {f.cert_path} intermediate.pem > fullchain.pem",
                "openssl verify -untrusted intermediate.pem fullchain.pem",
            ),
        ),
    ]
    if any(sources):  # found (at an AIA URL): layerscope can write the whole file
        steps.append(_write(f, "Or let layerscope write the complete file:"))
    return _done(
        f,
        "The file lacks the intermediate certificate(s) between the leaf and a trusted root"
        + (f" ({missing})." if missing else "."),
        "Clients that do not happen to have the intermediate cached (curl, Java, Android "
        "apps, many browsers) cannot build a path to a root: untrusted.",
        steps,
        verify=f.check(),
    )


def _drop(f: _Fill, what: str, meaning: str, why: str) -> Remediation:
    steps = (
        Step(
            "file",
            f"Split the file and concatenate the leaf and its intermediates only, without {what}.",
            (f.split(), f.showcerts()),
        ),
        _write(f, "Or let layerscope write the file as it should be:"),
    )
    return _done(f, meaning, why, steps, verify=f.check())


def _root_in_chain(f: _Fill) -> Remediation:
    root = f.text(f.of(RootInChainEvidence)["root"])
    return _drop(
        f,
        "the root (the last, self-signed certificate)",
        "The file also holds the self-signed root" + (f" ({root})." if root else "."),
        "Harmless for trust (clients use their own copy), but it wastes bytes in every "
        "handshake and can break paths when the CA is cross-signed.",
    )


def _unrelated_cert(f: _Fill) -> Remediation:
    extra = f.text(f.of(UnrelatedCertEvidence)["unrelated"])
    return _drop(
        f,
        "the certificates that are not on the path",
        "The file holds a certificate that is not on the path to the root"
        + (f" ({extra})." if extra else ".")
        + " A copy of one on the path counts too.",
        "Usually a leftover intermediate of a previous CA or a duplicate; strict clients may "
        "pick the wrong one and fail.",
    )


def _hostname_mismatch(f: _Fill) -> Remediation:
    names = f.text(f.of(HostnameMismatchEvidence)["names"])
    steps = (
        Step(
            "file",
            f"See the names the certificate covers: {f.host_text} must be one of them. Maybe "
            "this is another site's certificate: use the one issued for this name.",
            (f"openssl x509 -in {f.cert_path} -noout -ext subjectAltName | cat -v",),
        ),
        *_by_role(f, (_renew_origin(f, f"Otherwise reissue it with {f.host_text}."),), ()),
    )
    return _done(
        f,
        f"The certificate in the file does not cover {f.host_text}"
        + (f" (it covers: {names})." if names else "."),
        "Browsers accept a certificate only if its SANs list the site name "
        "(NET::ERR_CERT_COMMON_NAME_INVALID); the CN is ignored, a wildcard covers one label.",
        steps,
        verify=f.check(),
    )


def _dates(f: _Fill, meaning: str, why: str, text: str) -> Remediation:
    steps = (
        Step("file", text, (f"openssl x509 -in {f.cert_path} -noout -subject -dates | cat -v",)),
        *_by_role(f, (_renew_origin(f, "Otherwise get a new certificate (certbot shown):"),), ()),
    )
    return _done(f, meaning, why, steps)


def _expired(f: _Fill) -> Remediation:
    when = f.text(f.of(ExpiredEvidence)["not_after"])
    return _dates(
        f,
        "The certificate in the file has expired" + (f" (not after {when})." if when else "."),
        "Browsers reject certificates outside their validity period (NET::ERR_CERT_DATE_INVALID).",
        "This is probably the old certificate: use the renewed one (certbot keeps it in "
        f"/etc/letsencrypt/live/{f.name}/fullchain.pem).",
    )


def _not_yet_valid(f: _Fill) -> Remediation:
    when = f.text(f.of(NotYetValidEvidence)["not_before"])
    return _dates(
        f,
        "The certificate in the file is not valid yet"
        + (f" (not before {when})." if when else "."),
        "Browsers reject a certificate before its start date: deploy it then, not now "
        "(or the issuing machine's clock is wrong).",
        "Keep the current certificate until the start date; check the clocks.",
    )


FILE_BUILDERS: dict[str, Callable[[_Fill], Remediation]] = {
    "wrong_order": _wrong_order,
    "incomplete_chain": _incomplete_chain,
    "root_in_chain": _root_in_chain,
    "unrelated_cert_in_chain": _unrelated_cert,
    "hostname_mismatch": _hostname_mismatch,
    "expired": _expired,
    "not_yet_valid": _not_yet_valid,
}
"""Builders used instead of the usual ones for a certificate file (role ``file``)."""

__all__ = ["FILE_BUILDERS"]
