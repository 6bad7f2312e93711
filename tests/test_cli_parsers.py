"""A command named first is parsed by its own parser alone (#14: the rest of the tree is
not built on every start); what it accepts, refuses and prints is the whole tree's."""

from __future__ import annotations

import argparse

import pytest

from layerscope.commands.main import COMMANDS, build_parser

SAMPLES = [
    ["check", "a.example", "--json", "--origin", "192.0.2.1:8443", "-4"],
    ["watch", "a.example", "--interval", "5s", "--json"],
    ["fix-chain", "a.example", "-o", "chain.pem"],
    ["preflight", "fullchain.pem", "--key", "key.pem"],
    ["demo", "--check"],
]


def _sub(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    chosen: argparse.ArgumentParser = sub.choices[command]
    return chosen


def test_every_command_has_a_sample() -> None:
    """A new command gets its sample here."""
    assert sorted(argv[0] for argv in SAMPLES) == sorted(COMMANDS)


@pytest.mark.parametrize("argv", SAMPLES, ids=lambda argv: argv[0])
def test_a_commands_own_parser_reads_what_the_whole_tree_reads(argv: list[str]) -> None:
    """The same namespace, the same --help text, and only that command in the tree."""
    alone, whole = build_parser(argv[0]), build_parser()
    assert vars(alone.parse_args(argv)) == vars(whole.parse_args(argv))
    assert _sub(alone, argv[0]).format_help() == _sub(whole, argv[0]).format_help()
    sub = next(a for a in alone._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == [argv[0]]


@pytest.mark.parametrize("argv", SAMPLES, ids=lambda argv: argv[0])
def test_a_commands_own_parser_refuses_what_the_whole_tree_refuses(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown option: exit 3 and the same message either way."""
    said = []
    for parser in (build_parser(argv[0]), build_parser()):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([*argv, "--no-such-option"])
        said.append((exc.value.code, capsys.readouterr().err))
    assert said[0] == said[1] and said[0][0] == 3
