"""The check options as argparse arguments, built from :data:`~.options.OPTIONS`.

``check``, ``fix-chain``, ``watch`` and ``layerscope HOST`` share them. An option the user
does not type stays absent from the namespace (``default=SUPPRESS``), so only the options
given on the command line override a config file's. Each command's ``--help`` lists the
options it honours; the others (``fix-chain --warn-days``) are still accepted, so a
``check`` command line can be reused with another command, and an output format a command
does not print is refused by that command with a message.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from layerscope.commands.check import EXIT_UNKNOWN
from layerscope.commands.options import OPTIONS, RUNNING, Flag, OptionSpec
from layerscope.commands.values import path_arg

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
    hidden: bool = False,
) -> None:
    """Add ``flag`` of ``spec`` to a parser or argument group, under another ``name`` and
    ``metavar`` when given (``watch`` calls check's ``--timeout`` ``--probe-timeout``);
    ``hidden``: accepted but not listed by ``--help``."""
    kwargs: dict[str, Any] = {
        "dest": spec.key,
        "default": argparse.SUPPRESS,
        "help": argparse.SUPPRESS if hidden else spec.help_for(flag),
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


class CurlResolve(argparse.Action):
    """``--resolve``: curl's ``HOST:PORT:ADDR`` gets a one-line hint (here the site is
    probed at an address with ``HOST:PORT --edge ADDR``) and exit 3; anything else is a
    ``--resolver`` (what argparse would otherwise read ``--resolve`` as, by abbreviation)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        """Refuse curl's form with the equivalent options, or add a resolver."""
        text = str(values)
        host, _, rest = text.partition(":")
        port, _, addresses = rest.partition(":")
        if host and not host.startswith("[") and port.isdigit() and addresses:
            edge = addresses.split(",")[0].strip().strip("[]")
            site = host if port == "443" else f"{host}:{port}"
            parser.exit(
                EXIT_UNKNOWN,
                f"layerscope: --resolve is curl's; here: {parser.prog} {site} --edge {edge} "
                "(the site probed at that address, DNS not used)\n",
            )
        resolvers = list(getattr(namespace, "resolver", None) or [])
        namespace.resolver = [*resolvers, text]


def add_check_options(
    parser: argparse.ArgumentParser,
    *,
    command: str = "check",
    formats: Mapping[str, str] | None = None,
    config: bool = True,
) -> None:
    """Add every option of :data:`~.options.OPTIONS` to ``parser``, each in its ``--help``
    group (hidden from it when ``command`` does not honour it), then ``--config`` (in
    "running", unless ``config`` is false) and the output formats (in "output").

    ``formats``: the formats ``command`` prints (names without ``--``), each with its help
    ("" for check's); the others are accepted but not listed, and the command refuses
    them with a message. None: all of them, as ``check`` prints them."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for spec in OPTIONS:
        if spec.group not in groups:
            groups[spec.group] = parser.add_argument_group(spec.group)
        for flag in spec.flags:
            add_flag(groups[spec.group], spec, flag, hidden=not spec.honoured_by(command))
    parser.add_argument(
        "--resolve",
        action=CurlResolve,
        dest="resolver",
        metavar="HOST:PORT:ADDR",
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )
    running = groups.get(RUNNING) or parser.add_argument_group(RUNNING)
    if config:
        running.add_argument(
            "--config", metavar="FILE", type=path_arg, default=argparse.SUPPRESS, help=CONFIG_HELP
        )
    helps = {name: text for name, text in FORMATS}
    if formats is not None:
        helps = {n: formats[n[2:]] or helps[n] if n[2:] in formats else "" for n in helps}
    container = parser.add_argument_group("output") if any(helps.values()) else parser
    output = container.add_mutually_exclusive_group()
    for name, text in helps.items():
        output.add_argument(
            name,
            dest="format",
            action="store_const",
            const=name[2:],
            default=argparse.SUPPRESS,
            help=text or argparse.SUPPRESS,
        )
