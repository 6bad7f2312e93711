"""Remediations for what only a certificate file can get wrong (``preflight``):
``not_a_certificate`` and ``key_mismatch``.

For a file (role ``file``) the steps say what to put in the file and the exact ``cat`` /
``openssl`` command, before anything is deployed; for a served layer (the same mistake
made on a server or in a CDN's upload form) they say where that file or field is.
"""

from __future__ import annotations

from layerscope.explain.cdn import _edge_upload
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import _by_role, _done, _install
from layerscope.model import Remediation, Step
from layerscope.model.evidence import KeyMismatchEvidence, NotACertificateEvidence

_BLOCKS = "grep -n -e '-----BEGIN' -e '-----END' {} | cat -v"
_CERTS_ONLY = "sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' {} > {}"


def _cert(f: _Fill) -> str:
    """The certificate file: the one checked, or the server's fullchain.pem."""
    return f.cert_path or f.fullchain


def _key(f: _Fill) -> str:
    """The key file: the one checked, or the server's privkey.pem."""
    return f.key_path or f.privkey


def _fixes(f: _Fill, problem: str) -> tuple[str, tuple[str, ...]]:
    """What to do about one kind of broken certificate file, and the commands."""
    cert = _cert(f)
    clean = "fullchain.clean.pem"
    if problem == "der":
        return (
            "Convert the certificate to PEM, then append its intermediates (PEM too).",
            (
                f"openssl x509 -inform DER -in {cert} -out leaf.pem",
                "cat leaf.pem intermediate.pem > fullchain.pem",
            ),
        )
    if problem == "pkcs7":
        return (
            "Convert the PKCS#7 bundle to PEM certificates (add -inform DER for a binary "
            ".p7b), then check the order: leaf first.",
            (f"openssl pkcs7 -print_certs -in {cert} -out fullchain.pem",),
        )
    if problem in ("text_outside_blocks", "key_beside", "other_block"):
        what = {
            "text_outside_blocks": "Keep only the certificate blocks (servers skip the rest).",
            "key_beside": "Keep only the certificates in this file; the private key belongs "
            "in the key file (ssl_certificate_key), readable by root only.",
            "other_block": "Keep only the certificate blocks in this file.",
        }[problem]
        return what, (_CERTS_ONLY.format(cert, clean), _BLOCKS.format(clean))
    if problem == "byte_order_mark":
        return (
            "Remove the byte order mark (save the file as plain ASCII, or strip it):",
            (f"sed '1s/^\\xEF\\xBB\\xBF//' {cert} > {clean}", f"head -c 32 {clean} | od -c"),
        )
    if problem in ("missing", "unreadable"):
        return (
            "Put the certificate file where the configuration says (leaf first, then the "
            "intermediates), or correct the ssl_certificate path; a file layerscope may not "
            "read is checked when it runs as root, as nginx reads it.",
            (f"ls -l {cert}", "nginx -t"),
        )
    if problem in ("truncated", "bad_block"):
        return (
            "Copy the certificate again from the CA's download, whole: from the -----BEGIN "
            "CERTIFICATE----- line to the -----END CERTIFICATE----- line, unchanged.",
            (_BLOCKS.format(cert),),
        )
    what = {
        "private_key": "This is the private key: it belongs in the key file "
        "(ssl_certificate_key). Put the certificate the CA issued here, then its "
        "intermediates.",
        "csr": "This is the request sent to the CA. Put the certificate the CA issued for it "
        "here (-----BEGIN CERTIFICATE-----), then its intermediates.",
        "too_large": "Point the server at the site's own chain (leaf and intermediates), not "
        "at a bundle of CA certificates.",
    }.get(
        problem,
        "Put the certificate the CA issued here, in PEM (-----BEGIN CERTIFICATE-----), then "
        "its intermediates.",
    )
    return what, (_BLOCKS.format(cert), "cat leaf.pem intermediate.pem > fullchain.pem")


_CERT_MEANINGS = {
    "empty": "The certificate file is empty.",
    "too_large": "The certificate file is far too large to be a certificate chain.",
    "no_certificate": "The certificate file holds no certificate.",
    "private_key": "The certificate file holds a private key instead of the certificate.",
    "csr": "The certificate file holds the certificate request (CSR), not the certificate.",
    "public_key": "The certificate file holds a public key, not a certificate.",
    "der": "The certificate is in DER (binary) form; servers read PEM.",
    "pkcs7": "The certificates are in a PKCS#7 bundle; servers read PEM certificates.",
    "truncated": "A PEM block of the certificate file is cut short.",
    "bad_block": "A PEM block of the certificate file has broken base64.",
    "text_outside_blocks": "The certificate file holds text outside its PEM blocks.",
    "key_beside": "The certificate file also holds the private key.",
    "other_block": "The certificate file holds a block that is not a certificate.",
    "byte_order_mark": "The certificate file starts with a byte order mark.",
    "missing": "The certificate file the configuration names does not exist.",
    "unreadable": "The certificate file the configuration names cannot be read.",
}
_CERT_WHY = {
    "text_outside_blocks": "Servers skip it, but it usually means a copy-and-paste went wrong: "
    "check that no certificate is missing.",
    "key_beside": "Servers skip it, but certificate files are often readable by everyone and "
    "passed around: the private key leaks with them.",
    "other_block": "Servers skip it; a file holding only the chain avoids surprises.",
    "byte_order_mark": "OpenSSL 3 skips it; older OpenSSL versions may miss the first "
    "certificate, and the server then refuses the key.",
}


def _not_a_certificate(f: _Fill) -> Remediation:
    ev = f.of(NotACertificateEvidence)
    problem = ev["problem"] if isinstance(ev["problem"], str) else ""
    what, commands = _fixes(f, problem)
    origin = (Step("origin", what, commands), *_install(f))
    edge = _edge_upload(
        f, "Upload the certificate and its intermediates in PEM, leaf first, no root."
    )
    return _done(
        f,
        _CERT_MEANINGS.get(problem, "The certificate file is not what a server loads as one."),
        _CERT_WHY.get(
            problem,
            "nginx and Apache read PEM certificates, leaf first; a file they cannot read "
            "stops the server from starting or reloading, so every client fails.",
        ),
        _by_role(f, origin, edge),
        reproduce=_BLOCKS.format(f.cert_path) if f.file else None,
        verify=f.check(),
        verify_text="The file must hold PEM certificates only, leaf first.",
    )


def _pubkeys(f: _Fill) -> tuple[str, str]:
    """The two commands whose output must be equal: the hash of each public key."""
    return (
        f"openssl x509 -in {_cert(f)} -noout -pubkey | openssl sha256",
        f"openssl pkey -in {_key(f)} -pubout | openssl sha256",
    )


def _key_fix(f: _Fill, problem: str, owner: object) -> tuple[Step, ...]:
    key = _key(f)
    if problem == "encrypted":
        return (
            Step(
                "origin",
                "Remove the passphrase (openssl asks for it once) and keep the file readable "
                "by root only; or give nginx the passphrase with ssl_password_file.",
                (f"openssl pkey -in {key} -out privkey.pem", "chmod 600 privkey.pem"),
            ),
        )
    if problem in ("missing", "unreadable", "no_key_directive"):
        return (
            Step(
                "origin",
                "Give the certificate its private key: the ssl_certificate_key line after "
                "the ssl_certificate line, naming the key file (PEM, readable by root only); "
                "a file layerscope may not read is checked when it runs as root.",
                (f"ls -l {key}", "nginx -t"),
            ),
        )
    if problem == "der":
        return (
            Step(
                "origin",
                "Convert the key to PEM:",
                (f"openssl pkey -inform DER -in {key} -out privkey.pem", "chmod 600 privkey.pem"),
            ),
        )
    if problem == "openssh":
        return (
            Step(
                "origin",
                "Convert the OpenSSH key to PEM (on a copy):",
                (f"cp {key} privkey.pem", "ssh-keygen -p -N '' -m PEM -f privkey.pem"),
            ),
        )
    if problem == "mismatch" and isinstance(owner, int) and not isinstance(owner, bool):
        return (
            Step(
                "origin",
                f"The key belongs to certificate {owner} of the file: put that certificate "
                "first, then its intermediates.",
                (f.split(), f"cat cert{owner}.pem intermediate.pem > fullchain.pem"),
            ),
        )
    if problem == "mismatch":
        return (
            Step(
                "origin",
                "Find the key this certificate was issued for (the one its CSR was made "
                "with): the two hashes below must be equal. Without it, reissue the "
                "certificate with a CSR made from this key.",
                (*_pubkeys(f), f"openssl req -new -key {key} -out request.csr"),
            ),
        )
    return (
        Step(
            "origin",
            "The key file must hold the private key (-----BEGIN PRIVATE KEY-----) the "
            "certificate's CSR was made with, in PEM.",
            (_BLOCKS.format(key),),
        ),
    )


_KEY_MEANINGS = {
    "mismatch": "The private key does not belong to the leaf: their public keys differ.",
    "encrypted": "The private key is protected by a passphrase.",
    "certificate": "The key file holds a certificate, not the private key.",
    "der": "The private key is in DER (binary) form; servers read PEM.",
    "openssh": "The private key is in OpenSSH's format; TLS servers read PEM.",
    "missing": "The private key file the configuration names does not exist.",
    "unreadable": "The private key file the configuration names cannot be read.",
    "no_key_directive": "The configuration names no private key for this certificate.",
}


def _key_mismatch(f: _Fill) -> Remediation:
    ev = f.of(KeyMismatchEvidence)
    problem = ev["problem"] if isinstance(ev["problem"], str) else ""
    origin = (*_key_fix(f, problem, ev["matches_position"]), *_install(f))
    edge = _edge_upload(
        f, "Upload the certificate together with the private key it was issued for."
    )
    return _done(
        f,
        _KEY_MEANINGS.get(problem, "The key file holds no usable private key."),
        "The server must ask for the passphrase at every start: an unattended restart hangs "
        "or fails."
        if problem == "encrypted"
        else "The server checks that the key belongs to the certificate and refuses to start "
        "or reload otherwise: every client fails.",
        _by_role(f, origin, edge),
        reproduce=" ; ".join(_pubkeys(f)) if f.file and f.key_path else None,
        verify=f.check(),
        verify_text="The key must belong to the leaf: both hashes equal.",
    )


__all__ = ["_key_mismatch", "_not_a_certificate"]
