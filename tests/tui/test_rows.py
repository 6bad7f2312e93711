"""One row, every view: the inspector's layers table and the text and Markdown reports show
each layer of every demo site from the same view-model, so they never disagree."""

from __future__ import annotations

import asyncio
import re

import pytest

from layerscope.engine.many import inspect_many
from layerscope.lab.frozen import frozen_inspect
from layerscope.lab.lab import Lab
from layerscope.model import Report
from layerscope.model.labels import leaf_labels
from layerscope.model.options import SiteRequest
from layerscope.present.markdown import render_markdown
from layerscope.present.text import render_text
from layerscope.tui import view


@pytest.fixture(scope="module")
def demo_reports(frozen: Lab, frozen_requests: list[SiteRequest]) -> list[Report]:
    """Every demo site, inspected once with the frozen clock."""
    reports = asyncio.run(inspect_many(frozen_requests, inspect_fn=frozen_inspect()))
    assert len(reports) == len(frozen.sites) >= 50
    return reports


def _tui_words(report: Report) -> list[tuple[str, list[str]]]:
    """Per row (a layer serving two certificates has two): the address, and Sev, Role,
    Address, status word, Cert and Days as the TUI shows them."""
    labels = leaf_labels(report)
    out = []
    for part in (part for layer in report.layers for part in layer.parts):
        sev, role, address, cert, days, status, _tls, _issuer = (
            c.plain.strip() for c in view.layer_cells(part, labels, report)
        )
        cert = " ".join(cert.replace("—", "").split())
        out.append((address, [sev, role, address, status, cert, days]))
    return out


def test_tui_and_text_rows_say_the_same_for_every_demo_site(demo_reports: list[Report]) -> None:
    """For every layer of every demo site, the text report's row has the inspector's
    severity, role, address, status word, certificate label and days, in that order."""
    checked = 0
    for report in demo_reports:
        text = render_text([report], color=False, width=400)
        lines = text.splitlines()
        used: set[int] = set()
        for address, words in _tui_words(report):
            index, row = next(
                (i, line)
                for i, line in enumerate(lines)
                if i not in used and re.search(rf"\s{re.escape(address)}\s", f" {line} ")
            )
            used.add(index)
            expected = [w for w in words if w]
            cells = row.split()
            # the status word may be two words ("private CA", "connect timeout")
            joined = " ".join(cells)
            assert joined.startswith(" ".join(expected[:4])), (report.host, row, words)
            rest = joined[len(" ".join(expected[:4])) :].lstrip()
            tail = " ".join(expected[4:])
            assert not tail or f"{rest} ".startswith(f"{tail} "), (report.host, row, words)
            checked += 1
    assert checked >= 150


def test_markdown_rows_say_the_same_as_the_tui(demo_reports: list[Report]) -> None:
    """The Markdown table's Sev, Role, Status, Cert and Days cells are the inspector's."""
    for report in demo_reports:
        table = [ln for ln in render_markdown([report]).splitlines() if ln.startswith("| ")][1:]
        tui = _tui_words(report)
        assert len(table) == len(tui)
        for line, (_address, words) in zip(table, tui, strict=True):
            cells = [c.strip().replace("\\", "") for c in line.strip("|").split(" | ")]
            sev, role, _address, status, cert, days = cells[:6]
            assert [sev, role, status, cert, days.replace(",", "")] == [
                words[0],
                words[1],
                words[3],
                words[4],
                words[5],
            ], (report.host, line)
