"""Machine outputs for fleets: Prometheus textfile metrics and JSON lines, on lab reports
(real TLS servers and DNS on loopback) and on a hand-built report full of hostile text."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from layerscope.commands.config import load_config
from layerscope.commands.main import stream_jsonl
from layerscope.engine.run import inspect
from layerscope.lab.lab import Lab
from layerscope.model import (
    SCHEMA_VERSION,
    CertFacts,
    Discovery,
    ErrorKind,
    Finding,
    Layer,
    ProbeError,
    ProbeResult,
    Report,
    Role,
    Severity,
)
from layerscope.model.options import SiteRequest
from layerscope.present.json import report_to_dict
from layerscope.present.jsonl import report_line
from layerscope.present.labels import leaf_labels
from layerscope.present.prometheus import escape_label_value, render_prometheus, site_label

Labels = dict[str, str]
Sample = tuple[str, Labels, float]

_SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?P<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\}'
    r" (?P<value>\S+)$"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def parse_metrics(text: str) -> list[Sample]:
    """Parse the exposition format strictly: every line is a HELP/TYPE comment or
    ``name{labels} value`` with only the three escapes the format allows."""
    assert text.endswith("\n")
    samples: list[Sample] = []
    typed: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind == "gauge"
            typed.add(name)
            continue
        match = _SAMPLE.match(line)
        assert match is not None, f"not a sample line: {line!r}"
        labels = {
            key: re.sub(r"\\[\\\"n]", lambda m: _UNESCAPE[m.group(0)], raw)
            for key, raw in _LABEL.findall(match["labels"])
        }
        assert match["name"] in typed, "TYPE must come before the samples"
        samples.append((match["name"], labels, float(match["value"])))
    return samples


def find(samples: list[Sample], name: str, **labels: str) -> list[Sample]:
    """Samples of ``name`` whose labels include ``labels``."""
    return [s for s in samples if s[0] == name and labels.items() <= s[1].items()]


@pytest.fixture(scope="module")
def streamed(lab: Lab) -> tuple[list[SiteRequest], list[str], list[Report]]:
    """Every lab site inspected through stream_jsonl: the requests, the lines in the order
    they were written, and the reports."""
    requests = load_config(lab.config, {})
    lines: list[str] = []
    reports = asyncio.run(stream_jsonl(requests, lines.append))
    return requests, lines, reports


# --- Prometheus --------------------------------------------------------------------------


def test_every_layer_with_a_leaf_has_one_days_left_sample(
    streamed: tuple[list[SiteRequest], list[str], list[Report]],
) -> None:
    """Each layer that served a leaf has exactly one days_left sample carrying its role,
    port, certificate letter and fingerprint prefix, with the days left at the check (one
    per certificate type, labelled so, on a site whose layers serve two)."""
    _, _, reports = streamed
    samples = parse_metrics(render_prometheus(reports))
    layers_with_leaf = 0
    for report in reports:
        labels = leaf_labels(report)
        for layer in (part for whole in report.layers for part in whole.parts):
            typed = {}
            if report.dual:
                typed["cert_type"] = layer.leaf_type.value if layer.leaf_type else ""
            found = find(
                samples,
                "layerscope_cert_days_left",
                site=site_label(report),
                layer=layer.address,
                port=str(layer.port),
                role=layer.role.value,
                **typed,
            )
            if layer.leaf is None:
                assert found == []
                continue
            layers_with_leaf += 1
            ((_, sample_labels, days),) = found
            assert sample_labels["label"] == labels[layer.leaf.sha256]
            assert sample_labels["sha256"] == layer.leaf.sha256[:16]
            assert days == pytest.approx(layer.leaf.days_left(report.at), abs=0.001)
    assert layers_with_leaf == len(find(samples, "layerscope_cert_days_left"))
    assert layers_with_leaf > 3 * len(reports) // 2


def test_expired_and_expiring_sites_show_in_days_and_severity(
    lab: Lab, streamed: tuple[list[SiteRequest], list[str], list[Report]]
) -> None:
    """The expired site's layers have negative days and critical severity (3); the
    expiring one is a warning (2) with a few days left; a healthy one is ok (0)."""
    _, _, reports = streamed
    samples = parse_metrics(render_prometheus(reports))
    by_host = {r.host: site_label(r) for r in reports}
    expired = by_host[lab.site("expired").host]
    expiring = by_host[lab.site("expiring").host]
    healthy = by_host[lab.site("healthy").host]
    assert all(s[2] < 0 for s in find(samples, "layerscope_cert_days_left", site=expired))
    assert all(0 < s[2] < 21 for s in find(samples, "layerscope_cert_days_left", site=expiring))
    assert find(samples, "layerscope_site_severity", site=expired)[0][2] == 3
    assert find(samples, "layerscope_site_severity", site=expiring)[0][2] == 2
    assert find(samples, "layerscope_site_severity", site=healthy)[0][2] == 0
    assert {s[2] for s in find(samples, "layerscope_layer_severity", site=expired)} == {3}
    counts = {
        s[1]["severity"]: s[2] for s in find(samples, "layerscope_site_findings", site=expiring)
    }
    assert counts["warning"] >= 1 and counts["critical"] == 0 and counts["info"] == 0


def test_dead_layers_are_down_and_never_ok(
    lab: Lab, streamed: tuple[list[SiteRequest], list[str], list[Report]]
) -> None:
    """Layers that gave no certificate are up 0 with a non-zero severity and no days
    sample; the layers that answered are up 1."""
    _, _, reports = streamed
    report = next(r for r in reports if r.host == lab.site("broken-edges").host)
    samples = parse_metrics(render_prometheus([report]))
    for layer in report.layers:
        where = {"layer": layer.address, "role": layer.role.value}
        ((_, _, up),) = find(samples, "layerscope_layer_up", **where)
        ((_, _, severity),) = find(samples, "layerscope_layer_severity", **where)
        assert up == (1 if layer.probe.ok else 0)
        if not layer.probe.ok:
            assert severity > 0
            assert find(samples, "layerscope_cert_days_left", **where) == []
    assert any(not layer.probe.ok for layer in report.layers)


def test_output_is_sorted_deterministic_and_every_site_has_a_timestamp(
    streamed: tuple[list[SiteRequest], list[str], list[Report]],
) -> None:
    """Rendering the reports in another order gives the same text; families come sorted
    with HELP and TYPE once each; each site has its check time."""
    _, _, reports = streamed
    text = render_prometheus(reports)
    assert render_prometheus(list(reversed(reports))) == text
    families = [line.split(" ")[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert families == sorted(families) and len(families) == len(set(families))
    samples = parse_metrics(text)
    for report in reports:
        ((_, _, stamp),) = find(
            samples, "layerscope_check_timestamp_seconds", site=site_label(report)
        )
        assert stamp == pytest.approx(report.started.timestamp(), abs=0.001)


def test_a_site_listed_twice_is_written_once(
    streamed: tuple[list[SiteRequest], list[str], list[Report]],
) -> None:
    """Duplicate series make the collector drop the whole file: a repeated site is
    written once."""
    _, _, reports = streamed
    assert render_prometheus([reports[0], reports[0]]) == render_prometheus([reports[0]])
    assert render_prometheus([]) == ""


# --- hostile text --------------------------------------------------------------------------

HOSTILE = 'evil"site\\name\nline2\x1b[31mred\x00\x7f\u202ebidi.example'
NOW = dt.datetime(2026, 11, 27, 12, 0, 0, tzinfo=dt.UTC)


def hostile_report() -> Report:
    """A report whose host, subject, source and finding text are full of quotes,
    backslashes, newlines, ESC, NUL, DEL and a bidi override."""
    leaf = CertFacts(
        der=b"\x30\x00",
        subject=f"CN={HOSTILE}",
        issuer=f"CN={HOSTILE} CA",
        common_name=HOSTILE,
        sans=(HOSTILE,),
        serial="01",
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW + dt.timedelta(days=42.5),
        sha256="ab12" * 16,
        spki_sha256="cd34" * 16,
        key_type="EC",
        key_bits=256,
        signature_algorithm="ecdsa-with-SHA256",
        signature_hash="sha256",
        is_ca=False,
        self_issued=False,
    )
    good = ProbeResult("127.0.0.1", 443, HOSTILE, chain=(leaf,), protocol="TLSv1.3")
    dead = ProbeResult(
        "127.0.0.2", 443, HOSTILE, error=ProbeError(ErrorKind.REFUSED, f"refused {HOSTILE}")
    )
    layers = (
        Layer(Role.ORIGIN, "127.0.0.1", 443, f"--origin {HOSTILE}", good),
        Layer(Role.EDGE, "127.0.0.2", 443, f"DNS via {HOSTILE}", dead),
    )
    finding = Finding(
        "unreachable", Severity.CRITICAL, ("127.0.0.2",), f"{HOSTILE} refused", {"x": HOSTILE}
    )
    return Report(
        host=HOSTILE,
        ascii_host=HOSTILE,
        port=443,
        sni=HOSTILE,
        at=NOW,
        started=NOW,
        duration_ms=5.0,
        discovery=Discovery(HOSTILE, addresses=(("127.0.0.2", HOSTILE),)),
        layers=layers,
        reference=leaf,
        reference_layer="127.0.0.1",
        findings=(finding,),
    )


def raw_controls(text: str) -> set[str]:
    """Control and invisible characters in ``text``, line ends aside."""
    return {c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")}


def test_hostile_label_values_are_escaped_and_every_line_parses() -> None:
    """Quote, backslash and newline get the format's escapes; ESC, NUL, DEL and a bidi
    override become visible \\xNN / \\uXXXX text; the output holds no raw control
    character and every line parses as ``name{labels} value``."""
    text = render_prometheus([hostile_report()])
    assert raw_controls(text) == set()
    samples = parse_metrics(text)
    expected_site = 'evil"site\\name\nline2\\x1b[31mred\\x00\\x7f\\u202ebidi.example'
    assert {s[1]["site"] for s in samples} == {expected_site}
    ((_, labels, days),) = find(samples, "layerscope_cert_days_left")
    assert days == 42.5
    assert labels == {
        "site": expected_site,
        "layer": "127.0.0.1",
        "port": "443",
        "role": "origin",
        "label": "A",
        "sha256": "ab12ab12ab12ab12",
    }
    assert [s[2] for s in find(samples, "layerscope_layer_up")] == [1, 0]


def test_escape_label_value_follows_the_exposition_format() -> None:
    """The three defined escapes, and visible escapes for everything invisible."""
    assert escape_label_value('a"b') == 'a\\"b'
    assert escape_label_value("a\\b") == "a\\\\b"
    assert escape_label_value("a\nb") == "a\\nb"
    assert escape_label_value("a\x1bb") == "a\\\\x1bb"
    assert escape_label_value("a\u2028b") == "a\\\\u2028b"
    assert escape_label_value("bücher.example") == "bücher.example"


# --- JSON lines ----------------------------------------------------------------------------


def test_one_json_line_per_site_each_valid_and_like_the_json_document(
    streamed: tuple[list[SiteRequest], list[str], list[Report]],
) -> None:
    """stream_jsonl writes exactly one line per site; each is valid JSON with the schema
    version and the same content as that site's entry in the JSON document."""
    requests, lines, reports = streamed
    assert len(lines) == len(requests) == len(reports)
    assert [r.host for r in reports] == [r.host for r in requests]
    by_host = {r.host: r for r in reports}
    for line in lines:
        assert line.endswith("\n") and line.count("\n") == 1
        assert line.isascii()
        data = json.loads(line)
        assert data.pop("schema_version") == SCHEMA_VERSION
        expected = json.loads(json.dumps(report_to_dict(by_host[data["host"]])))
        assert data == expected
    assert sorted(json.loads(line)["host"] for line in lines) == sorted(by_host)


def test_a_hostile_report_is_still_one_ascii_line() -> None:
    """Newlines, ESC and bidi characters in certificate fields are JSON escapes: the line
    stays single, pure ASCII, and reads back to the exact values."""
    report = hostile_report()
    line = report_line(report)
    assert line.endswith("\n") and line.count("\n") == 1
    assert line.isascii() and raw_controls(line) == set()
    data = json.loads(line)
    assert data["host"] == HOSTILE
    assert data["layers"][0]["chain"][0]["subject"] == f"CN={HOSTILE}"


async def test_each_line_is_written_as_soon_as_its_site_is_done(lab: Lab) -> None:
    """A slow site does not hold back the others' lines: they are written first, the slow
    one last; all sites share one probe limit; reports come back in request order."""
    requests = load_config(lab.config, {})[:4]
    slow_host = requests[0].host
    written: list[str] = []
    limits: set[int] = set()
    others_written = asyncio.Event()

    def write(line: str) -> None:
        written.append(json.loads(line)["host"])
        if len(written) == len(requests) - 1:
            others_written.set()

    async def slow_inspect(host: str, options: Any, **kwargs: Any) -> Report:
        limits.add(id(kwargs["limit"]))
        if host == slow_host:
            await asyncio.wait_for(others_written.wait(), 30)
        return await inspect(host, options, **kwargs)

    fn: Callable[..., Awaitable[Report]] = slow_inspect
    reports = await stream_jsonl(requests, write, inspect_fn=fn)
    assert written[-1] == slow_host
    assert sorted(written) == sorted(r.host for r in requests)
    assert [r.host for r in reports] == [r.host for r in requests]
    assert len(limits) == 1


async def test_no_sites_write_nothing() -> None:
    """An empty request list writes nothing and returns no report."""
    written: list[str] = []
    assert await stream_jsonl([], written.append) == []
    assert written == []
