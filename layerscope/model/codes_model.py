"""The shape of a catalogue entry (kept apart so the tables can be split by scope)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from layerscope.model import Severity

Scope = Literal["layer", "site", "http"]
"""Where a finding applies: one layer, the site across its layers, or one layer's page."""

SCOPES: tuple[Scope, ...] = ("layer", "site", "http")
"""Every scope, in the order the documentation shows them."""

FAMILIES: tuple[str, ...] = (
    "connection",
    "validity",
    "names",
    "chain",
    "trust",
    "name constraints",
    "basic constraints",
    "usages",
    "extensions",
    "algorithms",
    "revocation",
    "files",
    "across layers",
    "http",
)
"""Every family, in the order the documentation shows them."""

VERIFIER_NOTE = "critical; a warning when the verifier accepted the chain"
"""The ``severity_note`` of the path-validation codes: critical when the verifier refused."""


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One finding code of the catalogue.

    Attributes:
        code: the stable ``code`` string of the JSON output (lower_snake_case).
        severity: the default severity.
        scope: ``layer`` (one layer), ``site`` (across layers) or ``http`` (the page fetched
            over one layer).
        family: the group the code belongs to, one of :data:`FAMILIES`.
        when: one or two sentences: when the finding is raised, and its evidence.
        severity_note: how the severity varies, starting with the default (e.g. ``warning;
            critical within --crit-days``); ``""`` when it is always the default.
    """

    code: str
    severity: Severity
    scope: Scope
    family: str
    when: str
    severity_note: str = ""

    @property
    def severity_text(self) -> str:
        """The severity as documented: the note when there is one, else the default's label."""
        return self.severity_note or self.severity.label


__all__ = ["FAMILIES", "SCOPES", "VERIFIER_NOTE", "CodeInfo", "Scope"]
