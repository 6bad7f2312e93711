"""Options from the command line and TOML config files, turned into :class:`CheckOptions`.

Precedence: built-in defaults < the config's ``[defaults]`` < a ``[[site]]`` entry <
options given explicitly on the command line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from layerscope.model.names import HostNameError, is_ip, to_ascii
from layerscope.model.options import CheckOptions, Endpoint, SiteRequest


class ConfigError(ValueError):
    """An option or config file that cannot be used; the message says which and why."""


def parse_endpoint(value: str, what: str) -> Endpoint:
    """``IP``, ``IP:PORT``, ``[IPv6]:PORT``, ``HOST`` or ``HOST:PORT``."""
    text = value.strip()
    if not text:
        raise ConfigError(f"invalid {what} {value!r}: empty")
    host, port_text = text, ""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ConfigError(f"invalid {what} {value!r}: missing ']'")
        host, rest = text[1:end], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ConfigError(f"invalid {what} {value!r}: expected ':PORT' after ']'")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    elif text.count(":") > 1 and not is_ip(text):
        raise ConfigError(f"invalid {what} {value!r}: put IPv6 addresses in brackets: [::1]:443")
    port: int | None = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"invalid {what} {value!r}: port must be 1-65535")
        port = int(port_text)
    if not is_ip(host):
        try:
            to_ascii(host)
        except HostNameError as exc:
            raise ConfigError(f"invalid {what} {value!r}: {exc}") from exc
    return Endpoint(host, port)


def parse_at(value: str) -> dt.datetime:
    """ISO 8601 date or date-time; naive values are UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"invalid --at {value!r}: use ISO 8601, e.g. 2026-12-01T09:00Z") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _as_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{key} must be a string or a list of strings")


def _number(value: Any, key: str, kind: type[int] | type[float]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number")
    if value < 0:
        raise ConfigError(f"{key} must not be negative")
    return kind(value)


def apply(
    options: CheckOptions, values: Mapping[str, Any], base: Path | None = None
) -> CheckOptions:
    """Options updated with config-style ``values`` (keys as in the TOML file)."""
    changes: dict[str, Any] = {}

    def path(p: str) -> str:
        expanded = os.path.expanduser(p)
        if base is not None and not os.path.isabs(expanded) and p not in ("certifi", "system"):
            return str(base / expanded)
        return expanded

    for key, value in values.items():
        if value is None or key in ("host", "name"):
            continue
        norm = key.replace("-", "_")
        if norm == "port":
            port = _number(value, key, int)
            if not 0 < port < 65536:
                raise ConfigError("port must be 1-65535")
            changes["port"] = port
        elif norm == "sni":
            changes["sni"] = str(value)
        elif norm == "origin":
            changes["origin"] = parse_endpoint(str(value), "origin")
        elif norm in ("edge", "edges"):
            edges = _as_list(value, key)
            for edge in edges:
                if not is_ip(edge):
                    raise ConfigError(f"invalid edge {edge!r}: give an IP address")
            changes["edges"] = tuple(e.strip("[]") for e in edges)
        elif norm in ("resolver", "resolvers"):
            resolvers = tuple(parse_endpoint(r, "resolver") for r in _as_list(value, key))
            for resolver in resolvers:
                if not is_ip(resolver.host):
                    raise ConfigError(f"invalid resolver {resolver.host!r}: give an IP address")
            changes["resolvers"] = resolvers
        elif norm == "ca_bundle":
            changes["ca_bundle"] = path(str(value))
        elif norm == "alt_ca_bundle":
            changes["alt_ca_bundle"] = path(str(value)) if value != "none" else "none"
        elif norm == "extra_ca":
            changes["extra_ca"] = tuple(path(p) for p in _as_list(value, key))
        elif norm in ("warn_days", "crit_days", "concurrency"):
            changes[norm] = _number(value, key, int)
        elif norm == "timeout":
            changes["timeout"] = _number(value, key, float)
            if changes["timeout"] <= 0:
                raise ConfigError("timeout must be positive")
        elif norm == "family":
            if value not in (0, 4, 6):
                raise ConfigError("family must be 4, 6 or 0 (both)")
            changes["family"] = int(value)
        elif norm == "at":
            changes["at"] = parse_at(value) if isinstance(value, str) else value
        elif norm == "http":
            changes["http"] = bool(value)
        elif norm == "ecs":
            from layerscope.net.discovery import parse_ecs  # dnspython: not on the TUI's start path

            subnets = _as_list(value, key)
            for subnet in subnets:
                try:
                    parse_ecs(subnet)
                except ValueError as exc:
                    raise ConfigError(str(exc)) from None
            changes["ecs"] = tuple(s.strip() for s in subnets)
        elif norm in ("ocsp", "aia"):
            changes[norm] = bool(value)
        elif norm == "path":
            text = str(value).strip() or "/"
            if any(c.isspace() or not c.isprintable() for c in text):
                raise ConfigError(f"invalid path {value!r}")
            changes["path"] = text if text.startswith("/") else "/" + text
        else:
            raise ConfigError(f"unknown option {key!r}")
    if "concurrency" in changes and changes["concurrency"] < 1:
        raise ConfigError("concurrency must be at least 1")
    return dataclasses.replace(options, **changes)


def default_config_paths() -> list[Path]:
    """Where a config file is looked for when none is given."""
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path("layerscope.toml"), home / "layerscope" / "config.toml"]


def load_config(path: Path, cli: Mapping[str, Any]) -> list[SiteRequest]:
    """Sites of a TOML config file, with explicit command-line options applied last."""
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
        except ConfigError as exc:
            raise ConfigError(f"{path}: site {entry['host']}: {exc}") from exc
        out.append(SiteRequest(entry["host"], options))
    return out


#: The check options the command line may give (argparse destinations = config keys).
CHECK_KEYS = (
    "path",
    "ocsp",
    "aia",
    "origin",
    "edge",
    "port",
    "sni",
    "resolver",
    "ecs",
    "family",
    "http",
    "ca_bundle",
    "extra_ca",
    "alt_ca_bundle",
    "warn_days",
    "crit_days",
    "at",
    "timeout",
    "concurrency",
)


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
        return [SiteRequest(h, options) for h in hosts]
    if config is None:
        config = next((p for p in default_config_paths() if p.is_file()), None)
        if config is None:
            raise ConfigError("no HOST given and no config file found (--config FILE)")
    return load_config(config, values)
