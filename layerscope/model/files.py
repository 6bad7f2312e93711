"""What ``preflight`` reads instead of probing: a certificate file, its key, the names.

A preflight report is a :class:`~layerscope.model.Report` with one layer of role
:attr:`~layerscope.model.Role.FILE` (its address is the file's path) and
:attr:`~layerscope.model.Report.files` saying what was read, where a site's report says
what DNS answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from layerscope.model.options import CheckOptions


@dataclass(frozen=True)
class FileRead:
    """One file as read from disk: what it holds, not whether that is right.

    Attributes:
        path: the path as given.
        size: bytes read.
        format: ``PEM``, ``DER``, ``PKCS#7`` or ``""`` when neither could be recognised.
        certificates: how many certificates were found (parsed or not).
        keys: how many private keys were found.
        blocks: the labels of the PEM blocks in file order (``CERTIFICATE``, ``PRIVATE
            KEY``, ...); empty for DER and for files without a block.
        notes: facts about the bytes that change nothing for servers ("CRLF line endings").
        key_type: for a key file, the key's type and size ("EC 256", "RSA 2048"), or "".
        encrypted: for a key file, the key is protected by a passphrase.
        error: why the file could not be read ("does not exist", "permission denied");
            "" when it was. Only a file a server's configuration names is reported so
            (``preflight --nginx``): a file given by hand that cannot be read is bad input.
    """

    path: str
    size: int
    format: str
    certificates: int = 0
    keys: int = 0
    blocks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    key_type: str = ""
    encrypted: bool = False
    error: str = ""

    def describe(self) -> str:
        """``PEM, 3 certificates, 4,012 bytes; CRLF line endings`` (untrusted path left out)."""
        if self.error:
            return f"cannot be read: {self.error}"
        if not self.size:
            return "empty (0 bytes)"
        parts = [self.format or "unrecognised"]
        if self.key_type or self.encrypted:
            parts.append(self.key_type or "private key")
            if self.encrypted:
                parts.append("encrypted")
        elif self.certificates or not self.keys:
            parts.append(
                f"{self.certificates:,} certificate{'' if self.certificates == 1 else 's'}"
            )
        if self.keys and not self.key_type:
            parts.append(f"{self.keys:,} private key{'' if self.keys == 1 else 's'}")
        parts.append(f"{self.size:,} bytes")
        text = ", ".join(parts)
        return f"{text}; {', '.join(self.notes)}" if self.notes else text


@dataclass(frozen=True)
class FilesRead:
    """What a preflight read: the certificate file, the key file, the names to serve.

    Attributes:
        certificate: the certificate file (``ssl_certificate`` / ``SSLCertificateFile``).
        key: the private key file (``ssl_certificate_key``), None when not given.
        names: the names the certificate must serve (``--host``, A-label form), in order.
        leaf_position: 1-based position in the file of the certificate analysed as the
            leaf (the first that is not a CA certificate); 0 when there is none.
    """

    certificate: FileRead
    key: FileRead | None
    names: tuple[str, ...]
    leaf_position: int = 0


@dataclass(frozen=True)
class PreflightRequest:
    """One preflight to run: the files, the names, and the trust options.

    Attributes:
        certificate: path of the certificate file (leaf first, then intermediates).
        key: path of the private key file, or None.
        hosts: the names the certificate must serve, as given (at least one).
        options: the trust store, ``--extra-ca``, ``--at``, thresholds, AIA and timeout
            (the other fields of :class:`CheckOptions` are not used).
        config: the server configuration that names the files (``--nginx``), "" when they
            were given by hand: one that is missing or cannot be read is then a finding
            (the server would not load it), not bad input, and the checks say to run
            ``preflight --nginx CONFIG`` again.
    """

    certificate: str
    key: str | None
    hosts: tuple[str, ...]
    options: CheckOptions
    config: str = ""


__all__ = ["FileRead", "FilesRead", "PreflightRequest"]
