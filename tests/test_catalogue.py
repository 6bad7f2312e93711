"""The catalogue of finding codes: its generated page, its remediation and its shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layerscope.explain import REMEDIATION_CODES
from layerscope.model import Severity, codes
from layerscope.model.codes import CATALOGUE, CODES, FAMILIES, SCOPES, by_code, findings_markdown

ROOT = Path(__file__).resolve().parents[1]
LOWER_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def test_committed_findings_page_is_the_generated_one() -> None:
    """docs/findings.md is exactly what the catalogue generates."""
    committed = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert committed == findings_markdown(), (
        "docs/findings.md is out of date: regenerate it with `python scripts/findings_doc.py`"
    )


def test_every_catalogue_code_has_a_remediation_builder_and_no_other() -> None:
    """The remediation builders cover exactly the catalogue's codes."""
    without_builder = sorted(CODES - REMEDIATION_CODES)
    not_catalogued = sorted(REMEDIATION_CODES - CODES)
    assert not without_builder, f"codes without a remediation builder: {without_builder}"
    assert not not_catalogued, f"remediation builders for codes not catalogued: {not_catalogued}"
    assert CODES == REMEDIATION_CODES


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_is_lower_snake_case(code: str) -> None:
    """Codes are lower_snake_case ASCII: the JSON contract."""
    assert LOWER_SNAKE_CASE.fullmatch(code), code


def test_codes_are_unique_and_looked_up_by_code() -> None:
    """One entry per code; by_code finds each and refuses unknown codes."""
    assert len(CATALOGUE) == len(CODES)
    for info in CATALOGUE:
        assert by_code(info.code) is info
    with pytest.raises(KeyError):
        by_code("no_such_code")


@pytest.mark.parametrize("info", CATALOGUE, ids=lambda info: info.code)
def test_entry_is_well_formed(info: codes.CodeInfo) -> None:
    """Scope and family are known and agree; severities and texts read as documented."""
    assert info.scope in SCOPES
    assert info.family in FAMILIES
    assert (info.family == "across layers") == (info.scope == "site")
    assert (info.family == "http") == (info.scope == "http")
    assert info.severity in (Severity.INFO, Severity.WARNING, Severity.CRITICAL)
    assert info.severity_text.startswith(info.severity.label)
    assert info.when.strip() == info.when and info.when.endswith(".")
    assert "\n" not in info.when + info.severity_note


def test_catalogue_is_grouped_by_family_in_documented_order() -> None:
    """Entries come family by family, in the order of FAMILIES (the page's order)."""
    order = [FAMILIES.index(info.family) for info in CATALOGUE]
    assert order == sorted(order)


def test_json_schema_lists_every_code() -> None:
    """docs/json-schema.md names every code of the catalogue."""
    schema = (ROOT / "docs" / "json-schema.md").read_text(encoding="utf-8")
    missing = sorted(code for code in CODES if f"`{code}`" not in schema)
    assert not missing, f"codes not listed in docs/json-schema.md: {missing}"
