"""Trust stores as values: the roots a client trusts, and the stores of one run."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from layerscope.model import CertFacts


class TrustStoreError(ValueError):
    """A trust store that cannot be read."""


@dataclass(frozen=True)
class TrustStore:
    """Root certificates trusted by a client.

    Attributes:
        name: what the user asked for ("certifi", "system", a file path).
        roots: the trusted certificates.
    """

    name: str
    roots: tuple[CertFacts, ...]

    @functools.cached_property
    def keys(self) -> frozenset[tuple[str, str]]:
        """(subject, SPKI) pairs: a root is the same root whatever its exact encoding."""
        return frozenset((r.subject, r.spki_sha256) for r in self.roots)

    def __contains__(self, cert: object) -> bool:
        return isinstance(cert, CertFacts) and (cert.subject, cert.spki_sha256) in self.keys

    def by_subject(self, subject: str) -> tuple[CertFacts, ...]:
        """Roots whose subject is ``subject``."""
        return tuple(r for r in self.roots if r.subject == subject)


@dataclass(frozen=True)
class Stores:
    """Trust stores for one run.

    Attributes:
        main: the store judged against.
        extra: ``--extra-ca`` certificates.
        alt: the store compared with for ``trust_store_dependent``, if any.
    """

    main: TrustStore
    extra: tuple[CertFacts, ...]
    alt: TrustStore | None
