"""Options from the command line and TOML config files, turned into :class:`CheckOptions`.

Precedence: built-in defaults < the config's ``[defaults]`` < a ``[[site]]`` entry <
options given explicitly on the command line. Which keys there are and how each value is
read is declared once, in :data:`layerscope.commands.options.OPTIONS`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from layerscope.commands.options import BY_CONFIG_NAME, CHECK_KEYS
from layerscope.commands.values import ConfigError, parse_at, parse_endpoint, parse_site
from layerscope.model.options import CheckOptions, SiteRequest

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = [
    "CHECK_KEYS",
    "ConfigError",
    "apply",
    "default_config_paths",
    "load_config",
    "parse_at",
    "parse_endpoint",
    "requests_from_args",
    "site_request",
]


def apply(
    options: CheckOptions, values: Mapping[str, Any], base: Path | None = None
) -> CheckOptions:
    """Options updated with config-style ``values`` (keys as in the TOML file, ``-`` or
    ``_``), each read by its declaration in :data:`layerscope.commands.options.OPTIONS`;
    relative file names are relative to ``base`` when given (raises ConfigError)."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or key in ("host", "name"):
            continue
        spec = BY_CONFIG_NAME.get(key.replace("-", "_"))
        if spec is None:
            raise ConfigError(f"unknown option {key!r}")
        changes[spec.target] = spec.convert(value, key, base)
    return dataclasses.replace(options, **changes)


def site_request(host: str, options: CheckOptions, *given: Mapping[str, Any]) -> SiteRequest:
    """The site ``host`` (``HOST``, ``HOST:PORT``, ``[IPv6]:PORT``) with ``options``: a port
    in it is the site's port, unless one of the ``given`` option sets (what the user wrote
    beside it) names another (raises ConfigError, as for an invalid name)."""
    site = parse_site(host)
    if site.port is None:
        return SiteRequest(site.host, options)
    for values in given:
        port = values.get("port")
        if port is not None and port != site.port:
            raise ConfigError(f"{host} and port {port} disagree: give the port once")
    return SiteRequest(site.host, dataclasses.replace(options, port=site.port))


def default_config_paths() -> list[Path]:
    """Where a config file is looked for when none is given."""
    from pathlib import Path

    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path("layerscope.toml"), home / "layerscope" / "config.toml"]


def load_config(path: Path, cli: Mapping[str, Any]) -> list[SiteRequest]:
    """Sites of a TOML config file, with explicit command-line options applied last."""
    import tomllib  # only when a config is read

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    defaults = data.get("defaults", {})
    sites = data.get("site", [])
    if not isinstance(defaults, dict) or not isinstance(sites, list):
        raise ConfigError(f"{path}: expected a [defaults] table and [[site]] entries")
    if not sites:
        raise ConfigError(f"{path} has no [[site]] entries")
    base = path.resolve().parent
    common = apply(CheckOptions(), defaults, base)
    out: list[SiteRequest] = []
    for index, entry in enumerate(sites, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("host"), str):
            raise ConfigError(f'{path}: [[site]] number {index} needs host = "name"')
        try:
            options = apply(apply(common, entry, base), cli)
            out.append(site_request(entry["host"], options, entry, cli))
        except ConfigError as exc:
            raise ConfigError(f"{path}: site {entry['host']}: {exc}") from exc
    return out


def requests_from_args(ns: object) -> list[SiteRequest]:
    """The sites to inspect and their options from parsed command-line arguments (an
    ``argparse.Namespace``): the hosts given, or the config file's sites, with the options
    given on the command line on top (raises ConfigError)."""
    values = {k: getattr(ns, k) for k in CHECK_KEYS if hasattr(ns, k)}
    hosts: list[str] = list(getattr(ns, "hosts", []))
    config: Path | None = getattr(ns, "config", None)
    if hosts:
        if config is not None:
            raise ConfigError("give host names or --config, not both")
        options = apply(CheckOptions(), values)
        return [site_request(h, options, values) for h in hosts]
    if config is None:
        config = next((p for p in default_config_paths() if p.is_file()), None)
        if config is None:
            raise ConfigError("no HOST given and no config file found (--config FILE)")
    return load_config(config, values)
