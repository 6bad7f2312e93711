"""The check options, each declared once: :data:`OPTIONS`.

One :class:`OptionSpec` per field of :class:`~layerscope.model.options.CheckOptions` gives
its config-file key (which is also the argparse destination), its ``--help`` group, the
function that checks and converts a value and its command-line flag(s) with their help.
From that table come the arguments of ``check`` and of the commands sharing its options
(:func:`layerscope.commands.arguments.add_check_options`), the keys a TOML config accepts
and how their values are read (:func:`layerscope.commands.config.apply`) and the options
taken from the command line (:data:`CHECK_KEYS`). The default is the dataclass field's;
help texts say it as ``{default}``.

To add an option: a field (with its default) in ``CheckOptions``, one entry in
:data:`OPTIONS` (and its reader in :mod:`layerscope.commands.values` unless an existing one
fits). ``tests/test_cli_options.py`` then checks it is reachable from both sides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from layerscope.commands import values as v
from layerscope.model.options import CheckOptions

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    #: Reads one value: ``(value, key as written, folder of the config file or None)`` to
    #: the ``CheckOptions`` field's value; raises ConfigError.
    Convert = Callable[[Any, str, Path | None], Any]

#: The ``--help`` sections of the check options.
PROBE, JUDGE, RUNNING = "what to probe", "how to judge", "running"


@dataclass(frozen=True)
class Flag:
    """One command-line flag of an option.

    Attributes:
        name: the flag, e.g. ``--port`` or ``-4``.
        help: its ``--help`` line; ``{default}`` stands for the option's default.
        metavar: the value's name in ``--help`` (default: the key in capitals).
        type: argparse ``type=`` for the text given (``int``, ``float``); None keeps it.
        repeat: the flag may be given several times (the values make a list).
        const: a switch that takes no value and sets this one (``-4``: 4, ``--no-http``:
            False); None for a flag that takes a value.
        example: a value the flag accepts, as typed (the tests give it on both sides).
    """

    name: str
    help: str
    metavar: str | None = None
    type: Callable[[str], Any] | None = None
    repeat: bool = False
    const: int | bool | None = None
    example: str = ""


@dataclass(frozen=True)
class OptionSpec:
    """One check option: how the command line and a config file give it.

    Attributes:
        key: the config-file key and argparse destination (``warn_days``; a config may
            write ``warn-days`` too).
        group: the section of ``--help`` it is listed in.
        convert: reads a value (command line or config) into the field's value.
        flags: its command-line flags (two for ``family``: ``-4`` and ``-6``).
        field: the ``CheckOptions`` field it sets when not named like ``key``; a config
            may use either name (``edge`` or ``edges``).
        only: the commands whose result it changes, when not all of them (``--warn-days``
            judges findings: ``check`` only). The others still accept it, so a ``check``
            command line can be reused, but their ``--help`` does not list it.
    """

    key: str
    group: str
    convert: Convert
    flags: tuple[Flag, ...]
    field: str = ""
    only: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        """The ``CheckOptions`` field this option sets."""
        return self.field or self.key

    @property
    def config_names(self) -> tuple[str, ...]:
        """The keys a config file may give this option under."""
        return tuple(dict.fromkeys((self.key, self.target)))

    @property
    def default(self) -> Any:
        """The built-in default: the ``CheckOptions`` field's."""
        return _DEFAULTS[self.target]

    def honoured_by(self, command: str) -> bool:
        """Does it change what ``command`` (``check``, ``watch``, ``fix-chain``,
        ``preflight``) does?"""
        return not self.only or command in self.only

    def help_for(self, flag: Flag) -> str:
        """``flag``'s help with ``{default}`` filled in (``5.0`` shown as ``5``)."""
        shown = f"{self.default:g}" if isinstance(self.default, float) else str(self.default)
        return flag.help.replace("{default}", shown)


_DEFAULTS: Mapping[str, Any] = {f.name: f.default for f in dataclasses.fields(CheckOptions)}


def option(
    key: str,
    group: str,
    convert: Convert,
    *flags: Flag,
    field: str = "",
    only: tuple[str, ...] = (),
) -> OptionSpec:
    """An :class:`OptionSpec` with its flags as arguments (how :data:`OPTIONS` is written)."""
    return OptionSpec(key, group, convert, flags, field, only)


#: ``only`` of the options that matter to ``check`` alone: they judge findings, compare
#: trust stores or choose the page fetched, which neither ``watch`` nor ``fix-chain`` use.
CHECK_ONLY = ("check",)

#: ``only`` of the expiry thresholds: they judge findings, for a site or a file (``preflight``).
JUDGING = ("check", "preflight")


#: Every check option, in ``--help`` order.
OPTIONS: tuple[OptionSpec, ...] = (
    option(
        "origin",
        PROBE,
        v.read_origin,
        Flag(
            "--origin",
            "the origin server behind the CDN (a host name: each of its IPs)",
            metavar="IP|HOST[:PORT]",
            example="origin.example.test:8443",
        ),
    ),
    option(
        "edge",
        PROBE,
        v.read_edges,
        Flag(
            "--edge",
            "probe this edge address instead of resolving the site (repeatable; at PORT "
            "when given, [IPv6]:PORT, else at --port)",
            metavar="IP[:PORT]",
            repeat=True,
            example="192.0.2.10:8443",
        ),
        field="edges",
    ),
    option(
        "port",
        PROBE,
        v.read_port,
        Flag("--port", "site port (default {default})", type=int, example="8443"),
    ),
    option(
        "sni",
        PROBE,
        v.read_text,
        Flag(
            "--sni",
            "server name to send (default: site)",
            metavar="NAME",
            example="www.example.test",
        ),
    ),
    option(
        "resolver",
        PROBE,
        v.read_resolvers,
        Flag(
            "--resolver",
            "DNS resolver to ask (repeatable; default: the system resolver)",
            metavar="IP[:PORT]",
            repeat=True,
            example="192.0.2.53:5353",
        ),
        field="resolvers",
    ),
    option(
        "ecs",
        PROBE,
        v.read_ecs,
        Flag(
            "--ecs",
            "ask DNS as a client in SUBNET (EDNS Client Subnet, e.g. 203.0.113.0/24; "
            "repeatable: the union of the edges each subnet gets)",
            metavar="SUBNET",
            repeat=True,
            example="203.0.113.0/24",
        ),
    ),
    option(
        "family",
        PROBE,
        v.read_family,
        Flag("-4", "IPv4 edges only", const=4),
        Flag("-6", "IPv6 edges only", const=6),
    ),
    option(
        "http",
        PROBE,
        v.read_switch,
        Flag("--no-http", "skip the HTTP fetch per layer", const=False),
    ),
    option(
        "path",
        PROBE,
        v.read_page_path,
        Flag("--path", "path fetched over each layer (default {default})", example="/health"),
        only=CHECK_ONLY,
    ),
    option(
        "ocsp",
        PROBE,
        v.read_switch,
        Flag(
            "--no-ocsp",
            "do not ask the OCSP responder (stapled responses are still judged)",
            const=False,
        ),
    ),
    option(
        "cert_types",
        PROBE,
        v.read_switch,
        Flag(
            "--no-cert-types",
            "one handshake per layer: do not ask for its ECDSA and RSA certificates apart",
            const=False,
        ),
    ),
    option(
        "aia",
        PROBE,
        v.read_switch,
        Flag("--no-aia", "do not download missing intermediates from AIA URLs", const=False),
    ),
    option(
        "ca_bundle",
        JUDGE,
        v.read_store,
        Flag(
            "--ca-bundle",
            "trust store (default {default}, Mozilla's)",
            metavar="certifi|system|FILE",
            example="system",
        ),
    ),
    option(
        "extra_ca",
        JUDGE,
        v.read_files,
        Flag(
            "--extra-ca",
            "private/company CA added to the trust store (repeatable)",
            metavar="FILE",
            repeat=True,
            example="/etc/ssl/corp-root.pem",
        ),
    ),
    option(
        "alt_ca_bundle",
        JUDGE,
        v.read_alt_store,
        Flag(
            "--alt-ca-bundle",
            "second store to compare with (default: system for certifi, and back)",
            metavar="certifi|system|FILE|none",
            example="none",
        ),
        only=CHECK_ONLY,
    ),
    option(
        "warn_days",
        JUDGE,
        v.read_count,
        Flag("--warn-days", "expiry warning threshold ({default})", type=int, example="30"),
        only=JUDGING,
    ),
    option(
        "crit_days",
        JUDGE,
        v.read_count,
        Flag("--crit-days", "expiry critical threshold ({default})", type=int, example="3"),
        only=JUDGING,
    ),
    option(
        "at",
        JUDGE,
        v.read_at,
        Flag(
            "--at",
            "judge validity at this moment (ISO 8601) instead of now",
            metavar="DATETIME",
            example="2026-12-01T09:00Z",
        ),
    ),
    option(
        "timeout",
        RUNNING,
        v.read_timeout,
        Flag("--timeout", "seconds per layer and lookup ({default})", type=float, example="2.5"),
    ),
    option(
        "concurrency",
        RUNNING,
        v.read_concurrency,
        Flag("--concurrency", "probes in flight at once ({default})", type=int, example="8"),
    ),
)

#: The options by key (``OPTION["timeout"]``).
OPTION: Mapping[str, OptionSpec] = {spec.key: spec for spec in OPTIONS}

#: The options by every name a config file may give them under (with ``_``, not ``-``).
BY_CONFIG_NAME: Mapping[str, OptionSpec] = {
    name: spec for spec in OPTIONS for name in spec.config_names
}

#: The check options the command line may give (argparse destinations = config keys).
CHECK_KEYS: tuple[str, ...] = tuple(OPTION)
