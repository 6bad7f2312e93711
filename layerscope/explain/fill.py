"""The _Fill class: one context, with the names, paths and commands remediations use.

Builders read the finding's evidence only through :meth:`_Fill.of` and its code's shape
(:mod:`layerscope.model.evidence`), subscripting the view: mypy then rejects a key the shape
does not declare. Values are still untrusted (hand-made or odd evidence): they go through
the helpers below, which accept anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
from layerscope.model.evidence import SHAPES, Shape, evidence_of, fits
from layerscope.model.names import bracketed, host_port

#: ``openssl s_client -sigalgs`` values that get one certificate type of a server holding
#: two (TLS 1.3 and 1.2).
_SIGALGS = {
    "ecdsa": "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512",
    "rsa": "RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:RSA+SHA256:RSA+SHA384:RSA+SHA512",
}


class _Fill:
    """One context, with the names, paths and commands every remediation is built from."""

    def __init__(self, ctx: RemediationContext, code: str = "") -> None:
        self.ctx = ctx
        self.code = code
        self.edge = ctx.role == "edge"
        self.origin = ctx.role == "origin"
        # a certificate file before it is deployed: its address is the file's path
        self.file = ctx.role == "file"
        self.sitewide = not (self.edge or self.origin or self.file)
        self.address = ctx.address if ctx.address and not self.file else ctx.host
        self.aport = ctx.layer_port if ctx.address and not self.file else (ctx.port or 443)
        self.sni = ctx.sni or ctx.host
        self.host_text = _visible(ctx.host)
        self.layer_text = _visible(host_port(self.address, self.aport))
        self.cert_path = _q(ctx.address) if self.file else ""
        self.key_path = _q(ctx.key_file) if self.file and ctx.key_file else ""
        if self.file:
            self.layer_text = _visible(ctx.address)
        # Used unquoted in config lines and paths, so only when it is a plain name.
        self.name = ctx.host if _PLAIN_NAME.fullmatch(ctx.host) else "site"
        self.dir = f"/etc/ssl/{self.name}"
        self.fullchain = f"{self.dir}/fullchain.pem"
        self.privkey = f"{self.dir}/privkey.pem"
        self.chainfile = f"{self.dir}/intermediate.pem"
        self.leaf_file = f"{self.name}.crt"
        self.key_file = f"{self.name}.key"
        # "RSA " when the finding is about a layer's RSA certificate (it serves two)
        self.type_word = f"{ctx.cert_type.upper()} " if ctx.cert_type in _SIGALGS else ""

    # evidence -----------------------------------------------------------------------------

    def of(self, shape: type[Shape]) -> Shape:
        """The finding's evidence read as ``shape``: its code's own shape, or a view of part
        of it (an absent key reads as None)."""
        assert self.code not in SHAPES or fits(shape, self.code), (shape, self.code)
        return evidence_of(self.ctx, shape)

    @staticmethod
    def strings(value: object) -> tuple[str, ...]:
        """An evidence value as strings, whatever shape it came in."""
        return _items(value)

    @staticmethod
    def text(value: object) -> str:
        """An evidence value for a ``text`` field (visible, truncated), or ""."""
        return _listing(_items(value))

    @staticmethod
    def number(value: object) -> str:
        """A numeric evidence value to one decimal, or ""."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:.1f}".removesuffix(".0")
        return ""

    @staticmethod
    def sha(value: object) -> str | None:
        """A validated SHA-256 fingerprint in colon form, or None."""
        return _fingerprint(value)

    @staticmethod
    def certs(entries: Iterable[tuple[object, Sequence[object]]]) -> str:
        """Certificates as "subject (detail detail)", visible; ``entries`` are (subject,
        details) pairs read from the evidence."""
        out: list[str] = []
        for subject, details in entries:
            extra = " ".join(str(d) for d in details if d not in (None, ""))
            name = "?" if subject is None else str(subject)
            out.append(f"{name} ({extra})" if extra else name)
        return _listing(out)

    def ca_files(self) -> tuple[str, ...]:
        """The ``--extra-ca`` files of this run."""
        return tuple(dict.fromkeys(f for f in self.ctx.extra_ca_files if f))

    # commands -----------------------------------------------------------------------------

    def s_client(self, *, sni: bool = True) -> str:
        """``openssl s_client`` to this layer, with or without SNI; asking for one
        certificate type (its signature algorithms only) when the finding is about one."""
        server = f"-servername {_q(self.sni)}" if sni else "-noservername"
        target = _q(host_port(self.address, self.aport))
        sigalgs = _SIGALGS.get(self.ctx.cert_type, "")
        return f"openssl s_client -connect {target} {server}" + (
            f" -sigalgs {sigalgs}" if sigalgs else ""
        )

    def showcerts(self, *, sni: bool = True) -> str:
        """The served chain as sent, certificate text neutralised by ``cat -v`` (a file:
        the subject and issuer of each of its certificates, in file order)."""
        if self.file:
            return (
                f"openssl crl2pkcs7 -nocrl -certfile {self.cert_path}"
                " | openssl pkcs7 -print_certs -noout | cat -v"
            )
        return f"{self.s_client(sni=sni)} -showcerts </dev/null 2>&1 | cat -v"

    def served_pem(self) -> str:
        """A command that prints the chain this layer serves as PEM (a file: the file)."""
        if self.file:
            return f"cat {self.cert_path}"
        return f"{self.s_client()} -showcerts </dev/null 2>/dev/null"

    def split(self) -> str:
        """For a file: write each of its certificates to cert1.pem, cert2.pem... in order."""
        return (
            'awk \'/-----BEGIN CERTIFICATE-----/{n++; p=1} p{print > ("cert" n ".pem")}'
            f" /-----END CERTIFICATE-----/{{p=0}}' {self.cert_path or 'fullchain.pem'}"
        )

    def dates(self, *, sni: bool = True) -> str:
        """Fingerprint and validity of the leaf this layer serves (no free text printed);
        a file's first certificate."""
        if self.file:
            return f"openssl x509 -in {self.cert_path} -noout -fingerprint -sha256 -dates"
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

    def preflight(self, output: str = "") -> str:
        """``layerscope preflight`` of this file again (with ``-o output`` when given); of
        the nginx configuration that names it (``--nginx``), when it has one."""
        if self.ctx.config:
            parts = ["layerscope", "preflight", "--nginx", _q(self.ctx.config)]
            parts += [w for path in self.ca_files() for w in ("--extra-ca", _q(path))]
            return " ".join([*parts, *(_q(w) for w in self.ctx.check_options)])
        parts = ["layerscope", "preflight", self.cert_path or "fullchain.pem"]
        if self.key_path:
            parts += ["--key", self.key_path]
        for name in self.ctx.names or (self.ctx.host,):
            parts += ["--host", _q(name)]
        for path in self.ca_files():
            parts += ["--extra-ca", _q(path)]
        parts += [_q(w) for w in self.ctx.check_options]
        if output:
            parts += ["-o", _q(output)]
        return " ".join(parts)

    def check(self, *, layer: bool = True) -> str:
        """``layerscope check`` for this layer (``layer``) or for the whole site (a file:
        ``layerscope preflight`` of it)."""
        if self.file:
            return self.preflight()
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
