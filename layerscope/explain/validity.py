"""Remediations for the served certificate: dates, names, SNI default and revocation."""

from __future__ import annotations

from layerscope.explain.cdn import _cdn_label, _edge_upload
from layerscope.explain.context import _q
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import (
    _by_role,
    _done,
    _install,
    _nginx,
    _renew_origin,
    _replace_leaf,
)
from layerscope.model import Remediation, Step
from layerscope.model.evidence import (
    DefaultCertEvidence,
    ExpiredEvidence,
    ExpiringSoonEvidence,
    HostnameMismatchEvidence,
    NotYetValidEvidence,
)


def _expired(f: _Fill) -> Remediation:
    when = f.text(f.of(ExpiredEvidence)["not_after"])
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
    ev = f.of(ExpiringSoonEvidence)
    days = f.number(ev["days_left"])
    when = f.text(ev["not_after"])
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
    when = f.text(f.of(NotYetValidEvidence)["not_before"])
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
    names = f.text(f.of(HostnameMismatchEvidence)["names"])
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


def _default_cert(f: _Fill) -> Remediation:
    names = f.text(f.of(DefaultCertEvidence)["default_names"])
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
