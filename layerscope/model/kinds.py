"""Severities, layer roles, certificate types and error kinds: the words every other value
uses."""

from __future__ import annotations

import enum

SCHEMA_VERSION = 1


class Severity(enum.IntEnum):
    """Nagios-style severities, ordered so that ``max()`` gives the worst."""

    OK = 0
    INFO = 1
    WARNING = 2
    CRITICAL = 3
    UNKNOWN = 4

    @property
    def label(self) -> str:
        """Lower-case name used in JSON and text output."""
        return self.name.lower()

    @property
    def exit_code(self) -> int:
        """Exit code of ``layerscope check``: 0 ok/info, 1 warning, 2 critical, 3 unknown."""
        return {0: 0, 1: 0, 2: 1, 3: 2, 4: 3}[int(self)]


class Role(enum.StrEnum):
    """Where a layer sits: the origin server or a CDN edge; or, for ``preflight``, a
    certificate file that is not deployed yet (its address is the file's path)."""

    ORIGIN = "origin"
    EDGE = "edge"
    FILE = "file"


class CertType(enum.StrEnum):
    """A certificate's key type, as servers holding two certificates for one name tell
    them apart (nginx's two ``ssl_certificate`` lines): the handshake picks one from the
    signature algorithms the client offers."""

    ECDSA = "ecdsa"
    RSA = "rsa"


class ErrorKind(enum.StrEnum):
    """Why a probe (or a DNS lookup) did not produce a served chain."""

    # DNS
    NXDOMAIN = "nxdomain"
    NO_ANSWER = "no_answer"
    SERVFAIL = "servfail"
    DNS_TIMEOUT = "dns_timeout"
    DNS_ERROR = "dns_error"
    # connection
    REFUSED = "refused"
    CONNECT_TIMEOUT = "connect_timeout"
    NO_ROUTE = "no_route"
    RESET = "reset"
    PEER_CLOSED = "peer_closed"
    HANDSHAKE_TIMEOUT = "handshake_timeout"
    # TLS
    PLAIN_HTTP = "plain_http"
    NOT_TLS = "not_tls"
    TLS_ALERT = "tls_alert"
    TLS_ERROR = "tls_error"
    MESSAGE_TOO_LARGE = "message_too_large"
    BAD_CERTIFICATE = "bad_certificate"
    INVALID_INPUT = "invalid_input"
    # HTTP (the page per layer)
    HTTP_TIMEOUT = "http_timeout"
    HTTP_PROTOCOL = "http_protocol"
    TOO_MANY_REDIRECTS = "too_many_redirects"


class PathStatus(enum.StrEnum):
    """Where the certificate path built from a leaf ends, and the layer's trust verdict.

    ``TRUSTED`` and ``PRIVATE`` as a verdict mean the browser-grade verifier accepted the
    served chain; ``REFUSED`` is a verdict only (the path reaches a trusted root by name and
    signature, but the verifier refused the chain: the findings say why).
    """

    TRUSTED = "trusted"  # at a root of the trust store
    PRIVATE = "private"  # at an --extra-ca root
    REFUSED = "refused"  # anchored, but the verifier refused it
    UNTRUSTED_ROOT = "untrusted_root"  # at a self-signed root nobody trusts
    SELF_SIGNED = "self_signed"  # the leaf is its own issuer
    INCOMPLETE = "incomplete"  # an issuer is missing and could not be found
