"""Short certificate labels: the same leaf gets the same letter everywhere."""

from __future__ import annotations


def label_name(index: int) -> str:
    """The label of the ``index``-th distinct leaf: A..Z, then AA, AB, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name
