"""Fixtures for the core unit tests: one small real PKI per session."""

from __future__ import annotations

import pytest

from .helpers import Pki, make_pki


@pytest.fixture(scope="session")
def ca() -> Pki:
    """A trusted root + intermediate and an untrusted root + intermediate."""
    return make_pki()
