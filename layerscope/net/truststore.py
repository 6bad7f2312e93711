"""Reading trust stores from disk: ``certifi``, ``system`` or PEM files (cached by mtime)."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from layerscope.model import CertFacts
from layerscope.model.options import CheckOptions
from layerscope.x509.bundles import load_pem_bundle, pem_roots
from layerscope.x509.certs import CertificateError
from layerscope.x509.stores import LazyRoots, Stores, TrustStore, TrustStoreError


def _bundle_path(spec: str) -> str:
    if spec == "certifi":
        import certifi

        return str(certifi.where())
    if spec == "system":
        import ssl  # after a check's DNS queries went out (#14): asyncio loads it anyway

        paths = ssl.get_default_verify_paths()
        for candidate in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
            if candidate and os.path.isfile(candidate):
                return candidate
        raise TrustStoreError("no system trust store file found (try --ca-bundle FILE)")
    return spec


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(64 * 1024 * 1024)
    except OSError as exc:
        raise TrustStoreError(f"cannot read trust store {path}: {exc.strerror or exc}") from exc


@functools.lru_cache(maxsize=32)
def _load_file(path: str, mtime: float) -> tuple[CertFacts, ...]:
    del mtime  # part of the cache key only: a rewritten file is read again
    try:
        return tuple(load_pem_bundle(_read(path)))
    except CertificateError as exc:
        raise TrustStoreError(f"{path} holds no PEM certificates") from exc


@functools.lru_cache(maxsize=32)
def _load_roots(path: str, mtime: float) -> tuple[tuple[bytes, str], ...]:
    """A bundle's roots as DER and subject: their facts are computed when used."""
    del mtime
    try:
        return tuple(pem_roots(_read(path)))
    except CertificateError as exc:
        raise TrustStoreError(f"{path} holds no PEM certificates") from exc


def load_store(spec: str, extra: Sequence[str] = ()) -> TrustStore:
    """Load ``certifi``, ``system`` or a PEM file, plus extra CA files."""
    roots: list[tuple[bytes, str]] = []
    for item in (_bundle_path(spec), *extra):
        try:
            mtime = os.stat(item).st_mtime
        except OSError as exc:
            raise TrustStoreError(f"cannot read {item}: {exc.strerror or exc}") from exc
        roots.extend(_load_roots(item, mtime))
    return TrustStore(spec, _lazy(tuple(roots)))


@functools.lru_cache(maxsize=8)
def _lazy(entries: tuple[tuple[bytes, str], ...]) -> LazyRoots:
    # one set of computed facts per bundle and process (watch rounds, many sites)
    return LazyRoots(entries)


def load_extra(files: Sequence[str]) -> tuple[CertFacts, ...]:
    """Certificates of the ``--extra-ca`` files."""
    out: list[CertFacts] = []
    for item in files:
        try:
            mtime = os.stat(item).st_mtime
        except OSError as exc:
            raise TrustStoreError(f"cannot read --extra-ca {item}: {exc.strerror or exc}") from exc
        out.extend(_load_file(item, mtime))
    return tuple(out)


def load_stores(options: CheckOptions) -> Stores:
    """Read the trust stores an inspection needs (raises TrustStoreError)."""
    main = load_store(options.ca_bundle)
    extra = load_extra(options.extra_ca)
    alt_spec = options.alt_ca_bundle
    if not alt_spec:
        alt_spec = {"certifi": "system", "system": "certifi"}.get(options.ca_bundle, "none")
    alt: TrustStore | None = None
    if alt_spec != "none":
        try:
            alt = load_store(alt_spec)
        except TrustStoreError:
            if options.alt_ca_bundle:
                raise
            alt = None  # no system store on this host: nothing to compare with
    return Stores(main, extra, alt)
