"""The finding codes of ``preflight`` about the files themselves: what nginx or Apache would
read from the certificate file and the key file (see :mod:`layerscope.model.codes`).

The chain, validity, name and algorithm findings of a file are the per-layer codes of
``check``, computed the same way; these two say what only a file can get wrong.
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
        "order mark. Evidence: `file`, `problem`, `message`, `line` when it is about one place.",
        "critical; a warning when servers still load the file (text outside the blocks, a "
        "private key or another kind of block beside the certificates, a byte order mark)",
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
        "every start)",
    ),
)
"""The file findings of ``preflight``."""

__all__ = ["FILE_CODES"]
