"""Moments as X.509 and our outputs write them: to the second, in UTC."""

from __future__ import annotations

import datetime as dt


def whole_second(at: dt.datetime) -> dt.datetime:
    """``at`` without its fraction of a second: X.509 times have one-second granularity, and
    a certificate is valid through the last second of its notAfter."""
    return at.replace(microsecond=0)


def iso_utc(value: dt.datetime) -> str:
    """``2026-11-27T12:00:00Z``: the moment in UTC, to the second."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["iso_utc", "whole_second"]
