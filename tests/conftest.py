"""Shared fixtures: one embedded lab per test session (real TLS servers and DNS on loopback)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from layerscope.lab.lab import Lab

from .nginx_helpers import nginx  # noqa: F401 - the `nginx` fixture: a real nginx, or a skip

# the "rolling" site's edges switch certificates on a timer; tests that are not about
# watching pin them to the previous certificate so their findings never depend on timing
os.environ.setdefault("LAYERSCOPE_LAB_ROLLING", "inf,inf,inf")


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The embedded lab, started once for the whole session."""
    with Lab() as running:
        yield running
