"""The command line as users run it: console script, options, output formats, colour."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import socket
import subprocess
import sys
import threading

import pytest

from layerscope.commands.main import main
from layerscope.lab.lab import Lab


def trust(lab: Lab) -> list[str]:
    """Options that make the lab's roots the trust store."""
    return ["--ca-bundle", str(lab.public_roots), "--alt-ca-bundle", "none"]


def test_python_m_layerscope_runs_a_check(lab: Lab) -> None:
    """`python -m layerscope check` works as a separate process with the right exit code."""
    proc = subprocess.run(
        [sys.executable, "-m", "layerscope", "check", *lab.check_args("expiring")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 1, proc.stderr
    assert "expiring_soon" in proc.stdout
    assert "\x1b" not in proc.stdout


def _run_in_pty(args: list[str], env: dict[str, str]) -> str:
    """Run the CLI with a pseudo-terminal as stdout; returns what it printed."""
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run(
        [sys.executable, "-m", "layerscope", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
        timeout=60,
        check=False,
    )
    os.close(follower)
    reader.join(5)
    os.close(leader)
    assert proc.returncode in (0, 1, 2)
    return b"".join(chunks).decode("utf-8", "replace")


def test_terminal_output_is_coloured_unless_no_color(lab: Lab) -> None:
    """On a terminal the output has colour; with NO_COLOR set it has no escape at all."""
    args = ["check", *lab.check_args("stale")]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    assert "\x1b[" in _run_in_pty(args, env)
    assert "\x1b" not in _run_in_pty(args, {**env, "NO_COLOR": "1"})


def test_markdown_output(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """--markdown gives a heading per site, a layers table and the findings."""
    code = main(["check", *lab.check_args("incomplete"), "--markdown"])
    out = capsys.readouterr().out
    assert code == 2
    assert out.lstrip().startswith("#")
    assert "incomplete\\_chain" in out and "| " in out


def test_origin_host_is_resolved_and_each_ip_is_a_layer(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """--origin HOST:PORT resolves the host with the same resolvers; its IP is the origin."""
    site = lab.site("healthy")
    code = main(
        [
            "check",
            site.host,
            "--port",
            str(lab.port),
            "--resolver",
            lab.dns,
            "--origin",
            f"origin.{site.host}:{lab.port}",
            "--json",
            *trust(lab),
        ]
    )
    data = json.loads(capsys.readouterr().out)["sites"][0]
    origins = [ly for ly in data["layers"] if ly["role"] == "origin"]
    assert [o["address"] for o in origins] == [site.origin]
    assert origins[0]["source"].startswith("--origin")
    assert code == 0


def test_at_judges_validity_at_another_moment(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """--at 100 days ahead makes today's healthy certificate expired everywhere."""
    later = (lab.now + dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code = main(["check", *lab.check_args("healthy"), "--at", later, "--json"])
    data = json.loads(capsys.readouterr().out)["sites"][0]
    assert {f["code"] for f in data["findings"]} == {"expired"}
    assert code == 2


def test_warn_and_crit_days_move_the_thresholds(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 79-day-old healthy leaf is a warning at --warn-days 100, critical at --crit-days 100."""
    main(["check", *lab.check_args("healthy"), "--warn-days", "100", "--json"])
    data = json.loads(capsys.readouterr().out)["sites"][0]
    assert {(f["code"], f["severity"]) for f in data["findings"]} == {("expiring_soon", "warning")}
    code = main(
        ["check", *lab.check_args("healthy"), "--warn-days", "200", "--crit-days", "100", "--json"]
    )
    data = json.loads(capsys.readouterr().out)["sites"][0]
    assert {(f["code"], f["severity"]) for f in data["findings"]} == {("expiring_soon", "critical")}
    assert code == 2


def test_sni_option_changes_the_name_sent(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """--sni sends another name: the default-cert edge then serves its default certificate."""
    site = lab.site("default-cert")
    main(
        [
            "check",
            site.host,
            "--port",
            str(lab.port),
            "--edge",
            site.edges[1],
            "--sni",
            "other.lab.test",
            "--json",
            *trust(lab),
        ]
    )
    data = json.loads(capsys.readouterr().out)["sites"][0]
    assert data["sni"] == "other.lab.test"
    assert "default.fastedge-lab.test" in data["layers"][0]["chain"][0]["sans"]


def test_family_4_keeps_ipv4_edges(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """-4 asks only for A records; the lab has IPv4 edges, so all of them come back."""
    main(["check", *lab.check_args("healthy"), "-4", "--json"])
    data = json.loads(capsys.readouterr().out)["sites"][0]
    edges = [ly["address"] for ly in data["layers"] if ly["role"] == "edge"]
    assert edges == list(lab.site("healthy").edges)


def test_config_requires_sites(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """A config file without [[site]] is refused clearly with exit 3."""
    path = tmp_path / "empty.toml"  # type: ignore[operator]
    path.write_text("[defaults]\ntimeout = 2\n")
    assert main(["check", "--config", str(path)]) == 3
    assert "no [[site]] entries" in capsys.readouterr().err


def test_lab_stops_cleanly_and_leaves_nothing_running() -> None:
    """After the lab stops, its thread is gone, its ports refuse and its files are removed."""
    before = {t.name for t in threading.enumerate()}
    with Lab() as lab:
        address, port, directory = lab.site("healthy").origin, lab.port, lab.directory
        with socket.create_connection((address, port), timeout=2):
            pass
    with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
        pass
    assert not directory.exists()
    assert {t.name for t in threading.enumerate()} <= before


def test_summary_is_one_line_for_cron(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """--summary prints one line: worst verdict, counts, the sites needing attention."""
    code = main(["check", "--config", str(lab.config), "--summary"])
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("CRITICAL ")
    # the worst sites first, alphabetically: the first lab site needing attention is named
    status, perf = out.rstrip("\n").split(" | ")
    assert re.search(
        r"; aia-by-name\.lab\.test: incomplete_chain \(\d of \d layers critical", status
    )
    assert perf.startswith("sites=") and "critical=" in perf
    assert code == 2
