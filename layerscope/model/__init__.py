"""Frozen dataclasses and enums shared by the engine and every renderer.

Data flows one way: discover -> probe -> analyse -> compare -> findings -> render.
Every step returns values from this module; failures are values too (a layer that
timed out is a :class:`ProbeResult` with an :class:`ProbeError`, never an exception).
"""

from __future__ import annotations

from layerscope.model.cert import CertFacts, ChainAnalysis, PathStatus, UnparsedCert
from layerscope.model.kinds import SCHEMA_VERSION, CertType, ErrorKind, Role, Severity
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
