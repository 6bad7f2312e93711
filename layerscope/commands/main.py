"""Command line: ``layerscope check``, ``layerscope demo``, ``layerscope HOST``.

The parser of every subcommand and the dispatch to them: ``check`` and the inspector in
:mod:`layerscope.commands.check`, ``fix-chain`` in :mod:`layerscope.commands.fix_chain`,
``preflight`` in :mod:`layerscope.commands.preflight`,
``demo`` in :mod:`layerscope.commands.demo`, ``watch`` in :mod:`layerscope.commands.watch`;
the check options they share are declared in :mod:`layerscope.commands.options`.
``layerscope WORD`` is the inspector only when WORD looks like a host (a dot, an IP): a
mistyped command gets a "did you mean", never a lookup.

Exit codes follow Nagios: 0 ok/info, 1 warning, 2 critical, 3 unknown (also for bad
options, so a monitoring system never mistakes a typo for a critical certificate).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from layerscope import __version__
from layerscope.commands import startup
from layerscope.commands.arguments import add_check_options
from layerscope.commands.check import (
    EXIT_UNKNOWN,
    cmd_check,
    cmd_inspect,
    exit_code,
    render,
    run_requests,
    run_tui,
    silence_stdout,
    stream_jsonl,
)
from layerscope.commands.config import ConfigError, requests_from_args
from layerscope.commands.demo import add_demo_parser, cmd_demo
from layerscope.commands.fix_chain import add_fix_chain_parser, cmd_fix_chain
from layerscope.commands.preflight import add_preflight_parser, cmd_preflight
from layerscope.commands.values import parse_site
from layerscope.model.names import is_ip

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

__all__ = [
    "COMMANDS",
    "EXIT_UNKNOWN",
    "build_parser",
    "cmd_check",
    "cmd_demo",
    "cmd_fix_chain",
    "cmd_inspect",
    "cmd_preflight",
    "exit_code",
    "looks_like_host",
    "main",
    "render",
    "requests_from_args",
    "run_requests",
    "run_tui",
    "stream_jsonl",
]

#: The subcommands, in ``--help`` order.
COMMANDS = ("check", "watch", "fix-chain", "preflight", "demo")

#: The top-level options: anything else starting with ``-`` is ``layerscope HOST``'s.
_TOP_OPTIONS = ("-h", "--help", "--version")

_USAGE = """\
layerscope [HOST...] [options]
       layerscope COMMAND [HOST...] [options]"""

_ABOUT = (
    "Which TLS certificate each CDN edge and the origin actually serve, why browsers call it "
    "untrusted, and what to run to fix it."
)

#: How each way of running layerscope is typed, with its line in the top-level ``--help``
#: (a command's line is its subparser's ``help``).
_SYNOPSES: tuple[tuple[str, str], ...] = (
    (
        "layerscope HOST... [options]",
        "the inspector on a terminal (elsewhere: what check prints), with check's options",
    ),
    ("layerscope", "the same for the sites of the config file"),
    ("layerscope check HOST... [options]", "check"),
    ("layerscope watch HOST [options]", "watch"),
    ("layerscope fix-chain HOST -o FILE", "fix-chain"),
    ("layerscope preflight FULLCHAIN | --nginx", "preflight"),
    ("layerscope demo [--check]", "demo"),
)

_EPILOG = """\
HOST is a site name with a dot, an IP, HOST:PORT or [IPv6]:PORT (a name without a dot:
layerscope check NAME). Without HOST: --config FILE, ./layerscope.toml or
~/.config/layerscope/config.toml. `layerscope COMMAND --help` lists each command's options.

exit codes (Nagios): 0 ok or info, 1 warning, 2 critical, 3 unknown: DNS failed, nothing
could be probed, or bad options (a typo is never a critical). watch: 0 converged, 1 timed
out; fix-chain: 0 written, 1 refused; preflight: 0 fine to deploy, 1 warnings, 2 would break
clients, 3 unreadable file or bad options; 130 interrupted (Ctrl-C)."""


def _description(helps: dict[str, str]) -> str:
    """The top-level description: what layerscope does, then one line per way to run it."""
    lines = [*textwrap.wrap(_ABOUT, 90), "", "commands:"]
    width = max(len(synopsis) for synopsis, _what in _SYNOPSES) + 4
    for synopsis, what in _SYNOPSES:
        text = textwrap.wrap(helps.get(what, what), 90 - width)
        lines.append(f"  {synopsis:<{width - 2}}{text[0]}")
        lines.extend(" " * width + more for more in text[1:])
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNKNOWN, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every subcommand; its ``--help`` shows ``layerscope HOST``,
    each command and the exit codes. With ``only`` (a command of :data:`COMMANDS`), that
    command's parser alone: what parses its arguments, ~5 ms less start-up (#14)."""
    parser = _Parser(
        prog="layerscope",
        usage=_USAGE,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"layerscope {__version__}")
    sub = parser.add_subparsers(
        dest="command", parser_class=_Parser, prog="layerscope", help=argparse.SUPPRESS
    )
    if only not in (None, "check"):
        _add_other(sub, only)
        return parser
    check = sub.add_parser(
        "check",
        help="the report of each site: text, --json, --markdown, --jsonl, --summary or "
        "--prometheus",
        description="Inspect each site layer by layer (its edges from DNS or --edge, and "
        "the origin with --origin) and print the report.",
        epilog="exit codes: the worst site's: 0 ok or info, 1 warning, 2 critical, "
        "3 unknown (DNS failed, nothing could be probed, or bad options)",
    )
    check.add_argument(
        "hosts", nargs="*", metavar="HOST", help="site name(s): HOST, HOST:PORT, [IPv6]:PORT"
    )
    add_check_options(check)
    if only == "check":
        return parser
    for name in COMMANDS[1:]:
        _add_other(sub, name)
    parser.description = _description({a.dest: a.help or "" for a in sub._choices_actions})
    return parser


def _add_other(sub: argparse._SubParsersAction[_Parser], name: str) -> None:
    """The parser of command ``name`` (not check) on ``sub``."""
    if name == "watch":
        from layerscope.commands.watch import add_watch_parser

        add_watch_parser(sub, add_check_options)
    elif name == "fix-chain":
        add_fix_chain_parser(sub)
    elif name == "preflight":
        add_preflight_parser(sub)
    elif name == "demo":
        add_demo_parser(sub)


def looks_like_host(word: str) -> bool:
    """Is ``word`` meant as a site (``layerscope WORD``)? A name with a dot, an IP, either
    with ``:PORT``, or a URL (refused later with a hint) — never a bare word like ``chek``."""
    if "://" in word:
        return True
    try:
        site = parse_site(word)
    except ConfigError:
        return "." in word
    return "." in site.host or is_ip(site.host)


def _not_a_command(word: str) -> str:
    """The one line for ``layerscope WORD`` when WORD is neither a command nor a host."""
    import difflib

    from layerscope.present.sanitize import safe_text

    lowered = word.lower()
    guess = [c for c in COMMANDS if c.startswith(lowered)] or difflib.get_close_matches(
        lowered, COMMANDS, n=1, cutoff=0.6
    )
    shown = safe_text(word, 80)
    if guess:
        return (
            f"layerscope: {shown!r} is not a command; did you mean 'layerscope {guess[0]}'? "
            f"(a host without a dot: layerscope check {shown})"
        )
    return (
        f"layerscope: {shown!r} is not a command ({', '.join(COMMANDS)}) nor a host name "
        f"with a dot; a host without one: layerscope check {shown}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``layerscope`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["help"]:  # git's habit: `layerscope help [COMMAND]`
        args = [*args[1:2], "--help"] if args[1:2] and args[1] in COMMANDS else ["--help"]
    interactive = not args or args[0] not in (*COMMANDS, *_TOP_OPTIONS)
    if interactive:
        # `layerscope HOST ...` (or no argument: the config's sites) opens the inspector;
        # `layerscope chek host` is a typo, never a lookup of a host named "chek"
        if args and not args[0].startswith("-") and not looks_like_host(args[0]):
            print(_not_a_command(args[0]), file=sys.stderr)
            return EXIT_UNKNOWN
        args = ["check", *args]
    # a command's own parser when it is named first; the whole tree for the top level
    parser = build_parser(args[0] if args[:1] and args[0] in COMMANDS else None)
    try:
        ns = parser.parse_args(args)
        stray = [h for h in ns.hosts if not looks_like_host(h)] if interactive else []
        if stray:  # after options: `layerscope -4 chek`
            print(_not_a_command(stray[0]), file=sys.stderr)
            return EXIT_UNKNOWN
        return _dispatch(ns, interactive)
    except BrokenPipeError:
        # the reader of stdout went away (`| head`): stop quietly, no traceback
        silence_stdout()
        return EXIT_UNKNOWN


def _dispatch(ns: argparse.Namespace, interactive: bool) -> int:
    if not interactive and ns.command != "check":
        startup.done()  # long runs and the rest: no wait for a first result (a check's
        # first report, or the inspector's first frame, end the start-up of the others)
    if ns.command == "demo":
        return cmd_demo(ns)
    if ns.command == "fix-chain":
        return cmd_fix_chain(ns)
    if ns.command == "preflight":
        return cmd_preflight(ns)
    if ns.command == "watch":
        from layerscope.commands.watch import cmd_watch

        return cmd_watch(ns)
    if interactive:
        return cmd_inspect(ns)
    return cmd_check(ns)


def _run() -> NoReturn:  # pragma: no cover - console script wrapper
    startup.begin()
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    _run()
