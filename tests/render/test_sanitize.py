"""Untrusted text is shown escaped, cut with a length marker, and literal in Markdown."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layerscope.present.sanitize import md_escape, safe_text, summarize_list
from tests.render.conftest import controls, hostile_text

_MD_SPECIAL = set("\\`*_[]<>#|~&$")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[31mb", "a\\x1b[31mb"),
        ("\x00\x07\x7f", "\\x00\\x07\\x7f"),
        ("\x85\x9b", "\\x85\\x9b"),
        ("a\tb\nc\rd", "a\\tb\\nc\\rd"),
        ("\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
        ("\ud800", "\\ud800"),
        ("\U000e0041", "\\U000e0041"),
    ],
)
def test_controls_and_bidi_are_shown_as_escapes(raw: str, shown: str) -> None:
    """C0, DEL, C1, bidi, separators and lone surrogates become visible escapes."""
    assert safe_text(raw) == shown


def test_printable_unicode_is_kept_as_is() -> None:
    """IDN names, accents and emoji are not escaped."""
    value = "bücher.example — 例え.テスト 🔒 [bold]x[/]"
    assert safe_text(value) == value


def test_multiline_keeps_line_feeds_and_still_escapes_the_rest() -> None:
    """With multiline, LF stays, CR LF becomes LF, a lone CR and ESC are escaped."""
    assert safe_text("a\r\nb\nc\rd\x1b", multiline=True) == "a\nb\nc\\rd\\x1b"


def test_long_value_is_cut_with_a_marker_giving_the_full_length() -> None:
    """A 1,734-character value keeps 500 and says how much was left out."""
    value = "x" * 1734
    assert safe_text(value) == "x" * 500 + "…(+1,234 chars, 1,734 total)"


def test_value_of_exactly_the_limit_is_not_cut() -> None:
    """A value as long as the limit is shown whole."""
    assert safe_text("y" * 500) == "y" * 500


def test_cut_never_splits_an_escape() -> None:
    """The limit counts shown characters and an escape is kept whole or dropped."""
    assert safe_text("ab\x1bcd", limit=4) == "ab…(+3 chars, 5 total)"


@given(hostile_text)
def test_single_line_output_has_no_control_characters(value: str) -> None:
    """Whatever the input, the single-line output holds no control, bidi or newline."""
    assert controls(safe_text(value), allowed="") == []


@given(hostile_text)
def test_multiline_output_has_no_control_but_line_feeds(value: str) -> None:
    """Whatever the input, the multiline output holds no control other than LF."""
    assert controls(safe_text(value, multiline=True)) == []


@given(st.text(max_size=3000), st.integers(min_value=0, max_value=600))
def test_output_length_is_bounded_by_the_limit_plus_the_marker(value: str, limit: int) -> None:
    """The shown text never exceeds the limit, apart from the length marker."""
    shown = safe_text(value, limit)
    kept = shown.split("…(+")[0] if len(shown) > limit else shown
    assert len(kept) <= limit


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`rm -rf /`", "\\`rm -rf /\\`"),
        ("[x](https://evil)", "\\[x\\](https://evil)"),
        ("<img src=x>", "\\<img src=x\\>"),
        ("*bold* _em_ ~s~", "\\*bold\\* \\_em\\_ \\~s\\~"),
        ("# title", "\\# title"),
        ("&lt;", "\\&lt;"),
        ("C:\\path", "C:\\\\path"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("127.0.0.1", "127.0.0.1"),
        ("a\nb|c", "a\\\\nb\\|c"),
    ],
)
def test_md_escape_makes_markdown_characters_literal(raw: str, escaped: str) -> None:
    """Markdown punctuation, HTML, links and newlines cannot take effect."""
    assert md_escape(raw) == escaped


@given(hostile_text)
def test_md_escape_removing_the_escapes_gives_the_safe_text(value: str) -> None:
    """Every backslash md_escape adds escapes one character of safe_text's output."""
    escaped = md_escape(value)
    assert re.sub(r"\\(.)", r"\1", escaped) == safe_text(value)
    bare = re.sub(r"\\.", "", escaped)
    assert not _MD_SPECIAL & set(bare)
    assert controls(escaped, allowed="") == []


def test_summarize_list_counts_what_is_left_out() -> None:
    """Past the limit the list ends with how many more there are."""
    names = ["a", "b", "c", *(f"n{i}" for i in range(2974))]
    assert summarize_list(names, limit=3) == "a, b, c (+2,974 more)"


def test_summarize_list_shows_short_lists_whole() -> None:
    """At or under the limit every item is shown and nothing is counted."""
    assert summarize_list(["a", "b"]) == "a, b"
    assert summarize_list([]) == ""
    assert summarize_list(["a", "b"], limit=0) == "(+2 more)"
