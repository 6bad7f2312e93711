"""The check options as argparse arguments, built from :data:`~.options.OPTIONS`.

``check``, ``fix-chain``, ``watch`` and ``layerscope HOST`` share them. An option the user
does not type stays absent from the namespace (``default=SUPPRESS``), so only the options
given on the command line override a config file's.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from layerscope.commands.options import OPTIONS, RUNNING, Flag, OptionSpec

#: The output formats of ``check``: flag and help (the flag sets ``format`` to its name).
FORMATS: tuple[tuple[str, str], ...] = (
    ("--json", "JSON (schema in docs/json-schema.md)"),
    ("--summary", "one line: worst verdict, counts and the sites that need attention (cron)"),
    ("--jsonl", "JSON lines: one object per site, written as soon as that site is done"),
    ("--prometheus", "node_exporter textfile metrics (docs/prometheus.md)"),
    ("--markdown", "Markdown, for tickets and chat"),
)

#: Help of ``--config``.
CONFIG_HELP = "TOML file with [defaults] and [[site]] entries"


def add_flag(
    container: argparse._ActionsContainer,
    spec: OptionSpec,
    flag: Flag,
    *,
    name: str = "",
    metavar: str | None = None,
) -> None:
    """Add ``flag`` of ``spec`` to a parser or argument group, under another ``name`` and
    ``metavar`` when given (``watch`` calls check's ``--timeout`` ``--probe-timeout``)."""
    kwargs: dict[str, Any] = {
        "dest": spec.key,
        "default": argparse.SUPPRESS,
        "help": spec.help_for(flag),
    }
    if flag.const is not None:
        kwargs.update(action="store_const", const=flag.const)
    else:
        if metavar or flag.metavar:
            kwargs["metavar"] = metavar or flag.metavar
        if flag.type is not None:
            kwargs["type"] = flag.type
        if flag.repeat:
            kwargs["action"] = "append"
    container.add_argument(name or flag.name, **kwargs)


def add_check_options(parser: argparse.ArgumentParser) -> None:
    """Add every option of :data:`~.options.OPTIONS` to ``parser``, each in its ``--help``
    group, then ``--config`` (in "running") and the output formats (in "output")."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for spec in OPTIONS:
        if spec.group not in groups:
            groups[spec.group] = parser.add_argument_group(spec.group)
        for flag in spec.flags:
            add_flag(groups[spec.group], spec, flag)
    running = groups.get(RUNNING) or parser.add_argument_group(RUNNING)
    running.add_argument(
        "--config", metavar="FILE", type=Path, default=argparse.SUPPRESS, help=CONFIG_HELP
    )
    output = parser.add_argument_group("output").add_mutually_exclusive_group()
    for name, text in FORMATS:
        output.add_argument(
            name,
            dest="format",
            action="store_const",
            const=name[2:],
            default=argparse.SUPPRESS,
            help=text,
        )
