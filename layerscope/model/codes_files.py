"""The finding codes of ``preflight`` about the files themselves: what nginx or Apache would
read from the certificate file and the key file, and whether the server serves them (see
:mod:`layerscope.model.codes`).

The chain, validity, name and algorithm findings of a file are the per-layer codes of
``check``, computed the same way; these say what only a file can get wrong, and (with
``--nginx``) a server that still serves something else than its files.
"""

from __future__ import annotations

from layerscope.model import Severity
from layerscope.model.codes_model import CodeInfo

FILE_CODES: tuple[CodeInfo, ...] = (
    CodeInfo(
        "not_a_certificate",
        Severity.CRITICAL,
        "layer",
        "files",
        "`preflight`: the certificate file is not what a server loads as one: empty, "
        "truncated, no certificate at all, a private key or a certificate request instead, "
        "DER or PKCS#7 where PEM is expected (still read for the analysis), a broken PEM "
        "block; or text outside the PEM blocks, a private key beside the certificates, a byte "
        "order mark; with `--nginx`, a file the configuration names that does not exist or "
        "cannot be read. Evidence: `file`, `problem`, `message`, `line` when it is about one "
        "place.",
        "critical; a warning when servers still load the file (text outside the blocks, a "
        "private key or another kind of block beside the certificates, a byte order mark), "
        "or when layerscope, not running as root, may not read it",
    ),
    CodeInfo(
        "key_mismatch",
        Severity.CRITICAL,
        "layer",
        "files",
        "`preflight --key`: the private key does not belong to the leaf (their public keys "
        "differ: the server refuses to start), or the key file holds no usable key (a "
        "certificate, nothing, DER or OpenSSH format). Evidence: `file`, `problem`, "
        "`message`, the two public key hashes when known, `matches_position` when the key "
        "belongs to another certificate of the file.",
        "critical; a warning for a key protected by a passphrase (the server asks for it at "
        "every start), or a key file layerscope, not running as root, may not read",
    ),
    CodeInfo(
        "reload_needed",
        Severity.WARNING,
        "layer",
        "files",
        "`preflight --nginx`: a server block serves another leaf than the certificate file "
        "it names (`ssl_certificate`): the file changed on disk after nginx last loaded it "
        "(a renewal without a reload), or another block answers that name on that address. "
        "Evidence: `file`, `file_sha256`, `served_sha256`, `file_modified`, where the "
        "handshake went (`address`, `port`, `sni`), `served_not_after`, `config`, `block`.",
        "warning; critical when the served leaf is expired or expires within `--crit-days`",
    ),
)
"""The file findings of ``preflight``."""

__all__ = ["FILE_CODES"]
