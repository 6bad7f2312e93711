"""Shared step builders (nginx, Apache, install, full chain, client import) and _done."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from layerscope.explain.cdn import _edge_upload
from layerscope.explain.context import _FILE_BASENAME, _visible
from layerscope.explain.fill import _Fill
from layerscope.model import Remediation, Step

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
    """Point nginx and Apache at the full chain and key, then reload (nothing for a file
    that is not deployed yet: first it must pass the preflight)."""
    if f.file:
        return ()
    return (
        _nginx(f, "nginx: serve the full chain (leaf first, then intermediates) and its key."),
        _apache(
            f,
            "Apache: same files; Apache 2.4.8+ reads the intermediates from "
            "SSLCertificateFile, older versions need the SSLCertificateChainFile line.",
        ),
    )


def _build_fullchain(f: _Fill, text: str) -> Step:
    """Rebuild fullchain.pem: leaf first, then intermediates, no root (a file: from its own
    certificates, split one per file)."""
    if f.file:
        return Step(
            "origin",
            text,
            (
                f.split(),
                "cat cert1.pem intermediate.pem > fullchain.pem",
                "openssl verify -untrusted intermediate.pem cert1.pem",
            ),
        )
    return Step(
        "origin",
        text,
        (
            f"cd {f.dir}",
            f"cat {f.leaf_file} intermediate.pem > fullchain.pem",
            f"openssl verify -untrusted intermediate.pem {f.leaf_file}",
        ),
    )


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
    """Origin steps for the origin, edge steps for an edge, both for site-wide findings; a
    file not deployed yet gets the origin's steps, to be done in the file."""
    if f.file:
        return tuple(
            dataclasses.replace(s, where="file") if s.where == "origin" else s for s in origin
        )
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
    if f.file:
        text = (
            "Check the fixed file (in the place of this one): it must pass before it is deployed."
        )
    return Remediation(
        meaning=meaning,
        why_untrusted=why,
        steps=(*steps, Step("verify", text, commands)),
        reproduce=reproduce or f.showcerts(),
        verify=verify_cmd,
    )
