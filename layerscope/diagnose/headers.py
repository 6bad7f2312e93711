"""HTTP findings: mixed content, upgrade-insecure-requests, HSTS, and layers that differ."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from layerscope.model import Finding, HttpResult, Layer, Role, Severity
from layerscope.model.evidence import (
    CspUpgradeEvidence,
    HstsMissingEvidence,
    HttpDifference,
    HttpDiffersEvidence,
    HttpPolicy,
    LayerAnswer,
    MixedContentEvidence,
    MixedUrl,
)

MAX_URLS = 10


def _http(layer: Layer) -> HttpResult | None:
    http = layer.http
    return http if http is not None and http.error is None and http.status is not None else None


def http_findings(layer: Layer) -> list[Finding]:
    """Per-layer HTTP findings of the page fetched over ``layer``."""
    http = _http(layer)
    if http is None:
        return []
    here = (layer.address,)
    out: list[Finding] = []
    if http.upgrade_insecure:
        where = "CSP header" if http.upgrade_insecure == "header" else "meta tag"
        out.append(
            Finding(
                "csp_upgrade_insecure",
                Severity.INFO,
                here,
                "the page asks browsers to upgrade http:// subresources "
                f"(upgrade-insecure-requests in the {where})",
                CspUpgradeEvidence(source=http.upgrade_insecure, mixed_upgraded=len(http.mixed)),
            )
        )
    elif http.mixed:
        active = [m for m in http.mixed if m.active]
        passive = [m for m in http.mixed if not m.active]
        shown = (active + passive)[:MAX_URLS]
        what = (
            f"{len(active)} active (scripts, styles, frames, forms) and {len(passive)} passive"
            if active and passive
            else (f"{len(active)} active" if active else f"{len(passive)} passive")
        )
        out.append(
            Finding(
                "mixed_content",
                Severity.CRITICAL if active else Severity.WARNING,
                here,
                f"the page loads {what} http:// resource(s): "
                + ", ".join(f"<{m.element}> {m.url}" for m in shown[:3])
                + (" …" if len(http.mixed) > 3 else ""),
                MixedContentEvidence(
                    urls=[
                        MixedUrl(
                            element=m.element, attribute=m.attribute, url=m.url, active=m.active
                        )
                        for m in shown
                    ],
                    active=len(active),
                    passive=len(passive),
                    total=len(http.mixed),
                    path=http.path,
                ),
            )
        )
    if http.header("strict-transport-security") is None and http.status is not None:
        out.append(
            Finding(
                "hsts_missing",
                Severity.INFO,
                here,
                f"{layer.label} sends no Strict-Transport-Security header",
                HstsMissingEvidence(status=http.status, path=http.path),
            )
        )
    return out


def _policy(http: HttpResult) -> HttpPolicy:
    assert http.status is not None  # only pages that answered (see _http)
    return HttpPolicy(status=http.status, hsts=http.header("strict-transport-security") or "")


def http_differs(layers: Sequence[Layer]) -> list[Finding]:
    """One finding when the layers that answered disagree on status or HSTS policy."""
    answered = [(ly, h) for ly in layers if (h := _http(ly)) is not None]
    if len(answered) < 2:
        return []
    policies = {ly.address: _policy(h) for ly, h in answered}
    statuses = {p["status"] for p in policies.values()}
    hsts = {p["hsts"] for p in policies.values()}
    if len(statuses) < 2 and len(hsts) < 2:
        return []
    what = []
    differences: list[HttpDifference] = []
    if len(statuses) > 1:
        what.append("status codes " + ", ".join(str(s) for s in sorted(statuses)))
        differences.append("status")
    if len(hsts) > 1:
        what.append("HSTS policies")
        differences.append("hsts")
    # the layers that differ are the finding's: from the origin's answer when the origin
    # answered, else from the most common answer (ties: the first layer's)
    origin = next((ly for ly, _ in answered if ly.role is Role.ORIGIN), None)
    keys = {a: (p["status"], p["hsts"]) for a, p in policies.items()}
    if origin is not None:
        usual, than = keys[origin.address], "the origin"
    else:
        counts = Counter(keys.values())
        usual, than = max(keys.values(), key=lambda k: counts[k]), "the other layers"
    odd = tuple(ly.address for ly, _ in answered if keys[ly.address] != usual)
    return [
        Finding(
            "http_differs",
            Severity.WARNING,
            odd,
            f"{'this layer answers' if len(odd) == 1 else 'these layers answer'} with other "
            + " and ".join(what)
            + f" than {than}",
            HttpDiffersEvidence(
                layers=[LayerAnswer(address=a, **p) for a, p in policies.items()],
                differences=differences,
            ),
        )
    ]
