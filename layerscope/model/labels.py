"""Short certificate labels: the same leaf gets the same letter everywhere.

The one place that letters leaves: the reports, the inspector (its preliminary labels while
probes stream in too) and watch's timelines all take their order from :func:`leaf_order`.
"""

from __future__ import annotations

from collections.abc import Iterable

from layerscope.model.kinds import Role

TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model.cert import CertFacts
    from layerscope.model.layer import Layer
    from layerscope.model.report import Report


def label_name(index: int) -> str:
    """The label of the ``index``-th distinct leaf: A..Z, then AA, AB, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def leaf_order(
    layers: Iterable[Layer],
    reference: CertFacts | None = None,
    references: Iterable[CertFacts] = (),
) -> list[str]:
    """Leaf SHA-256s in label order: the reference first, then the other ``references``
    (of each type, on a site whose layers serve two certificates), then the origins'
    leaves, then the edges', in layer order (a layer's second certificate after its
    first); each once. Leaves served only without SNI are left out."""
    order: list[str] = [reference.sha256] if reference is not None else []
    order += [ref.sha256 for ref in references]
    for layer in sorted(layers, key=lambda ly: ly.role is not Role.ORIGIN):
        order += [part.leaf.sha256 for part in layer.parts if part.leaf is not None]
    return list(dict.fromkeys(order))


def leaf_labels(report: Report) -> dict[str, str]:
    """Map each leaf SHA-256 served in ``report`` to its label ("A" is the reference when
    there is one), in label order."""
    refs = (r.cert for r in report.type_references)
    order = leaf_order(report.layers, report.reference, refs)
    return {sha: label_name(i) for i, sha in enumerate(order)}


__all__ = ["label_name", "leaf_labels", "leaf_order"]
