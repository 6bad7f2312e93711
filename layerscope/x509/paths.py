"""Path building and the verdict of one served chain.

Two views of one served chain:

* our own path builder links certificates by name and signature (``certs.issued_by``)
  and says *where* the path ends and *what* is off (order, missing, unrelated, root);
* cryptography's verifier (:mod:`layerscope.x509.verify`) gives the verdict for the served
  chain as-is: ``ChainAnalysis.status`` is ``trusted`` only when it accepts. Its errors are
  vague ("candidates exhausted" for a missing intermediate, an unknown root and a
  self-signed leaf alike), which is why the causes come from the path builder and the
  rules of :mod:`layerscope.x509.pathcheck`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.model import CertFacts, ChainAnalysis, PathStatus
from layerscope.x509.certs import is_self_signed, issued_by
from layerscope.x509.stores import TrustStore, anchor_ders
from layerscope.x509.verify import Verdict, verify

MAX_PATH = 16  # longer paths are not followed (clients stop well before)


@dataclass(frozen=True)
class _Walk:
    status: PathStatus
    path: tuple[CertFacts, ...]
    served_idx: tuple[int | None, ...]  # index in the served chain, None when found elsewhere
    sources: tuple[str, ...]
    missing_issuer: str = ""
    too_long: bool = False


_RANK = {
    PathStatus.TRUSTED: 0,
    PathStatus.PRIVATE: 1,
    PathStatus.UNTRUSTED_ROOT: 2,
    PathStatus.SELF_SIGNED: 3,
    PathStatus.INCOMPLETE: 4,
}
MAX_STEPS = 2000  # signature checks per chain: bounded even for hostile 60-cert chains


def _score(walk: _Walk) -> tuple[int, int, int]:
    outside = sum(
        1
        for i, src in zip(walk.served_idx, walk.sources, strict=True)
        if i is None and src != "trust store"
    )
    return _RANK[walk.status], outside, len(walk.path)


def _walk(
    served: Sequence[CertFacts],
    others: Sequence[tuple[CertFacts, str]],
    roots: TrustStore,
    extra: Sequence[CertFacts],
) -> _Walk:
    """The best path from the leaf: trusted before private before untrusted before
    incomplete; then the fewest certificates the server did not send; then the shortest.

    Depth-first with backtracking, so a cross-signed copy sent before the trusted
    intermediate does not hide the trusted path; cycles are cut by never revisiting a
    certificate already on the path.
    """
    leaf = served[0]
    extra_keys = {(c.subject, c.spki_sha256) for c in extra}
    if is_self_signed(leaf):
        if leaf in roots:
            status = PathStatus.TRUSTED
        elif (leaf.subject, leaf.spki_sha256) in extra_keys:
            status = PathStatus.PRIVATE
        else:
            status = PathStatus.SELF_SIGNED
        return _Walk(status, (leaf,), (0,), ("served",))

    budget = [MAX_STEPS]
    best: list[_Walk] = []

    def signed(child: CertFacts, parent: CertFacts) -> bool:
        if budget[0] <= 0 or child.issuer != parent.subject:
            return False
        budget[0] -= 1
        return issued_by(child, parent)

    def offer(walk: _Walk) -> None:
        if not best or _score(walk) < _score(best[0]):
            best[:] = [walk]

    def extend(path: list[CertFacts], idx: list[int | None], sources: list[str]) -> None:
        current = path[-1]
        on_path = {c.sha256 for c in path}
        if len(path) >= MAX_PATH or budget[0] <= 0:
            offer(
                _Walk(
                    PathStatus.INCOMPLETE,
                    tuple(path),
                    tuple(idx),
                    tuple(sources),
                    current.issuer,
                    too_long=True,
                )
            )
            return
        anchors = [
            r for r in (*roots.by_subject(current.issuer), *extra) if r.subject == current.issuer
        ]
        anchor = next((r for r in anchors if signed(current, r)), None)
        if anchor is not None:
            status = PathStatus.TRUSTED if anchor in roots else PathStatus.PRIVATE
            # prefer the served copy of the anchor (a root in the chain, or an intermediate
            # the store holds) so it is accounted for, not called unrelated
            served_root = next(
                (
                    i
                    for i, c in enumerate(served)
                    if c.spki_sha256 == anchor.spki_sha256
                    and c.subject == anchor.subject
                    and c.sha256 not in on_path
                ),
                None,
            )
            if served_root is not None:
                offer(
                    _Walk(
                        status,
                        (*path, served[served_root]),
                        (*idx, served_root),
                        (*sources, "served"),
                    )
                )
            else:
                offer(_Walk(status, (*path, anchor), (*idx, None), (*sources, "trust store")))
            return  # nothing beats an anchor reached from here
        candidates: list[tuple[CertFacts, int | None, str]] = [
            (c, i, "served") for i, c in enumerate(served) if c.sha256 not in on_path
        ]
        candidates += [(c, None, src) for c, src in others if c.sha256 not in on_path]
        seen: set[str] = set()
        found = False
        for cert, i, src in candidates:
            if cert.sha256 in seen or not signed(current, cert):
                continue
            seen.add(cert.sha256)
            found = True
            path.append(cert)
            idx.append(i)
            sources.append(src)
            if is_self_signed(cert):
                offer(_Walk(PathStatus.UNTRUSTED_ROOT, tuple(path), tuple(idx), tuple(sources)))
            else:
                extend(path, idx, sources)
            path.pop()
            idx.pop()
            sources.pop()
            if (
                best
                and _RANK[best[0].status] <= _RANK[PathStatus.PRIVATE]
                and _score(best[0])[1] == 0
            ):
                return  # a trusted path from served certificates only: done
        if not found:
            status = PathStatus.INCOMPLETE if current is leaf else PathStatus.UNTRUSTED_ROOT
            offer(_Walk(status, tuple(path), tuple(idx), tuple(sources), current.issuer))

    extend([leaf], [0], ["served"])
    return best[0]


def _anchor_of(
    path: Sequence[CertFacts], roots: TrustStore, extra: Sequence[CertFacts]
) -> CertFacts | None:
    """The trust store's copy of the root ``path`` ends at (the verifier judges that one)."""
    if not path:
        return None
    top = path[-1]
    pool = [*roots.by_subject(top.subject), *(c for c in extra if c.subject == top.subject)]
    same = [c for c in pool if c.spki_sha256 == top.spki_sha256]
    return next((c for c in same if c.sha256 == top.sha256), same[0] if same else None)


def _verdict(built: PathStatus, verdict: Verdict, has_missing: bool, private: bool) -> PathStatus:
    if verdict.ok:
        return PathStatus.PRIVATE if private else PathStatus.TRUSTED
    if built in (PathStatus.TRUSTED, PathStatus.PRIVATE):
        return PathStatus.INCOMPLETE if has_missing else PathStatus.REFUSED
    return built


def analyse_chain(
    served: Sequence[CertFacts],
    *,
    host: str,
    at: dt.datetime,
    store: TrustStore,
    extra: Sequence[CertFacts] = (),
    others: Sequence[tuple[CertFacts, str]] = (),
    alt_store: TrustStore | None = None,
) -> ChainAnalysis:
    """Build the path for a served chain and compare it with what was sent.

    ``others`` are certificates from elsewhere (other layers' chains, AIA downloads) with a
    description of where they came from; they fill gaps, and such gaps are reported as
    ``missing``. ``alt_store`` is a second trust store to compare anchors with.
    """
    walk = _walk(served, others, store, extra)
    on_path = {i for i in walk.served_idx if i is not None}
    served_positions = [i for i in walk.served_idx if i is not None]
    # wrong order concerns the relative order of the path's certificates; junk in
    # between is reported as unrelated, not as wrong order
    in_order = served_positions == sorted(served_positions)
    root_served = (
        bool(walk.path)
        and walk.path[-1].self_issued
        and (walk.served_idx[-1] is not None and len(walk.path) > 1)
    )
    unrelated = tuple(c for i, c in enumerate(served) if i not in on_path)
    missing = tuple(
        (c, src)
        for c, i, src in zip(walk.path, walk.served_idx, walk.sources, strict=True)
        if i is None and src != "trust store"
    )
    anchors = anchor_ders(store, extra)
    verdict = verify(served[0], served[1:], anchors, host, at)
    completed = verdict
    if not verdict.ok and missing and walk.status in (PathStatus.TRUSTED, PathStatus.PRIVATE):
        completed = verify(served[0], (*served[1:], *(c for c, _ in missing)), anchors, host, at)
    anchor = _anchor_of(walk.path, store, extra)
    extra_keys = {c.sha256 for c in extra} - store.sha256s
    private = bool(verdict.chain) and verdict.chain[-1] in extra_keys
    alt_status = None
    if alt_store is not None:
        alt_status = _walk(served, others, alt_store, extra).status
    return ChainAnalysis(
        status=_verdict(walk.status, verdict, bool(missing), private),
        path=walk.path,
        missing=missing,
        missing_issuer=walk.missing_issuer,
        in_order=in_order,
        root_served=root_served,
        unrelated=unrelated,
        verifier_ok=verdict.ok,
        verifier_error=verdict.error,
        alt_status=alt_status,
        alt_store=alt_store.name if alt_store is not None else "",
        path_too_long=walk.too_long,
        path_status=walk.status,
        completed_ok=completed.ok,
        anchor=anchor if walk.status in (PathStatus.TRUSTED, PathStatus.PRIVATE) else None,
    )


__all__ = ["MAX_PATH", "analyse_chain"]
