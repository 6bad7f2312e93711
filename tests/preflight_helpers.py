"""Helpers of the preflight tests: the lab's file cases, and the CLI run on them."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.engine.preflight import preflight
from layerscope.lab.files import HOST, FileCases, write_cases
from layerscope.lab.lab import Lab
from layerscope.model import Finding, Report
from layerscope.model.files import PreflightRequest
from layerscope.model.options import CheckOptions


def aia_url(lab: Lab) -> str:
    """The lab repository's copy of intermediate i3 (what the aia-only site's leaf names)."""
    return f"{lab.repository}/aia/lab-issuing-ca-3.der"


def argv(cases: FileCases, name: str, *extra: str, hosts: tuple[str, ...] = (HOST,)) -> list[str]:
    """``preflight FILE --key KEY --host ... --ca-bundle ROOTS`` for case ``name``."""
    case = cases.case(name)
    names = [w for h in hosts for w in ("--host", h)]
    roots = ["--ca-bundle", str(cases.roots)]
    return ["preflight", str(case.certificate), "--key", str(case.key), *names, *roots, *extra]


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``layerscope ARGS``."""
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, dict[str, Any]]:
    """Exit code and the one site of ``layerscope ARGS --json``."""
    code, out, err = run(capsys, [*args, "--json"])
    assert out, err
    return code, json.loads(out)["sites"][0]


def openssl_verify(roots: Path, fullchain: Path, host: str) -> subprocess.CompletedProcess[str]:
    """`openssl verify` of a fullchain file's leaf with the rest of it as intermediates."""
    return subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(roots),
            "-untrusted",
            str(fullchain),
            "-purpose",
            "sslserver",
            "-verify_hostname",
            host,
            str(fullchain),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def lab_cases(lab: Lab, directory: Path) -> FileCases:
    """Every case's files in ``directory``, issued by the running lab's CAs."""
    assert lab.pki is not None
    return write_cases(directory, lab.pki, lab.now, aia_url=aia_url(lab))


def preflight_reports(cases: FileCases) -> list[Report]:
    """The report of every case, as the engine returns them (tests/test_evidence.py)."""
    options = CheckOptions(ca_bundle=str(cases.roots))
    out = []
    for case in cases.cases.values():
        request = PreflightRequest(str(case.certificate), str(case.key), (case.host,), options)
        out.append(asyncio.run(preflight(request)).report)
    return out


def preflight_findings(cases: FileCases) -> list[Finding]:
    """Every finding of every case."""
    return [f for report in preflight_reports(cases) for f in report.findings]
