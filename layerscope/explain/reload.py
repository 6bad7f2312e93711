"""Remediation of ``reload_needed`` (``preflight --nginx``): the server block serves another
leaf than the file it names.

The context is the server block as a layer (role ``origin``, its address the one the
handshake went to), so the reproduce command is the handshake layerscope made; the file,
the configuration and the fingerprints come from the evidence and are quoted or checked.
"""

from __future__ import annotations

from layerscope.explain.context import _q
from layerscope.explain.fill import _Fill
from layerscope.model import Remediation, Step
from layerscope.model.evidence import ReloadNeededEvidence

#: What the remediation runs: nginx reads its certificate files only at start and reload.
RELOAD = "nginx -t && systemctl reload nginx"

# which block answers a name: every listen, server_name and ssl_certificate nginx loads
_BLOCKS = "nginx -T 2>/dev/null | grep -n -e server_name -e listen -e ssl_certificate | cat -v"


def _file_fingerprint(f: _Fill, path: object) -> str:
    """The fingerprint and dates of the file's first certificate (what nginx serves)."""
    cert = _q(path) if isinstance(path, str) and path else f.fullchain
    return f"openssl x509 -in {cert} -noout -fingerprint -sha256 -dates"


def _reload_needed(f: _Fill) -> Remediation:
    ev = f.of(ReloadNeededEvidence)
    served = f.sha(ev["served_sha256"])
    in_file = f.sha(ev["file_sha256"])
    steps = (
        Step(
            "origin",
            "Test the configuration, then reload nginx: it reads its certificate files only "
            "when it starts or reloads, and serves what it read until then (nginx without "
            "systemd: nginx -t && nginx -s reload).",
            (RELOAD,),
        ),
        Step(
            "origin",
            "If it still serves the other certificate after the reload, another server "
            "block answers this name on this address: look for it.",
            (_BLOCKS,),
        ),
    )
    again = f.preflight() if f.ctx.config else f.dates()
    check = f.dates()
    expected = f" It must print {in_file}." if in_file else ""
    verify = Step(
        "verify",
        f"Check that the block now serves the file's leaf.{expected}",
        (again,) if again == check else (again, check),
    )
    was = f" (serves {served})" if served else ""
    return Remediation(
        meaning=f"The server serves another certificate than the file it names{was}: the "
        "file changed after nginx last loaded it.",
        why_untrusted="A renewal written to disk is not served until nginx reloads: clients "
        "keep getting the old certificate, and see untrusted once it expires.",
        steps=(*steps, verify),
        reproduce=f"{check} ; {_file_fingerprint(f, ev['file'])}",
        verify=again,
    )


__all__ = ["RELOAD", "_reload_needed"]
