"""Reading one option value, from the command line or a TOML config file.

The ``read_*`` functions are the converters of the option declarations in
:mod:`layerscope.commands.options`: each takes the value, the key as written (for messages)
and the config file's folder (relative file names; None for the command line), and raises
:class:`ConfigError` with a message that names the option and what is wrong.
"""

from __future__ import annotations

import os

from layerscope.model.names import HostNameError, is_ip, to_ascii
from layerscope.model.options import Endpoint

# typing loads only for type checkers: --help must not pay for it (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path
    from typing import Any


class ConfigError(ValueError):
    """An option or config file that cannot be used; the message says which and why."""


def url_hint(value: str) -> str | None:
    """For a URL (``https://host:8443/path``), what to give instead: ``host:8443``; None for
    anything that is not a URL."""
    if "://" not in value:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return "HOST[:PORT]"
    if not host:
        return "HOST[:PORT]"
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown


def parse_endpoint(value: str, what: str) -> Endpoint:
    """``IP``, ``IP:PORT``, ``[IPv6]:PORT``, ``HOST`` or ``HOST:PORT``; a URL is refused with
    what to give instead."""
    text = value.strip()
    if not text:
        raise ConfigError(f"invalid {what} {value!r}: empty")
    hint = url_hint(text)
    if hint is not None:
        raise ConfigError(f"invalid {what} {value!r}: not a URL, give HOST[:PORT]: {hint}")
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


def parse_site(value: str) -> Endpoint:
    """A site as given on the command line or as a config's ``host``: ``HOST``,
    ``HOST:PORT``, an IP or ``[IPv6]:PORT`` (the name is checked: raises ConfigError)."""
    return parse_endpoint(value, "host")


def path_arg(text: str) -> Path:
    """``type=`` of the options that take a file (pathlib loads when one is given)."""
    from pathlib import Path

    return Path(text)


def parse_at(value: str) -> dt.datetime:
    """ISO 8601 date or date-time; naive values are UTC."""
    import datetime as dt

    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"invalid --at {value!r}: use ISO 8601, e.g. 2026-12-01T09:00Z") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def as_list(value: Any, key: str) -> list[str]:
    """A string or a list of strings (a repeatable option) as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{key} must be a string or a list of strings")


def number(value: Any, key: str, kind: type[int] | type[float]) -> Any:
    """A non-negative number (not a boolean) as ``kind``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number")
    if value < 0:
        raise ConfigError(f"{key} must not be negative")
    return kind(value)


def file_path(value: str, base: Path | None) -> str:
    """A file name with ``~`` expanded; a relative one is relative to ``base`` (the config
    file's folder) when given. ``certifi`` and ``system`` are store names, kept as they are."""
    expanded = os.path.expanduser(value)
    if base is not None and not os.path.isabs(expanded) and value not in ("certifi", "system"):
        return str(base / expanded)
    return expanded


# --- readers: (value, key as written, config folder or None) -> CheckOptions field value ---


def read_text(value: Any, key: str, base: Path | None) -> str:
    """Any value as text (``sni``)."""
    return str(value)


def read_switch(value: Any, key: str, base: Path | None) -> bool:
    """On or off (``http``, ``ocsp``, ``aia``)."""
    return bool(value)


def read_count(value: Any, key: str, base: Path | None) -> int:
    """A whole number, not negative (``warn_days``, ``crit_days``)."""
    result: int = number(value, key, int)
    return result


def read_port(value: Any, key: str, base: Path | None) -> int:
    """A TCP port, 1-65535."""
    port = read_count(value, key, base)
    if not 0 < port < 65536:
        raise ConfigError("port must be 1-65535")
    return port


def read_concurrency(value: Any, key: str, base: Path | None) -> int:
    """Probes in flight at once: at least 1."""
    count = read_count(value, key, base)
    if count < 1:
        raise ConfigError("concurrency must be at least 1")
    return count


def read_timeout(value: Any, key: str, base: Path | None) -> float:
    """Seconds, more than 0."""
    seconds: float = number(value, key, float)
    if seconds <= 0:
        raise ConfigError("timeout must be positive")
    return seconds


def read_origin(value: Any, key: str, base: Path | None) -> Endpoint:
    """The origin: ``IP|HOST[:PORT]``."""
    return parse_endpoint(str(value), "origin")


def read_edges(value: Any, key: str, base: Path | None) -> tuple[Endpoint, ...]:
    """Edge addresses: ``IP``, ``IP:PORT`` or ``[IPv6]:PORT`` each (brackets dropped)."""
    edges: list[Endpoint] = []
    for text in as_list(value, key):
        edge = parse_endpoint(text, "edge")
        if not is_ip(edge.host):
            raise ConfigError(f"invalid edge {text!r}: give an IP address (IP[:PORT])")
        edges.append(edge)
    return tuple(edges)


def read_resolvers(value: Any, key: str, base: Path | None) -> tuple[Endpoint, ...]:
    """DNS resolvers: ``IP[:PORT]`` each."""
    resolvers = tuple(parse_endpoint(r, "resolver") for r in as_list(value, key))
    for resolver in resolvers:
        if not is_ip(resolver.host):
            raise ConfigError(f"invalid resolver {resolver.host!r}: give an IP address")
    return resolvers


def read_ecs(value: Any, key: str, base: Path | None) -> tuple[str, ...]:
    """EDNS Client Subnets, each an IP network."""
    from layerscope.net.discovery import parse_ecs  # dnspython: not on the TUI's start path

    subnets = as_list(value, key)
    for subnet in subnets:
        try:
            parse_ecs(subnet)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return tuple(s.strip() for s in subnets)


def read_family(value: Any, key: str, base: Path | None) -> int:
    """The address family of the edges: 4, 6 or 0 (both)."""
    if value not in (0, 4, 6):
        raise ConfigError("family must be 4, 6 or 0 (both)")
    return int(value)


def read_page_path(value: Any, key: str, base: Path | None) -> str:
    """The path fetched per layer: printable, no space, with a leading ``/``."""
    text = str(value).strip() or "/"
    if any(c.isspace() or not c.isprintable() for c in text):
        raise ConfigError(f"invalid path {value!r}")
    return text if text.startswith("/") else "/" + text


def read_store(value: Any, key: str, base: Path | None) -> str:
    """A trust store: ``certifi``, ``system`` or a PEM file."""
    return file_path(str(value), base)


def read_alt_store(value: Any, key: str, base: Path | None) -> str:
    """The store compared with: as :func:`read_store`, or ``none``."""
    return file_path(str(value), base) if value != "none" else "none"


def read_files(value: Any, key: str, base: Path | None) -> tuple[str, ...]:
    """PEM files (one or a list)."""
    return tuple(file_path(p, base) for p in as_list(value, key))


def read_at(value: Any, key: str, base: Path | None) -> Any:
    """The moment validity is judged: ISO 8601 text, or a TOML date-time as parsed."""
    return parse_at(value) if isinstance(value, str) else value
