"""Trust stores as values: the roots a client trusts, and the stores of one run."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from layerscope.model import CertFacts
from layerscope.x509.certs import CertificateError, facts


class LazyRoots:
    """The roots of a bundle as DER with their subjects, each root's facts computed on
    first use: a run builds paths to a few of a store's hundred-odd roots, and reading the
    facts of all of them costs more than the handshakes (~40 ms for certifi's).

    Iterating computes them all (done only where every root is needed: an AIA walk); the
    analysis asks :meth:`by_subject`. A root whose facts cannot be read is left out, as the
    bundle reader leaves out what it cannot parse.
    """

    def __init__(self, entries: Sequence[tuple[bytes, str]]) -> None:
        self.ders: tuple[bytes, ...] = tuple(der for der, _subject in entries)
        self._subjects = tuple(subject for _der, subject in entries)
        self._facts: dict[int, CertFacts | None] = {}

    def __len__(self) -> int:
        return len(self.ders)

    def _at(self, index: int) -> CertFacts | None:
        if index not in self._facts:
            try:
                self._facts[index] = facts(self.ders[index])
            except CertificateError:
                self._facts[index] = None
        return self._facts[index]

    def __iter__(self) -> Iterator[CertFacts]:
        for index in range(len(self.ders)):
            found = self._at(index)
            if found is not None:
                yield found

    @functools.cached_property
    def _by_subject(self) -> dict[str, tuple[int, ...]]:
        index: dict[str, list[int]] = {}
        for i, subject in enumerate(self._subjects):
            index.setdefault(subject, []).append(i)
        return {subject: tuple(found) for subject, found in index.items()}

    def by_subject(self, subject: str) -> tuple[CertFacts, ...]:
        """The roots whose subject is ``subject`` (their facts computed now)."""
        found = (self._at(i) for i in self._by_subject.get(subject, ()))
        return tuple(f for f in found if f is not None)


class TrustStoreError(ValueError):
    """A trust store that cannot be read."""


@dataclass(frozen=True)
class TrustStore:
    """Root certificates trusted by a client.

    Attributes:
        name: what the user asked for ("certifi", "system", a file path).
        roots: the trusted certificates: a tuple, or :class:`LazyRoots` (a bundle read from
            a file, each root's facts computed on first use).
    """

    name: str
    roots: tuple[CertFacts, ...] | LazyRoots

    def __contains__(self, cert: object) -> bool:
        """A root is the same root whatever its exact encoding: same subject and key."""
        if not isinstance(cert, CertFacts):
            return False
        return any(r.spki_sha256 == cert.spki_sha256 for r in self.by_subject(cert.subject))

    def by_subject(self, subject: str) -> tuple[CertFacts, ...]:
        """Roots whose subject is ``subject``."""
        if isinstance(self.roots, LazyRoots):
            return self.roots.by_subject(subject)
        return tuple(r for r in self.roots if r.subject == subject)

    @property
    def ders(self) -> tuple[bytes, ...]:
        """Every root's DER (what the verifier's store is built from)."""
        if isinstance(self.roots, LazyRoots):
            return self.roots.ders
        return tuple(r.der for r in self.roots)

    @functools.cached_property
    def sha256s(self) -> frozenset[str]:
        """Every root's SHA-256 fingerprint."""
        return frozenset(hashlib.sha256(der).hexdigest() for der in self.ders)


def anchor_ders(store: TrustStore, extra: Iterable[CertFacts]) -> tuple[bytes, ...]:
    """The verifier's anchors: the store's roots and the ``--extra-ca`` certificates."""
    return (*store.ders, *(c.der for c in extra))


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
