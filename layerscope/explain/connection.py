"""Remediations for layers that cannot be reached or fail the TLS handshake."""

from __future__ import annotations

from layerscope.explain.cdn import _cdn_label, _edge_upload
from layerscope.explain.context import _q, _visible
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import (
    _apache,
    _build_fullchain,
    _by_role,
    _done,
    _install,
    _nginx,
)
from layerscope.model import Remediation, Step
from layerscope.model.evidence import ConnectionEvidence


def _unreachable(f: _Fill) -> Remediation:
    kind = f.text(f.of(ConnectionEvidence)["message"])
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
    ev = f.of(ConnectionEvidence)
    if f.text(ev["error_kind"]) == "message_too_large":
        return _message_too_large(f)
    reason = f.text(ev["message"])
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
