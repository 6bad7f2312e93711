"""Findings grouped by code and severity, so one diagnosis on many layers reads once."""

from __future__ import annotations

from dataclasses import dataclass

from layerscope.model import Finding, Report, Severity, Step


@dataclass(frozen=True)
class FindingGroup:
    """Findings with the same code and severity.

    Attributes:
        code: the finding code.
        severity: their severity.
        findings: the findings, in report order.
    """

    code: str
    severity: Severity
    findings: tuple[Finding, ...]

    @property
    def layers(self) -> tuple[str, ...]:
        """Every address concerned, once, in order."""
        return tuple(dict.fromkeys(a for f in self.findings for a in f.layers))

    @property
    def summaries(self) -> tuple[str, ...]:
        """The distinct summaries."""
        return tuple(dict.fromkeys(f.summary for f in self.findings))

    def steps(self) -> tuple[Step, ...]:
        """Remediation steps, once each: the first finding's for each kind of place."""
        seen_where: set[str] = set()
        seen: set[Step] = set()
        out: list[Step] = []
        for finding in self.findings:
            remediation = finding.remediation
            if remediation is None:
                continue
            wheres = {s.where for s in remediation.steps}
            fresh = wheres - seen_where
            for step in remediation.steps:
                if step.where in fresh and step not in seen:
                    seen.add(step)
                    out.append(step)
            seen_where |= wheres
        return tuple(out)

    def reproduce(self) -> tuple[str, ...]:
        """Each layer's reproduce command, once."""
        return tuple(dict.fromkeys(f.remediation.reproduce for f in self.findings if f.remediation))

    def verify(self) -> tuple[str, ...]:
        """Verify commands not already shown in a step."""
        shown = {c for s in self.steps() for c in s.commands}
        return tuple(
            dict.fromkeys(
                f.remediation.verify
                for f in self.findings
                if f.remediation and f.remediation.verify and f.remediation.verify not in shown
            )
        )


def group_findings(report: Report) -> list[FindingGroup]:
    """Groups worst first; within a severity, in the order the report lists them."""
    groups: dict[tuple[str, Severity], list[Finding]] = {}
    for finding in report.findings:
        groups.setdefault((finding.code, finding.severity), []).append(finding)
    out = [FindingGroup(code, sev, tuple(fs)) for (code, sev), fs in groups.items()]
    return sorted(out, key=lambda g: g.severity, reverse=True)
