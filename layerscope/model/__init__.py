"""Frozen dataclasses and enums shared by the engine and every renderer.

Data flows one way: discover -> probe -> analyse -> compare -> findings -> render.
Every step returns values from this module; failures are values too (a layer that
timed out is a :class:`ProbeResult` with an :class:`ProbeError`, never an exception).
"""

from __future__ import annotations

import importlib

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False


if TYPE_CHECKING:
    from typing import Any

    from layerscope.model.cert import CertFacts, ChainAnalysis, UnparsedCert
    from layerscope.model.kinds import (
        SCHEMA_VERSION,
        CertType,
        ErrorKind,
        PathStatus,
        Role,
        Severity,
    )
    from layerscope.model.layer import (
        Discovery,
        HttpResult,
        Layer,
        MixedRef,
        OcspResult,
        OcspState,
        ProbeError,
        ProbeResult,
        cert_type_of,
    )
    from layerscope.model.report import Finding, Remediation, Report, Step, TypedReference

#: Where each name lives: the package loads a module when one of its names is first used
#: (``from layerscope.model import Layer``), so a command that needs one module (the
#: command line's option table needs ``model.options``) does not load them all.
_HOMES = {
    **dict.fromkeys(("CertFacts", "ChainAnalysis", "UnparsedCert"), "cert"),
    **dict.fromkeys(
        ("SCHEMA_VERSION", "CertType", "ErrorKind", "PathStatus", "Role", "Severity"), "kinds"
    ),
    **dict.fromkeys(
        (
            "Discovery",
            "HttpResult",
            "Layer",
            "MixedRef",
            "OcspResult",
            "OcspState",
            "ProbeError",
            "ProbeResult",
            "cert_type_of",
        ),
        "layer",
    ),
    **dict.fromkeys(("Finding", "Remediation", "Report", "Step", "TypedReference"), "report"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "SCHEMA_VERSION",
    "CertFacts",
    "CertType",
    "ChainAnalysis",
    "Discovery",
    "ErrorKind",
    "Finding",
    "HttpResult",
    "Layer",
    "MixedRef",
    "OcspResult",
    "OcspState",
    "PathStatus",
    "ProbeError",
    "ProbeResult",
    "Remediation",
    "Report",
    "Role",
    "Severity",
    "Step",
    "TypedReference",
    "UnparsedCert",
    "cert_type_of",
]
