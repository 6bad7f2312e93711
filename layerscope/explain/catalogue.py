"""The dispatch table from finding code to remediation builder, and the public entry points."""

from __future__ import annotations

from collections.abc import Callable

from layerscope.explain.chain import (
    _expired_intermediate,
    _incomplete_chain,
    _private_ca,
    _root_in_chain,
    _self_signed,
    _trust_store_dependent,
    _unrelated_cert,
    _untrusted_root,
    _weak_key,
    _weak_signature,
    _wrong_order,
)
from layerscope.explain.connection import _handshake_failed, _not_tls, _unreachable
from layerscope.explain.context import RemediationContext, _visible
from layerscope.explain.filechain import FILE_BUILDERS
from layerscope.explain.files import _key_mismatch, _not_a_certificate
from layerscope.explain.fill import _Fill
from layerscope.explain.layers import (
    _cdn_managed,
    _cert_type_missing,
    _chain_differs,
    _edge_ahead,
    _edges_disagree,
    _key_differs,
    _san_differs,
    _stale_edge,
)
from layerscope.explain.parse import _unparseable
from layerscope.explain.pathval import BUILDERS as PATHVAL_BUILDERS
from layerscope.explain.reload import _reload_needed
from layerscope.explain.steps import _done
from layerscope.explain.validity import (
    _default_cert,
    _expired,
    _expiring_soon,
    _hostname_mismatch,
    _not_yet_valid,
    _revoked,
)
from layerscope.explain.web import (
    _csp_upgrade,
    _hsts_missing,
    _http_differs,
    _mixed_content,
    _ocsp_invalid,
    _ocsp_missing,
)
from layerscope.model import Remediation


def _generic(f: _Fill, code: str) -> Remediation:
    return _done(
        f,
        f"layerscope reported {_visible(code, 60)} for {f.layer_text}.",
        "See the finding's summary and evidence.",
        (),
        verify=f.check(),
        verify_text="Check again after any change.",
    )


_BUILDERS: dict[str, Callable[[_Fill], Remediation]] = {
    "unreachable": _unreachable,
    "not_tls": _not_tls,
    "handshake_failed": _handshake_failed,
    "expired": _expired,
    "expiring_soon": _expiring_soon,
    "not_yet_valid": _not_yet_valid,
    "hostname_mismatch": _hostname_mismatch,
    "self_signed": _self_signed,
    "untrusted_root": _untrusted_root,
    "private_ca": _private_ca,
    "incomplete_chain": _incomplete_chain,
    "wrong_order": _wrong_order,
    "root_in_chain": _root_in_chain,
    "unrelated_cert_in_chain": _unrelated_cert,
    "expired_intermediate": _expired_intermediate,
    "weak_signature": _weak_signature,
    "weak_key": _weak_key,
    "default_cert_without_sni": _default_cert,
    "trust_store_dependent": _trust_store_dependent,
    "ocsp_staple_missing": _ocsp_missing,
    "ocsp_staple_invalid": _ocsp_invalid,
    "revoked": _revoked,
    "unparseable_certificate": _unparseable,
    "not_a_certificate": _not_a_certificate,
    "key_mismatch": _key_mismatch,
    "reload_needed": _reload_needed,
    "stale_edge": _stale_edge,
    "cert_type_missing": _cert_type_missing,
    "edge_ahead_of_origin": _edge_ahead,
    "edges_disagree": _edges_disagree,
    "chain_differs_from_origin": _chain_differs,
    "key_differs": _key_differs,
    "san_differs": _san_differs,
    "cdn_managed_certificate": _cdn_managed,
    "mixed_content": _mixed_content,
    "csp_upgrade_insecure": _csp_upgrade,
    "hsts_missing": _hsts_missing,
    "http_differs": _http_differs,
    **PATHVAL_BUILDERS,
}

REMEDIATION_CODES: frozenset[str] = frozenset(_BUILDERS)
"""Every finding code with specific remediation content."""


def remediation_for(code: str, ctx: RemediationContext) -> Remediation:
    """Remediation for ``code``, filled with the values of ``ctx``.

    Unknown codes get a generic remediation (reproduce and re-check commands); this never
    raises on odd evidence.
    """
    fill = _Fill(ctx, code)
    builder = (FILE_BUILDERS.get(code) if fill.file else None) or _BUILDERS.get(code)
    if builder is None:
        return _generic(fill, code)
    return builder(fill)


def reproduce_command(ctx: RemediationContext) -> str:
    """The command that shows what this layer serves (for layers without findings too)."""
    return _Fill(ctx).showcerts()
