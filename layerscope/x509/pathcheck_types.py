"""The value every path rule returns (kept apart so the rule modules need not import each
other)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from layerscope.model import CertFacts
from layerscope.model.evidence import CertRef


@dataclass(frozen=True)
class Violation:
    """One certificate on the path breaking one rule.

    Attributes:
        code: the finding code it becomes.
        summary: one sentence with the facts (which certificate, which field, what it has).
        evidence: JSON-compatible facts behind the summary, built with the code's shape
            (:data:`layerscope.model.evidence.SHAPES`); the pipeline adds ``role``.
        enforced: the browser-grade verifier refuses chains that break this rule; False for
            rules only the CA/Browser Forum Baseline Requirements or some browsers state.
            Whether the finding is critical is decided with the verifier's verdict.
    """

    code: str
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    enforced: bool = True


def cert_ref(cert: CertFacts) -> CertRef:
    """Subject and fingerprint: which certificate a violation is about."""
    return CertRef(subject=cert.subject, sha256=cert.sha256)


__all__ = ["Violation", "cert_ref"]
