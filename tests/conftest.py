"""Shared fixtures: one embedded lab per test session (real TLS servers and DNS on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from layerscope.lab.lab import Lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The embedded lab, started once for the whole session."""
    with Lab() as running:
        yield running
