"""The _Fill class: one context, with the names, paths and commands remediations use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.explain.context import (
    _DNS_NAME,
    _PLAIN_NAME,
    RemediationContext,
    _fingerprint,
    _items,
    _listing,
    _q,
    _visible,
)
from layerscope.model.names import bracketed, host_port


class _Fill:
    """One context, with the names, paths and commands every remediation is built from."""

    def __init__(self, ctx: RemediationContext) -> None:
        self.ctx = ctx
        self.ev: Mapping[str, Any] = ctx.evidence if isinstance(ctx.evidence, Mapping) else {}
        self.edge = ctx.role == "edge"
        self.origin = ctx.role == "origin"
        self.sitewide = not (self.edge or self.origin)
        self.address = ctx.address or ctx.host
        self.aport = ctx.layer_port if ctx.address else ctx.port
        self.sni = ctx.sni or ctx.host
        self.host_text = _visible(ctx.host)
        self.layer_text = _visible(host_port(self.address, self.aport))
        # Used unquoted in config lines and paths, so only when it is a plain name.
        self.name = ctx.host if _PLAIN_NAME.fullmatch(ctx.host) else "site"
        self.dir = f"/etc/ssl/{self.name}"
        self.fullchain = f"{self.dir}/fullchain.pem"
        self.privkey = f"{self.dir}/privkey.pem"
        self.chainfile = f"{self.dir}/intermediate.pem"
        self.leaf_file = f"{self.name}.crt"
        self.key_file = f"{self.name}.key"

    # evidence -----------------------------------------------------------------------------

    def strings(self, *keys: str) -> tuple[str, ...]:
        """Values of the first evidence key present among ``keys``."""
        for key in keys:
            if key in self.ev:
                return _items(self.ev[key])
        return ()

    def text_of(self, *keys: str) -> str:
        """Evidence values for a ``text`` field (visible, truncated), or ""."""
        return _listing(self.strings(*keys))

    def number(self, *keys: str) -> str:
        """First numeric evidence value among ``keys``, to one decimal, or ""."""
        for key in keys:
            value = self.ev.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return f"{value:.1f}".removesuffix(".0")
        return ""

    def sha(self, flat: str, nested: str) -> str | None:
        """A validated fingerprint at ``ev[flat]`` or ``ev[nested]["sha256"]``, colon form."""
        found = _fingerprint(self.ev.get(flat))
        inner = self.ev.get(nested)
        if found is None and isinstance(inner, Mapping):
            found = _fingerprint(inner.get("sha256"))
        return found

    def certs(self, key: str, *fields: str) -> str:
        """Certificates listed as mappings under ``key``: "subject (field field)", visible."""
        value = self.ev.get(key)
        if not isinstance(value, list | tuple):
            return ""
        out: list[str] = []
        for item in value[:50]:
            if not isinstance(item, Mapping):
                continue
            extra = " ".join(str(item[k]) for k in fields if item.get(k) not in (None, ""))
            subject = str(item.get("subject", "?"))
            out.append(f"{subject} ({extra})" if extra else subject)
        return _listing(out)

    def ca_files(self) -> tuple[str, ...]:
        """``--extra-ca`` files: from the context, then from the evidence."""
        files = [*self.ctx.extra_ca_files, *self.strings("extra_ca_files")]
        return tuple(dict.fromkeys(f for f in files if f))

    # commands -----------------------------------------------------------------------------

    def s_client(self, *, sni: bool = True) -> str:
        """``openssl s_client`` to this layer, with or without SNI."""
        server = f"-servername {_q(self.sni)}" if sni else "-noservername"
        target = _q(host_port(self.address, self.aport))
        return f"openssl s_client -connect {target} {server}"

    def showcerts(self, *, sni: bool = True) -> str:
        """The served chain as sent, certificate text neutralised by ``cat -v``."""
        return f"{self.s_client(sni=sni)} -showcerts </dev/null 2>&1 | cat -v"

    def dates(self, *, sni: bool = True) -> str:
        """Fingerprint and validity of the leaf this layer serves (no free text printed)."""
        return (
            f"{self.s_client(sni=sni)} </dev/null 2>/dev/null"
            " | openssl x509 -noout -fingerprint -sha256 -dates"
        )

    def curl(self, *, show_headers: bool = True) -> str:
        """``curl`` pinned to this layer, with SNI and Host of the site."""
        parts = ["curl", "-sv" if show_headers else "-s"]
        if self.sni != self.ctx.host:
            host = self.ctx.host if self.ctx.port == 443 else f"{self.ctx.host}:{self.ctx.port}"
            parts += ["-H", _q(f"Host: {host}")]
        if self.ctx.address:
            entry = f"{self.sni}:{self.aport}:{bracketed(self.ctx.address)}"
            parts += ["--resolve", _q(entry)]
        parts.append(_q(f"https://{self.sni}:{self.aport}/"))
        if show_headers:
            parts += ["-o", "/dev/null", "2>&1", "|", "cat", "-v"]
        return " ".join(parts)

    def curl_header(self, header: str) -> str:
        """Only one response header of this layer, neutralised."""
        base = self.curl(show_headers=False)
        return f"{base} -o /dev/null -D - | grep -i '^{header}:' | cat -v"

    def check(self, *, layer: bool = True) -> str:
        """``layerscope check`` for this layer (``layer``) or for the whole site."""
        parts = ["layerscope", "check", *self._site_options()]
        if layer and self.ctx.address and self.origin:
            parts += ["--origin", _q(host_port(self.ctx.address, self.ctx.layer_port))]
        elif layer and self.ctx.address and self.edge:
            parts += ["--edge", _q(self.ctx.address)]
            if self.ctx.origin:  # compared with the origin, a stale edge still shows
                parts += ["--origin", _q(self.ctx.origin)]
        for path in self.ca_files():
            parts += ["--extra-ca", _q(path)]
        parts += [_q(w) for w in self.ctx.check_options]
        return " ".join(parts)

    def watch(self) -> str:
        """Re-check the whole site, with the options that shape the result."""
        extra = [w for path in self.ca_files() for w in ("--extra-ca", _q(path))]
        origin = ["--origin", _q(self.ctx.origin)] if self.ctx.origin else []
        more = [_q(w) for w in self.ctx.check_options]
        return " ".join(["layerscope", "check", *self._site_options(), *origin, *extra, *more])

    def _site_options(self) -> list[str]:
        """Site name, plus --port and --sni when they are not the defaults."""
        parts = [_q(self.ctx.host)]
        if self.ctx.port != 443:
            parts += ["--port", str(self.ctx.port)]
        if self.sni != self.ctx.host:
            parts += ["--sni", _q(self.sni)]
        return parts

    def certbot(self, *names: str, extra: str = "") -> str:
        """``certbot certonly`` for the site plus any other plain DNS names."""
        wanted = dict.fromkeys([self.ctx.host, *names])
        args = " ".join(f"-d {_q(n)}" for n in wanted if len(n) <= 253 and _DNS_NAME.fullmatch(n))
        return f"certbot certonly{extra} {args}"
