"""The check options are declared once (layerscope/commands/options.py) and both the command
line and the config file are built from that table: every field of CheckOptions is
declared exactly once, each flag reaches its field from argparse and from a TOML file,
``--help`` lists every declaration, and the flags and help texts are the ones users know."""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands.arguments import CONFIG_HELP, FORMATS
from layerscope.commands.config import CHECK_KEYS, load_config, requests_from_args
from layerscope.commands.main import build_parser, main
from layerscope.commands.options import OPTIONS, Flag, OptionSpec
from layerscope.model.options import CheckOptions

FIELDS = [f.name for f in dataclasses.fields(CheckOptions)]
FLAGS = [(spec, flag) for spec in OPTIONS for flag in spec.flags]
SHARING = ("check", "fix-chain", "watch")  # the subcommands with the check options


def flag_id(case: tuple[OptionSpec, Flag]) -> str:
    """Test id of one (option, flag) pair."""
    return case[1].name


def subparser(command: str) -> argparse.ArgumentParser:
    """The parser of one subcommand, as build_parser() wires it."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = sub.choices[command]
    return parser


def cli_name(command: str, flag: Flag) -> str:
    """The flag as ``command`` spells it (watch's own --timeout is how long to watch)."""
    return "--probe-timeout" if (command, flag.name) == ("watch", "--timeout") else flag.name


def argv_for(command: str, flag: Flag) -> list[str]:
    """``command HOST FLAG [EXAMPLE]`` (fix-chain also needs its output file)."""
    extra = ["-o", "out.pem"] if command == "fix-chain" else []
    value = [] if flag.const is not None else [flag.example]
    return [command, "site.test", *extra, cli_name(command, flag), *value]


def toml_value(value: Any) -> str:
    """A parsed command-line value as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)  # strings and lists of strings: JSON and TOML agree


def test_every_check_option_field_is_declared_exactly_once() -> None:
    """One declaration per CheckOptions field (all of them can be set), no key, config name
    or flag twice, and CHECK_KEYS is the table's keys."""
    targets = Counter(spec.target for spec in OPTIONS)
    assert sorted(targets) == sorted(FIELDS)
    assert max(targets.values()) == 1
    names = [name for spec in OPTIONS for name in spec.config_names]
    assert len(names) == len(set(names))
    flags = [flag.name for _spec, flag in FLAGS]
    assert len(flags) == len(set(flags))
    assert list(CHECK_KEYS) == [spec.key for spec in OPTIONS]


@pytest.mark.parametrize("case", FLAGS, ids=flag_id)
def test_each_flag_reaches_its_field_from_argparse_and_from_the_config(
    case: tuple[OptionSpec, Flag], tmp_path: Path
) -> None:
    """``check HOST FLAG EXAMPLE`` changes the field from its default, and a config file
    giving the same value under each of the option's names gives the same field value."""
    spec, flag = case
    assert flag.const is not None or flag.example, f"{flag.name} needs an example value"
    ns = build_parser().parse_args(argv_for("check", flag))
    (request,) = requests_from_args(ns)
    from_cli = getattr(request.options, spec.target)
    assert from_cli != spec.default
    value = toml_value(getattr(ns, spec.key))
    for name in {*spec.config_names, spec.key.replace("_", "-")}:
        config = tmp_path / f"{name}.toml"
        config.write_text(f'[[site]]\nhost = "site.test"\n{name} = {value}\n')
        (site,) = load_config(config, {})
        assert getattr(site.options, spec.target) == from_cli, name
        config.write_text(f'[defaults]\n{name} = {value}\n[[site]]\nhost = "site.test"\n')
        (site,) = load_config(config, {})
        assert getattr(site.options, spec.target) == from_cli, name


@pytest.mark.parametrize("command", SHARING[1:])
@pytest.mark.parametrize("case", FLAGS, ids=flag_id)
def test_the_commands_sharing_the_check_options_reach_the_same_fields(
    case: tuple[OptionSpec, Flag], command: str
) -> None:
    """fix-chain and watch take every check option too (watch's --probe-timeout is check's
    --timeout), with the same result."""
    spec, flag = case
    ns = build_parser().parse_args(argv_for(command, flag))
    (request,) = requests_from_args(ns)
    (expected,) = requests_from_args(build_parser().parse_args(argv_for("check", flag)))
    assert getattr(request.options, spec.target) == getattr(expected.options, spec.target)


def help_text(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    """``layerscope COMMAND --help`` with its whitespace folded (COLUMNS is set wide)."""
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    return " ".join(capsys.readouterr().out.split())


#: What each command prints: its output formats, and whether it reads --config.
PRINTS = {
    "check": ([flag for flag, _help in FORMATS], True),
    "fix-chain": ([], False),
    "watch": (["--json"], True),
}


@pytest.mark.parametrize("command", SHARING)
def test_help_lists_every_declaration_the_command_honours(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--help`` of each subcommand sharing the options names every flag it honours with
    its help (defaults filled in), and only the output formats it prints: check all of
    them and --config, watch --json (JSON lines) and --config, fix-chain none of them."""
    monkeypatch.setenv("COLUMNS", "200")
    text = help_text(command, capsys)
    for spec, flag in FLAGS:
        listed = f"{cli_name(command, flag)} " in text or f"{cli_name(command, flag)}]" in text
        assert listed == spec.honoured_by(command), flag.name
        if listed:
            assert " ".join(spec.help_for(flag).split()) in text, flag.name
    formats, config = PRINTS[command]
    assert (CONFIG_HELP in text) == config
    assert ("--config" in text) == config
    for flag, line in FORMATS:
        assert (f"{flag} " in text) == (flag in formats), flag
        if command == "check":
            assert line in text
    assert "{default}" not in text


def test_options_judging_findings_are_checks_only() -> None:
    """Only check judges findings and compares stores: --warn-days, --crit-days,
    --alt-ca-bundle and --path (the page fetched) are listed by check alone; every other
    option by all three commands."""
    only_check = {f.name for spec, f in FLAGS if not spec.honoured_by("watch")}
    assert only_check == {"--alt-ca-bundle", "--warn-days", "--crit-days", "--path"}
    assert all(spec.honoured_by("check") for spec in OPTIONS)
    assert all(spec.honoured_by("fix-chain") == spec.honoured_by("watch") for spec in OPTIONS)


def test_help_shows_layerscope_host_the_commands_and_the_exit_codes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top-level --help shows `layerscope HOST`, every command and the exit codes."""
    monkeypatch.setenv("COLUMNS", "200")
    text = help_text("--help", capsys)
    assert "layerscope HOST" in text
    for command in ("check", "watch", "fix-chain", "demo"):
        assert f"layerscope {command} " in text, command
    for code in ("0 ok", "1 warning", "2 critical", "3 unknown", "0 converged", "0 written"):
        assert code in text
    assert "HOST:PORT" in text and "[IPv6]:PORT" in text


@pytest.mark.parametrize("argv", [["help"], ["help", "watch"]])
def test_help_word_is_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`layerscope help [COMMAND]` prints the help (git's habit), not a lookup of "help"."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: layerscope {argv[1]}" if argv[1:] else "usage: layerscope [")


def test_flags_and_groups_are_the_ones_users_know() -> None:
    """The check options, their order and their --help sections as before the table."""
    groups = {
        group.title: [o for a in group._group_actions for o in a.option_strings]
        for group in subparser("check")._action_groups
    }
    assert groups["what to probe"] == [
        "--origin",
        "--edge",
        "--port",
        "--sni",
        "--resolver",
        "--ecs",
        "-4",
        "-6",
        "--no-http",
        "--path",
        "--no-ocsp",
        "--no-cert-types",
        "--no-aia",
    ]
    assert groups["how to judge"] == [
        "--ca-bundle",
        "--extra-ca",
        "--alt-ca-bundle",
        "--warn-days",
        "--crit-days",
        "--at",
    ]
    assert groups["running"] == ["--timeout", "--concurrency", "--config"]
    assert groups["output"] == ["--json", "--summary", "--jsonl", "--prometheus", "--markdown"]


@pytest.mark.parametrize(
    ("flag", "text"),
    [
        ("--port", "site port (default 443)"),
        ("--path", "path fetched over each layer (default /)"),
        ("--ca-bundle", "trust store (default certifi, Mozilla's)"),
        ("--warn-days", "expiry warning threshold (21)"),
        ("--crit-days", "expiry critical threshold (7)"),
        ("--timeout", "seconds per layer and lookup (5)"),
        ("--concurrency", "probes in flight at once (32)"),
    ],
)
def test_help_says_the_dataclass_default(flag: str, text: str) -> None:
    """``{default}`` in a help text is the CheckOptions default, shown as before."""
    action = next(a for a in subparser("check")._actions if flag in a.option_strings)
    assert action.help == text
    assert action.default is argparse.SUPPRESS


def test_watch_probe_timeout_is_checks_timeout() -> None:
    """watch's --probe-timeout is check's --timeout under another name: same type, help and
    destination; its own --timeout is how long to watch."""
    actions = {o: a for a in subparser("watch")._actions for o in a.option_strings}
    probe, check = (
        actions["--probe-timeout"],
        {o: a for a in subparser("check")._actions for o in a.option_strings}["--timeout"],
    )
    assert (probe.dest, probe.type, probe.help) == (check.dest, check.type, check.help)
    assert probe.metavar == "SECONDS"
    assert actions["--timeout"].dest == "watch_timeout"
