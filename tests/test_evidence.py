"""Typed evidence: every code has a shape, and real findings carry exactly their shape.

The findings come from every site of the embedded lab (as the engine returns them, and as
the JSON output writes them), from every limbo-like path-validation case
(tests/unit/test_limbo_like.py), from every preflight file case (tests/test_preflight.py) and
from ``preflight --nginx`` on a block the lab's stale edge answers (reload_needed);
together they raise every code of the catalogue. Each
finding's evidence must hold its shape's required keys, no key the shape does not declare,
and values of the declared types, nested shapes included.
"""

from __future__ import annotations

import asyncio
import collections.abc
import types
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from layerscope.commands.config import load_config
from layerscope.diagnose.layer import Thresholds, analyse_layer
from layerscope.engine.many import inspect_many
from layerscope.explain.pathval import BUILDERS as PATHVAL_BUILDERS
from layerscope.lab.lab import Lab
from layerscope.model import Finding, Report, Severity
from layerscope.model.codes import CODES
from layerscope.model.evidence import (
    SHAPES,
    CaOnPath,
    CertOnPath,
    CertRef,
    ConnectionEvidence,
    StaleEdgeEvidence,
    evidence_of,
    fits,
    record_of,
    records_of,
    shape_keys,
)
from layerscope.present.json import report_to_dict

from .nginx_preflight_helpers import reload_findings
from .preflight_helpers import lab_cases, preflight_findings
from .unit.test_limbo_like import CASES, analysed, built

# the path rules about a CA's constraints: their evidence names the CA (ca, ca_sha256)
CA_RULES = ("name_constraint_violation", "name_constraints_malformed", "path_length_exceeded")


def problems(value: Any, hint: Any, where: str) -> list[str]:
    """What in ``value`` does not match the type ``hint`` (a shape, a list, a union...)."""
    if hint is Any or hint is object:
        return []
    if is_typeddict(hint):
        if not isinstance(value, Mapping):
            return [f"{where}: {type(value).__name__}, not a mapping"]
        required, optional = shape_keys(hint)
        out = [f"{where}: required key {k!r} missing" for k in sorted(required - value.keys())]
        out += [
            f"{where}: key {k!r} not in {hint.__name__}"
            for k in sorted(value.keys() - required - optional)
        ]
        hints = get_type_hints(hint)
        for key, item in value.items():
            if key in hints:
                out += problems(item, hints[key], f"{where}.{key}")
        return out
    origin = get_origin(hint)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, not a list"]
        (inner,) = get_args(hint)
        return [p for i, item in enumerate(value) for p in problems(item, inner, f"{where}[{i}]")]
    if origin in (Union, types.UnionType):
        found = [problems(value, arm, where) for arm in get_args(hint)]
        return [] if any(not f for f in found) else min(found, key=len)
    if origin is Literal:
        return [] if value in get_args(hint) else [f"{where}: {value!r} not in {get_args(hint)}"]
    if origin is collections.abc.Mapping:
        return [] if isinstance(value, Mapping) else [f"{where}: not a mapping"]
    if hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not a number"]
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not an int"]
    if hint in (str, bool):
        return [] if isinstance(value, hint) else [f"{where}: {value!r} is not {hint.__name__}"]
    raise AssertionError(f"{where}: the test does not know the type {hint!r}")


def evidence_problems(code: str, evidence: Mapping[str, Any], where: str) -> list[str]:
    """What is off in one finding's evidence (a grouped rule finding's items included)."""
    shape = SHAPES.get(code)
    if shape is None:
        return [f"{where}: no evidence shape for {code}"]
    out = problems(evidence, shape, f"{where} {code}")
    group = evidence.get("items")  # typed as plain mappings: each is one violation's facts
    if "items" in shape_keys(shape)[1] and isinstance(group, list):
        for i, item in enumerate(group):
            out += problems(item, shape, f"{where} {code}.items[{i}]")
    return out


def lab_reports(lab: Lab) -> list[Report]:
    """The reports of every site of the lab config, as the engine returns them."""
    return asyncio.run(inspect_many(load_config(lab.config, {})))


@pytest.fixture(scope="module")
def reports(lab: Lab) -> list[Report]:
    """Every lab site inspected once for this module."""
    return lab_reports(lab)


@pytest.fixture(scope="module")
def rule_findings() -> list[Finding]:
    """The findings of every limbo-like path-validation case (no network)."""
    out: list[Finding] = []
    for limbo_id in sorted(CASES):
        situation = built(limbo_id)
        layer, _severities = analysed(situation)
        out.extend(analyse_layer(layer, situation.host, Thresholds(at=situation.at)))
    return out


@pytest.fixture(scope="module")
def file_findings(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    """The findings of every preflight case of the lab's files (tests/test_preflight.py),
    and those of ``preflight --nginx`` on a block that needs a reload."""
    found = preflight_findings(lab_cases(lab, tmp_path_factory.mktemp("files")))
    return found + reload_findings(lab, tmp_path_factory.mktemp("nginx"))


def test_every_catalogue_code_has_an_evidence_shape_and_no_other() -> None:
    """SHAPES covers exactly the catalogue's codes, each with a TypedDict."""
    assert set(SHAPES) == CODES
    for code, shape in SHAPES.items():
        assert is_typeddict(shape), code
        required, _optional = shape_keys(shape)
        assert required, f"{code}: a shape without a required key checks nothing"


def test_lab_findings_carry_exactly_their_shape(reports: list[Report]) -> None:
    """Every finding of every lab site: required keys present, no undeclared key, types."""
    found = [
        p
        for report in reports
        for finding in report.findings
        for p in evidence_problems(finding.code, finding.evidence, report.host)
    ]
    assert not found, "\n".join(found[:40])


def test_lab_json_evidence_carries_exactly_its_shape(reports: list[Report]) -> None:
    """The JSON output's evidence (the contract) matches the shapes too."""
    found = [
        p
        for report in reports
        for finding in report_to_dict(report)["findings"]
        for p in evidence_problems(finding["code"], finding["evidence"], report.host)
    ]
    assert not found, "\n".join(found[:40])


def test_rule_case_findings_carry_exactly_their_shape(rule_findings: list[Finding]) -> None:
    """Every finding of every limbo-like case matches its code's shape."""
    found = [
        p
        for finding in rule_findings
        for p in evidence_problems(finding.code, finding.evidence, ",".join(finding.layers))
    ]
    assert not found, "\n".join(found[:40])


def test_preflight_findings_carry_exactly_their_shape(file_findings: list[Finding]) -> None:
    """Every finding of every preflight file case matches its code's shape."""
    found = [
        p
        for finding in file_findings
        for p in evidence_problems(finding.code, finding.evidence, ",".join(finding.layers))
    ]
    assert not found, "\n".join(found[:40])


def test_every_code_is_checked_against_real_findings(
    reports: list[Report], rule_findings: list[Finding], file_findings: list[Finding]
) -> None:
    """The lab, the rule cases and the preflight files raise every code: no shape goes
    unchecked."""
    seen = {f.code for r in reports for f in r.findings} | {f.code for f in rule_findings}
    seen |= {f.code for f in file_findings}
    assert sorted(CODES - seen) == []


def test_rule_findings_name_their_role_and_group(rule_findings: list[Finding]) -> None:
    """The keys the pipeline adds to path-rule findings (optional in the shapes, as the rule
    itself does not write them) are on every such finding."""
    for finding in rule_findings:
        _required, optional = shape_keys(SHAPES[finding.code])
        for key in {"role", "items", "certificates"} & optional:
            assert key in finding.evidence, (finding.code, key)


@pytest.mark.parametrize("code", sorted(set(PATHVAL_BUILDERS) - {"verifier_refused"}))
def test_rule_remediation_views_fit_the_code_shape(code: str) -> None:
    """The view a rule's remediation reads (CaOnPath for the rules about a CA's
    constraints, CertOnPath for the others) is part of that code's shape."""
    assert fits(CaOnPath if code in CA_RULES else CertOnPath, code)
    assert fits(SHAPES[code], code)


def site_of(reports: list[Report], lab: Lab, scenario: str) -> Report:
    """The report of one lab scenario."""
    host = lab.site(scenario).host
    return next(r for r in reports if r.host == host)


def test_ocsp_staple_invalid_remediation_says_why(reports: list[Report], lab: Lab) -> None:
    """The remediation names what is wrong with the staple (evidence ``message``)."""
    finding = next(
        f for f in site_of(reports, lab, "stapled").findings if f.code == "ocsp_staple_invalid"
    )
    assert finding.remediation is not None
    assert f"({finding.evidence['message']})" in finding.remediation.meaning


def test_http_differs_remediation_says_which_layer_answers_what(
    reports: list[Report], lab: Lab
) -> None:
    """The remediation lists each HSTS policy with the layers that send it (evidence
    ``differences`` and ``layers``)."""
    report = site_of(reports, lab, "no-hsts")
    finding = next(f for f in report.findings if f.code == "http_differs")
    assert finding.evidence["differences"] == ["hsts"]
    assert finding.remediation is not None
    meaning = finding.remediation.meaning
    odd = lab.site("no-hsts").edges[1]
    assert f"none on {odd}" in meaning
    assert "HSTS max-age=" in meaning and " vs " in meaning


def test_evidence_of_reads_absent_keys_as_none() -> None:
    """The typed view never raises: absent keys and odd values read as None or empty."""
    view = evidence_of(Finding("unreachable", Severity.CRITICAL, (), "", {}), ConnectionEvidence)
    assert view["message"] is None and "message" not in view and len(view) == 0
    stale = evidence_of(
        Finding("stale_edge", Severity.WARNING, (), "", {"served": "odd", "x": 1}),
        StaleEdgeEvidence,
    )
    assert record_of(stale["served"], CertRef)["sha256"] is None
    assert records_of(stale["served"], CertRef) == []
    assert [r["subject"] for r in records_of([{"subject": "a"}, 3, None], CertRef)] == ["a"]
