"""Remediation content per finding code, as data filled with the report's real values.

Every command is built only from values that are safe in a shell: the site name, SNI, layer
addresses and ``--extra-ca`` paths are passed through :func:`shlex.quote`; fingerprints are
used only after they were checked to be hex; certificate names go into commands only when they
are plain DNS names. Strings that come from certificates (subjects, issuers, odd SANs) only
ever go into ``text`` fields, with control characters made visible. Commands that print
certificate fields end in ``| cat -v`` so escape sequences in a hostile certificate cannot
drive the terminal.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from layerscope.core.model import Remediation, Step

__all__ = ["REMEDIATION_CODES", "RemediationContext", "remediation_for", "reproduce_command"]


@dataclass(frozen=True)
class RemediationContext:
    """Facts a remediation is filled with.

    Attributes:
        host: site name, A-label form (ASCII).
        port: site port.
        sni: server name sent.
        address: the layer's IP (for site-wide findings: the first concerned layer, or ""
            when none).
        layer_port: the layer's port.
        role: "origin", "edge" or "" (site-wide).
        cdn: recognised CDN name ("Cloudflare", "Fastly", ...) or None.
        evidence: the finding's evidence ("missing", "names", "reference_sha256",
            "served_sha256", "extra_ca_files", "expected_issuer", ...).
        extra_ca_files: ``--extra-ca`` files in use, for client-side import commands.
        check_options: further ``layerscope check`` options of this run that shape the
            result (``--resolver``, ``--ca-bundle``, ``--alt-ca-bundle``), as words.
        origin: the ``--origin`` of this run ("" when none), for whole-site re-checks.
    """

    host: str
    port: int
    sni: str
    address: str
    layer_port: int
    role: str
    cdn: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    extra_ca_files: tuple[str, ...] = ()
    check_options: tuple[str, ...] = ()
    origin: str = ""


# --------------------------------------------------------------------------- safe values

# A name that can sit unquoted in a config line or a file path: letters, digits, dots,
# hyphens, underscores and colons (IPv6 literals); never starting with "-" or ".".
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._:-]{0,252}")
# A DNS name as found in a SAN, optionally a wildcard: safe to pass (quoted) to certbot.
_DNS_NAME = re.compile(
    r"(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
    r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?"
)
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_FILE_BASENAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,100}")
_MAX_LISTED = 5


def _q(value: str) -> str:
    """Shell-quote ``value`` (plain names and IPs come back unchanged).

    Quoting cannot make a control character harmless on a terminal, so such values are
    shown escaped instead (the command then fails rather than misbehaves).
    """
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        value = _visible(value, 300)
    return shlex.quote(value)


def _visible(value: object, limit: int = 200) -> str:
    """``value`` as one line of text with control and format characters made visible."""
    raw = value if isinstance(value, str) else str(value)
    raw = raw[: limit * 2]
    out: list[str] = []
    for ch in raw:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _items(value: object) -> tuple[str, ...]:
    """Evidence value as a tuple of strings, whatever shape it came in."""
    if value is None:
        return ()
    if isinstance(value, str | bytes | int | float):
        return (value.decode("ascii", "replace") if isinstance(value, bytes) else str(value),)
    if isinstance(value, Mapping):
        for key in ("subject", "name", "url", "value"):
            if key in value:
                return _items(value[key])
        return tuple(str(k) for k in value)
    if isinstance(value, Iterable):
        out: list[str] = []
        for item in value:
            if isinstance(item, Mapping):
                out.extend(_items(item)[:1])
            elif isinstance(item, list | tuple):
                # e.g. (url, element) pairs: keep them together, readable.
                out.append(" ".join(str(x) for x in item))
            else:
                out.append(str(item))
            if len(out) > 100:
                break
        return tuple(out)
    return (str(value),)


def _listing(values: Iterable[str]) -> str:
    """First few values, made visible, with a count of the rest."""
    items = list(values)
    shown = "; ".join(_visible(v, 120) for v in items[:_MAX_LISTED])
    rest = len(items) - _MAX_LISTED
    return f"{shown} (and {rest} more)" if rest > 0 else shown


def _fingerprint(value: object) -> str | None:
    """A SHA-256 fingerprint in OpenSSL's colon form, or None when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    digits = value.replace(":", "")
    if not _HEX64.fullmatch(digits):
        return None
    digits = digits.upper()
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))


def _hostport(address: str, port: int) -> str:
    """``address:port`` with IPv6 in brackets."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _bracketed(address: str) -> str:
    """IPv6 in brackets (as curl's ``--resolve`` wants), anything else unchanged."""
    return f"[{address}]" if ":" in address else address


# --------------------------------------------------------------------------- the filler


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
        self.layer_text = _visible(_hostport(self.address, self.aport))
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
        target = _q(_hostport(self.address, self.aport))
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
            entry = f"{self.sni}:{self.aport}:{_bracketed(self.ctx.address)}"
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
            parts += ["--origin", _q(_hostport(self.ctx.address, self.ctx.layer_port))]
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


# --------------------------------------------------------------------------- step builders


def _nginx(f: _Fill, text: str, *lines: str) -> Step:
    """An nginx step: config lines, then test and reload."""
    cfg = lines or (f"ssl_certificate {f.fullchain};", f"ssl_certificate_key {f.privkey};")
    return Step("origin", text, (*cfg, "nginx -t && systemctl reload nginx"))


def _apache(f: _Fill, text: str, *lines: str) -> Step:
    """An Apache step: config lines, then configtest and reload."""
    cfg = lines or (
        f"SSLCertificateFile {f.fullchain}",
        f"SSLCertificateKeyFile {f.privkey}",
        f"SSLCertificateChainFile {f.chainfile}",
    )
    return Step("origin", text, (*cfg, "apachectl configtest && systemctl reload apache2"))


def _install(f: _Fill) -> tuple[Step, ...]:
    """Point nginx and Apache at the full chain and key, then reload."""
    return (
        _nginx(f, "nginx: serve the full chain (leaf first, then intermediates) and its key."),
        _apache(
            f,
            "Apache: same files; Apache 2.4.8+ reads the intermediates from "
            "SSLCertificateFile, older versions need the SSLCertificateChainFile line.",
        ),
    )


def _build_fullchain(f: _Fill, text: str) -> Step:
    """Rebuild fullchain.pem: leaf first, then intermediates, no root."""
    return Step(
        "origin",
        text,
        (
            f"cd {f.dir}",
            f"cat {f.leaf_file} intermediate.pem > fullchain.pem",
            f"openssl verify -untrusted intermediate.pem {f.leaf_file}",
        ),
    )


@dataclass(frozen=True)
class _Cdn:
    """Where a CDN keeps the certificate, and how to push and purge there."""

    name: str
    where: str
    upload: Callable[[_Fill], tuple[str, ...]]
    purge: tuple[str, ...]
    https_rewrite: str = ""
    hsts: str = ""


_CDNS: dict[str, _Cdn] = {
    "cloudflare": _Cdn(
        "Cloudflare",
        "dashboard, SSL/TLS > Edge Certificates (custom certificate: upload "
        "fullchain.pem and the key; Universal and Advanced certificates renew by themselves, "
        "check their status and validation there)",
        lambda f: (),
        (
            "curl -X POST https://api.cloudflare.com/client/v4/zones/ZONE_ID/purge_cache"
            " -H 'Authorization: Bearer API_TOKEN' -H 'Content-Type: application/json'"
            " --data '{\"purge_everything\":true}'",
        ),
        https_rewrite="Cloudflare: SSL/TLS > Edge Certificates > Automatic HTTPS Rewrites.",
        hsts="Cloudflare: SSL/TLS > Edge Certificates > HTTP Strict Transport Security (HSTS).",
    ),
    "cloudfront": _Cdn(
        "CloudFront",
        "the distribution's viewer certificate, which lives in ACM in us-east-1 "
        "(re-import into the same certificate ARN so the distribution picks it up)",
        lambda f: (
            "aws acm import-certificate --region us-east-1 --certificate-arn CERTIFICATE_ARN"
            f" --certificate fileb://{f.leaf_file} --private-key fileb://{f.key_file}"
            " --certificate-chain fileb://intermediate.pem",
        ),
        ("aws cloudfront create-invalidation --distribution-id DISTRIBUTION_ID --paths '/*'",),
        hsts="CloudFront: a response headers policy with Strict-Transport-Security.",
    ),
    "fastly": _Cdn(
        "Fastly",
        "Secure > TLS management (TLS configuration), or the fastly CLI; "
        "Fastly-managed certificates renew by themselves",
        lambda f: (
            f"fastly tls-custom certificate update --id CERTIFICATE_ID --cert-path {f.leaf_file}",
        ),
        ("fastly purge --all --service-id SERVICE_ID",),
    ),
    "akamai": _Cdn(
        "Akamai",
        "Control Center, Certificate Provisioning System (CPS): update the enrollment "
        "(third-party: upload the new certificate and its chain) and deploy it to production",
        lambda f: (),
        ("akamai purge invalidate --cpcode CP_CODE",),
    ),
    "azure": _Cdn(
        "Azure Front Door",
        "the custom domain's HTTPS settings (your own certificate: select the "
        "new Key Vault certificate version, or Latest)",
        lambda f: (),
        (
            "az afd endpoint purge --resource-group RESOURCE_GROUP --profile-name PROFILE"
            " --endpoint-name ENDPOINT --content-paths '/*'",
        ),
    ),
    "google": _Cdn(
        "Google Cloud CDN",
        "the HTTPS load balancer's certificate map or target HTTPS proxy",
        lambda f: (
            f"gcloud compute ssl-certificates create NEW_CERT_NAME --certificate={f.fullchain}"
            f" --private-key={f.privkey}",
            "gcloud compute target-https-proxies update PROXY_NAME"
            " --ssl-certificates=NEW_CERT_NAME",
        ),
        ("gcloud compute url-maps invalidate-cdn-cache URL_MAP --path '/*'",),
    ),
    "bunny": _Cdn(
        "Bunny",
        "Pull Zone > Hostnames, the hostname's SSL settings (upload the new "
        "certificate, or re-issue the free one)",
        lambda f: (),
        (
            "curl -X POST https://api.bunny.net/pullzone/PULL_ZONE_ID/purgeCache"
            " -H 'AccessKey: API_KEY'",
        ),
    ),
}


def _cdn(f: _Fill) -> _Cdn | None:
    """The CDN guidance that matches the recognised CDN name, if any."""
    name = re.sub(r"[^a-z]", "", (f.ctx.cdn or "").lower())
    if not name:
        return None
    for key, aliases in (
        ("cloudflare", ("cloudflare",)),
        ("cloudfront", ("cloudfront", "amazon", "aws")),
        ("fastly", ("fastly",)),
        ("akamai", ("akamai", "edgesuite", "edgekey")),
        # Not "azure" alone: Azure Traffic Manager is DNS only, it holds no certificate.
        ("azure", ("frontdoor", "azurecdn", "azurefd")),
        ("google", ("google", "gcp", "cloudcdn")),
        ("bunny", ("bunny", "bcdn")),
    ):
        if any(alias in name for alias in aliases):
            return _CDNS[key]
    return None


def _cdn_label(f: _Fill) -> str:
    """The CDN's name for texts: the known spelling, the given one, or "the CDN"."""
    known = _cdn(f)
    if known is not None:
        return known.name
    return _visible(f.ctx.cdn, 40) if f.ctx.cdn else "the CDN"


def _edge_upload(f: _Fill, what: str) -> tuple[Step, ...]:
    """Push a certificate to the CDN and purge, naming where when the CDN is known."""
    cdn = _cdn(f)
    if cdn is not None:
        text = f"{what} {cdn.name}: {cdn.where}. Then purge the cache."
        commands = (*cdn.upload(f), *cdn.purge)
    else:
        where = f"{_visible(f.ctx.cdn, 40)}'s" if f.ctx.cdn else "your CDN's"
        text = (
            f"{what} Where: {where} TLS/certificate settings for {f.host_text}. "
            "Then purge the cache."
        )
        commands = ()
    watch = Step(
        "edge",
        "Edges pick the change up one by one: re-probe until every edge serves the new "
        "certificate.",
        (f.watch(),),
    )
    return Step("edge", text, commands), watch


def _edge_purge(f: _Fill, what: str) -> Step:
    """A configuration change at the CDN (no certificate involved), then purge."""
    cdn = _cdn(f)
    return Step("edge", f"{what} Then purge the cache.", cdn.purge if cdn is not None else ())


def _client_import(f: _Fill, lead: str) -> tuple[Step, ...]:
    """Import the company CA on Windows, macOS and Debian/Ubuntu clients."""
    files = f.ca_files()
    if files:
        path = files[0]
        base = path.replace("\\", "/").rsplit("/", 1)[-1]
        local = base if _FILE_BASENAME.fullmatch(base) else "company-ca.crt"
        as_name = "" if local == base else f" as {local}"
        source = f"Copy {_visible(path)} to each machine{as_name}."
    else:
        local = "company-ca.crt"
        source = "Get the company root CA certificate (PEM) onto each machine."
    stem = local.rsplit(".", 1)[0] if "." in local else local
    return (
        Step(
            "client",
            f"{lead} {source} Windows, as administrator:",
            (f"certutil -addstore root {local}",),
        ),
        Step(
            "client",
            "macOS, as an administrator:",
            (
                "security add-trusted-cert -d -r trustRoot"
                f" -k /Library/Keychains/System.keychain {local}",
            ),
        ),
        Step(
            "client",
            "Debian/Ubuntu, as root (the file name must end in .crt):",
            (f"cp {local} /usr/local/share/ca-certificates/{stem}.crt && update-ca-certificates",),
        ),
    )


def _by_role(f: _Fill, origin: Iterable[Step], edge: Iterable[Step]) -> tuple[Step, ...]:
    """Origin steps for the origin, edge steps for an edge, both for site-wide findings."""
    steps: list[Step] = []
    if f.origin or f.sitewide:
        steps.extend(origin)
    if f.edge or f.sitewide:
        steps.extend(edge)
    return tuple(steps)


def _renew_origin(f: _Fill, text: str, *, extra: str = "", names: Iterable[str] = ()) -> Step:
    """Get a new certificate for the origin (certbot shown; any CA works)."""
    return Step("origin", text, (f.certbot(*names, extra=extra),))


def _replace_leaf(
    f: _Fill, origin_text: str, edge_text: str, *, extra: str = "", names: Iterable[str] = ()
) -> tuple[Step, ...]:
    """New leaf at the origin (renew + install) or at the CDN (upload + purge)."""
    names = tuple(names)
    return _by_role(
        f,
        (_renew_origin(f, origin_text, extra=extra, names=names), *_install(f)),
        _edge_upload(f, edge_text),
    )


def _fix_chain(f: _Fill, origin_text: str, edge_text: str) -> tuple[Step, ...]:
    """Rebuild and serve fullchain.pem at the origin, or upload it with the chain at the CDN."""
    return _by_role(
        f,
        (_build_fullchain(f, origin_text), *_install(f)),
        _edge_upload(f, edge_text),
    )


# --------------------------------------------------------------------------- assembling


def _done(
    f: _Fill,
    meaning: str,
    why: str,
    steps: Iterable[Step],
    *,
    reproduce: str | None = None,
    verify: str | None = None,
    site_check: bool = False,
    verify_text: str = "",
) -> Remediation:
    """A remediation with the reproduce command and a closing verify step."""
    verify_cmd = verify or f.dates()
    check = f.check(layer=not site_check)
    commands = (verify_cmd,) if verify_cmd == check else (verify_cmd, check)
    text = verify_text or "Check that this layer now serves what you deployed."
    return Remediation(
        meaning=meaning,
        why_untrusted=why,
        steps=(*steps, Step("verify", text, commands)),
        reproduce=reproduce or f.showcerts(),
        verify=verify_cmd,
    )


def _unreachable(f: _Fill) -> Remediation:
    kind = f.text_of("message", "error_kind", "kind", "error")
    return _done(
        f,
        f"Nothing answered with a connection at {f.layer_text}" + (f" ({kind})." if kind else "."),
        "Not a certificate problem: browsers sent to this address cannot connect at all, so "
        "users fail or succeed depending on which address DNS gives them.",
        _by_role(
            f,
            (
                Step(
                    "origin",
                    "Check that the web server runs and listens on this port, and that "
                    "the firewall lets the CDN and you in.",
                    (
                        "systemctl status nginx apache2 --no-pager | cat -v",
                        f"ss -ltnp 'sport = :{f.aport}'",
                    ),
                ),
            ),
            (
                Step(
                    "edge",
                    f"The edge does not answer: check {_cdn_label(f)}'s status page and "
                    "that DNS still points at current edge addresses.",
                    (f"dig +short {_q(f.ctx.host)} A", f"dig +short {_q(f.ctx.host)} AAAA"),
                ),
            ),
        ),
        verify=f.check(),
        verify_text="Check that the layer answers again.",
    )


def _not_tls(f: _Fill) -> Remediation:
    http = f.curl().replace("https://", "http://", 1)
    return _done(
        f,
        f"Something answered on {f.layer_text} but not with TLS (often plain HTTP on 443).",
        "Browsers cannot start a secure connection (ERR_SSL_PROTOCOL_ERROR): the page does not "
        "load at all.",
        _by_role(
            f,
            (
                _nginx(
                    f,
                    "nginx: the listen line needs ssl (a missing ssl is the usual cause).",
                    f"listen {f.aport} ssl;",
                ),
                _apache(
                    f, f"Apache: enable TLS in the VirtualHost for port {f.aport}.", "SSLEngine on"
                ),
                Step("origin", "See what answers instead:", (http,)),
            ),
            (
                Step(
                    "edge",
                    f"The edge speaks something other than TLS here: check that "
                    f"{f.host_text} has HTTPS enabled at {_cdn_label(f)} and that DNS points at "
                    "the CDN.",
                    (http,),
                ),
            ),
        ),
        verify=f.check(),
        verify_text="Check that the layer completes a TLS handshake.",
    )


def _message_too_large(f: _Fill) -> Remediation:
    return _done(
        f,
        "The server's certificate message is larger than TLS clients accept (OpenSSL stops "
        "at about 100 KiB): the handshake never completes.",
        "Clients abort with a protocol error before any certificate is checked; a chain full "
        "of extra certificates, or a certificate with thousands of names, is the usual cause.",
        _by_role(
            f,
            (
                _build_fullchain(
                    f,
                    "Serve only the leaf and its intermediates (no root, no leftovers); split "
                    "a certificate with thousands of names into several.",
                ),
                *_install(f),
            ),
            _edge_upload(f, "Upload only the leaf and its intermediates."),
        ),
        verify=f.check(),
        verify_text="Check that the handshake succeeds.",
    )


def _handshake_failed(f: _Fill) -> Remediation:
    if f.text_of("error_kind") == "message_too_large":
        return _message_too_large(f)
    reason = f.text_of("reason", "alert", "message", "error")
    return _done(
        f,
        "The layer answered with TLS but the handshake failed"
        + (f": {reason}." if reason else "."),
        "Browsers show a protocol or cipher error; the usual cause is no certificate or site "
        f"configured for the name {_visible(f.sni)}, or no common TLS version.",
        _by_role(
            f,
            (
                _nginx(
                    f,
                    "nginx: the server block must name the site and allow TLS 1.2+.",
                    f"server_name {f.name};",
                    "ssl_protocols TLSv1.2 TLSv1.3;",
                ),
                _apache(
                    f,
                    "Apache: the VirtualHost must name the site and allow TLS 1.2+.",
                    f"ServerName {f.name}",
                    "SSLProtocol -all +TLSv1.2 +TLSv1.3",
                ),
            ),
            (
                Step(
                    "edge",
                    f"{_cdn_label(f)} refuses the handshake for this name: check that "
                    f"{f.host_text} is added there with a deployed certificate, and its minimum "
                    "TLS version.",
                ),
            ),
        ),
        verify=f.check(),
        verify_text="Check that the handshake succeeds.",
    )


def _expired(f: _Fill) -> Remediation:
    when = f.text_of("not_after")
    return _done(
        f,
        "The certificate served here has expired" + (f" (not after {when})." if when else "."),
        "Browsers reject certificates outside their validity period (NET::ERR_CERT_DATE_INVALID).",
        _replace_leaf(
            f,
            "Renew the certificate (certbot shown; use your CA's process otherwise).",
            "Upload the renewed certificate with its intermediates and key. If the CDN issues "
            "the certificate itself, check why its renewal is stuck (validation, CAA records).",
        ),
        verify_text="The dates must now cover today, and the fingerprint must be the new one.",
    )


def _expiring_soon(f: _Fill) -> Remediation:
    days = f.number("days_left")
    when = f.text_of("not_after")
    detail = f" in {days} days" if days else (f" on {when}" if when else " soon")
    origin = (
        Step(
            "origin",
            "Find out why automatic renewal has not run yet, then renew.",
            (
                f"certbot renew --cert-name {_q(f.name)} --dry-run",
                "systemctl list-timers | grep -i certbot",
                f.certbot(extra=" --force-renewal"),
            ),
        ),
        *_install(f),
    )
    return _done(
        f,
        f"The certificate served here expires{detail}.",
        "Not untrusted yet: browsers will reject it the moment it expires.",
        _by_role(
            f,
            origin,
            _edge_upload(
                f,
                "Upload the renewed certificate with its intermediates and key. If the CDN issues "
                "the certificate itself, check its renewal status (validation, CAA records).",
            ),
        ),
        verify_text="The not-after date must now be months away.",
    )


def _not_yet_valid(f: _Fill) -> Remediation:
    when = f.text_of("not_before")
    clock = Step(
        "origin",
        "Check the clock of the machine that issued it; until the start "
        "date, serve the previous valid certificate, or reissue.",
        ("date -u", "timedatectl status"),
    )
    return _done(
        f,
        "The certificate served here is not valid yet"
        + (f" (not before {when})." if when else "."),
        "Browsers reject a certificate before its start date; usually it was deployed too "
        "early or issued by a machine with a wrong clock.",
        _by_role(
            f,
            (clock, *_install(f)),
            _edge_upload(
                f,
                "Upload a certificate that is valid now (keep the previous one "
                "until the new one's start date).",
            ),
        ),
        verify_text="The not-before date must now be in the past.",
    )


def _hostname_mismatch(f: _Fill) -> Remediation:
    names = f.text_of("names", "sans")
    covers = f" It covers: {names}." if names else ""
    origin = (
        Step(
            "origin",
            f"Maybe the right certificate exists but another server block answers: "
            f"check which block has server_name {f.host_text}.",
            (
                "nginx -T 2>/dev/null | grep -n -e server_name -e ssl_certificate | cat -v",
                "apachectl -S 2>&1 | cat -v",
            ),
        ),
        _renew_origin(f, f"Otherwise reissue with {f.host_text} in the SANs."),
        *_install(f),
    )
    return _done(
        f,
        f"The certificate served here does not cover {f.host_text}.{covers}",
        "Browsers accept a certificate only if its SANs list the site name "
        "(NET::ERR_CERT_COMMON_NAME_INVALID); the CN field is ignored, a wildcard covers one "
        "label.",
        _by_role(
            f,
            origin,
            _edge_upload(
                f,
                f"Add {f.host_text} to the certificate the CDN serves (or add the hostname to the "
                "CDN so it issues one), then upload it.",
            ),
        ),
        verify_text="The layer must serve a certificate whose SANs include the site.",
        verify=f.check(),
    )


def _self_signed(f: _Fill) -> Remediation:
    origin = (
        Step(
            "origin",
            "The server sends a self-signed certificate (often a default or snakeoil "
            "one): find which file it uses. Behind a CDN this only works in a non-strict "
            "origin mode; direct visitors still see untrusted.",
            (
                "nginx -T 2>/dev/null | grep -n ssl_certificate | cat -v",
                "grep -rn SSLCertificateFile /etc/apache2/ | cat -v",
            ),
        ),
        _renew_origin(f, "Get a certificate from a public CA."),
        *_install(f),
    )
    return _done(
        f,
        "The certificate served here is its own issuer: no CA vouches for it.",
        "Browsers trust only certificates issued by a CA in their store; nobody has this "
        "certificate in theirs (NET::ERR_CERT_AUTHORITY_INVALID).",
        _by_role(
            f,
            origin,
            _edge_upload(
                f,
                f"The CDN has no real certificate for {f.host_text}: add the hostname there or "
                "upload a CA-issued certificate.",
            ),
        ),
        verify=f.check(),
        verify_text="The layer must chain to a public root.",
    )


def _untrusted_root(f: _Fill) -> Remediation:
    root = f.text_of("root", "issuer", "expected_issuer")
    steps = _replace_leaf(
        f,
        "For a public site: reissue from a public CA.",
        "For a public site: upload a certificate from a public CA.",
    )
    return _done(
        f,
        "The chain ends at a root that is not in the trust store"
        + (f" ({root})." if root else "."),
        "Browsers trust only chains that end at a root in their store; a private or unknown CA "
        "is untrusted for everyone who has not imported it.",
        (*steps, *_client_import(f, "For an internal site: trust the company CA on clients.")),
        verify=f.check(),
        verify_text="Check again (add --extra-ca with the company CA for internal sites).",
    )


def _private_ca(f: _Fill) -> Remediation:
    files = f.ca_files()
    root = f.text_of("root")
    via = ", ".join(filter(None, [root, f"from {_listing(files)}" if files else ""]))
    via = f" ({via})" if via else ""
    steps = _replace_leaf(
        f,
        "If people outside the company use the site: reissue from a public CA.",
        "If people outside the company use the site: upload a certificate from a public CA.",
    )
    return _done(
        f,
        f"The chain is trusted only thanks to the extra company CA{via}.",
        "Machines with the company CA imported trust it; everyone else (phones, partners, the "
        "public) sees untrusted.",
        (*_client_import(f, "Import the company CA on every client that must trust it."), *steps),
        verify=f.check(),
        verify_text="Check with the company CA, as clients will see it.",
    )


def _incomplete_chain(f: _Fill) -> Remediation:
    missing = f.text_of("missing", "missing_issuer")
    raw_found = f.ev.get("found")
    sources = [
        str(item.get("source", ""))
        for item in (raw_found if isinstance(raw_found, list | tuple) else ())
        if isinstance(item, Mapping)
    ]
    candidates = [
        *f.strings("ca_issuers", "aia_urls", "aia"),
        *(src.removeprefix("AIA ") for src in sources if src.startswith("AIA ")),
    ]
    urls = [u for u in candidates if re.fullmatch(r"https?://[A-Za-z0-9._~:/?=&%+@-]+", u)]
    found = _listing(dict.fromkeys(src for src in sources if src))
    fetch: tuple[str, ...] = (
        (
            f"curl -sf -o intermediate.der {_q(urls[0])}",
            "openssl x509 -inform DER -in intermediate.der -out intermediate.pem",
        )
        if urls
        else (f"openssl x509 -in {f.leaf_file} -noout -ext authorityInfoAccess | cat -v",)
    )
    named = f"Missing: {missing}. " if missing else ""
    if found:
        named += f"It was found via: {found}. "
    origin = (
        Step(
            "origin",
            f"{named}Get the intermediate from your CA (its URL is the leaf's "
            "CA Issuers entry). With certbot, point the server at fullchain.pem, not cert.pem.",
            fetch,
        ),
        _build_fullchain(
            f,
            "Build fullchain.pem: leaf first, then the intermediate(s), no root; "
            "openssl verify must say OK.",
        ),
        *_install(f),
    )
    return _done(
        f,
        "The layer does not send the intermediate certificate(s) needed to reach a trusted root"
        + (f" ({missing})." if missing else "."),
        "Browsers that do not happen to have the intermediate cached, and most other clients "
        "(curl, Java, Android apps), cannot build a path to a root: untrusted on some machines, "
        "fine on others.",
        _by_role(
            f,
            origin,
            _edge_upload(
                f,
                f"{named}Upload the certificate together with its intermediate(s) (the chain or "
                "bundle field), leaf first, no root.",
            ),
        ),
        verify=f.check(),
        verify_text="The layer must now send the intermediate(s).",
    )


def _print_chain(f: _Fill) -> str:
    """Subjects and issuers of fullchain.pem, in file order, neutralised."""
    return (
        f"openssl crl2pkcs7 -nocrl -certfile {f.fullchain}"
        " | openssl pkcs7 -print_certs -noout | cat -v"
    )


def _wrong_order(f: _Fill) -> Remediation:
    expected = f.text_of("expected_order")
    origin = (
        Step(
            "origin",
            "See the order in the file: each certificate's issuer must be the next one's subject."
            + (f" Expected order: {expected}." if expected else ""),
            (_print_chain(f),),
        ),
        _build_fullchain(
            f, "Concatenate leaf first, then the certificate that signed it, and so on."
        ),
        *_install(f),
    )
    return _done(
        f,
        "The certificates are sent out of order (expected: leaf, then its issuer, and so on).",
        "Most browsers reorder them, but some clients (older OpenSSL, Java, embedded devices) "
        "fail and report untrusted.",
        _by_role(
            f, origin, _edge_upload(f, "Re-upload the chain with the leaf first, then its issuer.")
        ),
        verify=f.check(),
        verify_text="The layer must send leaf first, then each issuer.",
    )


def _root_in_chain(f: _Fill) -> Remediation:
    return _done(
        f,
        "The layer also sends the self-signed root certificate.",
        "Harmless for trust (clients use their own copy of the root), but it wastes bytes in "
        "every handshake and can break paths when the CA is cross-signed.",
        _fix_chain(
            f,
            "Drop the root (the last, self-signed block) from the chain file: rebuild it from "
            "the leaf and the intermediate(s) only.",
            "Upload the chain without the root certificate.",
        ),
        verify=f.check(),
        verify_text="The layer must no longer send the root.",
    )


def _unrelated_cert(f: _Fill) -> Remediation:
    extra = f.text_of("unrelated", "certificates", "subject")
    return _done(
        f,
        "The layer sends a certificate that is not on the path to the root"
        + (f" ({extra})." if extra else "."),
        "Usually a leftover intermediate from a previous CA or a duplicate; strict clients may "
        "pick the wrong one and fail.",
        _fix_chain(
            f,
            "Rebuild the chain file from the leaf and its current intermediate(s) only.",
            "Re-upload the certificate with only its current intermediate(s).",
        ),
        verify=f.check(),
        verify_text="The layer must send only the path certificates.",
    )


def _expired_intermediate(f: _Fill) -> Remediation:
    which = f.text_of("intermediate", "subject", "certificate")
    return _done(
        f,
        "An intermediate on the served path has expired" + (f" ({which})." if which else "."),
        "Browsers reject the whole chain when any certificate on it is expired, even with a "
        "valid leaf.",
        _fix_chain(
            f,
            "Download the CA's current intermediate as intermediate.pem and rebuild the chain.",
            "Re-upload the certificate with the CA's current intermediate.",
        ),
        verify=f.check(),
        verify_text="The layer must send a current intermediate.",
    )


def _weak_signature(f: _Fill) -> Remediation:
    which = f.certs("certificates", "signature_algorithm") or f.text_of("subject")
    return _done(
        f,
        "A certificate on the path is signed with SHA-1 or MD5" + (f": {which}." if which else "."),
        "Browsers have rejected SHA-1 and MD5 signatures for years: the chain is untrusted.",
        _replace_leaf(
            f,
            "Reissue the leaf (SHA-256 by default); if it is an intermediate, use the CA's "
            "current one.",
            "Upload a certificate (and intermediates) signed with SHA-256.",
        ),
        verify_text="Check the new certificate is served.",
    )


def _weak_key(f: _Fill) -> Remediation:
    which = f.certs("certificates", "key_type", "key_bits")
    return _done(
        f,
        "A key on the path is too small (RSA needs 2048 bits, EC 256)"
        + (f": {which}." if which else "."),
        "Browsers and many clients refuse RSA keys under 2048 bits.",
        _replace_leaf(
            f,
            "Reissue with a new, larger key (ECDSA P-256 shown).",
            "Upload a certificate with an RSA 2048+ or EC P-256 key.",
            extra=" --key-type ecdsa",
        ),
        verify_text="Check the new certificate is served.",
    )


def _default_cert(f: _Fill) -> Remediation:
    names = f.text_of("default_names", "names", "sans")
    origin = (
        _nginx(
            f,
            "nginx: make this site the default server for the port, or give the default "
            "server the same certificate.",
            f"listen {f.aport} ssl default_server;",
        ),
        Step(
            "origin",
            "Apache: the first VirtualHost listed for the port is the default; make it this site.",
            ("apachectl -S 2>&1 | cat -v",),
        ),
    )
    return _done(
        f,
        f"Without SNI this layer serves another certificate that does not cover {f.host_text}"
        + (f" (it covers: {names})." if names else "."),
        "Browsers always send SNI and are not affected; very old clients, some bots, health "
        "checks and monitoring that omit SNI see a mismatched, untrusted certificate.",
        _by_role(
            f,
            origin,
            (
                Step(
                    "edge",
                    f"Most CDNs answer non-SNI clients with a shared certificate; ask "
                    f"{_cdn_label(f)} about non-SNI (dedicated IP) support, or accept that such "
                    "clients fail.",
                ),
            ),
        ),
        reproduce=f.showcerts(sni=False),
        verify=f.dates(sni=False),
        verify_text="Without SNI the layer must serve the site's certificate.",
    )


def _trust_store_dependent(f: _Fill) -> Remediation:
    alt = f.text_of("alt_store", "store")
    stores = f"the other store: {alt}" if alt else ""
    server = _fix_chain(
        f,
        "Serve the chain your CA offers for older clients (its alternate or cross-signed "
        "intermediate) as intermediate.pem.",
        "Select the CA chain that works with older clients (compatible bundle) and re-upload.",
    )
    client = Step(
        "client",
        "Update the CA bundle on the machines that fail.",
        (
            "apt-get update && apt-get install --only-upgrade ca-certificates",
            "update-ca-certificates",
        ),
    )
    return _done(
        f,
        "The chain is trusted by one trust store but not another"
        + (f" ({stores})." if stores else "."),
        "Machines with an outdated CA bundle (old OS, old Java, old Android) lack the root and "
        "say untrusted; the others work.",
        (*server, client),
        verify=f.check(),
        verify_text="Check again against both stores.",
    )


def _status(f: _Fill) -> str:
    """The stapled OCSP response of this layer, neutralised."""
    return f"{f.s_client()} -status </dev/null 2>&1 | grep -A 4 'OCSP response' | cat -v"


def _ocsp_missing(f: _Fill) -> Remediation:
    origin = (
        _nginx(
            f,
            "nginx: turn stapling on (it needs a resolver to reach the CA; the first "
            "handshake after a reload has no staple yet).",
            "ssl_stapling on;",
            "ssl_stapling_verify on;",
            f"ssl_trusted_certificate {f.chainfile};",
            "resolver RESOLVER_IP;",
        ),
        _apache(
            f,
            "Apache: turn stapling on (the cache line goes outside the VirtualHost).",
            "SSLUseStapling on",
            "SSLStaplingCache shmcb:/var/run/apache2/ocsp(128000)",
        ),
    )
    return _done(
        f,
        "The layer does not staple an OCSP response.",
        "Not a trust error: browsers then ask the CA themselves or skip the check. Some CAs no "
        "longer run OCSP (Let's Encrypt stopped in 2025): then there is nothing to staple.",
        _by_role(
            f,
            origin,
            (
                Step(
                    "edge", f"Stapling at the edge is {_cdn_label(f)}'s job: usually nothing to do."
                ),
            ),
        ),
        reproduce=_status(f),
        verify=_status(f),
        verify_text="The layer must show an OCSP response with status successful.",
    )


def _ocsp_invalid(f: _Fill) -> Remediation:
    reason = f.text_of("reason", "error")
    origin = (
        Step(
            "origin",
            "nginx: a restart drops a staple cached for the old certificate; remove any "
            "ssl_stapling_file line that points at an old response.",
            ("nginx -t && systemctl restart nginx",),
        ),
        Step(
            "origin",
            "Apache: a restart empties the stapling cache.",
            ("apachectl configtest && systemctl restart apache2",),
        ),
    )
    return _done(
        f,
        "The stapled OCSP response is for another certificate, expired, or unparsable"
        + (f" ({reason})." if reason else "."),
        "Browsers ignore or reject a bad staple; with OCSP Must-Staple the certificate is "
        "refused outright.",
        _by_role(
            f,
            origin,
            _edge_upload(
                f, "Re-deploy the current certificate so the edge fetches a fresh response."
            ),
        ),
        reproduce=_status(f),
        verify=_status(f),
        verify_text="The stapled response must be for the served certificate and current.",
    )


def _revoked(f: _Fill) -> Remediation:
    return _done(
        f,
        "The CA has revoked the certificate served here.",
        "Browsers that check revocation refuse it; revocation usually follows a key compromise "
        "or mis-issuance, so the key must be replaced too.",
        _replace_leaf(
            f,
            "Reissue with a new key (certbot makes a new key unless told to reuse it).",
            "Upload a newly issued certificate with a new key.",
            extra=" --force-renewal",
        ),
        verify_text="The fingerprint must be the new certificate's.",
    )


def _expect(ref: str | None) -> str:
    """Sentence naming the fingerprint the layer must serve, when known."""
    return f"It must print sha256 Fingerprint={ref}." if ref else ""


def _short(fingerprint: str) -> str:
    """First 12 hex digits, as the layers table labels certificates."""
    return fingerprint.replace(":", "")[:12].lower()


def _stale_edge(f: _Fill) -> Remediation:
    ref = f.sha("reference_sha256", "reference")
    served = f.sha("served_sha256", "served")
    older = f.number("older_by_days", "older_days")
    facts = []
    # Short ids in the meaning; the full reference fingerprint is in the verify step.
    if served:
        facts.append(f"serves {_short(served)}")
    if ref:
        facts.append(f"reference {_short(ref)}")
    detail = f" ({', '.join(facts)})" if facts else ""
    return _done(
        f,
        f"This edge still serves an older certificate than the reference{detail}"
        + (f", {older} days older" if older else "")
        + ": the renewal did not reach it.",
        "Users sent to this edge get the old certificate; when it expires they see untrusted "
        "while everyone else is fine.",
        _edge_upload(
            f,
            "Upload the renewed certificate (the reference) with its intermediates "
            "and key, to every edge/region of the hostname.",
        ),
        verify_text=" ".join(filter(None, ["Check the edge serves the reference.", _expect(ref)])),
    )


def _edge_ahead(f: _Fill) -> Remediation:
    origin = (
        Step(
            "origin",
            "Install on the origin the certificate you renewed at the CDN (or renew it there too).",
        ),
        *_install(f),
    )
    return _done(
        f,
        "The edges serve a newer certificate than the origin: the origin was not updated.",
        "Visitors do not see it yet, but direct access to the origin and CDNs that validate the "
        "origin certificate (strict mode) fail once the origin certificate expires.",
        origin,
        # Only an origin context knows the origin's address; otherwise re-check the site.
        verify=None if f.origin else f.check(layer=False),
        site_check=not f.origin,
        verify_text=" ".join(
            filter(
                None,
                [
                    "Check the origin serves the new certificate.",
                    _expect(f.sha("reference_sha256", "edge")),
                ],
            )
        ),
    )


def _edges_disagree(f: _Fill) -> Remediation:
    groups: list[str] = []
    raw = f.ev.get("groups")
    for group in raw[:10] if isinstance(raw, list | tuple) else ():
        if isinstance(group, Mapping) and (sha := _fingerprint(group.get("sha256"))):
            groups.append(f"{_short(sha)} on {', '.join(_items(group.get('layers'))[:5])}")
    return _done(
        f,
        "The edges serve more than one distinct certificate"
        + (f": {_listing(groups)}." if groups else "."),
        "Users get a different certificate depending on the edge DNS gives them; when one of "
        "them is bad, failures look random.",
        _edge_upload(
            f,
            "Deploy the same certificate to every edge (the layers table shows "
            "which edges serve which: same label, same certificate).",
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="Every edge must show the same certificate label.",
    )


def _chain_differs(f: _Fill) -> Remediation:
    served = f.certs("intermediates")
    wanted = f.certs("reference_intermediates")
    return _done(
        f,
        "This layer reaches the root through other intermediates than the reference"
        + (f" (serves: {served}; reference: {wanted})." if served and wanted else "."),
        "Often harmless; it matters when the other intermediate is old, expired, or "
        "cross-signed to a root that some clients lack.",
        _fix_chain(
            f,
            "Use the same intermediate(s) as the reference layer for intermediate.pem.",
            "Re-upload the certificate with the same intermediate(s) as the reference.",
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="The layer must show the same chain as the reference.",
    )


def _key_differs(f: _Fill) -> Remediation:
    raw = f.ev.get("reference_spki_sha256")
    ref_spki = raw.lower() if isinstance(raw, str) and _HEX64.fullmatch(raw) else ""
    spki = (
        f"{f.s_client()} </dev/null 2>/dev/null | openssl x509 -noout -pubkey"
        " | openssl pkey -pubin -outform DER | openssl dgst -sha256"
    )
    note = (
        "Only matters if something pins the key (mobile apps, API clients): update the "
        "pins, or deploy the pinned key everywhere."
    )
    return _done(
        f,
        "Layers serve the same names with different public keys.",
        "Browsers do not care; clients that pin the key fail on the layers with the other key.",
        _by_role(f, (Step("origin", note),), (Step("edge", note),)),
        verify=spki,
        verify_text="The key hash (SPKI SHA-256) must be the same on every layer"
        + (f": {ref_spki}." if ref_spki else "."),
    )


def _san_differs(f: _Fill) -> Remediation:
    missing_names = f.strings("missing_names")
    # The reference's names are what the layer covers plus what it lacks.
    wanted = (*f.strings("names"), *missing_names)
    listed = _listing(missing_names)
    return _done(
        f,
        "This layer's certificate covers fewer names than the reference"
        + (f" (missing: {listed})." if listed else "."),
        "Visitors to the missing names get a name mismatch (untrusted) on this layer only.",
        _replace_leaf(
            f,
            "Reissue with every name of the reference.",
            "Upload the certificate that covers every name of the reference.",
            names=wanted,
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="The layer must cover the same names as the reference.",
    )


def _cdn_managed(f: _Fill) -> Remediation:
    cdn = _cdn(f)
    where = (
        f"{cdn.name}: {cdn.where}" if cdn is not None else f"{_cdn_label(f)}'s certificate settings"
    )
    return _done(
        f,
        "All edges serve the CDN's own certificate, different from the origin's.",
        "Not a problem: edge and origin certificates are renewed independently, so both need "
        "watching.",
        (
            Step("edge", f"Nothing to fix. The edge certificate is managed in {where}."),
            Step(
                "origin",
                "Keep the origin certificate valid too if the CDN checks it (strict origin mode).",
            ),
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="Check both the edges and the origin.",
    )


def _mixed_content(f: _Fill) -> Remediation:
    urls = f.text_of("urls", "resources", "items")
    csp = '"upgrade-insecure-requests"'
    page = f.curl(show_headers=False) + " | grep -Eo 'http://[^\"[:space:]<>]+' | sort -u | cat -v"
    steps: list[Step] = [
        Step(
            "origin",
            "Change these references to https:// in the page or app"
            + (f" ({urls})" if urls else "")
            + ". As a stopgap, ask browsers to upgrade them:",
        ),
        _nginx(f, "nginx:", f"add_header Content-Security-Policy {csp} always;"),
        _apache(f, "Apache (mod_headers):", f"Header always set Content-Security-Policy {csp}"),
    ]
    if f.edge:
        cdn = _cdn(f)
        rewrite = (
            cdn.https_rewrite
            if cdn is not None and cdn.https_rewrite
            else (f"{_cdn_label(f)} may offer automatic HTTPS rewrites.")
        )
        steps.append(_edge_purge(f, f"Or let the CDN rewrite them: {rewrite}"))
    return _done(
        f,
        "The HTTPS page loads http:// resources.",
        "Browsers block active mixed content (scripts, styles, iframes) and drop the padlock for "
        "images: users see Not secure, often reported as untrusted.",
        steps,
        reproduce=page,
        verify=page,
        verify_text="The page must reference no http:// resources (plain links are fine).",
    )


def _csp_upgrade(f: _Fill) -> Remediation:
    header = f.curl_header("content-security-policy")
    return _done(
        f,
        "The page asks browsers to upgrade http:// resources (upgrade-insecure-requests).",
        "Fine: browsers fetch them over https instead. It hides mixed content that breaks if a "
        "resource has no https URL.",
        (Step("origin", "Nothing urgent; fix the http:// references at the source when you can."),),
        reproduce=f.curl(),
        verify=header,
        verify_text="Shows the policy in effect.",
    )


def _hsts_missing(f: _Fill) -> Remediation:
    value = '"max-age=31536000"'
    origin = (
        _nginx(
            f,
            "nginx: send HSTS (start with a short max-age; add includeSubDomains only when "
            "every subdomain has HTTPS).",
            f"add_header Strict-Transport-Security {value} always;",
        ),
        _apache(
            f,
            "Apache (mod_headers: a2enmod headers):",
            f"Header always set Strict-Transport-Security {value}",
        ),
    )
    cdn = _cdn(f)
    edge_where = (
        cdn.hsts if cdn is not None and cdn.hsts else (f"{_cdn_label(f)}'s header settings")
    )
    edge = (
        Step(
            "edge",
            f"Set it at the edge ({edge_where}), or at the origin: the CDN passes "
            "origin headers through.",
        ),
    )
    return _done(
        f,
        "The layer sends no Strict-Transport-Security header.",
        "Not a trust error: without HSTS a first visit over http:// can be downgraded. With it, "
        "browsers refuse to click through certificate errors, so fix those first.",
        _by_role(f, origin, edge),
        reproduce=f.curl(),
        verify=f.curl_header("strict-transport-security"),
        verify_text="The header must be present.",
    )


def _http_differs(f: _Fill) -> Remediation:
    detail = f.text_of("statuses", "status", "hsts", "differences")
    return _done(
        f,
        "Layers answer with different HTTP status codes or HSTS policies"
        + (f" ({detail})." if detail else "."),
        "Users get different behaviour depending on the edge; the odd layer is often an edge "
        "with stale configuration or an origin that is not the one you think.",
        _by_role(
            f,
            (
                Step(
                    "origin",
                    "Make every origin server run the same configuration, then reload.",
                    (
                        "nginx -t && systemctl reload nginx",
                        "apachectl configtest && systemctl reload apache2",
                    ),
                ),
            ),
            (_edge_purge(f, f"Align {_cdn_label(f)}'s rules and headers for the hostname."),),
        ),
        reproduce=f.curl(),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="Every layer must answer the same.",
    )


def _generic(f: _Fill, code: str) -> Remediation:
    return _done(
        f,
        f"layerscope reported {_visible(code, 60)} for {f.layer_text}.",
        "See the finding's summary and evidence.",
        (),
        verify=f.check(),
        verify_text="Check again after any change.",
    )


_BUILDERS: dict[str, Callable[[_Fill], Remediation]] = {
    "unreachable": _unreachable,
    "not_tls": _not_tls,
    "handshake_failed": _handshake_failed,
    "expired": _expired,
    "expiring_soon": _expiring_soon,
    "not_yet_valid": _not_yet_valid,
    "hostname_mismatch": _hostname_mismatch,
    "self_signed": _self_signed,
    "untrusted_root": _untrusted_root,
    "private_ca": _private_ca,
    "incomplete_chain": _incomplete_chain,
    "wrong_order": _wrong_order,
    "root_in_chain": _root_in_chain,
    "unrelated_cert_in_chain": _unrelated_cert,
    "expired_intermediate": _expired_intermediate,
    "weak_signature": _weak_signature,
    "weak_key": _weak_key,
    "default_cert_without_sni": _default_cert,
    "trust_store_dependent": _trust_store_dependent,
    "ocsp_staple_missing": _ocsp_missing,
    "ocsp_staple_invalid": _ocsp_invalid,
    "revoked": _revoked,
    "stale_edge": _stale_edge,
    "edge_ahead_of_origin": _edge_ahead,
    "edges_disagree": _edges_disagree,
    "chain_differs_from_origin": _chain_differs,
    "key_differs": _key_differs,
    "san_differs": _san_differs,
    "cdn_managed_certificate": _cdn_managed,
    "mixed_content": _mixed_content,
    "csp_upgrade_insecure": _csp_upgrade,
    "hsts_missing": _hsts_missing,
    "http_differs": _http_differs,
}

REMEDIATION_CODES: frozenset[str] = frozenset(_BUILDERS)
"""Every finding code with specific remediation content."""


def remediation_for(code: str, ctx: RemediationContext) -> Remediation:
    """Remediation for ``code``, filled with the values of ``ctx``.

    Unknown codes get a generic remediation (reproduce and re-check commands); this never
    raises on odd evidence.
    """
    fill = _Fill(ctx)
    builder = _BUILDERS.get(code)
    if builder is None:
        return _generic(fill, code)
    return builder(fill)


def reproduce_command(ctx: RemediationContext) -> str:
    """The command that shows what this layer serves (for layers without findings too)."""
    return _Fill(ctx).showcerts()
