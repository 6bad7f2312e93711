"""The pieces evidence shapes share, and the typed accessors that read evidence.

A finding's ``evidence`` stays a plain mapping at runtime (JSON-compatible values). Its
shape per code is a ``TypedDict`` (:mod:`layerscope.model.evidence`): deciders build
evidence by calling the shape, so mypy reports a missing or unknown key; readers go through
:func:`evidence_of`, and subscript the result (``ev["older_by_days"]``), so mypy reports a
key the shape does not declare (``.get`` is not checked by mypy: do not use it).

The view :func:`evidence_of` returns never raises for an absent key (it gives ``None``):
remediation is also built from hand-made or odd evidence, so readers still treat every
value as untrusted and pass it through their type-checking helpers.

No ``from __future__ import annotations`` in the evidence modules: Python 3.11 computes a
``TypedDict``'s required and optional keys from evaluated annotations only.
"""

from collections.abc import Iterator, Mapping
from typing import Any, Literal, NotRequired, Protocol, TypedDict, TypeVar, cast

CertRole = Literal["leaf", "intermediate", "root"]
"""Which certificate of the path a finding is about."""


class CertRef(TypedDict):
    """Which certificate: its subject (RFC 4514) and its SHA-256 fingerprint (hex)."""

    subject: str
    sha256: str


class CaRef(TypedDict):
    """Which CA: its subject and fingerprint (rules about what a CA constrains)."""

    ca: str
    ca_sha256: str


class CertSummary(CertRef):
    """A leaf as the cross-layer findings show it: issuer and validity (ISO 8601 UTC)."""

    issuer: str
    not_before: str
    not_after: str


class OnPath(TypedDict):
    """Added to every path-rule finding by the pipeline, not by the rule itself."""

    role: NotRequired[CertRole]  # which certificate of the path (every finding has it)


class Grouped(OnPath):
    """A path-rule finding that groups the violations of one code."""

    # the evidence of every violation of the group, in path order (every finding has it)
    items: NotRequired[list[Mapping[str, Any]]]


class HasEvidence(Protocol):
    """Anything that carries evidence: a finding, a remediation context, a rule violation."""

    @property
    def evidence(self) -> Mapping[str, Any]:
        """The facts, as a mapping of JSON-compatible values."""
        ...


Shape = TypeVar("Shape", bound=Mapping[str, object])
"""An evidence shape (a ``TypedDict``) as the accessors' type parameter."""


class _Facts(Mapping[str, Any]):
    """A read-only view of evidence in which an absent key reads as ``None``."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def record_of(value: object, shape: type[Shape]) -> Shape:
    """``value`` read as ``shape`` (empty when it is not a mapping); absent keys read None."""
    return cast(Shape, _Facts(value if isinstance(value, Mapping) else {}))


def records_of(value: object, shape: type[Shape], limit: int = 100) -> list[Shape]:
    """The mappings among the first ``limit`` items of a list ``value``, read as ``shape``."""
    if not isinstance(value, list | tuple):
        return []
    return [record_of(item, shape) for item in value[:limit] if isinstance(item, Mapping)]


def evidence_of(source: HasEvidence, shape: type[Shape]) -> Shape:
    """The evidence of ``source`` (a finding, a context, a violation) read as ``shape``."""
    return record_of(source.evidence, shape)


def shape_keys(shape: type[Mapping[str, object]]) -> tuple[frozenset[str], frozenset[str]]:
    """The required and the optional keys of an evidence shape."""
    found = vars(shape)
    required: frozenset[str] = found.get("__required_keys__", frozenset())
    optional: frozenset[str] = found.get("__optional_keys__", frozenset())
    return required, optional


__all__ = [
    "CaRef",
    "CertRef",
    "CertRole",
    "CertSummary",
    "Grouped",
    "HasEvidence",
    "OnPath",
    "Shape",
    "evidence_of",
    "record_of",
    "records_of",
    "shape_keys",
]
