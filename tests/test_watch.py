"""Watch: per-layer timelines of what each layer served, convergence on the reference or on
``--expect-sha256``, and ``layerscope watch`` end to end against real loopback servers."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands.arguments import add_check_options
from layerscope.commands.main import _Parser
from layerscope.commands.watch import add_watch_parser, cmd_watch, parse_duration
from layerscope.diagnose.compare import choose_reference
from layerscope.diagnose.watch import (
    ChangeKind,
    WatchState,
    behind,
    converged,
    normalize_fingerprint,
    observe,
    on_target,
    start,
)
from layerscope.lab import pki
from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.scenarios import ROLLING_ENV
from layerscope.lab.servers import Behaviour, LayerSpec
from layerscope.model import (
    Discovery,
    ErrorKind,
    Layer,
    ProbeError,
    ProbeResult,
    Report,
    Role,
)
from layerscope.net.probe import probe
from layerscope.present.labels import leaf_labels
from layerscope.present.watch_lines import change_line, format_duration, status_line

from .loaded import loaded_by
from .unit.helpers import HOST, NOW, Pki, failed_layer, layer, make_pki

# --- unit: diagnose/watch.py -----------------------------------------------------------------

ORIGIN = "192.0.2.1"
EDGES = ("192.0.2.11", "192.0.2.12", "192.0.2.13")


@dataclasses.dataclass(frozen=True)
class Certs:
    """A PKI with a renewal: ``old`` and ``new`` share names and key; ``other`` is unrelated.

    Attributes:
        ca: the PKI and its trust store.
        old: the previous certificate.
        new: the renewed one (later not_before).
        other: a third certificate for the same names.
    """

    ca: Pki
    old: pki.Issued
    new: pki.Issued
    other: pki.Issued

    def sha(self, issued: pki.Issued) -> str:
        """Lower-case hex SHA-256 of a certificate."""
        return hashlib.sha256(issued.der).hexdigest()


@pytest.fixture(scope="module")
def certs() -> Certs:
    """One renewal's certificates."""
    ca = make_pki()
    key = pki.new_key()
    return Certs(
        ca,
        ca.leaf(key=key, days_before=60, days_after=30),
        ca.leaf(key=key, days_before=1, days_after=89),
        ca.leaf(days_before=0.5, days_after=89),
    )


def at(seconds: float) -> dt.datetime:
    """A moment ``seconds`` after the first round."""
    return NOW + dt.timedelta(seconds=seconds)


def site_report(
    certs: Certs,
    moment: float,
    origin: pki.Issued | ProbeError | None,
    *edges: pki.Issued | ProbeError,
    addresses: Sequence[str] = EDGES,
    discovery: Discovery | None = None,
) -> Report:
    """A report as ``inspect`` would build it: the origin (when given), then the edges."""
    layers: list[Layer] = []
    served: list[tuple[Role, str, pki.Issued | ProbeError]] = []
    if origin is not None:
        served.append((Role.ORIGIN, ORIGIN, origin))
    served += [(Role.EDGE, a, e) for a, e in zip(addresses, edges, strict=False)]
    for role, address, what in served:
        if isinstance(what, ProbeError):
            layers.append(failed_layer(what, role=role, address=address))
        else:
            layers.append(layer([what, certs.ca.inter], certs.ca.store, role=role, address=address))
    reference = choose_reference(layers, HOST, NOW)
    edge_addresses = tuple((ly.address, "unit") for ly in layers if ly.role is Role.EDGE)
    return Report(
        host=HOST,
        ascii_host=HOST,
        port=443,
        sni=HOST,
        at=at(moment),
        started=at(moment),
        duration_ms=1.0,
        discovery=discovery or Discovery(HOST, addresses=edge_addresses, resolvers=("unit",)),
        layers=tuple(layers),
        reference=reference.cert if reference else None,
        reference_layer=reference.layer.address if reference else None,
        findings=(),
    )


def run_rounds(state: WatchState, reports: Sequence[Report]) -> tuple[WatchState, list[Any]]:
    """Observe each report in turn; returns the final state and each round's changes."""
    rounds = []
    for report in reports:
        state, changes = observe(state, report)
        rounds.append(changes)
    return state, rounds


def timeline_of(state: WatchState, address: str) -> list[str]:
    """The labels (or "failing") one layer went through."""
    timeline = next(t for t in state.timelines if t.address == address)
    return [s.label or "failing" for s in timeline.sightings]


REFUSED = ProbeError(ErrorKind.REFUSED, "connection refused")


def test_first_round_every_layer_appears_with_the_renderers_labels(certs: Certs) -> None:
    """The first round reports each layer as appeared, origin first, with the same labels
    as the layers table (reference = A)."""
    report = site_report(certs, 0, certs.new, certs.new, certs.old, certs.new)
    state, changes = observe(start(), report)
    assert [c.kind for c in changes] == [ChangeKind.APPEARED] * 4
    assert [c.role for c in changes] == [Role.ORIGIN, Role.EDGE, Role.EDGE, Role.EDGE]
    assert dict(state.labels) == leaf_labels(report)
    assert state.label_of(certs.sha(certs.new)) == "A"
    assert state.label_of(certs.sha(certs.old)) == "B"
    assert state.rounds == 1 and state.started == at(0)


def test_timeline_records_only_changes_with_the_time_first_seen(certs: Certs) -> None:
    """Rounds that see the same thing add nothing; a switch adds one sighting stamped with
    the round that first saw it."""
    same = [site_report(certs, t, certs.new, certs.old, certs.old) for t in (0, 10, 20)]
    switched = [site_report(certs, t, certs.new, certs.new, certs.old) for t in (30, 40)]
    state, rounds = run_rounds(start(), [*same, *switched])
    assert [len(r) for r in rounds] == [3, 0, 0, 1, 0]
    (change,) = rounds[3]
    assert change.kind is ChangeKind.SWITCHED and change.address == EDGES[0]
    assert change.before is not None and change.before.label == "B"
    assert change.after is not None and change.after.label == "A"
    edge = next(t for t in state.timelines if t.address == EDGES[0])
    assert [(s.at, s.label) for s in edge.sightings] == [(at(0), "B"), (at(30), "A")]
    assert timeline_of(state, EDGES[1]) == ["B"]
    assert state.rounds == 5


def test_converges_when_every_layer_serves_the_reference(certs: Certs) -> None:
    """Not converged while an edge serves the previous certificate; converged from the
    round in which the last edge switched, and it stays at that moment."""
    state, _ = run_rounds(
        start(),
        [
            site_report(certs, 0, certs.new, certs.old, certs.old),
            site_report(certs, 10, certs.new, certs.new, certs.old),
        ],
    )
    assert not converged(state)
    assert [t.address for t in behind(state)] == [EDGES[1]]
    state, _ = observe(state, site_report(certs, 20, certs.new, certs.new, certs.new))
    assert converged(state) and state.converged_at == at(20)
    assert len(on_target(state)) == 3 and behind(state) == ()
    state, changes = observe(state, site_report(certs, 30, certs.new, certs.new, certs.new))
    assert changes == [] and state.converged_at == at(20)


def test_expect_sha256_is_the_target_even_against_the_reference(certs: Certs) -> None:
    """With --expect-sha256 (any case, colons allowed) the site converges on that leaf,
    not on the reference: every layer agreeing on another leaf is not enough."""
    new = certs.sha(certs.new)
    colons = ":".join(new[i : i + 2] for i in range(0, 64, 2)).upper()
    state, _ = observe(start(colons), site_report(certs, 0, certs.old, certs.old, certs.old))
    assert state.expected and state.target_sha256 == new
    assert not converged(state)
    state, _ = observe(state, site_report(certs, 5, certs.new, certs.new, certs.new))
    assert converged(state)


def test_expect_prefix_resolves_to_the_unique_leaf_seen(certs: Certs) -> None:
    """A prefix of 12+ hex digits names the leaf it starts; until someone serves it the
    target is unknown and the watch is not converged."""
    prefix = certs.sha(certs.new)[:12].upper()
    state, _ = observe(start(prefix), site_report(certs, 0, certs.old, certs.old))
    assert state.target_sha256 is None and not converged(state)
    state, _ = observe(state, site_report(certs, 5, certs.new, certs.new))
    assert state.target_sha256 == certs.sha(certs.new) and converged(state)


def test_ambiguous_prefix_is_a_problem_not_a_convergence(certs: Certs) -> None:
    """A prefix matching two leaves seen does not pick one: the round reports a problem."""
    prefix = certs.sha(certs.new)[:12]
    twin = prefix + "0" * 52
    state = dataclasses.replace(start(prefix), labels=((twin, "Z"),))
    state, _ = observe(state, site_report(certs, 0, certs.new, certs.new))
    assert state.target_sha256 is None
    assert "matches 2 certificates" in state.problem
    assert not converged(state)


@pytest.mark.parametrize("bad", ["3f2a", "xyz" * 10, "a" * 65, "", "3f2a-9c1d-0e2f"])
def test_malformed_expected_fingerprints_are_refused(bad: str) -> None:
    """Non-hex, too short (under 12 digits), too long or empty fingerprints raise."""
    with pytest.raises(ValueError):
        start(bad)


def test_fingerprint_normalisation_accepts_colons_spaces_and_case() -> None:
    """Separators go, letters become lower case."""
    assert normalize_fingerprint("3F:2A:9C:1D:0E:2F") == "3f2a9c1d0e2f"
    assert normalize_fingerprint(" 3f2a 9c1d 0e2f ") == "3f2a9c1d0e2f"


def test_a_layer_that_flips_back_shows_and_unconverges(certs: Certs) -> None:
    """new -> old after convergence is a change, and the watch is no longer converged until
    the layer serves the new certificate again (converged_at restarts)."""
    state, rounds = run_rounds(
        start(),
        [
            site_report(certs, 0, certs.new, certs.old, certs.new),
            site_report(certs, 10, certs.new, certs.new, certs.new),
            site_report(certs, 20, certs.new, certs.old, certs.new),
        ],
    )
    assert [c.kind for c in rounds[2]] == [ChangeKind.SWITCHED]
    assert not converged(state) and state.converged_at is None
    assert timeline_of(state, EDGES[0]) == ["B", "A", "B"]
    state, _ = observe(state, site_report(certs, 30, certs.new, certs.new, certs.new))
    assert converged(state) and state.converged_at == at(30)


def test_failing_layer_holds_convergence_back(certs: Certs) -> None:
    """A layer that fails serves nothing: not converged, shown as failed, then recovered."""
    state, rounds = run_rounds(
        start(),
        [
            site_report(certs, 0, certs.new, certs.new, certs.new),
            site_report(certs, 10, certs.new, certs.new, REFUSED),
            site_report(certs, 20, certs.new, certs.new, certs.new),
        ],
    )
    assert [c.kind for c in rounds[1]] == [ChangeKind.FAILED]
    assert rounds[1][0].after is not None and rounds[1][0].after.error == "connection refused"
    assert [c.kind for c in rounds[2]] == [ChangeKind.RECOVERED]
    assert timeline_of(state, EDGES[1]) == ["A", "failing", "A"]
    failing, _ = observe(start(), site_report(certs, 0, certs.new, certs.new, REFUSED))
    assert not converged(failing)
    assert [t.address for t in behind(failing)] == [EDGES[1]]


def test_labels_stay_with_their_certificate_when_the_reference_changes(certs: Certs) -> None:
    """Once a leaf has a label it keeps it, even when another leaf becomes the reference
    (the renderers alone would relabel it A)."""
    first = site_report(certs, 0, certs.new, certs.old)
    later = site_report(certs, 10, certs.other, certs.old)
    state, _ = run_rounds(start(), [first, later])
    assert leaf_labels(later)[certs.sha(certs.other)] == "A"
    assert state.label_of(certs.sha(certs.new)) == "A"
    assert state.label_of(certs.sha(certs.old)) == "B"
    assert state.label_of(certs.sha(certs.other)) == "C"
    assert state.target_sha256 == certs.sha(certs.other)
    assert timeline_of(state, ORIGIN) == ["A", "C"]


def test_an_edge_gone_from_dns_no_longer_counts(certs: Certs) -> None:
    """An address DNS stops returning is reported gone and no longer holds the watch back;
    when it comes back it appears again."""
    state, rounds = run_rounds(
        start(),
        [
            site_report(certs, 0, certs.new, certs.new, certs.old),
            site_report(certs, 10, certs.new, certs.new),
        ],
    )
    assert [c.kind for c in rounds[1]] == [ChangeKind.DISAPPEARED]
    assert converged(state)
    state, changes = observe(state, site_report(certs, 20, certs.new, certs.new, certs.new))
    assert [c.kind for c in changes] == [ChangeKind.APPEARED]
    assert timeline_of(state, EDGES[1]) == ["B", "A"]


def test_dns_failure_keeps_the_edges_and_cannot_converge(certs: Certs) -> None:
    """A round where DNS gave no address says nothing about the edges: they keep their
    timelines, and the round is not a convergence."""
    failed = Discovery(
        HOST, errors=(ProbeError(ErrorKind.SERVFAIL, f"{HOST}: SERVFAIL from unit"),)
    )
    state, rounds = run_rounds(
        start(),
        [
            site_report(certs, 0, certs.new, certs.new),
            site_report(certs, 10, certs.new, discovery=failed),
        ],
    )
    assert rounds[1] == []
    assert all(t.present for t in state.timelines)
    assert "SERVFAIL" in state.problem and not converged(state)
    assert "cannot tell" in status_line(state)


def test_report_error_changes_nothing(certs: Certs) -> None:
    """A site-wide error (bad input, unreadable trust store) leaves the timelines as they
    are and is not a convergence."""
    state, _ = observe(start(), site_report(certs, 0, certs.new, certs.new))
    broken = dataclasses.replace(
        site_report(certs, 10, None),
        discovery=Discovery(HOST, skipped=True),
        error=ProbeError(ErrorKind.INVALID_INPUT, "trust store unreadable"),
    )
    after, changes = observe(state, broken)
    assert changes == [] and after.timelines == state.timelines
    assert not converged(after) and after.problem == "trust store unreadable"


# --- unit: commands/watch.py text ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("10s", 10), ("2m", 120), ("1h", 3600), ("12", 12), ("1.5", 1.5),
     ("1m30s", 90), (" 0.3S ", 0.3)],
)  # fmt: skip
def test_durations_parse(text: str, seconds: float) -> None:
    """Durations take ms/s/m/h units, combinations, or plain seconds."""
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "0", "0s", "-1s", "10x", "s", "1m30", "ten"])
def test_bad_durations_are_refused(text: str) -> None:
    """Zero, negative, unknown units and leftovers are refused."""
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_durations_print_short() -> None:
    """Elapsed times read like 0.8s, 12s, 1m12s, 2h05m."""
    assert [format_duration(s) for s in (0.84, 12.2, 72, 7500)] == ["0.8s", "12s", "1m12s", "2h05m"]


def test_change_lines_show_both_certificates_and_escape_peer_text(certs: Certs) -> None:
    """A switch reads 'B old… -> A new…'; an error message from the network cannot put
    control characters on the terminal."""
    state, _ = observe(start(), site_report(certs, 0, certs.new, certs.old))
    state, (switch,) = observe(state, site_report(certs, 67, certs.new, certs.new))
    line = change_line(switch)
    old, new = certs.sha(certs.old)[:8], certs.sha(certs.new)[:8]
    assert line == f"12:01:07  edge {EDGES[0]}:443  B {old}…  ->  A {new}…"
    hostile = ProbeError(ErrorKind.TLS_ALERT, "alert \x1b[31mred\x1b[0m\u202e")
    _, (failed,) = observe(state, site_report(certs, 70, certs.new, hostile))
    text = change_line(failed)
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[31m" in text


def test_status_line_names_the_layers_behind(certs: Certs) -> None:
    """The round line counts layers on the target and names the ones still behind."""
    state, _ = observe(start(), site_report(certs, 0, certs.new, certs.new, certs.old))
    new, old = certs.sha(certs.new)[:8], certs.sha(certs.old)[:8]
    assert status_line(state) == (
        f"round 1: 2/3 layers on A {new}… (edge {EDGES[1]} still on B {old}…)"
    )


# --- end to end: `layerscope watch` against real loopback servers --------------------------

WATCH = ["--interval", "0.3s"]


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``layerscope watch ARGV`` with the watch parser as commands/main.py wires it."""
    parser = _Parser(prog="layerscope")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    add_watch_parser(sub, add_check_options)
    return parser.parse_args(["watch", *argv])


def watch(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``layerscope watch`` in-process; returns exit code, stdout and stderr."""
    code = cmd_watch(parse(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sha(issued: pki.Issued) -> str:
    """Lower-case hex SHA-256 of a lab certificate."""
    return hashlib.sha256(issued.der).hexdigest()


@pytest.fixture
def rolling_lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A lab of its own whose `rolling` edges switch 1, 1.5 and 2 seconds after it starts."""
    monkeypatch.setenv(ROLLING_ENV, "1,1.5,2")
    with Lab() as running:
        yield running


def test_watch_converges_as_the_rolling_renewal_reaches_every_edge(
    rolling_lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each edge goes from the previous certificate (B) to the origin's renewed one (A),
    one line per switch; the watch then announces convergence and exits 0."""
    site = rolling_lab.site("rolling")
    new, old = sha(site.spec.origin.chain[0]), sha(site.spec.edges[0].chain[0])
    code, out, err = watch([*rolling_lab.check_args("rolling"), *WATCH, "--timeout", "20s"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("watching rolling.lab.test every 0.3s for up to 20s")
    for edge in site.edges:
        where = f"edge {edge}:{rolling_lab.port}"
        switches = [line for line in lines if where in line and "->" in line]
        assert len(switches) == 1, out
        assert switches[0].endswith(f"B {old[:8]}…  ->  A {new[:8]}…")
    assert lines[-1].startswith("converged after ")
    assert lines[-1].endswith(f": every layer serves A {new[:8]}…")
    assert lines[-2].startswith("round ") and "4/4 layers on A" in lines[-2]


def test_watch_json_lines_carry_changes_rounds_and_the_final_timelines(
    rolling_lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json prints one JSON object per line: start, changes, rounds, and a final object
    whose timelines show every edge going from the old to the new fingerprint."""
    site = rolling_lab.site("rolling")
    new, old = sha(site.spec.origin.chain[0]), sha(site.spec.edges[0].chain[0])
    args = [*rolling_lab.check_args("rolling"), *WATCH, "--timeout", "20s", "--json"]
    code, out, _err = watch(args, capsys)
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["event"] == "start" and events[-1]["event"] == "final"
    assert {e["schema_version"] for e in events} == {1}
    switched = [e for e in events if e["event"] == "change" and e["kind"] == "switched"]
    assert sorted(e["address"] for e in switched) == sorted(site.edges)
    assert all((e["before"]["sha256"], e["after"]["sha256"]) == (old, new) for e in switched)
    rounds = [e for e in events if e["event"] == "round"]
    assert [r["round"] for r in rounds] == list(range(1, len(rounds) + 1))
    assert rounds[0]["converged"] is False and rounds[-1]["converged"] is True
    final = events[-1]
    assert (final["result"], final["exit_code"], final["converged"]) == ("converged", 0, True)
    assert final["target"] == {"sha256": new, "label": "A"}
    timelines = {t["address"]: [s["sha256"] for s in t["sightings"]] for t in final["timelines"]}
    assert timelines == {site.origin: [new], **{edge: [old, new] for edge in site.edges}}


def test_watch_times_out_on_an_edge_that_never_renews(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stale edge never picks up the renewal: after --timeout the watch prints the
    per-layer timeline and exits 1."""
    stale = lab.site("stale")
    code, out, _err = watch([*lab.check_args("stale"), *WATCH, "--timeout", "1s"], capsys)
    assert code == 1
    assert "timed out after" in out and "not converged" in out
    timeline = out[out.index("timeline (") :]
    assert f"edge {stale.edges[2]}:{lab.port}" in timeline
    assert "converged after" not in out


def test_timeout_cuts_a_round_that_hangs(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An edge that never finishes its handshake cannot hold the watch past --timeout,
    even with a longer per-layer timeout: the round is cut and the watch exits 1."""
    specs = {"127.9.7.2": lab.site("healthy").spec.origin, "127.9.7.3": LayerSpec(Behaviour.TARPIT)}
    with Peers(specs, site="healthy.lab.test", directory=tmp_path) as peers:
        args = [
            "healthy.lab.test", "--port", str(peers.port), "--edge", "127.9.7.2",
            "--edge", "127.9.7.3", "--ca-bundle", str(lab.public_roots),
            "--alt-ca-bundle", "none", "--probe-timeout", "120", "--timeout", "1s", *WATCH,
        ]  # fmt: skip
        began = time.monotonic()
        code, out, _err = watch(args, capsys)
        elapsed = time.monotonic() - began
    assert code == 1
    assert "timed out after" in out and "no round finished" in out
    assert elapsed < 60  # far below the 120 s a probe was allowed


def test_expected_certificate_nobody_serves_times_out(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """--expect-sha256 of a certificate no layer serves: every round says so, exit 1."""
    nobody = sha(lab.site("stale").spec.origin.chain[0])
    args = [*lab.check_args("healthy"), *WATCH, "--timeout", "1s", "--expect-sha256", nobody]
    code, out, _err = watch(args, capsys)
    assert code == 1
    assert f"0/4 layers on the expected {nobody[:8]}… (no layer serves it)" in out


@pytest.mark.parametrize("form", ["colons", "prefix"])
def test_expected_certificate_given_as_colons_or_prefix_converges(
    lab: Lab, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    """The fingerprint every layer serves, upper case with colons or as a 12-digit prefix,
    converges on the first round."""
    full = sha(lab.site("healthy").spec.origin.chain[0])
    given = ":".join(full[i : i + 2] for i in range(0, 64, 2)).upper()
    if form == "prefix":
        given = full[:12]
    args = [*lab.check_args("healthy"), *WATCH, "--timeout", "20s", "--expect-sha256", given]
    code, out, _err = watch(args, capsys)
    assert code == 0
    assert out.splitlines()[-1].endswith(f"every layer serves A {full[:8]}…")


def test_a_layer_that_flips_back_is_shown_and_delays_convergence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An edge that takes the new certificate, goes back to the old one and takes the new
    one again shows all three switches; the watch converges only once every edge is on
    the new certificate for good."""
    now = dt.datetime.now(dt.UTC)
    root = pki.ca("Watch Test Root", now=now)
    inter = pki.ca("Watch Test CA", now=now, parent=root)
    key = pki.new_key()
    names = ["flip.lab.test"]
    old = pki.leaf(names, now=now, parent=inter, key=key, days_before=60, days_after=30)
    new = pki.leaf(names, now=now, parent=inter, key=key, days_before=1, days_after=89)
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(root.pem)
    specs = {
        "127.9.5.1": LayerSpec(chain=(new, inter)),
        "127.9.5.2": LayerSpec(
            chain=(old, inter),
            switches=((1.0, (new, inter)), (2.5, (old, inter)), (4.0, (new, inter))),
        ),
        "127.9.5.3": LayerSpec(chain=(old, inter), switches=((5.5, (new, inter)),)),
    }
    with Peers(specs, site="flip.lab.test", directory=tmp_path) as peers:
        args = [
            "flip.lab.test", "--port", str(peers.port), "--origin", "127.9.5.1",
            "--edge", "127.9.5.2", "--edge", "127.9.5.3", "--ca-bundle", str(bundle),
            "--alt-ca-bundle", "none", "--no-http", *WATCH, "--timeout", "30s", "--json",
        ]  # fmt: skip
        code, out, _err = watch(args, capsys)
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    final = events[-1]
    timelines = {t["address"]: [s["label"] for s in t["sightings"]] for t in final["timelines"]}
    assert timelines == {"127.9.5.1": ["A"], "127.9.5.2": ["B", "A", "B", "A"],
                         "127.9.5.3": ["B", "A"]}  # fmt: skip
    flips = [e for e in events if e["event"] == "change" and e["address"] == "127.9.5.2"]
    assert [e["kind"] for e in flips] == ["appeared", "switched", "switched", "switched"]
    rounds = [e for e in events if e["event"] == "round"]
    assert not any(r["converged"] for r in rounds[:-1]) and rounds[-1]["converged"]


async def test_switching_layers_keep_their_default_certificate_without_sni(
    tmp_path: Path,
) -> None:
    """A layer with a switch serves the new chain to SNI handshakes after the delay; without
    SNI it keeps its default certificate, or follows the switch when it has none."""
    now = dt.datetime.now(dt.UTC)
    root = pki.ca("Switch Root", now=now)
    old = pki.leaf(["sw.lab.test"], now=now, parent=root)
    new = pki.leaf(["sw.lab.test"], now=now, parent=root)
    default = pki.leaf(["default.example"], now=now, parent=root)
    specs = {
        "127.9.6.1": LayerSpec(chain=(old,), default_chain=(default,), switches=((0.5, (new,)),)),
        "127.9.6.2": LayerSpec(chain=(old,), switches=((0.5, (new,)),)),
    }
    with Peers(specs, site="sw.lab.test", directory=tmp_path) as peers:

        async def leaf(address: str, sni: str | None) -> str:
            result: ProbeResult = await probe(address, peers.port, sni, timeout=10)
            assert result.leaf is not None, result.error
            return result.leaf.sha256

        before = [await leaf("127.9.6.1", "sw.lab.test"), await leaf("127.9.6.2", None)]
        deadline = time.monotonic() + 30
        while await leaf("127.9.6.2", "sw.lab.test") != sha(new):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        after = [
            await leaf("127.9.6.1", "sw.lab.test"),
            await leaf("127.9.6.1", None),
            await leaf("127.9.6.2", None),
        ]
    assert before == [sha(old), sha(old)]
    assert after == [sha(new), sha(default), sha(new)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["a.lab.test", "b.lab.test"], "one site at a time"),
        (["a.lab.test", "--expect-sha256", "3f2a"], "--expect-sha256"),
        (["a.lab.test", "--markdown"], "not markdown"),
        (["a.lab.test", "--edge", "not-an-ip"], "invalid edge"),
        (["a.lab.test", "--ca-bundle", "/nonexistent/roots.pem"], "roots.pem"),
        (["bad..name", "--edge", "127.9.7.1"], "bad..name"),
    ],
)
def test_bad_input_exits_3_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad options exit 3 like `check`, with a message on stderr and no round reported."""
    code, out, err = watch(argv, capsys)
    assert code == 3 and "round" not in out
    assert message in err


@pytest.mark.parametrize("option", ["--interval", "--timeout"])
def test_bad_durations_exit_3_from_the_parser(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed duration is a usage error with exit code 3."""
    with pytest.raises(SystemExit) as exc:
        parse(["a.lab.test", option, "10x"])
    assert exc.value.code == 3
    assert "invalid duration" in capsys.readouterr().err


def test_watch_timeout_and_probe_timeout_are_separate() -> None:
    """--timeout is how long to watch; the per-layer timeout of `check` is --probe-timeout."""
    ns = parse(["a.lab.test", "--timeout", "2m", "--probe-timeout", "1.5", "--interval", "500ms"])
    assert (ns.watch_timeout, ns.timeout, ns.interval) == (120, 1.5, 0.5)
    defaults = parse(["a.lab.test"])
    assert (defaults.watch_timeout, defaults.interval) == (1800, 10)
    assert not hasattr(defaults, "timeout")


_SCRIPT = """
import sys
from layerscope.commands.arguments import add_check_options
from layerscope.commands.main import _Parser
from layerscope.commands.watch import add_watch_parser, cmd_watch
parser = _Parser(prog="layerscope")
add_watch_parser(parser.add_subparsers(dest="command", parser_class=_Parser), add_check_options)
sys.exit(cmd_watch(parser.parse_args(["watch", *sys.argv[1:]])))
"""


def test_ctrl_c_prints_the_timeline_and_exits_130(lab: Lab) -> None:
    """SIGINT during a watch (a real process) prints the timeline and exits 130."""
    args = [*lab.check_args("stale"), *WATCH, "--timeout", "10m"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")  # end of output

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        while not seen or not seen[-1].startswith("round 1:"):
            line = lines.get(timeout=60)  # the process prints a status line per round
            assert line, "".join(seen)
            seen.append(line)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    while not lines.empty():
        seen.append(lines.get())
    out = "".join(seen)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.stdout is not None
    proc.stdout.close()
    assert proc.returncode == 130, err
    assert "interrupted after" in out
    assert f"edge {lab.site('stale').edges[2]}:{lab.port}" in out[out.index("timeline (") :]
    assert "Traceback" not in err


def test_watch_modules_load_no_ui_or_http_library() -> None:
    """commands/main.py builds the watch parser on every run: importing the watch modules loads
    neither Textual, Rich nor httpx."""
    out = loaded_by(
        ["layerscope.commands.watch", "layerscope.diagnose.watch"],
        (
            "textual",
            "rich",
            "httpx",
        ),
    )
    assert out == ""
